"""Scheduled events: one class per kind, and the registry of kinds.

A scenario's ``[[events]]`` entries become instances of these classes, booked on the Mesa
model's event list. Events that change the game (a country joins or withdraws, a domestic
shock) fire at the start of their round, before the talks; deadlines and summits are
reviewed at the end of their round, after the talks. A side deal concluded on stated terms
closes at the start of its round (:class:`FixedSideDeal`). An event with a probability
below 1 happens or not by a draw from the model's generator, so the same seed gives the
same history.

How to add an event kind
------------------------
Write one subclass of :class:`Event` here (or anywhere imported before scenarios load): a
frozen, keyword-only dataclass whose fields are what the kind needs besides its round,
label and probability. Naming its ``kind`` registers it in :data:`KINDS`, the one list of
kinds, so ``kind = "..."`` in a scenario file finds it. Give it:

- ``kind``: its name in scenario files and in the event log;
- ``at_start``: True to fire before the round's talks, False to fire after them;
- ``schema(countries)``: the TOML keys it takes besides ``kind``, ``round``/``date``,
  ``label`` and ``probability``, each with its check from :mod:`tppgame.game.fields`, and
  ``needs``: those it must have, with what the error message says is expected; a key
  whose name is one of its fields fills that field (override :meth:`Event.values` to
  fill them otherwise);
- ``meanings``: for each of those keys, what it means and its unit ("" for none), the words
  of the settings reference and of the JSON Schema (``events[].KEY``, prefixed with the kinds
  that take the key); a kind that leaves a key out is refused when it is defined;
- ``happen(model)``: its effect, through the model's public methods or ``model.log``;
- ``narrate(entry, names)``: the sentence the story (:func:`tppgame.report.narrate`)
  tells of each log entry it writes; an entry belongs to the kind named in its ``event``
  field, or else to the kind of its own name.

A check raises :class:`~tppgame.game.fields.ScenarioError` (file, key path, what was expected,
what it got), so a bad entry stops the load with the usual one-line message. The kind
``summit_cancelled`` in ``tests/test_events.py`` is a complete example in twenty lines.

A kind defined in this module (or in a module it imports) is known to ``run.py``; one defined
elsewhere only in the Python process that imports it. The JSON Schema of scenario files and the
settings reference are written from :data:`KINDS`: after adding a kind here, write them again
(``python -m tppgame.game.json_schema --json-schema scenarios/scenario.schema.json
--settings-page docs/reference/scenario-settings.md``; ``tests/test_scenario_reference.py``
fails until they are current), and give the kind a row in the Events table of
``docs/how-to/write-a-scenario.md``, which says in words what each kind does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from mesa.time import Priority

from tppgame.game.fields import (Check, ScenarioError, a_date, choice, country_pair, list_of, number, record, schema_of,
                                 text, with_schema)

if TYPE_CHECKING:
    from tppgame.model import TPPModel

START_OF_ROUND = -0.5   # offset from the round's time: before the round's talks
SKIPPED = "event_skipped"   # the log entry of an event whose draw said it does not happen
BRANCH = "branch"           # settings a person changed when continuing a saved game (tppgame.game.snapshot)

# Checks one dotted setting and its value against the scenario schema; the third argument
# names where it was written, for the error message.
SettingCheck = Callable[[str, Any, str], Any]

KINDS: dict[str, type[Event]] = {}
"""The registry: every event kind by name, in the order the classes were defined."""


@dataclass(frozen=True, kw_only=True)
class Event:
    """A scheduled event of a scenario: what happens at (the start or end of) one round.

    Subclasses are the kinds; naming ``kind`` in a subclass registers it in :data:`KINDS`.
    """

    round: int
    label: str
    probability: float = 1.0

    kind: ClassVar[str]
    at_start: ClassVar[bool]                  # True: before the round's talks; False: after them
    needs: ClassVar[Mapping[str, str]] = {}   # keys an entry must set (non-empty): what the error expects
    meanings: ClassVar[Mapping[str, tuple[str, str]]] = {}   # each key of schema(): (what it means, its unit)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "kind" in cls.__dict__:
            if cls.kind in KINDS:
                raise TypeError(f"event kind {cls.kind!r} is already registered ({KINDS[cls.kind].__name__})")
            if not hasattr(cls, "at_start"):
                raise TypeError(f"event kind {cls.kind!r} must say when it fires (at_start = True or False)")
            unsaid = [key for key in cls.schema(()) if key not in cls.meanings]
            if unsaid:
                raise TypeError(f"event kind {cls.kind!r} must say what its keys mean (meanings = {{KEY: (MEANING, "
                                f"UNIT)}}, for the settings reference): {', '.join(unsaid)}")
            KINDS[cls.kind] = cls

    # -------------------------------------------------------------- reading
    @classmethod
    def schema(cls, countries: tuple[str, ...]) -> dict[str, Check]:
        """The TOML keys this kind takes besides kind, round or date, label and probability."""
        return {}

    @classmethod
    def check(cls, value: dict[str, Any], file: str, path: str, countries: tuple[str, ...]) -> dict[str, Any]:
        """An ``[[events]]`` entry of this kind, its keys checked (values normalised)."""
        common = {key: c for key, c in COMMON_KEYS.items() if key != "kind"}
        entry = record({"kind": text}, {**common, **cls.schema(countries)})(value, file, path)
        if ("round" in entry) == ("date" in entry):
            raise ScenarioError(file, path, "exactly one of round or date", show_got=False)
        for key, expected in cls.needs.items():
            if not entry.get(key):
                raise ScenarioError(file, f"{path}.{key}", expected, show_got=False)
        return entry

    @classmethod
    def values(cls, entry: Mapping[str, Any], file: str, path: str, check_setting: SettingCheck) -> dict[str, Any]:
        """This kind's own fields from a checked entry: by default the entry's keys named like them."""
        own = {f.name for f in dataclasses.fields(cls)} - {"round", "label", "probability"}
        return {key: entry[key] for key in own if key in entry}

    @classmethod
    def from_entry(cls, entry: Mapping[str, Any], round_number: int, file: str, path: str,
                   check_setting: SettingCheck) -> Event:
        """The event a checked entry describes, at the round its round or date falls in."""
        return cls(round=round_number, label=entry.get("label", cls.kind), probability=entry.get("probability", 1.0),
                   **cls.values(entry, file, path, check_setting))

    # -------------------------------------------------------------- playing
    def fire(self, model: TPPModel) -> None:
        """Happen, or (below probability 1, by a draw from the model's generator) log that it did not."""
        happens = self.probability >= 1.0 or model.rng.random() < self.probability
        if happens:
            self.happen(model)
        else:
            model.log.add(self.round, SKIPPED, event=self.kind, label=self.label, probability=self.probability)

    def happen(self, model: TPPModel) -> None:
        """The event's effect on the model (and its entry in the event log)."""
        raise NotImplementedError

    @classmethod
    def narrate(cls, entry: Mapping[str, Any], names: Mapping[str, str]) -> str:
        """The story's sentence for a log entry this kind wrote (``names``: country code -> name)."""
        raise NotImplementedError


def _pairs(countries: tuple[str, ...]) -> Check:
    """A list of country pairs, as a tuple of pairs (the event is frozen data)."""
    each = list_of(country_pair(countries))
    return with_schema(lambda value, file, path: tuple(each(value, file, path)), schema_of(each))


@dataclass(frozen=True, kw_only=True)
class Deadline(Event):
    """A target date for the talks, reviewed after the round's talks: met if its pairs have
    closed their deals (or, without pairs, if the agreement has formed). Tactics concede
    towards the next deadline that applies to them."""

    kind = "deadline"
    at_start = False
    title: ClassVar[str] = "Deadline"
    meanings = {"pairs": ("the pairs it applies to (a summit's pairs meet)", "pairs of country codes")}
    pairs: tuple[tuple[str, str], ...] = ()

    @classmethod
    def schema(cls, countries: tuple[str, ...]) -> dict[str, Check]:
        return {"pairs": _pairs(countries)}

    def happen(self, model: TPPModel) -> None:
        model.review_deadline(self)

    def missed(self, model: TPPModel) -> None:
        """The deadline passed unmet: with ``bargaining.deadline_cost`` K above 0 and the agreement not
        yet formed, each government it applies to (its pairs' countries; without pairs, every member)
        pays an audience cost: having staked its word on the date, it now settles for less, its
        ratification bar (and so its reservation in every talk) falling by the share 1 - patience^K
        of what it was, as K more rounds of delay would discount it. The more patient lose less."""
        p = model.config.params
        if p["deadline_cost"] <= 0 or model.formed_round is not None:
            return
        codes = sorted({c for pair in self.pairs for c in pair} if self.pairs else
                       {c for c, member in zip(model.countries, model.members.tolist()) if member})
        k = [model.config.index(c) for c in codes]
        bars = p["ratification_threshold"][k] * p["patience"][k] ** p["deadline_cost"]
        model.apply_shock({f"countries.{c}.ratification_threshold": round(float(bar), 6) for c, bar in zip(codes, bars)},
                          f"audience cost of the missed deadline: {self.label}")

    @classmethod
    def narrate(cls, entry: Mapping[str, Any], names: Mapping[str, str]) -> str:
        return f"{cls.title} {'met' if entry['met'] else 'missed'}: {entry['label']}."


@dataclass(frozen=True, kw_only=True)
class Summit(Deadline):
    """A deadline for named pairs whose leaders meet: the pairs also meet in the summit's round."""

    kind = "summit"
    title = "Summit"
    needs = {"pairs": "the pairs that meet at the summit"}


@dataclass(frozen=True, kw_only=True)
class CountryEvent(Event):
    """What happens to one country (its ``country`` key) at the start of the round; not a kind itself."""

    at_start = True
    meanings = {"country": ("the country that joins or leaves", "country code")}
    country: str

    @classmethod
    def schema(cls, countries: tuple[str, ...]) -> dict[str, Check]:
        return {"country": choice(*countries)}


@dataclass(frozen=True, kw_only=True)
class Join(CountryEvent):
    """A country joins the talks."""

    kind = "join"
    needs = {"country": "a country for a join event"}

    def happen(self, model: TPPModel) -> None:
        model.join(self.country, self.label)

    @classmethod
    def narrate(cls, entry: Mapping[str, Any], names: Mapping[str, str]) -> str:
        return f"Event: {names[entry['country']]} joins the talks ({entry['label']})."


@dataclass(frozen=True, kw_only=True)
class Withdraw(CountryEvent):
    """A member leaves the talks (and its signature lapses)."""

    kind = "withdraw"
    needs = {"country": "a country for a withdraw event"}

    def happen(self, model: TPPModel) -> None:
        model.withdraw(self.country, self.label)

    @classmethod
    def narrate(cls, entry: Mapping[str, Any], names: Mapping[str, str]) -> str:
        return f"Event: {names[entry['country']]} withdraws ({entry['label']})."


SETTINGS_TABLE = 'a table of "dotted.setting" = value'
AFTER = "after:"    # ``after:LABEL:PATH``: the setting PATH as the scheduled event LABEL sets it
AFTER_FORM = "after:EVENT LABEL:SETTING.PATH, for example after:Congress passes trade promotion authority:" \
             "countries.USA.ratification_threshold"


def after_event(dotted: str) -> tuple[str, str] | None:
    """``after:LABEL:PATH`` as (LABEL, PATH): the value a scheduled shock of that label gives the
    setting PATH (a label may hold colons, a setting path never does); None for a plain path."""
    if not dotted.startswith(AFTER):
        return None
    label, _, path = dotted[len(AFTER):].rpartition(":")
    return label.strip(), path.strip()


def set_after_event(entries: list[dict[str, Any]], dotted: str, value: Any, file: str) -> list[dict[str, Any]]:
    """Scenario ``[[events]]`` entries with the value ``after:LABEL:PATH`` names replaced in the ``set``
    table of the shock of that label (checked: one event has the label, and it sets PATH)."""
    label, path = after_event(dotted) or ("", "")
    if not label or not path:
        raise ScenarioError(file, dotted, AFTER_FORM, show_got=False)
    found = [k for k, e in enumerate(entries) if e.get("label", e.get("kind")) == label]
    if len(found) != 1:
        known = "; ".join(f'"{e.get("label", e.get("kind"))}"' for e in entries) or "none"
        many = f"one event of this label (it names {len(found)})" if found else "the label of a scheduled event"
        raise ScenarioError(file, dotted, f"{many} after 'after:' (this scenario's events: {known})", show_got=False)
    entry = entries[found[0]]
    sets = dict(entry.get("set", {})) if entry.get("kind") == Shock.kind else {}
    if path not in sets:
        what = f"it sets {', '.join(sets)}" if sets else f"a {entry.get('kind')} event sets no setting"
        raise ScenarioError(file, dotted, f'a setting the event "{label}" sets ({what}; a setting an event does '
                            "not set is changed with --set PATH=VALUE, or from a date on by a shock in a scenario "
                            "file)", show_got=False)
    out = list(entries)
    out[found[0]] = {**entry, "set": {**sets, path: value}}
    return out


# settings a shock cannot change: the scenario's frame (its calendar, its sectors: the chapters in play),
# the measure of a stake (the talks' frontiers keep their stakes between rounds), membership (join
# and withdraw events), and what describes the game rather than plays it (its headlines and history, which
# a shock or a branch would log as a change the game never reads)
FIXED_SETTINGS = ("events", "side_deals", "rounds", "calendar", "seed", "extends", "bargaining.chapters",
                  "bargaining.stake",
                  "agreement.members", "agreement.original_signatories", "existing_agreements", "name",
                  "description", "headlines", "history")


def _settings_table(value: Any, file: str, path: str) -> dict[str, Any]:
    """A non-empty table of dotted settings (each checked against the schema when the scenario compiles)."""
    if not isinstance(value, dict) or not value:
        raise ScenarioError(file, path, SETTINGS_TABLE, value)
    return value


with_schema(_settings_table, {"type": "object", "minProperties": 1})


@dataclass(frozen=True, kw_only=True)
class Shock(Event):
    """A domestic or external shock at the start of the round: country, bargaining or agreement
    settings change from then on (trade promotion authority, a new entry rule)."""

    kind = "shock"
    at_start = True
    needs = {"set": SETTINGS_TABLE}
    meanings = {"set": ("settings that change from that round on, by dotted path", "")}
    changes: tuple[tuple[str, Any], ...]

    @classmethod
    def schema(cls, countries: tuple[str, ...]) -> dict[str, Check]:
        return {"set": _settings_table}

    @classmethod
    def values(cls, entry: Mapping[str, Any], file: str, path: str, check_setting: SettingCheck) -> dict[str, Any]:
        """``set``'s settings, each checked against the scenario schema, as ``changes``."""
        changes = []
        for dotted, value in entry["set"].items():
            if dotted.startswith(FIXED_SETTINGS):
                raise ScenarioError(file, f"{path}.set.{dotted}", "a country, bargaining or agreement setting (use "
                                    "join and withdraw events for membership)", show_got=False)
            changes.append((dotted, check_setting(dotted, value, f"{file} ({path}.set)")))
        return {"changes": tuple(changes)}

    def happen(self, model: TPPModel) -> None:
        model.apply_shock(dict(self.changes), self.label)

    @classmethod
    def narrate(cls, entry: Mapping[str, Any], names: Mapping[str, str]) -> str:
        return f"Event: {entry['label']} ({cls.changed(entry['changes'])})."

    @staticmethod
    def changed(changes: Mapping[str, Any]) -> str:
        """Settings changed, as the story tells them: ``path = value, ...``."""
        return ", ".join(f"{k} = {v}" for k, v in changes.items())


# ------------------------------------------------------------ the registry's uses
def entry_check(countries: tuple[str, ...]) -> Check:
    """The schema check of one ``[[events]]`` entry: its kind, looked up in :data:`KINDS`, says
    which keys it takes; a missing or unknown kind names the known ones."""

    def check(value: Any, file: str, path: str) -> dict[str, Any]:
        kind = value.get("kind") if isinstance(value, dict) else None
        event_class = KINDS.get(kind) if isinstance(kind, str) else None
        if event_class is None:
            if not isinstance(value, dict):
                raise ScenarioError(file, path, "a table", value)
            raise ScenarioError(file, f"{path}.kind", "one of " + ", ".join(KINDS), kind, show_got="kind" in value)
        return event_class.check(value, file, path, countries)

    return with_schema(check, entry_schema(countries))


# keys every kind takes (Event.check); a needed key must also be non-empty, whatever its type
COMMON_KEYS = {"kind": text, "round": number(1, 1000, integer=True), "date": a_date, "label": text,
               "probability": number(0, 1)}
NON_EMPTY = {"minItems": 1, "minProperties": 1, "minLength": 1}


def entry_schema(countries: tuple[str, ...]) -> dict[str, Any]:
    """The JSON Schema of one ``[[events]]`` entry: the keys of every kind, and for each kind
    (``if kind = ...``) the keys it takes and those it needs; exactly one of round or date."""
    properties = {key: schema_of(c) for key, c in COMMON_KEYS.items()} | {"kind": {"enum": list(KINDS)}}
    per_kind = []
    for name, cls in KINDS.items():
        own = {key: schema_of(c) for key, c in cls.schema(countries).items()}
        for key, schema in own.items():
            properties.setdefault(key, schema)
        per_kind.append({
            "if": {"properties": {"kind": {"const": name}}, "required": ["kind"]},
            "then": {"properties": {**{key: True for key in COMMON_KEYS}, **own,
                                    **{key: {**own.get(key, {}), **NON_EMPTY} for key in cls.needs}},
                     "required": list(cls.needs), "additionalProperties": False},
        })
    return {"type": "object", "properties": properties, "required": ["kind"], "additionalProperties": False,
            "oneOf": [{"required": ["round"]}, {"required": ["date"]}], "allOf": per_kind}


def key_descriptions() -> dict[str, tuple[str, str]]:
    """The settings reference's words for the keys of the kinds in :data:`KINDS`: ``events[].KEY`` ->
    (the kinds that take it, then what it means; its unit), from each kind's ``meanings``."""
    said: dict[str, dict[tuple[str, str], list[str]]] = {}   # key -> its (meaning, unit) -> the kinds that say it
    for name, cls in KINDS.items():
        for key in cls.schema(()):
            said.setdefault(key, {}).setdefault(tuple(cls.meanings[key]), []).append(name)
    out = {}
    for key, by_words in said.items():
        meaning = "; ".join(f"{', '.join(f'`{k}`' for k in kinds)}: {words[0]}" for words, kinds in by_words.items())
        units = list(dict.fromkeys(words[1] for words in by_words if words[1]))
        out[f"events[].{key}"] = (meaning, " or ".join(units))
    return out


def narration(entry: Mapping[str, Any], names: Mapping[str, str]) -> str | None:
    """The story's sentence for a log entry a scheduled event wrote; None for any other entry."""
    if entry["kind"] == SKIPPED:
        return f"Did not happen this time: {entry['label']} (chance {entry['probability']:.0%})."
    if entry["kind"] == BRANCH:
        return f"Branch: the saved game goes on from here with {Shock.changed(entry['changes'])}."
    event_class = KINDS.get(entry.get("event", entry["kind"]))
    return None if event_class is None else event_class.narrate(entry, names)


# ------------------------------------------------------------ on the event list
class ScheduledEvent:
    """A scenario event booked on one model's event list.

    Mesa holds only a weak reference to the function it will call, so the model keeps these alive.
    """

    def __init__(self, model: TPPModel, event: Event):
        self.model = model
        self.event = event

    def schedule(self) -> None:
        """Book the event before (at_start) or after the talks of its round."""
        if self.event.at_start:
            self.model.schedule_event(self.fire, at=self.event.round + START_OF_ROUND)
        else:
            self.model.schedule_event(self.fire, at=self.event.round, priority=Priority.LOW)

    def fire(self) -> None:
        if self.event.at_start:
            self.model.settle_waiting()       # a round still waiting for its players ends first
        self.event.fire(self.model)


class FixedSideDeal:
    """A side deal a scenario states outright: it closes on its terms at the start of its round."""

    def __init__(self, model: TPPModel, talk_index: int, round_number: int):
        self.model, self.talk_index, self.round_number = model, talk_index, round_number

    def schedule(self) -> None:
        self.model.schedule_event(self.fire, at=self.round_number + START_OF_ROUND)

    def fire(self) -> None:
        self.model.settle_waiting()
        talk = self.model.talks[self.talk_index]
        if talk.deal is None and talk.fixed_terms is not None:
            self.model.close(talk, *talk.fixed_terms, self.round_number)
