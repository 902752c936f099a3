"""Country agents hold their utility function and their negotiator."""

from __future__ import annotations

import numpy as np
import pytest

from tppgame import TPPModel
from tppgame.game.negotiators import Boulware, Linear


def agent(model: TPPModel, code: str):
    return next(a for a in model.agents if a.code == code)


def test_each_agent_holds_its_negotiator_the_one_its_scenario_names():
    model = TPPModel("baseline")
    assert isinstance(agent(model, "JPN").negotiator, Boulware)       # the baseline's Japan holds firm
    assert isinstance(agent(model, "AUS").negotiator, Linear)
    assert all(a.negotiator is model.negotiators[a.index] for a in model.agents)


def test_japans_utility_function_knows_its_red_lines_and_what_it_needs_to_ratify():
    japan = agent(TPPModel("baseline"), "JPN").utility_function
    assert japan.red_lines["rice"] == pytest.approx(0.10)             # the calibration's judgment
    assert japan.ratification_threshold == pytest.approx(0.15)


def test_a_deal_is_valued_as_the_talk_values_it():
    """No deal is worth nothing; Japan gains from Australia opening autos and pays for opening beef;
    and the value and the reservation are the JPN-AUS talk's own (its frontier before any deal,
    Japan being side a)."""
    model = TPPModel("baseline")
    japan = agent(model, "JPN").utility_function
    assert japan.value("AUS", {}, {}) == pytest.approx(0.0)
    assert japan.value("AUS", {}, {"autos": 0.5}) > 0.0 > japan.value("AUS", {"beef": 0.5}, {})
    talk = next(t for t in model.talks if t.label == "JPN-AUS TPP market access")
    model.table.refresh()
    frontier = model.table.frontier(talk)
    gives, asks = np.zeros(len(model.sectors)), np.full(len(model.sectors), 0.3)
    u_a, _ = frontier.terms.utilities(gives[None, :], asks[None, :])
    assert japan.value("AUS", gives, asks) == pytest.approx(float(u_a[0]))
    assert japan.reservation("AUS") == pytest.approx(float(frontier.reserve_a[0]))
    with pytest.raises(ValueError, match="unknown sector 'rize'"):
        japan.value("AUS", {"rize": 0.1}, {})
