"""The command line's experiments: ``run.py sweep``, ``run.py sweep-report`` and ``run.py tournament``
(the game's own commands are in :mod:`tppgame.cli`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from tppgame.cli_args import EXIT_BAD_INPUT, Parser, UsageError, engine_arguments, parse_settings, path_arg, seed_arg


def build_sweep_parser() -> argparse.ArgumentParser:
    """The options of ``run.py sweep``."""
    from tppgame.experiments.sweep import DESIGNS

    parser = Parser(prog="run.py sweep",
                     description="Play a scenario many times over a design of settings, with replicate seeds; "
                                 "results go to a resumable SQLite store and CSV/Parquet tables.")
    parser.add_argument("target", metavar="SCENARIO|FILE.toml",
                        help="a scenario (name or TOML file), or a sweep file with scenario and [vary]")
    parser.add_argument("--vary", action="append", default=[], metavar="PATH=SPEC",
                        help="a setting to vary: a list [0.5, 1, 2], a range start:stop:count, or uniform(a, b), "
                             "normal(mu, sd) (not for morris), choice(x, y) for --design lhs|sobol|morris "
                             "(repeatable)")
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="PATH=VALUE",
                        help="a setting fixed for every run (repeatable); a setting an event of the scenario sets "
                             "again (a shock's set) is named on stderr before any run, with the event's label and round")
    parser.add_argument("--drop-event", dest="drop_events", action="append", default=[], metavar="LABEL",
                        help="play the scenario without the scheduled event of this label, such as a shock that sets "
                             "a varied setting again (repeatable; an unknown label is an error)")
    parser.add_argument("--design", choices=DESIGNS, default=None,
                        help="grid (default: every combination), lhs (Latin hypercube), sobol (Saltelli) or "
                             "morris (elementary-effects screening)")
    parser.add_argument("--samples", type=int, default=None,
                        help="points of an lhs design; base samples N of a sobol design (N (2D + 2) points); "
                             "trajectories N of a morris design (N (D + 1) points, N >= 2)")
    parser.add_argument("--reps", type=int, default=None, help="replicate seeds per point (default 1)")
    parser.add_argument("--seed", type=seed_arg, default=None,
                        help="the sweep seed every run's seed derives from (default: the scenario's)")
    parser.add_argument("--out", type=path_arg("folder"), default=None, help="folder of the store (default: out/sweep-SCENARIO)")
    engine_arguments(parser)
    parser.add_argument("--chunk", type=int, default=None, metavar="N", help="runs per task (default: automatic)")
    parser.add_argument("--retry-failed", action="store_true",
                        help="run again the runs stored as failed (without it, a resumed sweep keeps them as they are)")
    parser.add_argument("--mix-versions", action="store_true", help="resume a store holding runs of another version "
                        "of the code (refused without it; the report notes the mix)")
    return parser


def _announce_sweep(plan: Any, stored: int) -> None:
    points, reps = len(plan.design), plan.reps
    line = (f"sweep {plan.scenario.name}: {points} point{'s' if points != 1 else ''} ({plan.design.kind}) x "
            f"{reps} rep{'s' if reps != 1 else ''} = {plan.total} runs, sweep seed {plan.seed}")
    if stored:
        line += f"; resuming: {stored} already stored"
    print(line, flush=True)


def sweep(argv: Sequence[str]) -> int:
    """``run.py sweep SCENARIO --vary PATH=SPEC ... | FILE.toml``: a parameter sweep into a resumable store.

    Exit status 0 when every run finished, 1 when some runs failed (they are stored with their
    error) or an engine broke down, 2 for bad input.
    """
    from tppgame.experiments import sweep as sweeps

    args = build_sweep_parser().parse_args(list(argv))
    fixed = list(parse_settings(args.settings).items())
    try:
        spec = sweeps.make_spec(args.target, args.vary, fixed, design=args.design, samples=args.samples,
                                reps=args.reps, seed=args.seed, out=args.out, drop_events=args.drop_events)
        plan = sweeps.build_plan(spec, say=lambda line: print(line, file=sys.stderr, flush=True))
        report = sweeps.run_sweep(plan, args.out, workers=args.workers, engine=args.engine,
                                  scheduler=args.scheduler, chunk_size=args.chunk, on_start=_announce_sweep,
                                  retry_failed=args.retry_failed, mix_versions=args.mix_versions)
    except sweeps.SweepError as err:
        raise UsageError(str(err)) from None
    except sweeps.EngineError as err:
        print(f"error: sweep: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for line in sweeps.report_lines(report):
        print(line)
    return 0 if report.failed == 0 else 1


def sweep_report(argv: Sequence[str]) -> int:
    """``run.py sweep-report DIR [--out DIR2] [--formats ...] [--outcomes ...]``: plots of the probability of agreement and global sensitivity
    indices of a sweep's store (finished or partly), written to DIR/report by default (tppgame.experiments.sweep_report)."""
    parser = Parser(prog="run.py sweep-report",
                     description="Summarize a parameter sweep: the probability of agreement against each varied "
                                 "setting (PNG plots, heatmaps for pairs of grid settings) and global sensitivity "
                                 "indices of the outcomes (CSV).")
    parser.add_argument("folder", type=path_arg("folder"), metavar="DIR", help="the out folder of a sweep (holding sweep.sqlite)")
    parser.add_argument("--out", type=path_arg("folder"), default=None, help="folder for the plots and tables (default: DIR/report)")
    parser.add_argument("--formats", default="png,pdf", metavar="FMT,FMT",
                        help="file formats of every figure: png (300 dpi), pdf, svg (default: png,pdf)")
    parser.add_argument("--outcomes", default=None, metavar="NAME,NAME",
                        help="the outcomes of the indices, variance shares and Morris/Sobol figures, by their names "
                             "in sensitivity.csv (such as welfare_total_usd_m, welfare_pct_gdp_JPN), or utility, "
                             "welfare (each country's welfare gain, %% of GDP) or all (default: agreement, round, "
                             "utilities and the welfare aggregates)")
    args = parser.parse_args(list(argv))
    from tppgame.experiments import sweep_report as reports

    try:
        report = reports.make_report(args.folder, args.out, args.formats, args.outcomes)
    except reports.ReportError as err:
        raise UsageError(str(err)) from None
    for line in report.lines:
        print(line)
    return 0


def build_tournament_parser() -> argparse.ArgumentParser:
    """The options of ``run.py tournament``."""
    parser = Parser(prog="run.py tournament",
                     description="Play negotiators in chosen countries' seats across scenarios and replicate seeds "
                                 "(the other countries play their scenario's); resumable stores, then a ranking "
                                 "with 95%% confidence intervals (CSV, Parquet), a plot and a summary.")
    parser.add_argument("scenarios", nargs="*", metavar="SCENARIO", default=[],
                        help="scenarios (names or TOML files; default: baseline)")
    parser.add_argument("--negotiators", default=None, metavar="NAME,NAME",
                        help="registered negotiators to play (default: all registered)")
    parser.add_argument("--seats", default=None, metavar="CODE,CODE",
                        help="the countries whose seat each negotiator takes in turn (default: JPN)")
    parser.add_argument("--reps", type=int, default=5, help="replicate seeds per seat and negotiator (default 5)")
    parser.add_argument("--seed", type=seed_arg, default=None,
                        help="the seed every game's seed derives from (default: each scenario's)")
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="PATH=VALUE",
                        help="a setting fixed for every game (repeatable)")
    parser.add_argument("--out", type=path_arg("folder"), default=None, help="folder of the stores and report (default: out/tournament)")
    parser.add_argument("--mix-versions", action="store_true",
                        help="resume stores holding games of another version of the code (the report notes it)")
    engine_arguments(parser)
    return parser


def tournament(argv: Sequence[str]) -> int:
    """``run.py tournament [SCENARIO ...]``: negotiators in countries' seats, ranked with confidence intervals.

    Running the same command again resumes a killed tournament and plays nothing once it is
    finished (the report is written again). Exit status 0 when every game finished, 1 when some
    failed (stored with their error) or an engine broke down, 2 for bad input.
    """
    from tppgame.experiments import tournament as tournaments
    from tppgame.experiments.sweep import EngineError, SweepError, check_engine
    from tppgame.experiments.tournament_report import write_report

    args = build_tournament_parser().parse_args(list(argv))
    fixed = list(parse_settings(args.settings).items())
    try:
        check_engine(args.workers, args.engine, args.scheduler)      # before the tournament's folder is made
    except SweepError as err:
        raise UsageError(str(err)) from None
    try:
        plan = tournaments.plan_tournament(
            args.scenarios, tournaments.split_names(args.negotiators, "--negotiators"),
            tournaments.split_names(args.seats, "--seats"), reps=args.reps, seed=args.seed, out=args.out,
            fixed=fixed)
        for line in dict.fromkeys(w for _, _, sweep_plan in plan.plans for w in sweep_plan.warnings):  # each once
            print(line.replace("sweep:", "tournament:", 1), file=sys.stderr)
        print(f"tournament: {len(plan.negotiators)} negotiators x {len(plan.seats)} seat"
              f"{'s' * (len(plan.seats) != 1)} x {len(plan.scenarios)} scenario{'s' * (len(plan.scenarios) != 1)} "
              f"x {plan.reps} reps = {plan.total} games", flush=True)
        done = tournaments.run_tournament(plan, workers=args.workers, engine=args.engine, scheduler=args.scheduler,
                                          mix_versions=args.mix_versions)
    except tournaments.TournamentError as err:
        raise UsageError(str(err)) from None
    except EngineError as err:
        print(f"error: tournament: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    report = write_report(plan)
    print(f"games: {done.played} played now, {done.stored_before} from before; {done.failed} failed")
    for line in done.failures[:3]:
        print(f"  failed: {line}")
    for line in report.lines:
        print(line)
    written = [report.ranking_csv, report.games_csv, *report.parquet, *([report.plot] if report.plot else []),
               report.summary]
    print("wrote " + ", ".join(str(p) for p in written))
    return 0 if done.failed == 0 else 1
