"""Scenario loading: calibration data plus a scenario file, validated into arrays.

A scenario is data, never code: TOML files are parsed with ``tomllib`` and every
field is checked against the schema below, built from the checks in :mod:`tppgame.game.fields`
(an ``[[events]]`` entry by the class of its kind, :mod:`tppgame.game.events`). A bad value
stops the load with a :class:`ScenarioError` whose one-line message names the file, the
key path and what was expected, so the command line can print it and exit with status 2.
"""

from __future__ import annotations

import calendar
import copy
import datetime as dt
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from tppgame.game.events import KINDS, Event, entry_check
from tppgame.game.fields import (Check, ScenarioError, a_date, boolean, choice, country_list, country_pair, list_of,
                             number, record, text)
from tppgame.game.negotiators import negotiator_names, registered, takes_beta

PACKAGE_DIR = Path(__file__).resolve().parent
CALIBRATION_FILE = PACKAGE_DIR / "data" / "calibration.toml"
BUNDLED_SCENARIOS = PACKAGE_DIR.parent.parent / "scenarios"

PROTOCOLS = ("alternating", "nash", "kalai_smorodinsky", "rubinstein")
INFORMATION = ("full", "private")   # what a negotiator knows of its partner's utility (see Talks)
ENTRY_RULES = ("tpp", "cptpp", "custom")
SIDE_DEAL_KINDS = ("standalone", "conditional")
SECTOR_TABLES = ("export_interest", "barrier", "sensitivity", "red_line")


def a_negotiator(value: Any, file: str, path: str) -> str:
    """A negotiator's registered name (built-in, registered from Python, or a package's entry point)."""
    if not isinstance(value, str) or value not in registered():
        raise ScenarioError(file, path, "a registered negotiator (" + ", ".join(negotiator_names()) + ")", value)
    return value


# ------------------------------------------------------------------- calibration
@dataclass(frozen=True)
class Calibration:
    """The package's data file: countries, sectors and the figures with their sources."""

    countries: tuple[str, ...]
    sectors: tuple[str, ...]
    sector_labels: dict[str, str]
    settings: dict[str, Any]          # countries.* and existing_agreements, as plain values
    sources: dict[str, str]
    figure_sources: dict[str, str]   # dotted path -> "source id" or "judgment: ..."


def _figure(value: Any, file: str, path: str, sources: Mapping[str, str]) -> tuple[Any, str]:
    """Unpack one calibration figure ``{value, source|judgment, note?}``."""
    if not isinstance(value, dict):
        raise ScenarioError(file, path, "a table {value = ..., source = ... or judgment = ...}", value)
    unknown = set(value) - {"value", "source", "judgment", "note"}
    if unknown:
        raise ScenarioError(file, f"{path}.{sorted(unknown)[0]}", "only value, source, judgment, note",
                            show_got=False)
    if "value" not in value:
        raise ScenarioError(file, f"{path}.value", "a value", show_got=False)
    has_source, has_judgment = "source" in value, "judgment" in value
    if has_source == has_judgment:
        raise ScenarioError(file, path, "exactly one of source or judgment", show_got=False)
    if has_source:
        source = text(value["source"], file, f"{path}.source")
        if source not in sources:
            raise ScenarioError(file, f"{path}.source", "an id defined in [sources]", source)
        origin = source
    else:
        origin = "judgment: " + text(value["judgment"], file, f"{path}.judgment")
    return value["value"], origin


@lru_cache(maxsize=4)
def load_calibration(path: Path = CALIBRATION_FILE) -> Calibration:
    """Read the calibration data file once per process."""
    file = _display(path)
    raw = _read_toml(path)
    sources = raw.get("sources", {})
    if not isinstance(sources, dict) or not all(isinstance(v, str) for v in sources.values()):
        raise ScenarioError(file, "sources", "a table of id = citation strings", sources)
    sector_table = raw.get("sectors")
    if not isinstance(sector_table, dict) or not isinstance(sector_table.get("order"), list):
        raise ScenarioError(file, "sectors.order", "a list of sector names", sector_table)
    sectors = tuple(text(s, file, "sectors.order") for s in sector_table["order"])
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
    agreements = []
    for k, entry in enumerate(raw.get("agreements", [])):
        where = f"agreements[{k}]"
        if not isinstance(entry, dict):
            raise ScenarioError(file, where, "a table", entry)
        source = entry.get("source", "")
        for part in str(source).split(";"):
            if part.strip() and part.strip() not in sources:
                raise ScenarioError(file, f"{where}.source", "ids defined in [sources]", source)
        agreements.append({key: entry[key] for key in ("pair", "name", "year") if key in entry})
    settings = {"countries": countries, "existing_agreements": agreements}
    calibration = Calibration(tuple(countries), sectors, labels, settings, dict(sources), figure_sources)
    # The calibration must itself be a valid (complete) scenario body.
    _check_tree(settings, _schema(calibration), file, "")
    return calibration


# ------------------------------------------------------------------------ schema
_SCHEMAS: dict[int, tuple[Calibration, dict[str, Any]]] = {}


def _schema(cal: Calibration) -> dict[str, Any]:
    """The scenario schema for a calibration (built once per calibration)."""
    cached = _SCHEMAS.get(id(cal))
    if cached is None or cached[0] is not cal:
        cached = _SCHEMAS[id(cal)] = (cal, _build_schema(cal))
    return cached[1]


def _build_schema(cal: Calibration) -> dict[str, Any]:
    """The scenario schema: a tree of field checks mirroring the TOML layout."""
    sector_share = {s: number(0, 1) for s in cal.sectors}
    country = {
        "name": text,
        "gdp_2013": number(0, lo_open=True),
        "ratification_threshold": number(0, 1),
        "patience": number(0, 1, lo_open=True),
        "tactic": a_negotiator,
        "beta": number(0, 100, lo_open=True),
        "talks_per_round": number(1, len(cal.countries), integer=True),
        "export_interest": sector_share,
        "barrier": sector_share,
        "sensitivity": {s: number(0, 10) for s in cal.sectors},
        "red_line": sector_share,
    }
    return {
        "name": text,
        "description": text,
        "extends": text,
        "drop_events": list_of(text),
        "drop_side_deals": list_of(text),
        "seed": number(0, 2**63 - 1, integer=True),
        "rounds": number(1, 1000, integer=True),
        "calendar": {"start": a_date, "months_per_round": number(1, 24, integer=True)},
        "bargaining": {
            "protocol": choice(*PROTOCOLS),
            "information": choice(*INFORMATION),
            "tactic": a_negotiator,
            "talks_per_round": number(1, len(cal.countries), integer=True),
            "min_stake": number(0),
            "existing_agreement_discount": number(0, 1),
            "cost_scale": number(0),
            "cost_exponent": number(1, 4, lo_open=True),
            "precedent_weight": number(0),
            "precedent_min_interest": number(0, 1),
            "spillover": number(0, 1),
            "endgame_share": number(0, 1),
        },
        "agreement": {
            "members": country_list(cal.countries),
            "original_signatories": country_list(cal.countries),
            "entry_rule": choice(*ENTRY_RULES),
            "min_signatories": number(1, len(cal.countries), integer=True),
            "min_gdp_share": number(0, 1),
            "conclude_without_holdouts": boolean,
            "suspended_sectors": _sector_list(cal),
        },
        "countries": {code: country for code in cal.countries},
        "existing_agreements": list_of(_existing_agreement(cal)),
        "events": list_of(entry_check(cal.countries)),
        "side_deals": list_of(_side_deal(cal)),
        "headlines": list_of(_headline(cal)),
        "history": {"summary": text, "formed": boolean, "date": a_date, "sources": list_of(text)},
    }



def _existing_agreement(cal: Calibration) -> Check:
    return record({"pair": country_pair(cal.countries), "name": text}, {"year": number(1900, 2100, integer=True)})


HEADLINE_KINDS = ("formed", "in_force", "deal_by", "no_deal_by", "deal_order", "signatory",
                  "holdout", "concession_at_least", "access_at_least")
# what each kind of headline needs besides its claim
HEADLINE_NEEDS = {
    "formed": ("expect",), "in_force": ("expect",), "deal_by": ("pair",), "no_deal_by": ("pair",),
    "deal_order": ("first", "then"), "signatory": ("country", "expect"), "holdout": ("country",),
    "concession_at_least": ("country", "sector", "at_least"),
    "access_at_least": ("exporter", "importer", "sector", "at_least"),
}


def _headline(cal: Calibration) -> Check:
    pair = country_pair(cal.countries)
    base = record(
        {"claim": text, "kind": choice(*HEADLINE_KINDS)},
        {"expect": boolean, "pair": pair, "first": pair, "then": pair, "country": choice(*cal.countries),
         "exporter": choice(*cal.countries), "importer": choice(*cal.countries),
         "sector": choice(*cal.sectors), "at_least": number(0, 1), "by_round": number(1, 1000, integer=True),
         "by_date": a_date},
    )

    def check(value: Any, file: str, path: str) -> dict[str, Any]:
        headline = base(value, file, path)
        for key in HEADLINE_NEEDS[headline["kind"]]:
            if key not in headline:
                raise ScenarioError(file, f"{path}.{key}", f"a value for a {headline['kind']} headline",
                                    show_got=False)
        if "by_round" in headline and "by_date" in headline:
            raise ScenarioError(file, path, "at most one of by_round or by_date", show_got=False)
        return headline

    return check


def _side_deal(cal: Calibration) -> Check:
    sector_list = _sector_list(cal)

    def terms(value: Any, file: str, path: str) -> dict[str, dict[str, float]]:
        if not isinstance(value, dict):
            raise ScenarioError(file, path, "a table of country = {sector = concession}", value)
        out = {}
        for code, sub in value.items():
            if code not in cal.countries:
                raise ScenarioError(file, f"{path}.{code}", "a country code", code)
            if not isinstance(sub, dict):
                raise ScenarioError(file, f"{path}.{code}", "a table of sector = concession", sub)
            for sector in sub:
                if sector not in cal.sectors:
                    raise ScenarioError(file, f"{path}.{code}.{sector}", "a sector, one of " + " ".join(cal.sectors),
                                        sector)
            out[code] = {s: number(0, 1)(v, file, f"{path}.{code}.{s}") for s, v in sub.items()}
        return out

    base = record(
        {"parties": country_pair(cal.countries), "kind": choice(*SIDE_DEAL_KINDS)},
        {"label": text, "start_round": number(1, 1000, integer=True), "start_date": a_date,
         "sectors": sector_list, "exclude": sector_list, "terms": terms,
         "concluded_round": number(1, 1000, integer=True), "concluded_date": a_date},
    )

    def check(value: Any, file: str, path: str) -> dict[str, Any]:
        deal = base(value, file, path)
        if "start_round" in deal and "start_date" in deal:
            raise ScenarioError(file, path, "at most one of start_round or start_date", show_got=False)
        fixed = "terms" in deal
        concluded = "concluded_round" in deal or "concluded_date" in deal
        if fixed != concluded:
            raise ScenarioError(file, path, "terms and a concluded_round (or concluded_date) together",
                                show_got=False)
        if "concluded_round" in deal and "concluded_date" in deal:
            raise ScenarioError(file, path, "at most one of concluded_round or concluded_date", show_got=False)
        if fixed:
            for code in deal["terms"]:
                if code not in deal["parties"]:
                    raise ScenarioError(file, f"{path}.terms.{code}", "a party to this side deal", code)
        return deal

    return check


def _sector_list(cal: Calibration) -> Check:
    def check(value: Any, file: str, path: str) -> list[str]:
        if not isinstance(value, list):
            raise ScenarioError(file, path, "a list of sectors", value)
        for k, sector in enumerate(value):
            if sector not in cal.sectors:
                raise ScenarioError(file, f"{path}[{k}]", "a sector, one of " + " ".join(cal.sectors), sector)
        return list(value)

    return check


def _check_tree(value: Any, spec: Any, file: str, path: str) -> Any:
    """Check a (possibly partial) settings tree against the schema."""
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            raise ScenarioError(file, path, "a table", value)
        out = {}
        for key, sub in value.items():
            where = f"{path}.{key}" if path else key
            if key not in spec:
                known = ", ".join(spec)
                if path == "countries" or path.endswith(tuple(f".{t}" for t in SECTOR_TABLES)):
                    raise ScenarioError(file, where, f"a known key ({known})", key)
                raise ScenarioError(file, where, f"a known key ({known})", show_got=False)
            out[key] = _check_tree(sub, spec[key], file, where)
        return out
    return spec(value, file, path)


def _require_complete(value: Any, spec: Any, file: str, path: str) -> None:
    """Every leaf of the schema that the game needs must be set after merging."""
    optional = {"extends", "drop_events", "drop_side_deals", "existing_agreements", "history", "events", "side_deals", "headlines", "description",
                "agreement.min_signatories", "agreement.min_gdp_share", "agreement.original_signatories",
                "agreement.suspended_sectors", "bargaining.information", "history.summary", "history.formed",
                "history.date", "history.sources"}
    optional_per_country = {"beta", "talks_per_round", "tactic"}
    if isinstance(spec, dict):
        for key, sub in spec.items():
            where = f"{path}.{key}" if path else key
            if key not in value:
                if where in optional or (path.startswith("countries.") and key in optional_per_country):
                    continue
                raise ScenarioError(file, where, "this setting (in the scenario or the files it extends)",
                                    show_got=False)
            _require_complete(value[key], sub, file, where)


# ------------------------------------------------------------------ file access
def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _read_toml(path: Path) -> dict[str, Any]:
    return copy.deepcopy(_read_toml_cached(path.resolve(), path.stat().st_mtime_ns if path.exists() else 0))


@lru_cache(maxsize=64)
def _read_toml_cached(path: Path, _mtime: int) -> dict[str, Any]:
    file = _display(path)
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ScenarioError(file, "", "an existing scenario file", show_got=False) from None
    except IsADirectoryError:
        raise ScenarioError(file, "", "a TOML file, not a folder", show_got=False) from None
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(file, "", f"valid TOML ({err})", show_got=False) from None
    except UnicodeDecodeError:
        raise ScenarioError(file, "", "a UTF-8 text file", show_got=False) from None


def resolve_scenario(name_or_path: str | Path) -> Path:
    """Find a scenario by path, or by name in ./scenarios or the bundled scenarios folder."""
    path = Path(name_or_path)
    if path.exists() or path.suffix == ".toml" or len(path.parts) > 1:
        return path
    for folder in (Path.cwd() / "scenarios", BUNDLED_SCENARIOS):
        candidate = folder / f"{path.name}.toml"
        if candidate.exists():
            return candidate
    return BUNDLED_SCENARIOS / f"{path.name}.toml"


def available_scenarios() -> list[Path]:
    """The scenario files shipped with the game, sorted by name."""
    return sorted(BUNDLED_SCENARIOS.glob("*.toml"))


# --------------------------------------------------------------------- merging
def deep_merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``over`` into a copy of ``base``: tables merge, anything else replaces."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def set_path(tree: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    """Return a copy of ``tree`` with the setting at ``dotted`` replaced."""
    keys = dotted.split(".")
    nested: dict[str, Any] = value
    for key in reversed(keys):
        nested = {key: nested}
    return deep_merge(tree, nested)


def check_override(dotted: str, value: Any, spec: Mapping[str, Any], file: str) -> Any:
    """Check one dotted-path override against the schema; return the value normalised."""
    node: Any = spec
    for depth, key in enumerate(dotted.split(".")):
        where = ".".join(dotted.split(".")[: depth + 1])
        if not isinstance(node, dict):
            raise ScenarioError(file, where, "a path to a single setting", show_got=False)
        if key not in node:
            raise ScenarioError(file, where, "a known setting (one of " + ", ".join(node) + ")", show_got=False)
        node = node[key]
    if isinstance(node, dict):
        raise ScenarioError(file, dotted, "a path to a single setting, not a whole table", show_got=False)
    return node(value, file, dotted)


# -------------------------------------------------------------- compiled form
@dataclass(frozen=True)
class HeadlineSpec:
    """A claim a teacher states about a scenario, in a form a run can check (see tppgame.experiments.headlines)."""

    claim: str
    kind: str
    params: tuple[tuple[str, Any], ...]

    def get(self, key: str, default: Any = None) -> Any:
        return dict(self.params).get(key, default)


@dataclass(frozen=True)
class SideDealSpec:
    """A side deal between two countries: standalone (in force once concluded) or conditional on TPP."""

    parties: tuple[str, str]
    kind: str
    label: str
    start_round: int
    sectors: tuple[str, ...]
    terms: dict[str, dict[str, float]] | None = None
    concluded_round: int | None = None


@dataclass(frozen=True)
class EntryRule:
    """When a concluded agreement can enter into force."""

    name: str
    min_signatories: int
    min_gdp_share: float
    # CPTPP: "at least six or at least 50% of the signatories, whichever is smaller".
    signatory_fraction: float | None = None

    def describe(self) -> str:
        parts = [f"at least {self.min_signatories} signatories"]
        if self.signatory_fraction is not None:
            parts[0] += f" or {self.signatory_fraction:.0%} of them, whichever is smaller"
        if self.min_gdp_share > 0:
            parts.append(f"holding at least {self.min_gdp_share:.0%} of the original signatories' 2013 GDP")
        return " ".join(parts)


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: the raw settings it came from plus arrays for the game."""

    file: str
    settings: dict[str, Any] = field(repr=False)
    calibration: Calibration = field(repr=False)
    name: str
    description: str
    seed: int
    rounds: int
    start: dt.date
    months_per_round: int
    countries: tuple[str, ...]
    sectors: tuple[str, ...]
    protocol: str
    members: tuple[str, ...]
    original_signatories: tuple[str, ...]
    entry_rule: EntryRule
    conclude_without_holdouts: bool
    events: tuple[Event, ...]
    side_deals: tuple[SideDealSpec, ...]
    params: dict[str, Any] = field(repr=False)
    headlines: tuple[HeadlineSpec, ...] = ()
    history: dict[str, Any] = field(default_factory=dict, repr=False)   # what happened in fact, for debriefs
    origins: dict[str, list[tuple[str, int]]] | None = field(default=None, repr=False)
    information: str = "full"       # "private": negotiators see only their own utility (Talks)

    def round_date(self, round_number: int) -> dt.date:
        """The first day of the period a round stands for."""
        return add_months(self.start, (round_number - 1) * self.months_per_round)

    def with_overrides(self, overrides: Mapping[str, Any], origin: str = "override") -> Scenario:
        """A new scenario with dotted-path settings replaced, validated again."""
        spec = _schema(self.calibration)
        tree = self.settings
        for dotted, value in overrides.items():
            tree = set_path(tree, dotted, check_override(dotted, value, spec, origin))
        return _compile(tree, self.calibration, self.file, self.origins)

    def index(self, code: str) -> int:
        return self.countries.index(code)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day where it is shorter (31 Jan + 1 = 28 Feb)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def round_of_date(day: dt.date, start: dt.date, months_per_round: int) -> int:
    """The round whose period contains ``day``: the last round starting on or before it (round 1
    starts at ``start``; 0 or less for a day before the start)."""
    months = (day.year - start.year) * 12 + (day.month - start.month)
    candidate = months // months_per_round + 1
    if add_months(start, (candidate - 1) * months_per_round) > day:
        candidate -= 1
    return candidate


def load_scenario(name_or_path: str | Path = "baseline", overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load and validate a scenario (with the files it extends) over the calibration data.

    A scenario file is read and checked once per process (while it is unchanged); the
    result is immutable, so runs of the same scenario share it.
    """
    path = resolve_scenario(name_or_path)
    scenario = _load_file(path.resolve(), _chain_mtimes(path), _display(path))
    if overrides:
        scenario = scenario.with_overrides(overrides)
    return scenario


def _chain_mtimes(path: Path) -> tuple[int, ...]:
    """Modification times of a scenario file and its folder's files, to notice edits."""
    if not path.exists():
        return ()
    return tuple(p.stat().st_mtime_ns for p in sorted(path.resolve().parent.glob("*.toml")))


@lru_cache(maxsize=32)
def _load_file(path: Path, _mtimes: tuple[int, ...], display: str) -> Scenario:
    calibration = load_calibration()
    tree, origins = _load_chain(path, calibration, seen=())
    return _compile(deep_merge(calibration.settings, tree), calibration, display, origins)


Origins = dict[str, list[tuple[str, int]]]   # per list (events, side_deals): (file, index in that file)


def _load_chain(path: Path, cal: Calibration, seen: tuple[Path, ...]) -> tuple[dict[str, Any], Origins]:
    """The merged settings of a scenario and the files it extends, and where each event came from."""
    file = _display(path)
    if path.resolve() in seen:
        raise ScenarioError(file, "extends", "no cycle of extended scenarios", show_got=False)
    raw = _read_toml(path)
    checked = _check_tree(raw, _schema(cal), file, "")
    own: Origins = {key: [(file, k) for k in range(len(raw.get(key, [])))] for key in ("events", "side_deals")}
    parent = checked.get("extends")
    if parent is None:
        return raw, own
    parent_path = path.parent / (parent if parent.endswith(".toml") else f"{parent}.toml")
    if not parent_path.exists():
        raise ScenarioError(file, "extends", "the name of a scenario file in the same folder", parent)
    base, origins = _load_chain(parent_path, cal, seen + (path.resolve(),))
    # Events and side deals add to the parent's; drop_events removes parent events by label.
    parent_events = base.get("events", [])
    labels = [e.get("label", e.get("kind")) for e in parent_events]
    for k, label in enumerate(checked.get("drop_events", [])):
        if label not in labels:
            raise ScenarioError(file, f"drop_events[{k}]", "the label of an event in the extended scenario",
                                label)
    dropped = set(checked.get("drop_events", []))
    merged = deep_merge(base, {k: v for k, v in raw.items() if k not in ("extends", "drop_events", "drop_side_deals")})
    kept = [k for k, e in enumerate(parent_events) if e.get("label", e.get("kind")) not in dropped]
    merged["events"] = [parent_events[k] for k in kept] + raw.get("events", [])
    parent_deals = base.get("side_deals", [])
    deal_labels = [d.get("label", "") for d in parent_deals]
    for k, label in enumerate(checked.get("drop_side_deals", [])):
        if label not in deal_labels:
            raise ScenarioError(file, f"drop_side_deals[{k}]", "the label of a side deal in the extended scenario",
                                label)
    kept_deals = [k for k, d in enumerate(parent_deals) if d.get("label", "") not in checked.get("drop_side_deals", [])]
    merged["side_deals"] = [parent_deals[k] for k in kept_deals] + raw.get("side_deals", [])
    merged["headlines"] = raw.get("headlines", [])      # a scenario states its own headlines and history
    merged.pop("history", None)
    if "history" in raw:
        merged["history"] = raw["history"]
    return merged, {"events": [origins["events"][k] for k in kept] + own["events"],
                    "side_deals": [origins["side_deals"][k] for k in kept_deals] + own["side_deals"]}


def _compile(tree: dict[str, Any], cal: Calibration, file: str, origins: Origins | None = None) -> Scenario:
    spec = _schema(cal)

    def origin(key: str, k: int) -> tuple[str, str]:
        """The file an event or side deal was written in, and its key path there."""
        source, index = origins[key][k] if origins and k < len(origins.get(key, [])) else (file, k)
        return source, f"{key}[{index}]"

    checked = _check_tree(tree, spec, file, "")
    _require_complete(checked, spec, file, "")
    countries, sectors = cal.countries, cal.sectors
    for code in countries:
        for table in SECTOR_TABLES:
            missing = [s for s in sectors if s not in checked["countries"][code][table]]
            if missing:
                raise ScenarioError(file, f"countries.{code}.{table}.{missing[0]}", "a value for every sector",
                                    show_got=False)
    start = checked["calendar"]["start"]
    months = checked["calendar"]["months_per_round"]
    rounds = checked["rounds"]

    def to_round(entry: dict[str, Any], key: str, where: str, file: str, default: int | None = None) -> int:
        if f"{key}round" in entry:
            value = entry[f"{key}round"]
        elif f"{key}date" in entry:
            value = round_of_date(entry[f"{key}date"], start, months)
            if value < 1 and key == "start_":
                value = 1           # talks under way before the scenario starts are open from round 1
            if value < 1:
                raise ScenarioError(file, f"{where}.{key}date", f"a date on or after the start ({start})",
                                    entry[f"{key}date"])
        elif default is not None:
            return default
        else:
            raise ScenarioError(file, where, "a round or a date", show_got=False)
        if value > rounds:
            last = add_months(start, rounds * months)
            raise ScenarioError(file, f"{where}.{key}{'round' if f'{key}round' in entry else 'date'}",
                                f"a time within the {rounds} rounds (before {last})",
                                entry.get(f"{key}round", entry.get(f"{key}date")))
        return value

    def check_setting(dotted: str, value: Any, where: str) -> Any:
        return check_override(dotted, value, spec, where)

    events = []
    for k, entry in enumerate(checked.get("events", [])):
        efile, where = origin("events", k)
        round_number = to_round(entry, "", where, efile)
        events.append(KINDS[entry["kind"]].from_entry(entry, round_number, efile, where, check_setting))
    events.sort(key=lambda e: e.round)

    side_deals = []
    seen_pairs: set[frozenset[str]] = set()
    for k, deal in enumerate(checked.get("side_deals", [])):
        dfile, where = origin("side_deals", k)
        key = frozenset(deal["parties"])
        if key in seen_pairs:
            raise ScenarioError(dfile, f"{where}.parties", "at most one side deal per pair", deal["parties"])
        seen_pairs.add(key)
        chosen = deal.get("sectors", list(sectors))
        chosen = tuple(s for s in sectors if s in chosen and s not in deal.get("exclude", []))
        if not chosen:
            raise ScenarioError(dfile, f"{where}.sectors", "at least one sector left after exclude", show_got=False)
        start_round = to_round(deal, "start_", where, dfile, default=1)
        concluded = to_round(deal, "concluded_", where, dfile) if "terms" in deal else None
        if concluded is not None and concluded < start_round:
            raise ScenarioError(dfile, f"{where}.concluded_round", f"a round at or after the start ({start_round})",
                                concluded)
        side_deals.append(SideDealSpec(
            parties=tuple(deal["parties"]), kind=deal["kind"],
            label=deal.get("label", f"{deal['parties'][0]}-{deal['parties'][1]} {deal['kind']} side deal"),
            start_round=start_round, sectors=chosen, terms=deal.get("terms"), concluded_round=concluded,
        ))

    agreement = checked["agreement"]
    members = tuple(c for c in countries if c in agreement["members"])
    original = tuple(c for c in countries if c in agreement.get("original_signatories", agreement["members"]))
    entry = _entry_rule(agreement, file)

    for code in countries:
        block = checked["countries"][code]
        chosen = block.get("tactic", checked["bargaining"]["tactic"])
        if "beta" in block and not takes_beta(chosen):
            raise ScenarioError(file, f"countries.{code}.beta", f"no beta (negotiator '{chosen}' takes none)",
                                block["beta"])
    information = checked["bargaining"].get("information", "full")
    if information != "full" and checked["bargaining"]["protocol"] != "alternating":
        # the benchmark protocols settle at points of the true frontier, which only full information knows
        raise ScenarioError(file, "bargaining.information", "full information with the benchmark protocol "
                            f"'{checked['bargaining']['protocol']}' (private information needs alternating)",
                            information)
    params = _arrays(checked, countries, sectors)
    return Scenario(
        file=file, settings=tree, calibration=cal,
        name=checked["name"], description=checked.get("description", ""),
        seed=checked["seed"], rounds=rounds, start=start, months_per_round=months,
        countries=countries, sectors=sectors, protocol=checked["bargaining"]["protocol"],
        members=members, original_signatories=original, entry_rule=entry,
        conclude_without_holdouts=agreement["conclude_without_holdouts"],
        events=tuple(events), side_deals=tuple(side_deals), params=params, origins=origins,
        headlines=tuple(_compile_headlines(checked.get("headlines", []), file, to_round)),
        history=checked.get("history", {}), information=information,
    )


def _compile_headlines(entries: list[dict[str, Any]], file: str, to_round: Callable[..., int]) -> list[HeadlineSpec]:
    """Headlines with their date turned into a round (``by``: the claim is about the rounds up to it)."""
    out = []
    for k, entry in enumerate(entries):
        params = {key: value for key, value in entry.items() if key not in ("claim", "kind", "by_date", "by_round")}
        if "by_round" in entry or "by_date" in entry:
            params["by"] = to_round(entry, "by_", f"headlines[{k}]", file)
        out.append(HeadlineSpec(entry["claim"], entry["kind"], tuple(sorted(params.items()))))
    return out


def _entry_rule(agreement: dict[str, Any], file: str) -> EntryRule:
    name = agreement["entry_rule"]
    if name == "tpp":
        rule = EntryRule("tpp", 6, 0.85)
    elif name == "cptpp":
        rule = EntryRule("cptpp", 6, 0.0, signatory_fraction=0.5)
    else:
        for key in ("min_signatories", "min_gdp_share"):
            if key not in agreement:
                raise ScenarioError(file, f"agreement.{key}", "a value when entry_rule is custom", show_got=False)
        rule = EntryRule("custom", agreement["min_signatories"], agreement["min_gdp_share"])
    return EntryRule(
        rule.name,
        agreement.get("min_signatories", rule.min_signatories),
        agreement.get("min_gdp_share", rule.min_gdp_share),
        rule.signatory_fraction,
    )


def _arrays(checked: dict[str, Any], countries: tuple[str, ...], sectors: tuple[str, ...]) -> dict[str, Any]:
    """Country and sector figures as numpy arrays (country x sector) for the utility code."""
    table = checked["countries"]
    bargaining = checked["bargaining"]

    def matrix(name: str) -> np.ndarray:
        return np.array([[table[c][name][s] for s in sectors] for c in countries], dtype=float)

    fta = np.zeros((len(countries), len(countries)), dtype=bool)
    fta_names: dict[tuple[str, str], str] = {}
    for entry in checked.get("existing_agreements", []):
        a, b = entry["pair"]
        i, j = countries.index(a), countries.index(b)
        fta[i, j] = fta[j, i] = True
        fta_names[(a, b)] = fta_names[(b, a)] = entry["name"]
    default_talks = bargaining["talks_per_round"]
    tactics = tuple(table[c].get("tactic", bargaining["tactic"]) for c in countries)
    return {
        "gdp": np.array([table[c]["gdp_2013"] for c in countries], dtype=float),
        "names": {c: table[c]["name"] for c in countries},
        "export_interest": matrix("export_interest"),
        "barrier": matrix("barrier"),
        "sensitivity": matrix("sensitivity"),
        "red_line": matrix("red_line"),
        "ratification_threshold": np.array([table[c]["ratification_threshold"] for c in countries]),
        "patience": np.array([table[c]["patience"] for c in countries]),
        "tactic": tactics,
        "beta": tuple(table[c].get("beta") for c in countries),      # None: the negotiator's own default
        "talks_per_round": np.array([table[c].get("talks_per_round", default_talks) for c in countries]),
        "fta": fta,
        "fta_names": fta_names,
        "existing_agreement_discount": bargaining["existing_agreement_discount"],
        "cost_scale": bargaining["cost_scale"],
        "cost_exponent": bargaining["cost_exponent"],
        "precedent_weight": bargaining["precedent_weight"],
        "precedent_min_interest": bargaining["precedent_min_interest"],
        "min_stake": bargaining["min_stake"],
        "spillover": bargaining["spillover"],
        "endgame_share": bargaining["endgame_share"],
        "suspended": np.array([sec in checked["agreement"].get("suspended_sectors", []) for sec in sectors]),
    }
