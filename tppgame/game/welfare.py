"""A welfare account per country, separate from what its government bargains for.

Partial equilibrium in the spirit of the WITS/SMART model, one market (importer ``j``, sector
``s``) at a time, every supplier ``i`` of it at once, as numpy arrays ``[i, j, s]``:

* ``X[i, j, s]`` is 2013 exports of ``i`` to ``j`` in ``s`` (US$ bn, world prices);
* ``t0 = tau[j, s] * (1 - coverage[j, s] * fta[i, j])`` is the tariff ``i`` faced before: the
  MFN tariff, less what an agreement in force already removed for the pair;
* ``a = access[i, j, s]`` in [0, 1] is how far ``j`` opened ``s`` to ``i`` (the game's
  concessions; 1 = full liberalisation of the barrier ``i`` faced), so the cut is
  ``d = a * t0`` and the new tariff ``t1 = t0 - d``.

A cut ``d`` is shared: the exporter's price rises by ``w * d`` (``w`` the rent share, about a
third: Olarreaga and Ozden 2005) and the buyer's price, ``1 + t0`` times the world price, falls by
``(1 - w) * d`` of it, so trade grows by ``dX = k * X * d`` with ``k = (1 - w) * eps / (1 + t0)``
(``eps`` the import demand elasticity, applied to the proportional fall of the buyer's price: SMART's
trade creation, ``M * eps * dt / (1 + t0)``, with linear demand). The terms, in US$ bn per country:

* **exports**: the exporter's surplus on its exports to each partner,
  ``w * d * (X + dX / 2)`` = trade x margin x (1 + elasticity x margin / 2), summed over its markets;
* **erosion** (<= 0): where rivals' average cut in a market (trade-weighted over the other
  suppliers among the twelve) exceeds its own by ``g``, its price there falls by ``w * g`` and its
  exports by up to ``sigma * (1 - w) * g`` of them (``sigma`` the substitution elasticity):
  ``-w * g * X * (1 - min(1, sigma * (1 - w) * g) / 2)``;
* **efficiency** (>= 0): the Harberger triangle the importer's own cuts remove from its market,
  ``k / 2 * X * (t0**2 - t1**2)`` summed over its suppliers (with ``w = 0``: ``eps / 2 * M * tau**2 / (1 + tau)``
  for a full cut); it only grows with a deeper own cut;
* **terms_of_trade** (<= 0): what the importer's cuts pay its suppliers, ``-w * d * (X + dX / 2)``,
  exactly the partners' ``exports`` term (summed over the world they cancel);
* **total** = exports + erosion + efficiency + terms_of_trade.

Tariff revenue is reported but **not added**: it is a transfer. The importer's consumers gain
``consumers = (1 - w) * d * (X + dX / 2)`` and its treasury changes by
``tariff_revenue = t1 * (X + dX) - t0 * X``; their sum is exactly ``efficiency + terms_of_trade``
(the revenue lost on 2013 imports goes partly to its own consumers, partly to foreign exporters),
so adding revenue to the efficiency term would count it twice. Nothing changed (``access = 0``)
gives every term exactly 0; every term is finite for access in [0, 1].

Limits: imports from outside the twelve (China, the EU) are not in the data, so diversion away
from them, and the importer's Vinerian cost of buying from a dearer partner, are left out; tariff
rate quotas, rules of origin and non-tariff chapters (biologics) are outside this account.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tppgame.game.economy import Economy

TERMS = ("exports", "erosion", "efficiency", "terms_of_trade")     # they sum to the total
MEMO = ("consumers", "tariff_revenue")                              # a split of efficiency + terms_of_trade


@dataclass(frozen=True)
class WelfareAccount:
    """Each term per country [i], US$ bn, and the total in US$ bn and in % of the country's GDP."""

    exports: np.ndarray
    erosion: np.ndarray
    efficiency: np.ndarray
    terms_of_trade: np.ndarray
    consumers: np.ndarray
    tariff_revenue: np.ndarray
    total: np.ndarray
    percent_gdp: np.ndarray


def baseline_tariffs(tariff: np.ndarray, coverage: np.ndarray, fta: np.ndarray) -> np.ndarray:
    """[i, j, s]: the tariff exporter ``i`` faced in ``j`` before: MFN less what an agreement in force removed."""
    return tariff[None, :, :] * (1.0 - coverage[None, :, :] * fta[:, :, None])


def trade_response(import_demand: np.ndarray, rent_share: float, t0: np.ndarray) -> np.ndarray:
    """[i, j, s]: ``k``, how much trade grows per unit of tariff cut, as a share of itself:
    ``(1 - w) * eps / (1 + t0)``: the buyer's price falls by ``(1 - w)`` of the cut, and by that over
    ``1 + t0`` in proportion, to which imports respond with the elasticity ``eps``."""
    return (1.0 - rent_share) * import_demand[None, None, :] / (1.0 + t0)


def exporter_surplus(trade: np.ndarray, cut: np.ndarray, k: np.ndarray, w: float) -> np.ndarray:
    """[i, j, s]: the exporter's surplus from a cut ``cut`` of its tariff, ``w * d * (X + k X d / 2)``."""
    return w * cut * trade * (1.0 + 0.5 * k * cut)


def harberger(trade: np.ndarray, before: np.ndarray, after: np.ndarray, k: np.ndarray) -> np.ndarray:
    """[i, j, s]: the deadweight loss removed when the tariff goes from ``before`` to ``after``,
    ``k / 2 * X * (before**2 - after**2)`` (``k`` the elasticity of trade to the tariff)."""
    return 0.5 * k * trade * (before**2 - after**2)


def rival_gap(trade: np.ndarray, cut: np.ndarray) -> np.ndarray:
    """[..., i, j, s]: how far the trade-weighted average cut of ``i``'s rivals in ``j``'s market for
    ``s`` exceeds ``i``'s own (0 where it does not, or where ``i`` has no rival there)."""
    trade = np.broadcast_to(trade, np.broadcast_shapes(trade.shape, cut.shape))
    market = trade.sum(axis=-3, keepdims=True)
    weighted = (trade * cut).sum(axis=-3, keepdims=True)
    others = market - trade
    safe = np.where(others > 0, others, 1.0)
    rivals = np.where(others > 0, (weighted - trade * cut) / safe, 0.0)
    return np.maximum(rivals - cut, 0.0)


def erosion_loss(trade: np.ndarray, gap: np.ndarray, sigma: np.ndarray, w: float) -> np.ndarray:
    """[i, j, s] (>= 0): an exporter's lost surplus where rivals got a better cut by ``gap``:
    ``w * g * X * (1 - min(1, sigma (1 - w) g) / 2)`` (its price falls by ``w g``; its exports by
    ``sigma (1 - w) g`` of them, never below zero)."""
    lost_share = np.minimum(1.0, sigma * (1.0 - w) * gap)
    return w * gap * trade * (1.0 - 0.5 * lost_share)


def welfare(economy: Economy, access: np.ndarray, fta: np.ndarray, gdp: np.ndarray | None = None) -> WelfareAccount:
    """The account per country for ``access`` [exporter, importer, sector] (see the module docstring).

    ``fta[i, j]`` says whether an agreement was in force between ``i`` and ``j`` before the talks;
    ``gdp`` (default: the economy's) is the base of ``percent_gdp``. ``access`` may carry leading
    axes, ``[..., i, j, s]`` (many candidate worlds at once, say every offer a talk weighs): each
    array of the account then has the same leading axes, ``[..., i]``.
    """
    x, w = economy.trade, economy.rent_share
    sigma = economy.substitution[None, None, :]
    t0 = baseline_tariffs(economy.tariff, economy.coverage, np.asarray(fta, dtype=float))
    k = trade_response(economy.import_demand, w, t0)
    cut = np.clip(access, 0.0, 1.0) * t0
    t1 = t0 - cut
    surplus = exporter_surplus(x, cut, k, w)
    as_exporter, as_importer = (-2, -1), (-3, -1)
    exports = surplus.sum(axis=as_exporter)
    erosion = -erosion_loss(x, rival_gap(x, cut), sigma, w).sum(axis=as_exporter)
    efficiency = harberger(x, t0, t1, k).sum(axis=as_importer)
    terms_of_trade = -surplus.sum(axis=as_importer)
    consumers = ((1.0 - w) * cut * x * (1.0 + 0.5 * k * cut)).sum(axis=as_importer)
    tariff_revenue = (t1 * x * (1.0 + k * cut) - t0 * x).sum(axis=as_importer)
    total = exports + erosion + efficiency + terms_of_trade
    base = economy.gdp if gdp is None else np.asarray(gdp, dtype=float)
    percent = np.divide(100.0 * total, base, out=np.zeros_like(total), where=base > 0)
    return WelfareAccount(exports, erosion, efficiency, terms_of_trade, consumers, tariff_revenue, total, percent)


def country_welfare(account: WelfareAccount, k: int) -> dict[str, float]:
    """One country's account as plain numbers: every term and the total in US$ m, and % of GDP."""
    row = {name: round(float(getattr(account, name)[k]) * 1000.0, 3) for name in (*TERMS, *MEMO, "total")}
    return {"percent_gdp": round(float(account.percent_gdp[k]), 6),
            **{f"{name}_usd_m": value for name, value in row.items()}}
