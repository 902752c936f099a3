"""Field checks for data files: each checks one value and returns it normalised, or raises.

A scenario (and the calibration under it) is data, never code; every value in it passes
one of these checks. A bad value stops the load with a :class:`ScenarioError` whose
one-line message names the file, the key path and what was expected, so the command line
can print it and exit with status 2. The scenario schema (:mod:`tppgame.game.scenario_schema`) and the
event kinds (:mod:`tppgame.game.events`) are built from them.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from collections.abc import Callable, Hashable, Sequence
from typing import Any


class ScenarioError(ValueError):
    """A scenario or calibration file holds a value the game cannot use."""

    # True for an error of settings together (the calendar's room for the rounds, an entry rule the
    # members can meet), raised when they are compiled, not by one setting's own check
    joint: bool = False

    def __init__(self, file: str, path: str, expected: str, got: Any = None, *, show_got: bool = True):
        self.file, self.path, self.expected = file, path, expected
        message = f"{file}: {path or '(file)'}: expected {expected}"
        if show_got:
            message += f", got {_describe(got)}"
        super().__init__(message)

    def named_by(self, file: str, note: str = "") -> ScenarioError:
        """The same error of settings together, naming ``file`` (where the value came from: ``--set``, a
        sweep file's table) in place of its own, with ``note`` after it (what else the value depended on)."""
        error = ScenarioError(file, self.path, self.expected, show_got=False)
        error.args = (f"{file}{str(self)[len(self.file):]}{note}",)
        error.joint = True
        return error


def _describe(value: Any) -> str:
    """A value as an error message shows it: dates in ISO form, tables and lists by name, long text cut."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


SEED_MAX = 2**63 - 1     # the seeds a game accepts (a scenario's seed, --seed): 0 .. 2**63 - 1
SEEDS = "a whole number from 0 to 2^63 - 1"     # those seeds, in the words of every message that refuses one


def is_seed(value: Any) -> bool:
    """Whether ``value`` is a seed a game accepts (:data:`SEEDS`): an int (not a bool) from 0 to
    :data:`SEED_MAX`, the range a scenario's ``seed``, ``--seed``, a sweep's seed, a saved game and a
    class room all check, so a seed one of them takes every other takes too."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= SEED_MAX


def first_repeat(items: Sequence[Hashable]) -> tuple[int, int] | None:
    """Where the first item equal to an earlier one is: ``(earlier index, its index)``, or None when every item
    is given once. Every list a user names things in once (settings, labels, folders) is checked with it."""
    seen: dict[Hashable, int] = {}
    for k, item in enumerate(items):
        if item in seen:
            return seen[item], k
        seen[item] = k
    return None


def parse_toml(text: str) -> dict[str, Any]:
    """``tomllib.loads``, with nesting too deep for its parser (thousands of ``[``, which exhaust Python's
    recursion) raised as the ``TOMLDecodeError`` of any other bad TOML, so that every reader of a file or
    of a ``--set`` value answers it with its one-line error instead of a RecursionError traceback (so does
    nesting deeper than :data:`MAX_NESTING` by dotted keys, which the parser builds without recursion). A
    byte-order mark, which tomllib calls an "invalid statement at line 1, column 1", is named as such."""
    if text.startswith("\ufeff"):
        raise tomllib.TOMLDecodeError("a byte-order mark at the start, as editors write for 'UTF-8 with BOM': "
                                      "save the file as plain UTF-8")
    try:
        tables = tomllib.loads(text)
    except RecursionError:
        raise tomllib.TOMLDecodeError("arrays or tables nested too deeply") from None
    if _too_deep(tables):    # dotted keys (a.a.a... = 1) nest without recursion in the parser, not after it
        raise tomllib.TOMLDecodeError("arrays or tables nested too deeply")
    return tables


# the deepest nesting of tables and arrays a TOML text may hold: a scenario's deepest setting is a few levels
# (events[0].set."countries.JPN.patience"); thousands, by dotted keys, exhausted the recursion of every later copy
MAX_NESTING = 64


def _too_deep(value: Any) -> bool:
    """Whether tables and arrays nest deeper than :data:`MAX_NESTING` in ``value`` (walked without recursion)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_NESTING:
            return True
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, depth + 1) for child in children)
    return False


# A field checks one value and returns it normalised, or raises ScenarioError.
Check = Callable[[Any, str, str], Any]


def with_schema(check: Check, schema: dict[str, Any]) -> Check:
    """Attach to a check the JSON Schema (draft 2020-12) of the values it accepts, as ``check.json_schema``.

    Every check here carries one, so the scenario schema can be written out as a JSON Schema
    (:func:`tppgame.game.json_schema.json_schema`) and documented setting by setting from the
    same definition the loader validates against.
    """
    check.json_schema = schema  # type: ignore[attr-defined]
    return check


def schema_of(check: Check) -> dict[str, Any]:
    """The JSON Schema a check carries; a check without one accepts anything as far as it says."""
    return getattr(check, "json_schema", {})


def _bound(value: float) -> str:
    """A range's end as a message shows it: the largest seed as --seed's messages say it (``2^63 - 1``, not
    ``9.22337e+18``, which reads as a rounder number than the seed the game accepts), else in short."""
    return "2^63 - 1" if value == SEED_MAX else f"{value:g}"


def number(lo: float | None = None, hi: float | None = None, *, integer: bool = False,
           lo_open: bool = False) -> Check:
    """A finite number (or whole number) within [lo, hi]; (lo, hi] when lo_open."""
    kind = "a whole number" if integer else "a number"
    if lo is not None and hi is not None:
        expected = f"{kind} {'above' if lo_open else 'from'} {lo:g} {'and up to' if lo_open else 'to'} {_bound(hi)}"
    elif lo is not None:
        expected = f"{kind} {'above' if lo_open else 'of at least'} {lo:g}"
    else:
        expected = kind

    def check(value: Any, file: str, path: str) -> float | int:
        ok_type = isinstance(value, int) if integer else isinstance(value, int | float)
        if isinstance(value, bool) or not ok_type or (isinstance(value, float) and not math.isfinite(value)):
            raise ScenarioError(file, path, expected, value)
        if lo is not None and (value < lo or (lo_open and value == lo)):
            raise ScenarioError(file, path, expected, value)
        if hi is not None and value > hi:
            raise ScenarioError(file, path, expected, value)
        return int(value) if integer else float(value)

    schema: dict[str, Any] = {"type": "integer" if integer else "number"}
    if lo is not None:
        schema["exclusiveMinimum" if lo_open else "minimum"] = int(lo) if integer else lo
    if hi is not None:
        schema["maximum"] = int(hi) if integer else hi
    return with_schema(check, schema)


def text(value: Any, file: str, path: str) -> str:
    """A string."""
    if not isinstance(value, str):
        raise ScenarioError(file, path, "a string", value)
    return value


with_schema(text, {"type": "string"})


def name_text(value: Any, file: str, path: str) -> str:
    """A string with something in it, for a name the game shows (a scenario's or a country's): an empty or
    blank name would leave a title or a table's label empty. Plain :func:`text` stays for strings where
    empty means none (a description)."""
    if not isinstance(value, str) or not value.strip():
        raise ScenarioError(file, path, "a name, not empty or blank", value)
    return value


with_schema(name_text, {"type": "string", "minLength": 1, "pattern": "\\S"})


def boolean(value: Any, file: str, path: str) -> bool:
    """true or false (TOML's, not 0 or 1)."""
    if not isinstance(value, bool):
        raise ScenarioError(file, path, "true or false", value)
    return value


with_schema(boolean, {"type": "boolean"})


def choice(*options: str) -> Check:
    """One of the options; the message lists them."""

    def check(value: Any, file: str, path: str) -> str:
        if value not in options:
            raise ScenarioError(file, path, "one of " + ", ".join(options), value)
        return value

    return with_schema(check, {"enum": list(options)})


def a_date(value: Any, file: str, path: str) -> dt.date:
    """A TOML date, or a string such as 2014-04-24 (a date-time counts by its day)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
        try:
            return dt.datetime.fromisoformat(value).date()
        except ValueError:
            pass
    raise ScenarioError(file, path, "a date such as 2014-04-24", value)


def iso_dates(value: Any) -> Any:
    """A value read from TOML with its dates (and times) as ISO strings, which :func:`a_date` accepts and
    JSON can hold: ``--set calendar.start=2014-01-01`` and a sweep over dates pass through like any value."""
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list):
        return [iso_dates(v) for v in value]
    if isinstance(value, dict):
        return {k: iso_dates(v) for k, v in value.items()}
    return value


# A TOML date reaches a JSON Schema validator as its ISO text (Taplo; tppgame.game.json_schema.as_json).
with_schema(a_date, {"type": "string", "format": "date"})


def country_list(countries: tuple[str, ...]) -> Check:
    """A list of country codes among ``countries``, each at most once."""

    def check(value: Any, file: str, path: str) -> list[str]:
        expected = "a list of country codes (" + " ".join(countries) + ")"
        if not isinstance(value, list):
            raise ScenarioError(file, path, expected, value)
        for k, item in enumerate(value):
            if item not in countries:
                raise ScenarioError(file, f"{path}[{k}]", "a country code, one of " + " ".join(countries), item)
        if len(set(value)) != len(value):
            raise ScenarioError(file, path, "each country at most once", value)
        return list(value)

    return with_schema(check, {"type": "array", "items": {"enum": list(countries)}, "uniqueItems": True})


def country_pair(countries: tuple[str, ...]) -> Check:
    """Two different country codes among ``countries``, as a tuple."""
    in_list = country_list(countries)

    def check(value: Any, file: str, path: str) -> tuple[str, str]:
        pair = in_list(value, file, path)
        if len(pair) != 2:
            raise ScenarioError(file, path, "two different country codes", value)
        return pair[0], pair[1]

    return with_schema(check, {**schema_of(in_list), "minItems": 2, "maxItems": 2})


def list_of(item: Check) -> Check:
    """A list whose entries each pass ``item`` (errors name the entry: ``path[k]``)."""

    def check(value: Any, file: str, path: str) -> list[Any]:
        if not isinstance(value, list):
            raise ScenarioError(file, path, "a list", value)
        return [item(entry, file, f"{path}[{k}]") for k, entry in enumerate(value)]

    return with_schema(check, {"type": "array", "items": schema_of(item)})


def record(required: dict[str, Check], optional: dict[str, Check]) -> Check:
    """A table with required and optional keys, each checked."""

    def check(value: Any, file: str, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise ScenarioError(file, path, "a table", value)
        out = {}
        for key, val in value.items():
            checker = required.get(key) or optional.get(key)
            if checker is None:
                allowed = ", ".join([*required, *optional])
                raise ScenarioError(file, f"{path}.{key}", f"a known key ({allowed})", show_got=False)
            out[key] = checker(val, file, f"{path}.{key}")
        for key in required:
            if key not in value:
                raise ScenarioError(file, f"{path}.{key}", "this key to be set", show_got=False)
        return out

    return with_schema(check, {
        "type": "object",
        "properties": {key: schema_of(c) for key, c in {**required, **optional}.items()},
        "required": list(required),
        "additionalProperties": False,
    })
