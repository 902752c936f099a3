"""Compiled loops for the efficient frontier's arithmetic, the same numbers as the array code, bit for bit.

A pair's efficient deal at a weight ``theta`` and the utilities it gives
(:meth:`tppgame.game.frontier.PairTerms.frontier`) take about thirty array operations on small arrays
(a few talks x twice the sectors), so a game's few hundred frontier evaluations cost mostly numpy's
fixed cost per call. These loops do the same arithmetic element by element in one compiled pass
(numba), in the same order, so that every result is the array code's to the last bit:

* each element's operations are the array code's, one by one (IEEE arithmetic is the same in a loop);
  numpy's ``minimum`` and ``maximum`` keep their second operand on a tie;
* a sum over sectors follows numpy's pairwise summation of a contiguous row (eight partial sums from
  eight elements on, combined in pairs, then the rest one by one), which ``np.add.reduce`` uses;
* the cost exponent 2 is a square (numpy's ``x ** 2.0`` is ``x * x``); other exponents stay with the
  array code, whose ``power`` a loop does not reproduce to the bit.

``tests/test_kernels.py`` holds the loops to the array code on random terms; every bundled game plays
the same with them (tests/test_same_games.py).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from numba import njit

# the layers of a stacked terms block (tppgame.game.stacked.STACK_NUMBERS), by position
W, P, BASE, RIVAL, C, OWN, OWN_COST, BASE_FLOOR, HIGH, LOW, CEILING = range(11)


@njit(cache=True, inline="always")
def _min(a: float, b: float) -> float:
    return a if a < b else b      # noqa: FURB136 -- numpy's minimum, tie and all, spelt out


@njit(cache=True, inline="always")
def _max(a: float, b: float) -> float:
    return a if a > b else b      # noqa: FURB136 -- numpy's maximum, tie and all, spelt out


@njit(cache=True)
def _pairwise(x: np.ndarray, lo: int, n: int) -> float:
    """numpy's pairwise sum of ``x[lo:lo + n]`` (n up to its block of 128)."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += x[lo + i]
        return res
    r0, r1, r2, r3 = x[lo], x[lo + 1], x[lo + 2], x[lo + 3]
    r4, r5, r6, r7 = x[lo + 4], x[lo + 5], x[lo + 6], x[lo + 7]
    i = 8
    while i < n - (n % 8):
        r0 += x[lo + i]
        r1 += x[lo + i + 1]
        r2 += x[lo + i + 2]
        r3 += x[lo + i + 3]
        r4 += x[lo + i + 4]
        r5 += x[lo + i + 5]
        r6 += x[lo + i + 6]
        r7 += x[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += x[lo + i]
        i += 1
    return res


@njit(cache=True)
def _concede(numbers: np.ndarray, ahead: np.ndarray, any_ahead: bool, ordered: bool, r: int, t: float,
             n: int, z: np.ndarray) -> None:
    """Row ``r``'s efficient concessions at weight ``t`` on a (cost exponent 2) into ``z`` (2n)."""
    t = _min(_max(t, 1e-12), 1.0 - 1e-12)
    ratio = (1.0 - t) / t
    inverse = 1.0 / ratio
    for j in range(2 * n):
        weight = ratio if j < n else inverse
        high = weight * numbers[HIGH, r, j]
        low = weight * numbers[LOW, r, j]
        rival = numbers[RIVAL, r, j]
        if ordered:
            v = _max(low, _min(high, rival))
        else:
            v = high if high <= rival else (low if low >= rival else rival)   # noqa: FURB136 -- the array code's where
        v = _min(_max(v, numbers[OWN, r, j]), numbers[CEILING, r, j])
        if any_ahead:
            base = numbers[BASE, r, j]
            reached = _max(v, base)
            gain = numbers[W, r, j] * (reached - base) + numbers[P, r, j] * (_min(reached, rival)
                                                                            - numbers[BASE_FLOOR, r, j])
            cost = numbers[C, r, j] * (v * v - numbers[OWN_COST, r, j])
            if ahead[r, j] and (v <= base or weight * gain <= cost):
                v = numbers[OWN, r, j]
        z[j] = v


@njit(cache=True)
def _utilities(numbers: np.ndarray, r: int, z: np.ndarray, granted: bool, n: int, gains: np.ndarray,
               costs: np.ndarray) -> tuple[float, float]:
    """(u_a, u_b) of row ``r``'s stacked concessions ``z`` (cost exponent 2)."""
    for j in range(2 * n):
        v = z[j]
        base = numbers[BASE, r, j]
        reached = _max(v, base)
        gain = numbers[W, r, j] * (reached - base)
        gain = gain + numbers[P, r, j] * (_min(reached, numbers[RIVAL, r, j]) - numbers[BASE_FLOOR, r, j])
        given = v if granted else _max(v, numbers[OWN, r, j])
        gains[j] = gain
        costs[j] = numbers[C, r, j] * (given * given - numbers[OWN_COST, r, j])
    u_a = _pairwise(gains, n, n) - _pairwise(costs, 0, n)
    u_b = _pairwise(gains, 0, n) - _pairwise(costs, n, n)
    return u_a, u_b


@njit(cache=True)
def _frontier_square(numbers: np.ndarray, ahead: np.ndarray, ordered: bool, theta: np.ndarray,
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Utilities (u_a, u_b) at the efficient deals for ``theta`` (points x rows) of stacked terms
    ``numbers`` (layers x rows x 2n) with cost exponent 2; each points x rows."""
    points, rows = theta.shape
    n = numbers.shape[2] // 2
    any_ahead = ahead.any()
    u_a = np.empty((points, rows))
    u_b = np.empty((points, rows))
    z = np.empty(2 * n)
    gains = np.empty(2 * n)
    costs = np.empty(2 * n)
    for k in range(points):
        for r in range(rows):
            _concede(numbers, ahead, any_ahead, ordered, r, theta[k, r], n, z)
            u_a[k, r], u_b[k, r] = _utilities(numbers, r, z, True, n, gains, costs)
    return u_a, u_b


@njit(cache=True)
def _deals_square(numbers: np.ndarray, ahead: np.ndarray, ordered: bool, theta: np.ndarray) -> np.ndarray:
    """The efficient concessions (rows x 2n) for one ``theta`` a row, cost exponent 2."""
    rows = theta.shape[0]
    n = numbers.shape[2] // 2
    any_ahead = ahead.any()
    out = np.empty((rows, 2 * n))
    for r in range(rows):
        _concede(numbers, ahead, any_ahead, ordered, r, theta[r], n, out[r])
    return out


@njit(cache=True)
def _utilities_square(numbers: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(u_a, u_b) of stacked concessions ``z`` (points x rows x 2n), cost exponent 2, each points x rows."""
    points, rows = z.shape[0], z.shape[1]
    n = numbers.shape[2] // 2
    u_a = np.empty((points, rows))
    u_b = np.empty((points, rows))
    gains = np.empty(2 * n)
    costs = np.empty(2 * n)
    for k in range(points):
        for r in range(rows):
            u_a[k, r], u_b[k, r] = _utilities(numbers, r, z[k, r], False, n, gains, costs)
    return u_a, u_b



@njit(cache=True)
def _stack_square(fields: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """:meth:`tppgame.game.frontier.StackedTerms.of` for cost exponent 2: from a pair's terms side by side
    (rows x 14n, the fields in ``TERMS_FIELDS``' order, a's seven then b's), the stacked block (layers x
    rows x 2n), where each receiver is ahead of its giver, and whether low <= high everywhere."""
    rows = fields.shape[0]
    n = fields.shape[1] // 14
    numbers = np.empty((11, rows, 2 * n))
    ahead = np.empty((rows, 2 * n), dtype=np.bool_)
    ordered = True
    for r in range(rows):
        for j in range(2 * n):
            # a's concessions to b (j < n): b receives, a gives; then b's to a
            recv = 7 * n if j < n else 0
            give = 0 if j < n else 7 * n
            s = j % n
            w, p = fields[r, recv + s], fields[r, recv + n + s]
            base, rival = fields[r, recv + 2 * n + s], fields[r, recv + 3 * n + s]
            c, own, cap = fields[r, give + 4 * n + s], fields[r, give + 5 * n + s], fields[r, give + 6 * n + s]
            safe = 2.0 * c if c > 0 else 1.0
            high = (w + p) / safe if c > 0 else 1e12
            low = w / safe if c > 0 else 1e12
            high = high if w + p > 0 else 0.0
            low = low if w > 0 else 0.0
            numbers[W, r, j], numbers[P, r, j], numbers[BASE, r, j], numbers[RIVAL, r, j] = w, p, base, rival
            numbers[C, r, j], numbers[OWN, r, j], numbers[OWN_COST, r, j] = c, own, own * own
            numbers[BASE_FLOOR, r, j], numbers[HIGH, r, j], numbers[LOW, r, j] = _min(base, rival), high, low
            numbers[CEILING, r, j] = _max(cap, own)
            ahead[r, j] = base > own
            ordered = ordered and low <= high
    return numbers, ahead, ordered


# ------------------------------------------------------------------ searches along the frontier
# How tppgame.game.search.reach narrows each row's bracket (reach_square's ``method``)
FALSE_POSITION, INTERPOLATED_FALSE_POSITION, BISECTION, SAFE_BISECTION = range(4)


@njit(cache=True)
def _side_value(numbers: np.ndarray, ahead: np.ndarray, any_ahead: bool, ordered: bool, r: int, view: float,
                side_a: bool, n: int, z: np.ndarray, gains: np.ndarray, costs: np.ndarray) -> float:
    """Row ``r``'s searching side's utility at ``view`` (theta on a for side a, on b for side b)."""
    _concede(numbers, ahead, any_ahead, ordered, r, view if side_a else 1.0 - view, n, z)
    u_a, u_b = _utilities(numbers, r, z, True, n, gains, costs)
    return u_a if side_a else u_b


@njit(cache=True, inline="always")
def _clamp(x: float, lo: float, hi: float) -> float:
    return _min(_max(x, lo), hi)


@njit(cache=True, inline="always")
def _interpolated(lo: float, hi: float, f_lo: float, f_hi: float, level: float) -> float:
    span = f_hi - f_lo if f_hi > f_lo else 1.0
    return _clamp(lo + (level - f_lo) / span * (hi - lo), lo, hi)


@njit(cache=True)
def _narrow(numbers: np.ndarray, ahead: np.ndarray, any_ahead: bool, ordered: bool, r: int, side_a: bool,
            a: float, b: float, fa: float, fb: float, goal: float, steps: int, method: int, n: int, z: np.ndarray,
            gains: np.ndarray, costs: np.ndarray) -> tuple[float, float]:
    """One bracketed row's search (:func:`_reach_square`'s and :func:`_zone_square`'s): the answer and the final
    short end, as ``_general_search`` (regula falsi, Illinois; with ``INTERPOLATED_FALSE_POSITION`` the answer
    interpolated in the final bracket), ``_bisection`` and ``_safe_bisection`` give them."""
    if method == FALSE_POSITION or method == INTERPOLATED_FALSE_POSITION:
        kept = 0.0          # Illinois: how often in a row hi (> 0) or lo (< 0) stayed put
        for _ in range(steps):
            g_lo, g_hi = fa - goal, fb - goal
            if kept > 1:
                g_hi = g_hi / 2.0 ** (kept - 1)
            if kept < -1:
                g_lo = g_lo / 2.0 ** (-kept - 1)
            span = g_hi - g_lo if g_hi > g_lo else 1.0
            mid = _clamp(a - g_lo / span * (b - a), a, b)
            f_mid = _side_value(numbers, ahead, any_ahead, ordered, r, mid, side_a, n, z, gains, costs)
            if f_mid >= goal:
                b, fb = mid, f_mid
                kept = _min(kept, 0.0) - 1
            else:
                a, fa = mid, f_mid
                kept = _max(kept, 0.0) + 1
        return (b if method == FALSE_POSITION else _interpolated(a, b, fa, fb, goal)), a
    for _ in range(steps):
        mid = 0.5 * (a + b)
        f_mid = _side_value(numbers, ahead, any_ahead, ordered, r, mid, side_a, n, z, gains, costs)
        if f_mid >= goal:
            b, fb = mid, f_mid
        else:
            a, fa = mid, f_mid
    return (b if method == SAFE_BISECTION else _interpolated(a, b, fa, fb, goal)), a


@njit(cache=True, inline="always")
def _unbracketed(lo: float, hi: float, method: int) -> tuple[float, float]:
    """The answer and short end of a row whose level is not bracketed on the grid (met at the grid's
    start, or nowhere): ``hi`` and, as the array code's searches leave them, ``hi`` or ``lo``."""
    return hi, (hi if method == SAFE_BISECTION else lo)


@njit(cache=True)
def _reach_square(numbers: np.ndarray, ahead: np.ndarray, ordered: bool, side_a: np.ndarray, table: np.ndarray,
                  level: np.ndarray, grid: np.ndarray, steps: int, method: int,
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`tppgame.game.search.reach` whole (cost exponent 2), row by row: each row's bracket on the grid
    (the first point where the side's utility ``table``, rising, reaches ``level``), narrowed on the exact
    frontier by ``method`` (:func:`_narrow`). Returns the answer as theta on a, whether the side reaches its
    level at all, and the final bracket's short end as theta on a."""
    rows, points = table.shape
    n = numbers.shape[2] // 2
    any_ahead = ahead.any()
    z, gains, costs = np.empty(2 * n), np.empty(2 * n), np.empty(2 * n)
    theta, reachable, short = np.empty(rows), np.empty(rows, dtype=np.bool_), np.empty(rows)
    for r in range(rows):
        first = -1                  # the first grid point where the side reaches its level
        for g in range(points):
            if table[r, g] >= level[r]:
                first = g
                break
        reachable[r] = first >= 0
        top = first if first >= 0 else points - 1
        below = top - 1 if top > 0 else 0
        if first > 0:
            view, end = _narrow(numbers, ahead, any_ahead, ordered, r, side_a[r], grid[below], grid[top],
                                table[r, below], table[r, top], level[r], steps, method, n, z, gains, costs)
        else:
            view, end = _unbracketed(grid[below], grid[top], method)
        if top == 0:
            view, end = grid[0], grid[0]
        theta[r] = view if side_a[r] else 1.0 - view
        short[r] = end if side_a[r] else 1.0 - end
    return theta, reachable, short


@njit(cache=True)
def _zone_square(numbers: np.ndarray, ahead: np.ndarray, ordered: bool, u_a: np.ndarray, u_b: np.ndarray,
                 level_a: np.ndarray, level_b: np.ndarray, grid: np.ndarray, steps: int, method: int,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Both searches of :func:`tppgame.game.frontier._zone` (cost exponent 2), as ``reach`` makes them over
    the rows stacked twice: rows 0..R-1 where a first gets ``level_a`` on its sampled utility ``u_a``
    (rows x grid), rows R..2R-1 where b first gets ``level_b`` (``u_b`` read from the grid's end). Returns,
    per stacked row, the crossing as theta on a, whether the side reaches its level at all, the final
    bracket's short end as theta on a, and both sides' utilities at the crossing."""
    rows, points = u_a.shape
    n = numbers.shape[2] // 2
    any_ahead = ahead.any()
    z, gains, costs = np.empty(2 * n), np.empty(2 * n), np.empty(2 * n)
    theta, ok, short = np.empty(2 * rows), np.empty(2 * rows, dtype=np.bool_), np.empty(2 * rows)
    at_a, at_b = np.empty(2 * rows), np.empty(2 * rows)
    for k in range(2 * rows):
        side_a = k < rows
        r = k if side_a else k - rows
        goal = level_a[r] if side_a else level_b[r]
        first = -1                  # the first grid point where the side reaches its level
        for g in range(points):
            value = u_a[r, g] if side_a else u_b[r, points - 1 - g]
            if value >= goal:
                first = g
                break
        ok[k] = first >= 0
        top = first if first >= 0 else points - 1
        below = top - 1 if top > 0 else 0
        a, b = grid[below], grid[top]
        if side_a:
            fa, fb = u_a[r, below], u_a[r, top]
        else:
            fa, fb = u_b[r, points - 1 - below], u_b[r, points - 1 - top]
        if first > 0:
            view, end = _narrow(numbers, ahead, any_ahead, ordered, r, side_a, a, b, fa, fb, goal, steps, method,
                                n, z, gains, costs)
        else:
            view, end = _unbracketed(a, b, method)
        if top == 0:
            view, end = grid[0], grid[0]
        theta[k] = view if side_a else 1.0 - view
        short[k] = end if side_a else 1.0 - end
        _concede(numbers, ahead, any_ahead, ordered, r, theta[k], n, z)
        at_a[k], at_b[k] = _utilities(numbers, r, z, True, n, gains, costs)
    return theta, ok, short, at_a, at_b



@njit(cache=True)
def _zone_found(numbers: np.ndarray, ahead: np.ndarray, ordered: bool, u_a: np.ndarray, u_b: np.ndarray,
                level_a: np.ndarray, level_b: np.ndarray, grid: np.ndarray, steps: int, method: int,
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                           np.ndarray]:
    """:func:`tppgame.game.frontier._zone` whole (cost exponent 2): :func:`_zone_square`'s searches, then, row
    by row, what ``_zone`` makes of them with the array code (the crossings that pass each other, the points
    that meet both levels, the rows ``unsure``, ruled out by the frontier's supporting lines as
    ``_beyond_every_line`` rules them out). Returns the fields of ``_Zone`` in order: theta_best_a,
    theta_best_b, best_a, best_b, ok_a, ok_b, zopa, unsure."""
    theta, ok, short, at_a, at_b = _zone_square(numbers, ahead, ordered, u_a, u_b, level_a, level_b, grid, steps,
                                                method)
    rows, points = u_a.shape
    theta_best_a, theta_best_b, best_a, best_b = np.empty(rows), np.empty(rows), np.empty(rows), np.empty(rows)
    ok_a, ok_b = np.empty(rows, dtype=np.bool_), np.empty(rows, dtype=np.bool_)
    zopa, unsure = np.empty(rows, dtype=np.bool_), np.empty(rows, dtype=np.bool_)
    for r in range(rows):
        t_b, t_a = theta[r], theta[rows + r]               # b's best (where a first gets its level), a's best
        ua_at_b, ua_at_a, ub_at_b, ub_at_a = at_a[r], at_a[rows + r], at_b[r], at_b[rows + r]
        inverted = t_b > t_a
        b_point = inverted and ub_at_b >= level_b[r]
        a_point = inverted and not b_point and ua_at_a >= level_a[r]
        doubt = ok[r] and ok[rows + r] and inverted and short[r] < short[rows + r]
        if doubt:
            # _beyond_every_line over the grid's points and both crossings
            most_b, top_a, top_b = np.inf, 0.0, 0.0
            for g in range(points + 2):
                if g < points:
                    t, ua, ub = grid[g], u_a[r, g], u_b[r, g]
                elif g == points:
                    t, ua, ub = t_b, ua_at_b, ub_at_b
                else:
                    t, ua, ub = t_a, ua_at_a, ub_at_a
                top_a = _max(top_a, abs(ua)) if g else abs(ua)
                top_b = _max(top_b, abs(ub)) if g else abs(ub)
                if t < 1.0:
                    most_b = _min(most_b, (t * ua + (1.0 - t) * ub - t * level_a[r]) / (1.0 - t))
            doubt = not most_b < level_b[r] - 1e-9 * (top_a + top_b)
        theta_best_a[r] = t_b if b_point else t_a
        theta_best_b[r] = t_a if a_point else t_b
        best_a[r] = ua_at_b if b_point else ua_at_a
        best_b[r] = ub_at_a if a_point else ub_at_b
        ok_a[r], ok_b[r] = ok[r], ok[rows + r]
        zopa[r] = ok[r] and ok[rows + r] and (not inverted or b_point or a_point)
        unsure[r] = doubt
    return theta_best_a, theta_best_b, best_a, best_b, ok_a, ok_b, zopa, unsure


# ------------------------------------------------------------------ the calls
def _called(kernel: Callable[..., Any], *args: Any) -> Any:
    """``kernel(*args)`` with Ctrl-C held back until it returns. A SIGINT that Python handles while numba's
    dispatcher is in C surfaces inside it: reported as a ``SystemError`` ("returned a result with an
    exception set") or lost altogether, so a command's Ctrl-C (keep what finished, exit 130) would print
    a traceback or go unheard. On the main thread (the only one Python handles signals on) SIGINT is
    blocked for the call and delivered as it returns, as a plain ``KeyboardInterrupt``; inside a stretch
    that holds it already (:func:`interrupts_held`) the call is made as it is."""
    if _HOLD is None or _stretches or threading.get_ident() != _MAIN_THREAD:
        return kernel(*args)
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _HOLD)
    try:
        return kernel(*args)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


@contextmanager
def interrupts_held() -> Iterator[None]:
    """Ctrl-C held back on the main thread for a stretch of work that makes many compiled calls (a round's
    frontiers, say) and delivered as it ends: the signal mask changes twice for the stretch rather than
    twice a call (:func:`_called`). Only for work that never waits on a person or the network: Ctrl-C
    waits for the stretch to end. Nested stretches hold it once; other threads are left alone."""
    global _stretches
    if _HOLD is None or threading.get_ident() != _MAIN_THREAD:
        yield
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _HOLD) if not _stretches else None
    _stretches += 1
    try:
        yield
    finally:
        _stretches -= 1
        if held is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)


_HOLD = {signal.SIGINT} if hasattr(signal, "pthread_sigmask") else None     # POSIX only
_MAIN_THREAD = threading.main_thread().ident
_stretches = 0      # stretches holding Ctrl-C back on the main thread now (only the main thread changes it)


# Each loop is compiled for C-ordered, writable arrays only: a view (a transposed or broadcast weight grid)
# or a read-only array (a sweep's memo shares them) is copied first, so one compiled version serves every
# call and a process loads one version of each from the cache.
def plain(x: np.ndarray) -> np.ndarray:
    """``x`` as a C-ordered, writable array (itself when it is one already)."""
    return x if x.flags.c_contiguous and x.flags.writeable else np.array(x, order="C")


def stack_square(fields: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """A pair's stacked terms, cost exponent 2, from its fields side by side (:func:`_stack_square`)."""
    return _called(_stack_square, plain(fields))


def frontier_square(numbers: np.ndarray, ahead: np.ndarray, ordered: bool, theta: np.ndarray,
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Utilities (u_a, u_b), each points x rows, at the efficient deals for ``theta`` (points x rows) of the
    stacked terms ``numbers`` (layers x rows x 2n) with cost exponent 2."""
    return _called(_frontier_square, plain(numbers), plain(ahead), ordered, plain(theta))


def deals_square(numbers: np.ndarray, ahead: np.ndarray, ordered: bool, theta: np.ndarray) -> np.ndarray:
    """The efficient concessions (rows x 2n) for one ``theta`` a row, cost exponent 2."""
    return _called(_deals_square, plain(numbers), plain(ahead), ordered, plain(theta))


def utilities_square(numbers: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(u_a, u_b) of stacked concessions ``z`` (points x rows x 2n), cost exponent 2, each points x rows."""
    return _called(_utilities_square, plain(numbers), plain(z))


def reach_square(numbers: np.ndarray, ahead: np.ndarray, ordered: bool, side_a: np.ndarray, table: np.ndarray,
                 level: np.ndarray, grid: np.ndarray, steps: int, method: int,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where each row's side first gets its level on the exact frontier (:func:`_reach_square`)."""
    return _called(_reach_square, plain(numbers), plain(ahead), ordered, plain(side_a), plain(table), plain(level),
                   plain(grid), int(steps), int(method))


def zone_square(numbers: np.ndarray, ahead: np.ndarray, ordered: bool, u_a: np.ndarray, u_b: np.ndarray,
                level_a: np.ndarray, level_b: np.ndarray, grid: np.ndarray, steps: int, method: int,
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Both reservations' crossings on a pair's frontier (:func:`_zone_square`)."""
    return _called(_zone_square, plain(numbers), plain(ahead), ordered, plain(u_a), plain(u_b), plain(level_a),
                   plain(level_b), plain(grid), int(steps), int(method))


def zone_found(numbers: np.ndarray, ahead: np.ndarray, ordered: bool, u_a: np.ndarray, u_b: np.ndarray,
               level_a: np.ndarray, level_b: np.ndarray, grid: np.ndarray, steps: int, method: int,
               ) -> tuple[np.ndarray, ...]:
    """A pair's zone of agreement, the fields of ``tppgame.game.frontier._Zone`` in order (:func:`_zone_found`)."""
    return _called(_zone_found, plain(numbers), plain(ahead), ordered, plain(u_a), plain(u_b), plain(level_a),
                   plain(level_b), plain(grid), int(steps), int(method))


def warm() -> None:
    """Load every compiled loop now (from numba's cache, or compiled on a first run), on arrays of the
    shapes a game passes: a process that forks workers (a sweep's forkserver) hands them the loops
    loaded, so no worker spends its first call on them."""
    numbers, ahead = np.zeros((11, 1, 2)), np.zeros((1, 2), dtype=np.bool_)
    one, grid = np.full(1, 0.5), np.full((2, 1), 0.5)
    stack_square(np.zeros((1, 14)))
    frontier_square(numbers, ahead, True, grid)
    deals_square(numbers, ahead, True, one)
    utilities_square(numbers, np.zeros((1, 1, 2)))
    reach_square(numbers, ahead, True, np.ones(1, dtype=np.bool_), grid.T, one, np.array([0.0, 1.0]), 1,
                 FALSE_POSITION)
    zone_square(numbers, ahead, True, grid.T, grid.T, one, one, np.array([0.0, 1.0]), 1, FALSE_POSITION)
    zone_found(numbers, ahead, True, grid.T, grid.T, one, one, np.array([0.0, 1.0]), 1, FALSE_POSITION)
