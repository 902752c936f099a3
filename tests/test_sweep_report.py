"""Sweep reports: probability-of-agreement curves with Wilson bands, grid heatmaps, sensitivity indices,
the printed summary, PNG files, and bad input.

Most statistics are checked on synthetic stores: a real sweep plan (design, definition, meta,
columns) whose runs are written through the store's API with known outcomes instead of played,
so every probability, interval and index has a value computed by hand. Two small real sweeps of
the 12-round Tokyo scenario (where a low political cost makes an agreement likely) check the
whole path from the sweep command to the report (a Morris one through run.py in a real process).
"""

from __future__ import annotations

import csv
import math
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("SALib")
from scipy.stats import binomtest

from tppgame.cli import main
from tppgame.experiments.store import ResultStore, read_runs
from tppgame.experiments.sweep import SweepPlan, build_plan, make_spec
from tppgame.experiments.sweep_agreement import design_effect
from tppgame.experiments.sweep_report import (ReportError, agreement_curve, agreement_grid, load_sweep, make_report,
                                  point_outputs, sensitivity, wilson)

COST = "bargaining.cost_scale"
ENDGAME = "bargaining.endgame_share"
PROTOCOL = "bargaining.protocol"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ROUNDS = 12                      # tokyo_2014
ROOT = Path(__file__).resolve().parents[1]


def plan_of(vary: list[str], **options: Any) -> SweepPlan:
    return build_plan(make_spec("tokyo_2014", vary, seed=options.pop("seed", 7), **options))


def write_store(out: Path, plan: SweepPlan, outcome: Callable[[dict[str, Any], int], dict[str, Any] | str],
                skip: Callable[[int], bool] = lambda index: False) -> Path:
    """A store of ``plan`` whose runs have the outcomes ``outcome(point settings, rep)`` gives (formed,
    round, utilities); a string is stored as the error of a failed run. Runs ``skip`` names are left out."""
    countries = plan.scenario.countries
    with ResultStore.open(out, plan.definition(), plan.columns(), meta=plan.meta()) as store:
        rows = []
        for index in range(plan.total):
            if skip(index):
                continue
            run = plan.run(index)
            point = dict(run.overrides)
            row: dict[str, Any] = {"run_index": index, "point": run.point, "rep": run.rep, "seed": run.seed,
                                   "params": point, **point}
            result = outcome(point, run.rep)
            if isinstance(result, str):
                row.update(status="failed", error=result)
            else:
                formed = bool(result["formed"])
                row.update(status="ok", error=None, formed=formed, round=result.get("round", 3) if formed else None,
                           members="USA JPN" if formed else None, n_members=2 if formed else 0,
                           gdp_share=0.5 if formed else 0.0, in_force=formed,
                           **{f"utility_{c}": result.get(f"utility_{c}", 0.0) for c in countries})
            rows.append(row)
        store.add(rows)
    return out


def assert_png(path: Path, min_bytes: int = 5000) -> None:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC, path
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width >= 400 and height >= 300
    assert len(data) >= min_bytes


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# ----------------------------------------------------------------------- Wilson intervals
def test_wilson_interval_matches_hand_computation_and_scipy():
    # 1 of 5 by hand: z = 1.959964, centre (0.2 + z^2/10) / (1 + z^2/5) = 0.3293,
    # half-width z sqrt(0.2 * 0.8 / 5 + z^2/100) / (1 + z^2/5) = 0.2952
    low, high = wilson(1, 5)
    assert low == pytest.approx(0.03622, abs=1e-4) and high == pytest.approx(0.62449, abs=1e-4)
    assert wilson(0, 10)[0] == 0.0 and wilson(0, 10)[1] == pytest.approx(0.27753, abs=1e-4)
    assert wilson(10, 10)[1] == 1.0 and wilson(10, 10)[0] == pytest.approx(0.72247, abs=1e-4)
    for k, n in [(3, 7), (12, 40), (99, 100), (500, 1000)]:
        ci = binomtest(k, n).proportion_ci(0.95, method="wilson")
        assert wilson(k, n) == pytest.approx((ci.low, ci.high), abs=1e-9)
    assert all(math.isnan(v) for v in wilson(0, 0))


# ----------------------------------------------------------------------- a synthetic grid
COSTS = [0.1, 0.2, 0.3, 0.4]
PROTOCOLS = ["alternating", "nash"]


def grid_outcome(point: dict[str, Any], rep: int) -> dict[str, Any]:
    """At the i-th cost (0-based) the first i + 1 of 5 replicates form an agreement, in round 3,
    whatever the protocol; USA's utility is additive in the two settings, Japan's an interaction."""
    i = COSTS.index(point[COST])
    nash = point[PROTOCOL] == "nash"
    return {"formed": rep < i + 1, "round": 3, "utility_USA": 0.1 * i + 0.05 * nash,
            "utility_JPN": float(i >= 2 and nash)}


@pytest.fixture(scope="module")
def grid_store(tmp_path_factory) -> Path:
    plan = plan_of([f"{COST}={COSTS}", f'{PROTOCOL}=["alternating", "nash"]'], reps=5)
    return write_store(tmp_path_factory.mktemp("grid"), plan, grid_outcome)


def test_grid_curves_pool_runs_per_value_with_wilson_bounds(grid_store):
    data = load_sweep(grid_store)
    cost, protocol = data.settings
    cells = agreement_curve(data, cost)
    assert [c.label for c in cells] == ["0.1", "0.2", "0.3", "0.4"]
    assert [c.x for c in cells] == COSTS
    assert [(c.runs, c.formed) for c in cells] == [(10, 2), (10, 4), (10, 6), (10, 8)]
    assert [c.probability for c in cells] == pytest.approx([0.2, 0.4, 0.6, 0.8])
    assert cells[0].interval == pytest.approx((0.05668, 0.50984), abs=1e-4)     # 2 of 10, by hand
    for c in cells:
        ci = binomtest(c.formed, c.runs).proportion_ci(0.95, method="wilson")
        assert c.interval == pytest.approx((ci.low, ci.high))
    cells = agreement_curve(data, protocol)
    assert [(c.label, c.x, c.runs, c.formed) for c in cells] == [("alternating", None, 20, 10), ("nash", None, 20, 10)]
    rows, cols, runs, formed = agreement_grid(data, cost, protocol)
    assert rows == COSTS and cols == PROTOCOLS
    assert (runs == 5).all()
    assert formed.tolist() == [[1, 1], [2, 2], [3, 3], [4, 4]]


def test_grid_outputs_average_replicates_and_count_no_agreement_as_rounds_plus_one(grid_store):
    data = load_sweep(grid_store)
    assert data.rounds == ROUNDS
    indices, outputs = point_outputs(data)
    assert indices == list(range(8))                      # grid order: cost slowest, protocol fastest
    assert outputs["agreement_probability"].tolist() == pytest.approx([0.2, 0.2, 0.4, 0.4, 0.6, 0.6, 0.8, 0.8])
    # k of 5 formed in round 3, the rest count as round 13
    assert outputs["conclusion_round"][0] == pytest.approx((1 * 3 + 4 * 13) / 5)
    assert outputs["conclusion_round"][7] == pytest.approx((4 * 3 + 1 * 13) / 5)


@pytest.mark.parametrize("vary, fixed, expected", [
    (["rounds=[11, 12]"], [], [(4 + 12) / 2, (4 + 13) / 2]),          # each point's own number of rounds
    ([f"{COST}=[0.1, 0.2]"], [("rounds", 11)], [(4 + 12) / 2] * 2),  # fixed with --set
])
def test_round_of_conclusion_uses_the_games_number_of_rounds(vary, fixed, expected, tmp_path):
    plan = plan_of(vary, fixed=fixed, reps=2)
    write_store(tmp_path, plan, lambda point, rep: {"formed": rep == 0, "round": 4})
    _, outputs = point_outputs(load_sweep(tmp_path))
    assert outputs["conclusion_round"].tolist() == pytest.approx(expected)


def test_grid_indices_are_the_exact_variance_shares(grid_store):
    result = sensitivity(load_sweep(grid_store))
    assert result.method == "grid"
    index = {(r.output, r.setting): r for r in result.rows}
    agreement = index["agreement_probability", COST], index["agreement_probability", PROTOCOL]
    assert (agreement[0].S1, agreement[0].ST) == pytest.approx((1.0, 1.0))
    assert (agreement[1].S1, agreement[1].ST) == pytest.approx((0.0, 0.0), abs=1e-12)
    # USA: additive, Var over the cost values 0.0125 and over the protocol 0.000625
    usa = index["utility_USA", COST]
    assert (usa.S1, usa.ST) == pytest.approx((0.0125 / 0.013125, 0.0125 / 0.013125))
    # Japan: 1 only where cost >= 0.3 and the protocol is nash: S1 = 1/3 and ST = 2/3 for each
    for setting in (COST, PROTOCOL):
        jpn = index["utility_JPN", setting]
        assert (jpn.S1, jpn.ST) == pytest.approx((1 / 3, 2 / 3))
        assert (jpn.S1_conf, jpn.ST_conf) == pytest.approx((0.0, 0.0), abs=1e-12)   # no replicate noise
    assert ("utility_CAN", COST) not in index                              # the same everywhere
    assert any("the same at every point" in note and "utility of CAN" in note for note in result.notes)
    assert any("13 (the number of rounds, 12, + 1)" in note for note in result.notes)


def test_grid_report_writes_plots_tables_and_summary(grid_store, tmp_path, capsys):
    out = tmp_path / "elsewhere"
    assert main(["sweep-report", str(grid_store), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    names = sorted(p.name for p in out.iterdir())
    figures = ["agreement_bargaining_cost_scale", "agreement_bargaining_protocol", "discovery_trajectory",
               "discovery_box", "heatmap_bargaining_cost_scale__bargaining_protocol"]
    assert names == sorted(["agreement.csv", "discovery.csv", "discovery_trajectory.csv", "sensitivity.csv",
                            "summary.txt", *(f"{f}.{x}" for f in figures for x in ("png", "pdf"))])
    for png in out.glob("*.png"):
        assert_png(png)
    assert "runs read: 40 of 40 (40 finished, 0 failed)" in printed
    assert "failed runs: none" in printed
    assert "probability of agreement overall: 50.0% (20 of 40 finished runs" in printed
    assert "exact first-order (S1) and total (ST) variance shares over the full grid" in printed
    assert "counts as 13 (the number of rounds, 12, + 1)" in printed
    # runs' variance of agreement: cost means 0.2 .. 0.8 over 10 runs each, SS 2 of 10; against the seeds' SS 8
    # within the 8 points (32 df): F(3, 32) = (2 / 3) / (8 / 32) = 2.67, p = 0.064
    assert (f"{COST}: explains 20.0% of the variance of the probability of agreement (p = 0.06): not distinguishable "
            "from seed noise" in printed)
    assert (f"{PROTOCOL}: explains 0.0% of the variance of the probability of agreement (p = 1.00): not "
            "distinguishable from seed noise" in printed)
    assert ("all settings together: explain 20.0% of the variance of the probability of agreement, the seeds 80.0% "
            "(p = 0.36): not distinguishable from seed noise" in printed)         # F(7, 32) = 8/7
    for png in out.glob("*.png"):
        assert str(png) in printed
    assert (out / "summary.txt").read_text(encoding="utf-8").strip() == printed.strip()
    curve = read_csv(out / "agreement.csv")
    assert [(r["setting"], r["value"], r["runs"], r["formed"]) for r in curve][:4] == [
        (COST, "0.1", "10", "2"), (COST, "0.2", "10", "4"), (COST, "0.3", "10", "6"), (COST, "0.4", "10", "8")]
    assert float(curve[0]["wilson_low"]) == pytest.approx(0.05668, abs=1e-4)
    table = read_csv(out / "sensitivity.csv")
    assert list(table[0]) == ["output", "setting", "method", "S1", "S1_conf", "ST", "ST_conf", "all_settings_share",
                              "seeds_share", "all_settings_p", "setting_share", "setting_p"]
    first = table[0]
    assert (first["output"], first["setting"], first["method"]) == ("agreement_probability", COST,
                                                                     "grid variance shares")
    assert float(first["S1"]) == pytest.approx(1.0) and 0 < float(first["S1_conf"]) < 1   # replicates resampled
    assert not (grid_store / "report").exists()          # --out given: nothing in the default place


# ----------------------------------------------------------------------- sampled designs
def test_latin_hypercube_bins_by_quantiles_and_uses_rbd_fast(tmp_path):
    """A Latin hypercube of 100 points puts exactly one point in each hundredth of uniform(0, 1), so
    ten quantile bins hold the tenths: with agreement where the cost is above 0.5 the bins read
    0, 0, 0, 0, 0, 1, 1, 1, 1, 1."""
    plan = plan_of([f"{COST}=uniform(0, 1)", f"{ENDGAME}=uniform(0, 1)"], design="lhs", samples=100, reps=2)
    write_store(tmp_path, plan, lambda p, rep: {"formed": p[COST] > 0.5, "utility_USA": p[COST] + 0.0 * p[ENDGAME]})
    data = load_sweep(tmp_path)
    cells = agreement_curve(data, data.settings[0])
    assert len(cells) == 10
    assert [c.runs for c in cells] == [20] * 10
    assert [c.probability for c in cells] == [0.0] * 5 + [1.0] * 5
    for k, c in enumerate(cells):
        assert k / 10 <= c.low_value <= c.high_value < (k + 1) / 10
        assert c.interval == pytest.approx(wilson(20 * (k >= 5), 20))
    result = sensitivity(data)
    assert result.method == "rbd_fast"
    index = {(r.output, r.setting): r for r in result.rows}
    for output in ("agreement_probability", "utility_USA"):
        assert index[output, COST].S1 > 0.7
        assert abs(index[output, ENDGAME].S1) < 0.25
        assert math.isnan(index[output, COST].ST)
    assert index["utility_USA", COST].S1 == pytest.approx(1.0, abs=0.1)


def test_design_effect_by_hand():
    """Two clusters of two runs, one all agreements and one none: the share 0.5 varies between clusters
    as 2 / 1 * ((2 - 1)^2 + (0 - 1)^2) / 4^2 = 0.25 against the binomial 0.5 * 0.5 / 4 = 0.0625: a design
    effect of 4. Runs that differ only within their clusters, or one run a cluster, are independent: 1."""
    assert design_effect([2, 0], [2, 2]) == pytest.approx(4.0)
    assert design_effect([1, 1], [2, 2]) == 1.0
    assert design_effect([1, 0, 1], [1, 1, 1]) == 1.0
    assert design_effect([0, 0], [3, 3]) == 1.0
    # the same share on half the runs: the interval of 2 of 4 runs at a design effect of 2 is that of 1 of 2
    assert wilson(2, 4, design_effect=2.0) == pytest.approx(wilson(1, 2))
    assert wilson(2, 4, design_effect=0.5) == wilson(2, 4)          # never narrower than independent runs


def test_sampled_bins_count_each_points_replicates_as_one_cluster(tmp_path, capsys):
    """A Latin hypercube of 100 points, 4 replicates each, whose runs agree exactly at the points whose cost
    rounds to an even thousandth: within a bin of 10 points the replicates of a point are all alike, so
    the design effect is n r / (n - 1) = 40 / 9 and the interval is Wilson's on 9 effective runs."""
    plan = plan_of([f"{COST}=uniform(0, 1)", f"{ENDGAME}=uniform(0, 1)"], design="lhs", samples=100, reps=4)

    def alike(point: dict[str, Any], rep: int) -> dict[str, Any]:
        return {"formed": round(point[COST] * 1000) % 2 == 0}

    write_store(tmp_path, plan, alike)
    data = load_sweep(tmp_path)
    cells = agreement_curve(data, data.settings[0])
    assert [c.runs for c in cells] == [40] * 10
    for c in cells:
        points = round(c.formed / 4)            # points that agreed, each with all 4 runs
        share = points / 10
        expected = 1.0 if share in (0.0, 1.0) else 40 / 9
        assert c.design_effect == pytest.approx(expected)
        assert c.interval == pytest.approx(wilson(c.formed, 40, design_effect=expected))
        if 0 < share < 1:
            assert c.interval[1] - c.interval[0] > 1.5 * (wilson(c.formed, 40)[1] - wilson(c.formed, 40)[0])
    assert main(["sweep-report", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "the replicates of each point counted as one cluster (design effect" in printed
    rows = read_csv(tmp_path / "report" / "agreement.csv")
    assert [float(r["design_effect"]) for r in rows[:10]] == pytest.approx([c.design_effect for c in cells], rel=1e-5)


@pytest.fixture(scope="module")
def sobol_plan() -> SweepPlan:
    return plan_of([f"{COST}=uniform(0, 1)", f"{ENDGAME}=uniform(0, 1)"], design="sobol", samples=128)


def linear_in_cost(point: dict[str, Any], rep: int) -> dict[str, Any]:
    """y = x1 + 0 * x2 (x1 the cost, x2 the endgame share); agreement where x1 > 0.5."""
    return {"formed": point[COST] > 0.5, "round": 2, "utility_USA": point[COST] + 0.0 * point[ENDGAME]}


def test_sobol_ranks_the_only_setting_that_matters_first(sobol_plan, tmp_path, capsys):
    write_store(tmp_path, sobol_plan, linear_in_cost)
    result = sensitivity(load_sweep(tmp_path))
    assert result.method == "sobol"
    index = {(r.output, r.setting): r for r in result.rows}
    for output in ("utility_USA", "agreement_probability", "conclusion_round"):
        x1, x2 = index[output, COST], index[output, ENDGAME]
        assert x1.S1 == pytest.approx(1.0, abs=0.1) and x1.ST == pytest.approx(1.0, abs=0.1)
        assert abs(x2.S1) < 0.05 and abs(x2.ST) < 0.05
        assert x1.S1 > x2.S1
        assert 0 < x1.S1_conf < 0.5 and not math.isnan(x1.ST_conf)
    assert main(["sweep-report", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "Sobol indices S1 and ST from the Saltelli sample (SALib sobol.analyze)" in printed
    table = read_csv(tmp_path / "report" / "sensitivity.csv")
    ranked = sorted((r for r in table if r["output"] == "utility_USA"), key=lambda r: -float(r["S1"]))
    assert [r["setting"] for r in ranked] == [COST, ENDGAME]
    assert {r["method"] for r in table} == {"sobol (SALib)"}
    assert sorted(p.name for p in (tmp_path / "report").glob("*.png")) == [      # no heatmap
        "agreement_bargaining_cost_scale.png", "agreement_bargaining_endgame_share.png", "discovery_box.png",
        "discovery_trajectory.png",
        "sobol_agreement_probability.png", "sobol_conclusion_round.png"]


def test_a_partly_finished_sobol_sweep_falls_back_to_rbd_fast(sobol_plan, tmp_path):
    write_store(tmp_path, sobol_plan, linear_in_cost, skip=lambda index: index >= 500)
    data = load_sweep(tmp_path)
    assert (data.stored, data.planned_runs) == (500, 768)
    result = sensitivity(data)
    assert result.method == "rbd_fast"
    assert any("268 of the 768 points of the sobol design have no finished run (268 not run yet)" in note
               and "RBD-FAST" in note and "resumes it" in note for note in result.notes)
    top = max((r for r in result.rows if r.output == "utility_USA"), key=lambda r: r.S1)
    assert top.setting == COST


# ----------------------------------------------------------------------- Morris screening
@pytest.fixture(scope="module")
def morris_plan() -> SweepPlan:
    """20 trajectories of 3 settings (80 points): the cost and endgame share over [0, 1], the protocol."""
    return plan_of([f"{COST}=uniform(0, 1)", f"{ENDGAME}=uniform(0, 1)", f'{PROTOCOL}=choice("alternating", "nash")'],
                   design="morris", samples=20)


def screened(point: dict[str, Any], rep: int) -> dict[str, Any]:
    """USA's utility is the cost x1, Japan's x1 * x2 (an interaction); agreement (in round 2) where
    x1 > 0.5; nothing depends on the protocol."""
    return {"formed": point[COST] > 0.5, "round": 2, "utility_USA": point[COST],
            "utility_JPN": point[COST] * point[ENDGAME]}


def test_morris_screens_out_settings_without_effect(morris_plan, tmp_path):
    """Each step moves one setting by 2/3 of [0, 1] and an elementary effect is the change divided by 2/3:
    for y = x1 every effect of x1 is 1 and every effect of the others 0; agreement flips at each step of
    x1 (levels 0 and 1/3 against 2/3 and 1), an effect of 1 / (2/3) = 1.5, and the round falls from 13 to 2,
    -11 / (2/3) = -16.5. For x1 * x2 the effect of x1 is x2 there, so it varies: sigma > 0."""
    write_store(tmp_path, morris_plan, screened)
    result = sensitivity(load_sweep(tmp_path))
    assert result.method == "morris" and result.points == 80
    index = {(r.output, r.setting): r for r in result.rows}
    expected = {"utility_USA": 1.0, "agreement_probability": 1.5, "conclusion_round": -16.5}
    for output, effect in expected.items():
        cost = index[output, COST]
        assert (cost.mu_star, cost.mu, cost.sigma) == pytest.approx((abs(effect), effect, 0.0), abs=1e-9)
        assert cost.mu_star_conf == pytest.approx(0.0, abs=1e-9)
        for other in (ENDGAME, PROTOCOL):
            assert (index[output, other].mu_star, index[output, other].sigma) == pytest.approx((0.0, 0.0), abs=1e-9)
    jpn_cost, jpn_endgame = index["utility_JPN", COST], index["utility_JPN", ENDGAME]
    assert jpn_cost.sigma > 0.1 and jpn_endgame.sigma > 0.1
    assert 0.2 < jpn_cost.mu_star < 0.8 and 0 < jpn_cost.mu_star_conf < jpn_cost.mu_star
    assert index["utility_JPN", PROTOCOL].mu_star == pytest.approx(0.0, abs=1e-9)
    assert ("utility_CAN", COST) not in index
    assert any("moves 2/3 of its range" in note for note in result.notes)
    assert not any("only 20 trajectories" in note for note in result.notes)


def test_morris_report_has_mu_star_sigma_and_mu_columns(morris_plan, tmp_path, capsys):
    write_store(tmp_path, morris_plan, screened)
    assert main(["sweep-report", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "morris design, 80 points x 1 rep" in printed
    assert "Morris elementary effects (SALib morris.analyze): mu*, the mean absolute effect" in printed
    header = next(line for line in printed.splitlines() if line.strip().startswith("output"))
    assert header.split() == ["output", "setting", "mu*", "sigma", "mu"]
    usa_line = next(line for line in printed.splitlines() if line.strip().startswith("utility of USA"))
    assert usa_line.split()[3:6] == [COST, "1", "±"]                      # mu* 1 ± 0, then sigma and mu
    table = read_csv(tmp_path / "report" / "sensitivity.csv")
    assert list(table[0]) == ["output", "setting", "method", "mu_star", "mu_star_conf", "sigma", "mu",
                              "all_settings_share", "seeds_share", "all_settings_p", "setting_share", "setting_p"]
    assert {r["method"] for r in table} == {"morris (SALib)"}
    usa = {r["setting"]: r for r in table if r["output"] == "utility_USA"}
    assert float(usa[COST]["mu_star"]) == pytest.approx(1.0) and float(usa[ENDGAME]["mu_star"]) == 0.0
    ranked = sorted(usa.values(), key=lambda r: -float(r["mu_star"]))
    assert ranked[0]["setting"] == COST
    # points are sampled, not a grid: a curve per setting, the four levels of each as its values; no heatmap
    names = sorted(p.name for p in (tmp_path / "report").glob("*.png"))
    assert names == ["agreement_bargaining_cost_scale.png", "agreement_bargaining_endgame_share.png",
                     "agreement_bargaining_protocol.png", "discovery_box.png", "discovery_trajectory.png",
                     "morris_agreement_probability.png",
                     "morris_conclusion_round.png"]
    curve = [r for r in read_csv(tmp_path / "report" / "agreement.csv") if r["setting"] == COST]
    assert [(r["value"], r["bin_low"], float(r["probability"])) for r in curve] == [
        ("0", "", 0.0), ("0.333333", "", 0.0), ("0.666667", "", 1.0), ("1", "", 1.0)]
    assert sum(int(r["runs"]) for r in curve) == 80


def test_a_partly_finished_morris_sweep_uses_its_complete_trajectories(morris_plan, tmp_path):
    """Points 10 and 41 missing: trajectories 2 and 10 (of 4 points each) are left out, 18 of 20 remain."""
    write_store(tmp_path, morris_plan, screened, skip=lambda index: index in (10, 41))
    result = sensitivity(load_sweep(tmp_path))
    assert result.method == "morris" and result.points == 18 * 4
    assert any("2 of the 80 points of the morris design have no finished run (2 not run yet)" in note
               and "only those with a finished run at every point count (18 of the 20)" in note
               and "resumes it" in note for note in result.notes)
    usa = {r.setting: r for r in result.rows if r.output == "utility_USA"}
    assert usa[COST].mu_star == pytest.approx(1.0) and usa[ENDGAME].mu_star == pytest.approx(0.0, abs=1e-12)


def test_a_morris_sweep_with_one_complete_trajectory_gives_no_indices(tmp_path):
    plan = plan_of([f"{COST}=uniform(0, 1)"], design="morris", samples=3)
    write_store(tmp_path, plan, lambda p, rep: {"formed": p[COST] > 0.5, "utility_USA": p[COST]},
                skip=lambda index: index in (1, 4))                        # trajectories: 0-1, 2-3, 4-5
    result = sensitivity(load_sweep(tmp_path))
    assert result.method == "none" and result.rows == []
    assert any("needs at least 2 complete trajectories, found 1: no indices" in note for note in result.notes)


# ----------------------------------------------------------------------- failures, partial grids, bad input
def test_failed_and_missing_runs_are_counted_and_explained(tmp_path, capsys):
    plan = plan_of([f"{COST}={COSTS}"], reps=3)

    def outcome(point: dict[str, Any], rep: int) -> dict[str, Any] | str:
        if point[COST] == 0.4:
            return "ValueError: no offer left" if rep < 2 else "ZeroDivisionError: division by zero"
        return {"formed": point[COST] < 0.25}

    write_store(tmp_path, plan, outcome, skip=lambda index: index == 0)
    assert main(["sweep-report", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "runs read: 11 of 12 (8 finished, 3 failed; the sweep is not finished)" in printed
    assert "failed runs: 3; most common errors:\n  2 runs: ValueError: no offer left\n" \
           "  1 run: ZeroDivisionError: division by zero" in printed
    assert "probability of agreement overall: 62.5% (5 of 8 finished runs" in printed
    assert "1 of the 4 points of the grid design has no finished run (1 with every run failed): no indices" in printed
    cells = agreement_curve(load_sweep(tmp_path), load_sweep(tmp_path).settings[0])
    assert [(c.label, c.runs, c.formed) for c in cells] == [("0.1", 2, 2), ("0.2", 3, 3), ("0.3", 3, 0)]
    assert_png(tmp_path / "report" / "agreement_bargaining_cost_scale.png")


@pytest.mark.parametrize("case, message", [
    ("missing", "no such folder"),
    ("empty", "no sweep store (sweep.sqlite) in this folder"),
    ("file", "found a file"),
    ("junk", "not a readable sweep store"),
    ("no runs", "no finished run (no run stored yet)"),
    ("all failed", "no finished run (2 runs stored, all failed)"),
])
def test_bad_input_is_one_line_and_exit_2(case, message, tmp_path, capsys):
    folder = tmp_path / "sweep"
    if case == "empty":
        folder.mkdir()
    elif case == "file":
        folder.write_text("not a folder")
    elif case == "junk":
        folder.mkdir()
        (folder / "sweep.sqlite").write_text("not a database")
    elif case in ("no runs", "all failed"):
        plan = plan_of([f"{COST}=[0.1, 0.2]"])
        write_store(folder, plan, lambda p, rep: "RuntimeError: boom", skip=lambda i: case == "no runs")
    assert main(["sweep-report", str(folder)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and message in captured.err and captured.err.startswith("error: ")
    with pytest.raises(ReportError):
        make_report(folder)


def test_an_out_folder_that_is_a_file_is_refused(grid_store, tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("")
    assert main(["sweep-report", str(grid_store), "--out", str(target)]) == 2
    assert "expected a folder, found a file" in capsys.readouterr().err


# ----------------------------------------------------------------------- real sweeps of the Tokyo scenario
def run_quietly(args: list[str], capsys) -> str:
    assert main(args) == 0
    return capsys.readouterr().out


def test_report_of_a_real_grid_sweep(tmp_path, capsys):
    """6 x 2 points x 2 replicates = 24 games of the judged-indices model (where the cost scale is its
    payoff's): agreement gets less likely as the political cost rises."""
    out = tmp_path / "sweep"
    run_quietly(["sweep", "judged_indices", "--vary", f"{COST}=0.05:0.3:6", "--vary", f"{ENDGAME}=[0, 1]",
                 "--reps", "2", "--seed", "3", "--workers", "1", "--out", str(out)], capsys)
    printed = run_quietly(["sweep-report", str(out)], capsys)
    runs = read_runs(out)
    formed = sum(r["formed"] for r in runs)
    assert "runs read: 24 of 24 (24 finished, 0 failed)" in printed
    assert f"({formed} of 24 finished runs" in printed
    report = out / "report"
    for name in ("agreement_bargaining_cost_scale.png", "agreement_bargaining_endgame_share.png",
                 "heatmap_bargaining_cost_scale__bargaining_endgame_share.png"):
        assert_png(report / name)
    curve = [r for r in read_csv(report / "agreement.csv") if r["setting"] == COST]
    by_value = {v: [r["formed"] for r in runs if r[COST] == v] for v in sorted({r[COST] for r in runs})}
    assert [float(r["probability"]) for r in curve] == pytest.approx([sum(f) / len(f) for f in by_value.values()])
    assert float(curve[0]["probability"]) > float(curve[-1]["probability"])
    table = read_csv(report / "sensitivity.csv")
    assert {r["output"] for r in table} >= {"agreement_probability", "conclusion_round", "utility_USA"}


def test_report_of_a_real_sobol_sweep(tmp_path, capsys):
    """8 base samples of 2 settings: 48 games in Saltelli order, read back by point index."""
    out = tmp_path / "sweep"
    run_quietly(["sweep", "judged_indices", "--design", "sobol", "--samples", "8", "--vary",
                 f"{COST}=uniform(0.05, 0.3)", "--vary", f"{ENDGAME}=uniform(0, 0.2)", "--seed", "3",
                 "--workers", "1", "--out", str(out)], capsys)
    report = make_report(out)
    assert report.sensitivity.method == "sobol"
    assert report.sensitivity.points == 48
    assert any("only 8 base samples" in note for note in report.sensitivity.notes)
    agreement = [r for r in report.sensitivity.rows if r.output == "agreement_probability"]
    assert [r.setting for r in agreement] == [COST, ENDGAME]
    assert all(np.isfinite([r.S1, r.ST, r.S1_conf, r.ST_conf]).all() for r in agreement)
    cells = report.curves[COST]
    assert 5 <= len(cells) <= 10 and sum(c.runs for c in cells) == 48
    assert all(c.low_value <= c.x <= c.high_value for c in cells)
    for png in (out / "report").glob("*.png"):
        assert_png(png)


def test_a_real_morris_sweep_through_run_py(tmp_path):
    """4 trajectories of 2 settings: 12 games played by ``run.py sweep``, then ``run.py sweep-report``."""
    out = tmp_path / "sweep"

    def run_py(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(ROOT / "run.py"), *args], cwd=ROOT, capture_output=True,
                              text=True, stdin=subprocess.DEVNULL, timeout=300)

    swept = run_py("sweep", "judged_indices", "--design", "morris", "--samples", "4", "--vary",
                   f"{COST}=uniform(0.05, 0.3)", "--vary", f"{ENDGAME}=uniform(0, 1)", "--seed", "3",
                   "--workers", "1", "--out", str(out))
    assert swept.returncode == 0, swept.stderr
    assert "12 points (morris) x 1 rep = 12 runs" in swept.stdout
    reported = run_py("sweep-report", str(out))
    assert reported.returncode == 0, reported.stderr
    assert "sensitivity: Morris elementary effects" in reported.stdout
    table = read_csv(out / "report" / "sensitivity.csv")
    assert list(table[0])[:7] == ["output", "setting", "method", "mu_star", "mu_star_conf", "sigma", "mu"]
    assert {r["output"] for r in table} >= {"conclusion_round", "utility_USA"}
    assert {r["setting"] for r in table} == {COST, ENDGAME}
    numbers = np.array([[float(r[k]) for k in ("mu_star", "mu_star_conf", "sigma", "mu")] for r in table])
    assert np.isfinite(numbers).all() and (numbers[:, :3] >= 0).all()
    assert (numbers[:, 0] >= np.abs(numbers[:, 3]) - 1e-12).all()          # mu* >= |mu|
    for png in (out / "report").glob("*.png"):
        assert_png(png)
