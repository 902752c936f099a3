"""Bilateral bargaining: closed-form benchmarks, the pair's efficient frontier and the protocols.

Most tests use one hand-made pair of countries, ``a`` and ``b``, bargaining over two sectors
with cost exponent 2 and no precedent (``make_terms()``):

* a's gain weights from b's concessions  w_a = (0.3, 0.2); b's from a's  w_b = (0.25, 0.3);
* a's cost coefficients  c_a = (0.2, 0.4); b's  c_b = (0.3, 0.1); no access yet, no red lines.

With weight ``theta`` on a, the giver concedes ``receiver weight x w / (2 x giver weight x c)``
per sector (capped at 1). At theta = 1/2: a concedes (0.25/0.4, 0.3/0.8) = (0.625, 0.375) and
b concedes (0.3/0.6, 0.2/0.2) = (0.5, 1.0), so

* u_a = 0.3 x 0.5 + 0.2 x 1 - (0.2 x 0.625^2 + 0.4 x 0.375^2) = 0.215625,
* u_b = 0.25 x 0.625 + 0.3 x 0.375 - (0.3 x 0.5^2 + 0.1 x 1^2) = 0.09375,

and their sum 0.309375 is the most the pair can create together. Each side's stake (what
the partner's full opening is worth to it) is 0.5 for a and 0.55 for b.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from tppgame.game.frontier import FrontierSummary, PairTerms
from tppgame.game.negotiators import Talks, accepts, make_negotiator, takes_beta
from tppgame.game.protocols import (AlternatingOffers, KalaiSmorodinskyProtocol, NashProtocol, RubinsteinProtocol,
                               SessionInput, demands)
from tppgame.game.solutions import kalai_smorodinsky_solution, nash_solution, rubinstein_split
from tppgame.game.utility import efficient_concession

DEFAULTS = {
    "w_a": [0.3, 0.2], "p_a": [0.0, 0.0], "base_a": [0.0, 0.0], "rival_a": [0.0, 0.0],
    "c_a": [0.2, 0.4], "own_a": [0.0, 0.0], "cap_a": [1.0, 1.0],
    "w_b": [0.25, 0.3], "p_b": [0.0, 0.0], "base_b": [0.0, 0.0], "rival_b": [0.0, 0.0],
    "c_b": [0.3, 0.1], "own_b": [0.0, 0.0], "cap_b": [1.0, 1.0],
}


def make_terms(rows: int = 1, gamma: float = 2.0, **changes) -> PairTerms:
    """The hand-made pair of the module docstring, repeated over ``rows`` talks; a change given as
    a 1-D list applies to every row, a 2-D array sets each row."""
    fields = {}
    for key, default in DEFAULTS.items():
        value = np.asarray(changes.get(key, default), dtype=float)
        fields[key] = np.tile(value, (rows, 1)) if value.ndim == 1 else value
    return PairTerms(**fields, gamma=gamma)


def u_at(terms: PairTerms, theta) -> tuple[np.ndarray, np.ndarray]:
    """(u_a, u_b) on the frontier at the thetas given for the first row."""
    u_a, u_b = terms.frontier(np.atleast_2d(np.asarray(theta, dtype=float)))
    return u_a[0], u_b[0]


# ================================================================ closed forms
def test_rubinstein_split_for_equally_patient_players():
    """Delta 0.9 each: the first proposer gets (1 - 0.9) / (1 - 0.81) = 1 / 1.9, a first-mover edge."""
    assert rubinstein_split(0.9, 0.9) == pytest.approx(1 / 1.9)
    assert rubinstein_split(0.9, 0.9) > 0.5


def test_rubinstein_split_tends_to_an_even_split_as_patience_grows():
    """Equally patient players with delta near 1 split the pie about evenly; exactly 0.5 in the limit."""
    assert rubinstein_split(0.999, 0.999) == pytest.approx(0.5, abs=1e-3)
    assert rubinstein_split(1.0, 1.0) == 0.5


def test_rubinstein_split_rewards_the_patient():
    """A proposer (0.9) facing an impatient responder (0.5) gets 0.5 / 0.55; facing a patient one (0.99), little."""
    assert rubinstein_split(0.9, 0.5) == pytest.approx(0.5 / 0.55)
    assert rubinstein_split(0.9, 0.99) == pytest.approx(0.01 / (1 - 0.891))
    assert rubinstein_split(0.9, 0.99) < 0.5 < rubinstein_split(0.9, 0.5)


@pytest.mark.parametrize("d1, d2", [(0.0, 0.9), (0.9, 0.0), (-0.1, 0.5), (1.1, 0.5), (0.5, 1.5), (math.nan, 0.5)])
def test_rubinstein_split_rejects_discount_factors_outside_zero_one(d1, d2):
    """Discount factors must lie in (0, 1]."""
    with pytest.raises(ValueError, match="delta"):
        rubinstein_split(d1, d2)


@settings(max_examples=100, deadline=None)
@given(st.floats(0.01, 0.999), st.floats(0.01, 0.999))
def test_rubinstein_split_is_the_stationary_equilibrium(d1, d2):
    """The proposer offers the responder exactly what it would get by waiting: x1 = 1 - d2 * x2."""
    x1, x2 = rubinstein_split(d1, d2), rubinstein_split(d2, d1)
    assert 0.0 < x1 <= 1.0
    assert x1 == pytest.approx(1.0 - d2 * x2)
    assert x1 == pytest.approx((1 - d2) / (1 - d1 * d2))


def linear_frontier(theta):
    """u1 = 2 theta, u2 = 1 - theta."""
    return 2.0 * theta, 1.0 - theta


def test_nash_solution_on_a_linear_frontier():
    """On u1 = 2 theta, u2 = 1 - theta from (0, 0), the product 2 theta (1 - theta) peaks at theta = 1/2: u = (1, 1/2)."""
    theta = nash_solution(linear_frontier)
    assert theta[0] == pytest.approx(0.5, abs=1e-4)
    u1, u2 = linear_frontier(theta)
    assert (u1[0], u2[0]) == pytest.approx((1.0, 0.5), abs=2e-4)


def test_nash_solution_moves_towards_the_side_with_the_better_outside_option():
    """With disagreement point (0.4, 0): (2 theta - 0.4)(1 - theta) peaks at theta = 2.4 / 4 = 0.6."""
    assert nash_solution(linear_frontier, d1=0.4, d2=0.0)[0] == pytest.approx(0.6, abs=1e-4)


def test_nash_solution_is_vectorised_over_rows():
    """Three talks with disagreement points d1 = 0, 0.4, 0.8 settle at theta = (2 + d1) / 4 = 0.5, 0.6, 0.7."""
    theta = nash_solution(linear_frontier, d1=np.array([0.0, 0.4, 0.8]), d2=0.0, rows=3)
    np.testing.assert_allclose(theta, [0.5, 0.6, 0.7], atol=1e-4)


def test_nash_solution_within_a_narrower_range():
    """Searched only on [0.7, 0.9], the Nash point of the linear frontier sits at the edge nearest 1/2."""
    assert nash_solution(linear_frontier, lo=0.7, hi=0.9)[0] == pytest.approx(0.7, abs=1e-4)


def concave_frontier(theta):
    """u1 = 2 theta, u2 = 1 - theta^2."""
    return 2.0 * theta, 1.0 - theta**2


def test_kalai_smorodinsky_on_a_concave_frontier():
    """Ideal (2, 1) from (0, 0): 2t / 2 = 1 - t^2 gives t^2 + t - 1 = 0, t = (sqrt 5 - 1) / 2 = 0.618..."""
    theta = kalai_smorodinsky_solution(concave_frontier, 0.0, 0.0, 2.0, 1.0)
    assert theta[0] == pytest.approx((math.sqrt(5) - 1) / 2, abs=1e-4)


def test_kalai_smorodinsky_with_a_shifted_disagreement_point():
    """From (0.4, 0) with ideal (2, 1): (2t - 0.4) / 1.6 = 1 - t^2, so 1.6 t^2 + 2t - 2 = 0, t = (sqrt 16.8 - 2) / 3.2."""
    theta = kalai_smorodinsky_solution(concave_frontier, 0.4, 0.0, 2.0, 1.0)
    assert theta[0] == pytest.approx((math.sqrt(16.8) - 2) / 3.2, abs=1e-4)


def test_kalai_smorodinsky_is_vectorised_over_rows():
    """Row by row: the two cases above and the symmetric linear frontier (ideal (2, 1): t = 1/2)."""
    def frontier(theta):
        u1 = 2.0 * theta
        u2 = np.where(np.arange(3)[:, None] < 2, 1.0 - theta**2, 1.0 - theta)
        return u1, u2

    theta = kalai_smorodinsky_solution(frontier, np.array([0.0, 0.4, 0.0]), 0.0, 2.0, 1.0, rows=3)
    np.testing.assert_allclose(theta, [(math.sqrt(5) - 1) / 2, (math.sqrt(16.8) - 2) / 3.2, 0.5], atol=1e-4)


# ================================================================ the pair's frontier
def test_efficient_deal_at_equal_weights_by_hand():
    """At theta 1/2 a concedes (0.625, 0.375), b concedes (0.5, 1.0); u_a = 0.215625, u_b = 0.09375."""
    terms = make_terms()
    x_ab, x_ba = terms.deal_at(np.array([0.5]))
    np.testing.assert_allclose(x_ab, [[0.625, 0.375]])
    np.testing.assert_allclose(x_ba, [[0.5, 1.0]])
    u_a, u_b = terms.utilities(x_ab, x_ba)
    assert u_a[0] == pytest.approx(0.215625)
    assert u_b[0] == pytest.approx(0.09375)


def test_frontier_ends_give_everything_to_one_side():
    """All weight on b (theta 0): a opens fully at its cost (0.6), b gets 0.55; theta 1 is the mirror image."""
    u_a, u_b = u_at(make_terms(), [0.0, 1.0])
    np.testing.assert_allclose(u_a, [-0.6, 0.5], atol=1e-9)
    np.testing.assert_allclose(u_b, [0.55, -0.4], atol=1e-9)


def test_red_lines_cap_the_concessions():
    """With a red line of 0.4 on its first sector, a never concedes more there, even with all weight on b."""
    x_ab, _ = make_terms(cap_a=[0.4, 1.0]).deal_at(np.array([0.0]))
    np.testing.assert_allclose(x_ab, [[0.4, 1.0]], atol=1e-9)


def test_access_already_given_costs_nothing_to_confirm():
    """If b already has 0.8 of a's first sector, a's deal never goes below 0.8 there and pays only beyond it."""
    terms = make_terms(own_a=[0.8, 0.0], base_b=[0.8, 0.0])
    x_ab, x_ba = terms.deal_at(np.array([0.5, 1.0]))
    assert np.all(x_ab[:, 0] >= 0.8)
    u_a, _ = terms.utilities(np.array([[0.8, 0.0]]), np.array([[0.0, 0.0]]))
    assert u_a[0] == pytest.approx(0.0)


def test_stakes_are_the_value_of_the_partners_full_opening():
    """a's stake is 0.3 + 0.2 = 0.5, b's 0.25 + 0.3 = 0.55."""
    stake_a, stake_b = make_terms().stakes()
    assert stake_a[0] == pytest.approx(0.5)
    assert stake_b[0] == pytest.approx(0.55)


def test_frontier_is_monotone_in_the_weight_on_a():
    """The more weight on a, the better for a and the worse for b."""
    u_a, u_b = u_at(make_terms(), np.linspace(0, 1, 501))
    assert np.all(np.diff(u_a) >= -1e-12)
    assert np.all(np.diff(u_b) <= 1e-12)


def test_joint_surplus_peaks_at_equal_weights():
    """u_a + u_b is largest (0.309375) at theta 1/2: equal weights maximise what the pair creates together."""
    u_a, u_b = u_at(make_terms(), np.linspace(0, 1, 1001))
    total = u_a + u_b
    assert total.max() == pytest.approx(0.309375)
    assert np.linspace(0, 1, 1001)[np.argmax(total)] == pytest.approx(0.5)


def test_zone_of_agreement_by_hand():
    """Thresholds 0.2 each ask for 0.1 + 0.11 = 0.21 < 0.309375: a ZOPA exists. Thresholds 0.3 ask for
    0.15 + 0.165 = 0.315 > 0.309375, more than the pair can ever create: no ZOPA."""
    terms = make_terms()
    easy = FrontierSummary.build(terms, np.array([0.2]), np.array([0.2]))
    np.testing.assert_allclose([easy.reserve_a[0], easy.reserve_b[0]], [0.1, 0.11])
    assert easy.zopa[0]
    hard = FrontierSummary.build(terms, np.array([0.3]), np.array([0.3]))
    assert not hard.zopa[0]


def test_zone_of_agreement_is_found_when_it_exists():
    """a: w = (0.8, 0.1), c = (0.2, 0.9); b: w = (1.0, 0.3), c = (0.5, 0.1); thresholds 0.52 and 0.37.

    Stakes 0.9 and 1.3, so reservations 0.468 and 0.481. At theta 0.55 a concedes
    (0.45 x 1.0 / (1.1 x 0.2) -> capped at 1, 0.45 x 0.3 / (1.1 x 0.9) = 0.136) and b concedes
    (0.55 x 0.8 / (0.9 x 0.5) = 0.978, 0.55 x 0.1 / (0.9 x 0.1) = 0.611): u_a = 0.627 > 0.468 and
    u_b = 0.526 > 0.481, so a ZOPA exists.
    """
    terms = make_terms(w_a=[0.8, 0.1], c_a=[0.2, 0.9], w_b=[1.0, 0.3], c_b=[0.5, 0.1])
    s = FrontierSummary.build(terms, np.array([0.52]), np.array([0.37]))
    np.testing.assert_allclose([s.reserve_a[0], s.reserve_b[0]], [0.468, 0.481])
    u_a, u_b = u_at(terms, [0.55])
    assert u_a[0] > 0.468 and u_b[0] > 0.481
    assert s.zopa[0]


def test_each_sides_best_is_what_the_other_can_just_accept():
    """a's best leaves b exactly at (or just above) its reservation, and the other way round."""
    s = FrontierSummary.build(make_terms(), np.array([0.2]), np.array([0.2]))
    u_a, u_b = u_at(s.terms, [s.theta_best_a[0], s.theta_best_b[0]])
    assert u_b[0] >= s.reserve_b[0] - 1e-12
    assert u_b[0] == pytest.approx(s.reserve_b[0], abs=1e-3)
    assert u_a[1] >= s.reserve_a[0] - 1e-12
    assert u_a[1] == pytest.approx(s.reserve_a[0], abs=1e-3)
    assert s.best_a[0] == pytest.approx(u_a[0])
    assert s.best_b[0] == pytest.approx(u_b[1])
    assert s.theta_best_b[0] <= s.theta_best_a[0]


def crossing(terms: PairTerms, side_is_a: bool, level: float) -> float:
    """The exact theta where a (rising) or b (falling) first gets ``level`` on the frontier, by bisection."""
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        u_a, u_b = u_at(terms, [mid])
        enough = u_a[0] >= level if side_is_a else u_b[0] < level
        lo, hi = (lo, mid) if enough else (mid, hi)
    return hi if side_is_a else lo


def test_theta_for_offers_the_point_where_the_proposer_gets_its_target():
    """a asking for 0.2 is offered about theta 0.4937, where the frontier gives it exactly 0.2
    (slightly less than theta 1/2, which gives it 0.215625); b asking for 0.3 is offered about the
    theta where the frontier gives it 0.3. Within 0.01 in theta."""
    terms = make_terms(rows=2)
    s = FrontierSummary.build(terms, np.array([0.2, 0.2]), np.array([0.2, 0.2]))
    theta = s.theta_for(np.array([True, False]), np.array([0.2, 0.3]))
    assert crossing(terms, True, 0.2) == pytest.approx(0.49371, abs=1e-5)
    assert theta[0] == pytest.approx(crossing(terms, True, 0.2), abs=0.01)
    assert theta[1] == pytest.approx(crossing(terms, False, 0.3), abs=0.01)


def test_theta_for_gives_the_proposer_about_its_target():
    """On the hand-made pair, a asking -0.45, -0.1, 0.1 or 0.45 is offered within 0.01 of that
    (interpolated on the sampled frontier, then the exact efficient deal at that weight)."""
    s = FrontierSummary.build(make_terms(rows=4), np.full(4, 0.2), np.full(4, 0.2))
    targets = np.array([-0.45, -0.1, 0.1, 0.45])
    theta = s.theta_for(np.ones(4, dtype=bool), targets)
    u_a, _ = s.terms.frontier(theta[:, None])
    np.testing.assert_allclose(u_a[:, 0], targets, atol=0.01)


def test_theta_for_an_unreachable_target_gives_the_proposer_everything():
    """a asking for more than 0.5 (its utility when b opens fully) gets theta 1; b asking for more than 0.55, theta 0."""
    s = FrontierSummary.build(make_terms(rows=2), np.array([0.2, 0.2]), np.array([0.2, 0.2]))
    theta = s.theta_for(np.array([True, False]), np.array([0.6, 0.6]))
    np.testing.assert_allclose(theta, [1.0, 0.0])


def test_summary_rows_are_independent_talks():
    """Building three talks at once gives, row by row, what building each alone gives."""
    c_a = np.array([[0.2, 0.4], [0.05, 1.0], [0.6, 0.3]])
    w_b = np.array([[0.25, 0.3], [0.1, 0.5], [0.4, 0.05]])
    thresholds_a, thresholds_b = np.array([0.2, 0.1, 0.3]), np.array([0.2, 0.4, 0.05])
    together = FrontierSummary.build(make_terms(rows=3, c_a=c_a, w_b=w_b), thresholds_a, thresholds_b)
    for r in range(3):
        alone = FrontierSummary.build(make_terms(c_a=c_a[r], w_b=w_b[r]), thresholds_a[r:r + 1],
                                      thresholds_b[r:r + 1])
        for name in ("u_a", "u_b", "reserve_a", "reserve_b", "best_a", "best_b", "theta_best_a",
                     "theta_best_b", "zopa"):
            np.testing.assert_allclose(getattr(together, name)[r], getattr(alone, name)[0], atol=1e-12,
                                       err_msg=name)
        np.testing.assert_allclose(together.nash()[r], alone.nash()[0], atol=1e-12)


# ---------------------------------------------------------------- properties on random pairs
@st.composite
def pair_terms(draw):
    """Random terms for one talk over 1-3 sectors. What each side already has in the other's market
    (base) is what the other has already given (own); see the test below for when it is more."""
    n = draw(st.integers(1, 3))

    def vec(lo, hi):
        return [draw(st.floats(lo, hi)) for _ in range(n)]

    def weight(hi):  # nothing at stake, or a stake of a meaningful size
        return [draw(st.one_of(st.just(0.0), st.floats(0.01, hi))) for _ in range(n)]

    fields = {
        "w_a": weight(1.0), "p_a": weight(0.5), "rival_a": vec(0.0, 1.0), "c_a": vec(0.01, 2.0),
        "own_a": vec(0.0, 0.6), "cap_a": vec(0.0, 1.0),
        "w_b": weight(1.0), "p_b": weight(0.5), "rival_b": vec(0.0, 1.0), "c_b": vec(0.01, 2.0),
        "own_b": vec(0.0, 0.6), "cap_b": vec(0.0, 1.0),
    }
    fields["base_b"], fields["base_a"] = fields["own_a"], fields["own_b"]
    gamma = draw(st.sampled_from([1.5, 2.0, 2.5, 3.0]))
    return make_terms(gamma=gamma, **fields)


def repeat(terms: PairTerms, rows: int) -> PairTerms:
    """The first talk of ``terms`` repeated over ``rows`` talks (to evaluate many deals at once)."""
    return terms.rows(np.zeros(rows, dtype=int))


def random_deals(terms: PairTerms, rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Random concession vectors within what each side may concede: [own, max(cap, own)]."""
    def draw(own, cap):
        hi = np.maximum(cap, own)
        return own + (hi - own) * rng.random((count, own.shape[-1]))

    return draw(terms.own_a[0], terms.cap_a[0]), draw(terms.own_b[0], terms.cap_b[0])


@settings(max_examples=60, deadline=None)
@given(pair_terms())
def test_frontier_is_monotone_for_random_pairs(terms):
    """u_a never falls and u_b never rises as the weight on a grows."""
    u_a, u_b = u_at(terms, np.linspace(0, 1, 401))
    scale = 1e-9 * (1 + np.abs(u_a).max() + np.abs(u_b).max())
    assert np.all(np.diff(u_a) >= -scale)
    assert np.all(np.diff(u_b) <= scale)


@settings(max_examples=60, deadline=None)
@given(pair_terms(), st.floats(0.0, 1.0), st.integers(0, 2**32 - 1))
def test_efficient_deal_maximises_the_weighted_sum(terms, theta, seed):
    """No deal within the red lines beats the deal at theta on theta * u_a + (1 - theta) * u_b.

    This is what makes every frontier point Pareto-efficient: a deal better for both sides would
    also have a higher weighted sum.
    """
    x_ab, x_ba = random_deals(terms, np.random.default_rng(seed), 300)
    many = repeat(terms, 300)
    u_a, u_b = many.utilities(x_ab, x_ba)
    f_a, f_b = u_at(terms, [theta])
    frontier_value = theta * f_a[0] + (1 - theta) * f_b[0]
    assert np.all(theta * u_a + (1 - theta) * u_b <= frontier_value + 1e-9)


@settings(max_examples=60, deadline=None)
@given(pair_terms(), st.integers(0, 2**32 - 1))
def test_no_random_deal_beats_the_frontier_for_both_sides(terms, seed):
    """For a random deal, the frontier point giving a the same utility gives b at least as much."""
    count = 200
    x_ab, x_ba = random_deals(terms, np.random.default_rng(seed), count)
    many = repeat(terms, count)
    u_a, u_b = many.utilities(x_ab, x_ba)
    ends_a, ends_b = u_at(terms, [0.0, 1.0])
    assert np.all(u_a <= ends_a[1] + 1e-9) and np.all(u_b <= ends_b[0] + 1e-9)  # the ends are each side's best
    # bisection on theta for the frontier point where a first gets u_a
    lo, hi = np.zeros(count), np.ones(count)
    for _ in range(60):
        mid = (lo + hi) / 2
        f_a, _ = u_at(terms, mid)
        enough = f_a >= u_a
        hi, lo = np.where(enough, mid, hi), np.where(enough, lo, mid)
    f_a, f_b = u_at(terms, hi)
    assert np.all(f_a >= u_a - 1e-9)
    assert np.all(f_b >= u_b - 1e-9)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(pair_terms(), st.floats(0.0, 0.4), st.floats(0.0, 0.4))
def test_a_reported_zopa_holds_a_deal_both_sides_can_ratify(terms, threshold_a, threshold_b):
    """When a ZOPA is reported, the efficient deals between b's best and a's best give both sides their
    reservations.

    (The converse, that a ZOPA is found whenever one exists, is checked on a hand-made case in
    test_zone_of_agreement_is_found_when_it_exists.)
    """
    s = FrontierSummary.build(terms, np.array([threshold_a]), np.array([threshold_b]))
    assume(s.zopa[0])
    grid = np.linspace(s.theta_best_b[0], s.theta_best_a[0], 101)
    u_a, u_b = u_at(terms, grid)
    assert np.all(u_a >= s.reserve_a[0] - 1e-9)
    assert np.all(u_b >= s.reserve_b[0] - 1e-9)


@settings(max_examples=60, deadline=None)
@given(pair_terms(), st.lists(st.floats(0.0, 1.0), min_size=2, max_size=6), st.booleans())
def test_asking_for_more_never_gets_the_proposer_less(terms, fractions, proposer_is_a):
    """Targets across the proposer's range, sorted: the offers never give the proposer less for a higher
    target, and stay between the two ends of the frontier."""
    rows = len(fractions)
    many = repeat(terms, rows)
    s = FrontierSummary.build(many, np.zeros(rows), np.zeros(rows))
    ends_a, ends_b = u_at(terms, [0.0, 1.0])
    worst, best = (ends_a[0], ends_a[1]) if proposer_is_a else (ends_b[1], ends_b[0])
    targets = worst + np.sort(fractions) * (best - worst)
    theta = s.theta_for(np.full(rows, proposer_is_a), targets)
    assert np.all((theta >= 0.0) & (theta <= 1.0))
    u_a, u_b = many.frontier(theta[:, None])
    got = u_a[:, 0] if proposer_is_a else u_b[:, 0]
    scale = 1e-9 * (1 + abs(worst) + abs(best))
    assert np.all(np.diff(got) >= -scale)
    assert np.all((got >= worst - scale) & (got <= best + scale))


def _one(value: float) -> np.ndarray:
    return np.array([[value]])


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(pair_terms(), st.floats(0.0, 0.4), st.floats(0.0, 0.4))
@example(PairTerms(w_a=_one(0.5390625), p_a=_one(0.0), base_a=_one(0.21484375), rival_a=_one(0.0),
                   c_a=_one(0.671875), own_a=_one(0.0), cap_a=_one(0.23759362), w_b=_one(0.75), p_b=_one(0.0),
                   base_b=_one(0.0), rival_b=_one(0.0), c_b=_one(0.015625), own_b=_one(0.21484375),
                   cap_b=_one(0.34315968), gamma=2.5), 0.07377027023049651, 0.1328125)
# found by hypothesis: a long plateau (a side at its red line) beside a narrower, slightly higher peak
def test_nash_point_maximises_the_nash_product(terms, threshold_a, threshold_b):
    """The Nash point's (u_a - reserve_a)(u_b - reserve_b) is the largest on a dense grid of the ZOPA."""
    s = FrontierSummary.build(terms, np.array([threshold_a]), np.array([threshold_b]))
    assume(s.zopa[0])
    ra, rb = s.reserve_a[0], s.reserve_b[0]
    theta = s.nash()
    n_a, n_b = u_at(terms, theta)
    grid = np.linspace(s.theta_best_b[0], s.theta_best_a[0], 4001)
    g_a, g_b = u_at(terms, grid)
    product = np.where((g_a >= ra) & (g_b >= rb), (g_a - ra) * (g_b - rb), -np.inf)
    best = product.max()
    assert s.theta_best_b[0] - 1e-12 <= theta[0] <= s.theta_best_a[0] + 1e-12
    assert (n_a[0] - ra) * (n_b[0] - rb) >= best - 1e-9 - 1e-4 * abs(best)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(pair_terms(), st.floats(0.0, 0.4), st.floats(0.0, 0.4))
def test_kalai_smorodinsky_point_lies_in_the_zone_of_agreement(terms, threshold_a, threshold_b):
    """The KS point lies between b's best and a's best and gives both sides their reservations.

    (Equal shares of each ideal are checked on closed forms above and on a hand-made pair in
    test_kalai_smorodinsky_with_a_flat_frontier.)
    """
    s = FrontierSummary.build(terms, np.array([threshold_a]), np.array([threshold_b]))
    assume(s.zopa[0])
    theta = s.kalai_smorodinsky()
    assert s.theta_best_b[0] - 1e-12 <= theta[0] <= s.theta_best_a[0] + 1e-12
    k_a, k_b = u_at(terms, theta)
    assert k_a[0] >= s.reserve_a[0] - 1e-9 and k_b[0] >= s.reserve_b[0] - 1e-9


def test_kalai_smorodinsky_with_a_flat_frontier():
    """One sector: a's concession costs it only 1/64 (gamma 2.5) and is worth 1 to b; b can open at most
    0.25, at cost 1. Reservations 0. The KS point should give both sides the same share of their best."""
    terms = make_terms(w_a=[1.0], p_a=[0.0], base_a=[0.0], rival_a=[0.0], c_a=[1 / 64], own_a=[0.0],
                       cap_a=[1.0], w_b=[1.0], p_b=[0.0], base_b=[0.0], rival_b=[0.0], c_b=[1.0], own_b=[0.0],
                       cap_b=[0.25], gamma=2.5)
    s = FrontierSummary.build(terms, np.array([0.0]), np.array([0.0]))
    k_a, k_b = u_at(terms, s.kalai_smorodinsky())
    share_a = (k_a[0] - s.reserve_a[0]) / (s.best_a[0] - s.reserve_a[0])
    share_b = (k_b[0] - s.reserve_b[0]) / (s.best_b[0] - s.reserve_b[0])
    assert share_a == pytest.approx(share_b, abs=2e-3)


def test_efficient_deal_is_not_dominated_when_the_partner_already_has_access():
    """b already holds 0.5 of a's first sector (a side deal); a's schedule there is 0.

    At theta 1/2, conceding 0.75 there (0.3 / (2 x 0.2)) would cost a 0.2 x 0.5625 = 0.1125 and give b
    only 0.3 x 0.25 = 0.075 above what it has: not worth it, so a concedes nothing, and b concedes 0.75
    in the second sector: u_a = 0.225, u_b = -0.1125. (Conceding 0.75 in the first sector, as a naive
    formula would, gives (0.1125, -0.0375), which the deal where a concedes nothing and b concedes
    0.42, (0.126, -0.03528), beats for both sides.)
    """
    terms = make_terms(w_a=[0.0, 0.3], w_b=[0.3, 0.0], c_a=[0.2, 0.0], c_b=[0.0, 0.2],
                       base_b=[0.5, 0.0], own_a=[0.0, 0.0])
    f_a, f_b = terms.frontier(np.array([[0.5]]))
    assert f_a[0, 0] == pytest.approx(0.225)
    assert f_b[0, 0] == pytest.approx(-0.1125)
    alt_a, alt_b = terms.utilities(np.array([[0.0, 0.0]]), np.array([[0.0, 0.42]]))
    assert alt_a[0] == pytest.approx(0.126) and alt_b[0] == pytest.approx(-0.03528)
    dominated = alt_a[0] > f_a[0, 0] and alt_b[0] > f_b[0, 0]
    assert not dominated


# ================================================================ acceptance rule
finite = st.floats(-10.0, 10.0, allow_nan=False)


@settings(max_examples=100, deadline=None)
@given(finite, finite, finite, st.booleans())
def test_acceptance_rule(utility, aspiration, reserve, within_red_lines):
    """Accept exactly when the offer respects the red lines and gives at least both the reservation
    and what the responder would demand itself now."""
    got = accepts(np.array([utility]), np.array([aspiration]), np.array([reserve]), np.array([within_red_lines]))
    assert bool(got[0]) == (within_red_lines and utility >= reserve and utility >= aspiration)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(finite, finite, finite, st.booleans()), min_size=1, max_size=8))
def test_acceptance_rule_row_by_row(rows):
    """Many talks at once: each row decided on its own figures."""
    u, asp, res, ok = (np.array(col) for col in zip(*rows))
    expected = [o and x >= r and x >= a for x, a, r, o in rows]
    assert accepts(u, asp, res, ok).tolist() == expected


# ================================================================ protocols
def session_input(summary: FrontierSummary, proposer_is_a, *, progress=0.5, tactic="linear", beta=1.0,
                  patience=(0.9, 0.9), red_line_a=None, red_line_b=None, information="full") -> SessionInput:
    """The protocol's input for the talks of ``summary``, with the same settings on every row: talks
    "talk 0", "talk 1", ... between countries "A" (side a) and "B", every sector on the table."""
    rows, sectors = summary.terms.w_a.shape
    full = lambda v: np.full(rows, v, dtype=float)  # noqa: E731
    tactics = tuple([tactic] * rows) if isinstance(tactic, str) else tuple(tactic)
    negotiators = tuple(make_negotiator(name, beta=beta if takes_beta(name) else None) for name in tactics)
    talks = tuple(SimpleNamespace(label=f"talk {k}", sectors=np.ones(sectors, dtype=bool), rounds_left=0, history=[])
                  for k in range(rows))
    return SessionInput(
        talks=talks, a=np.zeros(rows, dtype=int), b=np.ones(rows, dtype=int), names=("A", "B"),
        sectors=tuple(f"sector {k}" for k in range(sectors)), information=information,
        summary=summary, proposer_is_a=np.broadcast_to(np.asarray(proposer_is_a, dtype=bool), (rows,)).copy(),
        progress_a=full(progress), progress_b=full(progress), negotiator_a=negotiators, negotiator_b=negotiators,
        previous_a=full(np.nan), previous_b=full(np.nan),
        received_gain_a=full(np.nan), received_gain_b=full(np.nan),
        patience_a=full(patience[0]), patience_b=full(patience[1]),
        red_line_a=np.ones((rows, sectors)) if red_line_a is None else np.asarray(red_line_a, dtype=float),
        red_line_b=np.ones((rows, sectors)) if red_line_b is None else np.asarray(red_line_b, dtype=float),
    )


def summary_of(thresholds=(0.2, 0.2), rows=1, **changes) -> FrontierSummary:
    return FrontierSummary.build(make_terms(rows=rows, **changes), np.full(rows, thresholds[0]),
                                 np.full(rows, thresholds[1]))


def test_nash_protocol_settles_at_the_nash_point_when_a_zopa_exists():
    """With a ZOPA, the pair agrees on the Nash point, which gives both at least their reservation."""
    s = summary_of()
    result = NashProtocol().session(session_input(s, [True]))
    assert result.accepted[0]
    np.testing.assert_allclose(result.theta, s.nash())
    assert result.u_a[0] >= s.reserve_a[0] and result.u_b[0] >= s.reserve_b[0]


def test_benchmark_protocols_fail_without_a_zopa():
    """Thresholds 0.3 each leave no ZOPA: no benchmark protocol closes a deal; the proposer asks for its best."""
    s = summary_of(thresholds=(0.3, 0.3), rows=2)
    for protocol in (NashProtocol(), KalaiSmorodinskyProtocol(), RubinsteinProtocol()):
        result = protocol.session(session_input(s, [True, False]))
        assert not result.accepted.any()
        np.testing.assert_allclose(result.theta, [s.theta_best_a[0], s.theta_best_b[1]])


def test_kalai_smorodinsky_protocol_settles_at_the_ks_point():
    """With a ZOPA, the pair agrees on the Kalai-Smorodinsky point."""
    s = summary_of()
    result = KalaiSmorodinskyProtocol().session(session_input(s, [False]))
    assert result.accepted[0]
    np.testing.assert_allclose(result.theta, s.kalai_smorodinsky())


def test_rubinstein_protocol_gives_the_proposer_its_equilibrium_share():
    """Patience 0.9 each: the proposer gets reservation + (1 / 1.9) x (best - reservation) (within 0.01),
    and the responder accepts."""
    s = summary_of(rows=2)
    result = RubinsteinProtocol().session(session_input(s, [True, False], patience=(0.9, 0.9)))
    assert result.accepted.all()
    share = 1 / 1.9
    assert result.u_a[0] == pytest.approx(s.reserve_a[0] + share * (s.best_a[0] - s.reserve_a[0]), abs=0.01)
    assert result.u_b[1] == pytest.approx(s.reserve_b[1] + share * (s.best_b[1] - s.reserve_b[1]), abs=0.01)


def test_rubinstein_protocol_a_more_patient_responder_gets_more():
    """Facing a responder with patience 0.99 instead of 0.5, proposer a settles for less."""
    s = summary_of()
    impatient = RubinsteinProtocol().session(session_input(s, [True], patience=(0.9, 0.5)))
    patient = RubinsteinProtocol().session(session_input(s, [True], patience=(0.9, 0.99)))
    assert patient.u_a[0] < impatient.u_a[0]
    assert patient.u_b[0] > impatient.u_b[0]


def test_rubinstein_protocol_with_perfectly_patient_sides_splits_evenly():
    """Patience 1 on both sides is the limit of equal patience: the proposer gets half its range and b accepts."""
    s = summary_of()
    result = RubinsteinProtocol().session(session_input(s, [True], patience=(1.0, 1.0)))
    target = s.reserve_a[0] + 0.5 * (s.best_a[0] - s.reserve_a[0])
    assert np.isfinite(result.theta).all()
    assert result.accepted[0]
    assert result.u_a[0] >= target - 1e-12
    assert result.u_a[0] < s.best_a[0]


def test_alternating_offers_opening_demands_are_rejected():
    """At the start of talks both sides demand their best: the proposer's best leaves the responder
    near its reservation, below its own demand, so the offer is rejected."""
    s = summary_of(rows=2)
    result = AlternatingOffers().session(session_input(s, [True, False], progress=0.0))
    assert not result.accepted.any()
    np.testing.assert_allclose(result.aspiration_proposer, [s.best_a[0], s.best_b[1]])
    np.testing.assert_allclose(result.aspiration_responder, [s.best_b[0], s.best_a[1]])


def test_alternating_offers_settle_at_the_deadline_when_a_zopa_exists():
    """At the deadline linear negotiators demand only their reservations: the proposer offers the point
    that just gives it its reservation, and the responder accepts."""
    s = summary_of(rows=2)
    result = AlternatingOffers().session(session_input(s, [True, False], progress=1.0))
    assert result.accepted.all()
    np.testing.assert_allclose(result.aspiration_proposer, [s.reserve_a[0], s.reserve_b[1]])
    assert result.u_a[0] >= s.reserve_a[0] - 1e-12
    assert result.u_b[1] >= s.reserve_b[1] - 1e-12


def test_alternating_offers_responder_refuses_what_breaks_its_red_lines():
    """b's red lines allow no concession at all: at the deadline it refuses a's offer, which asks it to open."""
    s = summary_of()
    result = AlternatingOffers().session(session_input(s, [True], progress=1.0, red_line_b=[[0.0, 0.0]]))
    assert result.x_ba.max() > 0
    assert not result.accepted[0]


def test_alternating_offers_acceptance_follows_the_rule():
    """With mixed negotiators and proposers over six talks, each reply is accepts(...) applied to the
    responder's utility, its demand under its own negotiator (asked for that talk alone), its
    reservation and its red lines."""
    rows = 6
    c_a = np.array([[0.2, 0.4], [0.05, 1.0], [0.6, 0.3], [0.2, 0.2], [0.3, 0.3], [0.1, 0.5]])
    s = FrontierSummary.build(make_terms(rows=rows, c_a=c_a), np.linspace(0.05, 0.3, rows), np.full(rows, 0.15))
    tactics = ("boulware", "linear", "conceder", "tit_for_tat", "linear", "boulware")
    proposer = np.array([True, False, True, False, True, False])
    inp = session_input(s, proposer, progress=0.6, tactic=tactics, beta=1.0)
    result = AlternatingOffers().session(inp)

    expected = []
    for r in range(rows):
        a_proposes = bool(proposer[r])
        reserve = s.reserve_b[r] if a_proposes else s.reserve_a[r]
        alone = inp.rows(np.array([r]))
        asp = demands(alone.negotiator_a, Talks(alone, np.array([not a_proposes])))[0]
        utility = result.u_b[r] if a_proposes else result.u_a[r]
        expected.append(bool(accepts(np.array([utility]), np.array([asp]), np.array([reserve]),
                                     np.array([True]))[0]))
        assert result.aspiration_responder[r] == pytest.approx(asp)
    assert result.accepted.tolist() == expected


_ZERO = np.zeros((1, 2))


@settings(max_examples=80, deadline=None)
@given(pair_terms(), st.floats(0.0, 1.0))
@example(PairTerms(w_a=_ZERO, p_a=np.array([[0.5, 0.0]]), base_a=_ZERO, rival_a=np.array([[1.0, 0.0]]),
                   c_a=np.array([[1.0, 1.0]]), own_a=_ZERO, cap_a=_ZERO, w_b=_ZERO, p_b=_ZERO, base_b=_ZERO,
                   rival_b=_ZERO, c_b=np.array([[0.125, 1.0]]), own_b=_ZERO, cap_b=np.array([[1.0, 0.0]]), gamma=3.0),
         0.0)     # found by hypothesis: theta = 0 exactly, a cost exponent of 3
def test_deal_at_matches_the_reference_efficient_concession(terms, theta):
    """The vectorised frontier gives, direction by direction, the concessions of
    tppgame.game.utility.efficient_concession: a weighs b's gain by 1 - theta against its own cost by theta.
    The frontier keeps theta within 1e-12 of 0 and 1 (a weight of exactly 0 would divide by zero), so the
    reference is taken at that theta too: at theta = 0 with a cost exponent of 3 the difference is ~1e-6."""
    t = np.array([theta])
    x_ab, x_ba = terms.deal_at(t)
    t = np.clip(t, 1e-12, 1.0 - 1e-12)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ref_ab = efficient_concession(1.0 - t[:, None], t[:, None], terms.w_b, terms.p_b, terms.rival_b,
                                      terms.c_a, terms.own_a, terms.cap_a, terms.gamma)
        ref_ba = efficient_concession(t[:, None], 1.0 - t[:, None], terms.w_a, terms.p_a, terms.rival_a,
                                      terms.c_b, terms.own_b, terms.cap_b, terms.gamma)
    np.testing.assert_allclose(x_ab, ref_ab, atol=1e-6)
    np.testing.assert_allclose(x_ba, ref_ba, atol=1e-6)
