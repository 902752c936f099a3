"""Analytic bargaining solutions on a frontier: Nash, Kalai-Smorodinsky and Rubinstein's split.

Each works on a frontier given as a function from a parameter (theta, the weight on the first
side's utility) to both sides' utilities, row by row, so many talks are solved at once.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

def rubinstein_split(delta_1: float, delta_2: float) -> float:
    """The first proposer's share of a unit pie in Rubinstein's alternating-offers equilibrium.

    ``(1 - delta_2) / (1 - delta_1 * delta_2)`` for discount factors in (0, 1].
    """
    for name, delta in (("delta_1", delta_1), ("delta_2", delta_2)):
        if not 0.0 < delta <= 1.0:
            raise ValueError(f"{name} must be in (0, 1], got {delta}")
    if delta_1 == 1.0 and delta_2 == 1.0:
        return 0.5  # the limit of equally patient players
    return (1.0 - delta_2) / (1.0 - delta_1 * delta_2)


Frontier = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def _zoom(frontier: Frontier, score: Callable[[np.ndarray, np.ndarray], np.ndarray],
          lo: np.ndarray, hi: np.ndarray, points: int = 257, rounds: int = 4, keep: int = 4) -> np.ndarray:
    """Maximise ``score(u1, u2)`` along a frontier parameterised on [lo, hi], row by row.

    A coarse grid first; then the ``keep`` highest local peaks of it (a plateau's ends count) are
    each narrowed down, side by side, and the best of them wins. A frontier with kinks, where a
    side reaches a red line, can have a long plateau and, beside it, a peak narrower than the
    coarse grid's step that is a little higher: narrowing only the coarse grid's best would
    settle on the plateau.
    """
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    rows = np.arange(len(lo))[:, None]
    grid = lo[:, None] + (hi - lo)[:, None] * np.linspace(0.0, 1.0, points)[None, :]
    values = score(*frontier(grid))
    padded = np.pad(values, ((0, 0), (1, 1)), constant_values=-np.inf)
    left, right = padded[:, :-2], padded[:, 2:]
    # local peaks, and the ends of a plateau (a narrow peak between two grid points sits beside one)
    peaks = np.where((values >= left) & (values >= right) & ((values > left) | (values > right)), values, -np.inf)
    top = np.argsort(-peaks, axis=1, kind="stable")[:, :min(keep, points)]         # rows x keep
    best, best_value = grid[rows, top], values[rows, top]
    step = ((hi - lo) / (points - 1))[:, None]
    c_lo, c_hi = np.maximum(best - step, lo[:, None]), np.minimum(best + step, hi[:, None])
    fine = np.linspace(0.0, 1.0, 17)
    for _ in range(rounds - 1):
        sub = c_lo[:, :, None] + (c_hi - c_lo)[:, :, None] * fine                   # rows x keep x 17
        sub_values = score(*frontier(sub.reshape(len(lo), -1))).reshape(sub.shape)
        k = sub_values.argmax(axis=2)[:, :, None]
        best, best_value = np.take_along_axis(sub, k, 2)[:, :, 0], np.take_along_axis(sub_values, k, 2)[:, :, 0]
        step = (c_hi - c_lo) / (len(fine) - 1)
        c_lo, c_hi = np.maximum(best - step, c_lo), np.minimum(best + step, c_hi)
    return best[rows[:, 0], best_value.argmax(axis=1)]


def nash_solution(frontier: Frontier, d1: np.ndarray | float = 0.0, d2: np.ndarray | float = 0.0,
                  lo: np.ndarray | float = 0.0, hi: np.ndarray | float = 1.0, rows: int = 1) -> np.ndarray:
    """Parameter of the Nash bargaining solution: maximises (u1 - d1)(u2 - d2) on the frontier.

    ``frontier(theta)`` maps parameters (rows x points) to utilities (u1, u2), with u1
    rising and u2 falling in theta. Points where a side is below its disagreement
    value score minus infinity.
    """
    d1, d2 = np.broadcast_to(d1, (rows,))[:, None], np.broadcast_to(d2, (rows,))[:, None]

    def score(u1: np.ndarray, u2: np.ndarray) -> np.ndarray:
        g1, g2 = u1 - d1, u2 - d2
        return np.where((g1 >= 0) & (g2 >= 0), g1 * g2, -np.inf)

    return _zoom(frontier, score, np.broadcast_to(lo, (rows,)), np.broadcast_to(hi, (rows,)))


def kalai_smorodinsky_solution(frontier: Frontier, d1: np.ndarray | float, d2: np.ndarray | float,
                               ideal1: np.ndarray | float, ideal2: np.ndarray | float,
                               lo: np.ndarray | float = 0.0, hi: np.ndarray | float = 1.0,
                               rows: int = 1, steps: int = 50) -> np.ndarray:
    """Parameter of the Kalai-Smorodinsky solution: equal shares of each side's ideal gain.

    The point on the frontier where (u1 - d1) / (ideal1 - d1) = (u2 - d2) / (ideal2 - d2).
    The difference of the two shares rises with theta, so bisection finds it even where the
    frontier is flat in theta for long stretches.
    """
    d1, d2 = np.broadcast_to(d1, (rows,)).astype(float), np.broadcast_to(d2, (rows,)).astype(float)
    r1 = np.maximum(np.broadcast_to(ideal1, (rows,)) - d1, 1e-12)
    r2 = np.maximum(np.broadcast_to(ideal2, (rows,)) - d2, 1e-12)
    lo = np.broadcast_to(lo, (rows,)).astype(float)
    hi = np.broadcast_to(hi, (rows,)).astype(float)
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        u1, u2 = frontier(mid[:, None])
        below = (u1[:, 0] - d1) / r1 < (u2[:, 0] - d2) / r2
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return 0.5 * (lo + hi)
