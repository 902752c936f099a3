"""What a government bargains for (tppgame.game.political): the Grossman-Helpman payoff.

Hand-checkable values on a two-country economy, the biologics issue's values, properties over
lobby weights, and whole games under ``bargaining.payoff = "political_economy"``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tppgame import load_scenario
from tppgame.cli import main
from tppgame.game.economy import Economy, load_economy
from tppgame.game.political import biologics_opening, full_opening, political_values, political_weights, with_rules
from tppgame.game.rules import load_rules
from tppgame.game.scenario import BUNDLED_SCENARIOS
from tppgame.game.settings import weights_for
from tppgame.game.utility import make_weights
from tppgame.model import TPPModel


def two_countries() -> Economy:
    """A exports 10 of sector 0 to B (B's tariff 50%, B produces 40 of it); B exports 5 of sector 1
    to A (A's tariff 10%, A produces 3). Rent share 0.2, import demand elasticity 2, so trade grows by
    k = (1 - 0.2) * 2 / (1 + t0) per unit of cut: 16/15 in B's market, 16/11 in A's."""
    trade = np.zeros((2, 2, 2))
    trade[0, 1, 0], trade[1, 0, 1] = 10.0, 5.0
    return Economy(countries=("A", "B"), sectors=("s0", "s1"), trade=trade,
                   tariff=np.array([[0.0, 0.1], [0.5, 0.0]]), coverage=np.zeros((2, 2)),
                   import_demand=np.full(2, 2.0), substitution=np.full(2, 4.0), rent_share=0.2,
                   gdp=np.array([1000.0, 100.0]), figure_sources={},
                   output=np.array([[0.0, 3.0], [40.0, 0.0]]))


# the full opening by hand (k = 16/15 in B's market, 16/11 in A's)
S_AB = 0.2 * 0.5 * 10 * (1 + 16 / 15 * 0.5 / 2)        # A's surplus in B: w t0 X (1 + k t0 / 2) = 19/15
H_B = 16 / 15 / 2 * 10 * 0.25                          # B's triangle: k / 2 X t0^2 = 4/3
L_B = 0.8 * 0.5 / 1.5 * 40                             # B's producers: (1 - w) t0 / (1 + t0) Q m = 32/3
S_BA = 0.2 * 0.1 * 5 * (1 + 16 / 11 * 0.1 / 2)         # B's surplus in A = 0.1072...
H_A = 16 / 11 / 2 * 5 * 0.01
L_A = 0.8 * 0.1 / 1.1 * 3


def test_a_full_opening_by_hand():
    opening = full_opening(two_countries(), np.zeros((2, 2), dtype=bool))
    assert opening.surplus[0, 1, 0] == pytest.approx(19 / 15)
    assert opening.importer[0, 1, 0] == pytest.approx(4 / 3 - 19 / 15)    # B's triangle less what it pays A
    assert opening.producers[0, 1, 0] == pytest.approx(32 / 3)      # A is B's only supplier: m = 1
    assert opening.surplus[1, 0, 1] == pytest.approx(S_BA)
    assert opening.importer[1, 0, 1] == pytest.approx(H_A - S_BA)
    assert opening.producers[1, 0, 1] == pytest.approx(L_A)
    assert opening.erosion[0, 1, 0] == pytest.approx(0.2 * 0.5 * 10)   # first order: w t0 X


def test_the_governments_values_by_hand():
    opening = full_opening(two_countries(), np.zeros((2, 2), dtype=bool))
    sensitivity = np.array([[0.0, 1.0], [2.0, 0.0]])
    interest = np.array([[1.0, 0.0], [0.0, 0.0]])
    values = political_values(opening, sensitivity, interest, lobby_weight=0.1, precedent_weight=0.5)
    gain_a = 1.1 * S_AB              # A's exporters are organised (interest 1): all A can gain
    assert values.gain[0, 1, 0] == pytest.approx(1.0)
    # B's lobby weight 0.1 * 2: opening costs S + 0.2 L - H, over B's attainable gain S_BA
    assert values.cost[1, 0, 0] == pytest.approx((S_AB + 0.2 * L_B - H_B) / S_BA)
    # A's lobby 0.1 * 1, over A's attainable gain
    assert values.cost[0, 1, 1] == pytest.approx((S_BA + 0.1 * L_A - H_A) / gain_a)
    # the precedent: half the first-order erosion, weighted and scaled as the gain
    assert values.precedent[0, 1, 0] == pytest.approx(0.5 * 1.1 * 1.0 / gain_a)


def test_a_government_that_gains_from_opening_pays_nothing_to_open():
    opening = full_opening(two_countries(), np.zeros((2, 2), dtype=bool))
    values = political_values(opening, np.zeros((2, 2)), np.zeros((2, 2)), lobby_weight=0.0, precedent_weight=0.0)
    assert S_AB - H_B < 0                      # without lobbies B gains from opening: floored at 0
    assert values.cost[1, 0, 0] == 0.0
    assert values.cost[0, 1, 1] == pytest.approx((S_BA - H_A) / S_AB)


def test_an_agreement_in_force_leaves_less_to_open():
    economy = replace(two_countries(), coverage=np.full((2, 2), 0.6))
    none = full_opening(economy, np.zeros((2, 2), dtype=bool))
    fta = full_opening(economy, ~np.eye(2, dtype=bool))
    # the tariff A faced falls from 0.5 to 0.2, and k to 1.6 / 1.2
    assert fta.surplus[0, 1, 0] == pytest.approx(0.2 * 0.2 * 10 * (1 + 1.6 / 1.2 * 0.1))
    assert fta.surplus[0, 1, 0] < none.surplus[0, 1, 0]


def test_biologics_value_the_protection_raised_to_the_top_of_the_scale():
    issue = load_rules().issues["biologics"]
    gain = biologics_opening(issue, len(load_rules().countries))
    usa, aus = load_rules().countries.index("USA"), load_rules().countries.index("AUS")
    # Australia from 5 to 12 years: 7/life of a product's life at the premium, on its market, for the
    # US's originators' share
    p = issue.parameters
    expected = issue.figures["originator_share"][usa] * issue.figures["market"][aus] * p["premium"] * 7.0 / p["life"]
    assert gain[usa, aus] == pytest.approx(expected)
    assert gain[aus, usa] == 0.0             # the US already gives 12 years
    assert np.all(np.diag(gain) == 0.0)


@settings(max_examples=40, deadline=None)
@given(low=st.floats(0.0, 2.0), more=st.floats(0.0, 2.0))
def test_a_stronger_lobby_never_makes_opening_cheaper(low, more):
    opening = full_opening(two_countries(), np.zeros((2, 2), dtype=bool))
    sensitivity = np.array([[0.5, 1.0], [2.0, 0.0]])
    weak = political_values(opening, sensitivity, np.zeros((2, 2)), low, 0.5)
    strong = political_values(opening, sensitivity, np.zeros((2, 2)), low + more, 0.5)
    assert np.all(strong.cost >= weak.cost - 1e-12)
    assert np.all(np.isfinite(strong.cost)) and np.all(strong.cost >= 0.0)


def baseline_pe(lobby_weight: float = 0.02, quotas: bool = True):
    return load_scenario("baseline").with_overrides(
        {"bargaining.payoff": "political_economy", "bargaining.lobby_weight": lobby_weight,
         "bargaining.quotas": quotas}, origin="test")


def test_the_real_economy_gives_finite_weights_and_japans_rice_lobby_the_dearest_tariff_to_open():
    scenario = baseline_pe(quotas=False)
    weights = weights_for(scenario.params)
    assert all(np.all(np.isfinite(a)) for a in (weights.gain, weights.precedent, weights.cost))
    countries, sectors = scenario.countries, scenario.sectors
    jpn, usa = countries.index("JPN"), countries.index("USA")
    rice = sectors.index("rice")
    # of its tariffs, Japan opening rice to the US costs its government the most (biologics, a rule
    # whose premium its health budget pays US originators, and the services chapter, valued by the
    # tariff equivalent of its restrictions, are apart)
    assert "services" in sectors
    tariffs = [k for k, name in enumerate(sectors) if name not in ("biologics", "services")]
    assert weights.cost[jpn, usa, rice] == weights.cost[jpn, usa, tariffs].max()
    # each exporter's gains are shares of what free trade with every partner would give it
    totals = weights.gain.sum(axis=(1, 2))
    assert np.allclose(totals[totals > 0], 1.0)


def test_the_judgment_payoff_is_the_default_and_unchanged(edited_copy):
    """A scenario that names no payoff plays the judgment payoff; judged_indices (the old baseline's
    games) names it, and its weights are the calibration's indices, unchanged."""
    scenario = load_scenario("judged_indices")
    assert scenario.params["payoff"] == "judgment"
    assert np.array_equal(weights_for(scenario.params).cost, make_weights(scenario.params).cost)
    unnamed = edited_copy(BUNDLED_SCENARIOS / "baseline.toml", 'payoff = "political_economy"', "")
    assert load_scenario(unnamed).params["payoff"] == "judgment"


def test_a_lobby_weight_of_zero_is_the_welfare_maximising_government():
    scenario = baseline_pe(0.0, quotas=False)
    params = scenario.params
    economy = load_economy().select(scenario.countries, scenario.sectors)
    opening = with_rules(full_opening(economy, params["fta"]), scenario.sectors,
                         load_rules().select(scenario.countries).issues)
    weights = political_weights(params)
    scale = opening.surplus.sum(axis=(1, 2))
    net = np.maximum(-opening.importer, 0.0)        # [i, j, s]: j opening to i costs what its welfare loses
    expected = np.transpose(net, (1, 0, 2)) / np.where(scale > 0, scale, 1.0)[:, None, None]
    assert np.allclose(weights.cost, expected)


def test_a_whole_game_plays_under_the_political_economy_payoff():
    model = TPPModel(baseline_pe(), rng=3, record=False)
    while model.running:
        model.step()
    summary = model.summary()
    assert summary["rounds"] == model.config.rounds
    assert np.isfinite([c["welfare"]["percent_gdp"] for c in summary["countries"].values()]).all()


def test_the_setting_from_the_command_line_and_a_bad_value(tmp_path, capsys):
    assert main(["baseline", "--seed", "1", "--quiet", "--out", str(tmp_path / "o"),
                 "--set", "bargaining.payoff=political_economy", "--set", "bargaining.lobby_weight=0.02"]) == 0
    capsys.readouterr()
    assert main(["baseline", "--quiet", "--out", str(tmp_path / "bad"), "--set", "bargaining.payoff=lobbyist"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "bargaining.payoff" in err
    assert not (tmp_path / "bad").exists()


def test_a_quota_market_is_valued_by_its_quota():
    """With quotas in play, Japan's rice is opened by quota: the US's gain is its rent on the tonnes it
    asked for, and Japan's lobby's loss the price fall on its rice output, far above that gain."""
    tariffs, quotas = weights_for(baseline_pe(quotas=False).params), weights_for(baseline_pe().params)
    scenario = baseline_pe()
    jpn, usa = scenario.countries.index("JPN"), scenario.countries.index("USA")
    rice, beef = scenario.sectors.index("rice"), scenario.sectors.index("beef")
    assert quotas.gain[usa, jpn, rice] != tariffs.gain[usa, jpn, rice]
    assert quotas.cost[jpn, usa, rice] > 10 * quotas.gain[usa, jpn, rice]
    assert quotas.cost[jpn, usa, beef] == pytest.approx(tariffs.cost[jpn, usa, beef])   # Japan's own gains are the same


@pytest.mark.parametrize("path, value", [("bargaining.cost_scale", 0.0), ("bargaining.existing_agreement_discount", 0.0),
                                         ("countries.JPN.barrier.beef", 0.1)])
def test_the_settings_the_political_economy_payoff_does_not_read_play_the_same_game(path, value):
    """What UNREAD_BY_PAYOFF lists is true of the game: the baseline (political_economy) plays the same event
    log with each of them changed; a setting it does read (the precedent weight) changes the game."""
    from tppgame.experiments.headlines import play
    from tppgame.game.settings import unread_settings

    base = load_scenario("baseline")
    assert unread_settings("political_economy", [path]) == [path]
    log = play(base, 1).log.to_jsonl()
    assert play(base.with_overrides({path: value}, origin="--set"), 1).log.to_jsonl() == log
    assert unread_settings("political_economy", ["bargaining.precedent_weight"]) == []
    assert play(base.with_overrides({"bargaining.precedent_weight": 0.0}, origin="--set"), 1).log.to_jsonl() != log
    assert unread_settings("judgment", [path]) == []


def test_a_branch_of_a_setting_the_payoff_does_not_read_is_warned_of(tmp_path, capsys):
    """--from FILE --set bargaining.cost_scale=2 branched a political-economy game without a word, though the
    branch plays as without it; a branch that also sets the judgment payoff reads it and is not warned of."""
    saved, unread = str(tmp_path / "s.json"), "bargaining.cost_scale=2"
    assert main(["tokyo_2014", "--quiet", "--stop-at", "3", "--save", saved]) == 0
    capsys.readouterr()
    assert main(["--from", saved, "--quiet", "--set", unread, "--out", str(tmp_path / "a")]) == 0
    assert capsys.readouterr().err == ("warning: --set bargaining.cost_scale: the political_economy payoff "
                                       "(bargaining.payoff) does not read it, so the branch plays as without it, but "
                                       "for the talks that had stalled, which meet again as after any change\n")
    assert main(["--from", saved, "--quiet", "--set", unread, "--set", 'bargaining.payoff="judgment"',
                 "--out", str(tmp_path / "b")]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("command", [["teaching-pack", "tokyo_2014", "--seeds", "1"], ["debrief", "tokyo_2014"],
                                     ["tournament", "tokyo_2014", "--negotiators", "mirror", "--reps", "1",
                                      "--workers", "1"]])
def test_the_teaching_pack_debrief_and_tournament_warn_of_a_setting_the_payoff_does_not_read(tmp_path, capsys,
                                                                                              command):
    """run, play, compare, robustness and sweep warned of --set bargaining.cost_scale under political_economy;
    the teaching pack, the debrief and the tournament played it without a word."""
    if command[0] == "debrief":
        pytest.importorskip("reportlab")
    assert main([*command, "--set", "bargaining.cost_scale=2", "--out", str(tmp_path / "out")]) == 0
    warning = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert len(warning) == 1 and "bargaining.cost_scale: the political_economy payoff (bargaining.payoff) does " \
        "not read it" in warning[0]


def test_a_setting_the_payoff_does_not_read_is_warned_of_on_the_command_line_and_in_a_sweep(tmp_path, capsys):
    """--set bargaining.cost_scale on the baseline was a silent no-op (and a sweep over it ran identical
    games): one warning line on stderr now, and a sweep plan's warning; under judged indices, none."""
    assert main(["tokyo_2014", "--quiet", "--set", "bargaining.cost_scale=0.1", "--out", str(tmp_path / "a")]) == 0
    assert capsys.readouterr().err == ("warning: --set bargaining.cost_scale: the political_economy payoff "
                                       "(bargaining.payoff) does not read it, so the games are as without it\n")
    assert main(["judged_indices", "--quiet", "--set", "bargaining.cost_scale=0.1", "--out", str(tmp_path / "b")]) == 0
    assert capsys.readouterr().err == ""
    from tppgame.experiments.sweep import build_plan, make_spec

    plan = build_plan(make_spec("tokyo_2014", ["bargaining.cost_scale=[0.2, 0.4]"], seed=1))
    assert plan.warnings == ("sweep: warning: bargaining.cost_scale: the political_economy payoff (bargaining.payoff) "
                             "does not read it, so every run plays as without it",)
    both = build_plan(make_spec("tokyo_2014", ["bargaining.cost_scale=[0.2, 0.4]",
                                              'bargaining.payoff=["judgment", "political_economy"]'], seed=1))
    assert both.warnings == ()


def test_a_branch_a_tournament_and_a_pack_warn_of_a_setting_the_payoff_does_not_read(tmp_path, capsys):
    """run.py --from FILE --set, the tournament's --set and teaching-pack's --set played an unread setting
    without the warning run.py SCENARIO --set gives. A branch is a change all the same (the event log notes
    it, and talks that had stalled meet again), so its warning says so."""
    warning = ("warning: --set bargaining.cost_scale: the political_economy payoff (bargaining.payoff) does not "
               "read it, so the games are as without it\n")
    saved = tmp_path / "saved.json"
    assert main(["tokyo_2014", "--quiet", "--stop-at", "3", "--save", str(saved)]) == 0
    capsys.readouterr()
    assert main(["--from", str(saved), "--quiet", "--set", "bargaining.cost_scale=0.1", "--out", str(tmp_path / "a")]) == 0
    assert capsys.readouterr().err == warning.replace("so the games are as without it", "so the branch plays as "
                                                      "without it, but for the talks that had stalled, which meet "
                                                      "again as after any change")
    assert main(["--from", str(saved), "--quiet", "--set", "bargaining.endgame_share=0.4", "--out", str(tmp_path / "b")]) == 0
    assert capsys.readouterr().err == ""
    from tppgame.experiments.tournament import plan_tournament, plan_warnings

    plan = plan_tournament(["tokyo_2014"], ["linear", "boulware"], ["JPN", "USA"], reps=1, out=tmp_path / "t",
                           fixed=[("bargaining.cost_scale", 0.1)])
    assert plan_warnings(plan) == ["tournament: warning: bargaining.cost_scale: the political_economy payoff "
                                   "(bargaining.payoff) does not read it, so every run plays as without it"]
    assert plan_warnings(plan_tournament(["tokyo_2014"], ["linear"], ["JPN"], reps=1, out=tmp_path / "u")) == []
    both = plan_tournament(["judged_indices", "tokyo_2014"], ["linear"], ["JPN"], reps=1, out=tmp_path / "v",
                           fixed=[("bargaining.cost_scale", 0.1)])
    assert plan_warnings(both) == ["tournament: warning: tokyo_2014: bargaining.cost_scale: the political_economy "
                                   "payoff (bargaining.payoff) does not read it, so every run plays as without it"]
    assert main(["teaching-pack", "tokyo_2014", "--seeds", "1", "--set", "bargaining.cost_scale=0.1",
                 "--out", str(tmp_path / "pack")]) == 0
    assert capsys.readouterr().err == warning


def test_compare_warns_once_and_names_the_scenario_whose_payoff_does_not_read_it(tmp_path, capsys):
    """compare --set bargaining.cost_scale printed the warning once per scenario (twice for tokyo_2014 and the
    baseline, both political_economy), and with judged_indices said 'the games are as without it', though
    judged_indices' games read it."""
    warning = ("warning: --set bargaining.cost_scale: the political_economy payoff (bargaining.payoff) does not "
               "read it, so the games {} as without it\n")
    assert main(["compare", "tokyo_2014", "baseline", "--set", "bargaining.cost_scale=0.1",
                 "--out", str(tmp_path / "a.csv")]) == 0
    assert capsys.readouterr().err == warning.format("are")
    assert main(["compare", "judged_indices", "tokyo_2014", "--set", "bargaining.cost_scale=0.1",
                 "--out", str(tmp_path / "b.csv")]) == 0
    assert capsys.readouterr().err == warning.format("of tokyo_2014 are")
    threshold, tpa = "countries.USA.ratification_threshold", "Congress passes trade promotion authority"
    assert main(["compare", "baseline", "lobbies_and_welfare", "--set", f"{threshold}=0.3",
                 "--out", str(tmp_path / "c.csv")]) == 0      # both have the shock: said once
    assert capsys.readouterr().err == (
        f'warning: --set {threshold}: the event "{tpa}" (round 24, starting 2015-06-01) sets {threshold} = 0.1 '
        f'from then on; --set "after:{tpa}:{threshold}=VALUE" changes the value it sets\n')
