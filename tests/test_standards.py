"""Common standards (tppgame.game.standards, bargaining.common_standards).

By hand: a three-country standard (the median ideal held up by one red line, or inside the range the red
lines allow) and the concession each member implements; hypothesis: every member binds at least the
standard and no member's schedule falls; a whole game: the standard in the signed schedule, summary.json and
the final table, and its cost in ratification (Brunei, whose whole stake is small, holds out, unless it may
implement the standard after a transition: two years); the shortest transition by hand; bad input's one
line. With the setting off every bundled game plays as before (tests/test_same_games.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tppgame import load_scenario
from tppgame.experiments.headlines import holds
from tppgame.game.fields import ScenarioError
from tppgame.game.rules import Issue, bound_terms, liberal_end, load_rules
from tppgame.game.outcome import signed_mask
from tppgame.game.scenario import HeadlineSpec
from tppgame.game.standards import (common_standards, standard_concessions, standards_floor, transition_relief,
                                    transition_years)
from tppgame.model import TPPModel
from tppgame.report import final_table

# The baseline plays biologics as a common standard with transitions; the tests of what the setting
# changes compare it with the baseline without it (biologics bargained pair by pair, the old model's)
WITHOUT_STANDARD = {"bargaining.common_standards": [], "bargaining.standard_transitions": False}

ROOT = Path(__file__).resolve().parents[1]
THREE = ("USA", "AUS", "BRN")
ALL = np.ones(3, dtype=bool)
ELEVEN = ["USA", "JPN", "CAN", "MEX", "AUS", "NZL", "CHL", "PER", "SGP", "MYS", "VNM"]


def years(status_quo: list[float], ideal: list[float], red_line: list[float]) -> Issue:
    """A biologics-like issue on 0..12 years over three countries (payoff figures unused here)."""
    return Issue("biologics", "Biologics data protection", "biologics", "years", 0.0, 12.0, 8.0,
                 np.array(status_quo), np.array(ideal), np.array(red_line), {}, {})


# ------------------------------------------------------------------ by hand
def test_a_three_country_standard_and_what_each_member_implements_by_hand():
    """The US (12 years, wants 12, accepts no less than 8), Australia (5, wants 5, accepts up to 8) and
    Brunei (0, wants 0, accepts up to 8). The median ideal, 5, lies below the US's red line: the standard is
    8, on every red line. Australia implements (8 - 5) / (12 - 5) = 3/7 of the way to 12, Brunei 8 / 12,
    the US, past it already, nothing."""
    issue = years([12.0, 5.0, 0.0], [12.0, 5.0, 0.0], [8.0, 8.0, 8.0])
    (standard,) = common_standards({"biologics": issue}, THREE, ("rice", "biologics"), ("biologics",), ALL)
    assert (standard.term, standard.within_red_lines, standard.sector) == (8.0, True, 1)
    assert standard.set_by == ("USA", "AUS", "BRN")
    assert standard.floor.tolist() == pytest.approx([0.0, 3 / 7, 2 / 3])
    assert bound_terms(standard.floor, issue.status_quo, 12.0).tolist() == pytest.approx([12.0, 8.0, 8.0])
    floor = standards_floor((standard,), 3, 2)
    assert floor[:, 0].tolist() == [0.0, 0.0, 0.0] and floor[:, 1].tolist() == pytest.approx([0.0, 3 / 7, 2 / 3])
    # without the US nobody holds the term up: the median ideal of the two, 2.5 years; only Brunei moves
    (rest,) = common_standards({"biologics": issue}, THREE, ("rice", "biologics"), ("biologics",),
                               np.array([False, True, True]))
    assert (rest.term, rest.set_by) == (2.5, ())
    assert rest.floor.tolist() == pytest.approx([0.0, 0.0, 2.5 / 12])


def test_a_median_ideal_inside_the_red_lines_sits_on_none():
    """Ideals 12, 10 and 5; the US blocks under 6, the others nothing up to 12: the median, 10 years. The
    one at 8 years implements half the way to 12, the one at 5, 5/7."""
    issue = years([12.0, 8.0, 5.0], [12.0, 10.0, 5.0], [6.0, 12.0, 12.0])
    (standard,) = common_standards({"biologics": issue}, THREE, ("biologics",), ("biologics",), ALL)
    assert (standard.term, standard.within_red_lines, standard.set_by) == (10.0, True, ())
    assert standard.floor.tolist() == pytest.approx([0.0, 0.5, 5 / 7])


def test_the_concession_that_binds_a_standard_on_a_falling_scale():
    """A procurement threshold falls as it opens, to 130,000 SDR: from 5,000 to a standard of 2,000 is
    3,000 of the 4,870 to go; a country already at 100 is past it."""
    floor = standard_concessions(2000.0, np.array([5000.0, 2000.0, 100.0]), 130.0, rising=False)
    assert floor.tolist() == pytest.approx([3000 / 4870, 0.0, 0.0])
    assert bound_terms(floor, np.array([5000.0, 2000.0, 100.0]), 130.0, rising=False).tolist() == \
        pytest.approx([2000.0, 2000.0, 100.0])


def test_the_shortest_transition_that_lets_a_member_ratify_by_hand():
    """A member 0.5 short of its bar, whose standard costs 1 at once, at a yearly discount of 0.5: one year
    halves the cost, just enough; 0.75 short needs two (a quarter left), more than the longest allowed when
    that is one year; a whole 1 short, or no discount, no transition is enough: none is granted (it holds out
    either way); a member not short, or whose standard costs nothing, needs none."""
    years = transition_years(np.array([-0.5, -0.75, -1.0, -0.1, 0.2, -0.1]), np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.0]),
                             np.array([0.5, 0.5, 0.5, 1.0, 0.5, 0.5]), 30)
    assert years.tolist() == [1, 2, 0, 0, 0, 0]
    assert transition_years(np.array([-0.5, -0.75]), np.ones(2), np.full(2, 0.5), 1).tolist() == [1, 0]
    # the member at index 1 implements 2 years late: it pays 1 - 0.5**2 = 3/4 less; the originator at index 0,
    # patient at 0.9 a year, gets its 0.4 from it two years late: 0.4 x (1 - 0.81) less
    relief = transition_relief(np.array([0, 2]), np.array([0.9, 0.5]), np.array([0.0, 1.0]),
                               np.array([[0.0, 0.4], [0.0, 0.0]]))
    assert relief.tolist() == pytest.approx([-0.4 * 0.19, 0.75])


# ------------------------------------------------------------------ properties
@settings(max_examples=80, deadline=None)
@given(status_quo=arrays(float, 5, elements=st.floats(0, 12)), ideal=arrays(float, 5, elements=st.floats(0, 12)),
       red_line=arrays(float, 5, elements=st.floats(0, 12)), schedule=arrays(float, 5, elements=st.floats(0, 1)),
       members=arrays(bool, 5))
def test_every_member_binds_at_least_the_standard_and_no_schedule_falls(status_quo, ideal, red_line, schedule,
                                                                        members):
    issue = Issue("biologics", "b", "biologics", "years", 0.0, 12.0, 8.0, status_quo, ideal, red_line, {}, {})
    codes = tuple("ABCDE")
    standards = common_standards({"biologics": issue}, codes, ("biologics",), ("biologics",), members)
    if not members.any():
        assert standards == ()
        return
    (standard,) = standards
    implemented = np.maximum(schedule, standard.floor)
    assert (implemented >= schedule).all() and ((implemented >= 0) & (implemented <= 1)).all()
    end, rising = liberal_end(issue)          # the scale falls when most members stand above the outcome
    bound = bound_terms(implemented, status_quo, end, rising)
    beyond = bound - standard.term if rising else standard.term - bound
    assert (beyond[members] >= -1e-9).all()
    assert (standard.floor[~members] == 0).all()
    if standard.within_red_lines:           # every member's red line allows the standard
        assert issue.acceptable(standard.term)[members].all()


@settings(max_examples=80, deadline=None)
@given(margin=arrays(float, 6, elements=st.floats(-2, 1)), cost=arrays(float, 6, elements=st.floats(0, 2)),
       discount=arrays(float, 6, elements=st.floats(0.05, 1)), longest=st.integers(1, 30))
def test_a_transition_is_the_shortest_that_brings_the_member_in(margin, cost, discount, longest):
    years = transition_years(margin, cost, discount, longest)
    assert ((years >= 0) & (years <= longest)).all()
    after = margin + (1 - discount ** years) * cost
    late = years > 0
    assert (after[late] >= -1e-9).all() and (margin[late] < 0).all()      # it brings the member in
    one_less = margin + (1 - discount ** np.maximum(years - 1, 0)) * cost
    assert (one_less[late] < 1e-9).all()                                 # a year less would not
    never = (margin < 0) & ~late                                          # none: the longest would not either
    assert (margin[never] + (1 - discount[never] ** longest) * cost[never] < 1e-9).all()


# ------------------------------------------------------------------ a whole game
def _played(scenario, seed: int = 0) -> TPPModel:
    model = TPPModel(scenario, rng=seed, record=False)
    while model.running:
        model.step()
    return model


def test_the_eleven_implement_the_standard_they_settle():
    """Without Brunei, the eleven settle biologics at 8 years (the US's red line holds the median ideal of 5
    up; the red lines of those who accepted no more than 8 cap it); each signs a schedule binding at least
    8, and summary.json, the final table and the stylised fact read that standard."""
    scenario = load_scenario("baseline", overrides={"bargaining.common_standards": ["biologics"],
                                                    "agreement.members": ELEVEN,
                                                    "agreement.original_signatories": ELEVEN})
    model = _played(scenario)
    summary = model.summary()
    assert summary["formed"]
    biologics = summary["rules_terms"]["biologics"]
    assert biologics["term"] == 8.0 and biologics["common_standard"]["within_red_lines"]
    assert biologics["common_standard"]["set_by"] == ["USA", "MEX", "AUS", "NZL", "CHL", "PER", "SGP", "MYS", "VNM"]
    assert set(biologics["bound"]) == set(ELEVEN) and min(biologics["bound"].values()) >= 8.0 - 1e-4
    b = model.sectors.index("biologics")
    issue = load_rules().select(model.countries).issues["biologics"]
    needed = standard_concessions(8.0, issue.status_quo, 12.0)
    signed = model.agreement.signed_schedule[:, b]
    assert (signed[:11] >= needed[:11] - 1e-12).all() and needed[model.countries.index("AUS")] == pytest.approx(3 / 7)
    assert summary["countries"]["AUS"]["concessions"]["biologics"] >= 3 / 7 - 1e-4
    assert ("Biologics data protection: at least 8.0 years, the common standard every signatory implements (the "
            "red line of United States, Mexico, Australia, New Zealand, Chile, Peru, Singapore, Malaysia and "
            "Vietnam).") in final_table(summary, model.sectors)
    fact = HeadlineSpec("claim", "term_between", (("high", 8.0), ("low", 5.0), ("sector", "biologics")))
    assert holds(model, fact)
    # the services chapter is no standard: its term is still the least a signatory binds
    services = summary["rules_terms"]["services"]
    assert "common_standard" not in services and services["term"] == min(services["bound"].values())


def test_ratification_counts_what_the_standard_costs():
    """Brunei's whole stake in the baseline is small (full access everywhere is worth about US$2 m a year to
    it), and an 8-year standard makes its health budget pay originators' premiums worth more than that: it
    holds out of the package it ratifies without the standard (at once: no transitions)."""
    plain = _played(load_scenario("baseline", overrides=WITHOUT_STANDARD))
    assert plain.summary()["formed"] and "BRN" in plain.summary()["ratifying"]
    standard = _played(load_scenario("baseline", overrides={"bargaining.standard_transitions": False}))
    summary = standard.summary()
    assert not summary["formed"] and summary["holdouts"] == ["BRN"]
    check = standard.last_check
    assert check.utility["BRN"] < check.outside_option["BRN"] < plain.last_check.utility["BRN"]


def test_with_transitions_brunei_implements_the_standard_later_and_the_twelve_sign():
    """Granted the shortest transition with which it ratifies, Brunei (0.93 a month, 0.42 a year) takes two
    years: the agreement forms with all twelve at 8 years."""
    scenario = load_scenario("baseline", overrides={"bargaining.common_standards": ["biologics"],
                                                    "bargaining.standard_transitions": True})
    model = _played(scenario)
    summary = model.summary()
    assert summary["formed"] and len(summary["ratifying"]) == 12 and summary["holdouts"] == []
    standard = summary["rules_terms"]["biologics"]
    assert standard["term"] == 8.0 and standard["common_standard"]["transitions"] == {"BRN": 2}
    assert standard["bound"]["BRN"] == pytest.approx(8.0, abs=1e-4)
    assert "Brunei after 2 years." in final_table(summary, model.sectors)
    # what the transition is worth to Brunei: it pays 1 - 0.93**24 of the standard's cost less
    brn = model.countries.index("BRN")
    schedule = model.agreement.in_force_schedule(model.agreement.signed_schedule)
    years, relief = model.agreement.transitions(schedule, signed_mask(model))
    assert years[brn] == 2 and years.sum() == 2
    b = model.sectors.index("biologics")
    w = model.weights
    cost = sum(w.cost[brn, k, b] for k in range(12) if k != brn) * (2 / 3) ** w.gamma
    assert relief[brn] == pytest.approx((1 - 0.93**24) * cost)
    assert (relief[np.arange(12) != brn] <= 0).all()        # the originators get their premium later


def test_pair_talks_bargain_over_what_the_standard_leaves_open():
    """The package world the talks bargain in counts the standard each member implements: Brunei, with
    no data protection, already grants 2/3 of the way to 12 years (8 years) there, so no pair trades
    what the standard gives; without the setting it grants nothing there."""
    on = load_scenario("baseline", overrides={"bargaining.common_standards": ["biologics"],
                                              "bargaining.standard_transitions": True})
    s, brn = on.sectors.index("biologics"), on.countries.index("BRN")
    model = TPPModel(on, rng=0, record=False)
    model.step()
    schedule, _ = model.table._package_world()
    minimum = model.agreement.standards_minimum(model.members)
    assert minimum[brn, s] == pytest.approx(2 / 3) and (schedule >= minimum).all()
    plain = TPPModel(load_scenario("baseline", overrides=WITHOUT_STANDARD), rng=0, record=False)
    plain.step()
    assert plain.agreement.standards_minimum(plain.members) is None
    assert plain.table._package_world()[0][brn, s] == 0.0


def test_the_standard_narrows_mexicos_end_game_relief_and_the_us_mexico_zone_closes():
    """lobbies_and_welfare, seed 3, as its note traces the US's lost US$ 1 bn: in June 2015 the US is the last
    hold-out and Mexico offers it half its margin above what it needs to ratify. The standard costs Mexico
    0.028 of its attainable gain, so its relief is smaller (0.135 against 0.149) and the US-Mexico talk's
    zone closes; without the standard the talk closes with Mexico's services opened 0.10."""
    found = {}
    for name, overrides in (("standard", {}), ("plain", WITHOUT_STANDARD)):
        model = TPPModel(load_scenario("lobbies_and_welfare", overrides=overrides), rng=3, record=False)
        talk = next(t for t in model.table.talks if t.label == "USA-MEX TPP market access")
        while model.round < 24:
            model.step()
        mex = model.countries.index("MEX")
        assert model.last_check.holdouts == ["USA"]
        relief = float(model.agreement.endgame_relief[mex])
        model.table.refresh()
        zone = bool(model.table.frontier(talk).zopa[0])
        while model.running:
            model.step()
        found[name] = (relief, zone, talk.deal, model.last_check.utility["MEX"])
    (relief, zone, deal, _), (plain_relief, plain_zone, plain_deal, _) = found["standard"], found["plain"]
    assert relief == pytest.approx(0.1351, abs=1e-4) and plain_relief == pytest.approx(0.1490, abs=1e-4)
    assert not zone and deal is None
    assert plain_zone and plain_deal is not None
    services = load_scenario("lobbies_and_welfare").sectors.index("services")
    assert plain_deal[1][services] == pytest.approx(0.10, abs=0.01)     # what Mexico gives the US


def test_the_signed_standard_stands_when_a_member_leaves():
    """Once formed, the text stands: the US withdrawing does not reopen the standard its red line held up
    (the eleven left would settle 5 years among themselves). Brunei, now paying the premium to Japan's,
    Australia's and Canada's originators only, ratifies it without a transition."""
    scenario = load_scenario("baseline", overrides={"bargaining.common_standards": ["biologics"],
                                                    "bargaining.standard_transitions": True})
    model = TPPModel(scenario, rng=0, record=False)
    while model.formed_round is None:
        model.step()
    model.withdraw("USA", "test")
    model.step()
    standard = model.summary()["rules_terms"]["biologics"]
    assert standard["term"] == 8.0 and "USA" in standard["common_standard"]["set_by"]
    assert "USA" not in standard["bound"] and standard["common_standard"]["transitions"] == {}
    assert "BRN" in model.summary()["ratifying"]
    rest = signed_mask(model)
    (alone,) = common_standards(load_rules().select(model.countries).issues, model.countries, model.sectors,
                                ("biologics",), rest)
    assert alone.term == 5.0


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("value, message", [
    (["rice"], "bargaining.common_standards[0]: expected a rules issue, one of biologics services procurement soe"),
    (["biologics", "biologics"], "bargaining.common_standards[1]: expected each rules issue named once"),
    ("biologics", "bargaining.common_standards: expected a list of rules issues"),
    (["procurement"], "bargaining.common_standards[0]: expected a sector in play (procurement is a chapter: add it "
                      "to bargaining.chapters)"),
])
def test_a_bad_common_standards_setting_is_one_line(value, message):
    with pytest.raises(ScenarioError) as err:
        load_scenario("baseline", overrides={"bargaining.common_standards": value})
    assert message in str(err.value) and "\n" not in str(err.value)


def test_transitions_without_a_standard_are_one_line():
    with pytest.raises(ScenarioError) as err:
        load_scenario("baseline", overrides={"bargaining.common_standards": []})
    assert "bargaining.standard_transitions: expected false unless bargaining.common_standards names an issue" in \
        str(err.value) and "\n" not in str(err.value)
    with pytest.raises(ScenarioError, match="bargaining.standard_transitions: expected true or false"):
        load_scenario("baseline", overrides={"bargaining.common_standards": ["biologics"],
                                             "bargaining.standard_transitions": 2})


def test_a_bad_common_standard_on_the_command_line_is_one_line_and_exit_2(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "run.py"), "baseline", "--set",
                             "bargaining.common_standards=biologics", "--out", str(tmp_path / "o")],
                            cwd=ROOT, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 2 and result.stdout == "" and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "bargaining.common_standards: expected a list of rules issues" in result.stderr
    assert not (tmp_path / "o").exists()
