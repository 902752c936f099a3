"""The pieces every command line of tppgame parses with: a parser whose errors are one line, the
``--set PATH=VALUE`` and ``--negotiator CODE=NAME`` reading, the ``--out`` and ``--seed`` values, the
engine options, results files checked before a game and written whole or not at all; and the width
prose is wrapped to on a terminal."""

from __future__ import annotations

import argparse
import codecs
import io
import json
import os
import shutil
import sys
import textwrap
import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from tppgame.game.data_files import name_too_long
from tppgame.game.fields import SEED_MAX, SEEDS, first_repeat, is_seed, iso_dates, parse_toml

EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """Bad command-line input, reported in one line."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (UsageError: exit 2, no usage dump)."""

    def error(self, message: str) -> None:
        raise UsageError(f"{self.prog}: {message}")


def parse_setting(text: str) -> tuple[str, Any]:
    """``PATH=VALUE`` with VALUE read as a TOML value (number, true/false, "string", [list]), else a string;
    no ``=``, or nothing before it, is bad input."""
    path, sep, raw = (part.strip() for part in text.partition("="))
    if not sep or not path:
        raise UsageError(f"--set {text}: expected PATH=VALUE, for example countries.JPN.sensitivity.rice=2.5")
    try:
        value = iso_dates(parse_toml(f"v = {raw}")["v"])
    except tomllib.TOMLDecodeError:
        value = raw
    return path, value


def scenario_name(given: str | None) -> str:
    """The SCENARIO argument of run, play and debrief: the baseline when left out (an empty one given is bad
    input, said by the loader, not the baseline)."""
    return "baseline" if given is None else given


def parse_settings(texts: Sequence[str]) -> dict[str, Any]:
    """Every ``--set PATH=VALUE`` by path; a path given twice is bad input (the second would silently win)."""
    pairs = [parse_setting(text) for text in texts]
    repeat = first_repeat([path for path, _ in pairs])
    if repeat is not None:
        raise UsageError(f"--set {pairs[repeat[1]][0]}: given twice; give each setting once")
    return dict(pairs)


def path_arg(kind: str) -> Callable[[str], Path]:
    """An ``--out`` value (or another path option's): a path, not an empty name (which would mean the current
    folder), nor one the system refuses as too long (which every later look at it would raise); a file's
    name not ending with ``/`` (``--save games/`` wrote a file named ``games``)."""
    def path(value: str) -> Path:
        if not value.strip():
            raise argparse.ArgumentTypeError(f"expected a {kind} name, got an empty one ({value!r})")
        if kind == "file" and value.endswith(("/", os.sep)):    # a folder's name, which Path would make a file's
            raise argparse.ArgumentTypeError(f"expected a file name, got a folder's ({value!r} ends with /)")
        if name_too_long(value):
            raise argparse.ArgumentTypeError(f"expected a {kind} name the system accepts, got one too long "
                                             f"({len(value)} characters)")
        return Path(value)
    path.__name__ = f"{kind} name"
    return path


def seed_arg(value: str) -> int:
    """A ``--seed`` value: a whole number from 0 to 2^63 - 1, the seeds a scenario's ``seed`` accepts
    (a larger one would play here but could not be saved, stored or set in a scenario)."""
    try:
        seed = int(value)
    except ValueError:
        seed = -1
    if not is_seed(seed):
        raise argparse.ArgumentTypeError(f"expected {SEEDS}, got {value!r}")
    return seed


def seed_range(first: int, count: int) -> range:
    """``--first-seed`` and ``--seeds``: the seeds played, all within the seeds a game accepts."""
    if first + count - 1 > SEED_MAX:
        raise UsageError(f"--first-seed {first} --seeds {count}: expected seeds up to 2^63 - 1, "
                         f"the last would be {first + count - 1}")
    return range(first, first + count)


def engine_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that choose where games run: --workers, --engine and --scheduler (sweeps, tournaments)."""
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    parser.add_argument("--engine", choices=("local", "dask"), default="local",
                        help="local process pool (default) or Dask distributed")
    parser.add_argument("--scheduler", default=None, metavar="ADDR",
                        help="Dask scheduler tcp://HOST:PORT (default: a LocalCluster on 127.0.0.1)")


def tolerant_streams() -> None:
    """Standard output and error in an encoding that cannot show every character (a C or Latin-1 locale
    without Python's UTF-8 mode, ``PYTHONIOENCODING=ascii``) write a character they lack as an escape
    (``\\xdc``), not a UnicodeEncodeError traceback halfway through the story (a scenario's name, say);
    standard input in such an encoding reads a byte it lacks as U+FFFD (``play`` then says it does not know
    the word), not a UnicodeDecodeError traceback."""
    for stream, errors in ((sys.stdout, "backslashreplace"), (sys.stderr, "backslashreplace"), (sys.stdin, "replace")):
        if isinstance(stream, io.TextIOWrapper) and codecs.lookup(stream.encoding).name != "utf-8":
            stream.reconfigure(errors=errors)


# the widest a terminal's prose is wrapped to: the final table's width and a little more
MOST_COLUMNS = 100


def terminal_width() -> int | None:
    """The width the story is wrapped to on a terminal: its width, at most :data:`MOST_COLUMNS` and at
    least 40; None when standard output is a file or a pipe, which keep a sentence to a line (for grep)."""
    if not sys.stdout.isatty():
        return None
    return max(40, min(shutil.get_terminal_size((MOST_COLUMNS, 24)).columns, MOST_COLUMNS))


def wrapped(line: str, width: int | None) -> list[str]:
    """A line of the story as the terminal shows it: whole words within ``width`` columns, each line
    after the first indented two more than the first (as is); the line unchanged for None."""
    if width is None or len(line) <= width:
        return [line]
    indent = line[:len(line) - len(line.lstrip())]
    return textwrap.wrap(line.strip(), width, initial_indent=indent, subsequent_indent=indent + "  ",
                         break_long_words=False, break_on_hyphens=False)


# robustness and compare --seeds: the most seeds they play (hours of games, held in memory until the table is printed)
MOST_SEEDS = 10_000


def check_out_file(out: Path, scenarios: Sequence[Any] = (), option: str = "--out",
                   reads: Mapping[Path, str] | None = None) -> None:
    """A results file's path, said to be bad input before any game is played: a folder in its place, a
    pipe, socket or device in its place (``/dev/full``, say: the results, written beside and renamed onto
    it, would replace the device itself; a database opened on a pipe would wait), a scenario file or a
    teaching note (``NAME.md``) in the folder of a scenario the command reads (the scenario or a file it
    may extend, which the results would replace), or another file the command reads (``reads``: path ->
    what it is)."""
    if out.is_dir():
        raise UsageError(f"{option} {out}: expected a file, found a folder")
    if out.exists() and not out.is_file():
        raise UsageError(f"{option} {out}: expected a regular file, found a pipe, socket or device")
    above = next((folder for folder in out.parents if folder.exists()), None)
    if above is not None and not above.is_dir():     # said 'File exists' (its folder could not be made)
        raise UsageError(f"{option} {out}: expected a file in a folder, but {above} is a file")
    folders = {Path(scenario.file).resolve().parent for scenario in scenarios}
    if out.suffix in (".toml", ".md") and out.is_file() and out.resolve().parent in folders:
        what = "a scenario file the command reads" if out.suffix == ".toml" else "a scenario's teaching note"
        raise UsageError(f"{option} {out}: expected a results file, not {what} (the results would replace it)")
    for path, what in (reads or {}).items():
        if out.resolve() == path.resolve():
            raise UsageError(f"{option} {out}: expected a results file, not {what} the command reads")


def with_settings(scenario: Any, settings: Sequence[str], negotiators: Sequence[str] = (), warn: bool = True) -> Any:
    """The scenario with ``--set PATH=VALUE`` overrides applied (checked like any setting), then
    ``--negotiator CODE=NAME`` choices (the setting ``countries.CODE.tactic``); a setting the scenario's
    payoff does not read (:func:`tppgame.game.settings.unread_settings`) is warned of on stderr, unless
    ``warn`` is false (a command of several scenarios warns once per payoff)."""
    overrides = parse_settings(settings)
    if overrides:
        scenario = scenario.with_overrides(overrides, origin="--set")
        if warn:
            warn_unread(scenario.params["payoff"], overrides)
            warn_overridden(scenario, overrides)
    chosen = parse_negotiators(negotiators, scenario.countries, overrides)
    return scenario.with_overrides(chosen, origin="--negotiator") if chosen else scenario


BRANCH_UNREAD = ("so the branch plays as without it, but for the talks that had stalled, which meet again "
                 "as after any change")


def warn_unread(payoff: str, overrides: Mapping[str, Any], consequence: str = "so the games are as without it") -> None:
    """One line on stderr for each ``--set`` setting that ``payoff`` (the payoff the games play) does not
    read (:func:`tppgame.game.settings.unread_settings`), saying what follows (a saved game's branch:
    :data:`BRANCH_UNREAD`, since any change lets stalled talks meet again)."""
    from tppgame.game.settings import unread_settings, unread_words

    for path in unread_settings(payoff, list(overrides)):
        print(f"warning: --set {path}: {unread_words(payoff)}, {consequence}", file=sys.stderr)


def warn_overridden(scenario: Any, overrides: Mapping[str, Any]) -> None:
    """One line on stderr for each ``--set`` setting that a scheduled event of the scenario sets again
    (:func:`overridden_lines`)."""
    for line in overridden_lines(scenario, overrides):
        print(line, file=sys.stderr)


def overridden_lines(scenario: Any, overrides: Mapping[str, Any]) -> list[str]:
    """A warning for each ``--set`` setting that a scheduled event of the scenario sets again
    (:func:`tppgame.experiments.sweep_plan.event_overrides`), as a sweep warns: the value given plays only
    until that event, unless the ``after:`` path of the event is set too."""
    from tppgame.experiments.sweep_plan import event_overrides, event_words

    return [f"warning: --set {o.path}: {event_words(scenario, o)} sets {o.changed} = {json.dumps(o.value)} "
            f'from then on; --set "after:{o.event.label}:{o.changed}=VALUE" changes the value it sets'
            for o in event_overrides(scenario, list(overrides)) if not o.targeted]


def parse_negotiator(text: str, countries: Sequence[str]) -> tuple[str, str]:
    """``CODE=NAME`` as the setting that chooses a country's negotiator."""
    code, sep, name = (part.strip() for part in text.partition("="))
    if not sep or not name or code not in countries:
        raise UsageError(f"--negotiator {text}: expected CODE=NAME with CODE one of {', '.join(countries)}, "
                         "for example JPN=conceder")
    return f"countries.{code}.tactic", name


def parse_negotiators(texts: Sequence[str], countries: Sequence[str], settings: Mapping[str, Any]) -> dict[str, str]:
    """Every ``--negotiator CODE=NAME`` as its setting; a country's negotiator chosen twice (by two of them, or
    by one and ``--set countries.CODE.tactic``) is bad input, since only one of the choices could be played."""
    chosen: dict[str, str] = {}
    for text in texts:
        path, name = parse_negotiator(text, countries)
        if path in chosen or path in settings:
            raise UsageError(f"--negotiator {text}: {path.split('.')[1]}'s negotiator is chosen twice "
                             f"(by --negotiator or --set {path}); choose it once")
        chosen[path] = name
    return chosen


def write_or_fail(write: Callable[[], object], target: Path, option: str = "--out") -> None:
    """Run ``write`` (a results file written whole or not at all); a failure to write (a full disk, no
    permission) is bad input naming ``option`` and ``target`` in one line, not a traceback."""
    try:
        write()
    except OSError as err:
        raise UsageError(f"{option} {target}: could not write results ({err.strerror or err})") from None
