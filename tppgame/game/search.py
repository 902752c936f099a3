"""Searches along a pair's efficient frontier: where a side first gets a given utility.

The frontier of a pair's deals (:mod:`tppgame.game.frontier`) is sampled on a grid of weights
``theta`` on side a's utility; a side's utility rises along it (a's with theta, b's as theta
falls). :func:`reach` brackets the weight at which a side first gets a level on that grid and
narrows the bracket on the exact frontier, by regula falsi or by bisection; a bisection takes
several steps at once where that is cheaper, to the same points and the same answer bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from tppgame.game.kernels import BISECTION, FALSE_POSITION, INTERPOLATED_FALSE_POSITION, SAFE_BISECTION, reach_square

if TYPE_CHECKING:
    from tppgame.game.frontier import PairTerms

# Weights on a's utility where the frontier is sampled: evenly, plus points close to each end,
# where concessions change fastest with the weight.
_ENDS = np.array([0.001, 0.003, 0.01, 0.03])
THETA_GRID = np.unique(np.concatenate([np.linspace(0.0, 1.0, 17), _ENDS, 1.0 - _ENDS]))


def reach(terms: PairTerms, table: np.ndarray, side_is_a: np.ndarray, level: np.ndarray,
          grid: np.ndarray = THETA_GRID, steps: int = 4, safe: bool = True,
          bisect: bool = False, short_end: bool = False) -> tuple[np.ndarray, ...]:
    """The efficient point where one side (a or b, per row) first gets ``level``, as theta on a.

    ``table`` holds that side's utility on the grid, oriented so it rises (a's as is, b's
    reversed). The crossing is bracketed on the grid and refined on the exact frontier by
    regula falsi (Illinois variant), or by bisection with ``bisect`` (slower, but a higher
    level then never gets a smaller theta). With ``safe`` the answer keeps the side that must
    reach ``level`` on the safe side of the final bracket; without, it is the linear
    interpolation within it. Returns the theta and whether the side can reach the level at all;
    with ``short_end``, also the other end of each final bracket, as theta on a: a point where the
    side surely falls short of ``level`` (the crossing lies strictly beyond it; where the side gets
    ``level`` at the grid's start, that start itself).
    """
    if terms._compiled and terms._rows == len(level):     # the compiled loops: the same points and answers
        method = ((SAFE_BISECTION if safe else BISECTION) if bisect
                  else (FALSE_POSITION if safe else INTERPOLATED_FALSE_POSITION))
        st = terms._stack
        theta, reachable, short = reach_square(st._block(), st.ahead, st.ordered, side_is_a, table, level, grid,
                                               steps, method)
        return (theta, reachable, short) if short_end else (theta, reachable)
    rows = np.arange(len(level))
    reached = table >= level[:, None]
    reachable = reached.any(axis=1)
    k = np.where(reachable, reached.argmax(axis=1), len(grid) - 1)
    k_lo = np.maximum(k - 1, 0)
    lo, hi = grid[k_lo], grid[k]
    f_lo, f_hi = table[rows, k_lo], table[rows, k]
    bracket = reachable & (k > 0)
    only_a, only_b = bool(side_is_a.all()), not side_is_a.any()

    def side_utility(view: np.ndarray, on: PairTerms = terms, side: np.ndarray = side_is_a) -> np.ndarray:
        if only_a or only_b:      # one side for every row: no need to pick per row
            u_a, u_b = on.frontier(view if only_a else 1.0 - view)
            return u_a if only_a else u_b
        u_a, u_b = on.frontier(np.where(side, view, 1.0 - view))
        return np.where(side, u_a, u_b)

    if bisect and safe:             # the answer is hi alone: bisect without the values at the ends
        tiled: dict[int, tuple[PairTerms, np.ndarray]] = {}

        def points_utility(view: np.ndarray) -> np.ndarray:
            """The side's utility at points x rows of views, evaluated as one stack of rows (faster than
            the frontier's points x rows path, whose terms broadcast over the points)."""
            if len(view) == 1:
                return side_utility(view[0])[None]
            if len(view) not in tiled:
                index = np.tile(rows, len(view))
                tiled[len(view)] = terms.rows(index), side_is_a[index]
            return side_utility(view.ravel(), *tiled[len(view)]).reshape(view.shape)

        view, short = _safe_bisection(points_utility, lo, hi, level, bracket, steps)
    elif bisect:
        view, short = _bisection(side_utility, lo, hi, f_lo, f_hi, level, bracket, steps)
    else:
        view, short = _general_search(side_utility, lo, hi, f_lo, f_hi, level, bracket, steps, safe)
    view = np.where(k == 0, grid[0], view)
    theta = np.where(side_is_a, view, 1.0 - view)
    if not short_end:
        return theta, reachable
    short = np.where(k == 0, grid[0], short)
    return theta, reachable, np.where(side_is_a, short, 1.0 - short)


def _general_search(side_utility: Callable[[np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray,
                    f_lo: np.ndarray, f_hi: np.ndarray, level: np.ndarray, bracket: np.ndarray, steps: int,
                    safe: bool) -> tuple[np.ndarray, np.ndarray]:
    """:func:`reach`'s answer as a view (theta on a for side a, on b for side b) before the rows at the
    grid's start are set, with the final bracket's short end (``lo``): regula falsi (Illinois variant),
    the values at the ends of each bracket kept."""
    kept = np.zeros(len(level))        # Illinois: how often in a row hi (> 0) or lo (< 0) stayed put
    for _ in range(steps if bracket.any() else 0):
        mid = np.where(bracket, false_position(lo, hi, f_lo - level, f_hi - level, kept), hi)
        f_mid = side_utility(mid)
        up = bracket & (f_mid >= level)
        down = bracket & ~up
        hi, f_hi = np.where(up, mid, hi), np.where(up, f_mid, f_hi)
        lo, f_lo = np.where(down, mid, lo), np.where(down, f_mid, f_lo)
        kept = np.where(up, np.minimum(kept, 0) - 1, np.maximum(kept, 0) + 1)
    if safe:
        return hi, lo
    return _interpolated(lo, hi, f_lo, f_hi, level, bracket), lo


def _bisection(side_utility: Callable[[np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray,
               f_lo: np.ndarray, f_hi: np.ndarray, level: np.ndarray, bracket: np.ndarray,
               steps: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`reach`'s answer without ``safe``, by bisection: the linear interpolation within each
    bracketed row's final bracket (``hi`` in the other rows), and the short end ``lo``.

    A row outside the bracket starts at lo = hi, so its midpoint is hi itself and nothing moves: no
    mask is needed in the loop (its values at the ends change, but its answer is hi whatever they are)."""
    if not bracket.any():
        return hi, lo
    start = lo
    lo, f_lo = np.where(bracket, lo, hi), np.where(bracket, f_lo, f_hi)
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        f_mid = side_utility(mid)
        up = f_mid >= level
        hi, f_hi = np.where(up, mid, hi), np.where(up, f_mid, f_hi)
        lo, f_lo = np.where(up, lo, mid), np.where(up, f_lo, f_mid)
    return _interpolated(lo, hi, f_lo, f_hi, level, bracket), np.where(bracket, lo, start)


def _interpolated(lo: np.ndarray, hi: np.ndarray, f_lo: np.ndarray, f_hi: np.ndarray, level: np.ndarray,
                  bracket: np.ndarray) -> np.ndarray:
    """Within each bracketed row's final [lo, hi], the linear interpolation of where the side gets
    ``level`` (``f_lo``, ``f_hi``: its utility at the ends); ``hi`` in the other rows."""
    span = np.where(f_hi > f_lo, f_hi - f_lo, 1.0)
    return np.where(bracket, clamp(lo + (level - f_lo) / span * (hi - lo), lo, hi), hi)


def _safe_bisection(points_utility: Callable[[np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray,
                    level: np.ndarray, bracket: np.ndarray, steps: int, depth: int | None = None,
                    ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`reach`'s answer (as :func:`_general_search`'s) by bisection on the safe side: ``hi`` after
    ``steps`` halvings of each bracketed row's [lo, hi], taken ``depth`` at a time (by default as many
    as pays for the rows: :func:`_bisection_depth`).

    The points and comparisons are the sequential bisection's, to the last bit: every midpoint the
    next ``depth`` halvings could reach is worked out first (each as ``0.5 * (lo + hi)`` of its own
    bracket), the side's utility at all of them comes from one evaluation (a row's value does not
    depend on the rows evaluated with it), and then each row follows its own path down that tree.
    A row outside the bracket starts at lo = hi, so every midpoint it has is hi itself. Returns
    ``hi`` and the final bracket's short end ``lo``."""
    if not bracket.any():
        return hi, np.where(bracket, lo, hi)
    lo = np.where(bracket, lo, hi)
    rows = np.arange(len(lo))
    depth = _bisection_depth(len(lo)) if depth is None else depth
    done = 0
    while done < steps:
        d = min(depth, steps - done)
        # the brackets at each level of the tree, the lower halves (the side reached the level at the
        # midpoint) first, then the upper halves: at level l, bracket j + 2**l is the upper half of j
        lows, highs, mids = lo[None], hi[None], []
        for _ in range(d):
            mid = 0.5 * (lows + highs)
            mids.append(mid)
            lows, highs = np.concatenate([lows, mid]), np.concatenate([mid, highs])
        up = points_utility(np.concatenate(mids)) >= level          # points x rows
        place = _tree_leaf(d)[np.dot(1 << np.arange(len(up)), up)]   # each row's path, by its comparisons
        lo, hi = lows[place, rows], highs[place, rows]
        done += d
    return hi, lo


@lru_cache(maxsize=8)
def _tree_leaf(depth: int) -> np.ndarray:
    """Where a row ends after ``depth`` halvings (its bracket's place among the last level's), for every
    outcome of the comparisons at the tree's ``2**depth - 1`` midpoints (bit i: whether the side reached
    the level at midpoint i, in :func:`_safe_bisection`'s order)."""
    outcomes = np.arange(1 << ((1 << depth) - 1))
    place = np.zeros_like(outcomes)
    for level_start in range(depth):
        width = 1 << level_start
        reached = (outcomes >> (width - 1 + place)) & 1
        place = np.where(reached == 1, place, place + width)
    return place


def _bisection_depth(rows: int) -> int:
    """Bisection steps worth taking at once for ``rows`` rows: the tree of ``d`` steps evaluates
    ``2**d - 1`` points a row in one pass, which pays while a pass's fixed cost outweighs the
    rows' (measured on the baseline's talks)."""
    return 4 if rows <= 6 else 3 if rows <= 19 else 2 if rows <= 95 else 1


def false_position(lo: np.ndarray, hi: np.ndarray, g_lo: np.ndarray, g_hi: np.ndarray,
                    kept: np.ndarray) -> np.ndarray:
    """The next regula falsi point in [lo, hi] for values ``g_lo`` and ``g_hi`` at the ends, the end
    that stayed put more than once in a row (``kept``) halved per extra time (Illinois)."""
    if (kept > 1).any():
        g_hi = np.where(kept > 1, g_hi / 2.0 ** (kept - 1), g_hi)
    if (kept < -1).any():
        g_lo = np.where(kept < -1, g_lo / 2.0 ** (-kept - 1), g_lo)
    span = np.where(g_hi > g_lo, g_hi - g_lo, 1.0)
    return clamp(lo - g_lo / span * (hi - lo), lo, hi)


def clamp(x: np.ndarray, lo: np.ndarray | float, hi: np.ndarray | float) -> np.ndarray:
    """``np.clip(x, lo, hi)`` without its wrapper's overhead, which shows on small arrays."""
    return np.minimum(np.maximum(x, lo), hi)
