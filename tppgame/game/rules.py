"""Rules chapters as issues with target terms: data, pure payoff functions and the terms a schedule binds.

Biologics is a sector of the game: a country's concession there binds a term of years of data
protection (:func:`bound_terms`), and an agreement's standard is the least a signatory binds
(:func:`agreement_term`), unless the scenario makes it a common standard every signatory implements
(``bargaining.common_standards``, :mod:`tppgame.game.standards`: the term the members settle). So does
an issue that is a chapter in play (services, procurement, SOEs: ``bargaining.chapters``), its
concession read on the issue's scale towards its liberal end (:func:`liberal_end`: for procurement
thresholds, downwards). Rules of origin are in play with
``bargaining.rules_of_origin`` (:mod:`tppgame.game.origin_play`): the rule is the term the members
settle (:func:`settled_term`) and governs the preferences of the sectors the data file names.

Each issue is a term on a scale (years of biologics data protection, a rule of origin's required
in-zone share, a threshold in SDR, a depth of disciplines) with, per country, a status quo, an
ideal and a red line (sourced positions or stated judgments), and a payoff function giving a
country's value of a term in US$ bn a year. Three kinds, named in the data file (never code):

* ``biologics``: a term of ``y`` years raises every member's protection to ``max(y0_j, y)``. A
  country's originators earn a price premium on that extra protected share of a product's life in
  each partner market; its health budget pays the premium to foreign originators at home:
  ``v_c(y) = o_c sum_{j != c} M_j p e_j(y) - (1 - o_c) M_c p e_c(y)``, ``e_j(y) = max(0, y - y0_j) / L``
  (``M`` the biologics market, US$ bn a year; ``o`` the country's share of the originators' sales;
  ``p`` the premium over a biosimilar; ``L`` a product's protected life). Rising in ``y`` for the
  US (12 years at home already), falling for Australia (5 years, few originators).
* ``origin``: a rule requiring an in-zone share ``x`` of inputs. An exporter whose in-zone share
  is ``z`` must re-source ``max(0, x - z)`` of inputs worth ``input_share`` of its product at a
  ``premium``: a mean compliance cost ``c`` (share of the export's value). Firms' costs spread
  uniformly on ``[0, 2c]``; those below the preference margin ``m`` comply, so utilisation is
  ``u = min(1, m / 2c)`` (1 when ``c = 0``) and compliers spend ``u m / 2`` (``c`` when ``u = 1``)
  on dearer in-zone inputs. The exporter keeps ``u m - spent``; in-zone suppliers gain ``keep``
  of the spending, split by their ``supplier_share``. A tighter rule lowers utilisation for those
  who source outside the zone and raises the in-zone suppliers' share.
* ``position`` (SOEs, services and investment, procurement): a linear distance payoff,
  ``v_c(x) = stake_c (|q_c - i_c| - |x - i_c|) / d_c`` with ``d_c = |q_c - i_c|`` (the issue's
  span where the status quo is the ideal): 0 at the status quo, ``stake_c`` at the ideal, falling
  past it; ``stake_c`` is what reaching its ideal is worth to the country a year (a judgment).

A term is acceptable to a country when it lies on its ideal's side of its red line
(:func:`within_red_line`). Nothing changed (the term at every status quo) gives 0 for every country.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from tppgame.game.calibration import PACKAGE_DIR, load_calibration
from tppgame.game.data_files import choice, figure, read_toml, required_text, sub_table
from tppgame.game.fields import ScenarioError
from tppgame.game.quotas import read_data_file

RULES_FILE = PACKAGE_DIR / "data" / "rules.toml"
POSITIONS = ("status_quo", "ideal", "red_line")
KINDS: dict[str, tuple[tuple[str, ...], dict[str, tuple[float, float]]]] = {
    # kind: (parameters, per-country figures with their ranges)
    "biologics": (("premium", "life"), {"market": (0.0, 1e4), "originator_share": (0.0, 1.0)}),
    "origin": (("input_share", "premium", "keep"),
               {"exports": (0.0, 1e4), "in_zone": (0.0, 1.0), "margin": (0.0, 10.0), "supplier_share": (0.0, 1.0)}),
    "position": ((), {"stake": (0.0, 1e4)}),
}


# ------------------------------------------------------------------ biologics
def protected_share(years: float, status_quo: np.ndarray, life: float) -> np.ndarray:
    """[j]: the extra share of a product's protected life a term of ``years`` adds in each market."""
    return np.maximum(years - np.asarray(status_quo, dtype=float), 0.0) / life


def biologics_value(years: float, status_quo: np.ndarray, market: np.ndarray, originator_share: np.ndarray,
                    premium: float, life: float) -> np.ndarray:
    """[c]: each country's value (US$ bn a year) of a data-protection term of ``years`` (module docstring)."""
    market, share = np.asarray(market, dtype=float), np.asarray(originator_share, dtype=float)
    paid = market * premium * protected_share(years, status_quo, life)       # [j] extra premium paid in j
    abroad = share * (paid.sum() - paid)                                     # its originators, other markets
    at_home = (1.0 - share) * paid                                           # its budget, to foreign originators
    return abroad - at_home


# ------------------------------------------------------------------ rules of origin
def compliance_cost(rule: float, in_zone: np.ndarray, input_share: float, premium: float) -> np.ndarray:
    """[e]: the mean cost of meeting a rule requiring an in-zone share ``rule`` of inputs, as a share of
    the export's value: the inputs to re-source, ``max(0, rule - in_zone) x input_share``, times the premium."""
    return np.maximum(rule - np.asarray(in_zone, dtype=float), 0.0) * input_share * premium


def utilisation(margin: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """[e]: the share of exports that claim the preference: firms' costs spread on ``[0, 2 cost]`` and
    those below the margin comply, ``min(1, margin / (2 cost))`` (1 at no cost)."""
    margin, cost = np.asarray(margin, dtype=float), np.asarray(cost, dtype=float)
    binds = 2.0 * cost > margin                     # only then is margin / (2 cost) below 1
    return np.where(binds, margin / np.where(binds, 2.0 * cost, 1.0), 1.0)


def preference_split(margin: np.ndarray, cost: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(utilisation, exporter's net gain, spent on in-zone inputs)`` per unit of exports."""
    margin, cost = np.asarray(margin, dtype=float), np.asarray(cost, dtype=float)
    u = utilisation(margin, cost)
    spent = np.where(u < 1.0, u * margin / 2.0, cost)
    return u, u * margin - spent, spent


def origin_value(rule: float, exports: np.ndarray, in_zone: np.ndarray, margin: np.ndarray,
                 supplier_share: np.ndarray, input_share: float, premium: float, keep: float) -> np.ndarray:
    """[c]: each country's value (US$ bn a year) of a rule of origin: as an exporter, the preference it
    can use net of compliance; as an in-zone supplier, its share of what compliers spend, times ``keep``."""
    exports = np.asarray(exports, dtype=float)
    _, net, spent = preference_split(margin, compliance_cost(rule, in_zone, input_share, premium))
    return exports * net + np.asarray(supplier_share, dtype=float) * keep * float((exports * spent).sum())


# ------------------------------------------------------------------ positions
def position_value(term: float, status_quo: np.ndarray, ideal: np.ndarray, stake: np.ndarray,
                   span: float) -> np.ndarray:
    """[c]: ``stake (|q - i| - |x - i|) / d``, ``d = |q - i|`` or ``span`` where the status quo is the ideal
    (to within a millionth of the span)."""
    q, i = np.asarray(status_quo, dtype=float), np.asarray(ideal, dtype=float)
    d = np.abs(q - i)
    d = np.where(d > 1e-6 * span, d, span)
    return np.asarray(stake, dtype=float) * (np.abs(q - i) - np.abs(term - i)) / d


def within_red_line(term: float, ideal: np.ndarray, red_line: np.ndarray) -> np.ndarray:
    """[c]: whether ``term`` lies on the ideal's side of each country's red line (the line included)."""
    ideal, red_line = np.asarray(ideal, dtype=float), np.asarray(red_line, dtype=float)
    return np.where(ideal >= red_line, term >= red_line, term <= red_line)


# ------------------------------------------------------------------ terms a schedule binds
def bound_terms(concessions: np.ndarray, status_quo: np.ndarray, high: float, rising: bool = True) -> np.ndarray:
    """[c]: the term each country binds when it concedes ``concessions[c]`` of the way from its status
    quo to the liberal end of the issue's scale, ``high`` (a concession of 1 is that end):
    ``q + c (high - q)``; a country already past the end keeps its own term. For biologics, the years
    of data protection it grants; ``rising=False`` for a scale whose liberal end is its bottom (a
    procurement threshold), ``high`` then that bottom."""
    q = np.asarray(status_quo, dtype=float)
    past = q >= high if rising else q <= high
    return np.where(past, q, q + np.asarray(concessions, dtype=float) * (high - q))


def agreement_term(bound: np.ndarray, signatories: np.ndarray, rising: bool = True) -> float | None:
    """The standard an agreement sets on an issue: the least liberal term any signatory binds (every
    signatory grants at least that much, as the TPP's minimum standards read: the least on a rising
    scale, the most on a falling one); None without signatories."""
    signed = np.asarray(signatories, dtype=bool)
    if not signed.any():
        return None
    bound = np.asarray(bound, dtype=float)[signed]
    return float(bound.min() if rising else bound.max())


def liberal_end(issue: Issue) -> tuple[float, bool]:
    """The end of an issue's scale a concession moves a country towards, and whether it is the top: as
    the data file states it (``opens_towards``: biologics' years and SOE disciplines rise; a procurement
    threshold falls towards the GPA's 130,000 SDR), never read from the TPP's outcome."""
    return (issue.high if issue.rising else issue.low), issue.rising


def settled_term(ideal: np.ndarray, red_line: np.ndarray, members: np.ndarray) -> tuple[float, bool] | None:
    """The term ``members`` settle on a rule (a rule of origin's in-zone share) and whether it respects every
    member's red line; None without members.

    Consensus with a median: any member can block a term past its red line, so the term lies in the
    range every red line allows, ``[lower, upper]`` (``lower`` the highest red line of those whose ideal
    lies above it, ``upper`` the lowest of the others); within it, the term is the members' median ideal
    projected onto that range (no majority can move a median, Black 1948). Red lines that leave no common
    term give the median projected onto the gap between them, flagged False."""
    on = np.asarray(members, dtype=bool)
    if not on.any():
        return None
    ideal, red = np.asarray(ideal, dtype=float)[on], np.asarray(red_line, dtype=float)[on]
    above = ideal >= red
    lower = float(red[above].max()) if above.any() else -np.inf
    upper = float(red[~above].min()) if (~above).any() else np.inf
    median = float(np.median(ideal))
    if lower <= upper:
        return min(max(median, lower), upper), True
    return min(max(median, upper), lower), False


# ------------------------------------------------------------------ the data file
@dataclass(frozen=True)
class Issue:
    """One rules issue: its scale, the TPP's outcome, per country positions and the kind's figures."""

    name: str
    label: str
    kind: str
    unit: str
    low: float
    high: float
    outcome: float
    status_quo: np.ndarray
    ideal: np.ndarray
    red_line: np.ndarray
    figures: dict[str, np.ndarray]          # the kind's per-country figures, [c]
    parameters: dict[str, float]
    sectors: tuple[str, ...] = ()           # an origin rule: the game's sectors whose preferences it governs
    rising: bool = True                     # a concession moves up the scale (the file's opens_towards = "high")

    def values(self, term: float) -> np.ndarray:
        """[c]: every country's value of ``term`` (US$ bn a year), by the issue's kind."""
        p, f = self.parameters, self.figures
        if self.kind == "biologics":
            return biologics_value(term, self.status_quo, f["market"], f["originator_share"], p["premium"], p["life"])
        if self.kind == "origin":
            return origin_value(term, f["exports"], f["in_zone"], f["margin"], f["supplier_share"],
                                p["input_share"], p["premium"], p["keep"])
        return position_value(term, self.status_quo, self.ideal, f["stake"], self.high - self.low)

    def acceptable(self, term: float) -> np.ndarray:
        """[c]: whether ``term`` respects each country's red line."""
        return within_red_line(term, self.ideal, self.red_line)


@dataclass(frozen=True)
class Rules:
    """The rules issues, by name, over the calibration's countries."""

    countries: tuple[str, ...]
    issues: dict[str, Issue]
    figure_sources: dict[str, str]
    _selected: dict[tuple[str, ...], Rules] = field(default_factory=dict, compare=False, repr=False)

    def select(self, countries: tuple[str, ...]) -> Rules:
        """The same issues over a scenario's countries (in its order): every per-country array indexed,
        so a country left out neither pays nor earns (its biologics market, its exports drop out).
        Made once per list of countries (a game asks again whenever its standards are settled): the
        arrays are shared, so they are read-only."""
        countries = tuple(countries)
        known = self._selected.get(countries)
        if known is None:
            idx = [self.countries.index(code) for code in countries]
            issues = {name: replace(issue, status_quo=_read_only(issue.status_quo[idx]),
                                    ideal=_read_only(issue.ideal[idx]), red_line=_read_only(issue.red_line[idx]),
                                    figures={key: _read_only(value[idx]) for key, value in issue.figures.items()})
                      for name, issue in self.issues.items()}
            known = self._selected[countries] = Rules(countries, issues, self.figure_sources)
        return known


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def _issue(name: str, table: Any, file: str, sources: Mapping[str, str], countries: tuple[str, ...],
           figures: dict[str, str]) -> Issue:
    where = f"issues.{name}"
    if not isinstance(table, dict):
        raise ScenarioError(file, where, "a table", table)
    texts = {key: required_text(table, key, file, where) for key in ("label", "kind", "unit")}
    kind = texts["kind"]
    if kind not in KINDS:
        raise ScenarioError(file, f"{where}.kind", f"one of {', '.join(KINDS)}", kind)
    needed, per_country = KINDS[kind]
    low = float(figure(table.get("low"), file, f"{where}.low", sources, -1e9, 1e9, figures))
    high = float(figure(table.get("high"), file, f"{where}.high", sources, low, 1e9, figures))
    if high <= low:
        raise ScenarioError(file, f"{where}.high", f"a number above low ({low:g})", high)
    outcome = float(figure(table.get("outcome"), file, f"{where}.outcome", sources, low, high, figures))
    towards = choice(table.get("opens_towards"), file, f"{where}.opens_towards", sources, ("high", "low"), figures)
    raw_params = table.get("parameters", {})
    if not isinstance(raw_params, dict):
        raise ScenarioError(file, f"{where}.parameters", "a table of figures", raw_params)
    params = {key: float(figure(raw_params.get(key), file, f"{where}.parameters.{key}", sources, 0, 1e9, figures))
              for key in (*needed, *(k for k in raw_params if k not in needed))}
    by_country = sub_table(table, "countries", file, where) if "countries" in table else _missing(file, f"{where}.countries")
    n = len(countries)
    values = {key: np.zeros(n) for key in (*POSITIONS, *per_country)}
    for code in by_country:
        if code not in countries:
            raise ScenarioError(file, f"{where}.countries.{code}", f"a country code ({', '.join(countries)})",
                                show_got=False)
    for k, code in enumerate(countries):
        block = by_country.get(code)
        if not isinstance(block, dict):
            raise ScenarioError(file, f"{where}.countries.{code}", "a table of positions for every country",
                                show_got=False)
        for key in POSITIONS:
            values[key][k] = figure(block.get(key), file, f"{where}.countries.{code}.{key}", sources, low, high,
                                     figures)
        for key, (lo, hi) in per_country.items():
            values[key][k] = figure(block.get(key), file, f"{where}.countries.{code}.{key}", sources, lo, hi,
                                     figures)
    governs = table.get("sectors", [])
    known = load_calibration().sectors
    if not isinstance(governs, list) or any(s not in known for s in governs):
        raise ScenarioError(file, f"{where}.sectors", f"a list of the game's sectors ({', '.join(known)})", governs)
    return Issue(name, texts["label"], kind, texts["unit"], low, high, outcome, values["status_quo"],
                 values["ideal"], values["red_line"], {key: values[key] for key in per_country}, params,
                 tuple(governs), towards == "high")


def _missing(file: str, where: str) -> dict[str, Any]:
    raise ScenarioError(file, where, "a table of countries", show_got=False)


def rules_sectors(sectors: tuple[str, ...]) -> tuple[str, ...]:
    """The sectors of a game that are rules issues (their concession binds a term: biologics)."""
    issues = load_rules().issues
    return tuple(s for s in sectors if s in issues)


def issue_names(path: Path | None = None) -> tuple[str, ...]:
    """The names of the rules file's issues, read without checking their figures: what the scenario schema,
    built while the calibration the figures are checked against loads, may offer."""
    issues = read_toml(Path(path) if path is not None else RULES_FILE).get("issues", {})
    return tuple(issues) if isinstance(issues, dict) else ()


def load_rules(path: Path | None = None) -> Rules:
    """Read and check the rules issues file (default: the package's ``data/rules.toml``)."""
    return _load_rules(Path(path) if path is not None else RULES_FILE)


@lru_cache(maxsize=4)
def _load_rules(path: Path) -> Rules:
    file, raw, sources = read_data_file(path)
    countries = load_calibration().countries
    figures: dict[str, str] = {}
    issues = {name: _issue(name, table, file, sources, countries, figures)
              for name, table in sub_table(raw, "issues", file).items()}
    return Rules(countries, issues, figures)
