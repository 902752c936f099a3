"""Hostile values: dates set and swept from the command line, a calendar running past the year 9999,
huge numbers, entry rules that cannot be met or are left incomplete by a shock, agreements without
enough members, and random scenario documents. Bad values get one line and exit status 2, at load,
never a traceback or a failure in the middle of a game.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import math
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tppgame.cli import main
from tppgame.cli_args import parse_setting
from tppgame.game.scenario import BUNDLED_SCENARIOS, Scenario, ScenarioError, load_scenario

BASELINE = str(BUNDLED_SCENARIOS / "baseline.toml")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copy(BUNDLED_SCENARIOS / "baseline.toml", tmp_path / "baseline.toml")
    return tmp_path


# ---------------------------------------------------------------- 4. dates on the command line
def test_a_start_date_can_be_set_as_a_toml_date_or_a_string(tmp_path, capsys):
    assert parse_setting("calendar.start=2013-06-01") == ("calendar.start", "2013-06-01")
    assert main(["--quiet", "--set", "calendar.start=2013-06-01", "--out", str(tmp_path)]) == 0
    assert load_scenario(overrides={"calendar.start": "2013-06-01T09:30:00"}).start == dt.date(2013, 6, 1)


def test_start_dates_can_be_swept(tmp_path, capsys):
    """A sweep over two start dates: the dates go into the store and the tables as ISO text."""
    out = tmp_path / "sweep"
    assert main(["sweep", "baseline", "--vary", "calendar.start=[2013-07-01, 2013-06-01]", "--workers", "1",
                 "--out", str(out)]) == 0
    with open(out / "runs.csv", newline="") as handle:
        assert sorted(row["calendar.start"] for row in csv.DictReader(handle)) == ["2013-06-01", "2013-07-01"]


CALENDAR_END = ("error: {file}: calendar.start: expected a start leaving room for 40 rounds of 1 month(s) before "
                "the end of the year 9999, got 9999-06-01")


@pytest.mark.parametrize("command", [[], ["robustness", "baseline", "--seeds", "1"], ["compare", "baseline", "baseline"],
                                     ["play", "--as", "JPN"]])
def test_a_calendar_running_past_the_year_9999_is_refused_at_load(command, tmp_path, one_error_line):
    message = one_error_line([*command, "--set", "calendar.start=9999-06-01", "--out", str(tmp_path / "o")])
    assert message == CALENDAR_END.format(file="--set")     # the start came from --set, not the scenario file


def test_a_sweep_reaching_past_the_year_9999_is_refused_before_any_run(tmp_path, one_error_line):
    message = one_error_line(["sweep", "baseline", "--vary", "calendar.start=[2013-07-01, 9999-06-01]",
                                      "--out", str(tmp_path)])
    assert message.endswith("got 9999-06-01 (at sweep point 1: calendar.start=\"9999-06-01\")")
    assert not (tmp_path / "sweep.sqlite").exists()


def test_an_error_of_settings_together_names_the_set_or_sweep_file_that_caused_it(tmp_path, one_error_line):
    """A check of several settings together (the calendar's room for the rounds, an event within them) named
    the scenario file even when the value came from --set or a sweep file: it names the value's origin, or
    keeps the file and says which overrides it followed."""
    assert one_error_line(["--quiet", "--set", "calendar.start=9999-12-31"]).startswith(
        "error: --set: calendar.start: expected a start leaving room for 40 rounds")
    file = BASELINE.removeprefix(str(Path.cwd()) + "/")
    assert one_error_line(["--quiet", "--set", "rounds=2"]) == (
        f"error: {file}: events[0].date: expected a time within the 2 rounds (before 2013-09-01), got 2013-12-10 "
        "(given --set rounds)")
    sweep_file, out = tmp_path / "late.toml", tmp_path / "out"
    sweep_file.write_text('scenario = "baseline"\n[vary]\n"countries.JPN.patience" = [0.5, 0.9]\n'
                          '[set]\n"calendar.start" = 9999-06-01\n')
    assert one_error_line(["sweep", str(sweep_file), "--out", str(out)]) == CALENDAR_END.format(
        file=f"{sweep_file} (set)")
    assert one_error_line(["sweep", "baseline", "--vary", "rounds=[2, 40]", "--out", str(out)]) == (
        f"error: {file}: events[0].date: expected a time within the 2 rounds (before 2013-09-01), got 2013-12-10 "
        "(given --vary rounds) (at sweep point 0: rounds=2)")
    assert not out.exists()


def test_a_sweep_files_set_is_named_by_the_file_not_as_set(tmp_path, one_error_line):
    """A sweep file's [set] value was refused as '--set: ...', an option never given: it is named
    'FILE (set)'; a --set over it is named --set, and a setting both varied and set names both places."""
    sweep_file, out = tmp_path / "s.toml", tmp_path / "out"
    sweep_file.write_text('scenario = "baseline"\n[vary]\n"countries.JPN.patience" = [0.5, 0.9]\n'
                          '[set]\n"countries.USA.beta" = 500\n')
    beta = "countries.USA.beta: expected a number above 0 and up to 100, got"
    assert one_error_line(["sweep", str(sweep_file), "--out", str(out)]) == f"error: {sweep_file} (set): {beta} 500"
    assert one_error_line(["sweep", str(sweep_file), "--set", "countries.USA.beta=600", "--out", str(out)]) == (
        f"error: --set: {beta} 600")
    assert one_error_line(["sweep", str(sweep_file), "--set", "countries.USA.beta=1", "--set",
                           "countries.JPN.patience=0.3", "--out", str(out)]) == (
        f"error: {sweep_file} (vary) countries.JPN.patience: also given with --set; give it once")
    assert one_error_line(["sweep", str(sweep_file), "--set", "countries.USA.beta=1", "--vary",
                           "countries.USA.beta=[1, 2]", "--out", str(out)]) == (
        "error: --vary countries.USA.beta: also given with --set; give it once")
    assert not out.exists()


# ---------------------------------------------------------------- 5. huge numbers
@pytest.mark.parametrize("setting, expected", [
    ("bargaining.cost_scale=1e308", "bargaining.cost_scale: expected a number from 0 to 100, got 1e+308"),
    ("bargaining.precedent_weight=1e300", "bargaining.precedent_weight: expected a number from 0 to 100, got 1e+300"),
    ("bargaining.min_stake=2", "bargaining.min_stake: expected a number from 0 to 1, got 2"),
    ("countries.USA.gdp_2013=1e308", "countries.USA.gdp_2013: expected a number above 0 and up to 1e+06, got 1e+308"),
])
def test_huge_settings_are_refused(setting, expected, one_error_line):
    assert one_error_line(["--quiet", "--set", setting]) == f"error: --set: {expected}"


def test_the_largest_allowed_settings_give_a_strict_json_summary(tmp_path, capsys):
    """At the bounds' top the game's arithmetic stays finite: summary.json parses as strict JSON."""
    assert main(["--quiet", "--out", str(tmp_path), "--set", "bargaining.cost_scale=100",
                 "--set", "bargaining.precedent_weight=100", "--set", "countries.USA.gdp_2013=1e6"]) == 0

    def refuse(name: str) -> None:
        raise AssertionError(f"summary.json holds {name}")

    summary = json.loads((tmp_path / "summary.json").read_text(), parse_constant=refuse)
    assert math.isfinite(summary["gdp_share"])


# ---------------------------------------------------------------- 6. agreements and entry rules
@pytest.mark.parametrize("settings_, expected", [
    (['agreement.members=[]'], "--set: agreement.members: expected at least two members (or countries joining by an "
                               "event), found 0"),
    (['agreement.members=["JPN"]'], "--set: agreement.members: expected at least two members (or countries joining "
                                    "by an event), found 1"),
    (['agreement.members=["USA", "JPN"]', 'agreement.original_signatories=["USA", "CAN"]'],
     "--set: agreement.original_signatories: expected members of the agreement or countries joining by an event "
     "(CAN is neither)"),
    (['agreement.original_signatories=["USA", "JPN"]'],
     "{file}: agreement.min_signatories: expected at most the 2 original signatories, so that the entry rule 'tpp' "
     "can be met, got 6 (given --set agreement.original_signatories)"),
    (['agreement.entry_rule="custom"', 'agreement.min_signatories=9', 'agreement.min_gdp_share=0.5',
      'agreement.original_signatories=["USA", "JPN", "CAN", "MEX", "AUS"]'],
     "--set: agreement.min_signatories: expected at most the 5 original signatories, so that the entry rule 'custom' "
     "can be met, got 9"),
])
def test_agreements_that_cannot_be_concluded_are_refused_at_load(settings_, expected, one_error_line):
    """Each names where the value it refuses came from: --set, or the scenario file and the --set it followed."""
    argv = [arg for s in settings_ for arg in ("--set", s)]
    file = BASELINE.removeprefix(str(Path.cwd()) + "/")
    assert one_error_line(["--quiet", *argv]) == f"error: {expected.format(file=file)}"


@pytest.mark.parametrize("setting", ['name=""', 'name="  "', 'countries.JPN.name=""'])
def test_an_empty_or_blank_name_is_refused(setting, folder, one_error_line):
    """A scenario's and a country's names are shown in titles and tables: empty or blank is refused, from
    --set and from a file; an empty description (none) stays accepted."""
    path = setting.split("=")[0]
    assert one_error_line(["--quiet", "--set", setting]) == (
        f"error: --set: {path}: expected a name, not empty or blank, got '{setting.split('=')[1][1:-1]}'")
    table = setting.replace("countries.JPN.", "[countries.JPN]\n")
    (folder / "blank.toml").write_text(f'extends = "baseline"\n{table}\n')
    with pytest.raises(ScenarioError, match=f"blank.toml: {path}: expected a name, not empty or blank"):
        load_scenario(folder / "blank.toml")
    assert load_scenario(overrides={"description": ""}).description == ""


def test_a_gdp_share_above_one_is_refused(one_error_line):
    assert one_error_line(["--quiet", "--set", "agreement.min_gdp_share=1.5"]) == (
        "error: --set: agreement.min_gdp_share: expected a number from 0 to 1, got 1.5")


def test_a_country_joining_later_can_be_an_original_signatory(folder):
    (folder / "late.toml").write_text(
        'extends = "baseline"\n[agreement]\nmembers = ["USA", "CAN"]\n'
        'original_signatories = ["USA", "CAN", "JPN"]\nentry_rule = "cptpp"\n'
        '[[events]]\nkind = "join"\ncountry = "JPN"\ndate = 2013-08-01\nlabel = "Japan joins"\n')
    assert load_scenario(folder / "late.toml").original_signatories == ("USA", "JPN", "CAN")


SHOCK = '''extends = "baseline"
[[events]]
kind = "shock"
date = 2014-06-01
probability = {probability}
label = "A new entry rule"
set = {{ "agreement.entry_rule" = "custom", "agreement.min_signatories" = 4 }}
'''


def test_a_shock_of_chance_leaving_the_entry_rule_incomplete_is_refused_at_load(folder, one_error_line):
    """Such a shock used to pass the load and stop the game on the seeds where it happened."""
    (folder / "shock.toml").write_text(SHOCK.format(probability=0.5))
    assert one_error_line([str(folder / "shock.toml"), "--quiet"]) == (
        f"error: {folder / 'shock.toml'}: events[0].set.agreement.min_gdp_share: expected a value when entry_rule "
        "is custom (in this shock, the scenario or a shock sure to come before it)")


def test_a_later_shock_can_rely_on_a_shock_sure_to_happen(folder):
    body = SHOCK.format(probability=1.0).replace(
        '"agreement.entry_rule" = "custom", "agreement.min_signatories" = 4', '"agreement.min_gdp_share" = 0.5')
    later = SHOCK.format(probability=0.5).replace('extends = "baseline"\n', "").replace("2014-06-01", "2014-09-01")
    (folder / "shocks.toml").write_text(body + later)
    rule = load_scenario(folder / "shocks.toml")
    assert [e.kind for e in rule.events].count("shock") >= 2


# ---------------------------------------------------------------- random documents
def toml_text(value: Any) -> str:
    """A value written as TOML (tables inline)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_text(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_text(v)}" for k, v in value.items()) + "}"


def leaves(tree: Any, path: tuple = ()) -> list[tuple]:
    """Every key path of a document, tables and lists included."""
    out = [path] if path else []
    children = tree.items() if isinstance(tree, dict) else enumerate(tree) if isinstance(tree, list) else ()
    for key, sub in children:
        out += leaves(sub, (*path, key))
    return out


def replaced(tree: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    copy = dict(tree) if isinstance(tree, dict) else list(tree)
    copy[path[0]] = replaced(copy[path[0]], path[1:], value)
    return copy


BASE_DOC = tomllib.loads((BUNDLED_SCENARIOS / "baseline.toml").read_text())
PATHS = leaves(BASE_DOC)


def at(tree: Any, path: tuple) -> Any:
    for key in path:
        tree = tree[key]
    return tree


BASE_VALUES = [v for p in PATHS if not isinstance(v := at(BASE_DOC, p), dict | list)]   # right types, wrong places
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
scalar = st.one_of(st.sampled_from(BASE_VALUES), st.booleans(), st.integers(-2**63, 2**63 - 1), st.floats(), text,
                   st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)), st.sampled_from(["baseline", "custom", "USA",
                                                                                     "rice", "shock", "2014-01-01"]))
value = st.recursive(scalar, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                   st.dictionaries(text, inner, max_size=3)), max_leaves=6)
mutation = st.tuples(st.sampled_from(PATHS), value) | st.tuples(st.just(("extra",)), value)
counter = itertools.count()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(mutation, min_size=1, max_size=4), st.booleans())
def test_random_documents_load_or_fail_in_one_line(tmp_path_factory, mutations, extend):
    """Any document mixing the baseline's keys with random values loads, or fails with a one-line ScenarioError."""
    doc = {"extends": "baseline"} if extend else dict(BASE_DOC)
    for path, new in mutations:
        try:
            doc = replaced(doc, path, new)
        except (KeyError, IndexError, TypeError):
            doc = {**doc, path[0]: new}
    folder = tmp_path_factory.getbasetemp() / "random"
    if not folder.exists():
        folder.mkdir()
        shutil.copy(BUNDLED_SCENARIOS / "baseline.toml", folder / "baseline.toml")
    path = folder / f"doc{next(counter)}.toml"
    path.write_text("".join(f"{json.dumps(k)} = {toml_text(v)}\n" for k, v in doc.items()), encoding="utf-8")
    try:
        assert isinstance(load_scenario(path), Scenario)
    except ScenarioError as err:
        assert "\n" not in str(err) and str(err).startswith(str(folder)), str(err)
