"""Scenario loading: calibration data plus a scenario file, validated into arrays.

A scenario is data, never code: TOML files are parsed with ``tomllib`` and every
field is checked against the schema (:mod:`tppgame.game.scenario_schema`), built from the checks in
:mod:`tppgame.game.fields` (an ``[[events]]`` entry by the class of its kind, :mod:`tppgame.game.events`).
A bad value stops the load with a :class:`ScenarioError` whose one-line message names the file, the
key path and what was expected, so the command line can print it and exit with status 2.

A scenario file is laid over the calibration (:mod:`tppgame.game.calibration`) with the files it
extends (:mod:`tppgame.game.scenario_files`), then compiled here: events and side deals booked on
rounds, headlines given their rounds, the entry rule, and the figures as arrays.
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from tppgame.game.calibration import PACKAGE_DIR, Calibration, load_calibration
from tppgame.game.data_files import check_scenario_file, display_path, scenario_file_error
from tppgame.game.events import KINDS, Event, after_event, set_after_event
from tppgame.game.fields import ScenarioError
from tppgame.game.negotiators import takes_beta
from tppgame.game.phase_out import LONGEST_PHASE_OUT
from tppgame.game.scenario_files import Origins, deep_merge, is_scenario_name, load_chain, set_path
from tppgame.game.scenario_schema import (LONGEST, SECTOR_TABLES, check_override, check_tree, require_complete,
                                          settings_schema)

BUNDLED_SCENARIOS = PACKAGE_DIR.parent.parent / "scenarios"


def resolve_scenario(name_or_path: str | Path) -> Path:
    """Find a scenario by path, or by name in ./scenarios or the bundled scenarios folder. An empty name is
    bad input (as a path it would be the current folder)."""
    if not str(name_or_path).strip():
        raise ScenarioError(repr(str(name_or_path)), "", "a scenario name or the path of a TOML file, "
                            "not an empty one", show_got=False)
    path = Path(name_or_path)
    if os.path.lexists(path) or path.suffix == ".toml" or len(path.parts) > 1:
        return path
    if not is_scenario_name(path.name):
        raise ScenarioError(str(path), "", "a scenario name (editors' lock and backup files such as .#x.toml, "
                            "#x.toml# and x.toml~ are not scenarios)", show_got=False)
    for folder in (Path.cwd() / "scenarios", BUNDLED_SCENARIOS):
        candidate = folder / f"{path.name}.toml"
        if os.path.exists(candidate):        # False, not an error, for a name too long for the system
            return candidate
    return BUNDLED_SCENARIOS / f"{path.name}.toml"


def available_scenarios() -> list[Path]:
    """The scenario files shipped with the game, sorted by name."""
    return sorted(p for p in BUNDLED_SCENARIOS.glob("*.toml") if is_scenario_name(p.name))


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
        """The rule in words, each share as precise as it was set (0.855: 85.5%, never rounded to 0%)."""
        parts = [f"at least {self.min_signatories} signatories"]
        if self.signatory_fraction is not None:
            parts[0] += f" or {_percent(self.signatory_fraction)} of them, whichever is smaller"
            if self.min_gdp_share > 0:
                parts[0] += ","
        if self.min_gdp_share > 0:
            parts.append(f"holding at least {_percent(self.min_gdp_share)} of the original signatories' 2013 GDP")
        return " ".join(parts)


def _percent(share: float) -> str:
    """A share as a percentage with the digits it has: 0.85 as 85%, 0.004 as 0.4%."""
    return f"{round(share * 100, 6):g}%"


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

    def with_overrides(self, overrides: Mapping[str, Any], origin: str = "override",
                       origin_of: Mapping[str, str] | None = None) -> Scenario:
        """A new scenario with dotted-path settings replaced, validated again. A path
        ``after:LABEL:PATH`` replaces the value the scheduled shock labelled LABEL gives PATH
        (:func:`tppgame.game.events.after_event`): the setting as it stands after that event.

        A bad value's error names where it came from: ``origin_of[path]``, else ``origin`` (``--set``),
        also when only the settings together are bad (:func:`_blame`)."""
        spec = settings_schema(self.calibration)
        tree = self.settings
        origin_of = {path: origin_of.get(path, origin) if origin_of else origin for path in overrides}
        for dotted, value in overrides.items():
            after = after_event(dotted)
            if after is None:
                tree = set_path(tree, dotted, check_override(dotted, value, spec, origin_of[dotted]))
                continue
            events = set_after_event(list(tree.get("events", [])), dotted, value, origin_of[dotted])
            check_override(after[1], value, spec, f"{origin_of[dotted]} ({dotted.rpartition(':')[0]})")
            tree = {**tree, "events": events}
        try:
            return _compile(tree, self.calibration, self.file, self.origins)
        except ScenarioError as err:
            raise _blame(err, self.file, origin_of) from None

    def with_headlines(self, entries: list[dict[str, Any]], origin: str) -> Scenario:
        """A new scenario with these ``[[headlines]]`` entries (as a file writes them) in place of its
        own, checked like a file's; a bad entry's error names ``origin`` (where the entries come from)."""
        compiled = _compile({**self.settings, "headlines": entries}, self.calibration, origin, self.origins)
        return replace(compiled, file=self.file)

    def without_events(self, labels: Sequence[str]) -> Scenario:
        """A new scenario without the scheduled events of these labels (every label must name one)."""
        entries = list(self.settings.get("events", []))
        for label in labels:
            if not any(e.get("label") == label for e in entries):
                known = "; ".join(f'"{e.get("label")}"' for e in entries) or "none"
                raise ValueError(f"{label}: no event of this scenario has this label (its events: {known})")
        keep = [k for k, e in enumerate(entries) if e.get("label") not in labels]
        tree = {**self.settings, "events": [entries[k] for k in keep]}
        origins = self.origins
        if origins and "events" in origins:
            origins = {**origins, "events": [origins["events"][k] for k in keep if k < len(origins["events"])]}
        return _compile(tree, self.calibration, self.file, origins)

    def index(self, code: str) -> int:
        return self.countries.index(code)


def _blame(err: ScenarioError, file: str, origin_of: Mapping[str, str]) -> ScenarioError:
    """An error of the settings together, found once overrides are laid over a scenario that was sound
    without them: the overrides caused it. When the setting it names was overridden, the error names the
    override's origin (--set, a sweep file's table) instead of the scenario file; otherwise it keeps the
    file and says which overrides it followed. An error in another file (an extended scenario's event)
    is left as it is."""
    if err.file != file or not origin_of:
        return err
    for path, origin in origin_of.items():
        if path == err.path or err.path.startswith(path + ".") or path.startswith(err.path + "."):
            return err.named_by(origin)
    by_origin: dict[str, list[str]] = {}
    for path, origin in origin_of.items():
        by_origin.setdefault(origin, []).append(path)
    given = "; ".join(f"{origin} {', '.join(paths[:3])}{', ...' if len(paths) > 3 else ''}"
                      for origin, paths in by_origin.items())
    return err.named_by(file, f" (given {given})")


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
    scenario = _load_file(check_scenario_file(path), _chain_mtimes(path), display_path(path))
    if overrides:
        scenario = scenario.with_overrides(overrides)
    return scenario


def scenario_from_settings(settings: Mapping[str, Any], file: str) -> Scenario:
    """A scenario from its whole settings (a loaded scenario's ``settings``, as a saved game keeps
    them; dates may be ISO text), checked and compiled over the calibration like a file."""
    return _compile(dict(settings), load_calibration(), file)


def _chain_mtimes(path: Path) -> tuple[int, ...]:
    """Modification times of a scenario file and its folder's files, to notice edits."""
    if scenario_file_error(path) is not None:
        return ()
    return tuple(_mtime(p) for p in sorted(path.resolve().parent.glob("*.toml")) if is_scenario_name(p.name))


def _mtime(path: Path) -> int:
    """A file's modification time; 0 for one that vanished or cannot be looked at (a dangling link)."""
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


@lru_cache(maxsize=32)
def _load_file(path: Path, _mtimes: tuple[int, ...], display: str) -> Scenario:
    calibration = load_calibration()
    tree, origins = load_chain(path, calibration, seen=())
    return _compile(deep_merge(calibration.settings, tree), calibration, display, origins)


# -------------------------------------------------------------- compiling
def _compile(tree: dict[str, Any], cal: Calibration, file: str, origins: Origins | None = None) -> Scenario:
    spec = settings_schema(cal)

    def origin(key: str, k: int) -> tuple[str, str]:
        """The file an event or side deal was written in, and its key path there."""
        source, index = origins[key][k] if origins and k < len(origins.get(key, [])) else (file, k)
        return source, f"{key}[{index}]"

    checked = check_tree(tree, spec, file, "")
    require_complete(checked, spec, file, "")
    countries, sectors = cal.countries, cal.played(checked["bargaining"].get("chapters", []))
    _check_in_play(checked, sectors, file)
    for code in countries:
        for table in SECTOR_TABLES:
            missing = [s for s in sectors if s not in checked["countries"][code][table]]
            if missing:
                raise ScenarioError(file, f"countries.{code}.{table}.{missing[0]}", "a value for every sector",
                                    show_got=False)
    start = checked["calendar"]["start"]
    months = checked["calendar"]["months_per_round"]
    rounds = checked["rounds"]
    try:   # the day after the last round must exist (the calendar ends with the year 9999)
        add_months(start, (rounds + 1) * months)
    except (ValueError, OverflowError):
        raise ScenarioError(file, "calendar.start", f"a start leaving room for {rounds} rounds of {months} "
                            "month(s) before the end of the year 9999", start) from None

    scenario_file = file

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
            # an event of an extended file, past the rounds of the scenario that extends it: name that scenario
            within = f"the {rounds} rounds (before {last})" if file == scenario_file else (
                f"the {rounds} rounds of {scenario_file} (before {last}; its drop_events leaves the event out)")
            raise ScenarioError(file, f"{where}.{key}{'round' if f'{key}round' in entry else 'date'}",
                                f"a time within {within}", entry.get(f"{key}round", entry.get(f"{key}date")))
        return value

    def check_setting(dotted: str, value: Any, where: str) -> Any:
        return check_override(dotted, value, spec, where)

    booked = []     # (event, file, key path) in file order
    for k, entry in enumerate(checked.get("events", [])):
        efile, where = origin("events", k)
        round_number = to_round(entry, "", where, efile)
        booked.append((KINDS[entry["kind"]].from_entry(entry, round_number, efile, where, check_setting), efile, where))
    booked.sort(key=lambda b: b[0].round)
    events = [event for event, _, _ in booked]

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
    _check_membership(members, original, events, file)
    entry = _entry_rule(agreement, file)
    _check_entry_rule(entry, len(original), file, "agreement")
    _check_shocked_entry_rules(agreement, booked, len(original))

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
    bargaining = checked["bargaining"]
    if bargaining.get("rules_of_origin", False) and bargaining.get("payoff") != "political_economy":
        # the judgment payoff's indices have no trade or margin in US$ for a compliance cost to be a share of
        raise ScenarioError(file, "bargaining.rules_of_origin", "false unless bargaining.payoff is "
                            "political_economy (the judgment payoff has no margins to split)", True)
    if bargaining.get("standard_transitions", False) and not bargaining.get("common_standards"):
        raise ScenarioError(file, "bargaining.standard_transitions", "false unless bargaining.common_standards "
                            "names an issue (a transition is the time a member takes to implement one)", True)
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


def _check_in_play(checked: dict[str, Any], sectors: tuple[str, ...], file: str) -> None:
    """A sector a scenario names in its headlines, side deals, suspended provisions or common standards must be
    in play (a chapter plays only when ``bargaining.chapters`` names it), and a headline's ``top`` sectors among
    them."""
    def refuse(path: str, sector: str) -> None:
        raise ScenarioError(file, path, f"a sector in play ({sector} is a chapter: add it to bargaining.chapters)",
                            sector)

    for key in ("agreement.suspended_sectors", "bargaining.common_standards"):
        table, name = key.split(".")
        for k, sector in enumerate(checked[table].get(name, [])):
            if sector not in sectors:
                refuse(f"{key}[{k}]", sector)
    for k, headline in enumerate(checked.get("headlines", [])):
        if headline["kind"] == "concedes_in_protected" and headline["top"] > len(sectors):
            raise ScenarioError(file, f"headlines[{k}].top", f"at most the {len(sectors)} sectors of the game",
                                headline["top"])
        for key in ("sector", "among"):
            named = headline.get(key)
            for sector in [named] if isinstance(named, str) else named or []:
                if sector not in sectors:
                    refuse(f"headlines[{k}].{key}", sector)
    for k, deal in enumerate(checked.get("side_deals", [])):
        named = [*deal.get("sectors", []), *deal.get("exclude", []),
                 *(s for terms in deal.get("terms", {}).values() for s in terms)]
        for sector in named:
            if sector not in sectors:
                refuse(f"side_deals[{k}]", sector)


def _compile_headlines(entries: list[dict[str, Any]], file: str, to_round: Callable[..., int]) -> list[HeadlineSpec]:
    """Headlines with their dates turned into rounds (``by``: the claim is about the rounds up to it;
    ``from``: from it on)."""
    out = []
    times = ("by_date", "by_round", "from_date", "from_round")
    for k, entry in enumerate(entries):
        params = {key: value for key, value in entry.items() if key not in ("claim", "kind", *times)}
        for name in ("by", "from"):
            if f"{name}_round" in entry or f"{name}_date" in entry:
                params[name] = to_round(entry, f"{name}_", f"headlines[{k}]", file)
        if params.get("from", 1) > params.get("by", params.get("from", 1)):
            raise ScenarioError(file, f"headlines[{k}]", f"a window whose start (round {params['from']}) is not "
                                f"after its end (round {params['by']})", show_got=False)
        out.append(HeadlineSpec(entry["claim"], entry["kind"], tuple(sorted(params.items()))))
    return out


def _check_membership(members: tuple[str, ...], original: tuple[str, ...], events: list[Event], file: str) -> None:
    """At least two countries negotiate (members, or countries a join event brings in), and the original
    signatories are among them."""
    joining = {getattr(e, "country", None) for e in events if e.kind == "join"}
    if len(set(members) | joining) < 2:
        raise ScenarioError(file, "agreement.members", "at least two members (or countries joining by an event), "
                            f"found {len(set(members) | joining)}", show_got=False)
    strangers = [c for c in original if c not in members and c not in joining]
    if strangers:
        raise ScenarioError(file, "agreement.original_signatories", "members of the agreement or countries joining "
                            f"by an event ({strangers[0]} is neither)", show_got=False)


def _check_entry_rule(rule: EntryRule, signatories: int, file: str, where: str) -> None:
    """An entry rule that the original signatories can meet."""
    needed = rule.min_signatories
    if rule.signatory_fraction is not None:
        needed = min(needed, int(np.ceil(rule.signatory_fraction * signatories)))
    if needed > signatories:
        raise ScenarioError(file, f"{where}.min_signatories", f"at most the {signatories} original signatories, so "
                            f"that the entry rule '{rule.name}' can be met", needed)


def _check_shocked_entry_rules(agreement: dict[str, Any], booked: list[tuple[Event, str, str]],
                               signatories: int) -> None:
    """Each shock that changes the agreement leaves a complete entry rule that can be met, whichever
    shocks of chance came before it: only the settings and the shocks sure to happen count."""
    certain = dict(agreement)
    for event, file, where in booked:
        changes = {k.split(".", 1)[1]: v for k, v in getattr(event, "changes", ()) if k.startswith("agreement.")}
        if event.kind != "shock" or not changes:
            continue
        state = {**certain, **changes}
        rule = _entry_rule(state, file, f"{where}.set.agreement",
                           " (in this shock, the scenario or a shock sure to come before it)")
        _check_entry_rule(rule, signatories, file, f"{where}.set.agreement")
        if event.probability >= 1.0:
            certain = state


def _entry_rule(agreement: dict[str, Any], file: str, where: str = "agreement", note: str = "") -> EntryRule:
    name = agreement["entry_rule"]
    if name == "tpp":
        rule = EntryRule("tpp", 6, 0.85)
    elif name == "cptpp":
        rule = EntryRule("cptpp", 6, 0.0, signatory_fraction=0.5)
    else:
        for key in ("min_signatories", "min_gdp_share"):
            if key not in agreement:
                raise ScenarioError(file, f"{where}.{key}", f"a value when entry_rule is custom{note}",
                                    show_got=False)
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
    floors = np.zeros((len(countries), len(countries), len(sectors)))
    for entry in checked.get("phase_out_floors", []):
        if entry["sector"] in sectors:         # a chapter not in play has nothing to phase out
            i, j = countries.index(entry["importer"]), countries.index(entry["exporter"])
            s = sectors.index(entry["sector"])
            years = np.inf if entry["years"] == LONGEST else entry["years"]
            floors[i, j, s] = max(floors[i, j, s], years)
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
        # True when a scenario does not set it: the country's negotiator can commit its government
        "authority": np.array([table[c].get("authority", True) for c in countries], dtype=bool),
        "tactic": tactics,
        "beta": tuple(table[c].get("beta") for c in countries),      # None: the negotiator's own default
        "talks_per_round": np.array([table[c].get("talks_per_round", default_talks) for c in countries]),
        "fta": fta,
        "fta_names": fta_names,
        "existing_agreement_discount": bargaining["existing_agreement_discount"],
        "countries": tuple(countries),
        "sectors": tuple(sectors),
        "payoff": bargaining.get("payoff", "judgment"),
        "lobby_weight": bargaining.get("lobby_weight", 0.0),
        "quotas": bargaining.get("quotas", False),
        # False when a scenario does not set it: a refused member offers more only through its talks
        "buy_in": bargaining.get("buy_in", False),
        # "free_trade" when a scenario does not set it: a reservation is a share of the partner's full opening
        "stake": bargaining.get("stake", "free_trade"),
        # False when a scenario does not set it: every preference is used in full (tppgame.game.origin_play)
        "rules_of_origin": bargaining.get("rules_of_origin", False),
        # none when a scenario does not set it: a rules issue is bargained pair by pair (tppgame.game.standards)
        "common_standards": tuple(bargaining.get("common_standards", [])),
        # False when a scenario does not set it: every member implements the standards at once
        "standard_transitions": bargaining.get("standard_transitions", False),
        # 1 when a scenario does not set it: partners of a country without authority hold nothing back
        "held_back": bargaining.get("held_back", 1.0),
        # 0 when a scenario does not set it: a missed deadline costs nothing but the time
        "deadline_cost": bargaining.get("deadline_cost", 0.0),
        "cost_scale": bargaining["cost_scale"],
        "cost_exponent": bargaining["cost_exponent"],
        "precedent_weight": bargaining["precedent_weight"],
        "precedent_min_interest": bargaining["precedent_min_interest"],
        "min_stake": bargaining["min_stake"],
        "spillover": bargaining["spillover"],
        "endgame_share": bargaining["endgame_share"],
        # 0 when a scenario does not set it: a member must still offer more than nothing
        "reciprocity": bargaining.get("reciprocity", 0.0),
        # the TPP's longest when a scenario does not set it (tppgame.game.phase_out)
        "max_phase_out": bargaining.get("max_phase_out", LONGEST_PHASE_OUT),
        # [importer, exporter, sector]: the fewest years a concession is phased out over (0: none; inf: the
        # longest a schedule allows), commitments made before the talks (tppgame.game.phase_out)
        "phase_out_floor": floors,
        "suspended": np.array([sec in checked["agreement"].get("suspended_sectors", []) for sec in sectors]),
    }
