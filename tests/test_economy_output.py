"""The economy data file's 2013 domestic production by country and sector (``[output.XXX]``), read
into ``Economy.output``: what an import-competing lobby stands to lose when its price falls."""

from __future__ import annotations


import numpy as np
import pytest

from tppgame.game.economy import ECONOMY_FILE, Economy, load_economy


def test_output_is_a_country_by_sector_array_of_finite_us_dollar_billions():
    economy = load_economy()
    assert economy.output.shape == (12, 13)      # the ten sectors and the three chapters
    assert np.isfinite(economy.output).all() and (economy.output >= 0).all()
    assert all(economy.figure_sources[f"output.{c}.{s}"] for c in economy.countries for s in economy.sectors)


def test_output_figures_read_as_their_sources_state_them():
    economy = load_economy()
    code, sector = economy.countries.index, economy.sectors.index
    out = economy.output
    # MAFF's 2013 rice output, 1,780.7 bn yen, at the Federal Reserve's 2013 average of 97.60 yen per US$
    assert out[code("JPN"), sector("rice")] == pytest.approx(1780.7 / 97.60, abs=5e-4)
    assert economy.figure_sources["output.JPN.rice"] == "jacom_2014_japan_output"
    # US milk receipts, a record US$40.3 bn (NASS via Capital Press)
    assert out[code("USA"), sector("dairy")] == 40.3
    assert economy.figure_sources["output.USA.dairy"] == "capitalpress_2014_milk"
    # Mexico's auto parts: INA's 2014 production of US$81,412 m was up 5.3% on 2013
    assert out[code("MEX"), sector("auto_parts")] == pytest.approx(81.412 / 1.053, abs=5e-4)
    # Canada's 2013 hog receipts: C$4.0 bn less the C$926 m rise in 2014's first nine months, times 12/9,
    # at C$1.03 per US$
    assert out[code("CAN"), sector("pork")] == pytest.approx((4.0 - 0.926) * 12 / 9 / 1.03, abs=5e-4)
    # Japan's cars: 8.2 million (OICA) at its 2013 export unit value, 75% of US$135.5 bn over 5,843,807
    assert out[code("JPN"), sector("autos")] == pytest.approx(8.2 * 0.75 * 135.5 / 5.843807, rel=1e-4)
    # Singapore grows no rice: a zero with its reason
    assert out[code("SGP"), sector("rice")] == 0.0
    assert economy.figure_sources["output.SGP.rice"].startswith("judgment: ")


def test_the_big_lobbies_outweigh_their_rivals_where_history_says_they_did():
    economy = load_economy()
    code, sector = economy.countries.index, economy.sectors.index
    out = economy.output
    # Japan's rice is worth more than twice any other of its five sensitive farm products
    farm = [sector(name) for name in ("wheat", "beef", "pork", "dairy", "sugar")]
    assert out[code("JPN"), sector("rice")] > 2 * out[code("JPN"), farm].max()
    # New Zealand's dairy output is larger than Canada's, whose supply-managed farmers are the lobby
    assert out[code("NZL"), sector("dairy")] > out[code("CAN"), sector("dairy")] > 0
    # Vietnam's textiles are its largest sector of the ten
    assert out[code("VNM")].argmax() == sector("textiles")


def test_no_country_exports_more_of_a_sector_to_the_twelve_than_it_produces_except_re_exports():
    economy = load_economy()
    exports = economy.trade.sum(axis=1)                                   # [i, s] to the other eleven
    over = {(economy.countries[i], economy.sectors[s]) for i, s in zip(*np.nonzero(exports > economy.output + 1e-9))}
    # Singapore re-exports vehicles it does not make. The SOE chapter's exports are what any of a
    # member's firms sell where partners' SOEs buy or compete, not its own SOEs' output: not compared
    assert {pair for pair in over if pair[1] != "soe"} == {("SGP", "autos")}


def test_select_keeps_each_countrys_output_with_it():
    economy = load_economy()
    small = economy.select(("VNM", "JPN"), ("textiles", "rice"))
    assert small.output.shape == (2, 2)
    assert small.output[0, 0] == economy.output[economy.countries.index("VNM"), economy.sectors.index("textiles")]
    assert small.output[1, 1] == economy.output[economy.countries.index("JPN"), economy.sectors.index("rice")]


def test_an_economy_built_by_hand_without_output_has_none():
    trade = np.zeros((2, 2, 1))
    economy = Economy(("A", "B"), ("s",), trade, np.zeros((2, 1)), np.ones((2, 1)), np.ones(1), np.ones(1), 0.0,
                      np.ones(2), {})
    assert economy.output.shape == (2, 1) and not economy.output.any()
    assert economy.select(("B",), ("s",)).output.shape == (1, 1)


# ------------------------------------------------------------------ bad data
USA_WHEAT = 'wheat = { value = 14.4, source = "agripulse_2014_crop_values"'
BAD = [
    ('rice = { value = 0.0, judgment = "Canada grows no rice (climate)" }', 'rice = { value = 0.0 }',
     "output.CAN.rice: expected exactly one of source, judgment or method"),
    (USA_WHEAT, 'wheat = { value = -14.4, source = "agripulse_2014_crop_values"',
     "output.USA.wheat.value: expected a number from 0 to 5000, got -14.4"),
    (USA_WHEAT, 'wheat = { value = 14400.0, source = "agripulse_2014_crop_values"',
     "output.USA.wheat.value: expected a number from 0 to 5000, got 14400.0"),
    (USA_WHEAT, 'wheat = { value = 14.4, source = "usda_somewhere"',
     "output.USA.wheat.source: expected an id defined in [sources]"),
    (USA_WHEAT, 'steel = { value = 14.4, source = "agripulse_2014_crop_values"',
     "output.USA.steel: expected a sector (rice, wheat,"),
    ('[output.BRN]', '[output.XYZ]', "output.XYZ: expected a country code"),
    ('[output.NZL]\nrice = { value = 0.0, judgment = "New Zealand grows no rice (climate)" }\n', '[output.NZL]\n',
     "output.NZL.rice: expected a figure for every sector"),
    ('[output.BRN]', '[not_output.BRN]',
     "output.BRN: expected a table of 2013 production values (US$ bn), one per sector"),
]


@pytest.mark.parametrize("old, new, message", BAD)
def test_bad_output_data_names_the_file_the_setting_and_what_was_expected(bad_data, old, new, message):
    bad_data(load_economy, ECONOMY_FILE, old, new, message)

