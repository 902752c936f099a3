"""Time-dependent negotiators (Faratin, Sierra and Jennings 1998) and relative tit-for-tat.

A time-dependent negotiator concedes from its best towards its reservation as the deadline that
applies nears, with the usual definition (Faratin, Sierra and Jennings 1998): at progress
``t = time / T`` its demand is ``reserve + (1 - alpha(t)) (best - reserve)`` with
``alpha(t) = k + (1 - k) t ** (1 / beta)`` and ``k = 0`` (it opens at its best). Boulware (beta
below 1) holds firm until late, linear concedes evenly, a conceder (beta above 1) gives ground
early. At and after the deadline it demands its reservation; how the split is then decided is the
protocol's (:func:`tppgame.game.protocols.settle_overlap`). Each class answers for all its
countries' talks in one array pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from tppgame.game.negotiators.base import Negotiator, Talks


class TimeDependent(Negotiator):
    """Concede from best to reservation as the deadline nears, at a pace set by ``beta``
    (Faratin, Sierra and Jennings 1998): at progress ``t`` the share of the way conceded is
    ``t ** (1 / beta)``."""

    beta_default: ClassVar[float] = 1.0
    classifier = {"stateless": True, "time_dependent": True, "reciprocal": False, "human": False}

    def __init__(self, beta: float | None = None):
        self.beta = float(self.beta_default if beta is None else beta)
        if not self.beta > 0:
            raise ValueError(f"{self.label}: beta must be above 0, got {beta!r}")

    @property
    def memo_key(self) -> tuple[Any, ...]:
        """Its class and its ``beta``: a subclass that keeps the name but decides otherwise gets a key
        of its own, so it never answers from another class's remembered meetings."""
        return (type(self).__module__, type(self).__qualname__, self.beta)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(beta={self.beta})"

    def demand(self, talks: Talks) -> np.ndarray:
        return type(self).demands([self] * len(talks), talks)

    @classmethod
    def demands(cls, negotiators: Sequence[Negotiator], talks: Talks) -> np.ndarray:
        beta = np.array([n.beta for n in negotiators])
        return _time_dependent(talks.best, talks.reserve, talks.progress, beta)


def _time_dependent(best: np.ndarray, reserve: np.ndarray, progress: np.ndarray, beta: np.ndarray) -> np.ndarray:
    share = np.minimum(np.maximum(progress, 0.0), 1.0) ** (1.0 / beta)    # np.clip's numbers, cheaper
    target = best - (best - reserve) * share
    return np.maximum(target, reserve)


class Boulware(TimeDependent):
    """Holds out for most of the talks and concedes late (beta below 1; 0.2 by default)."""

    name = "boulware"
    beta_default = 0.2


class Linear(TimeDependent):
    """Concedes the same amount every round until the deadline (beta 1)."""

    name = "linear"
    beta_default = 1.0


class Conceder(TimeDependent):
    """Gives ground early and then holds (beta above 1; 5 by default)."""

    name = "conceder"
    beta_default = 5.0


class TitForTat(TimeDependent):
    """Relative tit-for-tat (Faratin et al.): concede what the partner conceded in its last offer;
    open like a time-dependent negotiator with ``beta`` (1, linear, by default)."""

    name = "tit_for_tat"
    beta_default = 1.0
    classifier = {"stateless": True, "time_dependent": False, "reciprocal": True, "human": False}

    @classmethod
    def demands(cls, negotiators: Sequence[Negotiator], talks: Talks) -> np.ndarray:
        beta = np.array([n.beta for n in negotiators])
        opening = _time_dependent(talks.best, talks.reserve, talks.progress, beta)
        previous, received = talks.previous, talks.received_gain
        reciprocal = previous - np.maximum(received, 0.0)
        known = ~np.isnan(previous) & ~np.isnan(received)
        return np.maximum(np.where(known, reciprocal, opening), talks.reserve)

