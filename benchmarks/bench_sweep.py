"""The sweep engine against itself and against mesa.batch_run, on the same baseline games and seeds.

    python benchmarks/bench_sweep.py [--games 2000] [--seed 2013] [--scenario baseline] [--also-pinned]

Plays the same games three ways in one go — the local sweep engine with 1 worker and with 2
workers (``run_sweep``: whole games, stored in a SQLite result store, CSV and Parquet exports
included), and ``mesa.batch_run(TPPModel, parameters={"scenario": "baseline"}, rng=[...],
number_processes=2, max_steps=40)`` with the same per-run seeds — prints the wall times, the
ratios and the peak memory of the 1-worker sweep, and checks that all three give the same
outcome for every seed. Targets (issue 4, on a 2-core machine): 2 workers at least 1.7x as fast
as 1, and the sweep at least 1.5x as fast as batch_run. ``--also-pinned`` adds batch_run with its
workers' BLAS limited to one thread, to show how much of the difference that accounts for. On a
busy machine wall times swing with the load; the CPU time a game (the 1-worker sweep's, in this
process, against batch_run's processes') is printed too, and swings less.

The sweep plays the same model, but its games keep no event log or per-round DataCollector rows
(``TPPModel(record=False)``: a sweep stores only outcomes), the replicates of a point share a
memo of the game's row-wise work (``tppgame.experiments.memo``) in each worker, and a task's replicates
are played side by side, their frontier builds and meetings pooled into one array pass per kind
(``tppgame.experiments.lockstep``); batch_run plays full games (it collects the DataCollector's
tables), each from scratch, one after another. The 1-worker sweep plays in this process and
starts no workers; the 2-worker sweep's process plays runs itself while its workers start (their
forkserver imports Mesa and the game first: about a second), so its time includes that start-up.

Last, the ceiling: the same games (the first ``--ceiling-games`` seeds) played alone in this process,
without records, store or workers, give the CPU a game that no engine playing them can go below
without sharing work between games; batch_run's CPU a game over that is the most any sweep of these
games could gain over batch_run on two cores.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

import mesa

from tppgame import TPPModel
from tppgame.experiments.headlines import play
from tppgame.experiments.store import read_runs
from tppgame.experiments.sweep import PlainProgress, SweepSpec, build_plan, run_seed, run_sweep
from tppgame.game.scenario import load_scenario

BLAS_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def time_sweep(scenario: str, games: int, seed: int, workers: int, folder: Path) -> tuple[float, list[dict]]:
    """Wall seconds of a whole sweep of ``games`` games of ``scenario``, and its table."""
    plan = build_plan(SweepSpec(scenario, reps=games, seed=seed))
    out = folder / f"workers-{workers}"
    start = time.perf_counter()
    report = run_sweep(plan, out, workers=workers, progress=PlainProgress(plan.total, stream=io.StringIO()))
    elapsed = time.perf_counter() - start
    assert report.ok == games and report.failed == 0, report
    return elapsed, read_runs(out)


def time_batch_run(scenario: str, seeds: list[int], pinned: bool = False) -> tuple[float, list[dict]]:
    """Wall seconds of mesa.batch_run over the same seeds with 2 processes, and its final rows (one per run)."""
    saved = {name: os.environ.get(name) for name in BLAS_VARIABLES}
    if pinned:
        os.environ.update({name: "1" for name in BLAS_VARIABLES})
    try:
        start = time.perf_counter()
        rows = mesa.batch_run(TPPModel, parameters={"scenario": scenario}, rng=seeds, number_processes=2,
                              max_steps=40, display_progress=False)
        elapsed = time.perf_counter() - start
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    per_run = {row["RunId"]: row for row in rows}            # one row per agent: keep one per run
    return elapsed, [per_run[k] for k in sorted(per_run)]


def games_alone_cpu(scenario: str, seeds: list[int]) -> float:
    """CPU seconds a game of ``scenario`` over ``seeds``, each played alone in this process without
    records (as a sweep plays it) and nothing else: no store, no outcome, no workers."""
    compiled = load_scenario(scenario)
    play(compiled, seeds[0], record=False)            # compiled loops and caches loaded before the clock
    start = time.process_time()
    for seed in seeds:
        play(compiled, seed, record=False)
    return (time.process_time() - start) / len(seeds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=2013, help="the sweep seed the run seeds derive from")
    parser.add_argument("--scenario", default="baseline", help="the scenario to play (default: the baseline)")
    parser.add_argument("--also-pinned", action="store_true",
                        help="also time batch_run with one BLAS thread per worker process")
    parser.add_argument("--ceiling-games", type=int, default=300,
                        help="games played alone for the ceiling (default 300; 0 leaves it out)")
    args = parser.parse_args()
    seeds = [run_seed(args.seed, k) for k in range(args.games)]
    print(f"{args.games} {args.scenario} games, {os.cpu_count()} cores, {platform.python_implementation()} "
          f"{platform.python_version()}, load average before: {os.getloadavg()[0]:.2f}", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        cpu_start = time.process_time()
        one, table = time_sweep(args.scenario, args.games, args.seed, 1, Path(tmp))
        cpu_one = time.process_time() - cpu_start
        print(f"sweep, local engine, 1 worker:  {one:7.1f} s  ({1000 * one / args.games:.1f} ms a game)", flush=True)
        two, table_two = time_sweep(args.scenario, args.games, args.seed, 2, Path(tmp))
        print(f"sweep, local engine, 2 workers: {two:7.1f} s", flush=True)
    # ru_maxrss is in kB on Linux; the 1-worker sweep ran in this process (the pool's workers are the
    # forkserver's children, out of reach of RUSAGE_CHILDREN)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process (the 1-worker sweep ran here): {own:.0f} MB", flush=True)
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    batch, rows = time_batch_run(args.scenario, seeds)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_batch = (children.ru_utime - children_before.ru_utime) + (children.ru_stime - children_before.ru_stime)
    print(f"mesa.batch_run, 2 processes:    {batch:7.1f} s", flush=True)
    pinned = None
    if args.also_pinned:
        pinned, _ = time_batch_run(args.scenario, seeds, pinned=True)
        print(f"mesa.batch_run, 2 processes, one BLAS thread each: {pinned:7.1f} s", flush=True)

    assert table == table_two, "1 and 2 workers gave different tables"
    assert [r["seed"] for r in table] == seeds
    # batch_run reports the model's last check: its GDP share counts only when the agreement formed
    same = all(r["formed"] == b["formed"] and r["in_force"] == b["in_force"]
               and (not r["formed"] or abs(r["gdp_share"] - b["gdp_share"]) < 1e-9) for r, b in zip(table, rows))
    print(f"same outcomes for every seed (sweep vs batch_run): {'yes' if same else 'NO'}")
    print(f"2 workers vs 1: {one / two:.2f}x (target 1.7x)")
    print(f"sweep (2 workers) vs batch_run: {batch / two:.2f}x (target 1.5x)")
    if pinned is not None:
        print(f"sweep (2 workers) vs batch_run with one BLAS thread: {pinned / two:.2f}x")
    # CPU time holds better than wall time on a busy machine: the 1-worker sweep's games ran in this
    # process; batch_run's in the pool's processes, this process's children (reaped when the pool ends)
    print(f"CPU time a game: sweep, 1 worker {1000 * cpu_one / args.games:.1f} ms; batch_run's processes "
          f"{1000 * cpu_batch / args.games:.1f} ms ({cpu_batch / cpu_one:.2f}x the sweep's)")
    if args.ceiling_games > 0:
        alone = games_alone_cpu(args.scenario, seeds[:args.ceiling_games])
        per_batch = cpu_batch / args.games
        print(f"a game alone, without records (the first {min(args.ceiling_games, args.games)} seeds): "
              f"{1000 * alone:.1f} ms of CPU; the ceiling of any sweep against batch_run without work shared "
              f"between games: {per_batch / alone:.2f}x")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
