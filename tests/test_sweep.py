"""Parameter sweeps: specs, designs, seeds, the result store, engines, resuming after kill -9, exports."""

from __future__ import annotations

import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tppgame.experiments import sweep, sweep_runs
from tppgame.cli import main
from tppgame.experiments.headlines import play
from tppgame.experiments.store import DB_NAME, Column, ResultStore, StoreError, kind_of, read_runs, table_columns
from tppgame.experiments.sweep import (Distribution, PlainProgress, SweepError, SweepSpec, Values, build_plan, linspace_values,
                           make_design, make_spec, parse_spec, parse_vary, run_seed, run_sweep)

ROOT = Path(__file__).resolve().parents[1]
RICE = "countries.JPN.sensitivity.rice"
# A small sweep of the 12-round Tokyo scenario: 2 x 2 points x 3 replicates = 12 runs.
SMALL = ["tokyo_2014", "--vary", f"{RICE}=[1.0, 2.5]", "--vary", 'bargaining.protocol=["alternating", "nash"]',
         "--reps", "3", "--seed", "11"]


def small_plan() -> sweep.SweepPlan:
    return build_plan(make_spec("tokyo_2014", [f"{RICE}=[1.0, 2.5]", 'bargaining.protocol=["alternating", "nash"]'],
                                reps=3, seed=11))


def quiet() -> PlainProgress:
    return PlainProgress(1, stream=io.StringIO())


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *args], cwd=ROOT, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=300)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> list[dict]:
    """The small sweep run in this process with one worker: the table every other way must give."""
    out = tmp_path_factory.mktemp("reference")
    report = run_sweep(small_plan(), out, workers=1, progress=quiet())
    assert (report.ok, report.failed, report.ran) == (12, 0, 12)
    return read_runs(out)


# ----------------------------------------------------------------------- specs
def test_lists_ranges_and_distributions_parse():
    assert parse_vary(f"{RICE}=[0.5, 1, 2]") == Values(RICE, (0.5, 1, 2))
    assert parse_vary('bargaining.protocol=["nash", "alternating"]').values == ("nash", "alternating")
    assert parse_vary(f"{RICE}=0:2:5").values == (0.0, 0.5, 1.0, 1.5, 2.0)
    assert parse_vary("bargaining.talks_per_round=1:4:4").values == (1, 2, 3, 4)        # whole steps stay whole
    assert parse_vary("bargaining.spillover=0:1:11").values[3] == 0.3                  # no 0.30000000000000004
    assert parse_vary(f"{RICE}=2:5:1").values == (2,)
    assert parse_vary(f"{RICE}=uniform(1, 3)") == Distribution(RICE, "uniform", (1.0, 3.0))
    assert parse_vary(f"{RICE}=normal(2, 0.5)") == Distribution(RICE, "normal", (2.0, 0.5))
    assert parse_vary('bargaining.protocol=choice("nash", "rubinstein")').args == ("nash", "rubinstein")
    assert parse_vary("bargaining.protocol=choice(nash, rubinstein)").args == ("nash", "rubinstein")
    assert parse_spec(RICE, [1, 2], "file: vary.x") == Values(RICE, (1, 2))
    assert linspace_values(1, 2, 3) == (1.0, 1.5, 2.0)


@pytest.mark.parametrize("text, message", [
    ("countries.JPN.sensitivity.rice", "expected PATH=SPEC"),
    (f"{RICE}=[]", "at least one value"),
    (f"{RICE}=1:2:0", "is empty"),
    (f"{RICE}=1:2:-3", "is empty"),
    (f"{RICE}=1:2", "expected a list"),
    (f"{RICE}=a:2:3", "numbers for start and stop"),
    (f"{RICE}=1:2:2.5", "whole number of values"),
    (f"{RICE}=2.5", "expected a list"),
    (f"{RICE}=uniform(3, 1)", "a < b"),
    (f"{RICE}=uniform(1)", "two numbers"),
    (f"{RICE}=normal(1, 0)", "sd > 0"),
    (f"{RICE}=beta(1, 2)", "expected a distribution"),
    (f"{RICE}=choice()", "at least one value"),
])
def test_bad_specs_are_one_line(text, message):
    with pytest.raises(SweepError) as err:
        parse_vary(text)
    assert message in str(err.value) and "\n" not in str(err.value)


# ----------------------------------------------------------------------- designs and seeds
def test_grid_is_every_combination_last_setting_fastest():
    design = make_design([Values("a", (1, 2)), Values("b", ("x", "y", "z"))], None, None, np.random.SeedSequence(0))
    assert design.kind == "grid" and len(design) == 6
    assert [design.point(k) for k in (0, 1, 3, 5)] == [{"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 2, "b": "x"},
                                                       {"a": 2, "b": "z"}]
    assert len(make_design([], None, None, np.random.SeedSequence(0))) == 1


def test_sampled_designs_map_the_unit_cube_through_each_distribution():
    vary = [Distribution("u", "uniform", (1.0, 3.0)), Distribution("n", "normal", (0.0, 1.0)),
            Distribution("c", "choice", ("p", "q")), Values("v", (10, 20, 30))]
    lhs = make_design(vary, "lhs", 40, np.random.SeedSequence(3))
    points = [lhs.point(k) for k in range(len(lhs))]
    assert len(points) == 40
    assert all(1 <= p["u"] < 3 and p["c"] in ("p", "q") and p["v"] in (10, 20, 30) for p in points)
    # a Latin hypercube puts exactly one point in each of the 40 strata of every setting
    assert sorted(int((p["u"] - 1) / 2 * 40) for p in points) == list(range(40))
    assert abs(np.mean([p["n"] for p in points])) < 0.2
    again = make_design(vary, "lhs", 40, np.random.SeedSequence(3))
    assert [again.point(k) for k in range(40)] == points
    pytest.importorskip("SALib")
    sobol = make_design(vary, "sobol", 8, np.random.SeedSequence(3))
    assert len(sobol) == 8 * (2 * 4 + 2)          # Saltelli: N (2D + 2)


@pytest.mark.parametrize("vary, kind, samples, message", [
    ([Distribution("u", "uniform", (0.0, 1.0))], None, None, "needs a sampled design"),
    ([Distribution("u", "uniform", (0.0, 1.0))], "grid", None, "a grid needs listed values"),
    ([Values("a", (1,))], "grid", 8, "only for --design lhs, sobol or morris"),
    ([Values("a", (1,))], "lhs", None, "expected --samples N"),
    ([], "lhs", 8, "at least one --vary"),
    ([Values("a", (1,))], "sobol", 12, "power of 2"),
    ([], "morris", 4, "at least one --vary"),
    ([Values("a", (1,))], "morris", None, "expected --samples N"),
    ([Values("a", (1,))], "morris", 1, r"--samples 1: expected a whole number of at least 2 \(Morris trajectories"),
    ([Values("a", (1,))], "morris", 0, "--samples 0: expected a whole number of at least 2"),
    ([Values("a", (1,)), Distribution("n", "normal", (0.0, 1.0))], "morris", 4,
     "--vary n: a Morris design moves each setting between the ends of its range, and normal"),
])
def test_bad_designs_are_refused(vary, kind, samples, message):
    with pytest.raises(SweepError, match=message):
        make_design(vary, kind, samples, np.random.SeedSequence(0))


MORRIS_VARY = [Distribution("u", "uniform", (1.0, 3.0)), Distribution("c", "choice", ("p", "q")),
               Values("v", (10, 20, 30, 40))]


def test_a_morris_design_is_trajectories_moving_one_setting_a_step():
    """N trajectories of D + 1 points on the grid 0, 1/3, 2/3, 1: each step moves exactly one setting by
    2/3 (two levels), and every setting moves once in each trajectory."""
    pytest.importorskip("SALib")
    design = make_design(MORRIS_VARY, "morris", 6, np.random.SeedSequence(3))
    assert design.kind == "morris" and len(design) == 6 * (3 + 1)
    unit = design.unit
    assert set(np.unique(unit)) == {0.0, 1 / 3, 2 / 3, 1.0}
    for trajectory in unit.reshape(6, 4, 3):
        steps = np.diff(trajectory, axis=0)
        moved = np.abs(steps) > 1e-12
        assert (moved.sum(axis=1) == 1).all()                     # one setting per step
        assert sorted(np.flatnonzero(moved.any(axis=0))) == [0, 1, 2]   # each setting once
        assert np.allclose(np.abs(steps[moved]), 2 / 3)
    again = make_design(MORRIS_VARY, "morris", 6, np.random.SeedSequence(3))
    assert [again.point(k) for k in range(24)] == [design.point(k) for k in range(24)]
    other = make_design(MORRIS_VARY, "morris", 6, np.random.SeedSequence(4))
    assert not np.array_equal(other.unit, unit)


def test_morris_levels_map_to_the_ends_of_each_setting():
    """The levels 0 and 1 are the ends of a uniform range and the first and last option; 2 options
    take two levels each, 4 options one each."""
    pytest.importorskip("SALib")
    design = make_design(MORRIS_VARY, "morris", 10, np.random.SeedSequence(8))
    by_level: dict[tuple[int, float], set] = {}
    for k, row in enumerate(design.unit):
        point = design.point(k)
        for position, (vary, u) in enumerate(zip(MORRIS_VARY, row)):
            by_level.setdefault((position, u), set()).add(point[vary.path])
    assert by_level[0, 0.0] == {1.0} and by_level[0, 1.0] == {3.0}
    assert by_level[1, 0.0] == by_level[1, 1 / 3] == {"p"} and by_level[1, 2 / 3] == by_level[1, 1.0] == {"q"}
    assert [by_level[2, u] for u in (0.0, 1 / 3, 2 / 3, 1.0)] == [{10}, {20}, {30}, {40}]


def test_a_morris_sweep_stores_its_trajectories_for_the_report(tmp_path):
    pytest.importorskip("SALib")
    file = tmp_path / "morris.toml"
    file.write_text(f"""
scenario = "tokyo_2014"
design = "morris"
samples = 3
seed = 5
[vary]
{RICE} = "uniform(1, 3)"
"bargaining.protocol" = 'choice("alternating", "nash")'
""")
    plan = build_plan(make_spec(str(file)))
    same = build_plan(make_spec("tokyo_2014", [f"{RICE}=uniform(1, 3)", 'bargaining.protocol=choice("alternating", '
                                               '"nash")'], design="morris", samples=3, seed=5))
    assert plan.definition() == same.definition() and plan.definition()["points"] == 9
    stored = plan.meta()["morris"]
    assert stored["num_levels"] == 4
    assert np.array_equal(np.array(stored["levels"]) / 3, plan.design.unit)
    assert json.loads(json.dumps(plan.meta())) == plan.meta()
    assert "morris" not in small_plan().meta()


def test_run_seeds_come_from_one_seed_sequence():
    children = np.random.SeedSequence(42).spawn(2)[1].spawn(5)
    assert [run_seed(42, k) for k in range(5)] == [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1))
                                                   for c in children]
    seeds = {run_seed(42, k) for k in range(1000)}
    assert len(seeds) == 1000 and all(0 <= s < 2**63 for s in seeds)
    assert run_seed(43, 0) != run_seed(42, 0)


def test_plan_keys_runs_by_point_and_replicate():
    plan = small_plan()
    assert plan.total == 12
    run = plan.run(7)
    assert (run.point, run.rep, run.seed) == (2, 1, run_seed(11, 7))
    assert dict(run.overrides) == {RICE: 2.5, "bargaining.protocol": "alternating"}


# ----------------------------------------------------------------------- checking every point up front
@pytest.mark.parametrize("vary, message", [
    ("countries.JPN.sensitivity.ricee=[1]", "countries.JPN.sensitivity.ricee: expected a known setting"),
    (f"{RICE}=[1, 20]", f"{RICE}: expected a number from 0 to 10, got 20"),
    (f'{RICE}=["high"]', "expected a number"),
    ("bargaining.talks_per_round=1:4:3", "the range 1:4:3 gives 1.0, 2.5, 4.0"),
    ("countries.JPN.sensitivity=[1]", "not a whole table"),
    ("seed=[1, 2]", "every run's seed comes from the sweep seed"),
])
def test_every_point_is_checked_before_any_run(vary, message):
    with pytest.raises(SweepError) as err:
        build_plan(make_spec("tokyo_2014", [vary]))
    assert message in str(err.value) and "\n" not in str(err.value)


def test_a_sampled_point_out_of_range_names_the_point():
    with pytest.raises(SweepError, match=r"expected a number from 0 to 10, got -.*\(at sweep point \d+: "):
        build_plan(make_spec("tokyo_2014", [f"{RICE}=normal(1, 2)"], design="lhs", samples=30))


@pytest.mark.parametrize("args, message", [
    (["--vary", f"{RICE}=1:2:0"], "is empty"),
    (["--vary", "countries.JPN.nope=[1]"], "countries.JPN.nope: expected a known setting"),
    (["--vary", f"{RICE}=[1, 20]"], "got 20"),
    (["--vary", f"{RICE}=[1]", "--reps", "0"], "--reps 0"),
    (["--vary", f"{RICE}=[1]", "--engine", "spark"], "invalid choice"),
    (["--vary", f"{RICE}=uniform(1, 2)", "--design", "morris", "--samples", "1"],
     "--samples 1: expected a whole number of at least 2"),
    (["--vary", f"{RICE}=normal(2, 0.5)", "--design", "morris", "--samples", "4"], "normal(mu, sd) has none"),
])
def test_cli_bad_input_is_one_line_and_exit_2(args, message, tmp_path, capsys):
    assert main(["sweep", "tokyo_2014", *args, "--out", str(tmp_path / "out")]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ") and message in captured.err
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert captured.out == "" and not (tmp_path / "out").exists()     # nothing ran, nothing written


def test_cli_bad_input_in_a_real_process():
    result = run_cli("sweep", "tokyo_2014", "--vary", f"{RICE}=[1, 20]")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == f"error: --vary: {RICE}: expected a number from 0 to 10, got 20"


# ----------------------------------------------------------------------- sweep files
def test_a_sweep_file_gives_the_same_sweep(tmp_path):
    file = tmp_path / "rice.toml"
    file.write_text(f"""
scenario = "tokyo_2014"
reps = 3
seed = 11
out = "{tmp_path / 'out'}"
[vary]
countries.JPN.sensitivity.rice = [1.0, 2.5]
"bargaining.protocol" = ["alternating", "nash"]
""")
    spec = make_spec(str(file))
    assert spec.out == tmp_path / "out" and spec.reps == 3
    assert build_plan(spec).definition() == small_plan().definition()
    assert make_spec(str(file), [f"{RICE}=[2.0]"], reps=1).vary[0] == Values(RICE, (2.0,))   # the command line wins


@pytest.mark.parametrize("body, message", [
    ('scenario = "tokyo_2014"\nrepz = 3\n', "repz: expected a known key"),
    ('vary = {}\n', "scenario: expected a scenario name"),
    ('scenario = "tokyo_2014"\nreps = 0\n', "reps: expected a whole number of at least 1"),
    # the seeds every other reader of a seed accepts, in the same words (fields.SEEDS)
    ('scenario = "tokyo_2014"\nseed = 9223372036854775808\n', "seed: expected a whole number from 0 to 2^63 - 1"),
    ('scenario = "tokyo_2014"\nseed = true\n', "seed: expected a whole number from 0 to 2^63 - 1"),
    ('scenario = "tokyo_2014"\n[vary]\n"bargaining.spillover" = "0:1:0"\n', "vary.bargaining.spillover"),
    ('scenario = "tokyo_2014"\n[vary\n', "expected valid TOML"),
    # said 'a whole number of at least 0' of a seed that must also be at most 2^63 - 1
    ('scenario = "tokyo_2014"\nseed = -1\n', "seed: expected a whole number from 0 to 2^63 - 1, got -1"),
    # a value listed twice played its point twice, weighting it double in the report's shares and indices
    ('scenario = "tokyo_2014"\n[vary]\n"bargaining.spillover" = [0.5, 0.2, 0.5]\n',
     "vary.bargaining.spillover: expected each value once, got 0.5 twice"),
    ('scenario = "tokyo_2014"\n[vary]\n"bargaining.spillover" = "0.5:0.5:3"\n',
     "vary.bargaining.spillover: expected each value once, got 0.5 twice"),
])
def test_bad_sweep_files_are_one_line(tmp_path, body, message):
    file = tmp_path / "bad.toml"
    file.write_text(body)
    if "[vary\n" in body:
        with pytest.raises(SweepError, match=message):
            sweep.load_sweep_file(file)
        return
    with pytest.raises(SweepError) as err:
        make_spec(str(file))
    assert message in str(err.value) and "\n" not in str(err.value)


# ----------------------------------------------------------------------- running and the store
def test_outcome_columns_from_a_summary():
    usa = {"utility": 0.25, "outside_option": 0.1, "member": True, "signatory": True, "concessions": {"rice": 0.5},
           "welfare": {"percent_gdp": 0.001, "total_usd_m": 150.25}}
    jpn = {"utility": -0.5, "outside_option": -0.4, "member": True, "signatory": True, "concessions": {"rice": 0.0},
           "welfare": {"percent_gdp": -0.002, "total_usd_m": -10.5}}
    can = {"utility": 0.0, "outside_option": 0.0, "member": True, "signatory": False, "concessions": {"rice": 0.0},
           "welfare": {"percent_gdp": -0.0005, "total_usd_m": -4.0}}
    summary = {"formed": True, "round": 30, "date": "2015-10-01", "members": ["USA", "JPN"], "ratifying": ["USA"],
               "holdouts": ["JPN"], "gdp_share": 0.8, "in_force": False,
               "countries": {"USA": usa, "JPN": jpn, "CAN": can}}
    assert sweep.outcome(summary) == {"formed": True, "round": 30, "members": "USA JPN", "n_members": 2,
                                      "gdp_share": 0.8, "in_force": False, "utility_USA": 0.25,
                                      "utility_JPN": -0.5, "utility_CAN": 0.0,
                                      # the added columns: date, who would ratify, hold-outs, detail
                                      "date": "2015-10-01", "ratifying": "USA", "n_ratifying": 1,
                                      "holdouts": "JPN", "n_holdouts": 1,
                                      # welfare: all three; the two members; the lowest % of GDP; two lose
                                      "welfare_total_usd_m": 135.75, "welfare_members_usd_m": 139.75,
                                      "welfare_min_pct_gdp": -0.002, "n_welfare_losers": 2,
                                      "welfare_pct_gdp_USA": 0.001, "welfare_pct_gdp_JPN": -0.002,
                                      "welfare_pct_gdp_CAN": -0.0005,
                                      "detail": {"USA": {**usa, "would_ratify": True},
                                                 "JPN": {**jpn, "would_ratify": False},
                                                 "CAN": {**can, "would_ratify": False}}}
    assert sweep.outcome({**summary, "formed": False, "round": None, "members": []})["members"] is None
    assert sweep.outcome({**summary, "members": []})["welfare_members_usd_m"] == 0.0


def test_the_table_does_not_depend_on_workers_or_chunks(reference, tmp_path):
    report = run_sweep(small_plan(), tmp_path / "two", workers=2, progress=quiet())
    assert report.ran == 12
    assert read_runs(tmp_path / "two") == reference
    run_sweep(small_plan(), tmp_path / "chunks", workers=2, chunk_size=1, progress=quiet())
    assert read_runs(tmp_path / "chunks") == reference
    assert [r["run_index"] for r in reference] == list(range(12))
    assert {r["status"] for r in reference} == {"ok"}
    first = reference[0]
    assert (first["point"], first["rep"], first[RICE], first["bargaining.protocol"]) == (0, 0, 1.0, "alternating")
    assert json.loads(first["params"]) == {RICE: 1.0, "bargaining.protocol": "alternating"}
    assert isinstance(first["utility_JPN"], float) and isinstance(first["formed"], bool)


def test_chunks_shrink_towards_the_end_across_workers_and_keep_every_run_once_in_order():
    """Across workers the last chunks are at most a quarter of the runs left per worker (the workers
    then finish together); the runs are still each handed out once, in index order."""
    plan = build_plan(make_spec("tokyo_2014", [f"{RICE}=[1.0, 2.5]"], reps=100, seed=3))
    stored = {0, 1, 57, 199}
    sizes, order = [], []
    for chunk in sweep.chunks_of(plan, stored, 10, workers=2):
        sizes.append(len(chunk))
        order += [run.index for run in chunk]
    assert order == [k for k in range(200) if k not in stored]
    # 196 left: chunks of 10 while ceil(left / 8) is at least 10 (down to 76 left), then ceil(left / 8):
    # 66 -> 9, 57 -> 8, 49 -> 7, 42 -> 6, 36 -> 5, 31 -> 4, 27 -> 4, 23 -> 3, ..., 10 -> 2, then 8 of 1
    assert sizes == [10] * 13 + [9, 8, 7, 6, 5, 4, 4, 3, 3, 3, 2, 2, 2] + [1] * 8
    assert [len(c) for c in sweep.chunks_of(plan, stored, 10)] == [10] * 19 + [6]   # without workers: as asked


def test_rerunning_resumes_and_a_different_sweep_is_refused(reference, tmp_path):
    out = tmp_path / "again"
    run_sweep(small_plan(), out, workers=1, progress=quiet())
    again = run_sweep(small_plan(), out, workers=1, progress=quiet())
    assert (again.ran, again.resumed, again.ok) == (0, 12, 12)
    assert read_runs(out) == reference
    other = build_plan(make_spec("tokyo_2014", [f"{RICE}=[1.0, 2.5]"], reps=3, seed=11))
    with pytest.raises(SweepError, match=r"holds a different sweep \(vary differs"):
        run_sweep(other, out, workers=1, progress=quiet())
    reseeded = build_plan(make_spec("tokyo_2014", [f"{RICE}=[1.0, 2.5]", 'bargaining.protocol=["alternating", "nash"]'],
                                    reps=3, seed=12))
    with pytest.raises(SweepError, match="seed differs: 11 there, 12 here"):
        run_sweep(reseeded, out, workers=1, progress=quiet())


def descendants(pid: int) -> set[int]:
    """Every process under ``pid`` (Linux /proc)."""
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = {int(c) for c in (task / "children").read_text().split()}
            except OSError:
                continue
            todo.extend(children - found)
            found |= children
    return found


def stored(out: Path) -> int:
    try:
        db = sqlite3.connect(f"file:{out / DB_NAME}?mode=ro", uri=True, timeout=0.1)
        try:
            return db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def kill_once_stored(args: list[str], count: Callable[[], int], at_least: int) -> set[int]:
    """Start ``run.py ARGS`` in a process of its own and ``kill -9`` it as soon as ``count()`` (what
    its store holds) reaches ``at_least``; returns the pids of its worker processes at that moment."""
    proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while count() < at_least:
            assert proc.poll() is None, "the command ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        workers = descendants(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    return workers


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_a_sweep_killed_with_sigkill_resumes_without_losing_or_repeating_runs(tmp_path):
    out = tmp_path / "killed"
    args = ["sweep", "tokyo_2014", "--vary", f"{RICE}=1:3:30", "--reps", "8", "--seed", "5", "--workers", "2",
            "--chunk", "4", "--out", str(out)]
    total = 240
    workers = kill_once_stored(args, lambda: stored(out), 8)
    before = stored(out)
    assert 8 <= before < total, before
    # the pool's processes do not outlive the sweep they worked for
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]

    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    assert f"resuming: {before} already stored" in result.stdout
    assert f"({total - before} run now, {before} from before)" in result.stdout
    rows = read_runs(out)
    assert [r["run_index"] for r in rows] == list(range(total))          # every run exactly once

    plan = build_plan(make_spec("tokyo_2014", [f"{RICE}=1:3:30"], reps=8, seed=5))
    run_sweep(plan, tmp_path / "whole", workers=2, progress=quiet())
    assert rows == read_runs(tmp_path / "whole")


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(monkeypatch, tmp_path, capsys):
    real_play = sweep_runs.play

    def play(scenario, seed, **options):
        if scenario.params["sensitivity"][scenario.index("JPN"), scenario.sectors.index("rice")] == 2.5:
            raise ZeroDivisionError("rice at 2.5 breaks the talks")
        return real_play(scenario, seed, **options)

    monkeypatch.setattr(sweep_runs, "play", play)
    out = tmp_path / "failing"
    code = main(["sweep", *SMALL, "--workers", "1", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 1
    assert "runs: 12 of 12 stored (12 run now, 0 from before); 6 failed" in captured.out
    assert "failed (6 runs): ZeroDivisionError: rice at 2.5 breaks the talks" in captured.out
    rows = read_runs(out)
    failed = [r for r in rows if r["status"] == "failed"]
    assert len(failed) == 6 and all(r[RICE] == 2.5 for r in failed)
    assert failed[0]["error"] == "ZeroDivisionError: rice at 2.5 breaks the talks"
    assert failed[0]["formed"] is None and failed[0]["utility_USA"] is None
    assert all(r["status"] == "ok" and r["error"] is None for r in rows if r[RICE] == 1.0)
    # the exports hold the failed runs too, and read back equal
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    from_csv, from_parquet = pd.read_csv(out / "runs.csv"), pd.read_parquet(out / "runs.parquet")
    assert len(from_csv) == 12 and list(from_csv.columns) == list(from_parquet.columns)
    nulls_as_none = [frame.astype(object).where(frame.notna(), None) for frame in (from_csv, from_parquet)]
    pd.testing.assert_frame_equal(*nulls_as_none, check_dtype=False)
    assert from_parquet["formed"].tolist()[6:] == [None] * 6 and from_csv["formed"].isna().sum() == 6


def test_exports_read_back_equal_to_the_store(reference, tmp_path):
    pd = pytest.importorskip("pandas")
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "export"
    report = run_sweep(small_plan(), out, workers=1, progress=quiet())
    assert report.csv == out / "runs.csv" and report.parquet == out / "runs.parquet"
    table = pq.read_table(report.parquet)
    assert table.to_pylist() == reference
    assert str(table.schema.field("formed").type) == "bool" and str(table.schema.field(RICE).type) == "double"
    pd.testing.assert_frame_equal(pd.read_csv(report.csv), table.to_pandas(), check_dtype=False)
    assert (out / "runs.csv").read_text().splitlines()[0].startswith(
        f"run_index,point,rep,seed,status,error,params,{RICE},bargaining.protocol,formed,round,members")


def test_cli_runs_a_sweep_and_reports(tmp_path):
    out = tmp_path / "cli"
    result = run_cli("sweep", *SMALL, "--workers", "2", "--out", str(out))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == ("sweep Tokyo talks and the April 2014 deadline: 4 points (grid) x 3 reps = 12 runs, "
                        "sweep seed 11")
    assert lines[1] == "runs: 12 of 12 stored (12 run now, 0 from before); 0 failed"
    assert lines[2].startswith("agreement formed in ") and "% of runs (" in lines[2]
    try:
        import pyarrow  # noqa: F401
        exports = f"{out / 'runs.csv'} and {out / 'runs.parquet'}"
    except ImportError:
        exports = f"{out / 'runs.csv'} (Parquet skipped: pip install 'tppgame[sweep]' for pyarrow)"
    assert lines[3] == f"wrote {exports}; store {out / DB_NAME}"
    assert "sweep: 12/12 runs (100%)" in result.stderr                  # not a terminal: plain lines


# ----------------------------------------------------------------------- Dask
@pytest.fixture(scope="module")
def dask_cluster():
    distributed = pytest.importorskip("dask.distributed")
    import logging

    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None, silence_logs=logging.ERROR)
    yield cluster
    cluster.close()


def test_dask_on_a_local_cluster_gives_the_same_table(reference, dask_cluster, tmp_path):
    assert dask_cluster.scheduler_address.startswith("tcp://127.0.0.1:")
    report = run_sweep(small_plan(), tmp_path / "dask", engine="dask", scheduler=dask_cluster.scheduler_address,
                       progress=quiet())
    assert (report.ran, report.failed) == (12, 0)
    assert read_runs(tmp_path / "dask") == reference


def test_dask_starts_its_own_local_cluster(reference, tmp_path):
    pytest.importorskip("dask.distributed")
    out = tmp_path / "own"
    result = run_cli("sweep", *SMALL, "--engine", "dask", "--workers", "2", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert read_runs(out) == reference


def test_more_local_workers_than_eight_per_core_are_refused_before_any_run(tmp_path, capsys):
    """--workers 1000 (a typo for 10) was accepted: the pool could start a process per chunk in flight, each with
    the game loaded; a remote scheduler's workers are its own, and are not counted against this computer's cores."""
    cores = os.cpu_count() or 1
    assert main(["sweep", *SMALL, "--workers", str(8 * cores + 1), "--out", str(tmp_path / "s")]) == 2
    assert capsys.readouterr().err == (f"error: --workers {8 * cores + 1}: expected at most {8 * cores} (8 per core "
                                       f"of this computer's {cores}): each worker is a process of its own with the "
                                       "game loaded\n")
    assert not (tmp_path / "s").exists()
    assert sweep.check_engine(8 * cores + 1, "dask", "tcp://127.0.0.1:8786") == 8 * cores + 1


def test_an_unreachable_scheduler_is_one_line(tmp_path, capsys, monkeypatch):
    pytest.importorskip("dask.distributed")
    monkeypatch.setattr(sweep, "DASK_CONNECT_TIMEOUT", "1s")
    code = main(["sweep", *SMALL, "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9", "--out", str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 2 and captured.err.startswith("error: --scheduler tcp://127.0.0.1:9: could not connect")
    assert captured.err.count("\n") == 1 and captured.out == ""


# ----------------------------------------------------------------------- progress and store details
def test_plain_progress_prints_every_tenth_and_every_ten_seconds():
    now = [0.0]
    stream = io.StringIO()
    progress = PlainProgress(100, stream=stream, clock=lambda: now[0])
    for _ in range(25):
        now[0] += 0.125
        progress.update(2)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 5 and lines[0].startswith("sweep: 10/100 runs (10%), 16.0 runs/s")
    assert lines[-1] == "sweep: 50/100 runs (50%), 16.0 runs/s, about 3 s left"
    now[0] += 11                  # a slow stretch: a line after ten seconds even without 10% more
    progress.update(1, failed=1)
    assert stream.getvalue().splitlines()[-1].startswith("sweep: 51/100 runs (51%), 1 failed, ")
    progress.close()
    assert len(stream.getvalue().splitlines()) == 6       # nothing new to say


def test_a_terminal_gets_a_progress_bar():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    bar = sweep.make_progress(10, 2, stream)
    assert isinstance(bar, sweep.BarProgress)
    bar.update(3)
    bar.close()
    assert "5/10" in stream.getvalue() and "run/s" in stream.getvalue()
    assert isinstance(sweep.make_progress(10, 0, io.StringIO()), PlainProgress)


def test_column_kinds_and_reserved_names():
    assert [kind_of(v) for v in ([True], [1, 2], [1, 2.5], ["a"], [[1], "a"])] == ["bool", "int", "float", "str",
                                                                                 "json"]
    with pytest.raises(StoreError):
        table_columns([Column("formed", "bool")], ["USA"])


def test_an_out_folder_in_use_or_a_file_is_refused(tmp_path):
    columns = table_columns([], ["USA"])
    with ResultStore.open(tmp_path / "busy", {"a": 1}, columns):
        with pytest.raises(StoreError, match="another sweep is running"):
            ResultStore.open(tmp_path / "busy", {"a": 1}, columns)
    with ResultStore.open(tmp_path / "busy", {"a": 1}, columns) as store:     # released on close
        assert store.done() == set()
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="expected a folder, found a file"):
        ResultStore.open(tmp_path / "file", {"a": 1}, columns)


def test_plan_definition_is_plain_json():
    definition = small_plan().definition()
    assert json.loads(json.dumps(definition)) == definition
    assert definition["vary"] == {RICE: {"values": [1.0, 2.5]},
                                  "bargaining.protocol": {"values": ["alternating", "nash"]}}
    assert (definition["reps"], definition["seed"], definition["points"]) == (3, 11, 4)
    assert SweepSpec("tokyo_2014").reps == 1


def test_replicates_of_a_point_share_one_memo_and_other_sweeps_never_do():
    """A worker compiles a point once and lends its replicates one memo; a different sweep's scenario
    (another base, even with the same point numbers) never gets a memo made for another."""
    plan = build_plan(make_spec("tokyo_2014", [f"{RICE}=[1.0, 2.5]"], reps=2, seed=3))
    first, second, other_point = plan.run(0), plan.run(1), plan.run(2)
    scenario, work = sweep.prepared_point(plan.scenario, first)
    assert sweep.prepared_point(plan.scenario, second) == (scenario, work)
    assert scenario.params["sensitivity"][scenario.index("JPN"), scenario.sectors.index("rice")] == 1.0
    same = build_plan(make_spec("tokyo_2014", [f"{RICE}=[1.0, 2.5]"], reps=2, seed=3))
    assert same.scenario is plan.scenario                  # the scenario as loaded (cached): same memo
    assert sweep.prepared_point(same.scenario, same.run(0))[1] is work
    assert sweep.prepared_point(plan.scenario, other_point)[1] is not work
    assert len(sweep_runs._POINTS) == 1                         # the worker keeps only the point it plays now
    work = sweep.prepared_point(plan.scenario, first)[1]
    other = build_plan(make_spec("tokyo_2014", [f"{RICE}=[1.0, 2.5]"], fixed=[("rounds", 12)], reps=2, seed=3))
    assert sweep.prepared_point(other.scenario, other.run(0))[1] is not work
    # the same scenario object, another sweep: its point 0 has other settings, so it is another point
    higher = build_plan(make_spec("tokyo_2014", [f"{RICE}=[3.0]"], reps=2, seed=3))
    assert higher.scenario is plan.scenario
    compiled, memo = sweep.prepared_point(higher.scenario, higher.run(0))
    assert memo is not work
    assert compiled.params["sensitivity"][compiled.index("JPN"), compiled.sectors.index("rice")] == 3.0


def test_a_sweep_in_this_process_lets_its_memo_go_when_it_ends(tmp_path):
    """With one worker the games run in the caller's process (a notebook, say): once the sweep is
    over, its compiled points and memos are dropped, not kept for the rest of the session."""
    plan = build_plan(make_spec("tokyo_2014", [f"{RICE}=[1.0, 2.5]"], reps=2, seed=5))
    sweep.prepared_point(plan.scenario, plan.run(0))
    assert sweep_runs._POINTS
    run_sweep(plan, tmp_path / "out", workers=1, progress=quiet())
    assert not sweep_runs._POINTS


def test_a_sweep_in_this_process_hands_back_its_start_up_to_the_collector(tmp_path, monkeypatch):
    """The start-up (libraries, scenario) is left out of the collector's full passes while the
    games play, and handed back when the sweep ends."""
    import gc

    plan = build_plan(make_spec("tokyo_2014", [f"{RICE}=[1.0]"], reps=2, seed=5))
    frozen_while = []
    real_run_chunk = sweep.run_chunk
    monkeypatch.setattr(sweep, "run_chunk", lambda *a: frozen_while.append(gc.get_freeze_count()) or real_run_chunk(*a))
    before = gc.get_freeze_count()
    run_sweep(plan, tmp_path / "out", workers=1, progress=quiet())
    assert frozen_while and min(frozen_while) > before + 10_000    # every module's functions, at least
    assert gc.get_freeze_count() == 0


def test_sweep_rows_are_the_games_played_on_their_own():
    """The sweep plays without records and with shared work: its outcomes are those of full games, what
    each country needed to ratify included."""
    plan = build_plan(make_spec("tokyo_2014", [f"{RICE}=[1.0, 2.5]"], reps=3, seed=9))
    rows = sweep.run_chunk(plan.scenario, [plan.run(k) for k in range(plan.total)])
    for row in rows:
        scenario = plan.scenario.with_overrides(row["params"])
        model = play(scenario, row["seed"])
        expected = sweep.outcome(model.summary(), model)
        assert row["status"] == "ok" and {k: row[k] for k in expected} == expected


def test_a_setting_varied_twice_is_refused(tmp_path, capsys):
    out = tmp_path / "twice"
    assert main(["sweep", "tokyo_2014", "--vary", f"{RICE}=[1, 2]", "--vary", f"{RICE}=[1, 3]", "--out", str(out)]) == 2
    assert capsys.readouterr().err == f"error: --vary {RICE}: given twice; give each setting once\n"
    assert not out.exists()


# ----------------------------------------------------------------------- engine faults and retries
NO_GUARD = ('nothing was run (a script that starts a sweep needs its code under if __name__ == "__main__": '
            "workers import the script)")


def test_a_script_without_the_main_guard_is_one_line_and_leaves_no_store(tmp_path):
    out = tmp_path / "unguarded"
    script = tmp_path / "unguarded.py"
    script.write_text("from tppgame.cli import main\n"
                      f"raise SystemExit(main(['sweep', 'tokyo_2014', '--vary', '{RICE}=[1, 2, 3]', '--workers', '2', "
                      f"'--out', {str(out)!r}]))\n")
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                            stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == ("error: sweep: the worker processes could not start (BrokenPipeError: [Errno 32] "
                             f"Broken pipe); {NO_GUARD}\n")
    assert not out.exists()


class _DyingPool:
    """A process pool whose worker dies on the third task: its future raises BrokenProcessPool."""

    def __init__(self, *args, **kwargs):
        self.submitted = 0

    def submit(self, fn, chunk):
        from concurrent.futures import Future
        from concurrent.futures.process import BrokenProcessPool

        future: Future = Future()
        self.submitted += 1
        if self.submitted <= 2:
            future.set_result(sweep.run_chunk(small_plan().scenario, chunk))
        else:
            future.set_exception(BrokenProcessPool("A process in the process pool was terminated abruptly"))
        return future

    def shutdown(self, **kwargs):
        pass


def test_a_worker_that_dies_is_one_line_and_exit_2_and_the_stored_runs_stay(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(sweep, "ProcessPoolExecutor", _DyingPool)
    monkeypatch.setattr(sweep, "IN_FLIGHT_PER_WORKER", 1)
    # this process plays no runs of its own while the pool "starts": the pool's tasks are all the runs
    # (runs played meanwhile: tests/test_sweep_engine.py)
    monkeypatch.setattr(sweep, "play_while", lambda busy, base, chunks: ([], []))
    out = tmp_path / "died"
    assert main(["sweep", *SMALL, "--workers", "1", "--chunk", "4", "--out", str(out)]) == 0  # one worker: no pool
    assert main(["sweep", *SMALL, "--workers", "2", "--chunk", "4", "--out", str(tmp_path / "pool")]) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines()[-1] == (
        "error: sweep: a worker process died (BrokenProcessPool: A process in the process pool was terminated "
        "abruptly); the runs finished so far are stored: run the same command again to resume")
    assert stored(tmp_path / "pool") == 8 and read_runs(tmp_path / "pool") == read_runs(out)[:8]


def test_a_failed_dask_connection_leaves_no_store_and_other_reps_then_run(tmp_path, capsys, monkeypatch):
    pytest.importorskip("dask.distributed")
    monkeypatch.setattr(sweep, "DASK_CONNECT_TIMEOUT", "1s")
    out = tmp_path / "dask-failed"
    args = ["sweep", "tokyo_2014", "--vary", f"{RICE}=[1.0, 2.5]", "--out", str(out)]
    assert main([*args, "--reps", "3", "--engine", "dask", "--scheduler", "tcp://127.0.0.1:1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --scheduler tcp://127.0.0.1:1: could not connect") and err.count("\n") == 1
    assert not out.exists()
    assert main([*args, "--reps", "2", "--workers", "1"]) == 0
    assert "runs: 4 of 4 stored (4 run now, 0 from before); 0 failed" in capsys.readouterr().out


def test_failed_runs_stay_on_resume_and_run_again_with_retry_failed(monkeypatch, reference, tmp_path, capsys):
    real_play = sweep_runs.play

    def play(scenario, seed, **options):
        if scenario.params["sensitivity"][scenario.index("JPN"), scenario.sectors.index("rice")] == 2.5:
            raise ZeroDivisionError("rice at 2.5 breaks the talks")
        return real_play(scenario, seed, **options)

    out = tmp_path / "retry"
    args = ["sweep", *SMALL, "--workers", "1", "--out", str(out)]
    monkeypatch.setattr(sweep_runs, "play", play)
    assert main(args) == 1
    monkeypatch.setattr(sweep_runs, "play", real_play)
    assert main(args) == 1                              # resumed: the failed runs stay as they were
    assert "runs: 12 of 12 stored (0 run now, 12 from before); 6 failed" in capsys.readouterr().out
    assert main([*args, "--retry-failed"]) == 0
    assert "runs: 12 of 12 stored (6 run now, 6 from before); 0 failed" in capsys.readouterr().out
    assert read_runs(out) == reference


def test_a_long_check_of_the_points_says_how_many_and_how_far():
    from itertools import count

    ticks = (0.6 * i for i in count())       # each look at the clock (every 50 points) 0.6 s later
    said: list[str] = []
    vary = [f"{RICE}=0:10:10", "countries.JPN.sensitivity.beef=0:10:10", "countries.USA.sensitivity.dairy=0:10:10"]
    plan = build_plan(make_spec("tokyo_2014", vary), say=said.append, clock=lambda: next(ticks))
    assert len(plan.design) == 1000
    assert said == ["sweep: checking 1000 points against the scenario before any run (100 done, about 11 s left)",
                    "sweep: checked 950/1000 points (95%)"]
