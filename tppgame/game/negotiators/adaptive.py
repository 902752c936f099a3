"""Adaptive negotiators: they move with the partner, not with the clock.

:class:`Mirror` mirrors the partner's concession rate. Each turn it gives up, as a share of its
own way from best to reservation, the share by which the partner's last offer improved on the
one before (measured in its own utility); while it cannot yet measure that (fewer than two of
the partner's offers seen, or its first turn) it concedes a small opening step, so that two
mirrors facing each other get moving instead of waiting for each other. It never demands less
than its reservation nor more than its best, and it never looks at the deadline: against a
partner that never moves it holds still after its opening steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from tppgame.game.negotiators.base import Negotiator, Talks


class Mirror(Negotiator):
    """Concede as much as the partner conceded: the partner's last improvement, as a share of its
    own range from best to reservation, is the share of that range it gives up this turn.

    Stateless: its demand depends only on what it sees this round (its best, reservation, its
    previous demand and the partner's last improvement, :attr:`Talks.received_gain`), so the same
    Talks always get the same answer and the sweep's memo may answer for it.
    """

    name = "mirror"
    opening_default: ClassVar[float] = 0.05
    classifier = {"stateless": True, "time_dependent": False, "reciprocal": True, "human": False}

    def __init__(self, opening: float | None = None):
        self.opening = float(self.opening_default if opening is None else opening)
        if not 0.0 <= self.opening <= 1.0:
            raise ValueError(f"{self.label}: opening must be from 0 to 1 (a share of the way to the reservation), "
                             f"got {opening!r}")

    @property
    def memo_key(self) -> tuple[Any, ...]:
        """Its class and its ``opening`` (a subclass gets keys of its own, as for the time-dependent ones)."""
        return (type(self).__module__, type(self).__qualname__, self.opening)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(opening={self.opening})"

    def demand(self, talks: Talks) -> np.ndarray:
        return type(self).demands([self] * len(talks), talks)

    @classmethod
    def demands(cls, negotiators: Sequence[Negotiator], talks: Talks) -> np.ndarray:
        """Every row's demand in one array pass (each row's own figures and opening step)."""
        opening = np.array([n.opening for n in negotiators], dtype=float)
        return mirror_demand(talks.best, talks.reserve, talks.previous, talks.received_gain, opening)


def mirror_demand(best: np.ndarray, reserve: np.ndarray, previous: np.ndarray, received_gain: np.ndarray,
                  opening: np.ndarray | float) -> np.ndarray:
    """Mirror's rule, row by row: ``range = max(best - reserve, 0)``; the share conceded this turn is
    ``opening`` where ``previous`` or ``received_gain`` is unknown (NaN), else
    ``clip(received_gain / range, 0, 1)``; the demand is ``previous - share * range`` (``best -
    share * range`` on its first turn), kept within [reserve, max(best, reserve)]."""
    span = np.maximum(best - reserve, 0.0)
    known = ~np.isnan(previous) & ~np.isnan(received_gain)
    mirrored = np.clip(np.nan_to_num(received_gain) / np.where(span > 0, span, 1.0), 0.0, 1.0)   # span 0: moot
    share = np.where(known, mirrored, opening)
    start = np.where(np.isnan(previous), best, previous)
    return np.maximum(np.minimum(start - share * span, np.maximum(best, reserve)), reserve)
