"""The story and the final table a class reads: short, and saying what is new."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tppgame import TPPModel
from tppgame.game.scenario import available_scenarios, load_scenario
from tppgame.report import _new_in_schedule, _status_line, final_table, narrate, terms_lines, welfare_line

CODES = ["USA", "JPN", "CAN", "MEX", "AUS", "NZL", "CHL", "PER", "SGP", "MYS", "VNM", "BRN"]


def check(accepting: list[str], holdouts: list[str], refused: list[str] | None = None) -> SimpleNamespace:
    return SimpleNamespace(formed=False, members=CODES, accepting=accepting, holdouts=holdouts, open_pairs=[],
                           rest_could_conclude=False, refused=refused or [])


@pytest.mark.parametrize("accepting, line", [
    (["BRN"], "Agreement: not yet; only BRN of 12 members would ratify the package so far (it gives the others "
              "less than they need); the rest could not conclude without them."),
    (CODES[2:], "Agreement: not yet; 10 of 12 members would ratify the package so far; not USA, JPN (it gives "
                "them less than they need); the rest could not conclude without them."),
    ([], "Agreement: not yet; none of the 12 members would ratify the package so far (it gives each less than it "
         "needs); the rest could not conclude without them."),
    (CODES, "Agreement: not yet; all 12 members would ratify the package so far."),
])
def test_the_agreement_line_names_the_fewer_and_says_why(accepting, line):
    assert _status_line(check(accepting, [c for c in CODES if c not in accepting])) == line


def test_a_refused_member_is_not_said_to_get_less_than_it_needs():
    """Peru would ratify, but its partners refuse it for a token offer; the US gets too little."""
    line = _status_line(check(CODES[2:7] + CODES[8:], ["USA", "JPN", "PER"], refused=["PER"]))
    assert line == ("Agreement: not yet; 9 of 12 members would ratify the package so far; not USA, JPN, PER (it "
                    "gives USA, JPN less than they need); the partners refuse PER for offering too little in "
                    "their own protected sectors; the rest could not conclude without them.")
    only_refused = _status_line(check(CODES[1:], ["USA"], refused=["USA"]))
    assert "less than" not in only_refused and "the partners refuse USA" in only_refused


def test_a_deal_line_names_only_what_is_new_in_a_countrys_schedule():
    """The US opened autos 0.40 to Singapore; a later TPP deal giving Vietnam autos 0.40 and rice 0.07
    adds only rice to its common schedule. A side deal is counted apart from the TPP schedule."""
    schedules: dict = {}
    first = {"track": "tpp", "a": "USA", "b": "SGP", "a_gives": {"autos": 0.4}, "b_gives": {"biologics": 0.1}}
    again = {"track": "tpp", "a": "USA", "b": "VNM", "a_gives": {"autos": 0.4, "rice": 0.07}, "b_gives": {}}
    side = {"track": "standalone", "a": "USA", "b": "JPN", "a_gives": {"autos": 0.4}, "b_gives": {}}
    assert _new_in_schedule(schedules, first) == ({"autos": 0.4}, {"biologics": 0.1})
    assert _new_in_schedule(schedules, again) == ({"rice": 0.07}, {})
    assert _new_in_schedule(schedules, side) == ({"autos": 0.4}, {})


def test_a_deal_line_leaves_out_what_the_common_standard_already_asks():
    """A package deal's schedules hold the common standard's floor (``bargaining.common_standards``); the
    line names only what the deal adds above it: Brunei implementing 2/3 of the way to 12 years is no
    news in a deal with Singapore, its services are."""
    deal = {"a": "BRN", "b": "SGP", "track": "tpp", "a_gives": {"biologics": 0.667, "services": 0.1},
            "b_gives": {"biologics": 0.429}, "a_standard": {"biologics": 0.667}, "b_standard": {"biologics": 0.429}}
    assert _new_in_schedule({}, deal) == ({"services": 0.1}, {})
    deeper = dict(deal, a_gives={"biologics": 0.8})
    assert _new_in_schedule({}, deeper) == ({"biologics": 0.8}, {})


def test_no_baseline_deal_line_names_the_standard_itself():
    """In the baseline (biologics a common standard) no member "opens" biologics in a deal at exactly
    what the standard asks of it (3/7 or 2/3 of the way to 12 years, shown as 0.43 and 0.67)."""
    model = TPPModel(load_scenario("baseline"), rng=2013)
    model.run_model()
    lines = [line for line in narrate(model) if "Deal:" in line]
    assert lines and not [line for line in lines if "biologics 0.43" in line or "biologics 0.67" in line]


@pytest.mark.parametrize("path", available_scenarios(), ids=lambda p: p.stem)
def test_the_final_table_fits_a_hundred_columns(path):
    model = TPPModel(path, rng=0)
    while model.running:
        model.step()
    lines = final_table(model.summary(), model.sectors).splitlines()
    table = lines[lines.index("") + 1:]
    assert max(len(line) for line in table) <= 100


def _welfare(name: str, usd_m: float, pct: float) -> dict:
    return {"name": name, "welfare": {"total_usd_m": usd_m, "percent_gdp": pct}}


def test_the_welfare_line_sums_the_gains_and_names_the_extremes():
    summary = {"formed": True, "countries": {"A": _welfare("Aland", 120.0, 0.05), "B": _welfare("Bland", -20.5, -0.01),
                                             "C": _welfare("Cland", 0.0, 0.0)}}
    assert welfare_line(summary) == ("Welfare of the agreement: US$ +100 m a year for the 3 countries together; "
                                     "most Aland (+0.050% of its GDP), least Bland (-0.010%); 1 country loses.")
    summary["formed"] = False
    summary["countries"]["B"] = _welfare("Bland", 0.0, 0.0)
    assert welfare_line(summary).startswith("Welfare of the side deals in force: US$ +120 m")
    assert welfare_line(summary).endswith("; nobody loses.")
    nothing = {"formed": False, "countries": {"A": _welfare("Aland", 0.0, 0.0)}}
    assert welfare_line(nothing) == "Welfare: nothing changes (no concession in force)."


def test_the_terms_line_names_the_standard_and_who_binds_it():
    summary = {"countries": {"AUS": {"name": "Australia"}, "BRN": {"name": "Brunei"}},
               "rules_terms": {"biologics": {"label": "Biologics data protection", "unit": "years",
                                             "suspended": False, "term": 5.0, "bound": {"AUS": 5.0, "BRN": 6.5}}}}
    assert terms_lines(summary) == ["Biologics data protection: at least 5.0 years (the least a signatory binds: "
                                    "Australia)."]
    summary["rules_terms"]["biologics"]["suspended"] = True
    assert terms_lines(summary) == ["Biologics data protection: suspended."]
    summary["rules_terms"]["biologics"].update(suspended=False, term=None, bound={})
    assert terms_lines(summary) == []
