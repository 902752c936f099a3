"""Scenario loading: the baseline, the ``extends`` mechanism, error messages and the calendar.

Bad scenarios are written next to a copy of the bundled baseline in a temporary folder and
extend it (``extends`` resolves relative to the scenario's own folder). Every error must be a
:class:`ScenarioError` with a one-line message naming the file, the dotted key path and what
was expected.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tppgame.game.scenario import (
    BUNDLED_SCENARIOS,
    ScenarioError,
    add_months,
    load_scenario,
    round_of_date,
)

TPP12 = ["USA", "JPN", "CAN", "MEX", "AUS", "NZL", "CHL", "PER", "SGP", "MYS", "VNM", "BRN"]
SECTORS = ["rice", "wheat", "beef", "pork", "dairy", "sugar", "autos", "auto_parts", "textiles", "biologics"]
CHAPTERS = ["services"]     # the baseline's chapter beyond the ten core sectors


@pytest.fixture(scope="module")
def baseline():
    return load_scenario()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A temporary scenarios folder holding a copy of the bundled baseline."""
    shutil.copy(BUNDLED_SCENARIOS / "baseline.toml", tmp_path / "baseline.toml")
    return tmp_path


def write(folder: Path, name: str, body: str, extends: str | None = "baseline") -> Path:
    """Write ``name``.toml in ``folder``, extending the baseline unless told otherwise."""
    path = folder / f"{name}.toml"
    head = f'extends = "{extends}"\n' if extends else ""
    path.write_text(head + body, encoding="utf-8")
    return path


def load_error(path: Path) -> str:
    """Load a scenario that must fail; return its error message."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return str(info.value)


def assert_good_message(message: str, file_name: str, key_path: str) -> None:
    """One line, naming the file and the key path, and saying what was expected.

    In ``key_path``, ``[*]`` stands for any list index: events and side deals of an extending
    scenario come after its parent's, so their index in the merged list depends on the parent.
    """
    assert "\n" not in message, message
    assert file_name in message, message
    pattern = re.escape(key_path).replace(re.escape("[*]"), r"\[\d+\]")
    assert re.search(pattern, message), message
    assert "expected" in message, message


# ----------------------------------------------------------------- the baseline
def test_baseline_has_the_twelve_tpp_countries_and_ten_sectors(baseline):
    """The baseline: twelve countries in the calibration's order, the ten core sectors then the
    services chapter, all twelve members."""
    assert list(baseline.countries) == TPP12
    assert list(baseline.sectors) == SECTORS + CHAPTERS
    assert list(baseline.members) == TPP12
    assert list(baseline.original_signatories) == TPP12
    assert baseline.params["export_interest"].shape == (12, 11)
    assert baseline.params["gdp"].shape == (12,)


def test_baseline_entry_rule_is_six_signatories_with_85_percent_of_gdp(baseline):
    """TPP Art. 30.5: at least six original signatories holding 85% of their 2013 GDP."""
    rule = baseline.entry_rule
    assert (rule.name, rule.min_signatories, rule.min_gdp_share) == ("tpp", 6, 0.85)
    assert rule.signatory_fraction is None


def test_baseline_calendar_and_settings(baseline):
    """Talks start in July 2013, one round a month, 40 rounds, alternating offers; US and Japan play Boulware."""
    assert baseline.start == dt.date(2013, 7, 1)
    assert baseline.months_per_round == 1
    assert baseline.rounds == 40
    assert baseline.protocol == "alternating"
    tactic = dict(zip(baseline.countries, baseline.params["tactic"]))
    assert tactic["USA"] == tactic["JPN"] == "boulware"
    assert tactic["AUS"] == "linear"
    assert set(baseline.params["beta"]) == {None}      # each negotiator's own default pace
    from tppgame import TPPModel
    beta = {code: n.beta for code, n in zip(baseline.countries, TPPModel(baseline).negotiators)}
    assert beta["JPN"] == pytest.approx(0.2) and beta["CAN"] == pytest.approx(1.0)


def test_baseline_events_fall_in_the_right_rounds(baseline):
    """Obama's Tokyo visit (24 Apr 2014) is in round 10, Abe's Washington visit (28 Apr 2015) in round 22,
    trade promotion authority (24 Jun 2015) in round 24, lowers the US ratification threshold to 0.10
    and gives the US negotiator authority."""
    by_label = {e.label: e for e in baseline.events}
    assert by_label["Obama's state visit to Tokyo"].round == 10
    assert by_label["Obama's state visit to Tokyo"].pairs == (("USA", "JPN"),)
    assert by_label["Abe's visit to Washington"].round == 22
    tpa = by_label["Congress passes trade promotion authority"]
    assert (tpa.round, tpa.kind) == (24, "shock")
    assert tpa.changes == (("countries.USA.ratification_threshold", 0.10), ("countries.USA.authority", True))
    assert [e.round for e in baseline.events] == sorted(e.round for e in baseline.events)


def test_baseline_side_deals(baseline):
    """Australia-Japan is standalone and leaves out rice, wheat, sugar and biologics (services stay
    in); US-Japan is conditional and covers every sector."""
    deals = {d.parties: d for d in baseline.side_deals}
    aus_jpn = deals[("AUS", "JPN")]
    assert aus_jpn.kind == "standalone"
    assert set(aus_jpn.sectors) == set(SECTORS + CHAPTERS) - {"rice", "wheat", "sugar", "biologics"}
    assert deals[("USA", "JPN")].kind == "conditional"
    assert set(deals[("USA", "JPN")].sectors) == set(SECTORS + CHAPTERS)


def test_baseline_figures_come_from_the_calibration(baseline):
    """Japan's rice is its most sensitive sector; the US has FTAs with Canada and Mexico (NAFTA)."""
    p = baseline.params
    jpn, rice = baseline.index("JPN"), baseline.sectors.index("rice")
    assert p["sensitivity"][jpn, rice] == p["sensitivity"][jpn].max()
    usa, can, mex = (baseline.index(c) for c in ("USA", "CAN", "MEX"))
    assert p["fta"][usa, can] and p["fta"][can, usa] and p["fta"][usa, mex]
    assert not p["fta"][usa, jpn]
    assert p["gdp"][usa] > p["gdp"][jpn] > p["gdp"][can]


# ----------------------------------------------------------------- extends
def test_a_scenario_extending_the_baseline_inherits_what_it_does_not_set(folder):
    """Setting rounds and the protocol keeps everything else from the baseline; tables merge key by key."""
    path = write(folder, "short", 'name = "Short"\nrounds = 30\n[bargaining]\nprotocol = "nash"\n')
    s = load_scenario(path)
    base = load_scenario(folder / "baseline.toml")
    assert (s.name, s.rounds, s.protocol) == ("Short", 30, "nash")
    assert s.params["cost_scale"] == base.params["cost_scale"]  # rest of [bargaining] kept
    assert s.members == base.members
    assert "short.toml" in s.file


def test_events_of_an_extending_scenario_add_to_the_parents(folder):
    """An extending scenario's [[events]] come on top of the baseline's seven events."""
    path = write(folder, "one_more", '[[events]]\nkind = "deadline"\nround = 5\nlabel = "Extra deadline"\n')
    s = load_scenario(path)
    base = load_scenario(folder / "baseline.toml")
    assert len(s.events) == len(base.events) + 1 == 8
    assert (5, "deadline", "Extra deadline") in [(e.round, e.kind, e.label) for e in s.events]


def test_drop_events_removes_a_parents_event_by_label(folder):
    """drop_events = ["Maui ministerial"] keeps the baseline's other six events."""
    s = load_scenario(write(folder, "no_maui", 'drop_events = ["Maui ministerial"]\n'))
    labels = [e.label for e in s.events]
    assert "Maui ministerial" not in labels
    assert "Atlanta ministerial" in labels and len(labels) == 6


def test_drop_events_with_an_unknown_label_is_an_error(folder):
    """Dropping an event the parent does not have names the offending entry."""
    message = load_error(write(folder, "bad", 'drop_events = ["Moon summit"]\n'))
    assert_good_message(message, "bad.toml", "drop_events[0]")
    assert "Moon summit" in message


def test_side_deals_of_an_extending_scenario_add_to_the_parents(folder):
    """A new US-Canada side deal comes on top of the baseline's Australia-Japan and US-Japan deals."""
    s = load_scenario(write(folder, "more_deals", '[[side_deals]]\nparties = ["USA", "CAN"]\nkind = "standalone"\n'))
    assert [d.parties for d in s.side_deals] == [("AUS", "JPN"), ("USA", "JPN"), ("USA", "CAN")]


def test_extends_chains_through_several_files(folder):
    """c extends b extends the baseline: c's settings win, b's fill the gaps."""
    write(folder, "b", "rounds = 20\nseed = 7\n")
    path = write(folder, "c", "rounds = 30\n", extends="b")
    s = load_scenario(path)
    assert (s.rounds, s.seed) == (30, 7)


def test_extends_cycle_is_an_error(folder):
    """x extends y and y extends x: a cycle, reported on the extends key."""
    write(folder, "y", "", extends="x")
    path = write(folder, "x", "", extends="y")
    message = load_error(path)
    assert_good_message(message, ".toml", "extends")
    assert "cycle" in message


def test_a_long_chain_of_extends_is_one_line_not_a_recursion_error(folder):
    """A chain of 1,000 files, each extending the next, raised a RecursionError traceback; 50 files load,
    the 51st is refused on the extends of the 50th."""
    write(folder, "s0", 'name = "s0"\n')
    for k in range(1, 1000):
        write(folder, f"s{k}", f'name = "s{k}"\n', extends=f"s{k - 1}")
    assert load_scenario(folder / "s48.toml").name == "s48"          # s48 ... s0 and the baseline: 50 files
    message = load_error(folder / "s999.toml")
    assert_good_message(message, "s950.toml", "extends")
    assert "expected a chain of at most 50 scenario files, each extending the next (this is the 50th), got 's949'" \
        in message


def test_an_extended_files_event_past_the_rounds_names_the_scenario_that_set_them(folder):
    """short.toml extends the baseline with 12 rounds: the error named only baseline.toml's event, a file the
    user had not touched, not the scenario whose rounds it fell outside nor the way out (drop_events)."""
    message = load_error(write(folder, "short", 'name = "short"\nrounds = 12\n'))
    assert_good_message(message, "baseline.toml", "events[*].date")
    assert f"expected a time within the 12 rounds of {folder / 'short.toml'} (before 2014-07-01; its drop_events " \
           "leaves the event out)" in message


def test_extending_a_missing_file_is_an_error(folder):
    """Extending a scenario that is not in the same folder names the missing parent."""
    message = load_error(write(folder, "orphan", "", extends="nowhere"))
    assert_good_message(message, "orphan.toml", "extends")
    assert "nowhere" in message


def test_a_scenario_that_extends_nothing_must_set_everything(folder):
    """Without extends, settings the calibration does not provide (here the seed) must be set."""
    message = load_error(write(folder, "bare", 'name = "Bare"\n', extends=None))
    assert_good_message(message, "bare.toml", "seed")


# ----------------------------------------------------------------- overrides
def test_with_overrides_changes_one_setting(baseline):
    """Raising Japan's rice sensitivity to 2.5 changes only that figure."""
    changed = baseline.with_overrides({"countries.JPN.sensitivity.rice": 2.5})
    jpn, rice = baseline.index("JPN"), baseline.sectors.index("rice")
    assert changed.params["sensitivity"][jpn, rice] == 2.5
    diff = changed.params["sensitivity"] != baseline.params["sensitivity"]
    assert diff.sum() == 1 and diff[jpn, rice]
    assert baseline.params["sensitivity"][jpn, rice] != 2.5  # the original is untouched


def test_load_scenario_applies_overrides(baseline):
    """load_scenario(..., overrides=...) is the same as loading then overriding."""
    s = load_scenario("baseline", overrides={"bargaining.cost_scale": 0.5, "rounds": 30})
    assert s.params["cost_scale"] == 0.5
    assert s.rounds == 30


@pytest.mark.parametrize(
    "dotted, value, key_path",
    [
        ("countries.JPN.sensitivity.natto", 1.0, "countries.JPN.sensitivity.natto"),
        ("bargaining.no_such_setting", 1.0, "bargaining.no_such_setting"),
        ("countries.XXX.patience", 0.5, "countries.XXX"),
        ("countries.JPN.sensitivity", 1.0, "countries.JPN.sensitivity"),
        ("countries.JPN.sensitivity.rice", 11.0, "countries.JPN.sensitivity.rice"),
    ],
)
def test_bad_overrides_are_refused(baseline, dotted, value, key_path):
    """An unknown path, a whole table or an out-of-range value is refused with a one-line message."""
    with pytest.raises(ScenarioError) as info:
        baseline.with_overrides({dotted: value})
    message = str(info.value)
    assert "\n" not in message and key_path in message and "expected" in message


# ----------------------------------------------------------------- bad scenarios
BAD_SCENARIOS = {
    "unknown top-level key": ("negotiator = 1\n", "negotiator"),
    "unknown key in [bargaining]": ("[bargaining]\nfast_track = true\n", "bargaining.fast_track"),
    "rounds not a number": ('rounds = "ten"\n', "rounds"),
    "rounds not whole": ("rounds = 10.5\n", "rounds"),
    "protocol not known": ('[bargaining]\nprotocol = "auction"\n', "bargaining.protocol"),
    "negative sensitivity": ("[countries.JPN.sensitivity]\nrice = -1\n", "countries.JPN.sensitivity.rice"),
    "red line above 1": ("[countries.JPN.red_line]\nrice = 1.5\n", "countries.JPN.red_line.rice"),
    "patience 0": ("[countries.USA]\npatience = 0.0\n", "countries.USA.patience"),
    "unknown country": ('[countries.XXX]\nname = "Atlantis"\n', "countries.XXX"),
    "unknown member": ('[agreement]\nmembers = ["USA", "XXX"]\n', "agreement.members[1]"),
    "member twice": ('[agreement]\nmembers = ["USA", "USA"]\n', "agreement.members"),
    "unknown sector": ("[countries.JPN.sensitivity]\nnatto = 1\n", "countries.JPN.sensitivity.natto"),
    "unknown side-deal sector": (
        '[[side_deals]]\nparties = ["AUS", "JPN"]\nkind = "standalone"\nsectors = ["natto"]\n',
        "side_deals[0].sectors[0]"),
    "event before the start": ('[[events]]\nkind = "deadline"\ndate = 2013-01-15\n', "events[*].date"),
    "event after the last round": ('[[events]]\nkind = "deadline"\nround = 41\n', "events[*].round"),
    "event with round and date": ('[[events]]\nkind = "deadline"\nround = 3\ndate = 2014-01-01\n', "events[0]"),
    "event with neither round nor date": ('[[events]]\nkind = "deadline"\n', "events[0]"),
    "shock setting an unknown path": (
        '[[events]]\nkind = "shock"\nround = 3\nset = { "countries.JPN.mood" = 1 }\n', "countries.JPN.mood"),
    "shock changing membership": (
        '[[events]]\nkind = "shock"\nround = 3\nset = { "agreement.members" = ["USA"] }\n',
        "events[*].set.agreement.members"),
    "shock setting the headlines, which no game reads": (
        '[[events]]\nkind = "shock"\nround = 3\nset = { headlines = [] }\n', "events[*].set.headlines"),
    "shock setting the history, which no game reads": (
        '[[events]]\nkind = "shock"\nround = 3\nset = { "history.formed" = false }\n', "events[*].set.history.formed"),
    "summit without pairs": ('[[events]]\nkind = "summit"\nround = 3\n', "events[0].pairs"),
    "side deal with terms but no concluded round": (
        '[[side_deals]]\nparties = ["AUS", "JPN"]\nkind = "standalone"\nterms = { JPN = { beef = 0.5 } }\n',
        "side_deals[0]"),
    "side deal with one party": ('[[side_deals]]\nparties = ["AUS"]\nkind = "standalone"\n', "side_deals[0].parties"),
    "bad date": ('[calendar]\nstart = "July 2013"\n', "calendar.start"),
}


@pytest.mark.parametrize("body, key_path", BAD_SCENARIOS.values(), ids=BAD_SCENARIOS.keys())
def test_bad_scenario_gives_a_one_line_error_naming_file_and_key(folder, body, key_path):
    """Each mistake stops the load with a ScenarioError naming the file, the key path and what was expected."""
    message = load_error(write(folder, "bad", body))
    assert_good_message(message, "bad.toml", key_path)


def test_error_in_an_extending_scenarios_event_names_its_own_entry(folder):
    """bad.toml (extends the baseline) has one event, dated before the start: the message points at events[0]."""
    message = load_error(write(folder, "bad", '[[events]]\nkind = "deadline"\ndate = 2013-01-15\n'))
    assert "bad.toml: events[0].date" in message


def test_the_error_lines_write_a_scenario_shows_are_the_command_lines(folder, monkeypatch, one_error_line):
    """docs/how-to/write-a-scenario.md, "When the file is wrong", sets Japan's rice sensitivity to 20 in
    scenarios/my_variant.toml, then misspells the sector: each line it shows is what run.py prints."""
    page = (Path(__file__).resolve().parent.parent / "docs" / "how-to" / "write-a-scenario.md").read_text("utf-8")
    shown = [line for line in page.splitlines() if line.startswith("error: scenarios/my_variant.toml: ")]
    (folder / "scenarios").mkdir()
    shutil.copy(folder / "baseline.toml", folder / "scenarios")
    monkeypatch.chdir(folder)
    printed = []
    for sector, value in (("rice", 20), ("rce", 2.5)):
        write(folder / "scenarios", "my_variant", f"[countries.JPN.sensitivity]\n{sector} = {value}\n")
        printed.append(one_error_line(["my_variant", "--quiet", "--out", "out"]))
    assert printed == shown


def test_error_names_the_value_it_got(folder):
    """A wrong value is echoed back, so the user sees what to fix."""
    message = load_error(write(folder, "bad", 'rounds = "ten"\n'))
    assert "'ten'" in message
    assert "whole number" in message


def test_toml_syntax_error(folder):
    """A file that is not valid TOML is reported with the file name and where the parser stopped."""
    message = load_error(write(folder, "broken", "rounds = = 3\n"))
    assert "\n" not in message
    assert "broken.toml" in message and "expected valid TOML" in message and "line 2" in message


def test_missing_file(tmp_path):
    """Loading a file that does not exist names the file."""
    message = load_error(tmp_path / "nowhere.toml")
    assert "\n" not in message
    assert "nowhere.toml" in message and "expected an existing scenario file" in message


def test_scenario_error_is_a_value_error_with_its_parts(folder):
    """ScenarioError carries the file, path and expectation separately, and is a ValueError."""
    with pytest.raises(ValueError) as info:
        load_scenario(write(folder, "bad", "[countries.JPN.sensitivity]\nrice = -1\n"))
    err = info.value
    assert isinstance(err, ScenarioError)
    assert err.path == "countries.JPN.sensitivity.rice"
    assert err.file.endswith("bad.toml")
    assert "0 to 10" in err.expected


# ----------------------------------------------------------------- calendar
def test_round_ten_of_a_monthly_calendar_from_july_2013_is_april_2014(baseline):
    """Round 1 is July 2013, so round 10 is April 2014: Obama's Tokyo visit (24 April) falls in it."""
    start = dt.date(2013, 7, 1)
    assert add_months(start, 9) == dt.date(2014, 4, 1)
    assert baseline.round_date(10) == dt.date(2014, 4, 1)
    assert round_of_date(dt.date(2014, 4, 24), start, 1) == 10
    assert round_of_date(dt.date(2014, 3, 31), start, 1) == 9
    assert round_of_date(dt.date(2013, 7, 1), start, 1) == 1
    assert round_of_date(dt.date(2013, 6, 30), start, 1) == 0  # before the talks


def test_quarterly_rounds():
    """With three months a round from July 2013, April 2014 falls in round 4 (April-June 2014)."""
    start = dt.date(2013, 7, 1)
    assert round_of_date(dt.date(2014, 4, 24), start, 3) == 4
    assert round_of_date(dt.date(2014, 3, 31), start, 3) == 3
    assert add_months(start, 3 * 3) == dt.date(2014, 4, 1)


def test_add_months_crosses_years():
    """Adding 18 months to 1 July 2013 gives 1 January 2015; 0 months changes nothing."""
    assert add_months(dt.date(2013, 7, 1), 18) == dt.date(2015, 1, 1)
    assert add_months(dt.date(2013, 7, 1), 0) == dt.date(2013, 7, 1)
    assert add_months(dt.date(2013, 11, 15), 2) == dt.date(2014, 1, 15)


@settings(max_examples=100, deadline=None)
@given(st.dates(dt.date(1990, 1, 1), dt.date(2050, 12, 28)).filter(lambda d: d.day <= 28),
       st.integers(1, 200), st.integers(1, 24))
def test_round_dates_round_trip(start, round_number, months):
    """The first day of round r maps back to round r, and the day before it to round r - 1."""
    first_day = add_months(start, (round_number - 1) * months)
    assert round_of_date(first_day, start, months) == round_number
    assert round_of_date(first_day - dt.timedelta(days=1), start, months) == round_number - 1


def test_round_dates_round_trip_for_a_start_late_in_the_month(baseline):
    """A calendar starting on 31 July 2013: round 1 begins on the start date, round 2 maps back to round 2."""
    late = dataclasses.replace(baseline, start=dt.date(2013, 7, 31))
    assert late.round_date(1) == dt.date(2013, 7, 31)
    assert round_of_date(late.round_date(2), late.start, 1) == 2


def test_event_dates_become_rounds(folder):
    """A deadline dated 24 April 2014 in a monthly calendar from July 2013 happens in round 10."""
    s = load_scenario(write(folder, "dated", '[[events]]\nkind = "deadline"\ndate = 2014-04-24\nlabel = "Test"\n'))
    assert [e.round for e in s.events if e.label == "Test"] == [10]


def test_parameters_are_arrays_in_country_and_sector_order(baseline):
    """params['sensitivity'][i, s] is country i's figure for sector s, in the scenario's orders."""
    p = baseline.params
    for key in ("export_interest", "barrier", "sensitivity", "red_line"):
        assert p[key].shape == (12, len(SECTORS + CHAPTERS))
        assert np.all(np.isfinite(p[key]))
    assert np.all((p["red_line"] >= 0) & (p["red_line"] <= 1))
    assert p["fta"].dtype == bool and np.array_equal(p["fta"], p["fta"].T)
