"""Analytic bargaining solutions on a frontier: Nash, Kalai-Smorodinsky and Rubinstein's.

Each works on a frontier given as a function from a parameter (theta, the weight on the first
side's utility) to both sides' utilities, row by row, so many talks are solved at once.

Rubinstein's alternating-offers game (Rubinstein 1982) is solved on the frontier itself, not on a
one-issue pie: its subgame-perfect offers are the two frontier points ``x`` (side 1 proposes) and
``y`` (side 2 proposes) at which each responder is just indifferent between accepting and
proposing next round, ``x_2 - d_2 = delta_2 (y_2 - d_2)`` and ``y_1 - d_1 = delta_1 (x_1 - d_1)``
(Osborne and Rubinstein, *Bargaining and Markets*, 1990, ch. 3). On the unit pie this gives the
closed form :func:`rubinstein_split`; as the time between offers shrinks both points tend to the
asymmetric Nash point whose weights are the sides' relative patience (Binmore, Rubinstein and
Wolinsky 1986, :func:`nash_weights`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from tppgame.game.search import clamp


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


def nash_weights(delta_1: np.ndarray | float, delta_2: np.ndarray | float) -> np.ndarray:
    """Side 1's weight in the asymmetric Nash product that Rubinstein's game tends to as the time
    between offers shrinks (Binmore, Rubinstein and Wolinsky 1986).

    With discount factors ``delta_i = exp(-r_i dt)`` the weight is ``r_2 / (r_1 + r_2)``, that is
    ``ln delta_2 / (ln delta_1 + ln delta_2)``: the more patient side weighs more. Equal patience
    gives 0.5, and so do two perfectly patient sides (the limit of equal patience); a perfectly
    patient side facing an impatient one gets weight 1.
    """
    log_1 = np.log(np.asarray(delta_1, dtype=float))
    log_2 = np.log(np.asarray(delta_2, dtype=float))
    total = log_1 + log_2
    return np.where(total < 0, log_2 / np.where(total < 0, total, -1.0), 0.5)


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
                  lo: np.ndarray | float = 0.0, hi: np.ndarray | float = 1.0, rows: int = 1,
                  weight: np.ndarray | float | None = None, points: int = 257, keep: int = 4) -> np.ndarray:
    """Parameter of the Nash bargaining solution: maximises (u1 - d1)(u2 - d2) on the frontier.

    ``frontier(theta)`` maps parameters (rows x points) to utilities (u1, u2), with u1
    rising and u2 falling in theta. Points where a side is below its disagreement
    value score minus infinity. With ``weight`` (side 1's, per row), the asymmetric Nash
    solution: it maximises (u1 - d1)^w (u2 - d2)^(1 - w). ``points``: the coarse grid's size
    (each of the three narrowing rounds after it divides the step by 8); ``keep``: how many of its
    peaks are narrowed.
    """
    d1, d2 = np.broadcast_to(d1, (rows,))[:, None], np.broadcast_to(d2, (rows,))[:, None]
    w = None if weight is None else np.broadcast_to(np.asarray(weight, dtype=float), (rows,))[:, None]

    def score(u1: np.ndarray, u2: np.ndarray) -> np.ndarray:
        g1, g2 = u1 - d1, u2 - d2
        inside = (g1 >= 0) & (g2 >= 0)
        if w is None:
            return np.where(inside, g1 * g2, -np.inf)
        weighted = np.maximum(g1, 0.0) ** w * np.maximum(g2, 0.0) ** (1.0 - w)
        return np.where(inside, weighted, -np.inf)

    return _zoom(frontier, score, np.broadcast_to(lo, (rows,)), np.broadcast_to(hi, (rows,)), points=points, keep=keep)


def weighted_nash_solution(frontier: Frontier, d1: np.ndarray, d2: np.ndarray, weight: np.ndarray,
                           lo: np.ndarray, hi: np.ndarray, grid: np.ndarray, u1_grid: np.ndarray,
                           u2_grid: np.ndarray, steps: int = 12, tolerance: float = 1e-12) -> np.ndarray:
    """Weight ``theta`` of the asymmetric Nash point on a frontier of weighted-sum optima, row by row.

    Here ``frontier(theta)`` must give the deal that maximises ``theta u1 + (1 - theta) u2`` (as every
    efficient deal of :class:`tppgame.game.frontier.PairTerms` does), so the frontier's normal at the
    point for ``theta`` is ``(theta, 1 - theta)``. The asymmetric Nash point, the maximum of
    ``w ln(u1 - d1) + (1 - w) ln(u2 - d2)``, is where that normal lines up with the product's gradient
    (the first-order condition):

        g(theta) = theta (1 - w) (u1 - d1) - (1 - theta) w (u2 - d2) = 0.

    ``g`` rises with ``theta`` (u1 rises and u2 falls along the frontier), from at most 0 where side 1
    just gets ``d1`` (``lo``) to at least 0 where side 2 just gets ``d2`` (``hi``), so the root is one
    crossing, also at a kink of the frontier (a stretch of ``theta`` giving one deal) or where the
    optimum jumps. It is bracketed on the frontier already sampled at ``grid`` (``u1_grid``,
    ``u2_grid``: rows x grid) and refined on the exact frontier by regula falsi (Illinois variant) for
    at most ``steps`` evaluations, until ``|g|`` at an end is below ``tolerance`` times its largest
    value on the grid. About six evaluations where the grid-and-zoom search of :func:`nash_solution`
    takes over two hundred, and exact where that one is within a grid step's eighth cubed.
    """
    w = np.asarray(weight, dtype=float)
    v = 1.0 - w
    a, g_a, b, g_b, close_enough = first_order_bracket(frontier, d1, d2, w, lo, hi, grid, u1_grid, u2_grid,
                                                       tolerance)
    a, g_a, b, g_b = _illinois(frontier, a.tolist(), g_a.tolist(), b.tolist(), g_b.tolist(),
                               close_enough.tolist(), (v.tolist(), w.tolist(), d1.tolist(), d2.tolist()), steps)
    # the end whose |g| is smaller (the root, where g reaches 0 within the bracket; ``lo`` or ``hi``
    # where g has one sign over the whole zone, which puts the point at that end)
    return clamp(np.where(np.abs(g_a) <= np.abs(g_b), a, b), lo, hi)


def first_order_bracket(frontier: Frontier, d1: np.ndarray, d2: np.ndarray, w: np.ndarray, lo: np.ndarray,
                        hi: np.ndarray, grid: np.ndarray, u1_grid: np.ndarray, u2_grid: np.ndarray,
                        tolerance: float = 1e-12) -> tuple[np.ndarray, ...]:
    """Where :func:`weighted_nash_solution` starts: per row, the bracket [a, b] of the root of g on the
    grid within the zone [lo, hi] (a zone's end where no grid point inside it has the sign wanted), g at
    both ends, and how small ``|g|`` must get to count as the root (``tolerance`` times its largest
    value on the grid): (a, g_a, b, g_b, close_enough)."""
    per_row = (1.0 - w[:, None], w[:, None], d1[:, None], d2[:, None])      # against rows x points
    g_grid = _first_order_gap(grid, u1_grid, u2_grid, *per_row)
    # the last grid point inside the zone where g is still negative, and the first inside one after it
    inside = (grid > lo[:, None]) & (grid < hi[:, None])
    below = inside & (g_grid < 0)
    k_lo = np.where(below.any(axis=1), len(grid) - 1 - below[:, ::-1].argmax(axis=1), -1)
    after = inside & (np.arange(len(grid))[None, :] > k_lo[:, None])
    k_hi = np.where(after.any(axis=1), after.argmax(axis=1), -1)
    rows = np.arange(len(lo))
    a, g_a = np.where(k_lo >= 0, grid[k_lo], lo), g_grid[rows, k_lo]
    b, g_b = np.where(k_hi >= 0, grid[k_hi], hi), g_grid[rows, k_hi]
    if ((k_lo < 0) | (k_hi < 0)).any():      # a zone's end (lo or hi) is a bracket's end: its g is not on the grid
        at = np.concatenate([a[:, None], b[:, None]], axis=1)        # rows x 2, as np.stack lays it out
        at_ends = _first_order_gap(at, *frontier(at), *per_row)
        g_a, g_b = np.where(k_lo < 0, at_ends[:, 0], g_a), np.where(k_hi < 0, at_ends[:, 1], g_b)
    return a, g_a, b, g_b, tolerance * np.abs(g_grid).max(axis=1)


def _first_order_gap(theta: Any, u1: Any, u2: Any, v: Any, w: Any, d1: Any, d2: Any) -> Any:
    """``g = theta (1 - w) (u1 - d1) - (1 - theta) w (u2 - d2)`` (``v`` is ``1 - w``), on numbers or
    arrays alike: the one formula of :func:`weighted_nash_solution`'s first-order condition."""
    return theta * v * (u1 - d1) - (1.0 - theta) * w * (u2 - d2)


def _illinois(frontier: Frontier, a: list[float], g_a: list[float], b: list[float], g_b: list[float],
              close_enough: list[float], weights: tuple[list[float], ...],
              steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each row's bracket [a, b] of the root of g (``g_a < 0 < g_b``) narrowed by regula falsi (Illinois
    variant: an end kept more than once in a row has its g halved per extra time), for at most
    ``steps`` evaluations, until ``|g|`` at an end is at most ``close_enough``: the final ends and their g.

    The frontier is evaluated for every row at once (at a row's ``a`` where its search is over); the
    rest is arithmetic on a few numbers per row, done on Python floats, which round as numpy's float64
    does (the same operations in the same order, so the same bits), without numpy's fixed cost per
    call on arrays of a handful of rows.
    """
    v, w, d1, d2 = weights
    kept = [0] * len(a)        # how often in a row b (> 0) or a (< 0) stayed put
    for _ in range(steps):
        # open: g_a < 0 < g_b, each by more than close_enough (NaN anywhere: closed, as numpy compares)
        open_ = [k for k, (ga, gb, c) in enumerate(zip(g_a, g_b, close_enough)) if -ga > c and gb > c]
        if not open_:
            break
        theta = a.copy()
        for k in open_:
            theta[k] = _false_position(a[k], b[k], g_a[k], g_b[k], kept[k])
        u1, u2 = (u.tolist() for u in frontier(np.array(theta)))
        for k in open_:
            g_mid = _first_order_gap(theta[k], u1[k], u2[k], v[k], w[k], d1[k], d2[k])
            if g_mid >= 0:
                b[k], g_b[k], kept[k] = theta[k], g_mid, min(kept[k], 0) - 1
            else:
                a[k], g_a[k], kept[k] = theta[k], g_mid, max(kept[k], 0) + 1
    return np.array(a), np.array(g_a), np.array(b), np.array(g_b)


def _false_position(lo: float, hi: float, g_lo: float, g_hi: float, kept: int) -> float:
    """:func:`~tppgame.game.search.false_position` for one row, on Python floats (the same bits)."""
    if kept > 1:
        g_hi = g_hi / 2.0 ** (kept - 1)
    elif kept < -1:
        g_lo = g_lo / 2.0 ** (-kept - 1)
    span = g_hi - g_lo if g_hi > g_lo else 1.0
    return min(max(lo - g_lo / span * (hi - lo), lo), hi)


def nash_distance(utility: tuple[float, float], reserve: tuple[float, float], nash: tuple[float, float],
                  ideal: tuple[float, float]) -> float | None:
    """How far a deal lies from the Nash point, inside the zone of agreement scaled to a unit square.

    Each side's gain over its reservation is divided by its ideal gain (its best utility that the
    other could still ratify, less its reservation: the Kalai-Smorodinsky ideal point), so the
    reservations are (0, 0), each side's best is 1 on its axis, and the distance between the deal and
    the Nash point so scaled is at most about 1.41 for deals inside the zone. None where a side's
    ideal gain is nothing (no zone to scale by). Scaling by each side's gain at the Nash point
    instead made a thin zone's hair-breadth differences look like dozens of Nash gains.
    """
    scale = [i - r for i, r in zip(ideal, reserve)]
    if min(scale) <= 1e-12:
        return None
    return math.hypot(*((u - n) / s for u, n, s in zip(utility, nash, scale)))


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


def rubinstein_solution(frontier: Frontier, d1: np.ndarray | float, d2: np.ndarray | float,
                        delta_1: np.ndarray | float, delta_2: np.ndarray | float,
                        lo: np.ndarray | float = 0.0, hi: np.ndarray | float = 1.0, rows: int = 1,
                        points: int = 257, steps: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """Parameters of Rubinstein's subgame-perfect offers on the frontier: (x, y), where ``x`` is the
    point side 1 proposes (and side 2 accepts at once) and ``y`` the point side 2 proposes.

    They solve ``u2(x) - d2 = delta_2 (u2(y) - d2)`` and ``u1(y) - d1 = delta_1 (u1(x) - d1)``: each
    responder gets exactly what it would get by refusing and proposing next round, discounted.
    The disagreement point ``(d1, d2)`` is what each side keeps without a deal; ``[lo, hi]`` is the
    zone of agreement (side 1 gets ``d1`` at ``lo``, side 2 gets ``d2`` at ``hi``). On a concave
    frontier ``u2(x) - d2 - delta_2 (u2(y(x)) - d2)`` falls as ``x`` moves towards side 1, so ``x``
    is found by bisection; ``y`` for a given ``x`` is read from the frontier sampled at ``points``
    parameters (piecewise linear), and found exactly for the final ``x``; ``steps`` bisections each
    (30 narrow a unit range to 1e-9). Two perfectly patient
    sides have no unique equilibrium: the limit, the Nash point, is returned for both.
    """
    d1 = np.broadcast_to(np.asarray(d1, dtype=float), (rows,))
    d2 = np.broadcast_to(np.asarray(d2, dtype=float), (rows,))
    delta_1 = np.broadcast_to(np.asarray(delta_1, dtype=float), (rows,))
    delta_2 = np.broadcast_to(np.asarray(delta_2, dtype=float), (rows,))
    lo = np.broadcast_to(np.asarray(lo, dtype=float), (rows,))
    hi = np.broadcast_to(np.asarray(hi, dtype=float), (rows,))
    grid = lo[:, None] + (hi - lo)[:, None] * np.linspace(0.0, 1.0, points)[None, :]
    table, _ = frontier(grid)                      # u1 on the grid, rising
    table = np.maximum.accumulate(table, axis=1)   # flat stretches stay flat, never falling

    def y_of(level: np.ndarray) -> np.ndarray:
        """The parameter at which side 1 first gets ``level``, from the sampled frontier."""
        k = np.clip((table < level[:, None]).sum(axis=1), 1, points - 1)
        r = np.arange(rows)
        f0, f1 = table[r, k - 1], table[r, k]
        frac = np.clip((level - f0) / np.where(f1 > f0, f1 - f0, 1.0), 0.0, 1.0)
        return grid[r, k - 1] + frac * (grid[r, k] - grid[r, k - 1])

    a, b = lo.copy(), hi.copy()
    for _ in range(steps):
        x = 0.5 * (a + b)
        u1_x, u2_x = (v[:, 0] for v in frontier(x[:, None]))
        y = y_of(d1 + delta_1 * (u1_x - d1))
        _, u2_y = (v[:, 0] for v in frontier(y[:, None]))
        too_low = u2_x - d2 > delta_2 * (u2_y - d2)   # side 2 would accept less: side 1 asks more
        a, b = np.where(too_low, x, a), np.where(too_low, b, x)
    x = 0.5 * (a + b)
    u1_x, _ = (v[:, 0] for v in frontier(x[:, None]))
    level = d1 + delta_1 * (u1_x - d1)
    a, b = lo.copy(), x.copy()
    for _ in range(steps):                          # y exactly, for the final x
        mid = 0.5 * (a + b)
        u1_mid, _ = (v[:, 0] for v in frontier(mid[:, None]))
        below = u1_mid < level
        a, b = np.where(below, mid, a), np.where(below, b, mid)
    y = b
    patient = (delta_1 >= 1.0) & (delta_2 >= 1.0)
    if patient.any():
        nash = nash_solution(frontier, d1, d2, lo, hi, rows=rows)
        x, y = np.where(patient, nash, x), np.where(patient, nash, y)
    return x, y
