"""Power under the entry rule: Banzhaf and Shapley–Shubik indices and veto players, by hand on
small games, against an independent brute force over all coalitions and all orders, by their
invariants, and on the real 2013 GDP figures."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tppgame.game.agreement import entry_into_force
from tppgame.game.power import (PowerIndices, SimpleGame, entry_rule_game, membership, power_at, power_indices,
                                power_stages, weighted_game)
from tppgame.game.scenario import EntryRule, load_scenario

F = Fraction


def indices(game: SimpleGame) -> tuple[tuple[Fraction, ...], tuple[Fraction, ...], list[str]]:
    power = power_indices(game)
    return power.banzhaf_exact, power.shapley_shubik_exact, power.veto_players


# ------------------------------------------------------------ small games by hand
def test_weighted_majority_3_of_2_1_1():
    """[3; 2, 1, 1]: A swings {B}, {C} and {B, C}; B swings only {A}; C only {A}: Banzhaf 3/5, 1/5, 1/5.
    Of the six orders, A is the pivot whenever it is not first (BAC, BCA, CAB, CBA): 4/6; B is the
    pivot in ABC, C in ACB: 1/6 each. Every winning coalition holds A: a veto."""
    banzhaf, shapley, veto = indices(weighted_game("ABC", [2, 1, 1], 3))
    assert banzhaf == (F(3, 5), F(1, 5), F(1, 5))
    assert shapley == (F(2, 3), F(1, 6), F(1, 6))
    assert veto == ["A"]


def test_a_dictator_has_all_the_power():
    """[3; 3, 1, 1]: A wins alone and nobody wins without A."""
    banzhaf, shapley, veto = indices(weighted_game("ABC", [3, 1, 1], 3))
    assert banzhaf == (1, 0, 0)
    assert shapley == (1, 0, 0)
    assert veto == ["A"]


def test_unanimity_gives_everyone_a_veto_and_equal_power():
    banzhaf, shapley, veto = indices(weighted_game("ABCD", [1, 1, 1, 1], 4))
    assert banzhaf == shapley == (F(1, 4),) * 4
    assert veto == list("ABCD")


def test_a_count_only_rule_gives_equal_power_and_no_veto():
    """A custom rule of two ratifications of three, no GDP share: simple majority."""
    rule = EntryRule("custom", 2, 0.0)
    game = entry_rule_game(rule, ("A", "B", "C"), np.ones(3, bool), np.ones(3, bool), np.array([50.0, 30.0, 20.0]))
    banzhaf, shapley, veto = indices(game)
    assert banzhaf == shapley == (F(1, 3),) * 3
    assert veto == []


def test_a_gdp_only_rule_same_indices_without_a_veto():
    """One ratification holding half the GDP of A=50, B=30, C=20: {A} and {B, C} win (B + C reach
    exactly half). A swings {}, {B} and {C}; B swings {C}; C swings {B}: Banzhaf 3/5, 1/5, 1/5. A is
    the pivot in ABC, ACB, BAC and CAB (4/6), C in BCA, B in CBA. The indices of [3; 2, 1, 1], but
    {B, C} can enter into force without A: nobody has a veto."""
    rule = EntryRule("custom", 1, 0.5)
    game = entry_rule_game(rule, ("A", "B", "C"), np.ones(3, bool), np.ones(3, bool), np.array([50.0, 30.0, 20.0]))
    banzhaf, shapley, veto = indices(game)
    assert banzhaf == (F(3, 5), F(1, 5), F(1, 5))
    assert shapley == (F(2, 3), F(1, 6), F(1, 6))
    assert veto == []


def test_the_cptpp_fraction_counts_the_original_signatories():
    """CPTPP: six ratifications or half the original signatories, whichever is smaller. With four
    original signatories, two ratifications suffice among four members: no veto, equal power."""
    rule = EntryRule("cptpp", 6, 0.0, signatory_fraction=0.5)
    game = entry_rule_game(rule, tuple("ABCD"), np.ones(4, bool), np.ones(4, bool), np.ones(4))
    assert game.winning.sum() == 11   # every coalition of two or more of the four
    banzhaf, shapley, veto = indices(game)
    assert banzhaf == shapley == (F(1, 4),) * 4 and veto == []


def test_a_rule_nobody_can_meet_gives_no_power():
    """A non-member original signatory holding most of the GDP (the US after its withdrawal)."""
    rule = EntryRule("tpp", 2, 0.85)
    members = np.array([False, True, True])
    game = entry_rule_game(rule, ("USA", "B", "C"), members, np.ones(3, bool), np.array([60.0, 20.0, 20.0]))
    power = power_indices(game)
    assert game.players == ("B", "C") and power.winning_coalitions == 0
    assert not power.decisive and np.isnan(power.banzhaf).all() and np.isnan(power.shapley_shubik).all()
    assert power.veto_players == []
    assert power.as_dict() == {"B": {"banzhaf": None, "shapley_shubik": None, "veto": False},
                               "C": {"banzhaf": None, "shapley_shubik": None, "veto": False}}


def test_a_member_that_is_no_original_signatory_counts_only_as_a_ratification():
    """Japan in the TPP without Japan (not an original signatory): its GDP counts for nothing."""
    rule = EntryRule("custom", 1, 0.5)
    game = entry_rule_game(rule, ("A", "B", "J"), np.ones(3, bool), np.array([True, True, False]),
                           np.array([60.0, 40.0, 900.0]))
    banzhaf, shapley, veto = indices(game)
    assert banzhaf == (1, 0, 0) and shapley == (1, 0, 0) and veto == ["A"]


def test_membership_rows_are_the_bits_of_the_mask():
    table = membership(3)
    assert table[0b101].tolist() == [True, False, True]
    assert table.shape == (8, 3) and not table.flags.writeable


def test_too_many_players_is_refused():
    with pytest.raises(ValueError, match="at most"):
        membership(40)


# ------------------------------------------------------------ brute force, independently
def brute_force(players: list[str], wins) -> tuple[list[Fraction], list[Fraction], list[str]]:
    """Banzhaf over every coalition, Shapley–Shubik over every order, veto over every winning
    coalition, with ``wins(frozenset)`` deciding a coalition: nothing shared with the module."""
    swings = dict.fromkeys(players, 0)
    winning = []
    for size in range(len(players) + 1):
        for group in map(frozenset, itertools.combinations(players, size)):
            if wins(group):
                winning.append(group)
                for p in group:
                    if not wins(group - {p}):
                        swings[p] += 1
    pivots = dict.fromkeys(players, 0)
    orders = 0
    for order in itertools.permutations(players):
        orders += 1
        for k in range(len(order)):
            if wins(frozenset(order[:k + 1])):
                pivots[order[k]] += 1
                break
    total = sum(swings.values())
    veto = [p for p in players if winning and all(p in g for g in winning)]
    if total == 0:           # nobody ever decides: no index to compare
        return [], [], veto
    return ([F(swings[p], total) for p in players], [F(pivots[p], orders) for p in players], veto)


RULES = st.one_of(
    st.builds(lambda k, share: EntryRule("tpp", k, share), st.integers(1, 7), st.sampled_from([0.5, 0.6, 0.85, 0.9])),
    st.builds(lambda k: EntryRule("cptpp", k, 0.0, signatory_fraction=0.5), st.integers(1, 7)),
    st.builds(lambda k, share: EntryRule("custom", k, share), st.integers(1, 7), st.floats(0, 1)),
)


@st.composite
def worlds(draw):
    """Up to nine countries with whole-number GDP (sums then exact in floats), 1 to 7 members, some
    original signatories, and a rule."""
    n = draw(st.integers(2, 9))
    gdp = np.array(draw(st.lists(st.integers(1, 2000), min_size=n, max_size=n)), dtype=float)
    members = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    if not 1 <= members.sum() <= 7:
        members = np.arange(n) < min(n, draw(st.integers(1, 7)))
    original = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    if not original.any():
        original[0] = True
    return tuple(f"C{k}" for k in range(n)), gdp, members, original, draw(RULES)


SEVEN = (tuple(f"C{k}" for k in range(8)), np.array([1677.0, 492.0, 184.0, 126.0, 156.0, 19.0, 28.0, 20.0]),
         np.array([True] * 7 + [False]), np.ones(8, bool), EntryRule("tpp", 4, 0.85))   # 5,040 orders


@settings(max_examples=60, deadline=None)
@given(worlds())
@example(SEVEN)
def test_entry_rule_power_equals_brute_force_over_coalitions_and_orders(world):
    codes, gdp, members, original, rule = world
    players = [c for c, m in zip(codes, members) if m]

    def wins(group: frozenset) -> bool:
        return entry_into_force(rule, np.array([c in group for c in codes]), original, gdp)

    power = power_indices(entry_rule_game(rule, codes, members, original, gdp))
    banzhaf, shapley, veto = brute_force(players, wins)
    assert list(power.players) == players
    assert power.veto_players == veto
    if power.decisive:
        assert list(power.banzhaf_exact) == banzhaf and list(power.shapley_shubik_exact) == shapley
    else:
        assert sum(power.swings) == 0 and banzhaf == shapley == []


@settings(max_examples=30, deadline=None)
@given(worlds(), worlds())
def test_remembered_power_is_the_power_of_those_players(world, other):
    """power_at remembers the indices of the last sets of players (every game's summary asks): asked
    again, or asked between for other players, it answers each with that game's own indices,
    read-only because games share them."""
    for codes, gdp, members, original, rule in (world, other, world):
        mine, theirs = power_at(rule, codes, members, original, gdp), power_indices(
            entry_rule_game(rule, codes, members, original, gdp))
        assert (mine.players, mine.banzhaf_exact, mine.shapley_shubik_exact, mine.winning_coalitions) == (
            theirs.players, theirs.banzhaf_exact, theirs.shapley_shubik_exact, theirs.winning_coalitions)
        np.testing.assert_array_equal(mine.swings, theirs.swings)
        np.testing.assert_array_equal(mine.veto, theirs.veto)
        assert not mine.swings.flags.writeable and not mine.veto.flags.writeable
    codes, gdp, members, original, rule = world
    assert power_at(rule, codes, members, original, gdp) is power_at(rule, codes, members, original, gdp)


WEIGHTED = st.lists(st.integers(0, 9), min_size=1, max_size=7).flatmap(
    lambda w: st.tuples(st.just(w), st.integers(1, max(sum(w), 1))))


def weighted(case: tuple[list[int], int]) -> tuple[list[str], SimpleGame]:
    weights, quota = case
    players = [f"P{k}" for k in range(len(weights))]
    return players, weighted_game(players, weights, quota)


@settings(max_examples=60, deadline=None)
@given(WEIGHTED)
def test_weighted_game_power_equals_brute_force(case):
    weights, quota = case
    players, game = weighted(case)
    power = power_indices(game)
    banzhaf, shapley, veto = brute_force(players, lambda g: sum(weights[int(p[1:])] for p in g) >= quota)
    assert power.veto_players == veto
    assert list(power.banzhaf_exact or []) == banzhaf and list(power.shapley_shubik_exact or []) == shapley


# ------------------------------------------------------------ invariants
@settings(max_examples=80, deadline=None)
@given(WEIGHTED)
def test_invariants_of_the_indices(case):
    weights, quota = case
    _, game = weighted(case)
    power: PowerIndices = power_indices(game)
    if not power.decisive:     # only when every coalition loses: all weights 0, below a quota of at least 1
        assert sum(weights) < quota
        return
    assert sum(power.banzhaf_exact) == 1 and sum(power.shapley_shubik_exact) == 1
    assert np.isclose(power.banzhaf.sum(), 1.0) and np.isclose(power.shapley_shubik.sum(), 1.0)
    for i in np.flatnonzero(power.veto):                      # a veto player swings every winning coalition
        assert power.swings[i] == power.swings.max() == power.winning_coalitions
    for i, w in enumerate(weights):
        if w == 0:                                            # a null player: it never decides
            assert power.banzhaf_exact[i] == power.shapley_shubik_exact[i] == 0
        for j in range(i + 1, len(weights)):
            if weights[j] == w:                               # symmetric players: equal power
                assert power.banzhaf_exact[i] == power.banzhaf_exact[j]
                assert power.shapley_shubik_exact[i] == power.shapley_shubik_exact[j]
            if weights[j] > w:                                # more weight never means less power
                assert power.banzhaf_exact[j] >= power.banzhaf_exact[i]


# ------------------------------------------------------------ the real rules, on the real figures
def test_tpp_rule_makes_the_us_and_japan_veto_players():
    """2013 GDP (World Bank, Aug 2015 vintage): the US holds 60.3% of the twelve, Japan 17.7%; any
    group without either is below 85%. Canada, Australia and Mexico together (16.8%) can block only
    together, so no third country is a veto player."""
    stage = power_stages(load_scenario("baseline"))[0]
    power = stage.power
    assert stage.rule.name == "tpp" and len(stage.players) == 12
    assert power.veto_players == ["USA", "JPN"]
    assert stage.gdp_share[stage.players.index("USA")] == pytest.approx(0.6027, abs=0.0005)
    assert stage.gdp_share[stage.players.index("JPN")] == pytest.approx(0.1768, abs=0.0005)
    banzhaf = dict(zip(power.players, power.banzhaf))
    assert banzhaf["USA"] == banzhaf["JPN"] == max(banzhaf.values())
    assert banzhaf["CAN"] > banzhaf["NZL"]
    assert power.swings[0] == power.winning_coalitions   # the US decides every winning coalition


def test_cptpp_rule_gives_nobody_a_veto():
    """Six ratifications and no GDP weight: among the twelve, each of them 1/12, no veto; among the
    eleven of the CPTPP scenario, after the new rule, each 1/11."""
    baseline = load_scenario("baseline").with_overrides({"agreement.entry_rule": "cptpp"})
    power = power_stages(baseline)[0].power
    assert power.veto_players == [] and set(power.banzhaf_exact) == {F(1, 12)}
    assert set(power.shapley_shubik_exact) == {F(1, 12)}
    last = power_stages(load_scenario("us_withdrawal_cptpp"))[-1]
    assert last.rule.name == "cptpp" and "USA" not in last.players
    assert last.power.veto_players == [] and set(last.power.banzhaf_exact) == {F(1, 11)}


def test_after_the_us_withdrawal_the_tpp_rule_can_no_longer_be_met():
    stages = power_stages(load_scenario("us_withdrawal_cptpp"))
    assert [s.rule.name for s in stages] == ["tpp", "tpp", "cptpp"]
    withdrawn = stages[1]
    assert withdrawn.label == "The United States withdraws from the TPP"
    assert withdrawn.power.winning_coalitions == 0 and not withdrawn.power.decisive


def test_power_agrees_with_the_games_own_entry_check_on_the_real_figures():
    """Every coalition of the twelve: the power module's winning coalitions are exactly those the
    agreement's check would let enter into force under the TPP rule."""
    scenario = load_scenario("baseline")
    gdp, codes = scenario.params["gdp"], scenario.countries
    everyone = np.ones(len(codes), bool)
    game = entry_rule_game(scenario.entry_rule, codes, everyone, everyone, gdp)
    check = [entry_into_force(scenario.entry_rule, row, everyone, gdp) for row in membership(len(codes))]
    assert game.winning.tolist() == check


# ------------------------------------------------------------ summary.json and run.py power
def test_summary_holds_the_power_of_the_players_as_the_game_ends():
    from tppgame import TPPModel

    model = TPPModel("tokyo_2014", rng=1)
    while model.running:
        model.step()
    block = model.summary()["power"]
    players = model.summary()["members"] if model.summary()["formed"] else [
        c for c, m in zip(model.countries, model.members) if m]
    assert list(block) == players
    assert {c for c, p in block.items() if p["veto"]} == {"USA", "JPN"}
    assert sum(p["banzhaf"] for p in block.values()) == pytest.approx(1.0, abs=1e-5)
    assert block["USA"]["shapley_shubik"] == pytest.approx(0.405916, abs=1e-6)


def test_summary_power_after_the_cptpp_rule():
    from tppgame import TPPModel

    model = TPPModel("us_withdrawal_cptpp", rng=0)
    while model.running:
        model.step()
    block = model.summary()["power"]
    assert "USA" not in block and not any(p["veto"] for p in block.values())
    assert {p["banzhaf"] for p in block.values()} == {round(1 / len(block), 6)}


def test_power_command_prints_the_table_and_the_rule(capsys):
    from tppgame.cli import main

    assert main(["power"]) == 0
    text = capsys.readouterr().out
    assert "Rule (tpp): at least 6 signatories holding at least 85% of the original signatories' 2013 GDP." in text
    assert "Veto players: United States, Japan." in text
    usa = next(line for line in text.splitlines() if line.startswith("USA United States"))
    assert usa.split() == ["USA", "United", "States", "60.3%", "0.307", "0.406", "yes"]


def test_power_command_writes_json_and_csv(tmp_path, capsys):
    import csv
    import json

    from tppgame.cli import main

    assert main(["power", "us_withdrawal_cptpp", "--out", str(tmp_path)]) == 0
    record = json.loads((tmp_path / "power.json").read_text())
    assert [s["rule"]["name"] for s in record["stages"]] == ["tpp", "tpp", "cptpp"]
    start, withdrawn, cptpp = record["stages"]
    assert start["veto_players"] == ["USA", "JPN"] and start["winning_coalitions"] == 751
    assert withdrawn["decisive"] is False and withdrawn["players"]["JPN"]["banzhaf"] is None
    assert cptpp["players"]["JPN"]["banzhaf_exact"] == "1/11" and cptpp["veto_players"] == []
    rows = list(csv.DictReader((tmp_path / "power.csv").open()))
    assert len(rows) == 12 + 11 + 11 and rows[0]["country"] == "USA" and rows[0]["veto"] == "True"
    assert "Wrote " in capsys.readouterr().out


def test_power_command_json_prints_only_json(capsys):
    import json

    from tppgame.cli import main

    assert main(["power", "--json", "--set", "agreement.entry_rule=cptpp"]) == 0
    record = json.loads(capsys.readouterr().out)
    (stage,) = record["stages"]
    assert stage["veto_players"] == [] and stage["players"]["USA"]["shapley_shubik_exact"] == "1/12"


@pytest.mark.parametrize("args, needle", [
    (["power", "no_such_scenario"], "no_such_scenario"),
    (["power", "--set", "agreement.entry_rule=majority"], "agreement.entry_rule"),
    (["power", "--set", "agreement.min_signatories=40"], "agreement.min_signatories"),
    (["power", "--bogus"], "--bogus"),
])
def test_power_command_bad_input_is_one_line_and_exit_2(args, needle, capsys):
    from tppgame.cli import main

    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and needle in captured.err and captured.err.count("\n") == 1


def test_power_command_refuses_a_file_as_out_folder(tmp_path, capsys):
    from tppgame.cli import main

    target = tmp_path / "taken"
    target.write_text("x")
    assert main(["power", "--out", str(target)]) == 2
    assert "expected a folder" in capsys.readouterr().err


def test_the_rule_in_words_gives_each_share_as_set():
    """--set agreement.min_gdp_share=0.004 was told as 'holding at least 0% of ... GDP' and 0.855 as 86%; a
    CPTPP rule with a GDP share ran its clauses together ('whichever is smaller holding at least')."""
    assert EntryRule("tpp", 6, 0.85).describe() == ("at least 6 signatories holding at least 85% of the original "
                                                    "signatories' 2013 GDP")
    assert "holding at least 0.4% of" in EntryRule("tpp", 6, 0.004).describe()
    assert "holding at least 85.5% of" in EntryRule("tpp", 6, 0.855).describe()
    assert EntryRule("cptpp", 6, 0.0, 0.5).describe() == "at least 6 signatories or 50% of them, whichever is smaller"
    assert EntryRule("cptpp", 6, 0.5, 0.5).describe() == ("at least 6 signatories or 50% of them, whichever is "
                                                          "smaller, holding at least 50% of the original "
                                                          "signatories' 2013 GDP")
