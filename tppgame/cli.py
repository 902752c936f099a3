"""Command line.

* ``python run.py [SCENARIO] [--seed N] [--out DIR] [--set PATH=VALUE ...]``: run a scenario,
  print what happened round by round in plain words and a final table, and write
  ``rounds.csv``, ``events.jsonl`` and ``summary.json`` to the out folder. With
  ``--stop-at ROUND|YYYY-MM --save FILE`` it stops there and saves the game; ``--from FILE
  [--set ...]`` continues a saved game, with changed settings from then on if given (a branch;
  tppgame.game.snapshot).
* ``python run.py list``: the scenarios with their one-line descriptions.
* ``python run.py compare A B [--seed N] [--seeds N] [--out FILE]``: two scenarios, same seed (or seeds), side by
  side.
* ``python run.py robustness SCENARIO [--seeds 50]``: how often the scenario's headlines hold.
* ``python run.py power [SCENARIO] [--json] [--out DIR]``: power under the entry rule (tppgame.cli_power).
* ``python run.py teaching-pack [SCENARIO] [--out DIR]``: a teaching pack as Markdown and HTML (tppgame.cli_teaching).
* ``python run.py debrief [SCENARIO] [--seed N] [--out DIR]`` (or ``debrief --compare DIR1 DIR2 ...``): a game's
  debrief handout as HTML and PDF with CSV tables, or a comparison of games (tppgame.cli_teaching).
* ``python run.py play --as JPN [SCENARIO] [--seed N] [--out DIR]``: negotiate for one country in
  the terminal; the agents play the others (tppgame.classroom.play).
* ``python run.py dashboard [--host 127.0.0.1] [--port 8765]``: the classroom dashboard in a browser
  (tppgame.app, Mesa's SolaraViz).
* ``python run.py classroom [SCENARIO] [--seed N] [--port 8765] [--db PATH]``: a class server with rooms
  and join codes (tppgame.cli_classroom).
* ``python run.py sweep SCENARIO --vary PATH=SPEC ... [--reps R] [--out DIR]`` (or ``sweep FILE.toml``):
  a parameter sweep into a resumable result store, with CSV and Parquet exports (tppgame.experiments.sweep).
* ``python run.py sweep-report DIR [--out DIR2] [--formats png,pdf,svg]``: plots of the probability of agreement and
  sensitivity indices of a sweep's store (tppgame.experiments.sweep_report).
* ``python run.py tournament [SCENARIO ...] [--negotiators A,B] [--seats JPN,USA] [--reps R] [--out DIR]``:
  negotiators played in countries' seats over replicate seeds, on the sweep engine, with a ranking
  table, plot and summary (tppgame.experiments.tournament).

Bad input (a scenario file, a setting, a folder) gets one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import errno
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tppgame.cli_args import (BRANCH_UNREAD, EXIT_BAD_INPUT, MOST_SEEDS, Parser, UsageError, check_out_file,
                              parse_negotiators, parse_settings, path_arg, scenario_name, seed_arg, seed_range,
                              terminal_width, tolerant_streams, warn_unread, with_settings, wrapped, write_or_fail)
from tppgame.cli_classroom import classroom, quiet_server, server_url
from tppgame.cli_compare import compare
from tppgame.cli_experiments import sweep, sweep_report, tournament
from tppgame.cli_power import power
from tppgame.cli_teaching import debrief, teaching_pack
from tppgame.game.economy import load_economy
from tppgame.game.scenario import ScenarioError, load_scenario

# The commands and their one-line descriptions, in the order ``run.py --help`` lists them.
COMMAND_HELP = {
    "run": "play a scenario and write rounds.csv, events.jsonl, summary.json (the default command)",
    "list": "the scenarios in scenarios/ with their one-line descriptions",
    "play": "negotiate for one country at the terminal; the agents play the others",
    "compare": "two scenarios with the same seed (or --seeds N, compared seed by seed), side by side, and a CSV",
    "robustness": "play a scenario over many seeds and report how often its headlines hold",
    "power": "each member's Banzhaf and Shapley-Shubik index and veto under the entry rule",
    "teaching-pack": "a lesson plan, role cards, a student handout and an answer key for a scenario",
    "debrief": "a game's debrief handout (HTML, PDF, CSV), or --compare several games",
    "sweep": "a parameter sweep into a resumable store, with CSV and Parquet tables",
    "sweep-report": "plots and sensitivity indices of a sweep's store",
    "tournament": "negotiators in countries' seats over replicate seeds, ranked",
    "dashboard": "the classroom dashboard in a browser",
    "classroom": "a class server: rooms with join codes, a teacher's console, a seat per student",
    "help": "this help, or a command's: run.py help COMMAND",
}


def build_parser() -> argparse.ArgumentParser:
    width = max(len(name) for name in COMMAND_HELP)
    commands = "\n".join(f"  {name:<{width}}  {text}" for name, text in COMMAND_HELP.items())
    parser = Parser(prog="run.py", usage="run.py [COMMAND] [options]  (COMMAND defaults to run)\n"
                                          "       run.py [run] [SCENARIO] [--seed N] [--out DIR] ...",
                     description="Run a TPP negotiation scenario and report what happened.",
                     epilog=f"commands:\n{commands}\n\nrun.py COMMAND --help shows a command's options.",
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    _scenario_arguments(parser, "out/SCENARIO-seedN", default=None)
    parser.add_argument("--seed", type=seed_arg, default=None,
                        help="seed for all chance in the run (default: the scenario's)")
    parser.add_argument("--quiet", action="store_true", help="print only the final table")
    parser.add_argument("--stop-at", default=None, metavar="ROUND|YYYY-MM",
                        help="stop after this round (or the round of this month) and save the game (with --save)")
    parser.add_argument("--save", type=path_arg("file"), default=None, metavar="FILE",
                        help="the file the game stopped by --stop-at is saved to (JSON)")
    parser.add_argument("--from", dest="saved", type=path_arg("file"), default=None, metavar="FILE",
                        help="continue a saved game; --set and --negotiator then change settings from its round on")
    return parser


def _scenario_arguments(parser: argparse.ArgumentParser, default_out: str, default: str | None = "baseline") -> None:
    """The arguments of commands that play one game: the scenario, --out and --set."""
    parser.add_argument("scenario", nargs="?", default=default,
                        help="scenario name in scenarios/ (default: baseline) or path to a TOML file")
    parser.add_argument("--out", type=path_arg("folder"), default=None,
                        help=f"folder for rounds.csv, events.jsonl and summary.json (default: {default_out})")
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="PATH=VALUE",
                        help="override a scenario setting, e.g. --set countries.JPN.sensitivity.rice=2.5 (repeatable)")
    parser.add_argument("--negotiator", dest="negotiators", action="append", default=[], metavar="CODE=NAME",
                        help="a country's negotiator by registered name, e.g. --negotiator JPN=conceder (repeatable)")


def run(argv: Sequence[str]) -> int:
    from tppgame.model import TPPModel
    from tppgame.report import month_label, narrate

    args = build_parser().parse_args(list(argv))
    if (args.stop_at is None) != (args.save is None):
        raise UsageError("--stop-at and --save: expected both (stop at a round and save the game there) or neither")
    if args.stop_at is not None and args.out is not None:    # it was ignored without a word
        raise UsageError(f"--out {args.out}: a game stopped by --stop-at writes no results, only the saved game "
                         "(--save FILE); leave --out out, and give it when the game is continued (--from)")
    load_economy()          # the welfare account's data: a bad figure stops the run before it plays
    if args.saved is not None:
        model = saved_game(args)
        continued = f", continued from round {model.round} of {args.saved}"
        scenario, seed = model.scenario.settings, model.run_seed
        default_out = Path("out") / f"{Path(scenario.file).stem}-seed{seed}-from-round{model.round}"
    else:
        scenario = with_settings(load_scenario(scenario_name(args.scenario)), args.settings, args.negotiators)
        seed = scenario.seed if args.seed is None else args.seed
        model, continued = TPPModel(scenario, rng=seed), ""
        default_out = Path("out") / f"{Path(scenario.file).stem}-seed{seed}"
    stop = None if args.stop_at is None else stop_round(args.stop_at, model)
    out_dir = _out_folder(args.out, default_out) if stop is None else None
    if stop is not None:
        check_out_file(args.save, [scenario], "--save")
    while model.running and (stop is None or model.round < stop):
        model.step()

    if not args.quiet:
        width = terminal_width()
        print(f"{scenario.name}  (seed {seed}{continued})")
        if scenario.description:
            print("\n".join(wrapped(scenario.description, width)))
        print()
        for line in narrate(model):
            print("\n".join(wrapped(line, width)))
        print()
    if out_dir is None:
        write_or_fail(lambda: model.snapshot(args.save), args.save, "--save")
        print(f"Stopped after round {model.round} ({month_label(model, model.round)}); saved the game to {args.save}")
        print(f"Continue it with: python run.py --from {args.save} [--set PATH=VALUE ...]")
        return 0
    _table_and_files(model, out_dir)
    return 0


def saved_game(args: argparse.Namespace, seat: str | None = None) -> Any:
    """``--from FILE`` (run, play ``--as seat``): the saved game replayed to its round (checked to be the game
    saved), with ``--set`` and ``--negotiator`` changing settings from there on (a branch, noted in the event
    log). A game saved with a person's seat (from Python) goes on only with that person: ``play --as``."""
    from tppgame.game.snapshot import read_snapshot
    from tppgame.model import TPPModel

    saved = read_snapshot(args.saved)
    scenario = saved.scenario()
    if args.scenario is not None and load_scenario(args.scenario).name != saved.name:
        raise UsageError(f"--from {args.saved}: the game was saved from the scenario \"{saved.name}\" "
                         f"({saved.scenario_file}), not {args.scenario}; leave SCENARIO out to continue it")
    if args.seed is not None and args.seed != saved.seed:
        raise UsageError(f"--seed {args.seed}: a saved game keeps its seed ({saved.seed}); leave --seed out with --from")
    settings = parse_settings(args.settings)
    chosen = parse_negotiators(args.negotiators, scenario.countries, settings)
    if chosen:      # checked as --negotiator's, not as the --set the branch applies them with
        scenario.with_overrides(chosen, origin="--negotiator")
    model = saved.play_on(TPPModel, {**settings, **chosen}, origin="--set")
    # the payoff in force from the branch on (a shock before the saved round may have changed the scenario's)
    warn_unread(model.config.params["payoff"], settings, BRANCH_UNREAD)
    people = [model.countries[i] for i in model.seats.countries] + model.seats.taking
    if people and people != [seat]:     # run would pass their talks every round; play plays one seat
        raise UsageError(f"--from {args.saved}: the game was saved with {', '.join(people)} played by a person; "
                         + (f"continue it with run.py play --as {people[0]} --from {args.saved}" if len(people) == 1
                            else "continue it from Python (TPPModel.from_snapshot)"))
    return model


def stop_round(text: str, model: Any) -> int:
    """``--stop-at``: a round number, or a month (YYYY-MM: the round whose period holds its first day),
    after the round the game stands at and before its last round."""
    import datetime as dt

    from tppgame.game.scenario import round_of_date

    config, first = model.config, model.round + 1
    try:
        year, month = (int(part) for part in text.split("-")) if "-" in text else (None, None)
        number = int(text) if year is None else round_of_date(dt.date(year, month, 1), config.start,
                                                               config.months_per_round)
    except ValueError:
        number = None
    last = config.rounds - 1
    if number is None or not first <= number <= last:
        months = f"{config.round_date(first):%Y-%m} to {config.round_date(last):%Y-%m}"
        raise UsageError(f"--stop-at {text}: expected a round from {first} to {last} (the game has {config.rounds}), "
                         f"or a month from {months}")
    return number


def play(argv: Sequence[str]) -> int:
    """``run.py play --as CODE [SCENARIO]``: the player negotiates for one country at the terminal."""
    from tppgame.classroom.play import HangUp, after_hangup, hangup_stops_play
    from tppgame.classroom.play import play as play_game
    from tppgame.model import TPPModel

    parser = Parser(prog="run.py play", description="Negotiate for one country; the agents play the others.")
    _scenario_arguments(parser, "out/SCENARIO-seedN-CODE", default=None)
    parser.add_argument("--as", dest="country", required=True, metavar="CODE",
                        help="the country you play, by ISO3 code (for example JPN)")
    parser.add_argument("--seed", type=seed_arg, default=None, help="seed for all chance in the run")
    parser.add_argument("--from", dest="saved", type=path_arg("file"), default=None, metavar="FILE",
                        help="take the seat in a saved game (run.py ... --stop-at ROUND --save FILE) from its round on")
    args = parser.parse_args(list(argv))
    code = args.country.upper()
    load_economy()
    if args.saved is not None:
        model = saved_game(args, args.country.upper())
        scenario, seed, since = model.scenario.settings, model.run_seed, f"-from-round{model.round}"
    else:
        scenario = with_settings(load_scenario(scenario_name(args.scenario)), args.settings, args.negotiators)
        seed, since, model = scenario.seed if args.seed is None else args.seed, "", None
    if code not in scenario.countries:
        raise UsageError(f"--as {args.country}: expected a country of the scenario ({', '.join(scenario.countries)})")
    out_dir = _out_folder(args.out, Path("out") / f"{Path(scenario.file).stem}-seed{seed}-{code}{since}")
    if model is None:
        model = TPPModel(scenario, rng=seed, seat=code)
    elif not model.seats.held(code):     # (held: the seat saved with the game, which the player goes on with)
        try:
            model.seats.take(code)
        except ValueError as err:
            raise UsageError(f"--as {code} --from {args.saved}: {err}") from None
    try:
        with hangup_stops_play():
            play_game(model)
    except KeyboardInterrupt as stop:      # Ctrl-C or a hang-up (SIGHUP, exit 129): like q, the game so far is kept
        if model.waiting_for_seat:
            model.settle()
        if isinstance(stop, HangUp):
            return after_hangup(lambda: _table_and_files(model, out_dir))
        print(f"\ninterrupted after round {model.round}: the game so far follows")
        _table_and_files(model, out_dir)
        return 130
    print()
    _table_and_files(model, out_dir)
    return 0


def host_warning(host: str, what: str = "the dashboard") -> str | None:
    """The warning for a server (``what``) listening on ``host`` if other machines can reach it, else None.

    Only this computer reaches a loopback address (127.0.0.1, any 127.x.x.x, ::1) or localhost.
    """
    import ipaddress

    try:
        local = ipaddress.ip_address(host).is_loopback
    except ValueError:   # a host name
        local = host.lower().rstrip(".") == "localhost"
    if local:
        return None
    return (f"warning: --host {host}: {what} is reachable from other machines on the network, "
            "without a password (--host 127.0.0.1 keeps it to this computer)")


def dashboard(argv: Sequence[str]) -> int:
    """``run.py dashboard``: serve the classroom dashboard (tppgame/app.py, Mesa's SolaraViz) with Solara."""
    import importlib.util
    import os
    import socket

    parser = Parser(prog="run.py dashboard", description="Serve the classroom dashboard in a browser.")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this computer only; 0.0.0.0 for a classroom network)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    args = parser.parse_args(list(argv))
    if not 0 < args.port < 65536:
        raise UsageError(f"--port {args.port}: expected a port number from 1 to 65535")
    if importlib.util.find_spec("solara") is None:
        raise UsageError("the dashboard needs its extra: pip install -e \".[dashboard]\"")
    with socket.socket() as probe:     # a clear line now rather than the server's error later
        try:
            probe.bind((args.host, args.port))
        except OSError as err:
            raise UsageError(f"--host {args.host} --port {args.port}: cannot listen there ({err.strerror})") from None
    app = Path(__file__).with_name("app.py")
    warning = host_warning(args.host)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    print(f"Dashboard at {server_url(args.host, args.port)}  (Ctrl+C stops it)", flush=True)
    command = [sys.executable, "-m", "solara", "run", str(app), "--host", args.host, "--port", str(args.port),
               "--production", "--no-open", "--log-level", "warning"]
    sys.stdout.flush()
    quiet_server(os.environ)
    # The server takes this process's place, so that stopping this process (Ctrl+C, a signal) stops the server.
    os.execv(sys.executable, command)
    return 0   # not reached: execv does not return


def _out_folder(given: Path | None, default: Path) -> Path:
    """The results folder: the one given, else the default; a file in its place is bad input."""
    out_dir = given or default
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out {out_dir}: expected a folder, found a file")
    return out_dir


def _table_and_files(model: Any, out_dir: Path) -> None:
    """Print the final table and write rounds.csv, events.jsonl and summary.json."""
    from tppgame.report import final_table, write_outputs

    print(final_table(model.summary(), model.sectors), end="")
    paths: list[Path] = []
    write_or_fail(lambda: paths.extend(write_outputs(model, out_dir)), out_dir)
    print(f"\nWrote {', '.join(str(p) for p in paths)}")


def first_sentence(text: str) -> str:
    """A description's first sentence, with its own full stop, question or exclamation mark (a question
    was run on into the next sentence: tokyo_2014's "... set? One round a month, ...")."""
    first = re.split(r"(?<=[.?!])\s+", text.strip(), maxsplit=1)[0]
    return first if first.endswith((".", "?", "!")) else first + "."


def list_scenarios(argv: Sequence[str]) -> int:
    """``run.py list``: the scenarios shipped with the game, with their one-line descriptions."""
    Parser(prog="run.py list", description="List the scenarios in scenarios/.").parse_args(list(argv))
    from tppgame.game.scenario import available_scenarios

    paths = available_scenarios()
    width = max((len(p.stem) for p in paths), default=0)
    for path in paths:
        scenario = load_scenario(path)
        print(f"{path.stem:<{width}}  {scenario.name}")
        print(f"{'':<{width}}  {first_sentence(scenario.description or scenario.name)}")
    return 0


def robustness(argv: Sequence[str]) -> int:
    """``run.py robustness SCENARIO [--headlines FILE]``: how often the scenario's headlines (or a file's)
    hold over many seeds."""
    from tppgame.experiments.headlines import ROBUST_SHARE, headlines_file, over_seeds
    from tppgame.report import month_label, write_csv

    parser = Parser(prog="run.py robustness",
                     description="Play a scenario over many seeds and report how often its headlines hold.")
    parser.add_argument("scenario")
    parser.add_argument("--seeds", type=int, default=50,
                        help=f"how many seeds (default 50: 0 to 49; at most {MOST_SEEDS:,})")
    parser.add_argument("--first-seed", type=seed_arg, default=0)
    parser.add_argument("--out", type=path_arg("file"), default=None, help="per-seed CSV (default: out/robustness-SCENARIO.csv)")
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="PATH=VALUE",
                        help="override a setting (repeatable)")
    parser.add_argument("--headlines", type=path_arg("file"), default=None, metavar="FILE",
                        help="check the [[headlines]] of this TOML file in place of the scenario's own "
                             "(for example benchmarks/stylised_facts.toml)")
    args = parser.parse_args(list(argv))
    if not 1 <= args.seeds <= MOST_SEEDS:
        raise UsageError(f"--seeds {args.seeds}: expected a whole number from 1 to {MOST_SEEDS} "
                         "(for more games, run.py sweep stores them as it goes and resumes)")
    seeds = seed_range(args.first_seed, args.seeds)
    scenario = with_settings(load_scenario(args.scenario), args.settings)
    if args.headlines is not None:
        scenario = scenario.with_headlines(headlines_file(args.headlines), str(args.headlines))
    out = args.out or Path("out") / f"robustness-{Path(scenario.file).stem}.csv"
    check_out_file(out, [scenario], reads={args.headlines: "the headlines file"} if args.headlines else {})
    rows: list[dict[str, Any]] = []
    try:
        for seed, model, verdicts in over_seeds(scenario, seeds):
            summary = model.summary()
            row = {"seed": seed, "formed": summary["formed"], "round": summary["round"],
                   "month": month_label(model, summary["round"]) if summary["formed"] else "",
                   "signatories": len(summary["members"]), "gdp_share": summary["gdp_share"],
                   "in_force": summary["in_force"]}
            row.update({f"headline_{k + 1}": v for k, v in enumerate(verdicts)})
            rows.append(row)
    except KeyboardInterrupt:      # Ctrl-C: like play, the seeds finished so far are kept
        print(f"\ninterrupted after {len(rows)} of {len(seeds)} seeds: PARTIAL results for the seeds that finished")
        if rows:
            _robustness_table(scenario, rows, ROBUST_SHARE)
            write_or_fail(lambda: write_csv(out, rows), out)
            print(f"Wrote {out} (partial: {len(rows)} of {len(seeds)} seeds)")
        return 130
    _robustness_table(scenario, rows, ROBUST_SHARE)
    write_or_fail(lambda: write_csv(out, rows), out)
    print(f"Wrote {out}")
    return 0


def _robustness_table(scenario: Any, rows: list[dict[str, Any]], robust_share: float) -> None:
    """How often the agreement formed, when, and how often each headline held over the seeds played, with
    the count and its 95% Wilson interval (a share of a few seeds is far from certain)."""
    n = len(rows)
    print(f"{scenario.name}: seeds {rows[0]['seed']}-{rows[-1]['seed']}")
    formed = sum(r["formed"] for r in rows)
    print(f"agreement formed in {formed / n:.0%} of seeds; could enter into force in "
          f"{sum(r['in_force'] for r in rows) / n:.0%}")
    months: dict[str, int] = {}
    for r in rows:
        if r["formed"]:
            months[r["month"]] = months.get(r["month"], 0) + 1
    if months:
        print("formed in: " + ", ".join(f"{m} {c / n:.0%}" for m, c in sorted(months.items(), key=lambda kv: -kv[1])))
    if not scenario.headlines:
        print("(this scenario states no headlines)")
    from tppgame.experiments.sweep_agreement import wilson

    for k, headline in enumerate(scenario.headlines, start=1):
        held = sum(bool(r[f"headline_{k}"]) for r in rows)
        share = held / n
        low, high = wilson(held, n)
        verdict = _verdict(share, low, high, robust_share)
        print(f"headline {k}: {headline.claim} -- holds in {share:.0%} of seeds ({held} of {n}; 95% Wilson "
              f"interval {low:.0%} to {high:.0%}): {verdict}")


def _verdict(share: float, low: float, high: float, robust_share: float) -> str:
    """A headline's verdict: robust at ``robust_share`` of the seeds or more, else FRAGILE; a share whose 95%
    interval (``low`` to ``high``) still reaches across the bar says the seeds are too few to be sure, a robust one
    (8 of 10 seeds: 49% to 94%) as a fragile one (7 of 10: 40% to 89%)."""
    if share < robust_share:
        if high >= robust_share:
            return (f"FRAGILE in these seeds, too few to be sure (holds in fewer than {robust_share:.0%} of them; "
                    f"the interval reaches above {robust_share:.0%})")
        return f"FRAGILE (holds in fewer than {robust_share:.0%} of seeds)"
    if low < robust_share:
        return f"robust in these seeds, too few to be sure (the interval reaches below {robust_share:.0%})"
    return "robust"


COMMANDS = {"run": run, "list": list_scenarios, "compare": compare, "robustness": robustness, "sweep": sweep,
            "sweep-report": sweep_report, "tournament": tournament, "play": play, "dashboard": dashboard,
            "power": power, "teaching-pack": teaching_pack, "debrief": debrief,
            "classroom": classroom}


def help_command(argv: Sequence[str]) -> int:
    """``run.py help [COMMAND]``: the top-level help (every command), or one command's options
    (``help help`` and ``help --help``: the top-level help, which says what help does)."""
    if list(argv) in ([], ["--help"], ["-h"]):
        build_parser().print_help()
        return 0
    if len(argv) > 1 or argv[0] not in COMMANDS:
        raise UsageError(f"help {' '.join(argv)}: expected one command of {', '.join(COMMANDS)}")
    return COMMANDS[argv[0]](["--help"])


COMMANDS["help"] = help_command


def _bare_word(text: str) -> bool:
    """A first word that names no file: neither a path nor a .toml (perhaps a mistyped command)."""
    return not text.startswith("-") and "/" not in text and "\\" not in text and not text.endswith(".toml")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: dispatch to a command (``run`` when the first word is not one)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    from tppgame.experiments.sweep import worker_bootstrapping

    if worker_bootstrapping():   # a worker importing a script without the __main__ guard: the sweep says so
        return EXIT_BAD_INPUT
    if sys.stdout is None:   # started with standard output closed (run.py list >&-): print() would drop it all
        print("error: standard output: expected an open standard output for what the command prints, found it "
              "closed (> /dev/null discards it)", file=sys.stderr)
        return EXIT_BAD_INPUT
    tolerant_streams()
    command = run
    if argv and argv[0] in COMMANDS:
        command = COMMANDS[argv.pop(0)]
    try:
        return command(argv)
    except ScenarioError as err:
        hint = ""
        if command is run and argv and _bare_word(argv[0]) and not err.path and "existing" in err.expected:
            hint = " (nor is it a command: run.py --help lists them)"
        print(f"error: {err}{hint}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into head and the like: stop quietly
        sys.stderr.close()
        return 0
    except OSError as err:   # printing into a redirect on a full disk or device: one line, not a traceback
        if err.filename is not None or err.errno not in OUTPUT_FAULTS:   # files are written (and named) apart
            raise
        _drop_stdout()
        print(f"error: standard output: could not write what the command prints ({err.strerror or err})",
              file=sys.stderr)
        return EXIT_BAD_INPUT


# A write to standard output that fails with one of these (and names no file: the commands' own files are
# written through write_or_fail and named) means the terminal's redirect cannot take more.
OUTPUT_FAULTS = (errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG)


def _drop_stdout() -> None:
    """Point standard output at the null device, so that the interpreter's last flush at exit (of what the
    failed write left in the buffer) does not fail again with a traceback."""
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, sys.stdout.fileno())
    os.close(null)
