"""Tariff-rate quotas in play (tppgame.game.quota_play): concessions in quota markets are tonnes.

Hand-checkable tonnes and accounts, the welfare of a game with quotas against its parts, the
political_economy payoff's values of a quota, and the headlines that check the quota facts.
"""

from __future__ import annotations

import numpy as np
import pytest

from tppgame import TPPModel, load_scenario
from tppgame.experiments.headlines import holds, new_quota_share, quota_market
from tppgame.game.economy import load_economy
from tppgame.game.outcome import welfare_of
from tppgame.game.quota_play import quota_markets, quota_opening, quota_welfare, tariff_access
from tppgame.game.quotas import load_quotas, quota_account
from tppgame.game.scenario import HeadlineSpec
from tppgame.game.welfare import welfare

COUNTRIES = ("USA", "JPN", "CAN", "MEX", "AUS", "NZL", "CHL", "PER", "SGP", "MYS", "VNM", "BRN")
SECTORS = ("rice", "wheat", "beef", "pork", "dairy", "sugar", "autos", "auto_parts", "textiles", "biologics")


def market(importer: str, sector: str):
    return next(m for m in quota_markets(COUNTRIES, SECTORS)
                if (COUNTRIES[m.importer], SECTORS[m.sector]) == (importer, sector))


def test_the_quota_markets_are_the_data_files():
    found = {(COUNTRIES[m.importer], SECTORS[m.sector]) for m in quota_markets(COUNTRIES, SECTORS)}
    assert found == set(load_quotas().quotas)
    # a scenario without Canada has no Canadian dairy market
    assert all(SECTORS[m.sector] != "dairy" for m in quota_markets(COUNTRIES[:2] + COUNTRIES[3:], SECTORS))


def test_a_concession_is_the_share_of_the_way_to_the_exporters_ask():
    rice = market("JPN", "rice")
    access = np.zeros((12, 12, 10))
    access[0, 1, 0], access[4, 1, 0] = 0.4, 1.0           # Japan's rice: 0.4 to the US, all the way to Australia
    tonnes = rice.tonnes(access)
    assert tonnes[0] == pytest.approx(0.4 * 175000.0)       # the US asked 175,000 t (it had no country quota)
    assert tonnes[4] == pytest.approx(10000.0)
    assert new_quota_share(rice, access) == pytest.approx((70000.0 + 10000.0) / 8.2e6)
    sugar = market("USA", "sugar")
    access[4, 0, 5] = 0.5                                  # Australia's sugar: from 87,402 t halfway to 174,804 t
    assert sugar.tonnes(access)[4] == pytest.approx(87402.0 + 0.5 * 87402.0)


def test_the_quota_markets_tariffs_stay():
    access = np.full((12, 12, 10), 0.3)
    cut = tariff_access(access, quota_markets(COUNTRIES, SECTORS))
    assert cut[:, 1, 0].max() == 0.0 and cut[:, 2, 4].max() == 0.0 and cut[:, 0, 5].max() == 0.0
    assert cut[:, 1, 2].min() == 0.3                      # Japan's beef is cut as before


def test_the_quota_account_is_the_data_files_quota_account_at_those_tonnes():
    rice = market("JPN", "rice")
    access = np.zeros((12, 12, 10))
    access[0, 1, 0] = 0.4
    gdp = load_economy().gdp
    ours = quota_welfare((rice,), access, gdp)
    theirs = quota_account(load_quotas().quotas[("JPN", "rice")], gdp, after=rice.tonnes(access))
    assert np.allclose(ours.total, theirs.total) and np.allclose(ours.percent_gdp, theirs.percent_gdp)
    assert ours.exports[0] > 0 and ours.efficiency[1] > 0


def test_a_games_welfare_with_quotas_is_the_tariff_account_plus_the_quotas():
    model = TPPModel("baseline", rng=3, record=False)
    while model.running:
        model.step()
    assert model.config.params["quotas"]
    access = model.last_check.access
    markets = quota_markets(model.countries, model.sectors)
    economy = load_economy().select(model.countries, model.sectors)
    params = model.config.params
    tariffs = welfare(economy, tariff_access(access, markets), params["fta"], params["gdp"])
    quotas = quota_welfare(markets, access, params["gdp"])
    assert np.allclose(welfare_of(model, access).total, tariffs.total + quotas.total)
    summary = model.summary()["countries"]["JPN"]["welfare"]
    assert summary["total_usd_m"] == pytest.approx(1000 * (tariffs.total + quotas.total)[1], abs=1e-3)


def test_the_political_economy_values_a_quota_from_its_account():
    rice = market("JPN", "rice")
    values = quota_opening(rice)
    alone = rice.before.copy()
    alone[0] = rice.ask[0]
    account = rice.account(alone)
    assert values.exporter_gain[0] == pytest.approx(account.exports[0])
    assert values.importer_welfare[0] == pytest.approx(account.efficiency[1] + account.terms_of_trade[1])
    assert values.price_fall[0] > 0 and values.exporter_gain[2] == 0.0       # Canada asked nothing


@pytest.mark.parametrize("quotas", [True, False])
def test_the_quota_headlines(quotas):
    scenario = load_scenario("baseline").with_overrides({"bargaining.quotas": quotas}, origin="test")
    model = TPPModel(scenario, rng=3, record=False)
    while model.running:
        model.step()
    opens = _headline("opens_by_quota", importer="JPN", sector="rice")
    small = _headline("quota_at_most", importer="CAN", sector="dairy", at_most=0.05)
    tiny = _headline("quota_at_most", importer="CAN", sector="dairy", at_most=1e-6)
    if quotas:
        assert quota_market(model, "JPN", "rice") is not None
        assert holds(model, opens) and holds(model, small) and not holds(model, tiny)
    else:                                                  # the tariff was cut: no quota opened
        assert quota_market(model, "JPN", "rice") is None
        assert not holds(model, opens) and not holds(model, small)


def _headline(kind: str, **fields) -> HeadlineSpec:
    return HeadlineSpec(claim="test", kind=kind, params=tuple(fields.items()))
