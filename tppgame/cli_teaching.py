"""The command line's ``run.py teaching-pack SCENARIO --out DIR``: a lesson plan, role cards, a
student handout and an answer key for a scenario, as Markdown and HTML
(:mod:`tppgame.classroom.teaching_pack`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tppgame.cli_args import Parser, UsageError, parse_setting, path_arg, seed_arg


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
    from tppgame.classroom.teaching_pack import pack_files
    from tppgame.game.scenario import load_scenario
    from tppgame.report import write_files

    args = build_teaching_parser().parse_args(list(argv))
    if not 1 <= args.seeds <= 200:
        raise UsageError(f"--seeds {args.seeds}: expected a whole number from 1 to 200")
    scenario = load_scenario(args.scenario)
    overrides = dict(parse_setting(text) for text in args.settings)
    if overrides:
        scenario = scenario.with_overrides(overrides, origin="--set")
    out = args.out or Path("out") / f"teaching-pack-{Path(scenario.file).stem}"
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: expected a folder, found a file")
    files = pack_files(scenario, out, range(args.first_seed, args.first_seed + args.seeds))
    try:     # all files or none
        write_files(files)
    except OSError as err:
        raise UsageError(f"--out {out}: could not write the pack ({err.strerror or err})") from None
    cards = sum(1 for path in files if path.parent.name == "role-cards" and path.suffix == ".md")
    print(f"Teaching pack for {scenario.name}: lesson plan, handout, answer key ({args.seeds} games), "
          f"{cards} role cards")
    print(f"Wrote {len(files)} files to {out} (start with {out / 'index.html'})")
    return 0
