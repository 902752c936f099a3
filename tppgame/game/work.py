"""The game's row-wise pure computations, behind one small interface.

A talk's frontier, a round's meetings and who would ratify a package are pure functions of their
inputs, computed row by row. :class:`Work` computes them directly; a sweep's memo
(:class:`tppgame.experiments.memo.SharedWork`) is a ``Work`` that remembers them across the games
of one scenario. The model asks its ``Work`` and never needs to know which it has.
"""

from __future__ import annotations

import numpy as np

from tppgame.game.agreement import accepting
from tppgame.game.frontier import FrontierSummary, PairTerms
from tppgame.game.protocols import Protocol, SessionInput, SessionResult
from tppgame.game.utility import Weights


class Work:
    """The computations done afresh each time (what a game alone uses)."""

    remembers = False     # whether the results are shared with other games

    def summary(self, terms: PairTerms, threshold_a: np.ndarray, threshold_b: np.ndarray,
                relief_a: np.ndarray | float = 0.0, relief_b: np.ndarray | float = 0.0,
                efficient_stake: bool = False) -> FrontierSummary:
        """The talks' frontiers (:meth:`FrontierSummary.build`)."""
        return FrontierSummary.build(terms, threshold_a, threshold_b, relief_a, relief_b, efficient_stake)

    def session(self, protocol: Protocol, inp: SessionInput) -> SessionResult:
        """A round's meetings under a protocol."""
        return protocol.session(inp)

    def accepting(self, weights: Weights, schedule: np.ndarray, group: np.ndarray, side_access: np.ndarray,
                  outside: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Who in ``group`` would ratify these schedules (:func:`tppgame.game.agreement.accepting`)."""
        return accepting(weights, schedule, group, side_access, outside)


DIRECT = Work()
