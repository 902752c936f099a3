"""Reusing frontier work between rounds: a summary's rows can be rebuilt, sliced or kept on their own.

The model rebuilds only the talks whose terms or reservations changed, slices the stacked terms
instead of stacking them again, and patches rows into a whole summary. Each of these must give,
to the last bit, what building everything afresh gives.
"""

from __future__ import annotations

import numpy as np
import pytest

from tppgame.game import search
from tppgame.game.frontier import THETA_GRID, FrontierSummary, PairTerms, reach

FIELDS = ("w_a", "p_a", "base_a", "rival_a", "c_a", "own_a", "cap_a",
          "w_b", "p_b", "base_b", "rival_b", "c_b", "own_b", "cap_b")
SUMMARY = ("u_a", "u_b", "reserve_a", "reserve_b", "stake_a", "stake_b", "best_a", "best_b",
           "theta_best_a", "theta_best_b", "zopa")


def random_terms(rows: int, seed: int = 0, sectors: int = 3) -> PairTerms:
    """Talks over ``sectors`` sectors with random weights, some access already given and some precedent."""
    rng = np.random.default_rng(seed)
    fields = {k: rng.random((rows, sectors)) for k in FIELDS}
    for side in ("a", "b"):
        fields[f"own_{side}"] *= rng.random((rows, sectors)) < 0.3
        fields[f"base_{side}"] *= rng.random((rows, sectors)) < 0.3
        fields[f"p_{side}"] *= 0.5
    return PairTerms(**fields, gamma=2.0)


def assert_same_summary(left: FrontierSummary, right: FrontierSummary) -> None:
    for name in SUMMARY:
        np.testing.assert_array_equal(getattr(left, name), getattr(right, name), err_msg=name)


def test_sliced_stack_is_the_stack_of_the_rows():
    """Terms sliced after stacking evaluate the frontier exactly as terms stacked afresh."""
    terms = random_terms(6)
    terms.frontier(np.full(6, 0.5))                       # stacks the whole
    index = np.array([4, 1, 1, 5])
    sliced = terms.rows(index)
    fresh = PairTerms(**{k: getattr(terms, k)[index] for k in FIELDS}, gamma=terms.gamma)
    grid = np.tile(np.linspace(0.0, 1.0, 7), (4, 1))
    for mine, theirs in zip(sliced.frontier(grid), fresh.frontier(grid)):
        np.testing.assert_array_equal(mine, theirs)


def test_rows_built_apart_and_patched_in_equal_a_whole_build():
    """Rebuilding some rows and patching them into a summary gives the summary of a whole build."""
    old, new = random_terms(8, seed=1), random_terms(8, seed=2)
    thresholds = np.linspace(0.1, 0.4, 8)
    index = np.array([0, 3, 6])
    mixed = PairTerms(**{k: getattr(old, k).copy() for k in FIELDS}, gamma=2.0)
    for k in FIELDS:
        getattr(mixed, k)[index] = getattr(new, k)[index]
    whole = FrontierSummary.build(old, thresholds, thresholds)
    part = FrontierSummary.build(new.rows(index), thresholds[index], thresholds[index])
    patched = whole.with_rows(index, part)
    assert_same_summary(patched, FrontierSummary.build(mixed, thresholds, thresholds))
    theta = np.linspace(0.05, 0.95, 8)                      # the patched stack, against a fresh one
    for mine, theirs in zip(patched.terms.frontier(theta), mixed.frontier(theta)):
        np.testing.assert_array_equal(mine, theirs)


def test_unchanged_rows_are_those_with_the_same_terms_and_reservations():
    terms = random_terms(5, seed=3)
    thresholds, relief = np.full(5, 0.2), np.zeros(5)
    summary = FrontierSummary.build(terms, thresholds, thresholds, relief, relief)
    index = np.arange(5)
    assert summary.unchanged(index, terms, thresholds, thresholds, relief, relief).all()
    moved = PairTerms(**{k: getattr(terms, k).copy() for k in FIELDS}, gamma=2.0)
    moved.c_a[2, 0] += 0.01                                  # row 2's terms change
    higher = thresholds.copy()
    higher[4] = 0.3                                          # row 4's reservation changes
    relieved = relief.copy()
    relieved[1] = 0.05                                       # so does row 1's, by end-game relief
    np.testing.assert_array_equal(summary.unchanged(index, moved, higher, thresholds, relieved, relief),
                                  [True, False, False, True, False])
    regamma = PairTerms(**{k: getattr(terms, k) for k in FIELDS}, gamma=2.5)
    assert not summary.unchanged(index, regamma, thresholds, thresholds, relief, relief).any()


def test_placeholder_rows_never_pass_for_built_ones():
    terms = random_terms(2, seed=4)
    built = FrontierSummary.build(terms, np.zeros(2), np.zeros(2))
    empty = FrontierSummary.placeholder(built, 3)
    zero = PairTerms(**{k: np.zeros((3, 3)) for k in FIELDS}, gamma=2.0)
    assert not empty.unchanged(np.arange(3), zero, np.zeros(3), np.zeros(3)).any()


def plain_bisection(terms: PairTerms, side_is_a: np.ndarray, level: np.ndarray, steps: int) -> np.ndarray:
    """Bisection one step at a time, as :func:`reach` refined a crossing before it took steps in batches:
    the theta on a at which each side first gets ``level``, on the safe side of the last bracket."""
    u_a, u_b = terms.frontier(np.broadcast_to(THETA_GRID, (len(level), len(THETA_GRID))))
    table = np.where(side_is_a[:, None], u_a, u_b[:, ::-1])
    reached = table >= level[:, None]
    reachable = reached.any(axis=1)
    k = np.where(reachable, np.argmax(reached, axis=1), len(THETA_GRID) - 1)
    lo, hi = THETA_GRID[np.maximum(k - 1, 0)], THETA_GRID[k]
    bracket = reachable & (k > 0)
    for _ in range(steps):
        mid = np.where(bracket, 0.5 * (lo + hi), hi)
        u_a, u_b = terms.frontier(np.where(side_is_a, mid, 1.0 - mid))
        up = bracket & (np.where(side_is_a, u_a, u_b) >= level)
        hi, lo = np.where(up, mid, hi), np.where(bracket & ~up, mid, lo)
    view = np.where(k == 0, THETA_GRID[0], hi)
    return np.where(side_is_a, view, 1.0 - view)


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
@pytest.mark.parametrize("steps", [1, 4, 7, 40])
def test_bisection_in_batches_meets_the_same_points_as_step_by_step(monkeypatch, depth, steps):
    """However many halvings :func:`reach` takes at once, it ends on the very theta (bit for bit) that
    halving one step at a time reaches, for either side and for levels out of reach or met at once."""
    terms = random_terms(9, seed=5)
    u_a, u_b = terms.frontier(np.broadcast_to(THETA_GRID, (9, len(THETA_GRID))))
    side_is_a = np.array([True, False] * 4 + [True])
    top = np.where(side_is_a, u_a.max(axis=1), u_b.max(axis=1))
    level = top * np.array([0.3, 0.5, 0.9, 0.99, 0.1, 0.7, -1.0, 2.0, 0.6])   # -1: met at once; 2: never
    monkeypatch.setattr(search, "_bisection_depth", lambda rows: depth)
    table = np.where(side_is_a[:, None], u_a, u_b[:, ::-1])
    theta, reachable = reach(terms, table, side_is_a, level, steps=steps, safe=True, bisect=True)
    np.testing.assert_array_equal(theta, plain_bisection(terms, side_is_a, level, steps))
    np.testing.assert_array_equal(reachable, [True] * 7 + [False, True])


def test_rows_patched_twice_equal_a_whole_build_and_are_found_unchanged():
    """A patched summary patched again (its terms and stack kept as blocks) is still the whole build of
    its terms, evaluates its frontier as fresh terms do, and knows its own rows as unchanged."""
    first, second, third = (random_terms(8, seed=s) for s in (6, 7, 8))
    thresholds = np.linspace(0.1, 0.4, 8)
    one, two = np.array([1, 4, 6]), np.array([6, 0])
    mixed = PairTerms(**{k: getattr(first, k).copy() for k in FIELDS}, gamma=2.0)
    for index, terms in ((one, second), (two, third)):
        for k in FIELDS:
            getattr(mixed, k)[index] = getattr(terms, k)[index]
    patched = FrontierSummary.build(first, thresholds, thresholds)
    for index, terms in ((one, second), (two, third)):
        patched = patched.with_rows(index, FrontierSummary.build(terms.rows(index), thresholds[index],
                                                                 thresholds[index]))
    assert_same_summary(patched, FrontierSummary.build(mixed, thresholds, thresholds))
    theta = np.linspace(0.05, 0.95, 8)
    for mine, theirs in zip(patched.terms.frontier(theta), mixed.frontier(theta)):
        np.testing.assert_array_equal(mine, theirs)
    rows = np.array([5, 0, 4])
    np.testing.assert_array_equal(patched.rows(rows).terms.frontier(theta[:3])[0],
                                  mixed.rows(rows).frontier(theta[:3])[0])
    assert patched.unchanged(np.arange(8), mixed, thresholds, thresholds).all()
    assert not patched.unchanged(np.arange(8), first, thresholds, thresholds)[[1, 4, 6, 0]].any()
