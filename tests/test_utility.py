"""Utility over sector concessions, checked by hand on a three-country, two-sector world.

The tiny world used throughout (``tiny_params``):

* countries A, B, C with GDP 2, 1, 1, so market shares 1/2, 1/4, 1/4;
* sectors 0 ("beef") and 1 ("autos");
* export interest  A = (1, 0), B = (0.5, 0.5), C = (0, 1);
* barriers         A = (0.8, 0.2), B = (0.4, 0), C = (0, 1);
* sensitivity      A = (2, 1), B = (1, 0.5), C = (0, 1);
* cost scale 0.5, cost exponent 2, precedent weight 0.5, rivals need interest >= 0.4,
  no existing agreements unless a test adds one.

Raw gain weights (interest of the exporter x barrier of the importer x importer's market share):

* A exports only beef; only B has a beef barrier among A's partners: 0.4 x 1/4 = 0.1, so all of
  A's potential is B's beef market: weight 1.
* B: A's beef 0.5 x 0.8 x 1/2 = 0.2, A's autos 0.5 x 0.2 x 1/2 = 0.05, C's autos
  0.5 x 1 x 1/4 = 0.125; total 0.375, so weights 8/15, 2/15 and 5/15.
* C exports only autos; B has no autos barrier, so all of C's potential is A's autos market: weight 1.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tppgame.game.utility import (
    attainable_gain,
    best_rival_access,
    deepest_concessions,
    efficient_concession,
    make_weights,
    package_access,
    pair_cost,
    pair_gain,
    rival_gap,
    world_utility,
)

A, B, C = 0, 1, 2
BEEF, AUTOS = 0, 1


def tiny_params(**changes):
    """The hand-made three-country world described in the module docstring."""
    params = {
        "gdp": np.array([2.0, 1.0, 1.0]),
        "export_interest": np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]]),
        "barrier": np.array([[0.8, 0.2], [0.4, 0.0], [0.0, 1.0]]),
        "sensitivity": np.array([[2.0, 1.0], [1.0, 0.5], [0.0, 1.0]]),
        "red_line": np.ones((3, 2)),
        "ratification_threshold": np.array([0.3, 0.3, 0.3]),
        "fta": np.zeros((3, 3), dtype=bool),
        "existing_agreement_discount": 0.6,
        "cost_scale": 0.5,
        "cost_exponent": 2.0,
        "precedent_weight": 0.5,
        "precedent_min_interest": 0.4,
    }
    params.update(changes)
    return params


def no_access():
    return np.zeros((3, 3, 2))


# ------------------------------------------------------------------ gain weights
def test_gain_weights_match_the_hand_computation():
    """Each exporter's gain weights are its interest x the partner's barrier x market size, normalised."""
    w = make_weights(tiny_params())
    expected = np.zeros((3, 3, 2))
    expected[A, B, BEEF] = 1.0
    expected[B, A, BEEF] = 8 / 15
    expected[B, A, AUTOS] = 2 / 15
    expected[B, C, AUTOS] = 5 / 15
    expected[C, A, AUTOS] = 1.0
    np.testing.assert_allclose(w.gain, expected, atol=1e-12)
    np.testing.assert_allclose(w.market, [0.5, 0.25, 0.25])


def test_full_access_everywhere_is_worth_one_to_every_exporter():
    """Gains are normalised: every partner opening every sector fully is worth exactly 1 to each exporter."""
    w = make_weights(tiny_params())
    full = np.ones((3, 3, 2))
    full[np.arange(3), np.arange(3)] = 0.0  # a country does not "access" its own market
    np.testing.assert_allclose(np.einsum("ijs,ijs->i", w.gain, full), [1.0, 1.0, 1.0])
    np.testing.assert_allclose(attainable_gain(w, np.ones(3, dtype=bool)), [1.0, 1.0, 1.0])


def test_a_country_gains_nothing_from_its_own_market():
    """The gain weight of a country in its own market is zero."""
    w = make_weights(tiny_params())
    assert np.all(w.gain[np.arange(3), np.arange(3)] == 0.0)


def test_an_existing_agreement_discounts_the_gain():
    """With an A-B agreement in force and discount 0.6, access between A and B is worth 40% as much."""
    fta = np.zeros((3, 3), dtype=bool)
    fta[A, B] = fta[B, A] = True
    w = make_weights(tiny_params(fta=fta))
    assert w.gain[A, B, BEEF] == pytest.approx(0.4)
    assert w.gain[B, A, BEEF] == pytest.approx(0.4 * 8 / 15)
    assert w.gain[B, C, AUTOS] == pytest.approx(5 / 15)  # B-C has no agreement: undiscounted
    # free trade among all three is now worth 0.4 to A and 0.4 x 10/15 + 5/15 = 0.6 to B
    np.testing.assert_allclose(attainable_gain(w, np.ones(3, dtype=bool)), [0.4, 0.6, 1.0])


def test_attainable_gain_counts_only_members_of_the_group():
    """Without C in the group, C gains nothing and B loses the C market (5/15 of its potential)."""
    w = make_weights(tiny_params())
    np.testing.assert_allclose(attainable_gain(w, np.array([True, True, False])), [1.0, 10 / 15, 0.0])


def test_gain_is_linear_in_the_access_received():
    """B gains 8/15 per unit of access to A's beef market."""
    w = make_weights(tiny_params())
    access = no_access()
    access[B, A, BEEF] = 0.75
    assert world_utility(w, access)[B] == pytest.approx(0.75 * 8 / 15)


# ------------------------------------------------------------------ political cost
def test_cost_coefficients_are_weighted_by_the_partners_share_of_exporters():
    """A's autos cost (0.5 x sensitivity 1 x barrier 0.2 = 0.1) splits 1:2 between B (interest 0.5) and C (1.0)."""
    w = make_weights(tiny_params())
    assert w.cost[A, B, AUTOS] == pytest.approx(0.1 / 3)
    assert w.cost[A, C, AUTOS] == pytest.approx(0.2 / 3)
    # beef: B is A's only beef exporter, so it carries all of 0.5 x 2 x 0.8 = 0.8
    assert w.cost[A, B, BEEF] == pytest.approx(0.8)
    assert w.cost[A, C, BEEF] == 0.0
    # nobody pays for opening to itself
    assert np.all(w.cost[np.arange(3), np.arange(3)] == 0.0)


def test_opening_to_the_stronger_exporter_costs_more():
    """Opening autos to C (a strong exporter) costs A twice as much as opening it to B."""
    w = make_weights(tiny_params())
    to_b, to_c = no_access(), no_access()
    to_b[B, A, AUTOS] = 0.5
    to_c[C, A, AUTOS] = 0.5
    cost_b = -world_utility(w, to_b)[A]
    cost_c = -world_utility(w, to_c)[A]
    assert cost_c == pytest.approx(2 * cost_b)


def test_cost_is_convex_doubling_a_concession_quadruples_its_cost():
    """With cost exponent 2, A opening beef to B by 0.5 costs 0.8 x 0.25 = 0.2; fully, 0.8 = four times as much."""
    w = make_weights(tiny_params())
    half, full = no_access(), no_access()
    half[B, A, BEEF] = 0.5
    full[B, A, BEEF] = 1.0
    assert world_utility(w, half)[A] == pytest.approx(-0.2)
    assert world_utility(w, full)[A] == pytest.approx(-0.8)


def test_cost_exponent_three_multiplies_cost_by_eight_when_doubling():
    """With cost exponent 3, doubling a concession multiplies its cost by 2 ** 3 = 8."""
    w = make_weights(tiny_params(cost_exponent=3.0))
    small, big = no_access(), no_access()
    small[B, A, BEEF] = 0.25
    big[B, A, BEEF] = 0.5
    assert world_utility(w, big)[A] == pytest.approx(8 * world_utility(w, small)[A])


# ------------------------------------------------------------------ precedent
def test_a_rivals_preference_costs_precedent_weight_times_weight_times_gap():
    """B gets 0.5 access to A's autos market, C (weight 1 there) has none: C loses 0.5 x 1 x 0.5 = 0.25."""
    w = make_weights(tiny_params())
    access = no_access()
    access[B, A, AUTOS] = 0.5
    u = world_utility(w, access)
    assert u[C] == pytest.approx(-0.25)
    assert u[B] == pytest.approx(2 / 15 * 0.5)
    assert u[A] == pytest.approx(-(0.1 / 3) * 0.25)


def test_precedent_counts_only_the_gap_to_the_rival():
    """If C already has 0.3 where B has 0.5, C loses only for the remaining gap of 0.2 (and gains its 0.3)."""
    w = make_weights(tiny_params())
    access = no_access()
    access[B, A, AUTOS] = 0.5
    access[C, A, AUTOS] = 0.3
    assert world_utility(w, access)[C] == pytest.approx(0.3 - 0.5 * 0.2)


def test_no_precedent_loss_when_access_is_equal():
    """Equal access for B and C in A's autos market: C gains and loses nothing to precedent."""
    w = make_weights(tiny_params())
    access = no_access()
    access[B, A, AUTOS] = 0.5
    access[C, A, AUTOS] = 0.5
    assert world_utility(w, access)[C] == pytest.approx(0.5)


def test_precedent_ignores_exporters_below_the_rival_threshold():
    """If rivals need interest 0.6, B (interest 0.5 in autos) is no rival and C loses nothing."""
    w = make_weights(tiny_params(precedent_min_interest=0.6))
    access = no_access()
    access[B, A, AUTOS] = 0.5
    assert world_utility(w, access)[C] == pytest.approx(0.0)


def test_precedent_weight_is_not_discounted_by_an_existing_agreement():
    """An agreement between A and C halves what access is worth to C, not what a rival's preference costs it."""
    fta = np.zeros((3, 3), dtype=bool)
    fta[A, C] = fta[C, A] = True
    w = make_weights(tiny_params(fta=fta))
    assert w.gain[C, A, AUTOS] == pytest.approx(0.4)
    assert w.precedent[C, A, AUTOS] == pytest.approx(0.5)


def test_best_rival_access_excludes_the_country_itself():
    """Only C has access (0.7) to A's autos market: C's best rival has 0 there, B's best rival 0.7."""
    w = make_weights(tiny_params())
    access = no_access()
    access[C, A, AUTOS] = 0.7
    rival = best_rival_access(access, w.rival)
    assert rival[C, A, AUTOS] == 0.0
    assert rival[B, A, AUTOS] == pytest.approx(0.7)
    assert world_utility(w, access)[C] == pytest.approx(0.7)  # no precedent loss against itself


def test_best_rival_access_with_a_tie_at_the_top():
    """Two rivals with the same best access each see the other's access as the best rival's."""
    access = np.zeros((3, 3, 1))
    access[B, A, 0] = 0.6
    access[C, A, 0] = 0.6
    rival = best_rival_access(access, np.ones((3, 1), dtype=bool))
    assert rival[B, A, 0] == pytest.approx(0.6)
    assert rival[C, A, 0] == pytest.approx(0.6)


def test_world_utility_of_no_access_is_zero():
    """Today's protection everywhere: no gains, no costs, no precedent losses."""
    w = make_weights(tiny_params())
    np.testing.assert_array_equal(world_utility(w, no_access()), np.zeros(3))


# ------------------------------------------------------------------ packages and deepest concessions
def test_package_access_opens_each_schedule_to_every_other_member():
    """A member's schedule applies to every other member; outsiders keep only their side-deal access."""
    schedule = np.array([[0.3, 0.6], [0.2, 0.0], [0.9, 0.9]])
    group = np.array([True, True, False])
    side = np.zeros((3, 3, 2))
    side[C, A, BEEF] = 0.5   # a side deal gives C beef access in A
    side[B, A, AUTOS] = 0.8  # a side deal beyond A's TPP schedule
    access = package_access(schedule, group, side)
    np.testing.assert_allclose(access[B, A], [0.3, 0.8])  # schedule, raised by the side deal
    np.testing.assert_allclose(access[A, B], [0.2, 0.0])
    np.testing.assert_allclose(access[C, A], [0.5, 0.0])  # outsider: side deal only
    np.testing.assert_allclose(access[A, C], [0.0, 0.0])  # C is not a member: its schedule does not apply
    assert np.all(access[np.arange(3), np.arange(3)] == 0.0)


def test_deepest_concessions_is_the_most_opened_to_any_partner():
    """deepest_concessions[j, s] is the largest access any exporter has in j's market for s."""
    access = no_access()
    access[B, A, BEEF] = 0.4
    access[C, A, BEEF] = 0.7
    access[A, C, AUTOS] = 0.2
    np.testing.assert_allclose(deepest_concessions(access), [[0.7, 0.0], [0.0, 0.0], [0.0, 0.2]])


# ------------------------------------------------------------------ one pair
def test_pair_gain_by_hand():
    """w = 0.4, p = 0.2, base 0.1, rival at 0.5: up to 0.5 each unit is worth 0.6, beyond it 0.4."""
    w, p, base, rival = 0.4, 0.2, 0.1, 0.5
    z = np.array([0.05, 0.1, 0.3, 0.5, 0.8])
    expected = [0.0, 0.0, 0.6 * 0.2, 0.6 * 0.4, 0.6 * 0.4 + 0.4 * 0.3]
    np.testing.assert_allclose(pair_gain(z, w, p, base, rival), expected)


def test_pair_cost_by_hand():
    """Opening from 0.2 (already given) to 0.6 with c = 0.5, exponent 2 costs 0.5 x (0.36 - 0.04) = 0.16."""
    z = np.array([0.0, 0.2, 0.6])
    np.testing.assert_allclose(pair_cost(z, 0.5, 0.2, 2.0), [0.0, 0.0, 0.16])


# ------------------------------------------------------------------ efficient concession
def concede(alpha=0.5, beta=0.5, w=0.3, p=0.0, rival=0.0, c=0.5, own=0.0, cap=1.0, gamma=2.0):
    """efficient_concession for one sector, with scalar inputs."""
    arr = lambda v: np.array([v], dtype=float)  # noqa: E731
    return float(efficient_concession(arr(alpha), arr(beta), arr(w), arr(p), arr(rival), arr(c), arr(own),
                                      arr(cap), gamma)[0])


@pytest.mark.parametrize(
    ("alpha", "beta", "w", "c", "expected"),
    [
        (0.5, 0.5, 0.3, 0.5, 0.3),    # alpha w / (2 beta c) = 0.15 / 0.5
        (0.8, 0.2, 0.1, 0.5, 0.4),    # 0.08 / 0.2
        (0.2, 0.8, 0.4, 0.25, 0.2),   # 0.08 / 0.4
    ],
)
def test_efficient_concession_closed_form_for_exponent_two(alpha, beta, w, c, expected):
    """Without precedent and exponent 2, the concession is alpha w / (2 beta c)."""
    assert concede(alpha=alpha, beta=beta, w=w, c=c) == pytest.approx(expected)


def test_efficient_concession_is_clipped_to_own_and_red_line():
    """The closed form 0.3 is raised to what the partner already has and cut at the red line."""
    assert concede(own=0.4) == pytest.approx(0.4)
    assert concede(cap=0.2) == pytest.approx(0.2)
    assert concede(own=0.4, cap=0.2) == pytest.approx(0.4)  # never below what is already given


def test_efficient_concession_without_cost_goes_to_the_red_line():
    """A sector that costs nothing to open is opened up to the red line."""
    assert concede(c=0.0, cap=0.7) == pytest.approx(0.7)
    assert concede(beta=0.0, cap=0.6) == pytest.approx(0.6)


def test_efficient_concession_with_no_weight_on_the_receiver_stays_put():
    """With no weight on the receiver's gain (alpha 0), the giver concedes nothing beyond what it gave."""
    assert concede(alpha=0.0) == 0.0
    assert concede(alpha=0.0, own=0.3) == pytest.approx(0.3)
    assert concede(w=0.0, p=0.0, own=0.2) == pytest.approx(0.2)


def test_efficient_concession_with_precedent_closes_the_gap_to_the_rival():
    """w = 0.3, p = 0.1, c = 0.5, equal weights: 0.4 while a gap remains, 0.3 beyond; the kink in between."""
    assert concede(p=0.1, rival=0.6) == pytest.approx(0.4)   # gap not closed at 0.4: marginal gain w + p
    assert concede(p=0.1, rival=0.2) == pytest.approx(0.3)   # gap closed before 0.3: marginal gain w
    assert concede(p=0.1, rival=0.35) == pytest.approx(0.35)  # stop exactly at the rival's access


def test_efficient_concession_with_exponent_three():
    """With exponent 3, the concession is sqrt(alpha w / (3 beta c)): 1 for c = 0.1, 0.5 for c = 0.4."""
    assert concede(c=0.1, gamma=3.0) == pytest.approx(1.0)
    assert concede(c=0.4, gamma=3.0) == pytest.approx(0.5)


# ------------------------------------------------------------------ properties
@st.composite
def worlds(draw):
    """Random valid scenario figures for 2-4 countries and 1-3 sectors, and a random access array."""
    n = draw(st.integers(2, 4))
    s = draw(st.integers(1, 3))
    unit = st.floats(0.0, 1.0)
    share = lambda shape: draw(hnp.arrays(float, shape, elements=unit))  # noqa: E731
    fta = draw(hnp.arrays(bool, (n, n)))
    fta = (fta | fta.T) & ~np.eye(n, dtype=bool)
    params = {
        "gdp": draw(hnp.arrays(float, n, elements=st.floats(0.01, 20000.0))),
        "export_interest": share((n, s)),
        "barrier": share((n, s)),
        "sensitivity": draw(hnp.arrays(float, (n, s), elements=st.floats(0.0, 10.0))),
        "red_line": share((n, s)),
        "ratification_threshold": share(n),
        "fta": fta,
        "existing_agreement_discount": draw(unit),
        "cost_scale": draw(st.floats(0.0, 5.0)),
        "cost_exponent": draw(st.floats(1.01, 4.0)),
        "precedent_weight": draw(st.floats(0.0, 2.0)),
        "precedent_min_interest": draw(unit),
    }
    access = share((n, n, s))
    return params, access


@settings(max_examples=80, deadline=None)
@given(worlds())
def test_utilities_are_finite_and_bounded(world):
    """Gain lies in [0, 1], cost in [0, the sum of the cost coefficients], precedent loss in [0, its weight]."""
    params, access = world
    w = make_weights(params)
    gain = np.einsum("ijs,ijs->i", w.gain, access)
    cost = np.einsum("iks,kis->i", w.cost, access**w.gamma)
    u = world_utility(w, access)
    precedent = gain - cost - u
    assert np.all(np.isfinite(u))
    assert np.all(gain >= -1e-12) and np.all(gain <= 1 + 1e-9)
    assert np.all(cost >= -1e-12) and np.all(cost <= w.cost.sum(axis=(1, 2)) + 1e-9)
    assert np.all(precedent >= -1e-9) and np.all(precedent <= params["precedent_weight"] + 1e-9)
    # the cost coefficients themselves add up to cost_scale x sum of sensitivity x barrier at most
    bound = params["cost_scale"] * (params["sensitivity"] * params["barrier"]).sum(axis=1)
    assert np.all(w.cost.sum(axis=(1, 2)) <= bound + 1e-9)


@settings(max_examples=80, deadline=None)
@given(worlds())
def test_gain_weights_sum_to_one_without_agreements(world):
    """Without existing agreements, each exporter with something to gain values full access at exactly 1."""
    params, _ = world
    params["fta"] = np.zeros_like(params["fta"])
    w = make_weights(params)
    totals = w.gain.sum(axis=(1, 2))
    has_potential = totals > 0
    np.testing.assert_allclose(totals[has_potential], 1.0)
    assert np.all(totals[~has_potential] == 0.0)


@settings(max_examples=80, deadline=None)
@given(worlds())
def test_world_utility_of_no_access_is_zero_for_any_world(world):
    """Whatever the figures, a world with today's protection everywhere gives everyone utility 0."""
    params, access = world
    assert np.all(world_utility(make_weights(params), np.zeros_like(access)) == 0.0)


@settings(max_examples=80, deadline=None)
@given(
    hnp.arrays(float, st.tuples(st.integers(1, 5), st.integers(1, 4), st.integers(1, 3)), elements=st.floats(0, 1)),
    st.data(),
)
def test_best_rival_access_matches_a_brute_force_search(access, data):
    """best_rival_access[i, j, s] is the largest access any rival k != i has in j's market for s (0 if none)."""
    n, _, s = access.shape
    rival = data.draw(hnp.arrays(bool, (n, s)))
    got = best_rival_access(access, rival)
    expected = np.zeros((n,) + access.shape[1:])
    for i in range(n):
        for k in range(n):
            if k != i:
                expected[i] = np.maximum(expected[i], np.where(rival[k][None, :], access[k], 0.0))
    np.testing.assert_array_equal(got, expected)



def test_rival_gap_by_hand():
    """C has 0.75 of A's market, B 0.25: A (with none) falls 0.75 short, B 0.5, C (the leader)
    nothing; with a negative or infinite access somewhere the gap is taken the long way, to
    the same result."""
    access = np.zeros((3, 3, 1))
    access[C, A, 0], access[B, A, 0] = 0.75, 0.25
    gap = rival_gap(access, np.ones((3, 1), dtype=bool))
    assert gap[:, A, 0].tolist() == [0.75, 0.5, 0.0]
    access[A, B, 0] = -1.0
    assert rival_gap(access, np.ones((3, 1), dtype=bool))[:, A, 0].tolist() == [0.75, 0.5, 0.0]


@settings(max_examples=150, deadline=None)
@given(
    hnp.arrays(float, st.tuples(st.integers(1, 5), st.integers(1, 4), st.integers(1, 3)),
               elements=st.sampled_from([0.0, -0.0, 0.25, 0.5, 1.0]) | st.floats(0, 1) | st.floats(-1, np.inf)),
    st.data(),
)
def test_rival_gap_is_the_shortfall_from_the_best_rival_to_the_bit(access, data):
    """rival_gap is ``max(best_rival_access - access, 0)`` in every bit (zeros of either sign, ties at
    the top, exporters that are no rivals, negative and infinite access included)."""
    rival = data.draw(hnp.arrays(bool, access.shape[::2]))
    expected = np.maximum(best_rival_access(access, rival) - access, 0.0)
    assert rival_gap(access, rival).tobytes() == expected.tobytes()


concession_inputs = st.fixed_dictionaries({
    "alpha": st.floats(0.0, 1.0),
    "beta": st.floats(0.0, 1.0),
    "w": st.floats(0.0, 1.0),
    "p": st.floats(0.0, 1.0),
    "rival": st.floats(0.0, 1.0),
    "c": st.floats(0.0, 3.0),
    "own": st.floats(0.0, 1.0),
    "cap": st.floats(0.0, 1.0),
    "gamma": st.floats(1.05, 4.0),
})


# Costs near zero overflow to infinity on purpose: the concession then goes to the red line.
@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
@settings(max_examples=100, deadline=None)
@given(concession_inputs)
def test_efficient_concession_stays_between_own_and_red_line(inputs):
    """The concession is never below what the partner already has, nor above max(red line, that level)."""
    z = concede(**inputs)
    assert np.isfinite(z)
    assert inputs["own"] <= z <= max(inputs["cap"], inputs["own"])


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
@settings(max_examples=100, deadline=None)
@given(concession_inputs)
def test_efficient_concession_maximises_the_weighted_objective(inputs):
    """No concession in [own, max(cap, own)] gives a higher alpha x receiver gain - beta x giver cost.

    The receiver's existing access is taken equal to what the giver already gave (base = own).
    """
    z = concede(**inputs)
    a, b, own = inputs["alpha"], inputs["beta"], inputs["own"]

    def objective(x):
        gain = pair_gain(x, inputs["w"], inputs["p"], own, inputs["rival"])
        return a * gain - b * pair_cost(x, inputs["c"], own, inputs["gamma"])

    grid = np.linspace(own, max(inputs["cap"], own), 401)
    assert objective(np.array(z)) >= objective(grid).max() - 1e-9
