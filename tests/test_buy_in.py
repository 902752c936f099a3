"""Buy-in offers (``bargaining.buy_in``): a member its partners refuse for offering too little adds
the cheapest opening that meets reciprocity's bar to its schedule, if it would still ratify.

The cheapest schedule by hand (a convex cost equalises the marginal cost per unit partners gain),
hypothesis properties (it meets the bar, keeps to its bounds and no other schedule that meets the bar
costs less), and games: off by default (the baseline turns it on), on it brings the refused members
of judged_indices (the old baseline's model) in under the political-economy payoff with the services
chapter, and the story says so.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tppgame import TPPModel
from tppgame.game.agreement import cheapest_offer
from tppgame.game.scenario import BUNDLED_SCENARIOS, load_scenario
from tppgame.report import round_lines


# ------------------------------------------------------------------ by hand
def test_the_cheapest_offer_equalises_marginal_cost_per_unit_wanted():
    """Partners want 1 per unit of either sector; the second costs four times the first. With a quadratic
    cost, 2 x1 = 8 x2 on the line x1 + x2 = 0.5: x = (0.4, 0.1), cost 0.2 (0.5 in the first alone costs 0.25)."""
    offer = cheapest_offer(np.array([1.0, 1.0]), np.array([1.0, 4.0]), 2.0, np.zeros(2), np.ones(2), 0.5)
    assert offer == pytest.approx([0.4, 0.1], abs=1e-9)


def test_red_lines_free_sectors_floors_and_the_impossible():
    wanted, cost, zero, one = np.array([1.0, 1.0]), np.array([1.0, 4.0]), np.zeros(2), np.ones(2)
    # a red line at 0.3 in the first sector: the rest from the second
    assert cheapest_offer(wanted, cost, 2.0, zero, np.array([0.3, 1.0]), 0.5) == pytest.approx([0.3, 0.2], abs=1e-9)
    # a sector that costs nothing opens to its cap first
    assert cheapest_offer(wanted, np.array([0.0, 4.0]), 2.0, zero, np.array([0.2, 1.0]), 0.5) == pytest.approx(
        [0.2, 0.3], abs=1e-9)
    # a schedule that already meets the bar is kept; one the red lines cannot lift enough is no offer
    assert cheapest_offer(wanted, cost, 2.0, np.array([0.5, 0.0]), one, 0.5).tolist() == [0.5, 0.0]
    assert cheapest_offer(wanted, cost, 2.0, zero, np.array([0.5, 0.5]), 1.5) is None


@settings(max_examples=80, deadline=None)
@given(arrays(float, 4, elements=st.floats(0.01, 2)), arrays(float, 4, elements=st.floats(0, 3)),
       arrays(float, 4, elements=st.floats(0, 1)), st.floats(1.2, 3.5), st.floats(0.01, 0.9),
       arrays(float, 4, elements=st.floats(0, 1)))
def test_the_offer_meets_the_bar_within_its_bounds_at_the_least_cost(wanted, cost, cap, gamma, share, other):
    floor = np.zeros(4)
    needed = share * float((wanted * cap).sum())
    offer = cheapest_offer(wanted, cost, gamma, floor, cap, needed)
    assert offer is not None
    assert (offer >= floor - 1e-12).all() and (offer <= cap + 1e-12).all()
    assert float((wanted * offer).sum()) >= needed * (1 - 1e-9)
    # any other schedule within the bounds that meets the bar costs at least as much
    candidate = np.minimum(other, cap)
    if float((wanted * candidate).sum()) >= needed:
        assert float((cost * offer**gamma).sum()) <= float((cost * candidate**gamma).sum()) + 1e-9


# ------------------------------------------------------------------ games
PE_SERVICES = {"bargaining.payoff": "political_economy", "bargaining.chapters": ["services"]}


def test_buy_in_is_off_unless_a_scenario_sets_it(edited_copy):
    """Off where a scenario names it not (a copy of the baseline without its line) and in judged_indices
    (the old baseline's model), whose game has no buy-in; the baseline itself sets it."""
    original = BUNDLED_SCENARIOS / "baseline.toml"
    assert original.read_text(encoding="utf-8").count("\nbuy_in =") == 1
    unset = edited_copy(original, "\nbuy_in = true", "\n")
    assert load_scenario(unset).params["buy_in"] is False
    assert load_scenario("baseline").params["buy_in"] is True
    model = TPPModel("judged_indices", rng=1, record=True)
    assert model.config.params["buy_in"] is False
    while model.running:
        model.step()
    assert not model.log.of_kind("buy_in") and not model.agreement.offers.any()
    assert model.summary()["buy_in"] == {}


def test_refused_members_buy_in_and_the_agreement_forms():
    """judged_indices (the old baseline's model) with the political-economy payoff and services, seed 1."""
    without = TPPModel("judged_indices", rng=1, overrides=PE_SERVICES)
    while without.running:
        without.step()
    assert without.formed_round is None and without.last_check.refused, "refused members keep it from forming"
    model = TPPModel("judged_indices", rng=1, overrides={**PE_SERVICES, "bargaining.buy_in": True})
    while model.running:
        model.step()
    offers = model.log.of_kind("buy_in")
    assert offers and model.formed_round is not None
    for entry in offers:
        j = model.countries.index(entry["country"])
        for sector, value in entry["gives"].items():
            k = model.sectors.index(sector)
            assert model.agreement.offers[j, k] >= value - 1e-4       # the log rounds to 4 decimals
            assert model.agreement.signed_schedule[j, k] >= value - 1e-4   # the signed text holds it
            assert value <= model.weights.red_line[j, k] + 1e-4
    bought = model.summary()["buy_in"]
    assert set(bought) == {entry["country"] for entry in offers}
    assert all(value > 0 for row in bought.values() for value in row.values())
    first = offers[0]
    lines = round_lines(model, first["round"])
    name = model.config.params["names"][first["country"]]
    assert any(line.startswith(f"Offer: {name}, refused for offering too little, opens ") for line in lines)
