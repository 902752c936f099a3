"""The calibration data file: the countries, the sectors and every figure with its source.

``data/calibration.toml`` is read and checked once per process into a :class:`Calibration`:
each figure is a table ``{value, source|judgment, note?}`` whose source must be defined in
``[sources]``, and the figures together must be a valid scenario body (checked against the
schema, :mod:`tppgame.game.scenario_schema`). Every scenario is laid over it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from tppgame.game.data_files import read_sourced
from tppgame.game.fields import ScenarioError, text
from tppgame.game.scenario_schema import SECTOR_TABLES, check_tree, settings_schema

PACKAGE_DIR = Path(__file__).resolve().parent
CALIBRATION_FILE = PACKAGE_DIR / "data" / "calibration.toml"


@dataclass(frozen=True)
class Calibration:
    """The package's data file: countries, sectors and the figures with their sources."""

    countries: tuple[str, ...]
    sectors: tuple[str, ...]          # every sector with figures: the core ones, then the chapters
    sector_labels: dict[str, str]
    settings: dict[str, Any]          # countries.*, existing_agreements and phase_out_floors, as plain values
    sources: dict[str, str]
    figure_sources: dict[str, str]   # dotted path -> "source id" or "judgment: ..."
    chapters: tuple[str, ...] = ()   # sectors in play only when a scenario names them (bargaining.chapters)

    def played(self, chapters: tuple[str, ...] | list[str] = ()) -> tuple[str, ...]:
        """The sectors of a game that plays ``chapters``: the core sectors and those chapters, in the
        calibration's order."""
        return tuple(s for s in self.sectors if s not in self.chapters or s in chapters)


def _figure(value: Any, file: str, path: str, sources: Mapping[str, str]) -> tuple[Any, str]:
    """Unpack one calibration figure ``{value, source|judgment|method, note?}``."""
    if not isinstance(value, dict):
        raise ScenarioError(file, path, "a table {value = ..., source = ... or judgment = ...}", value)
    unknown = set(value) - {"value", "source", "judgment", "method", "note"}
    if unknown:
        raise ScenarioError(file, f"{path}.{sorted(unknown)[0]}", "only value, source, judgment, method, note",
                            show_got=False)
    if "value" not in value:
        raise ScenarioError(file, f"{path}.value", "a value", show_got=False)
    origins = [key for key in ("source", "judgment", "method") if key in value]
    if len(origins) != 1:
        raise ScenarioError(file, path, "exactly one of source, judgment or method", show_got=False)
    if origins[0] == "source":
        source = text(value["source"], file, f"{path}.source")
        if source not in sources:
            raise ScenarioError(file, f"{path}.source", "an id defined in [sources]", source)
        return value["value"], source
    return value["value"], f"{origins[0]}: " + text(value[origins[0]], file, f"{path}.{origins[0]}")


def _sourced_entries(raw: Mapping[str, Any], key: str, fields: tuple[str, ...], file: str,
                     sources: Mapping[str, str]) -> list[dict[str, Any]]:
    """The ``[[key]]`` entries of the data file, their ``fields`` only (the schema checks them as a scenario's),
    each with a ``source``: one or more ids defined in ``[sources]``, joined by ";". Their ``note`` is for
    readers."""
    entries = raw.get(key, [])
    if not isinstance(entries, list):
        raise ScenarioError(file, key, "a list of tables ([[" + key + "]])", entries)
    out = []
    for k, entry in enumerate(entries):
        where = f"{key}[{k}]"
        if not isinstance(entry, dict):
            raise ScenarioError(file, where, "a table", entry)
        source = entry.get("source", "")
        parts = [part.strip() for part in str(source).split(";") if part.strip()]
        if not parts or any(part not in sources for part in parts):
            raise ScenarioError(file, f"{where}.source", "ids defined in [sources]", source, show_got=bool(source))
        out.append({name: entry[name] for name in fields if name in entry})
    return out


@lru_cache(maxsize=4)
def load_calibration(path: Path = CALIBRATION_FILE) -> Calibration:
    """Read the calibration data file once per process."""
    file, raw, sources = read_sourced(path)
    sector_table = raw.get("sectors")
    if not isinstance(sector_table, dict) or not isinstance(sector_table.get("order"), list):
        raise ScenarioError(file, "sectors.order", "a list of sector names", sector_table)
    chapters_raw = sector_table.get("chapters", [])
    if not isinstance(chapters_raw, list):
        raise ScenarioError(file, "sectors.chapters", "a list of sector names", chapters_raw)
    sectors = tuple(text(s, file, "sectors.order") for s in sector_table["order"])
    chapters = tuple(text(s, file, "sectors.chapters") for s in chapters_raw)
    if len(set(sectors + chapters)) < len(sectors + chapters):
        raise ScenarioError(file, "sectors.chapters", "sector names not repeated in order or chapters",
                            chapters_raw)
    sectors += chapters
    labels = {s: str(sector_table.get(s, {}).get("label", s)) for s in sectors}
    countries_raw = raw.get("countries")
    if not isinstance(countries_raw, dict) or not countries_raw:
        raise ScenarioError(file, "countries", "a table of countries", countries_raw)
    figure_sources: dict[str, str] = {}
    countries: dict[str, Any] = {}
    for code, block in countries_raw.items():
        where = f"countries.{code}"
        if not isinstance(block, dict):
            raise ScenarioError(file, where, "a table", block)
        plain: dict[str, Any] = {"name": text(block.get("name"), file, f"{where}.name")}
        for key in ("gdp_2013", "ratification_threshold", "patience"):
            plain[key], figure_sources[f"{where}.{key}"] = _figure(block.get(key), file, f"{where}.{key}", sources)
        for table in SECTOR_TABLES:
            sub = block.get(table)
            if not isinstance(sub, dict):
                raise ScenarioError(file, f"{where}.{table}", "a table of sector figures", sub)
            plain[table] = {}
            for sector, fig in sub.items():
                p = f"{where}.{table}.{sector}"
                plain[table][sector], figure_sources[p] = _figure(fig, file, p, sources)
        countries[code] = plain
    agreements = _sourced_entries(raw, "agreements", ("pair", "name", "year"), file, sources)
    floors = _sourced_entries(raw, "phase_out_floors", ("importer", "exporter", "sector", "years", "name"), file,
                              sources)
    settings = {"countries": countries, "existing_agreements": agreements, "phase_out_floors": floors}
    calibration = Calibration(tuple(countries), sectors, labels, settings, dict(sources), figure_sources, chapters)
    # The calibration must itself be a valid (complete) scenario body.
    check_tree(settings, settings_schema(calibration), file, "")
    return calibration
