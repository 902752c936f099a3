"""Meetings made cheaper, to the same bits: the searches a meeting runs (the proposer's offer for its
demand, the split where demands overlap) give exactly the numbers the plain array versions give.

Each reference below is the search as it was written before its bookkeeping was made cheaper: every
row masked in every step, numpy throughout. The games themselves are held to their records by
``test_same_games``; these tests reach the corners a bundled game may not (ends of the zone, an end
kept several times in a row, levels out of reach or met at once).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from test_frontier_reuse import random_terms
from tppgame.game.frontier import THETA_GRID, FrontierSummary, PairTerms
from tppgame.game.search import clamp, false_position, reach
from tppgame.game.solutions import first_order_bracket


def array_weighted_nash(frontier, d1, d2, w, lo, hi, grid, u1_grid, u2_grid, steps=12):
    """The first-order search of the asymmetric Nash point with array bookkeeping (from the same grid
    bracket), and whether an end was ever kept more than once in a row (its g halved: the Illinois step)."""
    def gap(theta, u1, u2):
        return theta * (1.0 - w) * (u1 - d1) - (1.0 - theta) * w * (u2 - d2)

    a, g_a, b, g_b, close_enough = first_order_bracket(frontier, d1, d2, w, lo, hi, grid, u1_grid, u2_grid)
    kept, halved = np.zeros(len(lo)), False
    for _ in range(steps):
        open_ = (g_a < 0) & (g_b > 0) & (np.minimum(-g_a, g_b) > close_enough)
        if not open_.any():
            break
        halved |= bool((np.abs(kept[open_]) > 1).any())
        mid = false_position(a, b, g_a, g_b, kept)
        g_mid = gap(mid, *frontier(mid))
        up = open_ & (g_mid >= 0)
        down = open_ & ~up
        b, g_b = np.where(up, mid, b), np.where(up, g_mid, g_b)
        a, g_a = np.where(down, mid, a), np.where(down, g_mid, g_a)
        kept = np.where(up, np.minimum(kept, 0) - 1, np.where(down, np.maximum(kept, 0) + 1, kept))
    return clamp(np.where(np.abs(g_a) <= np.abs(g_b), a, b), lo, hi), halved


def masked_bisection(terms: PairTerms, table, side_is_a, level, steps):
    """The proposer's point by bisection, every row masked in every step, then interpolated within the
    last bracket (``reach`` with ``bisect=True, safe=False`` as it was written before)."""
    rows = np.arange(len(level))
    reached = table >= level[:, None]
    reachable = reached.any(axis=1)
    k = np.where(reachable, np.argmax(reached, axis=1), len(THETA_GRID) - 1)
    k_lo = np.maximum(k - 1, 0)
    lo, hi = THETA_GRID[k_lo].astype(float), THETA_GRID[k].astype(float)
    f_lo, f_hi = table[rows, k_lo], table[rows, k]
    bracket = reachable & (k > 0)
    for _ in range(steps if bracket.any() else 0):
        mid = np.where(bracket, 0.5 * (lo + hi), hi)
        u_a, u_b = terms.frontier(np.where(side_is_a, mid, 1.0 - mid))
        f_mid = np.where(side_is_a, u_a, u_b)
        up = bracket & (f_mid >= level)
        down = bracket & ~up
        hi, f_hi = np.where(up, mid, hi), np.where(up, f_mid, f_hi)
        lo, f_lo = np.where(down, mid, lo), np.where(down, f_mid, f_lo)
    span = np.where(f_hi > f_lo, f_hi - f_lo, 1.0)
    view = np.where(bracket, clamp(lo + (level - f_lo) / span * (hi - lo), lo, hi), hi)
    view = np.where(k == 0, THETA_GRID[0], view)
    return np.where(side_is_a, view, 1.0 - view)


def random_summary(rows: int, seed: int) -> FrontierSummary:
    """Random talks with reservations from a fifth to three fifths of their stakes (some zones empty)."""
    rng = np.random.default_rng(seed)
    terms = random_terms(rows, seed=seed, sectors=4)
    return FrontierSummary.build(terms, rng.uniform(0.0, 0.6, rows), rng.uniform(0.0, 0.6, rows))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_the_split_at_a_deadline_is_the_array_searchs_to_the_bit(seed):
    """The asymmetric Nash point found with the bookkeeping on Python floats is, bit for bit, the one the
    array search finds, for random talks, weights (none, all, or a share) and zones."""
    s = random_summary(12, seed)
    rows = np.flatnonzero(s.zopa)
    if not len(rows):
        return
    part = s.rows(rows)
    rng = np.random.default_rng(seed)
    weight = rng.choice([0.0, 1.0, *rng.uniform(0.0, 1.0, 6)], size=len(rows))
    expected, _ = array_weighted_nash(part.terms.frontier, part.reserve_a, part.reserve_b, weight, part.theta_best_b,
                                      part.theta_best_a, THETA_GRID, part.u_a, part.u_b)
    np.testing.assert_array_equal(part.weighted_nash(weight), expected)


def test_the_illinois_step_is_reached_and_kept_to_the_bit():
    """Over many random talks some searches keep an end more than once in a row (their g is halved, the
    Illinois step) and some start at a zone's end: the answers still match the array search's bits."""
    s = random_summary(400, seed=11)
    rows = np.flatnonzero(s.zopa)
    part = s.rows(rows)
    weight = np.random.default_rng(3).uniform(0.0, 1.0, len(rows))
    expected, halved = array_weighted_nash(part.terms.frontier, part.reserve_a, part.reserve_b, weight,
                                           part.theta_best_b, part.theta_best_a, THETA_GRID, part.u_a, part.u_b)
    assert halved
    np.testing.assert_array_equal(part.weighted_nash(weight), expected)


@pytest.mark.parametrize("steps", [1, 4, 9])
def test_the_proposers_point_is_the_masked_bisections_to_the_bit(steps):
    """The offer for a demand (bisection then interpolation) is, bit for bit, what the masked bisection
    gives, for either side proposing and for demands out of reach or met at once."""
    terms = random_terms(9, seed=5)
    u_a, u_b = terms.frontier(np.broadcast_to(THETA_GRID, (9, len(THETA_GRID))))
    side_is_a = np.array([True, False] * 4 + [True])
    top = np.where(side_is_a, u_a.max(axis=1), u_b.max(axis=1))
    level = top * np.array([0.3, 0.5, 0.9, 0.99, 0.1, 0.7, -1.0, 2.0, 0.6])   # -1: met at once; 2: never
    table = np.where(side_is_a[:, None], u_a, u_b[:, ::-1])
    theta, reachable = reach(terms, table, side_is_a, level, steps=steps, safe=False, bisect=True)
    np.testing.assert_array_equal(theta, masked_bisection(terms, table, side_is_a, level, steps))
    np.testing.assert_array_equal(reachable, [True] * 7 + [False, True])
