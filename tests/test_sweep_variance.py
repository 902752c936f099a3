"""The settings' and the seeds' shares of a sweep's run-level variance, their F tests, the words of the
report, and the bootstrap confidence over replicates of a grid's indices.

The sweeps are SweepData built directly: a grid of points whose runs have outcomes chosen so that
each share and p-value can be computed by hand (or is 0 or 1 exactly).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("scipy")
from scipy.stats import f as f_distribution
from scipy.stats import f_oneway

from tppgame.experiments.sweep_data import Point, Setting, SweepData
from tppgame.experiments.sweep_report import sensitivity_rows, summary_lines
from tppgame.experiments.sweep_sensitivity import Effect, Index, Sensitivity, outputs_of, point_outputs, sensitivity
from tppgame.experiments.sweep_variance import (ALL, anova, decomposition, grid_bootstrap, inflated, interval_lines,
                                                morris_against_noise, p_words, run_outputs, share_lines)

RICE = "countries.JPN.sensitivity.rice"
COST = "bargaining.cost_scale"


def grid_sweep(settings: dict[str, list[float]], reps: int,
               utility: Callable[[tuple[float, ...], int], float],
               formed: Callable[[tuple[float, ...], int], bool] = lambda values, rep: True) -> SweepData:
    """A complete grid (the last setting fastest) of ``reps`` runs a point: USA's utility and whether the
    agreement formed (in round 3) are what the two functions give for the point's values and the replicate."""
    names = list(settings)
    counts = [len(v) for v in settings.values()]
    points = {}
    for index in range(math.prod(counts)):
        coords = np.unravel_index(index, counts)
        values = tuple(settings[n][int(c)] for n, c in zip(names, coords))
        point = Point(index, dict(zip(names, values)))
        for rep in range(reps):
            u, ok = float(utility(values, rep)), bool(formed(values, rep))
            point.runs += 1
            point.formed += ok
            point.formed_round_sum += 3 * ok
            point.formed_runs.append(ok)
            point.round_runs.append(3.0 if ok else math.nan)
            point.utility_runs.setdefault("USA", []).append(u)
            point.utility_sum["USA"] = point.utility_sum.get("USA", 0.0) + u
            point.utility_count["USA"] = point.utility_count.get("USA", 0) + 1
        points[index] = point
    runs = len(points) * reps
    return SweepData(Path("synthetic"), "synthetic", "grid", [Setting(n, "values", tuple(settings[n])) for n in names],
                     reps, len(points), None, ["USA"], 7, 12, "set", runs, runs, 0,
                     sum(p.formed for p in points.values()), [], points)


def shares_of(data: SweepData) -> dict[tuple[str, str], object]:
    return {(s.output, s.setting): s for s in decomposition(data).shares}


# ----------------------------------------------------------------------- the F test itself
def test_anova_by_hand_and_against_scipy():
    """Groups 1 2 3 and 4 5 6: grand mean 3.5, SS total 17.5, SS within 2 + 2 = 4, so SS between 13.5,
    eta squared 13.5 / 17.5 and F = (13.5 / 1) / (4 / 4) = 13.5 on 1 and 4 degrees of freedom."""
    eta, f, p, df1, df2 = anova([np.array([1.0, 2, 3]), np.array([4.0, 5, 6])])
    assert eta == pytest.approx(13.5 / 17.5) and f == pytest.approx(13.5) and (df1, df2) == (1, 4)
    assert p == pytest.approx(0.021312, abs=1e-6)
    rng = np.random.default_rng(1)
    groups = [rng.normal(k * 0.3, 1.0, size=7 + k) for k in range(4)]
    assert anova(groups)[1:3] == pytest.approx(tuple(f_oneway(*groups)))
    assert anova([np.array([1.0, 1.0]), np.array([1.0, 1.0])]) is None       # no variance at all
    assert anova([np.array([1.0]), np.array([2.0])]) is None                 # no run left within the points
    assert [p_words(p) for p in (0.0004, 0.0042, 0.41, 1.0)] == ["p < 0.001", "p = 0.004", "p = 0.41", "p = 1.00"]


# ----------------------------------------------------------------------- seeds only, setting only
def test_an_outcome_that_depends_only_on_the_seed_is_not_distinguishable_from_noise():
    """USA's utility is the replicate number at every point: the point means are all equal, so the setting
    explains exactly 0% (F = 0, p = 1) and the seeds 100%; the report says so in words."""
    data = grid_sweep({RICE: [1.0, 2.0, 3.0, 4.0, 5.0]}, 20, lambda values, rep: rep / 20)
    share = shares_of(data)["utility_USA", RICE]
    assert (share.explained, share.seeds, share.p) == pytest.approx((0.0, 1.0, 1.0), abs=1e-12)
    assert (share.df_between, share.df_within) == (4, 95)
    assert share.noise
    assert shares_of(data)["utility_USA", ALL].explained == pytest.approx(0.0, abs=1e-12)
    lines = share_lines(data, decomposition(data), {o.name: o.label for o in outputs_of(data)})
    assert lines == [f"{RICE}: explains 0.0% of the variance of the utility of USA, the seeds 100.0% (p = 1.00): "
                     "not distinguishable from seed noise"]
    # the index on the point means still says S1 = ST = 1 for any outcome that varies at all: hence the shares
    assert ("agreement_probability", RICE) not in shares_of(data)           # formed everywhere: no variance


def test_an_outcome_that_depends_only_on_the_setting_is_explained_by_it():
    """USA's utility is the rice sensitivity plus a replicate wobble of at most 0.019: the setting explains
    almost everything and p is tiny; without the wobble it explains exactly 100%."""
    data = grid_sweep({RICE: [1.0, 2.0, 3.0, 4.0, 5.0]}, 20, lambda values, rep: values[0] + rep / 1000)
    share = shares_of(data)["utility_USA", RICE]
    assert share.explained > 0.9999 and share.seeds < 1e-4 and share.p < 1e-100 and not share.noise
    line = share_lines(data, decomposition(data), {"utility_USA": "utility of USA"})[0]
    assert line == f"{RICE}: explains 100.0% of the variance of the utility of USA, the seeds 0.0% (p < 0.001): " \
                   "beyond seed noise"
    exact = shares_of(grid_sweep({RICE: [1.0, 2.0]}, 3, lambda values, rep: values[0]))["utility_USA", RICE]
    assert (exact.explained, exact.p) == (1.0, 0.0)


def test_on_a_grid_each_setting_has_its_main_effect():
    """Agreement forms where the cost is 0.2 in replicates 0-2 of 4, and at cost 0.1 in replicate 0 only,
    whatever the endgame share: the cost's runs at 0.1 and 0.2 have means 1/4 and 3/4 (grand mean 1/2,
    16 runs), so SS total 4, SS between 16 x 1/16 = 1: the cost explains 25%; its F test sets that against
    the variance within the 4 points (3 on 12 df, the seeds'), F = (1 / 1) / (3 / 12) = 4; the endgame
    share explains 0% (p = 1). With 4 replicates a point, p = 0.069: not distinguishable from the seeds'
    noise. All settings together: the same 25% over the 4 points, with
    F(3, 12) = (1 / 3) / (3 / 12) = 4/3."""
    data = grid_sweep({COST: [0.1, 0.2], "bargaining.endgame_share": [0.0, 1.0]}, 4, lambda values, rep: 0.0,
                      formed=lambda values, rep: rep < (3 if values[0] == 0.2 else 1))
    shares = shares_of(data)
    cost, endgame, together = (shares["agreement_probability", s] for s in (COST, "bargaining.endgame_share", ALL))
    assert (cost.explained, cost.f, cost.df_between, cost.df_within) == pytest.approx((0.25, 4, 1, 12))
    assert cost.p == pytest.approx(f_distribution.sf(4, 1, 12)) and cost.noise     # p = 0.069
    assert (endgame.explained, endgame.p) == pytest.approx((0.0, 1.0), abs=1e-12) and endgame.noise
    assert (together.explained, together.f, together.df_between) == pytest.approx((0.25, 4 / 3, 3))
    assert together.noise                                                  # p = 0.31 with 3 and 12 df
    lines = share_lines(data, decomposition(data), {"agreement_probability": "probability of agreement"})
    assert lines[:3] == [
        f"all settings together: explain 25.0% of the variance of the probability of agreement, the seeds 75.0% "
        f"({p_words(together.p)}): not distinguishable from seed noise",
        f"{COST}: explains 25.0% of the variance of the probability of agreement (p = 0.07): "
        "not distinguishable from seed noise",
        "bargaining.endgame_share: explains 0.0% of the variance of the probability of agreement (p = 1.00): "
        "not distinguishable from seed noise"]
    # the report's summary carries the lines and their threshold; sensitivity.csv the numbers
    result = sensitivity(data)
    summary = summary_lines(data, result, outputs_of(data), [], decomposition(data))
    heading = next(k for k, line in enumerate(summary) if line.startswith("settings against seeds"))
    assert "p >= 0.05: not distinguishable from seed noise" in summary[heading]
    assert summary[heading + 2] == "  " + lines[1]
    rows = sensitivity_rows(data, result, decomposition(data), outputs_of(data))
    first = rows[0]
    assert first[:3] == ["agreement_probability", COST, "grid variance shares"]
    assert [float(v) for v in first[7:]] == pytest.approx([0.25, 0.75, together.p, 0.25, cost.p])


def test_a_settings_main_effect_is_tested_against_the_seeds_not_the_other_settings():
    """The round of a grid like out/endgame-tpa's: 41 (none formed) at endgame share 0 whatever the
    threshold; at share 1, rounds 19 and 9 at threshold 0.1, 29 and 30 at 0.3. The threshold's runs
    (41 41 19 9 against 41 41 29 30, grand mean 31.375, SS total 1031.875) have SS between 8 x 3.875^2 =
    120.125: it explains 11.6%. Within the points only the seeds vary: SS 50 + 0.5 on 8 - 4 = 4 df, so
    F = 120.125 / (50.5 / 4) = 9.51 on 1 and 4 df, p = 0.037: beyond seed noise. A one-way ANOVA over the
    threshold's runs alone would count the endgame share's effect as noise (p = 0.41)."""
    rounds = {(0.1, 1.0): (19.0, 9.0), (0.2, 1.0): (29.0, 30.0)}
    data = grid_sweep({"bargaining.endgame_share": [0.0, 1.0], COST: [0.1, 0.2]}, 2,
                      lambda values, rep: rounds.get((values[1], values[0]), (41.0, 41.0))[rep])
    cost = shares_of(data)["utility_USA", COST]
    assert cost.explained == pytest.approx(120.125 / 1031.875)
    assert (cost.f, cost.df_between, cost.df_within) == pytest.approx((120.125 / 12.625, 1, 4))
    assert cost.p == pytest.approx(0.036766, abs=1e-6) and not cost.noise
    assert f_oneway([41, 41, 19, 9], [41, 41, 29, 30]).pvalue == pytest.approx(0.408175, abs=1e-6)


def test_one_run_a_point_gives_no_shares_and_says_why():
    data = grid_sweep({RICE: [1.0, 2.0, 3.0]}, 1, lambda values, rep: values[0])
    result = decomposition(data)
    assert result.shares == []
    assert any("one finished run a point" in note and "--reps 2 or more" in note for note in result.notes)


# ----------------------------------------------------------------------- bootstrap over replicates
def test_run_outputs_average_to_the_point_outputs():
    data = grid_sweep({RICE: [1.0, 2.0]}, 5, lambda values, rep: values[0] * rep, formed=lambda values, rep: rep > 2)
    indices, means = point_outputs(data)
    runs = run_outputs(data)
    for name, y in means.items():
        assert [runs[name][k].mean() for k in indices] == pytest.approx(list(y))
    assert runs["conclusion_round"][0].tolist() == [13, 13, 13, 3, 3]        # none formed: rounds + 1


def test_bootstrap_confidence_of_grid_indices():
    """Two settings, USA's utility = the cost + seed noise: the confidence brackets the estimate, is
    reproducible with the sweep's seed, is 0 without noise and narrows with more replicates."""
    rng = np.random.default_rng(3)
    noise = rng.normal(0.0, 0.1, size=(4, 200))

    def noisy(reps: int) -> SweepData:
        return grid_sweep({COST: [0.1, 0.2], "bargaining.endgame_share": [0.0, 1.0]}, reps,
                          lambda values, rep: values[0] + noise[int(values[0] * 10 - 1) * 2 + int(values[1]), rep])

    few, many = noisy(5), noisy(200)
    rows = {r.setting: r for r in sensitivity(few).rows if r.output == "utility_USA"}
    cost = rows[COST]
    assert 0 < cost.S1_conf and cost.S1 - cost.S1_conf <= cost.S1 <= cost.S1 + cost.S1_conf
    assert 0 < cost.ST_conf and not math.isnan(rows["bargaining.endgame_share"].S1_conf)
    assert grid_bootstrap(few, "utility_USA", 7) == grid_bootstrap(few, "utility_USA", 7)
    wide, narrow = grid_bootstrap(few, "utility_USA", 7)[0][0], grid_bootstrap(many, "utility_USA", 7)[0][0]
    assert narrow < wide
    clean = grid_sweep({COST: [0.1, 0.2], "bargaining.endgame_share": [0.0, 1.0]}, 5, lambda values, rep: values[0])
    assert grid_bootstrap(clean, "utility_USA", 7) == [(0.0, 0.0), (0.0, 0.0)]


def test_a_grid_of_one_run_a_point_gives_its_indices_no_confidence():
    """One run a point: the bootstrap's resampled means never vary, and the report gave S1 1.000 ± 0.000 under
    '95% bootstrap confidence over the replicates'. Now no confidence (blank), and the words say why. The
    grid's utility is the cost setting (0.1 or 0.2) plus the endgame's rep-free 0 or 1: S1 of the endgame
    is Var(0.5 +- 0.5) / (0.0025 + 0.25) = 0.25 / 0.2525."""
    single = grid_sweep({COST: [0.1, 0.2], "bargaining.endgame_share": [0.0, 1.0]}, 1,
                        lambda values, rep: values[0] + values[1])
    assert grid_bootstrap(single, "utility_USA", 7) is None
    result = sensitivity(single)
    endgame = next(r for r in result.rows if r.output == "utility_USA" and r.setting == "bargaining.endgame_share")
    assert endgame.S1 == pytest.approx(0.25 / 0.2525) and math.isnan(endgame.S1_conf) and math.isnan(endgame.ST_conf)
    assert result.description.endswith("the Sobol indices of the grid itself, without confidence (a point has a "
                                       "single finished run)")
    assert ("a point with a single finished run: S1 and ST have no confidence, which resamples each point's "
            "replicates; use --reps 2 or more") in result.notes
    assert "bootstrap" in sensitivity(grid_sweep({COST: [0.1, 0.2]}, 2, lambda values, rep: rep)).description


# ----------------------------------------------------------------------- sampled designs: intervals in words
def test_sampled_indices_say_in_words_whether_their_interval_excludes_0():
    """A Sobol design's settings are judged by ST's 95% interval (the whole effect), RBD-FAST's by S1's: the
    cost's ST 0.065 ± 0.094 runs from -0.029 to 0.159 (includes 0: not distinguishable from noise), the
    endgame share's 0.881 ± 0.653 from 0.228 to 1.534 (beyond noise), whatever S1's wide interval says."""
    rows = [Index("conclusion_round", COST, -0.073, 0.419, 0.065, 0.094),
            Index("conclusion_round", "bargaining.endgame_share", 0.763, 1.156, 0.881, 0.653)]
    labels = {"conclusion_round": "round of conclusion"}
    assert interval_lines(Sensitivity("sobol", "", rows, [], 48), labels) == [
        f"{COST} on the round of conclusion: ST 0.065 ± 0.094, from -0.029 to 0.159: not distinguishable from noise",
        "bargaining.endgame_share on the round of conclusion: ST 0.881 ± 0.653, from 0.228 to 1.534: beyond noise"]
    fast = [Index("conclusion_round", COST, 0.24, 0.2), Index("conclusion_round", RICE, 0.24, 0.3)]
    assert [line.split(": ", 1)[1] for line in interval_lines(Sensitivity("rbd_fast", "", fast, [], 40), labels)] == [
        "S1 0.240 ± 0.200, from 0.040 to 0.440: beyond noise",
        "S1 0.240 ± 0.300, from -0.060 to 0.540: not distinguishable from noise"]
    assert interval_lines(Sensitivity("grid", "", rows, [], 4), labels) == []       # a grid has its F tests


def test_a_sobol_st_is_judged_against_what_the_seeds_noise_alone_gives_it():
    """With replicates, two points' means differ by the seeds' noise even where a setting does nothing, and
    Jansen's ST counts that: a setting the games do not read got ST 0.627 ± 0.328 (0.300 to 0.955) on the
    total welfare of a baseline Sobol sweep, 'beyond noise'. Runs 0, 2 and 2, 4 (point means 1 and 3): the
    variance within the points is (1 + 1 + 1 + 1) / (4 - 2) = 2, of the means 1, two runs a point, so noise
    alone gives ST about 2 / (2 x 1) = 1: ST 1.2 ± 0.1 is beyond it, 0.9 ± 0.1 is not, though above 0."""
    from tppgame.experiments.sweep_variance import sobol_noise_floor

    data = grid_sweep({COST: [0.1, 0.2]}, 2, lambda values, rep: (values[0] - 0.1) * 20 + 2 * rep)
    assert sobol_noise_floor(data, "utility_USA") == pytest.approx(1.0)
    rows = [Index("utility_USA", COST, 0.5, 0.1, 1.2, 0.1), Index("utility_USA", RICE, 0.5, 0.1, 0.9, 0.1)]
    assert [line.split(": ", 1)[1] for line in interval_lines(Sensitivity("sobol", "", rows, [], 2), {}, data)] == [
        "ST 1.200 ± 0.100, from 1.100 to 1.300: beyond noise (the seeds' noise alone gives ST about 1.000)",
        "ST 0.900 ± 0.100, from 0.800 to 1.000: not distinguishable from noise (the seeds' noise alone gives ST "
        "about 1.000)"]
    assert sobol_noise_floor(grid_sweep({COST: [0.1, 0.2]}, 1, lambda values, rep: values[0]), "utility_USA") is None


def test_the_bootstrap_spreads_few_replicates_so_their_means_vary_as_they_should():
    """Replicates 0 and 2: the mean's variance is s^2 / n = 2 / 2 = 1. Resampled as they are, the means are
    0, 1, 1, 2 (variance 1/2, half of it); spread by sqrt(2) about the mean 1 (1 - 1.414 and 1 + 1.414),
    they are -0.414, 1, 1, 2.414: variance 1."""
    spread = inflated(np.array([0.0, 2.0]))
    assert spread == pytest.approx([1 - math.sqrt(2), 1 + math.sqrt(2)])
    means = [(spread[i] + spread[j]) / 2 for i in range(2) for j in range(2)]
    assert np.var(means) == pytest.approx(1.0)
    assert np.var([(a + b) / 2 for a in (0.0, 2.0) for b in (0.0, 2.0)]) == pytest.approx(0.5)
    assert inflated(np.array([3.0])).tolist() == [3.0]


def test_an_unbalanced_grid_says_its_main_effects_are_approximate():
    """A point with a failed run (3 finished runs where the others have 4) makes the settings' main effects
    correlated: the note says so, with the counts; a balanced grid has no such note."""
    data = grid_sweep({COST: [0.1, 0.2], "bargaining.endgame_share": [0.0, 1.0]}, 4, lambda values, rep: values[0] + rep)
    assert not any("not the same number" in note for note in decomposition(data).notes)
    point = data.points[0]
    point.runs -= 1
    point.utility_runs["USA"].pop()
    point.formed_runs.pop()
    point.round_runs.pop()
    notes = [n for n in decomposition(data).notes if "not the same number" in n]
    assert len(notes) == 1 and notes[0].startswith("the grid's points have 3 to 4 finished runs each")


# ----------------------------------------------------------------------- Morris against seed noise
def test_morris_effects_against_the_noise_of_the_replicates_by_hand():
    """4 trajectories, 2 runs a point, variance within the points 1 (16 on 16 df): without an effect, an
    elementary effect is (mean - mean) / (2/3) with variance 2 x 1 / 2 / (4/9) = 2.25, so mu* from noise is
    sqrt(2 / pi) x 1.5 = 1.197. Effects with mu 0 and sigma 1 have mean square 1 x 3/4 = 0.75: F = 1/3 on 4
    and 16 df, not distinguishable; mu 3 and sigma 0 give F = 9 / 2.25 = 4, p = 0.019."""
    noise, f, p = morris_against_noise(Effect("u", COST, 0.8, 0.5, 1.0, 0.0), 4, 16.0, 16, 2.0)
    assert noise == pytest.approx(math.sqrt(2 / math.pi) * 1.5) and f == pytest.approx(1 / 3)
    assert p == pytest.approx(f_distribution.sf(1 / 3, 4, 16)) and p > 0.05
    noise, f, p = morris_against_noise(Effect("u", COST, 3.0, 0.0, 0.0, 3.0), 4, 16.0, 16, 2.0)
    assert f == pytest.approx(4.0) and p == pytest.approx(f_distribution.sf(4.0, 4, 16)) and p < 0.05


def test_a_sobol_sensitivity_csv_row_carries_the_st_the_seeds_noise_alone_gives():
    """Runs 0, 2 and 2, 4 of the floor test: ST_noise 1 beside each Sobol row of the output, so the table read
    alone judges ST as the report does; empty with one run a point."""
    from tppgame.experiments.sweep_report import sensitivity_rows
    from tppgame.experiments.sweep_sensitivity import select_outputs
    from tppgame.experiments.sweep_variance import Decomposition

    data = grid_sweep({COST: [0.1, 0.2]}, 2, lambda values, rep: (values[0] - 0.1) * 20 + 2 * rep)
    result = Sensitivity("sobol", "", [Index("utility_USA", COST, 0.5, 0.1, 1.2, 0.1)], [], 2)
    [row] = sensitivity_rows(data, result, Decomposition([], []), select_outputs(data, "utility_USA"))
    assert row[:8] == ["utility_USA", COST, "sobol (SALib)", "0.5", "0.1", "1.2", "0.1", "1"]
    single = grid_sweep({COST: [0.1, 0.2]}, 1, lambda values, rep: values[0])
    assert sensitivity_rows(single, result, Decomposition([], []), select_outputs(single, "utility_USA"))[0][7] == ""
