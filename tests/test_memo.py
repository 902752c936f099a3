"""Work shared between games (tppgame.experiments.memo): remembered rows are the rows the game would compute.

Each piece is checked to the last bit against computing afresh: the row memo itself, a talk's
frontier, a meeting's offer and reply under every protocol, who would ratify a package, and
whole games of every scenario, event log, summary and DataCollector tables included.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from test_bargaining import session_input
from test_frontier_reuse import FIELDS, SUMMARY, assert_same_summary, random_terms
from tppgame import TPPModel
from tppgame.game.agreement import accepting
from tppgame.game.frontier import FrontierSummary, PairTerms
from tppgame.game.protocols import PROTOCOLS, deadline_point
from tppgame.experiments.memo import RowMemo, SharedWork, pack, unpack
from tppgame.game.scenario import available_scenarios, load_scenario
from tppgame.game.utility import world_utility


# --------------------------------------------------------------------- the row memo
def test_pack_and_unpack_give_back_the_arrays():
    rows = 3
    arrays = [np.arange(rows, dtype=float), np.arange(rows * 4, dtype=float).reshape(rows, 4),
              np.array([True, False, True])]
    back = unpack(pack(arrays), arrays)
    for mine, theirs in zip(back, arrays):
        np.testing.assert_array_equal(mine, theirs)
        assert mine.dtype == theirs.dtype and mine.shape == theirs.shape and mine.flags.c_contiguous


def test_row_memo_computes_only_the_rows_it_has_not_seen():
    memo, asked = RowMemo(), []

    def double(index: np.ndarray, keys: np.ndarray) -> np.ndarray:
        asked.append(index.tolist())
        return 2 * keys[index]

    first = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(memo.rows(first, lambda i: double(i, first)), 2 * first)
    second = np.array([[3.0, 4.0], [5.0, 6.0], [1.0, 2.0]])
    np.testing.assert_array_equal(memo.rows(second, lambda i: double(i, second)), 2 * second)
    assert asked == [[0, 1], [1]]                      # only [5, 6] was new the second time
    assert (memo.hits, memo.misses, len(memo)) == (2, 3, 3)


def test_rows_with_the_same_inputs_in_one_call_are_computed_once():
    """Games played side by side often ask for the same rows in one pass (their first round): each input
    is computed once, and every row that asked for it gets it."""
    memo, asked = RowMemo(), []
    keys = np.array([[1.0, 2.0], [3.0, 4.0], [1.0, 2.0], [1.0, 2.0], [5.0, 6.0]])

    def double(index: np.ndarray) -> np.ndarray:
        asked.append(index.tolist())
        return 2 * keys[index]

    np.testing.assert_array_equal(memo.rows(keys, double), 2 * keys)
    assert asked == [[0, 1, 4]] and (memo.hits, memo.misses, len(memo)) == (2, 3, 3)
    again = np.array([[5.0, 6.0], [7.0, 8.0], [7.0, 8.0]])
    np.testing.assert_array_equal(memo.rows(again, lambda i: 2 * again[i]), 2 * again)
    assert (memo.hits, memo.misses, len(memo)) == (4, 4, 4)


def test_row_memo_drops_its_older_half_when_full_so_memory_stays_bounded():
    memo = RowMemo(limit=4)
    for start in range(0, 20, 2):
        keys = np.arange(start, start + 2, dtype=float)[:, None]
        memo.rows(keys, lambda i, keys=keys: keys[i])
        assert len(memo) <= 4
    asked = []
    memo.rows(np.array([[18.0], [19.0], [0.0]]), lambda i: asked.append(i.tolist()) or np.array([[0.0]]))
    assert asked == [[2]]                  # the newest rows stayed; the oldest was long dropped


def test_row_memo_tells_apart_keys_that_differ_in_the_last_bit():
    memo = RowMemo()
    x = np.array([[0.1]])
    memo.rows(x, lambda i: np.array([[1.0]]))
    y = np.array([[np.nextafter(0.1, 1.0)]])
    np.testing.assert_array_equal(memo.rows(y, lambda i: np.array([[2.0]])), [[2.0]])


# ----------------------------------------------------------------- the game's pieces
def test_remembered_frontiers_are_the_built_ones():
    """Talks built once, then asked again mixed with new ones, give exactly a fresh build."""
    work = SharedWork()
    old, new = random_terms(6, seed=11), random_terms(6, seed=12)
    thresholds, relief = np.linspace(0.1, 0.35, 6), np.linspace(0.0, 0.02, 6)
    assert_same_summary(work.summary(old, thresholds, thresholds, relief, relief),
                        FrontierSummary.build(old, thresholds, thresholds, relief, relief))
    changed = np.isin(np.arange(6), [0, 3, 4])[:, None]
    mixed = PairTerms(**{k: np.where(changed, getattr(new, k), getattr(old, k)) if k in ("w_a", "c_b", "own_a")
                         else getattr(old, k) for k in FIELDS}, gamma=old.gamma)
    again = work.summary(mixed, thresholds, thresholds, relief, relief)
    assert work.frontiers.hits == 3                       # rows 1, 2 and 5 were known
    assert_same_summary(again, FrontierSummary.build(mixed, thresholds, thresholds, relief, relief))
    every = work.summary(mixed, thresholds, thresholds, relief, relief)   # all known now
    assert_same_summary(every, FrontierSummary.build(mixed, thresholds, thresholds, relief, relief))
    for name in SUMMARY:
        assert getattr(every, name).dtype == getattr(again, name).dtype


def test_another_reservation_is_another_frontier():
    work = SharedWork()
    terms = random_terms(2, seed=13)
    low = work.summary(terms, np.full(2, 0.1), np.full(2, 0.1))
    high = work.summary(terms, np.full(2, 0.3), np.full(2, 0.1))
    assert work.frontiers.hits == 0
    assert (high.reserve_a > low.reserve_a).all()
    assert set(low.memo_id).isdisjoint(high.memo_id)


def test_a_frontier_keeps_its_number_wherever_its_row_goes():
    """Each frontier row the memo builds gets a number for its inputs; the same inputs later, sliced,
    patched or stacked with others, carry the same number; a build outside the memo has none."""
    work = SharedWork()
    terms, thresholds = random_terms(4, seed=14), np.full(4, 0.2)
    first = work.summary(terms, thresholds, thresholds)
    assert sorted(first.memo_id) == [0.0, 1.0, 2.0, 3.0]
    again = work.summary(terms.rows(np.array([2, 0])), thresholds[:2], thresholds[:2])
    np.testing.assert_array_equal(again.memo_id, first.memo_id[[2, 0]])
    np.testing.assert_array_equal(first.rows(np.array([3, 1])).memo_id, first.memo_id[[3, 1]])
    np.testing.assert_array_equal(FrontierSummary.concat([first, again]).memo_id,
                                  np.concatenate([first.memo_id, again.memo_id]))
    assert np.isnan(FrontierSummary.build(terms, thresholds, thresholds).memo_id).all()
    assert np.isnan(FrontierSummary.placeholder(first, 3).memo_id).all()


@pytest.mark.parametrize("protocol", sorted(PROTOCOLS))
def test_meetings_on_remembered_frontiers_are_the_protocols_own(protocol):
    """Meetings on frontiers the memo built are remembered by the frontiers' numbers; what comes back
    is still the protocol's answer, to the last bit, and another frontier is another meeting."""
    work, rule = SharedWork(), PROTOCOLS[protocol]()
    thresholds = np.full(6, 0.15)
    summary = work.summary(random_terms(6, seed=22), thresholds, thresholds)
    other = work.summary(random_terms(6, seed=23), thresholds, thresholds)
    proposer = np.array([True, False] * 3)
    for frontier in (summary, summary, other):
        inp = session_input(frontier, proposer, tactic="linear", progress=0.4)
        mine, theirs = work.session(rule, inp), rule.session(inp)
        for name in ("theta", "x_ab", "x_ba", "u_a", "u_b", "accepted", "aspiration_proposer"):
            np.testing.assert_array_equal(getattr(mine, name), getattr(theirs, name), err_msg=name)
    assert (work.sessions.hits, work.sessions.misses) == (6, 12)


@pytest.mark.parametrize("protocol", sorted(PROTOCOLS))
def test_remembered_meetings_are_the_protocols_own(protocol):
    """Offers and replies from the memo, alone or mixed with new meetings, are the protocol's to the last bit."""
    work, rule = SharedWork(), PROTOCOLS[protocol]()
    terms = random_terms(8, seed=21)
    summary = FrontierSummary.build(terms, np.full(8, 0.15), np.full(8, 0.2))
    proposer = np.array([True, False] * 4)
    progress = np.linspace(0.0, 1.0, 8)
    tactics = ("linear", "boulware", "conceder", "tit_for_tat") * 2
    inputs = [session_input(summary.rows(np.arange(5)), proposer[:5], tactic=tactics[:5]),
              session_input(summary, proposer, tactic=tactics)]
    for inp in inputs:
        inp = type(inp)(**{**inp.__dict__, "progress_a": progress[:len(inp.proposer_is_a)],
                           "progress_b": progress[:len(inp.proposer_is_a)][::-1].copy()})
        for _ in range(2):                              # once computed (partly), once remembered
            mine, theirs = work.session(rule, inp), rule.session(inp)
            for name in ("theta", "x_ab", "x_ba", "u_a", "u_b", "aspiration_proposer",
                         "aspiration_responder", "accepted", "zopa", "proposer_is_a"):
                np.testing.assert_array_equal(getattr(mine, name), getattr(theirs, name), err_msg=name)
            np.testing.assert_array_equal(mine.responder_yes, theirs.responder_yes)
            assert not mine.x_ab.flags.writeable and not mine.accepted.flags.writeable   # games share it
    assert work.sessions.hits == 5 + 8


def test_a_tactic_is_part_of_what_a_meeting_is_remembered_by():
    work, rule = SharedWork(), PROTOCOLS["alternating"]()
    summary = FrontierSummary.build(random_terms(1, seed=5), np.full(1, 0.1), np.full(1, 0.1))
    linear = work.session(rule, session_input(summary, [True], tactic="linear", progress=0.3))
    boulware = work.session(rule, session_input(summary, [True], tactic="boulware", beta=0.3, progress=0.3))
    assert work.sessions.hits == 0
    assert boulware.aspiration_proposer[0] > linear.aspiration_proposer[0]


def test_remembered_splits_are_the_deadline_points():
    """Where demands overlap, the split (an asymmetric Nash search) is remembered by the frontier's
    number and both sides' patience: asked again, alone or mixed with new rows, it is
    deadline_point's answer to the last bit, and only the new rows are searched."""
    work = SharedWork()
    thresholds = np.full(5, 0.15)
    summary = work.summary(random_terms(5, seed=31), thresholds, thresholds)
    patience_a, patience_b = np.array([0.9, 0.95, 0.8, 0.9, 0.99]), np.array([0.9, 0.85, 0.97, 0.6, 0.9])
    fresh = deadline_point(summary, patience_a, patience_b)
    for _ in range(2):
        np.testing.assert_array_equal(work.split_points(summary, patience_a, patience_b), fresh)
    assert (work.splits.hits, work.splits.misses) == (5, 5)
    # rows 3 and 1 again, row 1 with other patience (another split), in another order
    rows, other_a = np.array([3, 1, 1]), np.array([0.9, 0.95, 0.5])
    mixed = work.split_points(summary.rows(rows), other_a, patience_b[rows])
    np.testing.assert_array_equal(mixed, deadline_point(summary.rows(rows), other_a, patience_b[rows]))
    assert (work.splits.hits, work.splits.misses) == (7, 6)
    assert mixed[2] != fresh[1]                         # less patience for a: another split


def test_a_split_on_a_frontier_the_memo_did_not_build_is_searched_afresh():
    work = SharedWork()
    thresholds = np.full(3, 0.15)
    summary = FrontierSummary.build(random_terms(3, seed=32), thresholds, thresholds)   # no memo numbers
    patience = np.full(3, 0.9)
    np.testing.assert_array_equal(work.split_points(summary, patience, patience),
                                  deadline_point(summary, patience, patience))
    assert len(work.splits) == 0


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 7), st.sampled_from([0.6, 0.9, 0.99]), st.sampled_from([0.6, 0.9, 0.99])),
                min_size=1, max_size=12), st.integers(0, 3))
def test_no_frontier_row_gets_another_rows_split(picks, seed):
    """Rows of two frontiers (different talks, the same patience values), in any order and repeated,
    asked of one memo: each row's split is the one searched afresh for that row."""
    work = SharedWork()
    thresholds = np.full(4, 0.15)
    both = FrontierSummary.concat([work.summary(random_terms(4, seed=40 + seed), thresholds, thresholds),
                                   work.summary(random_terms(4, seed=50 + seed), thresholds, thresholds)])
    index = np.array([k for k, _, _ in picks])
    patience_a, patience_b = np.array([a for _, a, _ in picks]), np.array([b for _, _, b in picks])
    for cut in ((len(picks) + 1) // 2, len(picks)):      # half of them first: the rest mixes remembered and new
        part = both.rows(index[:cut])
        np.testing.assert_array_equal(work.split_points(part, patience_a[:cut], patience_b[:cut]),
                                      deadline_point(part, patience_a[:cut], patience_b[:cut]))


def test_meetings_at_a_deadline_take_their_splits_from_the_memo():
    """At the deadline time-dependent negotiators demand only their reservations, so demands overlap
    and the alternating protocol settles at the split: from the memo, the protocol's own answer."""
    work, rule = SharedWork(), PROTOCOLS["alternating"]()
    thresholds = np.full(6, 0.1)
    summary = work.summary(random_terms(6, seed=33), thresholds, thresholds)
    proposer = np.array([True, False] * 3)
    for progress in (1.0, 0.999):                       # the second misses the session memo, not the splits
        inp = session_input(summary, proposer, progress=progress, patience=(0.95, 0.8))
        mine, theirs = work.session(rule, inp), rule.session(inp)
        for name in ("theta", "x_ab", "x_ba", "u_a", "u_b", "accepted"):
            np.testing.assert_array_equal(getattr(mine, name), getattr(theirs, name), err_msg=name)
    assert work.splits.misses > 0 and work.splits.hits == work.splits.misses


def test_who_would_ratify_is_remembered_read_only():
    model = TPPModel("baseline", rng=1)
    work = SharedWork()
    schedule = np.full((len(model.countries), len(model.sectors)), 0.4)
    args = (model.weights, schedule, model.members, model.side_access, model.outside)
    for _ in range(2):
        ok, utility, access = work.accepting(*args)
        fresh = accepting(*args)
        for mine, theirs in zip((ok, utility, access), fresh):
            np.testing.assert_array_equal(mine, theirs)
        assert not utility.flags.writeable and not access.flags.writeable
    assert work.packages.hits == 1
    others = model.weights.__class__(**{**model.weights.__dict__, "threshold": model.weights.threshold + 0.1})
    work.accepting(others, *args[1:])                     # other weights (a shock): not the same entry
    assert work.packages.hits == 1
    np.testing.assert_array_equal(world_utility(model.weights, model.side_access), model.outside)


# ------------------------------------------------------------------------ whole games
def finished(scenario, seed: int, **options) -> TPPModel:
    model = TPPModel(scenario, rng=seed, **options)
    while model.running:
        model.step()
    return model


def record_of(model: TPPModel) -> tuple[str, str, str, str]:
    return (model.log.to_jsonl(), json.dumps(model.summary()),
            model.datacollector.get_model_vars_dataframe().to_csv(),
            model.datacollector.get_agent_vars_dataframe().to_csv())


@pytest.mark.parametrize("name", [path.stem for path in available_scenarios()])
def test_games_sharing_work_play_exactly_as_games_alone(name):
    """Every scenario (events, shocks and side deals included): seeds played with one memo give the
    event log, summary and DataCollector tables of the same seeds played alone."""
    scenario, work = load_scenario(name), SharedWork()
    for seed in range(4):
        assert record_of(finished(scenario, seed, shared=work)) == record_of(finished(scenario, seed)), seed
    assert work.frontiers.hits > 0 and work.sessions.hits > 0 and work.packages.hits > 0


@pytest.mark.parametrize("overrides", [{"bargaining.protocol": "nash"}, {"bargaining.protocol": "rubinstein"},
                                       {"countries.USA.tactic": "tit_for_tat", "countries.JPN.tactic": "conceder"}])
def test_sharing_work_changes_nothing_under_other_protocols_and_tactics(overrides):
    scenario, work = load_scenario("baseline").with_overrides(overrides), SharedWork()
    for seed in range(3):
        assert record_of(finished(scenario, seed, shared=work)) == record_of(finished(scenario, seed)), seed


@settings(max_examples=5, deadline=None)
@given(st.integers(min_value=0, max_value=2**63 - 1), st.sampled_from(["australia_japan_first", "us_withdrawal_cptpp"]))
def test_a_game_without_records_has_the_same_outcome(seed, name):
    """record=False keeps no log and no per-round rows, passes over the rounds once nothing can
    happen any more, and reaches the same summary as a full game."""
    scenario = load_scenario(name)
    lean = finished(scenario, seed, record=False, shared=SharedWork())
    full = finished(scenario, seed)
    assert lean.summary() == full.summary()
    assert len(lean.log) == 0
    assert lean.datacollector.get_model_vars_dataframe().empty
    assert lean._settled and not full._settled and lean.round == full.round == scenario.rounds


def test_a_game_without_records_works_out_the_rest_only_where_the_scenario_uses_it():
    """Who could conclude without the hold-outs feeds the game only where the scenario lets them conclude
    (``agreement.conclude_without_holdouts``): a game without records skips it otherwise (none recorded),
    a full game records it for its status line, and a lean game whose rest may conclude works it out."""
    scenario = load_scenario("baseline")
    lean, full = finished(scenario, 3, record=False), finished(scenario, 3)
    held = [c for c in full.records if c.holdouts]
    assert held and any(c.rest for c in held)
    assert all(not c.rest and not c.rest_could_conclude for c in lean.records if c.holdouts)
    assert lean.summary() == full.summary()
    alone = scenario.with_overrides({"agreement.conclude_without_holdouts": True})
    assert any(c.rest for c in finished(alone, 3, record=False).records if c.holdouts)


def test_a_game_is_not_settled_while_an_event_is_still_to_come():
    """The US withdrawal comes late in its scenario: a lean game plays every round up to it."""
    scenario = load_scenario("us_withdrawal_cptpp")
    last = max(e.round for e in scenario.events)
    model = TPPModel(scenario, rng=0, record=False)
    while model.running and model.round < last - 1:
        model.step()
        assert not model._settled, model.round          # the shock of round `last` is still to come
    assert model.round == last - 1
