"""The scenario schema written out: a JSON Schema of scenario files and the settings reference page.

Both come from the one definition the loader validates against, the tree of field checks of
:func:`tppgame.game.scenario_schema.build_schema` (each check carries its JSON Schema,
:func:`tppgame.game.fields.with_schema`), with the words of
:func:`tppgame.game.scenario_descriptions.descriptions` (an event kind's keys described by its
class). Both are committed beside what they
describe, and ``tests/test_scenario_reference.py`` checks that they are what this module writes::

    python -m tppgame.game.json_schema --json-schema scenarios/scenario.schema.json
    python -m tppgame.game.json_schema --settings-page docs/reference/scenario-settings.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tppgame.game.calibration import Calibration, load_calibration
from tppgame.game.fields import SEED_MAX, schema_of
from tppgame.game.scenario_descriptions import descriptions
from tppgame.game.scenario_schema import build_schema

DRAFT = "https://json-schema.org/draft/2020-12/schema"   # the dialect's identifier, never fetched
COUNTRY, SECTOR, ENTRY = "CODE", "SECTOR", "[]"           # how leaf paths name a country, a sector, a list entry


def _tree_schema(spec: Any) -> dict[str, Any]:
    """The JSON Schema of a schema (sub)tree: tables become closed objects, checks give their own."""
    if isinstance(spec, dict):
        return {"type": "object", "properties": {key: _tree_schema(sub) for key, sub in spec.items()},
                "additionalProperties": False}
    return schema_of(spec)


def _children(schema: dict[str, Any], cal: Calibration) -> Iterator[tuple[str, dict[str, Any]]]:
    """The named parts of an object or of a list's entries; a table of every country (or sector)
    names each of them CODE (or SECTOR)."""
    if schema.get("type") == "array" and "properties" in schema.get("items", {}):
        for key, sub in _children(schema["items"], cal):
            yield f"{ENTRY}.{key}", sub
        return
    properties = schema.get("properties", {})
    placeholder = {tuple(cal.countries): COUNTRY, tuple(cal.sectors): SECTOR}.get(tuple(properties))
    for key, sub in properties.items():
        yield placeholder or key, sub


def _walk(schema: dict[str, Any], cal: Calibration, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every leaf of the schema with its dotted path (a leaf of each country once per country)."""
    children = list(_children(schema, cal))
    if not children:
        yield path, schema
    for key, sub in children:
        yield from _walk(sub, cal, key if not path else f"{path}{key}" if key.startswith(ENTRY) else f"{path}.{key}")


def leaves(schema: dict[str, Any], cal: Calibration) -> dict[str, dict[str, Any]]:
    """Every setting of the schema by dotted path, with its JSON Schema: ``countries.CODE.barrier.SECTOR``
    stands for every country and sector, ``events[].kind`` for the key of every entry."""
    found: dict[str, dict[str, Any]] = {}
    for path, leaf in _walk(schema, cal):
        found.setdefault(path, leaf)
    return found


def annotated_schema(cal: Calibration) -> dict[str, Any]:
    """The scenario schema as one JSON Schema tree (each country spelt out), every leaf with its description."""
    schema = json.loads(json.dumps(_tree_schema(build_schema(cal))))   # a deep copy: checks share theirs
    words = descriptions()
    for path, leaf in _walk(schema, cal):   # the words editors show on hover
        if path in words:
            meaning, unit = words[path]
            leaf["description"] = meaning + (f" ({unit})" if unit else "")
    return schema


def _share(schema: Any, defs: dict[str, Any], cal: Calibration, key: str = "") -> Any:
    """The schema with a table of every country (or sector) alike written once, in ``$defs``, and referred to by each."""
    if isinstance(schema, list):
        return [_share(sub, defs, cal, key) for sub in schema]
    if not isinstance(schema, dict):
        return schema
    properties = schema.get("properties")
    names = tuple(properties) if isinstance(properties, dict) else ()
    if names in (cal.countries, cal.sectors) and len({json.dumps(v) for v in properties.values()}) == 1:
        name = "country" if key == "countries" else f"{key}_{'country' if names == cal.countries else 'sector'}"
        defs[name] = _share(properties[names[0]], defs, cal, name)
        return {**schema, "properties": {code: {"$ref": f"#/$defs/{name}"} for code in properties}}
    return {name: _share(sub, defs, cal, name) for name, sub in schema.items()}


def json_schema(cal: Calibration | None = None) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file over a calibration (default: the bundled one).

    A file that passes it may still be refused by the loader for what one file cannot show: a
    negotiator name nobody registered, or settings that only make sense together.
    """
    cal = cal or load_calibration()
    defs: dict[str, Any] = {}
    schema = _share(annotated_schema(cal), defs, cal)
    return {"$schema": DRAFT, "title": "tppgame scenario",
            "description": "A tppgame scenario file (TOML). Generated by python -m tppgame.game.json_schema; "
                           "see docs/reference/scenario-settings.md.",
            **schema, "$defs": defs}


def dumps(value: Any, indent: str = "") -> str:
    """JSON text of a schema: what fits in 120 characters on one line, the rest indented."""
    flat = json.dumps(value, ensure_ascii=False)
    if len(indent) + len(flat) <= 120 or not isinstance(value, dict | list) or not value:
        return flat
    inner = indent + "  "
    if isinstance(value, list):
        return "[\n" + ",\n".join(inner + dumps(v, inner) for v in value) + "\n" + indent + "]"
    return "{\n" + ",\n".join(f"{inner}{json.dumps(k)}: {dumps(v, inner)}" for k, v in value.items()) \
        + "\n" + indent + "}"


def as_json(value: Any) -> Any:
    """A parsed TOML value as JSON sees it: dates and times become their ISO text (as Taplo gives them)."""
    if isinstance(value, dict):
        return {key: as_json(sub) for key, sub in value.items()}
    if isinstance(value, list):
        return [as_json(sub) for sub in value]
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


# ------------------------------------------------------------ the reference page
def _number(value: float) -> str:
    return str(value) if isinstance(value, int) and abs(value) < 10**6 else "2^63 − 1" if value == SEED_MAX else f"{value:g}"


def _range(schema: dict[str, Any], cal: Calibration) -> str:
    """What a leaf accepts, in words."""
    kind, items = schema.get("type"), schema.get("items", {})
    if "enum" in schema:
        return "one of " + ", ".join(f"`{v}`" for v in schema["enum"])
    if "const" in schema:
        return f'`"{schema["const"]}"`' if isinstance(schema["const"], str) else f"`{schema['const']}`"
    if "oneOf" in schema:
        return ", or ".join(_range(option, cal) for option in schema["oneOf"])
    if kind in ("number", "integer"):
        word = "whole number" if kind == "integer" else "number"
        lo, hi = schema.get("minimum"), schema.get("maximum")
        if "exclusiveMinimum" in schema:
            above = f"above {_number(schema['exclusiveMinimum'])}"
            return f"{word} {above}" + (f", up to {_number(hi)}" if hi is not None else "")
        if lo is not None and hi is not None:
            return f"{word}, {_number(lo)} to {_number(hi)}"
        return f"{word}, {_number(lo)} or more" if lo is not None else word
    if kind == "string":
        if schema.get("format") == "date":
            return "a date (2014-04-24)"
        if "examples" in schema:
            return "a name, such as " + ", ".join(f"`{v}`" for v in schema["examples"])
        return "text, not empty or blank" if schema.get("minLength") else "text"
    if kind == "boolean":
        return "true or false"
    if kind == "array":
        enum = items.get("enum")
        what = ("country codes" if enum == list(cal.countries) else "chapters" if enum == list(cal.chapters)
                else "sectors" if enum == list(cal.sectors) else "rules issues" if enum is not None else "")
        if schema.get("maxItems") == 2:
            return "two different country codes"
        if what:
            return f"a list of {what}" + (", each once" if schema.get("uniqueItems") else "")
        return "a list of pairs of country codes" if items.get("type") == "array" else f"a list of {_range(items, cal)}"
    if kind == "object":
        return 'a table of "dotted.setting" = value'
    return "any"


def _default(settings: dict[str, Any], path: str, cal: Calibration) -> str:
    """A setting's value in the baseline (calibration and scenarios/baseline.toml); per country, its spread."""
    if ENTRY in path:
        return "—"
    nodes = [settings]
    for key in path.split("."):
        names = cal.countries if key == COUNTRY else cal.sectors if key == SECTOR else (key,)
        nodes = [node[name] for node in nodes if isinstance(node, dict) for name in names if name in node]
    if not nodes:
        return "unset"
    if path.count(COUNTRY) == 1 and SECTOR not in path and len(nodes) < len(cal.countries):
        return "set for some countries only (unset for the rest)"
    values = sorted({json.dumps(as_json(v)) for v in nodes})
    if len(values) == 1:
        value = json.loads(values[0])
        shown = f"{value:g}" if isinstance(value, float | int) and not isinstance(value, bool) else values[0]
        return f"`{shown}`" if len(shown) <= 100 else "the baseline's own"
    try:
        numbers = [float(v) for v in values]
    except ValueError:
        return "its own, per country"
    return f"{min(numbers):g} to {max(numbers):g} by country"


def settings_page(cal: Calibration | None = None) -> str:
    """The Markdown of docs/reference/scenario-settings.md."""
    from tppgame.game.scenario import load_scenario

    cal = cal or load_calibration()
    settings = load_scenario("baseline").settings
    lines = [
        "# Scenario settings",
        "",
        "<!-- Generated by `python -m tppgame.game.json_schema --settings-page "
        "docs/reference/scenario-settings.md`; do not edit (tests/test_scenario_reference.py "
        "checks it is current). -->",
        "",
        "Every setting a scenario file can hold, from the schema the loader checks files against",
        "(`tppgame/game/scenario_schema.py`) and the descriptions beside it",
        "(`tppgame/game/scenario_descriptions.py`; an event kind's own keys in its class, `tppgame/game/events.py`).",
        "`CODE` stands for a country code",
        f"({' '.join(cal.countries)}), `SECTOR` for a sector ({' '.join(cal.sectors)}), and `[]` for",
        "each entry of a list of tables (`[[events]]`). The default is the baseline's value: the",
        "calibration file (`tppgame/game/data/calibration.toml`) with `scenarios/baseline.toml` over it;",
        "per-country figures show their spread over the countries. \"unset\" settings are optional.",
        "How to write a file: [Write a scenario](../how-to/write-a-scenario.md).",
    ]
    schema = annotated_schema(cal)
    words = descriptions()
    section = None
    for path, leaf in leaves(schema, cal).items():
        top = path.split(".")[0].removesuffix(ENTRY) if "." in path else "the file's own"
        if top != section:
            section = top
            title = top if top == "the file's own" else f"[[{top}]]" if f"{top}{ENTRY}" in path else f"[{top}]"
            lines += ["", f"## {title}" if " " in title else f"## `{title}`", "",
                      "| setting | meaning | unit | range | default |", "|---|---|---|---|---|"]
        meaning, unit = words[path]
        lines.append(f"| `{path}` | {meaning} | {unit or '—'} | {_range(leaf, cal)} | {_default(settings, path, cal)} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tppgame.game.json_schema", description=__doc__.split("\n")[0])
    parser.add_argument("--json-schema", metavar="FILE", help="write the JSON Schema of scenario files (- for stdout)")
    parser.add_argument("--settings-page", metavar="FILE", help="write the settings reference page (- for stdout)")
    args = parser.parse_args(argv)
    if not (args.json_schema or args.settings_page):
        parser.error("give --json-schema FILE or --settings-page FILE")
    for target, text in ((args.json_schema, lambda: dumps(json_schema()) + "\n"),
                         (args.settings_page, settings_page)):
        if target == "-":
            print(text(), end="")
        elif target:
            Path(target).write_text(text(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
