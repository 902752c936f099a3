"""What a government bargains for: welfare plus extra weight on organised producers.

In the spirit of Grossman and Helpman ("Protection for Sale", AER 1994; "Trade Wars and Trade
Talks", JPE 1995), a government values a change of policy at the change in its country's welfare
plus ``lambda`` times the change in the surplus of producers organised in a lobby. The figures
are those of the welfare account (:mod:`tppgame.game.welfare`: 2013 trade ``X``, the tariff ``t0``
an exporter faced before, the rent share ``w``, ``k = (1 - w) * eps / (1 + t0)``), for a full opening of one
importer's market in one sector to one exporter, in US$ bn:

* the exporter's surplus ``S = w t0 X (1 + k t0 / 2)``; its government values it at
  ``(1 + lambda_x) S``, ``lambda_x`` its exporters' lobby weight in the sector;
* the importer's welfare changes by ``H - S``: the Harberger triangle its cut removes,
  ``H = k / 2 X t0**2``, less what its cut pays the exporter (the terms of trade);
* its import-competing producers lose the fall of their price, ``(1 - w) t0 / (1 + t0)`` in
  proportion (the domestic price is ``1 + t0`` times the world price), on their output ``Q`` (the
  economy's ``output``, at producer prices), in the proportion ``m = X / M`` the exporter holds of
  its imports from the twelve (opening to every member lowers the price by the whole cut):
  ``L = (1 - w) t0 / (1 + t0) Q m``; the government counts ``lambda_m L`` of it beyond welfare;
* so opening costs the importer's government ``S + lambda_m L - H`` (never below 0: a government
  whose own gain exceeds what it pays gives the access as soon as a partner asks).

With ``bargaining.rules_of_origin``, a textile or car preference counts only the part an exporter can
use under the rule of origin, net of complying, and in-zone suppliers gain from the dearer inputs
(:func:`with_origin`, :mod:`tppgame.game.origin_play`).

Biologics carry no tariff: data protection is a rule (:mod:`tppgame.game.rules`). Raising an
importer's protection to the top of the issue's scale moves ``e_j = (high - y0_j) / life`` of a
product's life onto the originators' price premium ``p`` on its market ``M_j``; exporter ``i``'s
originators (share ``o_i``) gain ``S = o_i M_j p e_j``, which the importer's health budget pays
(``H = L = 0``).

The lobby weights are judgments stated in the scenario: ``lambda_m = lobby_weight x sensitivity``
(the calibration's 0..3 scale of how strongly the import-competing lobby resists: 1 an ordinary
lobby, 3 near-untouchable) and ``lambda_x = lobby_weight x export_interest``. The game keeps its
shape: a gain linear in the concession and a cost rising with its power ``cost_exponent``; here
the values at full opening come from the economy instead of from the calibration's indices. Each
government's numbers are divided by what it would gain if every partner opened fully to it, so a
ratification threshold keeps its meaning (a share of the attainable gain).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tppgame.game.economy import Economy, load_economy
from tppgame.game.origin_play import OriginRule, full_margins, origin_rules, origin_split, supplier_gains
from tppgame.game.quota_play import QuotaMarket, quota_markets, quota_opening
from tppgame.game.rules import Issue, load_rules, protected_share
from tppgame.game.utility import Weights
from tppgame.game.welfare import (
    baseline_tariffs,
    exporter_surplus,
    harberger,
    trade_response,
)


@dataclass(frozen=True)
class FullOpening:
    """Each term of a full opening, US$ bn, ``[exporter i, importer j, sector s]``."""

    surplus: np.ndarray       # S: the exporter's surplus
    importer: np.ndarray      # the importer's welfare change: H - S for a tariff (its triangle less what it pays)
    producers: np.ndarray     # L: the importer's import-competing producers' loss
    erosion: np.ndarray       # the exporter's loss per unit of a rival's better access (first order)
    suppliers: np.ndarray | None = None   # [k, i, j, s]: k's in-zone suppliers' gain (rules of origin)


def full_opening(economy: Economy, fta: np.ndarray) -> FullOpening:
    """The welfare account's terms for a full opening of each market, sector and exporter alone."""
    x, w = economy.trade, economy.rent_share
    t0 = baseline_tariffs(economy.tariff, economy.coverage, np.asarray(fta, dtype=float))
    k = trade_response(economy.import_demand, w, t0)
    n = len(economy.countries)
    off_diagonal = (~np.eye(n, dtype=bool))[:, :, None]
    x = np.where(off_diagonal, x, 0.0)
    imports = x.sum(axis=0, keepdims=True)                                       # [1, j, s] from the twelve
    held = np.divide(x, imports, out=np.zeros_like(x), where=imports > 0)         # m[i, j, s]
    surplus = exporter_surplus(x, t0, k, w)
    return FullOpening(
        surplus=surplus,
        importer=harberger(x, t0, np.zeros_like(t0), k) - surplus,
        producers=(1.0 - w) * t0 / (1.0 + t0) * economy.output[None, :, :] * held,
        erosion=w * t0 * x,
    )


def biologics_opening(issue: Issue, n: int) -> np.ndarray:
    """[i, j]: what exporter ``i``'s originators gain when importer ``j`` raises its data protection
    to the top of the issue's scale (and what ``j``'s health budget pays them), US$ bn a year."""
    paid = issue.figures["market"] * issue.parameters["premium"] * protected_share(
        issue.high, issue.status_quo, issue.parameters["life"])                  # [j]
    gain = issue.figures["originator_share"][:, None] * paid[None, :]
    return np.where(np.eye(n, dtype=bool), 0.0, gain)


def with_rules(opening: FullOpening, sectors: tuple[str, ...], issues: dict[str, Issue]) -> FullOpening:
    """The full opening with each sector that is a biologics rules issue valued by that issue."""
    surplus, importer, erosion = opening.surplus.copy(), opening.importer.copy(), opening.erosion.copy()
    n = surplus.shape[0]
    for s, name in enumerate(sectors):
        issue = issues.get(name)
        if issue is not None and issue.kind == "biologics":
            surplus[:, :, s] = erosion[:, :, s] = biologics_opening(issue, n)
            importer[:, :, s] = -surplus[:, :, s]
    return FullOpening(surplus, importer, opening.producers, erosion)


def with_quotas(opening: FullOpening, markets: tuple[QuotaMarket, ...], output: np.ndarray) -> FullOpening:
    """The full opening with each quota market valued by its quota (:mod:`tppgame.game.quota_play`): the
    exporter's rent on the tonnes it asked for, the importer's efficiency and terms of trade, and its
    producers' loss, the price fall on their output ``output[j, s]`` (US$ bn at the domestic price)."""
    surplus, importer, producers = opening.surplus.copy(), opening.importer.copy(), opening.producers.copy()
    erosion = opening.erosion.copy()
    for m in markets:
        values = quota_opening(m)
        j, s = m.importer, m.sector
        surplus[:, j, s] = erosion[:, j, s] = values.exporter_gain
        importer[:, j, s] = values.importer_welfare
        producers[:, j, s] = output[j, s] * values.price_fall / m.quota.domestic_price
    return FullOpening(surplus, importer, producers, erosion)


def with_origin(opening: FullOpening, economy: Economy, fta: np.ndarray,
                rules: tuple[OriginRule, ...]) -> FullOpening:
    """The full opening under rules of origin (:mod:`tppgame.game.origin_play`): the exporter's surplus
    scaled by the share of the margin it can use net of compliance, the importer's terms by its
    utilisation, and each country's in-zone suppliers' share of what compliers spend."""
    split = origin_split(full_margins(economy, fta), rules)
    trade = np.where(np.eye(len(economy.countries), dtype=bool)[:, :, None], 0.0, economy.trade)
    return FullOpening(opening.surplus * split.usable, opening.importer * split.utilisation,
                       opening.producers * split.utilisation, opening.erosion, supplier_gains(split, trade))


@dataclass(frozen=True)
class PoliticalValues:
    """A government's values of a full opening, each divided by its attainable gain."""

    gain: np.ndarray          # [i, j, s]: to i, of j's full opening to it
    precedent: np.ndarray     # [i, j, s]: to i, per unit a rival's access in j exceeds its own
    cost: np.ndarray          # [j, i, s]: to j, of opening s fully to exporter i
    bystander: np.ndarray | None = None   # [k, i, j, s]: to k (neither i nor j), of j's full opening to i


def political_values(opening: FullOpening, sensitivity: np.ndarray, export_interest: np.ndarray,
                     lobby_weight: float, precedent_weight: float) -> PoliticalValues:
    """Gains, precedent and costs of the Grossman-Helpman government (module docstring).

    ``sensitivity`` and ``export_interest`` are ``[country, sector]``. Agreements in force need no
    discount here: the tariff an exporter faced before is already net of what they removed.
    """
    lobby_x = (1.0 + lobby_weight * export_interest)[:, None, :]                 # exporter i's weight
    lobby_m = (lobby_weight * sensitivity)[None, :, :]                            # importer j's
    gain = lobby_x * opening.surplus
    importer = opening.importer
    bystander = None
    if opening.suppliers is not None:          # rules of origin: suppliers' gains count as welfare
        n = gain.shape[0]
        idx = np.arange(n)
        gain = gain + opening.suppliers[idx, idx]                                  # the exporter's own
        importer = importer + opening.suppliers[idx[None, :], idx[:, None], idx[None, :]]   # the importer's own
        k, i, j = np.ix_(idx, idx, idx)
        bystander = np.where(((k != i) & (k != j))[..., None], opening.suppliers, 0.0)
    cost = np.maximum(lobby_m * opening.producers - importer, 0.0)   # [i, j, s]: j opening s to i
    potential = gain.sum(axis=(1, 2))
    scale = np.where(potential > 0, potential, 1.0)
    return PoliticalValues(
        gain=gain / scale[:, None, None],
        precedent=precedent_weight * lobby_x * opening.erosion / scale[:, None, None],
        cost=np.transpose(cost, (1, 0, 2)) / scale[:, None, None],
        bystander=None if bystander is None else bystander / scale[:, None, None, None],
    )


def political_weights(params: dict[str, Any]) -> Weights:
    """The Grossman-Helpman government's weights, over the scenario's countries and sectors."""
    countries, sectors = params["countries"], params["sectors"]
    economy = load_economy().select(countries, sectors)
    issues = load_rules().select(countries).issues
    opening = with_rules(full_opening(economy, params["fta"]), sectors, issues)
    if params.get("quotas", False):
        opening = with_quotas(opening, quota_markets(countries, sectors), economy.output)
    if params.get("rules_of_origin", False):       # the rule the whole table settles (origin_play)
        table = np.ones(len(countries), dtype=bool)
        opening = with_origin(opening, economy, params["fta"], origin_rules(issues, countries, sectors, table))
    values = political_values(opening, params["sensitivity"], params["export_interest"],
                              params["lobby_weight"], params["precedent_weight"])
    market = params["gdp"] / params["gdp"].sum()
    return Weights(
        gain=values.gain, precedent=values.precedent, cost=values.cost,
        gamma=float(params["cost_exponent"]),
        rival=params["export_interest"] >= params["precedent_min_interest"],
        red_line=params["red_line"], threshold=params["ratification_threshold"], market=market,
        bystander=values.bystander,
    )
