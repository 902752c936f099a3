"""Saved games: a game stopped at a round, kept as plain data (JSON), and continued later,
unchanged or with settings changed from that round on (a branch).

A saved game holds what makes the game: the scenario's whole settings as the game started (with
any ``--set`` and dropped events already applied), the seed, the countries people play and every
move they made, the branches taken so far, and the round reached. It holds no Python object;
reading it parses JSON and checks every field, nothing is imported, evaluated or unpickled.

A saved game is continued by **replay**: the game is built again from the settings and the seed
and played to the saved round (the same seed gives the same game to the last bit), with the
players' moves and earlier branches made again where they were made. It is then checked against
digests of its state taken when it was saved (the event log, the summary, the data collected each
round, the settings in force). A game that replays otherwise (say, a newer version of the code
plays differently) is refused with one line, rather than continued from a state that never existed.
Replaying costs the rounds already played: a fraction of a second for the bundled scenarios.

Mesa 3.5 has no save format of its own other than pickling the model, which a file passed between
people must not be.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tppgame.game.code_fingerprint import source_fingerprint
from tppgame.game.events import BRANCH, FIXED_SETTINGS, after_event
from tppgame.game.fields import SEEDS, ScenarioError, is_seed, iso_dates
from tppgame.game.negotiators import Negotiator, Person
from tppgame.game.outcome import summary
from tppgame.game.scenario import Scenario, scenario_from_settings

if TYPE_CHECKING:
    from tppgame.model import TPPModel

FORMAT = "tppgame saved game"
FORMAT_VERSION = 1
MAX_BYTES = 50_000_000        # a saved game is the settings and a list of moves: far more is another file
PERSON = "person"             # a seat a person plays, in a saved game's negotiators
# the fields of a saved game, and of its scenario table (snapshot_of writes them all)
FIELDS = ("format", "format_version", "code", "scenario", "seed", "round", "date", "waiting_for_players",
          "negotiators", "moves", "branches", "changed_settings", "state")
SCENARIO_FIELDS = ("name", "file", "settings")
MOVES = ("propose", "accept", "pass_talk", "hand_over", "settle", "take_seat", "offer_limit")


class SnapshotError(ScenarioError):
    """A saved game that cannot be read or continued (one line: the file, the field, what was expected)."""


# ------------------------------------------------------------------ saving
def snapshot_of(model: TPPModel, path: str | Path | None = None) -> dict[str, Any]:
    """The game so far as plain data (JSON types only); written to ``path`` if given.

    Raises ValueError for a game that cannot be replayed: one played without records
    (``record=False``) or from a random generator instead of a whole-number seed.
    """
    if not model.record:
        raise ValueError("snapshot: a saved game needs the game's records (play it with record=True)")
    if model.run_seed is None:
        raise ValueError("snapshot: a saved game needs a whole-number seed (rng=N), not a random generator")
    start: Scenario = model.scenario.settings
    reader = for_a_reader(model)
    data = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "code": source_fingerprint(),
        "scenario": {"name": start.name, "file": start.file, "settings": iso_dates(start.settings)},
        "seed": model.run_seed,
        "round": model.round,
        "date": reader["date"],
        "waiting_for_players": model.waiting_for_seat,
        "negotiators": {code: _given_name(n) for code, n in model.given_negotiators.items()},
        "moves": [dict(move) for move in model.seats.moves],
        "branches": [{"round": e["round"], "label": e["label"], "set": e["changes"]} for e in model.log.of_kind(BRANCH)],
        "changed_settings": reader["changed_settings"],
        "state": state_digests(model),
    }
    text = json.dumps(data, indent=1, allow_nan=False) + "\n"   # plain JSON types only, or it fails here
    if path is not None:
        _write_text(Path(path), text)
    return data


def _given_name(negotiator: Negotiator) -> str:
    """How a saved game names a negotiator chosen from Python: a person's seat, or the object's class
    (which the caller gives again when continuing)."""
    if isinstance(negotiator, Person):
        return PERSON
    return f"python:{type(negotiator).__module__}.{type(negotiator).__qualname__}"


def for_a_reader(model: TPPModel) -> dict[str, Any]:
    """The fields a saved game keeps for a reader, as JSON reads them back: the month reached (``date``) and
    the settings the scenario's shocks and the branches have changed so far, as they stand now
    (``changed_settings``). A continued game's must be the file's: an edited one is an edited file."""
    changed = {path: value for e in model.log.of_kind("shock", BRANCH) for path, value in e["changes"].items()}
    return json.loads(json.dumps({"date": model.date.isoformat(), "changed_settings": changed}))


def state_digests(model: TPPModel) -> dict[str, Any]:
    """Digests of the game's state: what a replayed game must match to be continued."""
    def sha(value: Any) -> str:
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    return {"events": len(model.log), "events_sha256": sha(model.log.to_jsonl()),
            "summary_sha256": sha(summary(model)), "rounds_sha256": sha(model.datacollector.model_vars),
            "settings_sha256": sha(iso_dates(model.config.settings))}


def _write_text(path: Path, text: str) -> None:
    """Write a file whole or not at all (a temporary file beside it, renamed into place)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


# ------------------------------------------------------------------ reading
def read_snapshot(source: str | Path | Mapping[str, Any]) -> SavedGame:
    """A saved game from a file (or the data :func:`snapshot_of` returned), every field checked.

    Raises :class:`SnapshotError` for a missing, unreadable, corrupt or foreign file.
    """
    if isinstance(source, Mapping):
        return _parse(source, "snapshot")
    return _parse(_read_json(Path(source)), str(source))


def _read_json(path: Path) -> Any:
    """The JSON in a regular file of at most MAX_BYTES (a pipe or device is refused, never read)."""
    file = str(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise SnapshotError(file, "", "an existing saved game file", show_got=False) from None
    except OSError as err:
        why = "not a loop of symbolic links" if err.errno == errno.ELOOP else err.strerror or str(err)
        raise SnapshotError(file, "", f"a readable saved game file ({why})", show_got=False) from None
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
        raise SnapshotError(file, "", f"a saved game: a regular JSON file of at most {MAX_BYTES // 1_000_000} MB",
                            show_got=False)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(MAX_BYTES + 1) if stat.S_ISREG(os.fstat(fd).st_mode) else b""
    except OSError as err:
        raise SnapshotError(file, "", f"a readable saved game file ({err.strerror or err})", show_got=False) from None
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise SnapshotError(file, "", f"a saved game written by run.py --save (JSON; {err})"[:200],
                            show_got=False) from None


def _parse(data: Any, file: str) -> SavedGame:
    """Check a saved game's fields (types and ranges) into a :class:`SavedGame`."""
    if not isinstance(data, Mapping) or data.get("format") != FORMAT:
        raise SnapshotError(file, "format", f'a tppgame saved game (format = "{FORMAT}", written by --save)',
                            data.get("format") if isinstance(data, Mapping) else data)
    _known_keys(data, FIELDS, file, "")

    def field(key: str, kind: type | tuple[type, ...], within: Mapping[str, Any] = data, where: str = "") -> Any:
        value = within.get(key)
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _kinds(kind)):
            names = " or ".join(k.__name__ for k in _kinds(kind))
            raise SnapshotError(file, f"{where}{key}", f"a value of type {names}", value, show_got=key in within)
        return value

    if field("format_version", int) != FORMAT_VERSION:
        raise SnapshotError(file, "format_version", f"{FORMAT_VERSION} (a saved game this version of tppgame "
                            "reads)", data["format_version"])
    scenario = field("scenario", dict)
    _known_keys(scenario, SCENARIO_FIELDS, file, "scenario.")
    seed, round_number = field("seed", int), field("round", int)
    if not is_seed(seed):
        raise SnapshotError(file, "seed", SEEDS, seed)
    if round_number < 0:
        raise SnapshotError(file, "round", "a whole number of at least 0", round_number)
    negotiators = field("negotiators", dict)
    moves, branches = field("moves", list), field("branches", list)
    for k, move in enumerate(moves):
        if not isinstance(move, dict) or move.get("move") not in MOVES or not isinstance(move.get("round"), int):
            raise SnapshotError(file, f"moves[{k}]", "a player's move: {round, move: " + ", ".join(MOVES) + "}",
                                move)
    for k, branch in enumerate(branches):
        field("round", int, branch if isinstance(branch, dict) else {}, f"branches[{k}].")
        field("set", dict, branch, f"branches[{k}].")
        field("label", str, branch, f"branches[{k}].")
    if not all(isinstance(v, str) for v in negotiators.values()):
        raise SnapshotError(file, "negotiators", 'a table of country code = "person" or "python:CLASS"',
                            negotiators)
    return SavedGame(
        file=file, name=field("name", str, scenario, "scenario."), scenario_file=field("file", str, scenario, "scenario."),
        settings=field("settings", dict, scenario, "scenario."), seed=seed, round=round_number,
        waiting=field("waiting_for_players", bool), chosen=dict(negotiators), moves=tuple(moves),
        branches=tuple(branches), state=field("state", dict), code=str(data.get("code", "unknown")),
        reader={key: data[key] for key in ("date", "changed_settings") if key in data})


def _known_keys(table: Mapping[str, Any], known: tuple[str, ...], file: str, where: str) -> None:
    """A saved game's table holds only the fields :func:`snapshot_of` writes (another is an edited or
    foreign file, whose field this version would silently ignore)."""
    for key in table:
        if key not in known:
            raise SnapshotError(file, f"{where}{key}", f"a field of a saved game (one of {', '.join(known)})",
                                show_got=False)


def _kinds(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


# ------------------------------------------------------------------ continuing
@dataclass(frozen=True)
class SavedGame:
    """A saved game, read and checked: enough to build the game again and replay it to its round."""

    file: str                       # where it was read from, for messages
    name: str                       # the scenario's name
    scenario_file: str              # the scenario file it was loaded from
    settings: dict[str, Any]
    seed: int
    round: int
    waiting: bool                   # saved while a round waited for its players
    chosen: dict[str, str]          # negotiators chosen from Python: "person" or "python:CLASS"
    moves: tuple[dict[str, Any], ...]
    branches: tuple[dict[str, Any], ...]
    state: dict[str, Any]
    code: str                       # the fingerprint of the code that saved it
    reader: dict[str, Any]          # date and changed_settings as the file gives them (an older file lacks the latter)

    def scenario(self) -> Scenario:
        """The scenario as the saved game started (its settings checked again)."""
        try:
            scenario = scenario_from_settings(self.settings, self.scenario_file)
        except ScenarioError as err:
            raise SnapshotError(self.file, "scenario.settings", f"settings this version of tppgame can play ({err})",
                                show_got=False) from None
        if self.round > scenario.rounds:
            raise SnapshotError(self.file, "round", f"a round of the game (at most {scenario.rounds})", self.round)
        return scenario

    def negotiators(self, given: Mapping[str, Negotiator | str] | None = None) -> dict[str, Negotiator | str]:
        """The negotiators chosen from Python for the game: a new :class:`Person` for each seat, and
        those given again (``given``) for the countries that played one from Python."""
        given = dict(given or {})
        out: dict[str, Negotiator | str] = {}
        countries = self.scenario().countries
        for code, what in self.chosen.items():
            if code not in countries:
                raise SnapshotError(self.file, "negotiators", f"countries of the scenario ({', '.join(countries)})",
                                    code)
            if what == PERSON:
                out[code] = Person()
            elif code in given:
                out[code] = given.pop(code)
            else:
                raise SnapshotError(self.file, f"negotiators.{code}", f"the negotiator given from Python again "
                                    f"(it was {what.removeprefix('python:')}): negotiators={{'{code}': ...}}",
                                    show_got=False)
        if given:
            code = next(iter(given))
            raise SnapshotError(self.file, f"negotiators.{code}", "no other negotiator than the saved game's (a "
                                f"branch changes a negotiator by its setting, countries.{code}.tactic)", show_got=False)
        return out

    def play_on(self, model_class: type[TPPModel], overrides: Mapping[str, Any] | None = None,
                negotiators: Mapping[str, Negotiator | str] | None = None, origin: str = "overrides") -> TPPModel:
        """The saved game built again as ``model_class`` and continued (:meth:`restore`)."""
        model = model_class(self.scenario(), rng=self.seed, negotiators=self.negotiators(negotiators))
        return self.restore(model, overrides, origin)

    def restore(self, model: TPPModel, overrides: Mapping[str, Any] | None = None,
                origin: str = "overrides") -> TPPModel:
        """Replay the saved game on ``model`` (new, built from :meth:`scenario`, the seed and
        :meth:`negotiators`) to its round, check that it is the game saved, then branch: the
        ``overrides`` change settings from there on (named ``origin`` in error messages)."""
        for r in range(self.round + 1):
            if r:
                model.step()
            for move in (m for m in self.moves if m["round"] == r):
                _make_move(model, move, r, self.file)
            for k, branch in enumerate(self.branches):
                if branch["round"] == r:
                    self._branch_again(model, k, branch)
        if state_digests(model) != self.state or model.round != self.round or model.waiting_for_seat != self.waiting:
            why = ("the file has been changed since it was saved" if self.code == source_fingerprint() else
                   f"saved by code {self.code}, this is {source_fingerprint()}: the code has changed since")
            raise SnapshotError(self.file, "state", f"the game saved at round {self.round}; replayed, it went otherwise "
                                f"({why}), so it cannot be continued", show_got=False)
        replayed = for_a_reader(model)
        for key, value in self.reader.items():
            if value != replayed[key]:
                shown = f" ({replayed[key]})" if key == "date" else ""     # not the settings: a long table
                raise SnapshotError(self.file, key, f"the {key} of the game saved at round {self.round} when replayed"
                                    f"{shown}: the file has been changed since it was saved", value,
                                    show_got=key == "date")
        if overrides:
            branch_game(model, overrides, origin, self.file)
        return model


    def _branch_again(self, model: TPPModel, k: int, branch: Mapping[str, Any]) -> None:
        """Make a saved branch again, its settings checked as when it was made."""
        try:
            _check_branch_paths(branch["set"], f"{self.file} (branches[{k}].set)")
            model.apply_shock(dict(branch["set"]), branch["label"], kind=BRANCH)
        except ScenarioError as err:
            raise SnapshotError(self.file, f"branches[{k}].set", f"settings a branch can change ({err})",
                                show_got=False) from None


def _make_move(model: TPPModel, move: Mapping[str, Any], r: int, file: str) -> None:
    """Make a player's saved move again (a round settles here only if it settled during its own round)."""
    try:
        match move["move"]:
            case "propose":
                model.propose(move["talk"], move["gives"], move["asks"], move.get("country"))
            case "accept":
                model.accept_counter(move["talk"], move.get("country"))
            case "pass_talk":
                model.pass_talk(move["talk"], move.get("country"))
            case "hand_over":
                model.hand_over(move.get("country"))
            case "take_seat":
                model.seats.take(move["country"])
            case "offer_limit":
                model.seats.limit_offers(move["limit"])
            case "settle" if move.get("time", r) <= r:
                model.settle()
    except (KeyError, TypeError, ValueError) as err:
        raise SnapshotError(file, f"moves (round {r})", f"moves the replayed game can make ({err})",
                            show_got=False) from None


def branch_game(model: TPPModel, overrides: Mapping[str, Any], origin: str, file: str = "snapshot") -> None:
    """Change settings of a continued game from its round on, noted in the event log as a branch.

    Only what a shock may change can branch (country, bargaining and agreement settings); the
    game's frame (rounds, calendar, seed, events, membership) stays as saved. A setting given the
    value it already has is no change: with nothing else, the game goes on exactly as saved (any
    change, like a scenario's shock, lets stalled talks meet again).
    """
    if model.waiting_for_seat:
        raise SnapshotError(file, "waiting_for_players", "a game saved between rounds to branch (this one waits "
                            "for its players' moves)", show_got=False)
    if not model.running:
        raise SnapshotError(file, "round", f"a round before the last ({model.config.rounds}) to branch from",
                            model.round)
    _check_branch_paths(overrides, origin)
    model.config.with_overrides(overrides, origin=origin)        # every value checked before anything changes
    changes = {dotted: value for dotted, value in overrides.items()  # a setting given its own value is no change
               if model.config.with_overrides({dotted: value}, origin=origin).settings != model.config.settings}
    if changes:
        model.apply_shock(changes, f"branch from round {model.round}", kind=BRANCH)


def _check_branch_paths(overrides: Mapping[str, Any], origin: str) -> None:
    """Only settings a shock may change can branch: not the game's frame, nor an event's values."""
    for dotted in overrides:
        if dotted.startswith(FIXED_SETTINGS) or after_event(dotted) is not None:
            raise ScenarioError(origin, dotted, "a country, bargaining or agreement setting (a branch keeps the "
                                "saved game's rounds, calendar, seed, events and membership)", show_got=False)
