"""The welfare account (tppgame.game.welfare) and its data file (tppgame.game.economy).

Hand-checkable values per term, the account's identities, hypothesis properties, the data file's
figures, and bad data getting the usual one-line error.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import tppgame.game.economy as economy_module
from tppgame.cli import main
from tppgame.game.calibration import load_calibration
from tppgame.game.economy import ECONOMY_FILE, Economy, gravity_flows, great_circle_km, load_economy
from tppgame.game.welfare import (TERMS, baseline_tariffs, erosion_loss, exporter_surplus, harberger, rival_gap,
                                  trade_response, welfare)
from tppgame.model import TPPModel


def tiny(trade: np.ndarray, tariff: np.ndarray, *, eps: float = 2.0, sigma: float = 4.0, rent: float = 0.0,
         coverage: np.ndarray | None = None) -> Economy:
    """An economy of ``n`` countries and ``s`` sectors with the given trade [i, j, s] and tariffs [j, s]."""
    n, _, s = trade.shape
    return Economy(tuple(f"C{k}" for k in range(n)), tuple(f"s{k}" for k in range(s)), trade, tariff,
                   np.ones((n, s)) if coverage is None else coverage, np.full(s, eps), np.full(s, sigma), rent,
                   np.full(n, 1000.0), {})


# ------------------------------------------------------------------ each term by hand
def test_the_triangle_a_full_cut_removes():
    # eps = 2, M = 100, tau = 0.5: 1/2 * 2 * 100 * 0.25 = 25
    assert harberger(np.array(100.0), np.array(0.5), np.array(0.0), np.array(2.0)) == pytest.approx(25.0)
    # half the cut removes 1/2 * 2 * 100 * (0.25 - 0.0625) = 18.75: the first half of a cut is worth more
    assert harberger(np.array(100.0), np.array(0.5), np.array(0.25), np.array(2.0)) == pytest.approx(18.75)


def test_one_exporters_margin_gain():
    # X = 100, a cut of 10 points, k = 1, a third of the cut to the exporter: 1/3 * 0.1 * 100 * (1 + 0.05) = 3.5
    gain = exporter_surplus(np.array(100.0), np.array(0.1), np.array(1.0), 1 / 3)
    assert gain == pytest.approx(3.5)


def test_one_diversion_loss():
    # X = 50, rivals 10 points ahead, sigma = 4, rent share 1/2: exports fall by 4 * 0.5 * 0.1 = 20%,
    # price by 5 points: 0.5 * 0.1 * 50 * (1 - 0.2 / 2) = 2.25
    assert erosion_loss(np.array(50.0), np.array(0.1), np.array(4.0), 0.5) == pytest.approx(2.25)
    # a gap so large that the exports would vanish: the loss is half the rectangle, never more
    assert erosion_loss(np.array(50.0), np.array(2.0), np.array(4.0), 0.5) == pytest.approx(0.5 * 2.0 * 50 * 0.5)


def test_rival_gap_is_against_the_trade_weighted_rivals():
    # one market, three suppliers with 10, 30 and 60 of trade; cuts 0, 0.2 and 0.1
    trade = np.array([10.0, 30.0, 60.0])[:, None, None]
    cut = np.array([0.0, 0.2, 0.1])[:, None, None]
    gap = rival_gap(trade, cut)[:, 0, 0]
    # supplier 0: rivals' average (30*0.2 + 60*0.1)/90 = 0.1333; supplier 1: (0 + 6)/70 = 0.0857 < 0.2: no gap;
    # supplier 2: (0 + 6)/40 = 0.15, 0.05 above its own 0.1
    assert gap == pytest.approx([12 / 90, 0.0, 0.05])


def test_agreements_in_force_lower_the_tariff_a_partner_faced():
    tariff = np.array([[0.0], [0.4]])
    fta = np.array([[False, True], [True, False]])
    t0 = baseline_tariffs(tariff, np.array([[1.0], [0.25]]), fta)
    assert t0[0, 1, 0] == pytest.approx(0.4 * 0.75)    # 0 exports to 1, whose agreement covers a quarter
    assert baseline_tariffs(tariff, np.ones((2, 1)), np.zeros((2, 2)))[0, 1, 0] == pytest.approx(0.4)


# ------------------------------------------------------------------ the whole account
def three_countries() -> tuple[Economy, np.ndarray]:
    trade = np.zeros((3, 3, 1))
    trade[0, 2, 0], trade[1, 2, 0] = 100.0, 50.0        # 0 and 1 both sell to 2
    return tiny(trade, np.array([[0.0], [0.0], [0.5]]), eps=2.0, rent=0.25), np.zeros((3, 3), dtype=bool)


def test_a_preference_for_one_exporter_by_hand():
    economy, fta = three_countries()
    access = np.zeros((3, 3, 1))
    access[0, 2, 0] = 1.0                               # 2 removes its 50% tariff for 0 only
    account = welfare(economy, access, fta)
    k = (1 - 0.25) * 2.0 / (1 + 0.5)                   # the buyer's price falls by 0.375 of 1.5: imports by k d
    assert account.exports[0] == pytest.approx(0.25 * 0.5 * 100 * (1 + 0.5 * k * 0.5))
    assert account.erosion[1] == pytest.approx(-0.25 * 0.5 * 50 * (1 - 0.5 * min(1.0, 4 * 0.75 * 0.5)))
    assert account.efficiency[2] == pytest.approx(0.5 * k * 100 * 0.25)
    assert account.terms_of_trade[2] == pytest.approx(-account.exports[0])
    assert account.total == pytest.approx([account.exports[0], account.erosion[1],
                                           account.efficiency[2] + account.terms_of_trade[2]])
    assert account.percent_gdp == pytest.approx(account.total / 1000 * 100)


def test_trade_responds_to_the_proportional_fall_of_the_buyers_price():
    """SMART's trade creation, M * eps * dt / (1 + t0): a 778% tariff's cut moves the buyer's price
    by a 8.78th of what a tariff near zero's would."""
    t0 = np.array([[[0.0, 7.78]]])
    k = trade_response(np.array([1.5, 1.5]), 1 / 3, t0)
    assert k[0, 0, 0] == pytest.approx(1.0)
    assert k[0, 0, 1] == pytest.approx(1.0 / 8.78)


def test_the_terms_sum_to_the_total_and_revenue_is_inside_efficiency():
    economy, fta = three_countries()
    access = np.zeros((3, 3, 1))
    access[:, 2, 0] = [0.3, 0.8, 0.0]
    a = welfare(economy, access, fta)
    assert a.total == pytest.approx(sum(getattr(a, term) for term in TERMS))
    assert a.consumers + a.tariff_revenue == pytest.approx(a.efficiency + a.terms_of_trade)
    assert a.exports.sum() == pytest.approx(-a.terms_of_trade.sum())


def test_nothing_changed_is_exactly_zero_in_the_real_economy():
    economy = load_economy()
    fta = TPPModel("baseline").config.params["fta"]
    a = welfare(economy, np.zeros_like(economy.trade), fta)
    for name in (*TERMS, "consumers", "tariff_revenue", "total", "percent_gdp"):
        assert (getattr(a, name) == 0.0).all(), name


@st.composite
def worlds(draw):
    n, s = draw(st.integers(2, 4)), draw(st.integers(1, 3))
    trade = draw(arrays(float, (n, n, s), elements=st.floats(0, 500)))
    trade[np.arange(n), np.arange(n), :] = 0.0
    tariff = draw(arrays(float, (n, s), elements=st.floats(0, 10)))
    access = draw(arrays(float, (n, n, s), elements=st.floats(0, 1)))
    fta = draw(arrays(bool, (n, n)))
    economy = tiny(trade, tariff, eps=draw(st.floats(0.01, 20)), sigma=draw(st.floats(0.01, 20)),
                   rent=draw(st.floats(0, 1)), coverage=draw(arrays(float, (n, s), elements=st.floats(0, 1))))
    return economy, access, fta | fta.T


@settings(max_examples=200, deadline=None)
@given(worlds())
def test_welfare_is_finite_and_its_identities_hold(world):
    economy, access, fta = world
    a = welfare(economy, access, fta)
    for name in (*TERMS, "consumers", "tariff_revenue", "total", "percent_gdp"):
        assert np.isfinite(getattr(a, name)).all(), name
    scale = 1.0 + float(np.abs(economy.trade).sum() * (1 + economy.tariff.max()) ** 2 * 20)
    assert np.allclose(a.total, sum(getattr(a, t) for t in TERMS), atol=1e-9 * scale)
    assert np.allclose(a.consumers + a.tariff_revenue, a.efficiency + a.terms_of_trade, atol=1e-9 * scale)
    assert (a.efficiency >= 0).all() and (a.erosion <= 0).all() and (a.exports >= 0).all()


@settings(max_examples=200, deadline=None)
@given(worlds(), st.floats(0, 1))
def test_a_deeper_own_cut_never_lowers_the_efficiency_term(world, extra):
    economy, access, fta = world
    deeper = access.copy()
    deeper[:, 0, :] = access[:, 0, :] + extra * (1.0 - access[:, 0, :])    # country 0 opens further to everyone
    before, after = welfare(economy, access, fta), welfare(economy, deeper, fta)
    assert after.efficiency[0] >= before.efficiency[0] - 1e-9 * (1 + before.efficiency[0])


@settings(max_examples=100, deadline=None)
@given(worlds())
def test_no_access_no_welfare(world):
    economy, access, fta = world
    a = welfare(economy, np.zeros_like(access), fta)
    assert not a.total.any() and not a.tariff_revenue.any() and not a.erosion.any()


@settings(max_examples=50, deadline=None)
@given(worlds(), st.integers(1, 4), st.data())
def test_many_candidate_worlds_at_once_give_each_ones_account(world, count, data):
    economy, access, fta = world
    stack = data.draw(arrays(float, (count, *access.shape), elements=st.floats(0, 1)))
    together = welfare(economy, stack, fta)
    for k in range(count):
        alone = welfare(economy, stack[k], fta)
        for name in (*TERMS, "consumers", "tariff_revenue", "total", "percent_gdp"):
            assert np.allclose(getattr(together, name)[k], getattr(alone, name), rtol=1e-12, atol=1e-9), name


# ------------------------------------------------------------------ the data file
def test_the_data_file_loads_with_an_origin_for_every_figure():
    economy = load_economy()
    assert economy.trade.shape == (12, 12, 13) and np.isfinite(economy.trade).all() and (economy.trade >= 0).all()
    i, j, beef = economy.countries.index("USA"), economy.countries.index("JPN"), economy.sectors.index("beef")
    assert economy.trade[i, j, beef] == pytest.approx(1.389)                 # sourced: Agri-Pulse, 2013
    goods, services = economy.trade[i, j, :10], economy.trade[i, j, economy.sectors.index("services")]
    assert goods.sum() <= 65.206 + 1e-9                                      # within the sourced pair total
    # the services chapter: the goods pair total times the US's services exports per dollar of goods, 2013
    assert services == pytest.approx(65.206 * 700.487 / 1593.708, rel=1e-3)
    assert economy.tariff[j, economy.sectors.index("rice")] == pytest.approx(7.78)
    assert economy.figure_sources["tariffs.JPN.rice"] == "jt_2005_rice_778"
    assert economy.figure_sources["elasticities.rent_share"] == "olarreaga_ozden_2005"
    assert all(origin for origin in economy.figure_sources.values())


def test_canada_japan_trade_is_statistics_canadas_2013_figure_in_us_dollars():
    # Canada's 2013 exports to Japan: C$10.9 bn (Statistics Canada, The Daily, 2 Apr 2015) at the
    # 2013 average of C$1.0300 per US$ = US$10.583 bn; Canada's wheat share of its exports (1.5%)
    # makes its wheat exports to Japan 0.015 * 10.583 = US$0.159 bn
    economy = load_economy()
    code = economy.countries.index
    assert economy.figure_sources["trade.flows.CAN_JPN"] == "statcan_2015_partners"
    assert 10.9 / 1.0300 == pytest.approx(10.583, abs=5e-4)
    assert economy.trade[code("CAN"), code("JPN"), economy.sectors.index("wheat")] == pytest.approx(0.015 * 10.583)
    # Vietnam's 2013 exports to the US, from US Census's 2014 figure (US$30.6 bn, up 24%): US$24.677 bn
    assert economy.figure_sources["trade.flows.VNM_USA"] == "vir_2015_vn_us"
    # and its textile share of exports, 15.4% (Ministry of Industry and Trade), applies to that total
    textiles = economy.sectors.index("textiles")
    assert economy.trade[code("VNM"), code("USA"), textiles] == pytest.approx(0.154 * 24.677)


def test_applied_tariffs_read_as_their_sources_state_them():
    economy = load_economy()
    code, sector = economy.countries.index, economy.sectors.index
    # Chile's virtually uniform 6% (WTO Trade Policy Review 2009), wheat under its price band at 0%
    assert economy.tariff[code("CHL"), sector("beef")] == 0.06 and economy.tariff[code("CHL"), sector("wheat")] == 0.0
    assert economy.figure_sources["tariffs.CHL.autos"] == "wto_tpr_chile_2009"
    # Malaysia's 30% on completely built-up cars (Malaysian Automotive Association); Singapore levies none
    assert economy.tariff[code("MYS"), sector("autos")] == 0.30
    assert economy.figure_sources["tariffs.MYS.autos"] == "maa_duties"
    assert not economy.tariff[code("SGP"), :sector("services")].any()
    # its services restrictions are a tariff equivalent (the services chapter): the OECD STRI's, a method
    assert economy.tariff[code("SGP"), sector("services")] > 0
    assert economy.figure_sources["tariffs.SGP.services"].startswith("method")
    # Vietnam's boneless beef at 14% after its WTO accession cut from 20%
    assert economy.tariff[code("VNM"), sector("beef")] == 0.14


def test_sector_shares_read_as_their_sources_state_them():
    economy = load_economy()
    code, sector = economy.countries.index, economy.sectors.index
    # Chile's 2013 pork exports, US$507 m (ASPROCER), of its US$77.37 bn exports (Central Bank), applied
    # to the US$9.4 bn the US imported from Chile
    assert economy.trade[code("CHL"), code("USA"), sector("pork")] == pytest.approx(0.507 / 77.37 * 9.4, rel=1e-3)
    # US dairy exports of US$6.7 bn (US Dairy Export Council) over US$1,579.6 bn of US exports (USITC)
    assert economy.figure_sources["trade.sector_shares.USA.dairy"] == "usdec_2014_dairy"
    assert economy.trade[code("USA"), code("CAN"), sector("dairy")] == pytest.approx(6.7 / 1579.6 * 300.2, rel=1e-3)
    # copper is not a game sector: Chile's listed shares leave most of its exports outside the account
    assert economy.trade[code("CHL"), code("USA"), :sector("services")].sum() < 0.05 * 9.4


def test_a_japan_australia_beef_cut_erodes_us_beef_in_japan():
    economy = load_economy()
    fta = TPPModel("baseline").config.params["fta"]
    code = economy.countries.index
    access = np.zeros_like(economy.trade)
    access[code("AUS"), code("JPN"), economy.sectors.index("beef")] = 0.5     # Japan halves its beef tariff for Australia
    a = welfare(economy, access, fta)
    assert a.exports[code("AUS")] > 0 and a.efficiency[code("JPN")] > 0
    assert a.erosion[code("USA")] < 0 and a.erosion[code("NZL")] < 0 and a.erosion[code("AUS")] == 0
    assert a.exports[code("AUS")] == pytest.approx(-a.terms_of_trade[code("JPN")])


def test_gravity_is_fitted_to_the_sourced_pairs():
    lat_lon = np.array([[0.0, 0.0], [0.0, 90.0], [0.0, 180.0]])
    d = great_circle_km(lat_lon)
    assert d[0, 1] == pytest.approx(np.pi / 2 * 6371.0) and d[0, 2] == pytest.approx(np.pi * 6371.0)
    observed = np.full((3, 3), np.nan)
    observed[0, 1] = 2 * 10 * 20 / d[0, 1]                                   # twice what G = 1 predicts
    flows = gravity_flows(np.array([10.0, 20.0, 30.0]), d, observed)
    assert flows[0, 1] == pytest.approx(observed[0, 1])
    assert flows[1, 2] == pytest.approx(2 * 20 * 30 / d[1, 2]) and flows[2, 2] == 0.0


def test_summary_and_rounds_carry_the_welfare(tmp_path, capsys):
    assert main(["--quiet", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Welfare" in out and "%GDP" in out
    summary = json.loads((tmp_path / "summary.json").read_text())
    for c in summary["countries"].values():
        w = c["welfare"]
        terms = sum(w[f"{t}_usd_m"] for t in TERMS)
        assert w["total_usd_m"] == pytest.approx(terms, abs=0.01)
    assert "package_welfare_pct_gdp" in (tmp_path / "rounds.csv").read_text().splitlines()[0]


# ------------------------------------------------------------------ bad data
BAD = [
    # a nested table named in full, not by its last key alone
    ("[trade.gravity]\n", "[trade.gravity_estimate]\n", "trade.gravity: expected a table"),
    ('rice = { value = 7.78, source = "jt_2005_rice_778"', 'rice = { value = 12.0, source = "jt_2005_rice_778"',
     "tariffs.JPN.rice.value: expected a number from 0 to 10, got 12.0"),
    ('rice = { value = 7.78, source = "jt_2005_rice_778"', 'rice = { value = 7.78, source = "nowhere"',
     "tariffs.JPN.rice.source: expected an id defined in [sources]"),
    ('wheat = { value = 4.0, source = "simonovska_waugh_2014" }', 'wheat = { value = 4.0 }',
     "elasticities.substitution.wheat: expected exactly one of source, judgment or method"),
    ('rent_share = { value = 0.333,', 'rent_share = { value = 1.5,',
     "elasticities.rent_share.value: expected a number from 0 to 1, got 1.5"),
    ('wheat = { value = 1.5, source = "wits', 'wheat = { value = -1.5, source = "wits',
     "elasticities.import_demand.wheat.value: expected a number from 1e-06 to 20, got -1.5"),
    ('[tariffs.BRN]', '[tariffs.XYZ]', "tariffs.XYZ: expected a country code"),
    ('USA_JPN_beef = {', 'USA_JPN_steel = {', "trade.sector_flows.USA_JPN_steel: expected EXPORTER_IMPORTER_SECTOR"),
    ('[trade.sector_shares]\nmethod = "', '[trade.sector_shares]\nnote = "',
     "trade.sector_shares.method: expected a text stating how sector shares make flows"),
]


@pytest.mark.parametrize("old, new, message", BAD)
def test_bad_data_names_the_file_the_setting_and_what_was_expected(bad_data, old, new, message):
    bad_data(load_economy, ECONOMY_FILE, old, new, message)


def test_bad_data_stops_the_command_line_with_one_line_and_exit_2(tmp_path, capsys, monkeypatch, edited_copy):
    old, new, message = BAD[0]
    monkeypatch.setattr(economy_module, "ECONOMY_FILE", edited_copy(ECONOMY_FILE, old, new))
    assert main(["--quiet", "--out", str(tmp_path / "out")]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and message in captured.err and captured.err.startswith("error: ")
    assert not (tmp_path / "out").exists()                                   # nothing half-written


def test_the_origin_counts_the_welfare_page_states():
    # docs/explanation/welfare.md's table: how many figures are sourced, a method or a judgment
    origins = load_economy().figure_sources
    chapters = load_calibration().chapters

    def count(prefix: str, kind: str, services: bool = False, chapter: str | None = None) -> int:
        """Figures under ``prefix`` of origin ``kind``: the core sectors', the services chapter's
        (``services``) or another chapter's (``chapter``)."""
        name = "services" if services else chapter
        return sum(1 for path, origin in origins.items() if path.startswith(prefix)
                   and (path.endswith(f".{name}") if name else path.rsplit(".", 1)[-1] not in chapters)
                   and (origin.startswith(f"{kind}:") if kind != "source" else ":" not in origin))

    assert (count("trade.flows.", "source"), count("trade.flows.", "method")) == (18, 6)   # 108 pairs left to gravity
    assert (count("trade.sector_shares.", "source"), count("trade.sector_shares.", "judgment")) == (12, 46)
    assert (count("tariffs.", "source"), count("tariffs.", "method"), count("tariffs.", "judgment")) == (45, 12, 63)
    # the services chapter: sourced export ratios, tariff equivalents and output by a stated method
    assert count("trade.sector_shares.", "source", True) == count("tariffs.", "method", True) == 12
    assert count("output.", "method", True) == count("agreement_coverage.", "source", True) == 12
    # procurement: exports and output by a stated method, the US's Buy American margin sourced
    assert count("trade.sector_shares.", "method", chapter="procurement") == 12
    assert (count("tariffs.", "source", chapter="procurement"), count("tariffs.", "judgment", chapter="procurement")) \
        == (1, 11)
    assert count("output.", "method", chapter="procurement") == 12
    assert [count("agreement_coverage.", k, chapter="procurement") for k in ("source", "method", "judgment")] \
        == [1, 9, 2]
    # SOEs: exports a judgment, the tariff equivalent and output a stated method, no coverage (judgments)
    assert count("trade.sector_shares.", "judgment", chapter="soe") == count("agreement_coverage.", "judgment",
                                                                             chapter="soe") == 12
    assert count("tariffs.", "method", chapter="soe") == count("output.", "method", chapter="soe") == 12
