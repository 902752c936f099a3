"""Command line: ``python run.py [SCENARIO] [--seed N] [--out DIR] [--set PATH=VALUE ...]``.

Runs a scenario, prints what happened round by round in plain words and a final table,
and writes ``rounds.csv``, ``events.jsonl`` and ``summary.json`` to the out folder. Bad
input (a scenario file, a setting, a folder) gets one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tppgame.scenario import ScenarioError, load_scenario

EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """Bad command-line input, reported in one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, no usage dump
        raise UsageError(f"{self.prog}: {message}")


def parse_setting(text: str) -> tuple[str, Any]:
    """``PATH=VALUE`` with VALUE read as a TOML value (number, true/false, "string", [list]), else a string."""
    if "=" not in text:
        raise UsageError(f"--set {text}: expected PATH=VALUE, for example countries.JPN.sensitivity.rice=2.5")
    path, raw = (part.strip() for part in text.split("=", 1))
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return path, value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="run.py", description="Run a TPP negotiation scenario and report what happened.")
    parser.add_argument("scenario", nargs="?", default="baseline",
                        help="scenario name in scenarios/ (default: baseline) or path to a TOML file")
    parser.add_argument("--seed", type=int, default=None, help="seed for all chance in the run (default: the scenario's)")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for rounds.csv, events.jsonl and summary.json (default: out/SCENARIO-seedN)")
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="PATH=VALUE",
                        help="override a scenario setting, e.g. --set countries.JPN.sensitivity.rice=2.5 (repeatable)")
    parser.add_argument("--quiet", action="store_true", help="print only the final table")
    return parser


def run(argv: Sequence[str]) -> int:
    from tppgame.model import TPPModel
    from tppgame.report import final_table, narrate, write_outputs

    args = build_parser().parse_args(list(argv))
    if args.seed is not None and args.seed < 0:
        raise UsageError(f"--seed {args.seed}: expected a whole number of at least 0")
    overrides = dict(parse_setting(s) for s in args.settings)
    scenario = load_scenario(args.scenario)
    if overrides:
        scenario = scenario.with_overrides(overrides, origin="--set")
    seed = scenario.seed if args.seed is None else args.seed
    out_dir = args.out or Path("out") / f"{Path(scenario.file).stem}-seed{seed}"
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out {out_dir}: expected a folder, found a file")

    model = TPPModel(scenario, rng=seed)
    while model.running:
        model.step()

    if not args.quiet:
        print(f"{scenario.name}  (seed {seed})")
        if scenario.description:
            print(scenario.description)
        print()
        for line in narrate(model):
            print(line)
        print()
    summary = model.summary()
    print(final_table(summary, model.sectors), end="")
    try:
        paths = write_outputs(model, out_dir)
    except OSError as err:
        raise UsageError(f"--out {out_dir}: could not write results ({err.strerror or err})") from None
    print(f"\nWrote {', '.join(str(p) for p in paths)}")
    return 0


COMMANDS = {"run": run}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: dispatch to a command (``run`` when the first word is not one)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command = run
    if argv and argv[0] in COMMANDS:
        command = COMMANDS[argv.pop(0)]
    try:
        return command(argv)
    except (ScenarioError, UsageError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into head and the like: stop quietly
        sys.stderr.close()
        return 0
