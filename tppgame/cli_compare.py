"""``run.py compare A B``: two scenarios on the same seed, or on the same ``--seeds N`` compared seed by
seed (:mod:`tppgame.comparison`), side by side and as a CSV."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tppgame.cli_args import (MOST_SEEDS, Parser, UsageError, check_out_file, overridden_lines, parse_settings,
                              path_arg, seed_arg, seed_range, warn_unread, with_settings, write_or_fail)
from tppgame.game.scenario import load_scenario


def compare(argv: Sequence[str]) -> int:
    """``run.py compare A B [--seeds N]``: two scenarios on the same seed (or the same N seeds, compared
    seed by seed), outcomes side by side, and a CSV."""
    from tppgame.comparison import comparison_rows, comparison_table
    from tppgame.experiments.headlines import play

    parser = Parser(prog="run.py compare", description="Run two scenarios with the same seed (or seeds) and "
                                                       "compare them.")
    parser.add_argument("first")
    parser.add_argument("second")
    parser.add_argument("--seed", type=seed_arg, default=None,
                        help="seed for both, the first of --seeds (default: the first scenario's)")
    parser.add_argument("--seeds", type=int, default=1,
                        help=f"how many seeds both play, compared seed by seed (default 1; at most {MOST_SEEDS:,})")
    parser.add_argument("--out", type=path_arg("file"), default=None, help="CSV file (default: out/compare-A-B-seedN.csv)")
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="PATH=VALUE",
                        help="override a setting in both scenarios (repeatable)")
    args = parser.parse_args(list(argv))
    if not 1 <= args.seeds <= MOST_SEEDS:
        raise UsageError(f"--seeds {args.seeds}: expected a whole number from 1 to {MOST_SEEDS}")
    first, second = (with_settings(load_scenario(name), args.settings, warn=False)
                     for name in (args.first, args.second))
    _warn_unread((first, second), (args.first, args.second), parse_settings(args.settings))
    names = _compared_names(first, second, args.first, args.second)
    seed = first.seed if args.seed is None else args.seed
    seeds = seed_range(seed, args.seeds)
    many = f"seeds{seed}-{seeds[-1]}" if args.seeds > 1 else f"seed{seed}"
    out = args.out or Path("out") / f"compare-{Path(first.file).stem}-{Path(second.file).stem}-{many}.csv"
    check_out_file(out, [first, second])
    if args.seeds > 1:
        return _compare_over_seeds(first, second, names, seeds, out)
    rows = comparison_rows([play(first, seed), play(second, seed)], names)
    _show(f"Same seed ({seed}) for both: one game each, so a difference may be that seed's luck (--seeds N "
          "compares N seeds).", comparison_table(rows, names), rows, out)
    return 0


def _show(heading: str, table: str, rows: list[dict[str, Any]], out: Path) -> None:
    """The comparison printed under its heading, and written to ``out`` whole or not at all."""
    from tppgame.report import write_csv

    print(f"{heading}\n")
    print(table, end="")
    write_or_fail(lambda: write_csv(out, rows), out)
    print(f"\nWrote {out}")


def _compare_over_seeds(first: Any, second: Any, names: list[str], seeds: range, out: Path) -> int:
    """``compare --seeds N``: both scenarios over the same seeds, each measure compared seed by seed; a
    Ctrl-C keeps the seeds both finished (exit 130), as ``robustness`` does."""
    from tppgame.comparison import comparison_rows, over_seeds_rows, over_seeds_table
    from tppgame.experiments.headlines import over_seeds

    per_seed: list[list[dict[str, Any]]] = []
    interrupted = False
    try:
        for (_, a, _), (_, b, _) in zip(over_seeds(first, seeds, record=False), over_seeds(second, seeds, record=False)):
            per_seed.append(comparison_rows([a, b], names))
    except KeyboardInterrupt:
        interrupted = True
        print(f"\ninterrupted after {len(per_seed)} of {len(seeds)} seeds: PARTIAL results for the seeds both finished")
        if not per_seed:
            return 130
    done = seeds[:len(per_seed)]
    rows = over_seeds_rows(per_seed, names)
    _show(f"Same seeds ({done[0]}-{done[-1]}, {len(done)}) for both: each measure's mean, and the second's less the "
          "first's\nseed by seed with its 95% interval ('noise': it includes 0, not distinguishable from seed noise).",
          over_seeds_table(rows, names), rows, out)
    return 130 if interrupted else 0


def _compared_names(first: Any, second: Any, first_given: str, second_given: str) -> list[str]:
    """The columns of ``compare``: the scenarios' file names, or the names as given when two files share
    a name (one column each: the table and CSV are keyed by them). The same file twice is bad input, since
    both games would be the same game (same settings, same seed)."""
    if Path(first.file).resolve() == Path(second.file).resolve():
        raise UsageError(f"compare {first_given} {second_given}: expected two different scenarios, "
                         f"both are {first.file}")
    names = [Path(first.file).stem, Path(second.file).stem]
    return names if names[0] != names[1] else [first.file, second.file]


def _warn_unread(scenarios: Sequence[Any], names: Sequence[str], overrides: dict[str, Any]) -> None:
    """A --set setting a scheduled event sets again, said once per event; one a scenario's payoff does not read,
    said once: for the games of both when their payoff is the same (it was said twice), else for the games of
    the scenario whose payoff it is."""
    for line in dict.fromkeys(line for scenario in scenarios for line in overridden_lines(scenario, overrides)):
        print(line, file=sys.stderr)      # a setting an event sets again: once, the same event in both
    payoffs = [scenario.params["payoff"] for scenario in scenarios]
    if payoffs[0] == payoffs[1]:
        warn_unread(payoffs[0], overrides)
        return
    for payoff, name in zip(payoffs, names):
        warn_unread(payoff, overrides, f"so the games of {name} are as without it")
