"""Tariff-rate quotas in play: where the data has a quota for an importer's sector, a concession is tonnes.

With ``bargaining.quotas = true``, the markets ``data/quotas.toml`` gives a tariff-rate quota
(Japan's rice, Canada's dairy, US sugar) are opened by quota, not by a tariff cut: the importer's
concession ``z`` to an exporter there (the game's access, 0 to 1) raises that exporter's quota from
what it had before the talks to what it asked at the outset, ``before + z (ask - before)``, and the
over-quota tariff stays. The welfare account of those markets is the quota's
(:func:`tppgame.game.quotas.trq_account`: the exporters' rent on the extra tonnes, the importer's
triangle and its rent paid abroad) in place of a tariff cut's; the ``political_economy`` payoff
values a full opening there from the same account (:func:`quota_opening`).

The form is data (where history had quotas); how large a quota the talks give emerges from them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import lru_cache

import numpy as np

from tppgame.game.calibration import load_calibration
from tppgame.game.quotas import Quota, add_accounts, load_quotas, quota_fill, trq_account
from tppgame.game.welfare import WelfareAccount


@dataclass(frozen=True)
class QuotaMarket:
    """One quota market over a scenario's countries: its importer and sector (indices), the quota's
    figures, and per exporter the tonnes before the talks and asked for."""

    importer: int
    sector: int
    quota: Quota
    before: np.ndarray        # [i] tonnes
    ask: np.ndarray           # [i] tonnes (at least ``before``)
    other_quota: float        # tonnes under quotas not negotiated here (and those of countries left out)

    def tonnes(self, access: np.ndarray) -> np.ndarray:
        """[i]: each exporter's quota for the access ``[exporter, importer, sector]`` the talks give."""
        z = np.clip(access[:, self.importer, self.sector], 0.0, 1.0)
        return self.before + z * (self.ask - self.before)

    def account(self, after: np.ndarray, gdp: np.ndarray | None = None) -> WelfareAccount:
        """The welfare account (US$ bn) of the quotas ``after`` [i] in this market."""
        q = self.quota
        return trq_account(self.importer, self.before, after, domestic_price=q.domestic_price,
                           in_quota_price=q.in_quota_price, consumption=q.consumption, elasticity=q.elasticity,
                           exporter_share=q.exporter_share, other_quota=self.other_quota,
                           over_quota=q.over_quota, gdp=gdp)


@lru_cache(maxsize=16)
def quota_markets(countries: tuple[str, ...], sectors: tuple[str, ...]) -> tuple[QuotaMarket, ...]:
    """The quota markets among a scenario's countries and sectors (the data file's, in its order)."""
    everyone = load_calibration().countries
    idx = [everyone.index(code) for code in countries]
    markets = []
    for (importer, sector), quota in load_quotas().quotas.items():
        if importer in countries and sector in sectors:
            before, ask = quota.before[idx], quota.ask[idx]
            left_out = float(quota.before.sum() - before.sum())
            markets.append(QuotaMarket(countries.index(importer), sectors.index(sector), quota, before, ask,
                                       quota.other_quota + left_out))
    return tuple(markets)


def tariff_access(access: np.ndarray, markets: tuple[QuotaMarket, ...]) -> np.ndarray:
    """The access that cuts tariffs: ``access`` with the quota markets' columns at 0 (their tariff stays)."""
    if not markets:
        return access
    out = np.array(access, dtype=float, copy=True)
    for m in markets:
        out[..., m.importer, m.sector] = 0.0
    return out


def quota_welfare(markets: tuple[QuotaMarket, ...], access: np.ndarray, gdp: np.ndarray) -> WelfareAccount:
    """The quota markets' welfare account for ``access`` [exporter, importer, sector], summed (US$ bn)."""
    n = access.shape[0]
    total = WelfareAccount(**{f.name: np.zeros(n) for f in fields(WelfareAccount)})
    for m in markets:
        total = add_accounts(total, m.account(m.tonnes(access), gdp))
    return total


@dataclass(frozen=True)
class QuotaOpening:
    """A full opening of each quota market to each exporter alone, US$ bn ``[exporter i]`` per market."""

    exporter_gain: np.ndarray      # the exporter's rent on its extra tonnes
    importer_welfare: np.ndarray   # the importer's efficiency plus its terms of trade
    price_fall: np.ndarray         # US$/t by which the importer's domestic price falls


def quota_opening(market: QuotaMarket) -> QuotaOpening:
    """Each exporter's quota raised alone to its ask (the others' unchanged), in this market."""
    n = len(market.before)
    gain, welfare, fall = np.zeros(n), np.zeros(n), np.zeros(n)
    for k in np.flatnonzero(market.ask > market.before):
        after = market.before.copy()
        after[k] = market.ask[k]
        account = market.account(after)
        gain[k] = account.exports[k]
        welfare[k] = account.efficiency[market.importer] + account.terms_of_trade[market.importer]
        q = market.quota
        fall[k] = quota_fill(market.before, after, domestic_price=q.domestic_price, in_quota_price=q.in_quota_price,
                             consumption=q.consumption, elasticity=q.elasticity,
                             over_quota=q.over_quota).price_fall
    return QuotaOpening(gain, welfare, fall)
