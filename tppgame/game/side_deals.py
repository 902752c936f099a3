"""Side deals: what concluded bilateral deals outside the plurilateral package change.

A *standalone* side deal (Australia-Japan, April 2014) is in force once concluded,
whatever happens to the TPP: it gives each party access to the other's market (and the
political cost of that opening is paid), and so moves both
parties' outside options and, through the precedent term, third parties' reference
points. A *conditional* side deal (US-Japan) binds only if the plurilateral agreement
forms: its concessions are folded into the package, so it is handled like any TPP
bilateral deal by :mod:`tppgame.game.agreement`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class ClosedDeal:
    """A concluded bilateral deal: what ``a`` opens to ``b`` and what ``b`` opens to ``a``."""

    a: int
    b: int
    kind: str            # "tpp", "conditional" or "standalone"
    label: str
    round: int
    x_ab: np.ndarray
    x_ba: np.ndarray
    # the talk's frontier as it stood when the deal closed (a one-row FrontierSummary; None for a
    # deal a scenario states outright): what benchmarks such as the Nash point are measured on
    frontier: Any = None
    # the phase-outs of its concessions (:class:`tppgame.game.phase_out.DealYears`; None for none),
    # settled with the weights of the round it closed; the depth above does not depend on them
    phase_outs: Any = None

    @property
    def years(self) -> tuple[dict[str, int], dict[str, int]]:
        """``{sector: years}`` (0 = at once) for what ``a`` opens, then for what ``b`` opens."""
        return self.phase_outs.sides if self.phase_outs is not None else ({}, {})


def side_deal_access(deals: list[ClosedDeal], n: int, s: int) -> np.ndarray:
    """Access [exporter, importer, sector] given by the standalone side deals in force."""
    access = np.zeros((n, n, s))
    for deal in deals:
        if deal.kind != "standalone":
            continue
        np.maximum(access[deal.b, deal.a], deal.x_ab, out=access[deal.b, deal.a])
        np.maximum(access[deal.a, deal.b], deal.x_ba, out=access[deal.a, deal.b])
    return access


def fixed_terms(terms: dict[str, dict[str, float]], a: str, b: str,
                sectors: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Concession vectors for a side deal whose terms a scenario states (unnamed sectors: 0)."""
    def vector(code: str) -> np.ndarray:
        given = terms.get(code, {})
        return np.array([given.get(sector, 0.0) for sector in sectors])

    return vector(a), vector(b)
