"""Tariff-rate quotas and phase-outs: concession forms beside a tariff cut, as data and pure mechanics.

Quotas are in play through :mod:`tppgame.game.quota_play` (``bargaining.quotas``: a concession in
a quota market is quota tonnes, up to what the exporter asked); phase-outs are not yet (the step
that wires them in is described in ``docs/explanation/rules-and-quotas.md``).

**A tariff-rate quota** (TRQ) lets an exporter sell a quantity at the in-quota tariff while the
over-quota tariff stays. One product market of one importer, with quantities in tonnes and prices
in US$ per tonne:

* ``p_dom`` is the domestic price before, ``p_in`` the landed in-quota price (world price times one
  plus the in-quota tariff); their gap is the **wedge**, and a quota's **rent** is
  ``quantity x wedge`` (:func:`quota_rent`): 1,000 t with a US$2,000 - US$500 wedge is US$1.5 m;
* who keeps the rent depends on how the quota is allocated: a state trader's mark-up or licences
  given to the importer's firms keep it at home; country allocations with export certificates
  hand it to exporters. ``share`` is the exporter's part (a figure in the data, per quota);
* a quota ``before -> after`` per exporter first displaces over-quota imports (if any pay the
  over-quota tariff, the price stays pinned and imports do not grow), then, once it binds, raises
  imports along the importer's linear excess demand, whose slope is ``elasticity x consumption /
  p_dom`` tonnes per US$: the price falls by ``dP`` and stops at ``p_in`` (beyond that the quota
  no longer fills; each exporter fills the same share of its increase).

The account (:func:`trq_account`), in US$ bn per country and in the shape of
:class:`~tppgame.game.welfare.WelfareAccount`, so it can be added to the tariff account
(:func:`add_accounts`):

* **exports** (exporter, >= 0): its rent share on the extra tonnes it sells, ``share x filled x (p1 - p_in)``;
* **erosion** (exporter, <= 0): its rent share lost on the tonnes it already sold, ``-share x before x dP``;
* **efficiency** (importer, >= 0): the deadweight loss removed, the trapezoid
  ``dM x (p_dom - p_in - dP / 2)`` over the extra imports ``dM``: zero unless the quota binds and
  imports rise;
* **terms_of_trade** (importer): minus the exporters' part of the change in all its quota rents
  (the partners' exports + erosion, and that of suppliers outside the twelve);
* memo, not added: **consumers** (buyers net of domestic producers) ``dP x (M0 + dM / 2)`` and
  **tariff_revenue** (rent kept at home, less over-quota duty no longer paid); their sum is exactly
  efficiency + terms_of_trade, as in the tariff account.

Nothing changed (``after == before``) gives every term exactly 0.

**A phase-out** spreads a cut over years: ``staging`` points (year, share of the final cut in
force), linearly interpolated, year 1 being entry into force. Its present value relative to the
same cut made at once (:func:`phase_out_factor`) is ``(1 - d) sum_n d^(n-1) s_n`` over all years,
with ``d = 1 / (1 + r)`` and the share held at its last value after the last point. The discount
rate is a figure in the data (OMB Circular A-94's 7% real base case).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from tppgame.game.calibration import PACKAGE_DIR, load_calibration
from tppgame.game.data_files import figure, read_sourced, read_toml, required_text, sub_table
from tppgame.game.economy import ECONOMY_FILE, load_economy
from tppgame.game.fields import ScenarioError
from tppgame.game.welfare import WelfareAccount

QUOTAS_FILE = PACKAGE_DIR / "data" / "quotas.toml"
ANY_MEMBER = "TPP"           # a quota open to every member, split by their trade (the file states how)
MAX_PRICE = 1e6              # US$ per tonne
MAX_TONNES = 1e9


# ------------------------------------------------------------------ the rent and who keeps it
def quota_rent(quantity: np.ndarray | float, domestic_price: np.ndarray | float,
               in_quota_price: np.ndarray | float) -> np.ndarray:
    """The rent on ``quantity`` tonnes sold inside a quota: quantity x the wedge between the domestic
    price and the landed in-quota price, never below zero (a quota nobody gains from goes unfilled)."""
    wedge = np.maximum(np.asarray(domestic_price, dtype=float) - np.asarray(in_quota_price, dtype=float), 0.0)
    return np.asarray(quantity, dtype=float) * wedge


def rent_split(rent: np.ndarray | float, exporter_share: float) -> tuple[np.ndarray, np.ndarray]:
    """``(exporter's part, importer's part)`` of a rent: the allocation decides ``exporter_share``
    (state trading or import licences: near 0; country allocations with export certificates: near 1)."""
    rent = np.asarray(rent, dtype=float)
    return exporter_share * rent, (1.0 - exporter_share) * rent


@dataclass(frozen=True)
class QuotaFill:
    """How a quota increase fills: per exporter the tonnes sold, and the market's price fall."""

    filled: np.ndarray      # [i]: extra tonnes each exporter sells under its larger quota
    displaced: float        # tonnes that replace over-quota imports (no price change)
    extra_imports: float    # tonnes by which the importer's imports grow
    price_fall: float       # US$/t by which the domestic price falls


def quota_fill(before: np.ndarray, after: np.ndarray, *, domestic_price: float, in_quota_price: float,
               consumption: float, elasticity: float, over_quota: float = 0.0) -> QuotaFill:
    """Fill a quota increase ``before -> after`` [exporter, tonnes]: first over-quota imports are
    displaced, then imports grow and the domestic price falls along linear excess demand (slope
    ``elasticity x consumption / domestic_price``) until it meets the in-quota price. A smaller
    ``after`` counts as no change (the talks only add access)."""
    before = np.asarray(before, dtype=float)
    increase = np.maximum(np.asarray(after, dtype=float) - before, 0.0)
    total = float(increase.sum())
    wedge = max(domestic_price - in_quota_price, 0.0)
    if total <= 0.0 or wedge <= 0.0:
        return QuotaFill(np.zeros_like(increase), 0.0, 0.0, 0.0)
    displaced = min(total, max(over_quota, 0.0))
    slope = elasticity * consumption / domestic_price if domestic_price > 0 else 0.0
    extra = min(total - displaced, slope * wedge)
    price_fall = min(extra / slope, wedge) if slope > 0 else 0.0
    return QuotaFill(increase * ((displaced + extra) / total), displaced, extra, price_fall)


def access_value(before: np.ndarray, fill: QuotaFill, in_quota_price: float) -> np.ndarray:
    """[i]: each exporter's access in value terms, US$: the tonnes it sells inside quotas times the
    in-quota price. A bigger quota never lowers it."""
    return (np.asarray(before, dtype=float) + fill.filled) * in_quota_price


# ------------------------------------------------------------------ the account
def trq_account(importer: int, before: np.ndarray, after: np.ndarray, *, domestic_price: float,
                in_quota_price: float, consumption: float, elasticity: float, exporter_share: float,
                other_quota: float = 0.0, over_quota: float = 0.0,
                gdp: np.ndarray | None = None) -> WelfareAccount:
    """The welfare effect of a quota change in one market, per country, in US$ bn (module docstring).

    ``before``/``after`` are each exporter's quota in tonnes [i] (the importer's own entry is 0);
    ``other_quota`` tonnes enter under quotas not negotiated here (from outside the twelve too) and
    lose rent when the price falls; ``over_quota`` tonnes pay the over-quota tariff today.
    """
    before = np.asarray(before, dtype=float)
    n = len(before)
    fill = quota_fill(before, after, domestic_price=domestic_price, in_quota_price=in_quota_price,
                      consumption=consumption, elasticity=elasticity, over_quota=over_quota)
    wedge = max(domestic_price - in_quota_price, 0.0)
    dp, dm = fill.price_fall, fill.extra_imports
    bn = 1e-9
    exports = exporter_share * fill.filled * (wedge - dp) * bn
    erosion = -exporter_share * before * dp * bn
    rent_change = (float(fill.filled.sum()) * (wedge - dp) - (float(before.sum()) + other_quota) * dp) * bn
    zeros = np.zeros(n)
    efficiency, terms, consumers, revenue = zeros.copy(), zeros.copy(), zeros.copy(), zeros.copy()
    efficiency[importer] = dm * (wedge - dp / 2.0) * bn
    terms[importer] = -exporter_share * rent_change
    imports_before = float(before.sum()) + other_quota + over_quota
    consumers[importer] = dp * (imports_before + dm / 2.0) * bn
    revenue[importer] = (1.0 - exporter_share) * rent_change - fill.displaced * wedge * bn
    total = exports + erosion + efficiency + terms
    base = np.zeros(n) if gdp is None else np.asarray(gdp, dtype=float)
    percent = np.divide(100.0 * total, base, out=np.zeros_like(total), where=base > 0)
    return WelfareAccount(exports, erosion, efficiency, terms, consumers, revenue, total, percent)


def add_accounts(first: WelfareAccount, second: WelfareAccount) -> WelfareAccount:
    """Two accounts over the same countries added term by term (a tariff account and a quota's, say):
    every identity of each holds for the sum, and % of GDP adds as the totals do."""
    return WelfareAccount(**{f.name: getattr(first, f.name) + getattr(second, f.name) for f in fields(WelfareAccount)})


# ------------------------------------------------------------------ phase-outs
def staging_shares(years: np.ndarray, shares: np.ndarray, horizon: int) -> np.ndarray:
    """[n]: the share of the final cut in force in years 1..horizon, linear between the staging points
    (held at the first point's share before it and at the last point's after it)."""
    return np.interp(np.arange(1, horizon + 1), np.asarray(years, dtype=float), np.asarray(shares, dtype=float))


def phase_out_factor(years: np.ndarray, shares: np.ndarray, rate: float) -> float:
    """The present value of a cut staged as ``(years, shares)`` over that of the same cut at once,
    discounting at ``rate`` a year: ``(1 - d) sum_n d^(n-1) s_n`` (1 for an immediate cut, less the
    longer and more back-loaded the staging)."""
    d = 1.0 / (1.0 + rate)
    horizon = max(int(np.ceil(float(np.max(years)))), 1)
    s = staging_shares(years, shares, horizon)
    weights = (1.0 - d) * d ** np.arange(horizon)
    return float((weights * s).sum() + d**horizon * s[-1])


def linear_phase_out_factor(years_to_zero: int, rate: float) -> float:
    """:func:`phase_out_factor` of equal annual cuts reaching the final cut in year ``years_to_zero``
    (1 = at once)."""
    return phase_out_factor(np.array([0.0, float(years_to_zero)]), np.array([0.0, 1.0]), rate)


def staged_present_value(annual: float, years: np.ndarray, shares: np.ndarray, rate: float) -> float:
    """The present value of a cut worth ``annual`` a year once complete, staged as given: the
    perpetuity ``annual x (1 + rate) / rate`` (first payment in year 1) times the phase-out factor."""
    return annual * (1.0 + rate) / rate * phase_out_factor(years, shares, rate)


# ------------------------------------------------------------------ the data file
@dataclass(frozen=True)
class Quota:
    """One importer's tariff-rate quota in one sector, its partners' quotas as arrays over countries."""

    importer: str
    sector: str
    allocation: str
    exporter_share: float
    domestic_price: float
    in_quota_price: float
    in_quota_tariff: float
    over_quota_tariff: float
    consumption: float
    elasticity: float
    other_quota: float
    over_quota: float
    before: np.ndarray          # [i] tonnes
    first_year: np.ndarray      # [i] tonnes in the first year of the agreement
    after: np.ndarray           # [i] tonnes, once fully phased in
    years_to_full: np.ndarray   # [i] years until ``after`` is reached (0 where no quota)
    ask: np.ndarray             # [i] tonnes: the most the exporter asked for at the outset (the talks' full opening)

    def phase_in(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Exporter ``k``'s quota increase as a staging (years, shares of the final increase), for
        :func:`phase_out_factor`: the first year's share at year 1, all of it in ``years_to_full``."""
        increase = self.after[k] - self.before[k]
        first = (self.first_year[k] - self.before[k]) / increase if increase > 0 else 1.0
        full = max(float(self.years_to_full[k]), 1.0)
        if full <= 1.0:
            return np.array([1.0]), np.array([1.0])
        return np.array([1.0, full]), np.array([first, 1.0])


@dataclass(frozen=True)
class PhaseOut:
    """A staged cut: importer, exporter (or ``TPP`` for all members), sector and its staging points."""

    importer: str
    exporter: str
    sector: str
    years: np.ndarray
    shares: np.ndarray


@dataclass(frozen=True)
class Quotas:
    """The quotas and phase-outs file: quotas by (importer, sector), phase-outs by name, the discount rate."""

    quotas: dict[tuple[str, str], Quota]
    phase_outs: dict[str, PhaseOut]
    discount_rate: float
    figure_sources: dict[str, str]

    def factor(self, name: str) -> float:
        """The present-value factor of the named phase-out at the file's discount rate."""
        p = self.phase_outs[name]
        return phase_out_factor(p.years, p.shares, self.discount_rate)


QUOTA_FIGURES = {   # name: (low, high)
    "exporter_share": (0.0, 1.0), "domestic_price": (0.0, MAX_PRICE), "in_quota_price": (0.0, MAX_PRICE),
    "in_quota_tariff": (0.0, 10.0), "over_quota_tariff": (0.0, 10.0), "consumption": (0.0, MAX_TONNES),
    "elasticity": (1e-6, 20.0), "other_quota": (0.0, MAX_TONNES), "over_quota": (0.0, MAX_TONNES),
}
PARTNER_FIGURES = {"before": (0.0, MAX_TONNES), "first_year": (0.0, MAX_TONNES), "after": (0.0, MAX_TONNES),
                   "ask": (0.0, MAX_TONNES),
                   "years_to_full": (0.0, 100.0)}


def read_data_file(path: Path) -> tuple[str, dict[str, Any], dict[str, str]]:
    """A data file's name as errors show it, its tables, and the source ids it may cite: its own
    ``[sources]``, the calibration's and economy.toml's."""
    file, raw, own = read_sourced(path)
    economy = read_toml(ECONOMY_FILE).get("sources", {})
    return file, raw, {**load_calibration().sources, **economy, **own}


def _code(code: str, countries: tuple[str, ...], file: str, where: str, allow_any: bool = False) -> int:
    if code in countries:
        return countries.index(code)
    if allow_any and code == ANY_MEMBER:
        return -1
    raise ScenarioError(file, where, f"a country code ({', '.join(countries)}{', TPP' if allow_any else ''})",
                        show_got=False)


def _quota(importer: str, sector: str, table: Mapping[str, Any], file: str, sources: Mapping[str, str],
           countries: tuple[str, ...], figures: dict[str, str]) -> Quota:
    where = f"quotas.{importer}.{sector}"
    values = {name: float(figure(table.get(name), file, f"{where}.{name}", sources, lo, hi, figures))
              for name, (lo, hi) in QUOTA_FIGURES.items()}
    allocation = required_text(table, "allocation", file, where)
    n = len(countries)
    per = {name: np.zeros(n) for name in PARTNER_FIGURES}
    partners = {k: v for k, v in table.items() if isinstance(v, dict) and k not in QUOTA_FIGURES}
    if not partners:
        raise ScenarioError(file, where, "at least one partner table (an exporter's code, or TPP)", show_got=False)
    imp = countries.index(importer)
    for code, block in partners.items():
        k = _code(code, countries, file, f"{where}.{code}", allow_any=True)
        if k == imp:
            raise ScenarioError(file, f"{where}.{code}", "a partner other than the importer", show_got=False)
        got = {name: float(figure(block.get(name), file, f"{where}.{code}.{name}", sources, lo, hi, figures))
               for name, (lo, hi) in PARTNER_FIGURES.items()}
        if got["ask"] < got["before"]:
            raise ScenarioError(file, f"{where}.{code}.ask", f"tonnes from before ({got['before']:g}) up",
                                got["ask"])
        if not got["before"] <= got["first_year"] <= got["after"]:
            raise ScenarioError(file, f"{where}.{code}.first_year",
                                f"tonnes from before ({got['before']:g}) up to after ({got['after']:g})",
                                got["first_year"])
        if k >= 0:
            weights = np.eye(n)[k]
        else:
            required_text(block, "split", file, f"{where}.{code}")
            weights = _member_weights(imp, sector)
        for name in PARTNER_FIGURES:
            per[name] = per[name] + weights * got[name] if name != "years_to_full" else np.maximum(
                per[name], np.where(weights > 0, got[name], 0.0))
    world = values["in_quota_price"] / (1.0 + values["in_quota_tariff"])
    if values["domestic_price"] > world * (1.0 + values["over_quota_tariff"]) * (1 + 1e-9):
        raise ScenarioError(file, f"{where}.domestic_price.value",
                            f"a price no higher than the over-quota tariff allows ({world * (1 + values['over_quota_tariff']):g})",
                            values["domestic_price"])
    return Quota(importer, sector, allocation, before=per["before"], first_year=per["first_year"], ask=per["ask"],
                 after=per["after"], years_to_full=per["years_to_full"], **values)


def _member_weights(importer: int, sector: str) -> np.ndarray:
    """[i]: each member's share of the members' exports to ``importer`` in ``sector`` (2013, economy.toml)."""
    economy = load_economy()
    flows = economy.trade[:, importer, economy.sectors.index(sector)].copy()
    flows[importer] = 0.0
    total = flows.sum()
    return flows / total if total > 0 else np.zeros_like(flows)


def _phase_out(name: str, table: Mapping[str, Any], file: str, sources: Mapping[str, str],
               countries: tuple[str, ...], sectors: tuple[str, ...], figures: dict[str, str]) -> PhaseOut:
    where = f"phase_outs.{name}"
    if not isinstance(table, dict):
        raise ScenarioError(file, where, "a table", table)
    importer = required_text(table, "importer", file, where)
    exporter = required_text(table, "exporter", file, where)
    _code(importer, countries, file, f"{where}.importer")
    _code(exporter, countries, file, f"{where}.exporter", allow_any=True)
    sector = required_text(table, "sector", file, where)
    if sector not in sectors:
        raise ScenarioError(file, f"{where}.sector", f"a sector ({', '.join(sectors)})", sector)
    years = figure(table.get("years"), file, f"{where}.years", sources, 0, 100, figures)
    shares = figure(table.get("shares"), file, f"{where}.shares", sources, 0, 1, figures)
    if not isinstance(years, list) or not isinstance(shares, list) or len(years) != len(shares) or not years:
        raise ScenarioError(file, f"{where}.shares", "a list as long as years (one share per staging year)",
                            show_got=False)
    if any(b <= a for a, b in pairwise(years)) or any(b < a for a, b in pairwise(shares)):
        raise ScenarioError(file, f"{where}.years", "increasing years with shares that never fall", show_got=False)
    return PhaseOut(importer, exporter, sector, np.array(years, dtype=float), np.array(shares, dtype=float))


def load_quotas(path: Path | None = None) -> Quotas:
    """Read and check the quotas and phase-outs file (default: the package's ``data/quotas.toml``)."""
    return _load_quotas(Path(path) if path is not None else QUOTAS_FILE)


@lru_cache(maxsize=4)
def _load_quotas(path: Path) -> Quotas:
    file, raw, sources = read_data_file(path)
    cal = load_calibration()
    figures: dict[str, str] = {}
    rate = float(figure(sub_table(raw, "discount", file).get("rate"), file, "discount.rate", sources, 1e-6, 1.0,
                         figures))
    quotas: dict[tuple[str, str], Quota] = {}
    for importer, by_sector in sub_table(raw, "quotas", file).items():
        _code(importer, cal.countries, file, f"quotas.{importer}")
        if not isinstance(by_sector, dict):
            raise ScenarioError(file, f"quotas.{importer}", "a table of sectors", by_sector)
        for sector, table in by_sector.items():
            if sector not in cal.sectors or not isinstance(table, dict):
                raise ScenarioError(file, f"quotas.{importer}.{sector}", f"a sector table ({', '.join(cal.sectors)})",
                                    show_got=False)
            quotas[importer, sector] = _quota(importer, sector, table, file, sources, cal.countries, figures)
    phase_outs = {name: _phase_out(name, table, file, sources, cal.countries, cal.sectors, figures)
                  for name, table in sub_table(raw, "phase_outs", file).items()}
    return Quotas(quotas, phase_outs, rate, figures)


def quota_account(quota: Quota, gdp: np.ndarray | None = None, after: np.ndarray | None = None, *,
                  countries: tuple[str, ...] | None = None) -> WelfareAccount:
    """:func:`trq_account` of a quota from the file, over ``countries`` (default: the calibration's, in
    its order; a scenario passes its own). ``after`` (over the same countries) defaults to the full
    phase-in. An exporter left out keeps its tonnes as part of ``other_quota`` and gets no increase."""
    everyone = load_calibration().countries
    countries = everyone if countries is None else tuple(countries)
    if quota.importer not in countries:
        raise ValueError(f"the quota's importer {quota.importer} is not among {', '.join(countries)}")
    idx = [everyone.index(code) for code in countries]
    before = quota.before[idx]
    left_out = float(quota.before.sum() - before.sum())
    return trq_account(countries.index(quota.importer), before, quota.after[idx] if after is None else after,
                       domestic_price=quota.domestic_price, in_quota_price=quota.in_quota_price,
                       consumption=quota.consumption, elasticity=quota.elasticity,
                       exporter_share=quota.exporter_share, other_quota=quota.other_quota + left_out,
                       over_quota=quota.over_quota, gdp=gdp)
