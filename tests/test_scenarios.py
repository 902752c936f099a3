"""The scenario library: each historical scenario loads, runs, and bears out what a teacher would say."""

import subprocess
import sys
from pathlib import Path

import pytest

from tppgame.experiments.headlines import holds, play, robustness
from tppgame.game.scenario import available_scenarios, load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = [p.stem for p in available_scenarios()]
EXPECTED = {"baseline", "tokyo_2014", "australia_japan_first", "us_japan_endgame_2015", "tpp_without_japan",
            "us_withdrawal_cptpp", "lobbies_and_welfare"}


def test_the_library_has_the_scenarios_users_expect():
    assert EXPECTED <= set(SCENARIOS)


@pytest.mark.parametrize("name", SCENARIOS)
def test_each_scenario_has_a_description_dates_headlines_and_a_teaching_note(name):
    scenario = load_scenario(name)
    assert scenario.description and scenario.name
    assert scenario.round_date(1) < scenario.round_date(scenario.rounds)
    assert scenario.headlines, f"{name} states no headlines"
    note = ROOT / "scenarios" / f"{name}.md"
    assert note.exists(), f"no teaching note {note.name}"


@pytest.mark.parametrize("name", SCENARIOS)
def test_headlines_hold_with_the_default_seed(name):
    scenario = load_scenario(name)
    model = play(scenario, scenario.seed)
    failed = [h.claim for h in scenario.headlines if not holds(model, h)]
    assert not failed, f"{name}: {failed}"


def test_without_trade_promotion_authority_a_us_japan_deal_does_not_bring_the_us_in():
    """tokyo_2014, seed 2013: partners hold back from a US negotiator without authority, so the US-Japan
    deal that closes in March 2014 is small; the package still gives the US less than its bar of 0.30
    (0.291 after the missed end-2013 target), so the US holds out and no agreement forms."""
    model = play(load_scenario("tokyo_2014"), 2013)
    usjp = [d for d in model.deals if {model.countries[d.a], model.countries[d.b]} == {"USA", "JPN"}]
    assert [d.round for d in usjp] == [9] and model.config.round_date(9).month == 3     # March 2014
    assert not model.config.params["authority"][model.countries.index("USA")]           # no TPA in this year
    summits = {e["label"]: e["met"] for e in model.log.of_kind("deadline")}
    assert summits["Singapore ministerial: the end-2013 target"] is False
    assert summits["Obama's state visit to Tokyo"] is True      # the pair has its (provisional) deal
    assert model.formed_round is None and model.last_check.holdouts == ["USA"]


def test_the_australia_japan_deal_moves_the_us_reference_point_on_beef():
    """With Australia's preference in force, the US loses in Japan's beef market unless it matches it:
    its outside option falls when the side deal closes (April 2014), and in the end it wins beef access
    in Japan (0.29 with seed 2013), short of Australia's 0.45."""
    first = play(load_scenario("australia_japan_first"), 2013)
    us, jp, au = (first.countries.index(c) for c in ("USA", "JPN", "AUS"))
    beef = first.sectors.index("beef")
    by_round = {check.round: check for check in first.records}
    assert by_round[9].outside_option["USA"] > by_round[10].outside_option["USA"]       # JAEPA: April 2014
    assert 0.15 <= first.last_check.access[us, jp, beef] < first.last_check.access[au, jp, beef] - 0.1
    assert first.last_check.access[au, jp, beef] == pytest.approx(0.45)


def test_an_eleven_member_agreement_without_the_us_needs_the_successors_rule():
    model = play(load_scenario("us_withdrawal_cptpp"), 2013)
    withdrawn = model.config.round_date(43)
    assert withdrawn.year == 2017
    after_withdrawal = model.records[50]
    assert after_withdrawal.formed and not after_withdrawal.in_force
    assert model.last_check.in_force and "USA" not in model.last_check.signatories


def test_robustness_counts_each_headline_over_seeds():
    results = robustness(load_scenario("tokyo_2014"), range(3))
    assert [r.seeds for r in results] == [3, 3, 3, 3]
    assert all(0 <= r.held <= 3 for r in results)
    assert results[0].claim.startswith("No US-Japan deal")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *args], cwd=ROOT, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=300)


def test_list_shows_every_scenario_with_its_description():
    result = run_cli("list")
    assert result.returncode == 0, result.stderr
    for name in SCENARIOS:
        assert name in result.stdout
    assert "Tokyo talks and the April 2014 deadline" in result.stdout
    # the first sentence of each description only: tokyo_2014's is a question, and ran on into the next
    assert "by the deadline their leaders set?\n" in result.stdout and "One round a month" not in result.stdout


def test_compare_runs_two_scenarios_with_one_seed_and_writes_csv(tmp_path):
    out = tmp_path / "cmp.csv"
    result = run_cli("compare", "baseline", "tokyo_2014", "--seed", "4", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "Same seed (4) for both: one game each, so a difference may be that seed's luck" in result.stdout
    lines = out.read_text().splitlines()
    assert lines[0] == "measure,baseline,tokyo_2014"
    rows = {line.split(",")[0]: line.split(",")[1:] for line in lines[1:]}
    assert rows["formed"] == ["True", "False"]          # tokyo_2014 ends in mid-2014, before any agreement
    assert "utility USA" in rows and "in_force" in rows


def test_robustness_command_reports_shares_and_flags_fragile_headlines(tmp_path):
    out = tmp_path / "rb.csv"
    result = run_cli("robustness", "tokyo_2014", "--seeds", "3", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "headline 1: No US-Japan deal by the end-2013 target" in result.stdout
    assert "% of seeds" in result.stdout
    assert len(out.read_text().splitlines()) == 4
    # each share with its count and 95% Wilson interval: 3 of 3 seeds is 100%, but only 44% to 100%
    assert ("holds in 100% of seeds (3 of 3; 95% Wilson interval 44% to 100%): robust in these seeds, too few to be "
            "sure (the interval reaches below 80%)") in result.stdout


@pytest.mark.parametrize("args, needle", [
    (["compare", "baseline"], "the following arguments are required: second"),
    (["compare", "baseline", "nosuch"], "nosuch.toml: (file): expected an existing scenario file"),
    (["robustness", "baseline", "--seeds", "0"], "--seeds 0: expected a whole number from 1 to 10000"),
])
def test_bad_input_to_the_scenario_commands(args, needle):
    result = run_cli(*args)
    assert result.returncode == 2
    assert needle in result.stderr and len(result.stderr.strip().splitlines()) == 1
