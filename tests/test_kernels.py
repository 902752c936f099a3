"""The frontier's compiled loops (tppgame.game.kernels) give the array code's numbers, bit for bit.

Hypothesis draws a pair's terms over random talks and sectors (zeros, ties with the rival's access, a
receiver ahead of what the giver granted, red lines below what is granted, precedent weights of either
sign so that the concessions' bounds come in either order) and weights on side a from the ends to the
middle; every utility and concession the loops give equals the array code's exactly (``==``, not close).
A worked number by hand: one sector each way. Every bundled game plays the same with the loops
(tests/test_same_games.py), and the cost exponents other than 2 keep the array code.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tppgame.game import kernels
from tppgame.game.frontier import TERMS_FIELDS, THETA_GRID, PairTerms, StackedTerms, _zone
from tppgame.game.search import reach
from tppgame.game.utility import pair_gain


def _array_frontier(terms: PairTerms, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The array code's utilities at ``theta`` (one per row, or rows x points); at a weight of 0 or 1 the
    bounds' scale overflows to infinity, as the loops' does, before the red lines cap it."""
    with np.errstate(over="ignore"):
        if theta.ndim < 2:
            return terms._utilities_stacked(terms._concessions(theta), granted=True)
        u_a, u_b = terms._utilities_stacked(terms._concessions(theta.T), granted=True)
    return u_a.T, u_b.T


@st.composite
def pair_terms(draw: st.DrawFn) -> PairTerms:
    rows, n = draw(st.integers(1, 5)), draw(st.integers(1, 13))
    values = st.sampled_from([0.0, 0.0, 0.05, 0.25, 0.5, 1.0]) | st.floats(0.0, 1.0, allow_subnormal=False)

    def field(low: float = 0.0) -> np.ndarray:
        strategy = values if low >= 0 else values | st.floats(low, 0.0, allow_subnormal=False)
        return draw(arrays(float, (rows, n), elements=strategy))

    fields = {}
    for side in "ab":
        fields.update({f"w_{side}": field(), f"p_{side}": field(-0.3), f"base_{side}": field(),
                       f"rival_{side}": field(), f"c_{side}": field(), f"own_{side}": field(),
                       f"cap_{side}": field()})
    return PairTerms(**fields, gamma=2.0)


thetas = st.sampled_from([0.0, 1e-13, 0.001, 0.25, 0.5, 0.75, 0.999, 1.0]) | st.floats(0.0, 1.0)


@settings(max_examples=300, deadline=None)
@given(pair_terms(), st.data())
def test_the_loops_give_the_array_codes_numbers_bit_for_bit(terms: PairTerms, data: st.DataObject):
    rows = terms.w_a.shape[0]
    one = np.array(data.draw(st.lists(thetas, min_size=rows, max_size=rows)))
    grid = np.array(data.draw(st.lists(st.lists(thetas, min_size=3, max_size=3), min_size=rows, max_size=rows)))
    for theta in (one, grid, np.broadcast_to(np.linspace(0.0, 1.0, 5), (rows, 5))):
        got, want = terms.frontier(theta), _array_frontier(terms, theta)
        assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    x_ab, x_ba = terms.deal_at(one)
    with np.errstate(over="ignore"):
        z = terms._concessions(one)
    n = terms.w_a.shape[1]
    assert np.array_equal(x_ab, z[:, :n]) and np.array_equal(x_ba, z[:, n:])
    deals = np.stack([x_ab, 1.0 - x_ab]), np.stack([x_ba, x_ba / 2.0])       # points x rows x n
    got = terms.utilities(np.moveaxis(deals[0], 0, 1), np.moveaxis(deals[1], 0, 1))
    want = terms._utilities_stacked(np.concatenate(deals, axis=-1))
    assert np.array_equal(got[0], want[0].T) and np.array_equal(got[1], want[1].T)
    got = terms.utilities(x_ab, x_ba)
    want = terms._utilities_stacked(np.concatenate([x_ab, x_ba], axis=-1))
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])


@settings(max_examples=200, deadline=None)
@given(pair_terms(), st.data())
def test_the_searches_find_the_array_codes_points_bit_for_bit(terms: PairTerms, data: st.DataObject):
    """reach (regula falsi or bisection, safe or interpolated, with the brackets' short ends) gives the same
    thetas with the loops as with the array code, for levels anywhere on and beyond each row's frontier."""
    rows = terms.w_a.shape[0]
    side_is_a = np.array(data.draw(st.lists(st.booleans(), min_size=rows, max_size=rows)))
    u_a, u_b = terms.frontier(np.broadcast_to(THETA_GRID, (rows, len(THETA_GRID))))
    table = np.where(side_is_a[:, None], u_a, u_b[:, ::-1])
    share = np.array(data.draw(st.lists(st.floats(-0.1, 1.1), min_size=rows, max_size=rows)))
    level = table.min(axis=1) + share * (table.max(axis=1) - table.min(axis=1))
    for bisect, safe, steps in ((False, True, 4), (False, False, 4), (True, False, 4), (True, True, 40)):
        compiled = reach(terms, table, side_is_a, level, steps=steps, safe=safe, bisect=bisect, short_end=True)
        with np.errstate(over="ignore"):
            arrays_only = reach(_array_code(terms), table, side_is_a, level, steps=steps, safe=safe, bisect=bisect,
                                short_end=True)
        for got, want in zip(compiled, arrays_only):
            assert np.array_equal(got, want)


@settings(max_examples=200, deadline=None)
@given(pair_terms(), st.data())
def test_the_zone_of_agreement_is_the_array_codes_bit_for_bit(terms: PairTerms, data: st.DataObject):
    """Both reservations' crossings, whether each is reached, the zone and the rows to search again are the
    same with the loops as with the array code (regula falsi in 4 steps, bisection in 40)."""
    rows = terms.w_a.shape[0]
    u_a, u_b = terms.frontier(np.broadcast_to(THETA_GRID, (rows, len(THETA_GRID))))
    shares = [np.array(data.draw(st.lists(st.floats(-0.1, 1.1), min_size=rows, max_size=rows))) for _ in "ab"]
    reserve_a = u_a.min(axis=1) + shares[0] * (u_a.max(axis=1) - u_a.min(axis=1))
    reserve_b = u_b.min(axis=1) + shares[1] * (u_b.max(axis=1) - u_b.min(axis=1))
    for steps, bisect in ((4, False), (40, True)):
        got = _zone(terms, u_a, u_b, reserve_a, reserve_b, steps=steps, bisect=bisect)
        with np.errstate(over="ignore"):
            want = _zone(_array_code(terms), u_a, u_b, reserve_a, reserve_b, steps=steps, bisect=bisect)
        for name in want.__dataclass_fields__:
            assert np.array_equal(getattr(got, name), getattr(want, name)), name



@settings(max_examples=200, deadline=None)
@given(pair_terms())
def test_the_stacked_terms_are_the_array_codes_bit_for_bit(terms: PairTerms):
    """The stack the loops read (every layer, where receivers are ahead, whether low <= high) is made in one
    compiled pass for the cost exponent 2: the same bits as the array code's, signed zeros and all."""
    got, want = StackedTerms.of(terms), StackedTerms.of(_array_code(terms))
    assert got._block().tobytes() == want._block().tobytes()
    assert np.array_equal(got.ahead, want.ahead) and got.ordered == want.ordered


@settings(max_examples=200, deadline=None)
@given(pair_terms())
def test_the_stakes_are_each_sides_own_sum_bit_for_bit(terms: PairTerms):
    """Both sides' stakes, taken in one pass over the stacked terms, are each side's gain summed over its own
    sectors, as from its own fields (free trade, and the efficient deal at equal weights)."""
    for efficient in (False, True):
        if efficient:
            x_ab, x_ba = terms.deal_at(np.full(terms.w_a.shape[0], 0.5))
        else:
            x_ab, x_ba = np.ones_like(terms.w_b), np.ones_like(terms.w_a)
        want_a = pair_gain(x_ba, terms.w_a, terms.p_a, terms.base_a, terms.rival_a).sum(axis=-1)
        want_b = pair_gain(x_ab, terms.w_b, terms.p_b, terms.base_b, terms.rival_b).sum(axis=-1)
        got_a, got_b = terms.stakes(efficient)
        assert got_a.tobytes() == want_a.tobytes() and got_b.tobytes() == want_b.tobytes()

class _ArrayCode(PairTerms):
    """Terms that never take the compiled loops (the array code alone)."""

    @property
    def _compiled(self) -> bool:
        return False


def _array_code(terms: PairTerms) -> PairTerms:
    return _ArrayCode(**{k: getattr(terms, k) for k in TERMS_FIELDS}, gamma=terms.gamma)


def test_one_sector_each_way_by_hand():
    """a gains 0.4 a unit of b's opening and pays 0.2 a unit squared of its own; b gains 0.3 and pays 0.1.
    At equal weights each side opens until its partner's marginal gain meets its own marginal cost:
    a opens 0.3 / (2 * 0.2) = 0.75, b opens 0.4 / (2 * 0.1) = 2, capped at 1. So a gets 0.4 * 1 - 0.2 *
    0.75**2 = 0.2875 and b gets 0.3 * 0.75 - 0.1 * 1 = 0.125."""
    one = {k: np.zeros((1, 1)) for k in TERMS_FIELDS}
    one.update(w_a=np.array([[0.4]]), c_a=np.array([[0.2]]), cap_a=np.ones((1, 1)),
               w_b=np.array([[0.3]]), c_b=np.array([[0.1]]), cap_b=np.ones((1, 1)))
    terms = PairTerms(**one, gamma=2.0)
    u_a, u_b = terms.frontier(np.array([0.5]))
    assert u_a[0] == pytest.approx(0.2875) and u_b[0] == pytest.approx(0.125)
    x_ab, x_ba = terms.deal_at(np.array([0.5]))
    assert x_ab[0, 0] == pytest.approx(0.75) and x_ba[0, 0] == 1.0


def test_other_cost_exponents_keep_the_array_code():
    """With a cost exponent other than 2 the loops are not used (numpy's power is not a loop's to the bit):
    the frontier is the array code's itself."""
    one = {k: np.full((2, 3), 0.3) for k in TERMS_FIELDS}
    terms = PairTerms(**one, gamma=2.5)
    theta = np.array([0.2, 0.7])
    got, want = terms.frontier(theta), _array_frontier(terms, theta)
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])


LOOPING = """
import sys
import numpy as np
from tppgame.game import kernels
numbers, ahead = np.random.rand(11, 8, 22), np.zeros((8, 22), dtype=bool)
grid, one = np.random.rand(25, 8), np.random.rand(8)
kernels.warm()
print("ready", flush=True)
try:
    while True:
        kernels.frontier_square(numbers, ahead, True, grid)
        kernels.zone_square(numbers, ahead, True, grid.T, grid.T, one, one, np.linspace(0, 1, 25), 4, 0)
except KeyboardInterrupt:
    sys.exit(130)
"""


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")
def test_ctrl_c_during_the_loops_is_a_plain_keyboard_interrupt():
    """A Ctrl-C that lands while numba's dispatcher runs used to surface as a SystemError ("returned a
    result with an exception set") or be lost (the loop went on); held back for each call, it arrives
    as a KeyboardInterrupt wherever it lands: eight runs interrupted at random moments all exit 130."""
    for _ in range(8):
        _exits_130_when_interrupted(LOOPING, longest_wait=0.2)


def _exits_130_when_interrupted(script: str, longest_wait: float) -> None:
    """Run ``script`` (it prints "ready" once warm), send it SIGINT after a random wait and require exit 130."""
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=root, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(root)})
    try:
        assert proc.stdout.readline() == "ready\n"
        time.sleep(random.uniform(0.0, longest_wait))
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr


PLAYING = """
import sys
from tppgame import TPPModel
TPPModel("baseline", rng=0).step()
print("ready", flush=True)
try:
    seed = 1
    while True:
        model = TPPModel("baseline", rng=seed)
        while model.running:
            model.step()
        seed += 1
except KeyboardInterrupt:
    sys.exit(130)
"""


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")
def test_ctrl_c_during_a_game_lands_as_the_round_ends():
    """A round holds Ctrl-C back once for all its compiled calls (``interrupts_held`` in ``TPPModel.step``):
    games interrupted at random moments all end with a plain KeyboardInterrupt (exit 130)."""
    for _ in range(6):
        _exits_130_when_interrupted(PLAYING, longest_wait=0.3)


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")
def test_a_stretch_holds_ctrl_c_back_until_it_ends_and_nests():
    """Inside a stretch SIGINT is blocked on the main thread (a Ctrl-C sent to it then waits), the compiled
    calls leave the mask alone, a nested stretch changes nothing, and the interrupt arrives as the outer
    stretch ends."""
    def blocked() -> bool:
        return signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, [])

    assert not blocked()
    arrived = []
    with pytest.raises(KeyboardInterrupt):
        with kernels.interrupts_held():
            assert blocked()
            with kernels.interrupts_held():
                assert blocked()
                signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)      # waits: blocked
                kernels.frontier_square(np.zeros((11, 1, 2)), np.zeros((1, 2), dtype=bool), True, np.full((2, 1), 0.5))
                arrived.append("after the calls")
            assert blocked()
            arrived.append("after the inner stretch")
    assert arrived == ["after the calls", "after the inner stretch"]
    assert not blocked()
