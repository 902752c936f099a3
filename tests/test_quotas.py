"""Tariff-rate quotas and phase-outs (tppgame.game.quotas) and their data file (data/quotas.toml).

Hand-checkable values (a quota's rent, a binding quota's account, a phase-out's present value),
hypothesis invariants (rent >= 0, a bigger quota never lowers an exporter's access, nothing
changed gives zero, the account's identities), the data's figures and bad data's one-line errors.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tppgame.game.economy import Economy
from tppgame.game.quotas import (
    QUOTAS_FILE,
    access_value,
    add_accounts,
    linear_phase_out_factor,
    load_quotas,
    phase_out_factor,
    quota_account,
    quota_fill,
    quota_rent,
    rent_split,
    staged_present_value,
    trq_account,
)
from tppgame.game.welfare import TERMS, WelfareAccount, welfare

BN = 1e-9


# ------------------------------------------------------------------ by hand
def test_a_quotas_rent_is_quantity_times_the_wedge():
    # 1,000 t x (US$2,000 - US$500)/t = US$1.5 m
    assert quota_rent(1000.0, 2000.0, 500.0) == pytest.approx(1.5e6)
    assert quota_rent(1000.0, 400.0, 500.0) == 0.0                       # no wedge, no rent
    exporter, importer = rent_split(1.5e6, 0.2)                          # a state trader keeps 80%
    assert (exporter, importer) == (pytest.approx(0.3e6), pytest.approx(1.2e6))


def market(**overrides):
    """One market by hand: importer 2, domestic price 100, in-quota price 50, consumption 1,000 t,
    elasticity 1 (slope 10 t per US$), exporter share 1/2; exporter 0 holds 100 t, exporter 1 gets 200 t."""
    args = {"domestic_price": 100.0, "in_quota_price": 50.0, "consumption": 1000.0, "elasticity": 1.0,
            "exporter_share": 0.5}
    args.update(overrides)
    return trq_account(2, np.array([100.0, 0.0, 0.0]), np.array([100.0, 200.0, 0.0]), **args)


def test_a_binding_quota_by_hand():
    a = market()
    # 200 t more imports lower the price by 200 / 10 = US$20: the wedge falls from 50 to 30
    assert a.exports / BN == pytest.approx([0.0, 0.5 * 200 * 30, 0.0])          # 3,000
    assert a.erosion / BN == pytest.approx([-0.5 * 100 * 20, 0.0, 0.0])         # -1,000
    assert a.efficiency / BN == pytest.approx([0.0, 0.0, 200 * (50 - 20 / 2)])  # the trapezoid, 8,000
    assert a.terms_of_trade / BN == pytest.approx([0.0, 0.0, -(3000 - 1000)])   # the rent share abroad
    assert a.consumers / BN == pytest.approx([0.0, 0.0, 20 * (100 + 200 / 2)])  # 4,000
    assert a.tariff_revenue / BN == pytest.approx([0.0, 0.0, 0.5 * (200 * 30 - 100 * 20)])
    assert a.consumers + a.tariff_revenue == pytest.approx(a.efficiency + a.terms_of_trade)
    assert a.total == pytest.approx(sum(getattr(a, t) for t in TERMS))


def test_a_quota_fills_only_until_the_price_meets_the_in_quota_price():
    fill = quota_fill(np.zeros(3), np.array([600.0, 400.0, 0.0]), domestic_price=100.0, in_quota_price=50.0,
                      consumption=1000.0, elasticity=1.0)
    # at most 10 t/US$ x US$50 = 500 t more imports; each exporter fills half its increase
    assert fill.extra_imports == pytest.approx(500.0) and fill.price_fall == pytest.approx(50.0)
    assert fill.filled == pytest.approx([300.0, 200.0, 0.0])
    assert access_value(np.zeros(3), fill, 50.0) == pytest.approx([15000.0, 10000.0, 0.0])


def test_a_quota_that_only_displaces_over_quota_imports_gains_no_efficiency():
    a = market(over_quota=300.0)
    assert a.efficiency[2] == 0.0 and a.consumers[2] == 0.0 and a.erosion[0] == 0.0
    # the 200 t now pay the in-quota tariff: the treasury loses the wedge on them, the exporter gets half
    assert a.exports[1] / BN == pytest.approx(0.5 * 200 * 50)
    assert a.tariff_revenue[2] / BN == pytest.approx(0.5 * 200 * 50 - 200 * 50)
    assert a.total[2] == pytest.approx(-a.exports[1])


def test_a_phase_outs_present_value():
    # equal cuts over two years at 5%: half the cut in year 1, all from year 2: 0.5 + 0.5 / 1.05
    assert linear_phase_out_factor(2, 0.05) == pytest.approx(0.5 + 0.5 / 1.05)
    assert linear_phase_out_factor(1, 0.05) == pytest.approx(1.0)                # at once
    # a cut made whole in year 30 and nothing before: worth 1.07^-29 of a cut now
    assert phase_out_factor(np.array([29.0, 30.0]), np.array([0.0, 1.0]), 0.07) == pytest.approx(1.07**-29)
    # US$1 a year from year 1 on, at 5%: 1.05 / 0.05 = 21
    assert staged_present_value(1.0, np.array([0.0, 1.0]), np.array([0.0, 1.0]), 0.05) == pytest.approx(21.0)


# ------------------------------------------------------------------ invariants
@st.composite
def quota_markets(draw):
    n = draw(st.integers(2, 4))
    before = draw(arrays(float, n, elements=st.floats(0, 1e6)))
    after = before + draw(arrays(float, n, elements=st.floats(0, 1e6)))
    importer = draw(st.integers(0, n - 1))
    before[importer] = after[importer] = 0.0
    p_in = draw(st.floats(0, 5000))
    kwargs = {"domestic_price": p_in + draw(st.floats(0, 5000)), "in_quota_price": p_in,
              "consumption": draw(st.floats(0, 1e8)), "elasticity": draw(st.floats(1e-3, 20)),
              "exporter_share": draw(st.floats(0, 1)), "other_quota": draw(st.floats(0, 1e6)),
              "over_quota": draw(st.floats(0, 1e6))}
    return importer, before, after, kwargs


@settings(max_examples=200, deadline=None)
@given(quota_markets())
def test_the_accounts_identities_hold_and_nothing_changed_is_zero(world):
    importer, before, after, kwargs = world
    a = trq_account(importer, before, after, **kwargs)
    scale = 1.0 + float(after.sum() + kwargs["other_quota"] + kwargs["over_quota"]) * kwargs["domestic_price"] * BN
    for f in fields(WelfareAccount):
        assert np.isfinite(getattr(a, f.name)).all()
    assert a.total == pytest.approx(sum(getattr(a, t) for t in TERMS), abs=1e-9 * scale)
    assert a.consumers + a.tariff_revenue == pytest.approx(a.efficiency + a.terms_of_trade, abs=1e-9 * scale)
    assert (a.efficiency >= 0).all() and (a.exports >= 0).all() and (a.erosion <= 0).all()
    still = trq_account(importer, before, before, **kwargs)
    for f in fields(WelfareAccount):
        assert (getattr(still, f.name) == 0.0).all(), f.name


@settings(max_examples=200, deadline=None)
@given(quota_markets(), st.floats(0, 1e6), st.data())
def test_a_bigger_quota_never_lowers_an_exporters_access(world, more, data):
    importer, before, after, kwargs = world
    k = data.draw(st.sampled_from([i for i in range(len(before)) if i != importer]))
    bigger = after.copy()
    bigger[k] += more
    market_args = {key: kwargs[key] for key in ("domestic_price", "in_quota_price", "consumption", "elasticity",
                                                "over_quota")}
    small = access_value(before, quota_fill(before, after, **market_args), kwargs["in_quota_price"])
    large = access_value(before, quota_fill(before, bigger, **market_args), kwargs["in_quota_price"])
    assert large[k] >= small[k] - 1e-9 * (1 + small[k])
    assert (quota_rent(after, kwargs["domestic_price"], kwargs["in_quota_price"]) >= 0).all()


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 40), st.integers(0, 20), st.floats(1e-3, 0.5))
def test_a_longer_phase_out_is_never_worth_more(years, longer, rate):
    assert linear_phase_out_factor(years + longer, rate) <= linear_phase_out_factor(years, rate) + 1e-12
    assert 0.0 < linear_phase_out_factor(years, rate) <= 1.0


def test_a_quotas_account_adds_into_the_tariff_account():
    trade = np.zeros((3, 3, 1))
    trade[0, 2, 0] = 100.0
    economy = Economy(("A", "B", "C"), ("s",), trade, np.array([[0.0], [0.0], [0.5]]), np.ones((3, 1)),
                      np.full(1, 2.0), np.full(1, 4.0), 0.25, np.full(3, 1000.0), {})
    access = np.zeros((3, 3, 1))
    access[0, 2, 0] = 0.5
    tariff = welfare(economy, access, np.zeros((3, 3), dtype=bool))
    quota = market(gdp=np.full(3, 1000.0))
    both = add_accounts(tariff, quota)
    assert both.total == pytest.approx(tariff.total + quota.total)
    assert both.total == pytest.approx(sum(getattr(both, t) for t in TERMS))
    assert both.consumers + both.tariff_revenue == pytest.approx(both.efficiency + both.terms_of_trade)
    assert both.percent_gdp == pytest.approx(100 * both.total / 1000.0)


# ------------------------------------------------------------------ the data
def test_the_data_holds_the_historical_quotas_and_phase_outs():
    data = load_quotas()
    rice = data.quotas["JPN", "rice"]
    countries = ("USA", "JPN", "CAN", "MEX", "AUS", "NZL", "CHL", "PER", "SGP", "MYS", "VNM", "BRN")
    assert rice.after[countries.index("USA")] == 70000.0 and rice.after[countries.index("AUS")] == 8400.0
    assert rice.years_to_full[countries.index("USA")] == 13.0 and rice.over_quota_tariff == pytest.approx(7.78)
    dairy = data.quotas["CAN", "dairy"]
    assert dairy.after.sum() == pytest.approx(0.0325 * 8.5e6)          # 3.25% of the market, split by trade
    assert dairy.after[countries.index("CAN")] == 0.0 and dairy.exporter_share < 0.5
    assert data.figure_sources["quotas.JPN.rice.USA.after"] == "jt_2015_gist"
    assert data.discount_rate == 0.07 and data.figure_sources["discount.rate"] == "omb_a94"
    # the US phases out its car tariff slowly: worth well under half a cut at once, trucks less still
    assert data.factor("usa_light_trucks_from_japan") < data.factor("usa_cars_from_japan") < 0.5
    assert data.factor("can_cars_from_japan") > 0.8
    # the rice quota starts at 50,000 t and reaches 70,000 t in year 13: 5/7 of it at once
    years, shares = rice.phase_in(countries.index("USA"))
    assert list(years) == [1.0, 13.0] and shares == pytest.approx([50 / 70, 1.0])
    assert 50 / 70 < phase_out_factor(years, shares, data.discount_rate) < 1.0


def test_the_rice_quotas_account():
    data = load_quotas()
    a = quota_account(data.quotas["JPN", "rice"])
    usa, jpn, aus = 0, 1, 4
    assert a.exports[usa] > a.exports[aus] > 0.0                     # 70,000 t against 8,400 t
    assert a.efficiency[jpn] > 0.0                                     # the quota binds: imports rise
    assert a.terms_of_trade[jpn] < 0.0 and a.total[jpn] > 0.0
    assert a.total.sum() == pytest.approx(a.efficiency[jpn] + a.terms_of_trade[jpn] + a.exports.sum()
                                          + a.erosion.sum())


def test_who_keeps_the_rent_depends_on_the_allocation():
    data = load_quotas()
    usa, jpn, aus = 0, 1, 4
    sugar = quota_account(data.quotas["USA", "sugar"])            # country allocations: exporters keep it
    rice = quota_account(data.quotas["JPN", "rice"])              # state trading: the state keeps most
    assert data.quotas["USA", "sugar"].before[aus] == 87402.0 and data.quotas["USA", "sugar"].after[aus] == 152402.0
    # the change in the importer's quota rents falls 90:10 on exporters and at home for sugar, 20:80 for rice
    assert sugar.terms_of_trade[usa] == pytest.approx(-0.9 / 0.1 * sugar.tariff_revenue[usa])
    assert rice.terms_of_trade[jpn] == pytest.approx(-0.2 / 0.8 * rice.tariff_revenue[jpn])
    # a larger Australian allocation lowers the price and so the rent on the rest of the US quota:
    # the US gains from its suppliers' lost rents, Australia's rent grows on net
    assert sugar.terms_of_trade[usa] > 0 and sugar.exports[aus] + sugar.erosion[aus] > 0
    assert sugar.exports[aus] > 0


def test_a_quotas_account_over_a_scenarios_countries():
    rice = load_quotas().quotas["JPN", "rice"]
    whole = quota_account(rice)
    without_australia = quota_account(rice, countries=("JPN", "USA", "CAN"))
    # Australia's tonnes are out of the talks: the US quota alone lowers the price less
    assert without_australia.exports[1] > whole.exports[0] > 0
    assert without_australia.efficiency[0] < whole.efficiency[1]
    with pytest.raises(ValueError, match="JPN"):
        quota_account(rice, countries=("USA", "AUS"))


# ------------------------------------------------------------------ bad data
BAD = [
    ('after = { value = 70000.0,', 'after = { value = -5.0,', "quotas.JPN.rice.USA.after.value: expected a number from 0"),
    ('[quotas.JPN.rice.AUS]\nbefore = { value = 0.0,', '[quotas.JPN.rice.AUS]\nbefore = { value = 9000.0,',
     "quotas.JPN.rice.AUS.first_year: expected tonnes from before (9000) up to after (8400), got 6000.0"),
    ('first_year = { value = 50000.0,', 'first_year = { value = 90000.0,',
     "quotas.JPN.rice.USA.first_year: expected tonnes from before (0) up to after (70000), got 90000.0"),
    ('domestic_price = { value = 780.0,', 'domestic_price = { value = 1500.0,',
     "quotas.CAN.dairy.domestic_price.value: expected a price no higher than the over-quota tariff allows (1400)"),
    ('exporter_share = { value = 0.2,', 'exporter_share = { value = 1.5,',
     "quotas.JPN.rice.exporter_share.value: expected a number from 0 to 1, got 1.5"),
    ('in_quota_tariff = { value = 0.0, source = "jt_2015_gist"', 'in_quota_tariff = { value = 0.0, source = "nowhere"',
     "quotas.JPN.rice.in_quota_tariff.source: expected an id defined in [sources]"),
    ('[quotas.JPN.rice.AUS]', '[quotas.JPN.rice.XYZ]', "quotas.JPN.rice.XYZ: expected a country code"),
    ('shares = { value = [0.0, 0.5, 1.0],', 'shares = { value = [0.0, 1.0],',
     "phase_outs.usa_cars_from_japan.shares: expected a list as long as years"),
    ('sector = "autos"', 'sector = "steel"', "phase_outs.usa_cars_from_japan.sector: expected a sector"),
    ('allocation = "state trading', 'allocation_note = "state trading', "quotas.JPN.rice.allocation: expected a non-empty text"),
    ('split = "method:', 'splitting = "method:', "quotas.CAN.dairy.TPP.split: expected a non-empty text"),
    ('ask = { value = 174804.0,', 'ask = { value = 80000.0,',
     "quotas.USA.sugar.AUS.ask: expected tonnes from before (87402) up, got 80000.0"),
    ('ask = { value = 175000.0, source = "jiji_2015_rice_quota",', 'ask = { value = 175000.0,',
     "quotas.JPN.rice.USA.ask: expected exactly one of source, judgment or method"),
]


@pytest.mark.parametrize("old, new, message", BAD)
def test_bad_data_names_the_file_the_setting_and_what_was_expected(bad_data, old, new, message):
    bad_data(load_quotas, QUOTAS_FILE, old, new, message)
