"""The scenario schema: a tree of field checks mirroring a scenario file's TOML layout.

Built once per calibration (its countries and sectors) from the checks in
:mod:`tppgame.game.fields`, with an ``[[events]]`` entry checked by the class of its kind
(:mod:`tppgame.game.events`). A scenario's settings are checked against it as they are read
(:func:`check_tree`), once merged with the files they extend (:func:`require_complete`), and
one dotted-path override at a time (:func:`check_override`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tppgame.game.events import entry_check
from tppgame.game.fields import (SEED_MAX, Check, ScenarioError, a_date, boolean, choice, country_list, country_pair,
                                 list_of, name_text, number, record, schema_of, text, with_schema)
from tppgame.game.negotiators import negotiator_names, registered
from tppgame.game.negotiators.registry import BUILT_IN

if TYPE_CHECKING:
    from tppgame.game.calibration import Calibration

PROTOCOLS = ("alternating", "nash", "kalai_smorodinsky", "rubinstein")
INFORMATION = ("full", "private")   # what a negotiator knows of its partner's utility (see Talks)
ENTRY_RULES = ("tpp", "cptpp", "custom")
PAYOFFS = ("judgment", "political_economy")   # bargaining.payoff: where a government's values come from
STAKES = ("free_trade", "efficient")   # bargaining.stake: what a side's reservation in a talk is a share of
SIDE_DEAL_KINDS = ("standalone", "conditional")
SECTOR_TABLES = ("export_interest", "barrier", "sensitivity", "red_line")
FILE_ONLY = ("extends", "drop_events", "drop_side_deals")   # how files combine, not settings of a game


def a_negotiator(value: Any, file: str, path: str) -> str:
    """A negotiator's registered name (built-in, registered from Python, or a package's entry point)."""
    if not isinstance(value, str) or value not in registered():
        raise ScenarioError(file, path, "a registered negotiator (" + ", ".join(negotiator_names()) + ")", value)
    return value


# Any name: packages can register negotiators, so the file cannot list them all (the loader checks the name).
with_schema(a_negotiator, {"type": "string", "examples": list(BUILT_IN)})


_SCHEMAS: dict[int, tuple[Calibration, dict[str, Any]]] = {}


def settings_schema(cal: Calibration) -> dict[str, Any]:
    """The scenario schema for a calibration (built once per calibration)."""
    cached = _SCHEMAS.get(id(cal))
    if cached is None or cached[0] is not cal:
        cached = _SCHEMAS[id(cal)] = (cal, build_schema(cal))
    return cached[1]


def build_schema(cal: Calibration) -> dict[str, Any]:
    """The scenario schema: a tree of field checks mirroring the TOML layout."""
    sector_share = {s: number(0, 1) for s in cal.sectors}
    country = {
        "name": name_text,
        # US$ bn; a million billion is ten times the world's GDP, and twelve of them still add up finitely
        "gdp_2013": number(0, 1e6, lo_open=True),
        "ratification_threshold": number(0, 1),
        "patience": number(0, 1, lo_open=True),
        "tactic": a_negotiator,
        "beta": number(0, 100, lo_open=True),
        "talks_per_round": number(1, len(cal.countries), integer=True),
        "export_interest": sector_share,
        "barrier": sector_share,
        "sensitivity": {s: number(0, 10) for s in cal.sectors},
        "red_line": sector_share,
        "authority": boolean,
    }
    return {
        "name": name_text,
        "description": text,
        "extends": text,
        "drop_events": list_of(text),
        "drop_side_deals": list_of(text),
        "seed": number(0, SEED_MAX, integer=True),
        "rounds": number(1, 1000, integer=True),
        "calendar": {"start": a_date, "months_per_round": number(1, 24, integer=True)},
        "bargaining": {
            "protocol": choice(*PROTOCOLS),
            "information": choice(*INFORMATION),
            "tactic": a_negotiator,
            "talks_per_round": number(1, len(cal.countries), integer=True),
            # the upper bounds below keep the utility's arithmetic finite (1e308 made NaN results): a stake
            # and a precedent are shares of a country's full-access gain (at most 1), and a cost 100 times
            # that gain already makes every concession unthinkable
            "min_stake": number(0, 1),
            "existing_agreement_discount": number(0, 1),
            "cost_scale": number(0, 100),
            "cost_exponent": number(1, 4, lo_open=True),
            "precedent_weight": number(0, 100),
            "precedent_min_interest": number(0, 1),
            "spillover": number(0, 1),
            "endgame_share": number(0, 1),
            "reciprocity": number(0, 1),
            "payoff": choice(*PAYOFFS),
            "lobby_weight": number(0, 100),
            "quotas": boolean,
            "chapters": _sector_list(cal, cal.chapters, "chapter"),
            "buy_in": boolean,
            "stake": choice(*STAKES),
            "rules_of_origin": boolean,
            "common_standards": _rules_issue_list(cal),
            "standard_transitions": boolean,
            "held_back": number(0, 1, lo_open=True),
            "deadline_cost": number(0, 100),
            "max_phase_out": number(1, 100, integer=True),
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
        "phase_out_floors": list_of(_phase_out_floor(cal)),
        "events": list_of(entry_check(cal.countries)),
        "side_deals": list_of(_side_deal(cal)),
        "headlines": list_of(_headline(cal)),
        "history": {"summary": text, "formed": boolean, "date": a_date, "sources": list_of(text)},
    }



def _existing_agreement(cal: Calibration) -> Check:
    return record({"pair": country_pair(cal.countries), "name": name_text}, {"year": number(1900, 2100, integer=True)})


LONGEST = "longest"      # a phase-out floor of the longest phase-out a schedule allows (bargaining.max_phase_out)


def _floor_years(value: Any, file: str, path: str) -> int | str:
    """A phase-out floor's years: a whole number from 2 to 100 (a phase-out takes at least two stages), or
    "longest", the longest phase-out the scenario's schedules allow."""
    if value == LONGEST or (isinstance(value, int) and not isinstance(value, bool) and 2 <= value <= 100):
        return value
    raise ScenarioError(file, path, f'a whole number of years from 2 to 100, or "{LONGEST}"', value)


with_schema(_floor_years, {"oneOf": [{"type": "integer", "minimum": 2, "maximum": 100}, {"const": LONGEST}]})


def _phase_out_floor(cal: Calibration) -> Check:
    """A commitment made before the talks on how slowly a concession is phased out (``phase_out_floors``): the
    importer's concession in the sector to the exporter takes at least these years, whatever the pair's own
    settlement of the length would be (:mod:`tppgame.game.phase_out`)."""
    countries = choice(*cal.countries)
    entry = record({"importer": countries, "exporter": countries, "sector": choice(*cal.sectors),
                    "years": _floor_years, "name": name_text}, {})

    def check(value: Any, file: str, path: str) -> dict[str, Any]:
        floor = entry(value, file, path)
        if floor["importer"] == floor["exporter"]:
            raise ScenarioError(file, f"{path}.exporter", "a country other than the importer", floor["exporter"])
        return floor

    return with_schema(check, schema_of(entry))


HEADLINE_KINDS = ("formed", "in_force", "deal_by", "no_deal_by", "deal_order", "signatory",
                  "holdout", "concession_at_least", "access_at_least",
                  # the stylised facts of the talks (see Write a scenario: Headlines)
                  "formed_between", "veto", "smallest_concession", "deeper_than_side_deal", "largest_cuts",
                  "concedes_in_protected", "opens_by_quota", "quota_at_most", "term_between", "longest_phase_out",
                  "utilisation_at_most")
# what each kind of headline needs besides its claim; a need ending in "_" is a round or a date
# (``from_``: ``from_round`` or ``from_date``)
HEADLINE_NEEDS = {
    "formed": ("expect",), "in_force": ("expect",), "formed_between": ("from_",),
    "deal_by": ("pair",), "no_deal_by": ("pair",),
    "deal_order": ("first", "then"), "signatory": ("country", "expect"), "holdout": ("country",),
    "veto": ("country",),
    "concession_at_least": ("country", "sector", "at_least"),
    "access_at_least": ("exporter", "importer", "sector", "at_least"),
    "smallest_concession": ("country", "sector", "among"),
    "deeper_than_side_deal": ("importer", "exporter", "sector"),
    "largest_cuts": ("countries", "top"),
    "concedes_in_protected": ("top", "at_least"),
    "opens_by_quota": ("importer", "sector"),
    "quota_at_most": ("importer", "sector", "at_most"),
    "term_between": ("sector", "low", "high"),
    "longest_phase_out": ("country", "sector"),
    "utilisation_at_most": ("country", "sector", "at_most"),
}
DEAL_KINDS = ("deal_by", "no_deal_by", "deal_order")   # the headlines about when deals close (``standing`` applies)
TIMES = ("by_", "from_")   # a headline's round or date fields: at most one of ``X_round`` and ``X_date`` each


def _headline(cal: Calibration) -> Check:
    pair = country_pair(cal.countries)
    base = record(
        {"claim": text, "kind": choice(*HEADLINE_KINDS)},
        {"expect": boolean, "pair": pair, "first": pair, "then": pair, "country": choice(*cal.countries),
         "countries": country_list(cal.countries), "exporter": choice(*cal.countries),
         "importer": choice(*cal.countries), "sector": choice(*cal.sectors), "among": _sector_list(cal),
         "at_least": number(0, 1), "at_most": number(0, 1), "low": number(-1e9, 1e9), "high": number(-1e9, 1e9),
         "top": number(1, max(len(cal.countries), len(cal.sectors)), integer=True),
         "by_round": number(1, 1000, integer=True), "by_date": a_date,
         "from_round": number(1, 1000, integer=True), "from_date": a_date,
         "years": number(1, 100, integer=True), "standing": boolean},
    )

    def check(value: Any, file: str, path: str) -> dict[str, Any]:
        headline = base(value, file, path)
        kind = headline["kind"]
        for key in HEADLINE_NEEDS[kind]:
            if key.endswith("_") and f"{key}round" not in headline and f"{key}date" not in headline:
                raise ScenarioError(file, path, f"{key}round or {key}date for a {kind} headline", show_got=False)
            if not key.endswith("_") and key not in headline:
                raise ScenarioError(file, f"{path}.{key}", f"a value for a {kind} headline", show_got=False)
        for key in TIMES:
            if f"{key}round" in headline and f"{key}date" in headline:
                raise ScenarioError(file, path, f"at most one of {key}round or {key}date", show_got=False)
        _check_headline_terms(headline, cal, file, path)
        return headline

    def needs(kind: str) -> dict[str, Any]:
        plain = [key for key in HEADLINE_NEEDS[kind] if not key.endswith("_")]
        timed = [{"anyOf": [{"required": [f"{key}round"]}, {"required": [f"{key}date"]}]}
                 for key in HEADLINE_NEEDS[kind] if key.endswith("_")]
        return {**({"required": plain} if plain else {}), **({"allOf": timed} if timed else {})}

    return with_schema(check, {
        **schema_of(base),
        "allOf": [*({"not": {"required": [f"{key}round", f"{key}date"]}} for key in TIMES),
                  {"if": {"required": ["standing"]}, "then": {"properties": {"kind": {"enum": list(DEAL_KINDS)}}}},
                  *({"if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]}, "then": needs(kind)}
                    for kind in HEADLINE_NEEDS)],
    })


def _check_headline_terms(headline: dict[str, Any], cal: Calibration, file: str, path: str) -> None:
    """What a headline's fields must say together for its kind to be a claim a run can bear out."""
    kind = headline["kind"]
    if "standing" in headline and kind not in DEAL_KINDS:
        raise ScenarioError(file, f"{path}.standing", f"no `standing` on a {kind} headline (it applies to "
                            f"{', '.join(DEAL_KINDS)})", show_got=False)
    if kind == "deeper_than_side_deal" and headline["importer"] == headline["exporter"]:
        raise ScenarioError(file, f"{path}.exporter", "a country other than the importer", headline["exporter"])
    if kind == "longest_phase_out" and headline.get("exporter") == headline["country"]:
        raise ScenarioError(file, f"{path}.exporter", "a country other than the importer (`country`)",
                            headline["exporter"])
    if kind == "largest_cuts" and not len(headline["countries"]) <= headline["top"] <= len(cal.countries):
        raise ScenarioError(file, f"{path}.top", f"a number from the {len(headline['countries'])} countries listed "
                            f"to the {len(cal.countries)} countries of the game", headline["top"])
    if kind == "utilisation_at_most":
        _check_origin_sector(headline, cal, file, path)
    if kind == "term_between":
        from tppgame.game.rules import rules_sectors   # here: the rules data is read with the calibration's countries
        if headline["sector"] not in rules_sectors(cal.sectors):
            raise ScenarioError(file, f"{path}.sector", "a sector that is a rules issue ("
                                + ", ".join(rules_sectors(cal.sectors)) + ")", headline["sector"])
        if headline["low"] > headline["high"]:
            raise ScenarioError(file, f"{path}.high", f"a term at least low ({headline['low']:g})", headline["high"])


def _check_origin_sector(headline: dict[str, Any], cal: Calibration, file: str, path: str) -> None:
    from tppgame.game.rules import load_rules   # here: the rules data is read with the calibration's countries
    governed = [s for issue in load_rules().issues.values() if issue.kind == "origin" for s in issue.sectors]
    if headline["sector"] not in governed:
        raise ScenarioError(file, f"{path}.sector", "a sector a rule of origin governs (" + ", ".join(governed) + ")",
                            headline["sector"])


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

    share = {"type": "object", "properties": {s: schema_of(number(0, 1)) for s in cal.sectors},
             "additionalProperties": False}
    with_schema(terms, {"type": "object", "properties": {code: share for code in cal.countries},
                        "additionalProperties": False})

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

    concluded = {"anyOf": [{"required": ["concluded_round"]}, {"required": ["concluded_date"]}]}
    return with_schema(check, {
        **schema_of(base),
        "allOf": [{"not": {"required": ["start_round", "start_date"]}},
                  {"not": {"required": ["concluded_round", "concluded_date"]}},
                  {"if": {"required": ["terms"]}, "then": concluded, "else": {"not": concluded}}],
    })


def _sector_list(cal: Calibration, among: tuple[str, ...] | None = None, noun: str = "sector") -> Check:
    names = cal.sectors if among is None else among

    def check(value: Any, file: str, path: str) -> list[str]:
        if not isinstance(value, list):
            raise ScenarioError(file, path, f"a list of {noun}s", value)
        for k, sector in enumerate(value):
            if sector not in names:
                raise ScenarioError(file, f"{path}[{k}]", f"a {noun}, one of " + (" ".join(names) or "(none)"), sector)
            if sector in value[:k]:
                raise ScenarioError(file, f"{path}[{k}]", f"each {noun} named once", sector)
        return list(value)

    return with_schema(check, {"type": "array", "items": {"enum": list(names)}, "uniqueItems": True})


def _rules_issue_list(cal: Calibration) -> Check:
    """A list of rules issues that are sectors of the game (biologics, the chapters): a scenario's
    ``bargaining.common_standards`` (:mod:`tppgame.game.standards`)."""
    from tppgame.game.rules import issue_names   # here: the rules module reads the calibration
    names = issue_names()
    return _sector_list(cal, tuple(s for s in cal.sectors if s in names), "rules issue")


def check_tree(value: Any, spec: Any, file: str, path: str) -> Any:
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
            out[key] = check_tree(sub, spec[key], file, where)
        return out
    return spec(value, file, path)


def require_complete(value: Any, spec: Any, file: str, path: str) -> None:
    """Every leaf of the schema that the game needs must be set after merging."""
    optional = {"bargaining.payoff", "bargaining.lobby_weight", "bargaining.quotas", "bargaining.chapters",
                "bargaining.buy_in", "bargaining.stake", "bargaining.rules_of_origin", "bargaining.common_standards",
                "bargaining.standard_transitions", "bargaining.held_back",
                "bargaining.deadline_cost", "bargaining.max_phase_out", "extends", "drop_events", "drop_side_deals", "existing_agreements", "phase_out_floors", "history", "events", "side_deals", "headlines", "description",
                "agreement.min_signatories", "agreement.min_gdp_share", "agreement.original_signatories",
                "agreement.suspended_sectors", "bargaining.information", "history.summary", "history.formed",
                "history.date",
                "history.sources"}
    optional_per_country = {"beta", "talks_per_round", "tactic", "authority"}
    if isinstance(spec, dict):
        for key, sub in spec.items():
            where = f"{path}.{key}" if path else key
            if key not in value:
                if where in optional or (path.startswith("countries.") and key in optional_per_country):
                    continue
                raise ScenarioError(file, where, "this setting (in the scenario or the files it extends)",
                                    show_got=False)
            require_complete(value[key], sub, file, where)


def check_override(dotted: str, value: Any, spec: Mapping[str, Any], file: str) -> Any:
    """Check one dotted-path override against the schema; return the value normalised."""
    if dotted in FILE_ONLY:
        raise ScenarioError(file, dotted, "a setting of the game (" + ", ".join(FILE_ONLY) + " only make sense "
                            "in a scenario file)", show_got=False)
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
