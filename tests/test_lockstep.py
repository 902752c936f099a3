"""Games played side by side (tppgame.experiments.lockstep): each plays exactly as it would alone.

Whole games of every scenario are compared to the last bit (event log, summary, DataCollector
tables), alone and together, with and without the sweep's memo; then the table itself: requests
pooled by kind, a game that fails fails alone, a pooled pass that fails is asked again request by
request, and the sweep's rows are the games' own.
"""

from __future__ import annotations

import functools
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from test_memo import finished, record_of
from tppgame import TPPModel
from tppgame.experiments.lockstep import play_together, played_together, request_group
from tppgame.experiments.memo import SharedWork
from tppgame.experiments.sweep import outcome, run_chunk, same_point
from tppgame.experiments.sweep_plan import build_plan, make_spec
from tppgame.game.scenario import available_scenarios, load_scenario
from tppgame.game.work import DIRECT, Work


def together(scenario, seeds, inner=DIRECT, **kwargs):
    tasks = [functools.partial(lambda seed, work: finished(scenario, seed, shared=work, **kwargs), seed)
             for seed in seeds]
    return play_together(tasks, inner)


class Counting(Work):
    """The direct computation, counting the passes and the rows in each."""

    def __init__(self):
        self.builds, self.sessions, self.terms = [], [], []

    def summary(self, terms, threshold_a, *args, **kwargs):
        self.builds.append(len(threshold_a))
        self.terms.append(terms)
        return super().summary(terms, threshold_a, *args, **kwargs)

    def session(self, protocol, inp):
        self.sessions.append(len(inp.proposer_is_a))
        return super().session(protocol, inp)


@pytest.mark.parametrize("name", [path.stem for path in available_scenarios()])
def test_games_played_together_play_exactly_as_games_alone(name):
    """Every scenario (events, shocks, side deals): four seeds played side by side give the event
    log, summary and DataCollector tables of the same seeds played alone."""
    scenario = load_scenario(name)
    models = together(scenario, range(4))
    for seed, model in enumerate(models):
        assert record_of(model) == record_of(finished(scenario, seed)), seed


@pytest.mark.parametrize("overrides", [{}, {"bargaining.protocol": "nash"}, {"bargaining.protocol": "rubinstein"},
                                       {"countries.USA.tactic": "boulware", "countries.JPN.tactic": "conceder"},
                                       {"countries.USA.tactic": "tit_for_tat"}])
def test_together_with_the_memo_changes_nothing_under_other_protocols_and_tactics(overrides):
    """With a sweep point's memo as the inner work too (tit-for-tat learns, so its games keep to
    the direct computation and are simply played in turn)."""
    scenario = load_scenario("baseline").with_overrides(overrides)
    models = together(scenario, range(3), SharedWork(), record=False)
    for seed, model in enumerate(models):
        assert model.summary() == finished(scenario, seed, record=False).summary(), seed


@settings(max_examples=4, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=2**63 - 1), min_size=2, max_size=4, unique=True),
       st.sampled_from(["baseline", "lobbies_and_welfare", "tpp_without_japan"]))
def test_any_seeds_together_give_their_games_alone(seeds, name):
    scenario = load_scenario(name)
    models = together(scenario, seeds, record=False)
    assert [m.summary() for m in models] == [finished(scenario, s, record=False).summary() for s in seeds]


SETTINGS = [{"bargaining.protocol": "nash"}, {"bargaining.protocol": "rubinstein"},
            {"bargaining.information": "private"}, {"bargaining.cost_exponent": 2.5},
            {"countries.USA.tactic": "boulware"}, {"countries.JPN.tactic": "tit_for_tat"},
            {"bargaining.chapters": ["services", "procurement"]}, {"bargaining.reciprocity": 0.0},
            {"bargaining.payoff": "judgment"}, {"bargaining.quotas": False}]


@settings(max_examples=6, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(range(len(SETTINGS))), st.integers(min_value=0, max_value=2**32)),
                min_size=2, max_size=4))
def test_games_of_different_settings_played_together_play_as_alone(games):
    """Games of different points (settings) pooled with the direct computation: a request pools only
    with those it can share a pass with, and every game plays as alone."""
    scenarios = [load_scenario("lobbies_and_welfare").with_overrides(SETTINGS[k]) for k, _ in games]
    tasks = [functools.partial(lambda sc, seed, work: finished(sc, seed, shared=work, record=False), sc, seed)
             for sc, (_, seed) in zip(scenarios, games)]
    models = play_together(tasks)
    assert [m.summary() for m in models] == [finished(sc, seed, record=False).summary()
                                             for sc, (_, seed) in zip(scenarios, games)]


def test_requests_are_pooled_into_fewer_larger_passes():
    """Three games ask for as many rows as one game three times over, in fewer passes: the first
    round's frontiers of all talks, for one, come in one pass of three times the rows."""
    scenario = load_scenario("baseline")
    alone, pooled = Counting(), Counting()
    finished(scenario, 0, shared=alone, record=False)
    together(scenario, [0, 0, 0], pooled, record=False)
    assert sum(pooled.builds) == 3 * sum(alone.builds) and sum(pooled.sessions) == 3 * sum(alone.sessions)
    assert len(pooled.builds) == len(alone.builds) and len(pooled.sessions) == len(alone.sessions)
    assert pooled.builds[0] == 3 * alone.builds[0] == 3 * 66


def test_only_requests_of_one_kind_and_settings_share_a_pass():
    """Builds pool with builds of the same stake rule and cost exponent; meetings with meetings."""
    scenario = load_scenario("baseline")
    work = Counting()
    finished(scenario, 0, record=False, shared=work)
    terms = work.terms[0]
    build = ("summary", (terms, np.zeros(1), np.zeros(1), 0.0, 0.0, False))
    assert request_group(build) == request_group(("summary", (terms, np.ones(2), np.ones(2), 1.0, 1.0, False)))
    assert request_group(build) != request_group(("summary", (terms, np.zeros(1), np.zeros(1), 0.0, 0.0, True)))
    assert request_group(build)[0] == "summary"


def test_a_game_that_fails_fails_alone():
    """A game that raises gives back its error; the others finish as they would alone."""
    scenario = load_scenario("baseline")

    def broken(work):
        model = TPPModel(scenario, rng=1, shared=work, record=False)
        for _ in range(3):
            model.step()
        raise RuntimeError(f"stopped after round {model.round}")

    tasks = [lambda work: finished(scenario, 0, shared=work, record=False), broken,
             lambda work: finished(scenario, 2, shared=work, record=False)]
    first, error, last = play_together(tasks)
    assert isinstance(error, RuntimeError) and str(error) == "stopped after round 3"
    assert first.summary() == finished(scenario, 0, record=False).summary()
    assert last.summary() == finished(scenario, 2, record=False).summary()


class FailsPooled(Work):
    """Refuses any build of more rows than ``most``."""

    def __init__(self, most):
        self.most = most

    def summary(self, terms, threshold_a, *args, **kwargs):
        if len(threshold_a) > self.most:
            raise MemoryError("too many rows")
        return super().summary(terms, threshold_a, *args, **kwargs)


def test_a_pooled_pass_that_fails_is_asked_again_request_by_request():
    """A pass that raises for the pooled rows is answered request by request: every game still
    gets its own rows, and plays as alone."""
    scenario = load_scenario("baseline")
    models = together(scenario, [0, 1], FailsPooled(most=66), record=False)
    assert [m.summary() for m in models] == [finished(scenario, s, record=False).summary() for s in (0, 1)]


def test_a_sweep_chunk_plays_each_points_replicates_together_and_stores_their_own_rows():
    """run_chunk cuts a chunk at each new point and stores per run the outcome its game has alone."""
    plan = build_plan(make_spec("baseline", ["bargaining.cost_exponent=[2.0, 2.5]"], reps=2, seed=7))
    runs = [plan.run(i) for i in range(plan.total)]
    assert [[spec.point for spec in group] for group in same_point(runs)] == [[0, 0], [1, 1]]
    rows = run_chunk(load_scenario("baseline"), runs)
    for spec, row in zip(runs, rows):
        scenario = load_scenario("baseline").with_overrides(dict(spec.overrides))
        model = finished(scenario, spec.seed, record=False)
        expected = outcome(model.summary(), model)
        assert (row["status"], row["seed"], row["point"]) == ("ok", spec.seed, spec.point)
        assert {k: row[k] for k in expected} == expected


def test_a_sampled_designs_single_runs_are_pooled_with_each_other_and_play_as_alone(monkeypatch):
    """A chunk of points with one run each (a sampled design's) plays the games worth pooling (cost
    exponents 2.5 and 3, whose arithmetic is numpy's) side by side with the direct computation (one
    memo per point would serve a single game), builds pooled by cost exponent: the first frontiers of
    the two games of each exponent in one pass; the games of exponent 2 (compiled loops) one after
    another, each alone; each run stores its own row."""
    plan = build_plan(make_spec("baseline", ["bargaining.cost_exponent=[2.0, 2.5, 3.0]",
                                             "bargaining.reciprocity=[0.0, 0.1]"], reps=1, seed=3))
    runs = [plan.run(i) for i in range(plan.total)]
    assert [len(group) for group in same_point(runs)] == [1] * 6
    counting = Counting()
    monkeypatch.setattr("tppgame.experiments.sweep_runs.DIRECT", counting)
    rows = run_chunk(load_scenario("baseline"), runs)
    alone = [k for k, rows_built in enumerate(counting.builds) if rows_built == 66]
    pooled = [k for k, rows_built in enumerate(counting.builds) if rows_built == 2 * 66]
    assert len(alone) == 2 and len(pooled) == 2 and alone[-1] < pooled[0]    # two games alone, then two pairs
    for spec, row in zip(runs, rows):
        model = finished(load_scenario("baseline").with_overrides(dict(spec.overrides)), spec.seed, record=False)
        assert row["status"] == "ok" and {k: row[k] for k in ("round", "members", "utility_JPN")} == {
            "round": model.summary()["round"], "members": " ".join(model.summary()["members"]) or None,
            "utility_JPN": float(model.summary()["countries"]["JPN"]["utility"])}


def test_inner_works_are_one_for_all_or_one_per_task():
    with pytest.raises(ValueError, match="2 tasks but 1 inner works"):
        play_together([lambda work: 1, lambda work: 2], [DIRECT])
    first, second = Counting(), Counting()
    scenario = load_scenario("baseline")
    play_together([lambda w: finished(scenario, 0, shared=w, record=False)] * 2, [first, second])
    assert first.builds[0] == second.builds[0] == 66       # different inner works: never pooled


def test_same_point_keeps_the_order_and_cuts_where_the_point_changes():
    class Spec:
        def __init__(self, point):
            self.point = point

    specs = [Spec(p) for p in (0, 0, 1, 1, 1, 0)]
    assert [[s.point for s in g] for g in same_point(specs)] == [[0, 0], [1, 1, 1], [0]]
    assert same_point([]) == []


def test_no_request_is_left_unanswered_when_a_game_never_asks():
    """A task that asks for nothing finishes in its first turn; the others are not held up."""
    scenario = load_scenario("baseline")
    quiet, game = play_together([lambda work: np.float64(2.5), lambda work: finished(scenario, 0, shared=work,
                                                                                        record=False)])
    assert quiet == 2.5 and game.summary() == finished(scenario, 0, record=False).summary()


class RefusesSeedOne(Work):
    """Refuses every build that holds the rows of one game, told apart by the terms that game last
    asked about (a pooled build's terms are joined from the games' own: ``PairTerms.concat``)."""

    def __init__(self):
        self.culprit = None

    def summary(self, terms, threshold_a, *args, **kwargs):
        parts = getattr(terms, "_parts", None) or (terms,)
        if any(part is self.culprit for part in parts):
            raise ValueError("refused")
        return super().summary(terms, threshold_a, *args, **kwargs)


def test_a_request_that_fails_in_a_pooled_pass_fails_only_its_game():
    """The pass is asked again request by request; the culprit's game raises the error, the other
    plays on as alone."""
    scenario = load_scenario("baseline")
    work = RefusesSeedOne()

    def culprit(work_at_table):
        original = work_at_table.summary

        def summary(terms, *args, **kwargs):
            work.culprit = terms
            return original(terms, *args, **kwargs)

        work_at_table.summary = summary
        return finished(scenario, 1, shared=work_at_table, record=False)

    good, bad = play_together([lambda w: finished(scenario, 0, shared=w, record=False), culprit], work)
    assert isinstance(bad, ValueError) and str(bad) == "refused"
    assert good.summary() == finished(scenario, 0, record=False).summary()


class Echo(Work):
    """Answers a build with its first threshold, at once (no game: the table's turns alone)."""

    def summary(self, terms, threshold_a, *args, **kwargs):
        return threshold_a


class Gamma:
    """Stands for a talk's terms where only the table reads them (their cost exponent and sectors)."""

    gamma = 2.0
    w_a = np.zeros((1, 3))


def asking(times: int, stake: bool, log: list):
    """A task that asks for ``times`` builds (of its own kind: ``stake``), noting each answer."""
    def task(work):
        for k in range(times):
            log.append((stake, work.summary(Gamma(), k, k, efficient_stake=stake)))
        return times
    return task


def test_results_come_in_order_as_soon_as_a_game_and_those_before_it_finish():
    log = []
    results = played_together([asking(1, False, log), asking(50, True, log)], Echo())
    assert next(results) == 1
    assert 0 < sum(stake for stake, _ in log) < 50          # the second game still plays
    assert next(results) == 50 and log[-1] == (True, 49)
    assert next(results, None) is None


def test_closing_the_results_early_stops_the_games_still_playing():
    before, log = threading.active_count(), []
    results = played_together([asking(1, False, log), asking(10_000, True, log)], Echo())
    assert next(results) == 1
    results.close()
    asked = len(log)
    assert asked < 10_001 and threading.active_count() == before     # stopped, and its thread ended
    assert len(log) == asked


def test_through_the_memo_each_games_round_met_before_is_one_look_up_even_when_pooled():
    """Pooled meetings are kept whole per game, so the same games again (or a seed alone) find every round
    of meetings at one look-up each, and no row is computed or looked up on its own again."""
    scenario, memo = load_scenario("judged_indices"), SharedWork()
    first = together(scenario, [0, 1], memo, record=False)
    rounds, misses = len(memo._whole_sessions), memo.sessions.misses
    again = together(scenario, [0, 1], memo, record=False)
    alone = finished(scenario, 1, shared=memo, record=False)
    assert len(memo._whole_sessions) == rounds and memo.sessions.misses == misses
    assert [m.summary() for m in again] == [m.summary() for m in first] and alone.summary() == first[1].summary()
