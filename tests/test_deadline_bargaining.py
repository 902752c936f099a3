"""Deadline bargaining from a stated theory: Rubinstein's game solved on the pair's real frontier, its
limit (the asymmetric Nash point weighted by patience), the split the alternating protocol settles at
when demands overlap (whoever proposes), and the benchmarks a teacher compares closed deals against.

Hand-checkable frontiers: the linear one ``u1 = t, u2 = 1 - t`` (a unit pie), and the hand-made pair
of ``test_bargaining`` (two sectors, cost exponent 2).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from test_bargaining import session_input, summary_of
from tppgame import TPPModel
from tppgame.game.negotiators import TimeDependent, make_negotiator
from tppgame.game.frontier import THETA_GRID, _beyond_every_line
from tppgame.game.protocols import AlternatingOffers, RubinsteinProtocol, deadline_point
from tppgame.game.solutions import (nash_solution, nash_weights, rubinstein_solution, rubinstein_split,
                                   weighted_nash_solution)


def pie(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A unit pie: side 1 gets ``theta``, side 2 the rest."""
    return theta, 1.0 - theta


# ================================================================ Rubinstein on a frontier
@pytest.mark.parametrize("d1, d2", [(0.9, 0.9), (0.9, 0.5), (0.6, 0.95), (0.5, 0.5)])
def test_rubinstein_on_a_unit_pie_gives_the_closed_form_shares(d1, d2):
    """Side 1 proposing gets (1 - d2) / (1 - d1 d2); side 2 proposing leaves side 1 d1 times that."""
    x, y = rubinstein_solution(pie, 0.0, 0.0, d1, d2)
    share = (1 - d2) / (1 - d1 * d2)
    assert x[0] == pytest.approx(share, abs=1e-6)
    assert y[0] == pytest.approx(d1 * share, abs=1e-6)
    assert x[0] == pytest.approx(rubinstein_split(d1, d2), abs=1e-6)


def test_rubinstein_with_reservations_splits_the_zone_between_them():
    """Reservations 0.2 and 0.1 leave a zone of 0.7: patience 0.9 each gives the first proposer
    0.2 + 0.7 / 1.9 = 0.5684..."""
    x, _ = rubinstein_solution(pie, 0.2, 0.1, 0.9, 0.9, lo=0.2, hi=0.9)
    assert x[0] == pytest.approx(0.2 + 0.7 / 1.9, abs=1e-6)


def test_nash_point_of_a_linear_frontier():
    """On u1 + u2 = 1 with reservations (0.2, 0.1) the Nash point splits the zone of 0.7 evenly
    (u1 = 0.55); with weight 0.75 on side 1, three quarters of it go to side 1 (u1 = 0.725)."""
    assert nash_solution(pie, 0.2, 0.1, 0.2, 0.9)[0] == pytest.approx(0.55, abs=1e-6)
    assert nash_solution(pie, 0.2, 0.1, 0.2, 0.9, weight=0.75)[0] == pytest.approx(0.725, abs=1e-6)


def test_nash_weights_from_patience():
    """delta = exp(-r dt): side 1 with rate 1 against side 2 with rate 3 weighs 3 / 4; equal patience
    weighs 1/2; a perfectly patient side facing an impatient one weighs 1."""
    assert nash_weights(math.exp(-1.0), math.exp(-3.0)) == pytest.approx(0.75)
    assert nash_weights(0.97, 0.97) == pytest.approx(0.5)
    assert nash_weights(1.0, 1.0) == 0.5
    assert nash_weights(1.0, 0.9) == 1.0


def test_rubinstein_on_the_real_frontier_tends_to_the_weighted_nash_point():
    """On the hand-made pair's two-sector frontier, with delta_i = exp(-r_i dt), both equilibrium
    offers approach the asymmetric Nash point with weight r_b / (r_a + r_b) as dt shrinks."""
    s = summary_of()
    rates = np.array([1.0, 2.0])
    nash = s.nash(rates[1] / rates.sum())
    u_nash = s.terms.frontier(nash[:, None])[0][0, 0]
    gaps = []
    for dt in (0.3, 0.03, 0.003):
        x, y = s.rubinstein(np.exp(-rates[:1] * dt), np.exp(-rates[1:] * dt))
        u_x = s.terms.frontier(x[:, None])[0][0, 0]
        u_y = s.terms.frontier(y[:, None])[0][0, 0]
        assert u_y <= u_x                          # proposing first is an advantage
        gaps.append(max(abs(u_x - u_nash), abs(u_y - u_nash)))
    assert gaps[0] > 5 * gaps[1] > 25 * gaps[2]          # about in proportion to dt
    assert gaps[2] < 0.002 * (s.best_a[0] - s.reserve_a[0])


def test_rubinstein_protocol_offers_make_each_responder_indifferent():
    """The real-frontier equilibrium: b accepting a's offer gets exactly delta_b times what it would
    get above its reservation by proposing next round, and the other way round."""
    s = summary_of()
    da, db = 0.9, 0.8
    a_first = RubinsteinProtocol().session(session_input(s, [True], patience=(da, db)))
    b_first = RubinsteinProtocol().session(session_input(s, [False], patience=(da, db)))
    assert a_first.accepted[0] and b_first.accepted[0]
    assert a_first.u_b[0] - s.reserve_b[0] == pytest.approx(db * (b_first.u_b[0] - s.reserve_b[0]), rel=1e-4)
    assert b_first.u_a[0] - s.reserve_a[0] == pytest.approx(da * (a_first.u_a[0] - s.reserve_a[0]), rel=1e-4)


def circle(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The quarter circle u1**2 + u2**2 = 1 as a frontier of weighted-sum optima: the point that
    maximises theta u1 + (1 - theta) u2 on it is (theta, 1 - theta) / its length."""
    length = np.hypot(theta, 1.0 - theta)
    return theta / length, (1.0 - theta) / length


@pytest.mark.parametrize("weight, u1", [(0.5, math.sqrt(0.5)), (0.75, math.sqrt(3) / 2), (0.0, 0.0), (1.0, 1.0)])
def test_the_weighted_nash_point_of_a_quarter_circle(weight, u1):
    """On u1**2 + u2**2 = 1 with no reservations, the point maximising w ln u1 + (1 - w) ln u2 has
    u1**2 = w, so u1 = 0.7071 for w = 1/2 and sqrt(3)/2 for w = 3/4 (where theta / (1 - theta) =
    u1 / u2 = sqrt(3)); a side with no weight gets nothing, one with all of it everything."""
    grid = np.linspace(0.0, 1.0, 17)
    g1, g2 = circle(np.broadcast_to(grid, (1, 17)))
    theta = weighted_nash_solution(circle, np.zeros(1), np.zeros(1), np.array([weight]), np.zeros(1),
                                   np.ones(1), grid, g1, g2)
    assert circle(theta)[0][0] == pytest.approx(u1, abs=1e-9)
    if weight == 0.75:
        assert theta[0] == pytest.approx(math.sqrt(3) / (1 + math.sqrt(3)), abs=1e-9)


# A side's weight: none, all, or a share the utilities can resolve. With a weight as small as 1e-45 the
# best point gives that side a gain far below a utility's last digit, so it lands on its reservation,
# where the product is 0 (0 ** w), while a point a hair inside gives about the other's whole gain.
WEIGHTS = st.one_of(st.sampled_from([0.0, 1.0]), st.floats(1e-9, 1.0 - 1e-9))


@settings(max_examples=60, deadline=None)
@given(st.floats(0.05, 0.25), st.floats(0.05, 0.25), WEIGHTS, st.floats(0.5, 3.0), st.floats(0.1, 1.0))
def test_the_weighted_nash_point_is_the_best_the_grid_search_finds(threshold_a, threshold_b, weight, cost, cap):
    """On the hand-made pair's frontier (with a red line ``cap`` on a's second sector, a kink), the
    point found from the first-order condition gives a weighted Nash product at least as high as the
    grid-and-zoom search's on 1025 points, and lies in the zone of agreement."""
    s = summary_of(thresholds=(threshold_a, threshold_b), c_a=np.array([[cost, 0.4]]), cap_a=np.array([[1.0, cap]]))
    assume(s.zopa[0])
    w = np.array([weight])
    new, grid = s.weighted_nash(w), s.nash(w, points=1025, keep=8)

    def product(theta: np.ndarray) -> float:
        u_a, u_b = s.terms.frontier(theta)
        g_a, g_b = max(u_a[0] - s.reserve_a[0], 0.0), max(u_b[0] - s.reserve_b[0], 0.0)
        return g_a**weight * g_b ** (1.0 - weight)

    assert s.theta_best_b[0] <= new[0] <= s.theta_best_a[0]
    assert product(new) >= product(grid) * (1.0 - 1e-9) - 1e-15


def test_the_supporting_lines_prove_a_zone_empty_only_when_it_is():
    """On the quarter circle, no point gives both sides 0.8 (0.8**2 + 0.8**2 > 1): the lines through a
    few of its points prove it; both 0.6 (0.72 <= 1) is reachable, and no line may claim otherwise."""
    theta = np.array([[0.1, 0.3, 0.5, 0.7, 0.9, 1.0]])
    u1, u2 = circle(theta)
    assert _beyond_every_line(theta, u1, u2, np.array([0.8]), np.array([0.8]))[0]
    assert not _beyond_every_line(theta, u1, u2, np.array([0.6]), np.array([0.6]))[0]
    assert not _beyond_every_line(theta, u1, u2, np.array([0.70]), np.array([0.71]))[0]    # on the circle


@settings(max_examples=60, deadline=None)
@given(st.floats(0.05, 0.6), st.floats(0.05, 0.6), st.floats(0.3, 3.0), st.floats(0.1, 1.0))
def test_a_zone_the_lines_rule_out_is_empty_on_the_exact_frontier(threshold_a, threshold_b, cost, cap):
    """Wherever the supporting lines through the sampled frontier rule a zone out, a fine search
    (600 points) finds no efficient deal that gives both sides their reservations."""
    s = summary_of(thresholds=(threshold_a, threshold_b), c_a=np.array([[cost, 0.4]]), cap_a=np.array([[1.0, cap]]))
    grid = np.broadcast_to(THETA_GRID, s.u_a.shape)
    if not _beyond_every_line(grid, s.u_a, s.u_b, s.reserve_a, s.reserve_b)[0]:
        return
    assert not s.zopa[0]
    fine = np.linspace(0.0, 1.0, 600)[None, :]
    u_a, u_b = s.terms.frontier(fine)
    assert not ((u_a >= s.reserve_a[0]) & (u_b >= s.reserve_b[0])).any()


# ================================================================ the alternating protocol at a deadline
@pytest.mark.parametrize("patience", [(0.97, 0.97), (0.97, 0.93), (0.9, 0.99)])
def test_the_split_at_a_deadline_does_not_depend_on_who_proposes(patience):
    """At the deadline both linear negotiators demand only their reservations: whoever proposes, the
    pair settles at the asymmetric Nash point weighted by patience, not at the proposer's reservation."""
    s = summary_of()
    a_first = AlternatingOffers().session(session_input(s, [True], progress=1.0, patience=patience))
    b_first = AlternatingOffers().session(session_input(s, [False], progress=1.0, patience=patience))
    assert a_first.accepted[0] and b_first.accepted[0]
    np.testing.assert_allclose(a_first.x_ab, b_first.x_ab, atol=1e-9)
    np.testing.assert_allclose(a_first.x_ba, b_first.x_ba, atol=1e-9)
    point = deadline_point(s, np.array([patience[0]]), np.array([patience[1]]))
    assert a_first.theta[0] == pytest.approx(point[0], abs=1e-12)
    finer = s.nash(nash_weights(*patience))             # the same point, searched from a finer grid
    assert point[0] == pytest.approx(finer[0], abs=1e-4 * (s.theta_best_a[0] - s.theta_best_b[0]))
    assert a_first.u_a[0] > s.reserve_a[0] + 1e-3 and a_first.u_b[0] > s.reserve_b[0] + 1e-3


def test_the_more_patient_side_gets_more_at_the_deadline():
    s = summary_of()
    patient_a = AlternatingOffers().session(session_input(s, [True], progress=1.0, patience=(0.99, 0.9)))
    patient_b = AlternatingOffers().session(session_input(s, [True], progress=1.0, patience=(0.9, 0.99)))
    assert patient_a.u_a[0] > patient_b.u_a[0] and patient_a.u_b[0] < patient_b.u_b[0]


@settings(max_examples=40, deadline=None)
@given(st.floats(0.0, 1.0), st.floats(0.05, 0.3), st.floats(0.05, 0.3))
def test_an_overlap_never_leaves_a_side_below_its_demand(progress, threshold_a, threshold_b):
    """Moving an offer within the overlap of the demands keeps each side at or above its demand (and
    so its reservation), so every deal the built-in negotiators strike is one both asked for."""
    s = summary_of(thresholds=(threshold_a, threshold_b), rows=2)
    result = AlternatingOffers().session(session_input(s, [True, False], progress=progress, tactic="conceder"))
    for k in np.flatnonzero(result.accepted):
        u_p = result.u_a[k] if k == 0 else result.u_b[k]
        u_r = result.u_b[k] if k == 0 else result.u_a[k]
        assert u_r >= result.aspiration_responder[k] - 1e-12
        assert u_p >= result.aspiration_proposer[k] - 1e-6 * max(1.0, abs(result.aspiration_proposer[k]))


def test_time_dependent_demand_is_faratins_formula():
    """Faratin, Sierra and Jennings (1998) with k = 0: demand = reserve + (1 - (t/T)^(1/beta)) (best - reserve);
    beta 0.2 (Boulware) has conceded 0.5^5 of the way at half time, beta 5 (conceder) 0.5^0.2."""
    from tppgame.game.negotiators.time_dependent import _time_dependent

    best, reserve = np.array([1.0, 1.0]), np.array([0.2, 0.2])
    got = _time_dependent(best, reserve, np.array([0.5, 0.5]), np.array([0.2, 5.0]))
    np.testing.assert_allclose(got, reserve + (1 - 0.5 ** np.array([5.0, 0.2])) * (best - reserve))
    boulware, conceder = make_negotiator("boulware"), make_negotiator("conceder")
    assert isinstance(boulware, TimeDependent) and boulware.beta < 1 < conceder.beta


# ================================================================ the benchmarks against the game
@pytest.mark.parametrize("scenario", ["judged_indices", "baseline"])
def test_every_closed_deal_lies_in_the_zone_pair_benchmarks_reports(scenario):
    """Over several seeds, each package talk over every sector that closes does so inside the zone
    that pair_benchmarks reports for the pair just before the meeting (the same reservations and
    end-game relief the talk bargained with)."""
    checked = 0
    for seed in range(4):
        model = TPPModel(scenario, rng=seed, record=False)
        meet = model.table.meet

        def checked_meet(talks, model=model, meet=meet):
            nonlocal checked
            full = [t for t in talks if t.in_package and t.sectors.all()]
            names = model.countries
            before = {t.index: model.pair_benchmarks(names[t.a], names[t.b]) for t in full}
            meet(talks)
            for t in full:
                if t.deal is None:
                    continue
                bench = before[t.index]
                assert bench["zone_of_agreement"], t.label
                deal = model.deals[-1] if model.deals[-1].label == t.label else \
                    next(d for d in model.deals if d.label == t.label)
                u_a, u_b = deal.frontier.terms.utilities(deal.x_ab[None, :], deal.x_ba[None, :])
                assert u_a[0] >= bench["reserve"][names[t.a]] - 1e-9, t.label
                assert u_b[0] >= bench["reserve"][names[t.b]] - 1e-9, t.label
                checked += 1

        model.table.meet = checked_meet
        while model.running:
            model.step()
    assert checked >= 10
