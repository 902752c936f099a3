"""benchmarks/stylised_facts.py: the facts file loads as headlines, the shares it reports are the
share of seeds each headline holds, its diagnostics are the runs' own figures, and bad input is one
line with exit 2."""

from __future__ import annotations

import importlib.util
import json
import tomllib
from pathlib import Path

import numpy as np
import pytest

from tppgame.experiments.headlines import final_concessions, holds, own_cuts, play
from tppgame.experiments.sweep_agreement import wilson
from tppgame.game.scenario import ScenarioError, load_scenario

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "benchmarks" / "stylised_facts.py"


@pytest.fixture(scope="module")
def facts():
    spec = importlib.util.spec_from_file_location("stylised_facts", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def measured(facts, tmp_path_factory):
    out = tmp_path_factory.mktemp("facts") / "facts.json"
    assert facts.main(["--seeds", "3", "--first-seed", "4", "--json", str(out)]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def test_the_facts_file_is_headlines_of_the_baseline(facts):
    scenario = facts.with_facts(load_scenario(), facts.FACTS_FILE)
    entries = tomllib.loads(facts.FACTS_FILE.read_text(encoding="utf-8"))["headlines"]
    assert [h.claim for h in scenario.headlines] == [e["claim"] for e in entries]
    assert scenario.file == load_scenario().file      # the scenario stays the baseline; only its headlines change
    assert {"smallest_concession", "deeper_than_side_deal", "largest_cuts", "concedes_in_protected",
            "formed_between", "veto"} <= {h.kind for h in scenario.headlines}


def test_shares_are_the_share_of_seeds_each_fact_holds(facts, measured):
    scenario = facts.with_facts(load_scenario(), facts.FACTS_FILE)
    models = [play(scenario, seed, record=False) for seed in (4, 5, 6)]
    assert measured["games"] == 3 and measured["seeds"] == [4, 6]
    for k, (h, fact) in enumerate(zip(scenario.headlines, measured["facts"])):
        held = sum(holds(m, h) for m in models)
        assert (fact["claim"], fact["held"]) == (h.claim, held), k
        assert fact["share"] == pytest.approx(held / 3)
        assert fact["reproduced"] is (held / 3 >= 0.8)
        assert fact["interval"] == list(wilson(held, 3))


def test_diagnostics_are_the_runs_figures(facts, measured):
    scenario = load_scenario()
    models = [play(scenario, seed, record=False) for seed in (4, 5, 6)]
    summaries = [m.summary()["countries"] for m in models]
    rice = np.mean([s["JPN"]["concessions"]["rice"] for s in summaries])
    assert measured["japan"]["sectors"]["rice"]["concession"] == pytest.approx(rice, abs=1e-4)
    assert measured["japan"]["sectors"]["rice"]["barrier"] == pytest.approx(1.0)
    barrier = scenario.params["barrier"]
    vnm = scenario.countries.index("VNM")
    cut = np.mean([own_cuts(final_concessions(m), barrier)[vnm] for m in models])
    assert measured["countries"]["VNM"]["cut"] == pytest.approx(cut)
    assert measured["countries"]["VNM"]["most_protected"] == ["autos", "biologics", "sugar"]   # 0.9, 0.7, 0.6
    formed = [m.formed_round is not None for m in models]
    assert measured["formation"]["share"] == pytest.approx(sum(formed) / 3)
    assert -1 <= measured["countries"]["JPN"]["corr_concession_barrier"] <= 1


def test_the_report_prints_a_row_per_fact_and_per_country(facts, measured):
    text = facts.report(measured)
    for k, fact in enumerate(measured["facts"], start=1):
        row = next(line for line in text.splitlines() if line.startswith(f"{k:>2}  {fact['claim']}"))
        low, high = fact["interval"]
        assert f"{100 * low:.0f}%-{100 * high:.0f}%" in row.replace(" ", "")
    for code in ("USA", "JPN", "VNM", "BRN"):
        assert any(line.startswith(f"  {code} ") for line in text.splitlines())
    assert "quotas" in text and ("Not checkable in this scenario:" in text) is bool(measured["not_in_play"])


@pytest.mark.parametrize("argv, needle", [
    (["--seeds", "0"], "--seeds 0: expected a whole number of at least 1"),
    (["--set", "bargaining.nothing=1"], "bargaining.nothing"),
    (["nosuch"], "nosuch.toml"),
])
def test_bad_input_is_one_line_and_exit_2(facts, capsys, argv, needle):
    assert facts.main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and needle in err, err


def test_a_bad_facts_file_is_named_in_its_error(facts, tmp_path, capsys):
    bad = tmp_path / "facts.toml"
    bad.write_text('[[headlines]]\nclaim = "x"\nkind = "largest_cuts"\ncountries = ["VNM"]\n', encoding="utf-8")
    assert facts.main(["--seeds", "1", "--facts", str(bad)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert f"{bad}: headlines[0].top" in err, err
    with pytest.raises(ScenarioError, match="facts.toml: headlines"):
        load_scenario().with_headlines([{"claim": "x", "kind": "veto"}], str(bad))


def test_facts_dated_outside_a_scenarios_calendar_are_left_out_by_name(facts, tmp_path, capsys):
    """tokyo_2014 ends in June 2014, so "the agreement forms in 2015" cannot be checked there; every other
    fact is, and the run names the one left out. A bad entry that is not a date is still the one-line error."""
    out = tmp_path / "tokyo.json"
    assert facts.main(["tokyo_2014", "--seeds", "1", "--json", str(out)]) == 0
    measured = json.loads(out.read_text(encoding="utf-8"))
    claims = [f["claim"] for f in measured["facts"]]
    assert "The agreement forms in 2015" not in claims and "No US-Japan deal by April 2014" in claims
    assert len(claims) == len(facts.read_facts(facts.FACTS_FILE)) - 1
    assert measured["not_in_play"] == ["The agreement forms in 2015: its by_date is outside this scenario's "
                                       "calendar (a time within the 12 rounds (before 2014-07-01))"]
    assert "Not checkable in this scenario:" in capsys.readouterr().out
    bad = tmp_path / "facts.toml"
    bad.write_text('[[headlines]]\nclaim = "x"\nkind = "formed_between"\nfrom_date = 2015-01-01\nby_date = 2015-12-31\n'
                   '[[headlines]]\nclaim = "y"\nkind = "largest_cuts"\ncountries = ["VNM"]\n', encoding="utf-8")
    assert facts.main(["tokyo_2014", "--seeds", "1", "--facts", str(bad)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and ".top" in err, err


def test_the_chapters_in_play_get_a_table_of_schedules_and_stakes(facts):
    """Per chapter and country: the TPP schedule's mean over the runs and the stake from the game's weights."""
    from tppgame.experiments.headlines import package_schedule
    from tppgame.game.settings import weights_of

    chapters = {"bargaining.chapters": ["services", "procurement", "soe"]}
    scenario = facts.with_facts(load_scenario("lobbies_and_welfare").with_overrides(chapters, origin="--set"),
                                facts.FACTS_FILE)
    out = facts.measure(scenario, range(2))
    assert list(out["chapters"]) == ["services", "procurement", "soe"]
    models = [play(scenario, seed, record=False) for seed in (0, 1)]
    s, brn = scenario.sectors.index("procurement"), scenario.countries.index("BRN")
    schedule = np.mean([package_schedule(m)[brn, s] for m in models])
    assert out["chapters"]["procurement"]["BRN"]["tpp_schedule"] == pytest.approx(schedule)
    gain = weights_of(scenario).gain[brn]
    assert out["chapters"]["procurement"]["BRN"]["gain_share"] == pytest.approx(gain[:, s].sum() / gain.sum())
    assert "Chapter soe, means over seeds" in facts.report(out)
    no_chapters = facts.with_facts(load_scenario("judged_indices"), facts.FACTS_FILE)
    assert facts.measure(no_chapters, range(1))["chapters"] == {}


def test_the_standard_and_who_holds_out_are_the_runs_own(facts, measured):
    """The baseline's biologics standard over seeds 4-6 is the summaries' term (what fact 13 reads): the
    common standard, 8 years on the red lines of ten members in every seed, Brunei implementing it after 2
    years; with biologics a common standard under the judged indices and no transitions, Australia holds out
    of every game, so no standard is set and the report names the hold-out."""
    from tppgame.game.outcome import rules_terms

    terms = [rules_terms(play(load_scenario(), seed, record=False))["biologics"]["term"] for seed in (4, 5, 6)]
    biologics = measured["rules_terms"]["biologics"]
    assert (biologics["median"], biologics["least"], biologics["most"]) == (np.median(terms), min(terms), max(terms))
    assert biologics["none"] == 0 and terms == [8.0, 8.0, 8.0]
    assert biologics["set_by"] == {"USA MEX AUS NZL CHL PER SGP MYS VNM BRN": 1.0}
    assert biologics["transitions"] == {"BRN": {"share": 1.0, "mean_years": 2.0}}
    assert measured["formation"]["holdouts_when_not_formed"] == {}
    standard = load_scenario("judged_indices").with_overrides({"bargaining.common_standards": ["biologics"]},
                                                             origin="--set")
    out = facts.measure(facts.with_facts(standard, facts.FACTS_FILE), range(1))
    assert out["formation"]["holdouts_when_not_formed"] == {"AUS": 1.0}
    assert out["rules_terms"]["biologics"]["none"] == 1.0 and out["rules_terms"]["biologics"]["median"] is None
    assert "not formed, holding out at the end: AUS 100%" in facts.report(out)
    assert "biologics: no standard in any seed" in facts.report(out)


def test_run_py_robustness_checks_a_headlines_file_as_the_benchmark_does(facts, tmp_path, capsys):
    """``run.py robustness SCENARIO --headlines FILE`` reports each of the file's headlines over the seeds, in
    place of the scenario's own, with the shares the benchmark gives for the same seeds."""
    from tppgame.cli import main

    out = tmp_path / "rb.csv"
    assert main(["robustness", "tokyo_2014", "--headlines", str(facts.FACTS_FILE.parent / "tokyo_facts.toml"),
                 "--seeds", "2", "--out", str(out)]) == 2           # a file that is not there: one line
    assert "tokyo_facts.toml: (file): expected an existing headlines file" in capsys.readouterr().err
    mine = tmp_path / "two.toml"
    mine.write_text('[[headlines]]\nclaim = "Japan keeps its rice tariff and opens rice only through quotas"\n'
                    'kind = "opens_by_quota"\nimporter = "JPN"\nsector = "rice"\n'
                    '[[headlines]]\nclaim = "No US-Japan deal by April 2014"\nkind = "no_deal_by"\n'
                    'pair = ["USA", "JPN"]\nby_date = 2014-04-30\n', encoding="utf-8")
    assert main(["robustness", "tokyo_2014", "--headlines", str(mine), "--seeds", "3", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    json_out = tmp_path / "facts.json"
    assert facts.main(["tokyo_2014", "--seeds", "3", "--facts", str(mine), "--json", str(json_out)]) == 0
    for k, fact in enumerate(json.loads(json_out.read_text(encoding="utf-8"))["facts"], start=1):
        share = f"holds in {fact['share']:.0%} of seeds ({fact['held']} of 3;"
        assert f"headline {k}: {fact['claim']} -- {share}" in printed


@pytest.mark.parametrize("text, needle", [
    ('claim = "x"\n', "headlines: expected [[headlines]] tables, as a scenario file writes them"),
    ('[[headlines]]\nclaim = "x"\nkind = "veto"\ncountry = "USA"\n[bargaining]\nquotas = true\n',
     "bargaining: expected only [[headlines]] tables in a headlines file"),
    ('[[headlines]]\nclaim = "x"\nkind = "largest_cuts"\ncountries = ["VNM"]\n', "headlines[0].top"),
])
def test_a_bad_headlines_file_is_one_line_naming_it(tmp_path, capsys, text, needle):
    from tppgame.cli import main

    bad = tmp_path / "h.toml"
    bad.write_text(text, encoding="utf-8")
    assert main(["robustness", "tokyo_2014", "--headlines", str(bad), "--seeds", "1",
                 "--out", str(tmp_path / "rb.csv")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and str(bad) in err and needle in err, err
    assert main(["robustness", "tokyo_2014", "--headlines", str(bad), "--out", str(bad)]) == 2
    assert not (tmp_path / "rb.csv").exists()
