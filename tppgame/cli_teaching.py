"""The command line's teaching commands: ``run.py teaching-pack SCENARIO --out DIR`` (a lesson plan,
role cards, a student handout and an answer key for a scenario, as Markdown and HTML:
:mod:`tppgame.classroom.teaching_pack`) and ``run.py debrief`` (a finished game's debrief handout
as HTML and PDF with CSV tables, or a comparison of several games: :mod:`tppgame.classroom.debrief`)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from tppgame.cli_args import Parser, UsageError, path_arg, scenario_name, seed_arg, seed_range, with_settings


def build_teaching_parser() -> Parser:
    """The options of ``run.py teaching-pack``."""
    from tppgame.classroom.teaching_pack import DEFAULT_SEEDS

    parser = Parser(prog="run.py teaching-pack",
                     description="Write a teaching pack for a scenario: a 90-minute lesson plan, a role card per "
                                 "country, a student handout and an answer key (the model's games over a few "
                                 "seeds, played now), as Markdown and HTML.")
    parser.add_argument("scenario", nargs="?", default="baseline",
                        help="scenario name in scenarios/ (default: baseline) or path to a TOML file")
    parser.add_argument("--out", type=path_arg("folder"), default=None,
                        help="folder for the pack (default: out/teaching-pack-SCENARIO)")
    parser.add_argument("--seeds", type=int, default=DEFAULT_SEEDS,
                        help=f"games in the answer key (default {DEFAULT_SEEDS})")
    parser.add_argument("--first-seed", type=seed_arg, default=0, help="the answer key's first seed (default 0)")
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="PATH=VALUE",
                        help="override a scenario setting (repeatable); the pack then describes that variant")
    return parser


def teaching_pack(argv: Sequence[str]) -> int:
    """``run.py teaching-pack [SCENARIO] [--out DIR] [--seeds N] [--first-seed S] [--set PATH=VALUE ...]``."""
    from tppgame.classroom.teaching_pack import count_games, pack_files
    from tppgame.game.scenario import load_scenario
    from tppgame.report import write_files

    args = build_teaching_parser().parse_args(list(argv))
    if not 1 <= args.seeds <= 200:
        raise UsageError(f"--seeds {args.seeds}: expected a whole number from 1 to 200")
    seeds = seed_range(args.first_seed, args.seeds)
    scenario = with_settings(load_scenario(args.scenario), args.settings)     # a setting no game reads: warned of
    out = args.out or Path("out") / f"teaching-pack-{Path(scenario.file).stem}"
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: expected a folder, found a file")
    files = pack_files(scenario, out, seeds, args.settings)
    try:     # all files or none
        write_files(files)
    except OSError as err:
        raise UsageError(f"--out {out}: could not write the pack ({err.strerror or err})") from None
    cards = sum(1 for path in files if path.parent.name == "role-cards" and path.suffix == ".md")
    print(f"Teaching pack for {scenario.name}: lesson plan, handout, answer key ({count_games(args.seeds)}), "
          f"{cards} role cards")
    print(f"Wrote {len(files)} files to {out} (start with {out / 'index.html'})")
    return 0


def build_debrief_parser() -> Parser:
    """The options of ``run.py debrief``."""
    parser = Parser(prog="run.py debrief",
                     description="Play a scenario and write its debrief: a handout (debrief.html, debrief.pdf) "
                                 "with the timeline, each country against what it needed and each deal against "
                                 "its pair's frontier, and outcomes.csv and deals.csv; or, with --compare, a page "
                                 "comparing earlier games (comparison.html, comparison.csv).")
    parser.add_argument("scenario", nargs="?", default=None,
                        help="scenario name in scenarios/ (default: baseline) or path to a TOML file")
    parser.add_argument("--seed", type=seed_arg, default=None, help="seed for all chance in the game")
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="PATH=VALUE",
                        help="override a scenario setting (repeatable)")
    parser.add_argument("--room", type=room_arg, default=None,
                        help="the room's (group's) name, shown in the handout's title")
    parser.add_argument("--compare", nargs="+", type=path_arg("folder"), default=None, metavar="DIR",
                        help="compare earlier games: folders run.py or run.py debrief wrote (summary.json, events.jsonl)")
    parser.add_argument("--out", type=path_arg("folder"), default=None,
                        help="folder for the files (default: out/debrief-SCENARIO-seedN, or out/debrief-comparison)")
    return parser


def room_arg(value: str) -> str:
    """A ``--room`` name: not empty or blank (the handout would silently have none), no line breaks or other
    control characters (which would break its title); spaces around it dropped."""
    if not value.strip() or not value.isprintable():
        raise argparse.ArgumentTypeError(f"expected the room's name on one line, got {value!r}")
    return value.strip()


def debrief(argv: Sequence[str]) -> int:
    """``run.py debrief [SCENARIO] [--seed N] [--set PATH=VALUE ...] [--room NAME] [--out DIR]``, or
    ``run.py debrief --compare DIR1 DIR2 ... [--out DIR]``."""
    args = build_debrief_parser().parse_args(list(argv))
    if args.compare is not None:
        return _compare(args)
    import importlib.util

    from tppgame.classroom.debrief import debrief_files, outcome_lines
    from tppgame.game.scenario import load_scenario
    from tppgame.model import TPPModel

    missing = [name for name in ("matplotlib", "reportlab") if importlib.util.find_spec(name) is None]
    if missing:
        raise UsageError(f"the debrief needs its extra ({', '.join(missing)} missing): pip install -e \".[debrief]\"")
    scenario = with_settings(load_scenario(scenario_name(args.scenario)), args.settings)
    seed = scenario.seed if args.seed is None else args.seed
    out = _folder(args.out or Path("out") / f"debrief-{Path(scenario.file).stem}-seed{seed}")
    model = TPPModel(scenario, rng=seed)
    while model.running:
        model.step()
    files = debrief_files(model, out, room=args.room)
    _write(files, out)
    print(f"Debrief of {scenario.name} (seed {seed}):")
    for line in outcome_lines(model):
        print(f"  {line}")
    print(f"Wrote {len(files)} files to {out} (start with {out / 'debrief.html'}; print {out / 'debrief.pdf'})")
    return 0


def _compare(args: argparse.Namespace) -> int:
    """``run.py debrief --compare DIR ...``: comparison.html and comparison.csv of earlier games."""
    from tppgame.classroom.debrief_compare import GameFolderError, GameRecord, comparison_files, comparison_rows
    from tppgame.game.fields import first_repeat

    if args.scenario is not None or args.seed is not None or args.settings or args.room is not None:
        raise UsageError("--compare: reads games already played; give only folders and --out "
                         "(no SCENARIO, --seed, --set or --room)")
    if len(args.compare) < 2:
        raise UsageError(f"--compare {args.compare[0]}: expected at least two folders of games to compare")
    try:
        games = [GameRecord.of_folder(folder) for folder in args.compare]
    except GameFolderError as err:
        raise UsageError(f"--compare {err}") from None
    repeat = first_repeat([folder.resolve() for folder in args.compare])   # X twice, or X and ./X: a game
    if repeat is not None:                                                # compared with itself
        first, folder = (args.compare[k] for k in repeat)
        also = "" if str(first) == str(folder) else f" (as {first})"
        raise UsageError(f"--compare {folder}: given twice{also}; give each folder once")
    labels = [g.label for g in games]
    if len(set(labels)) < len(labels):     # same folder names under different parents: name them by path
        games = [GameRecord(str(folder), g.summary, g.deals) for folder, g in zip(args.compare, games)]
    out = _folder(args.out or Path("out") / "debrief-comparison")
    files = comparison_files(games, out)
    _write(files, out)
    for row in comparison_rows(games):
        when = f"formed {row['date'][:7]}" if row["formed"] else "no agreement"
        print(f"{row['game']}: {when}; {len(row['members'].split())} members; {row['deals_closed']} deals; "
              f"gained most {row['gained_most'] or '-'}, least {row['gained_least'] or '-'}")
    print(f"Wrote {out / 'comparison.html'}, {out / 'comparison.csv'}")
    return 0


def _folder(out: Path) -> Path:
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: expected a folder, found a file")
    return out


def _write(files: dict, out: Path) -> None:
    """All the files or none (:func:`tppgame.report.write_files`)."""
    from tppgame.report import write_files

    try:
        write_files(files)
    except OSError as err:
        raise UsageError(f"--out {out}: could not write the files ({err.strerror or err})") from None
