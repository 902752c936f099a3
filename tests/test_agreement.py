"""The plurilateral check and the entry-into-force rules, with GDP figures a reader can check."""

import numpy as np
import pytest

from tppgame import TPPModel
from tppgame.game import plurilateral
from tppgame.game.agreement import RestOfGroup, assemble_package, entry_into_force, extend_package, gdp_share
from tppgame.game.plurilateral import Plurilateral
from tppgame.game.scenario import EntryRule, load_scenario
from tppgame.game.side_deals import ClosedDeal, fixed_terms, side_deal_access

TPP = EntryRule("tpp", 6, 0.85)
CPTPP = EntryRule("cptpp", 6, 0.0, signatory_fraction=0.5)


@pytest.fixture(scope="module")
def world():
    scenario = load_scenario("baseline")
    return scenario.countries, scenario.params["gdp"]


def mask(countries, codes):
    return np.array([c in codes for c in countries])


def test_gdp_share_of_all_twelve_is_one(world):
    countries, gdp = world
    everyone = np.ones(len(countries), dtype=bool)
    assert gdp_share(everyone, everyone, gdp) == pytest.approx(1.0)


def test_us_alone_holds_about_60_percent_of_2013_gdp(world):
    """World Bank 2013 GDP (datasets/gdp 1f0eaba): US 16,768.1 of 27,819.4 bn US$ (Aug-2015 vintage) = 60.27%."""
    countries, gdp = world
    everyone = np.ones(len(countries), dtype=bool)
    assert gdp_share(mask(countries, {"USA"}), everyone, gdp) == pytest.approx(0.6027, abs=0.0005)


def test_eleven_without_the_us_cannot_enter_into_force_under_the_tpp_rule(world):
    countries, gdp = world
    original = np.ones(len(countries), dtype=bool)
    eleven = mask(countries, set(countries) - {"USA"})
    assert gdp_share(eleven, original, gdp) == pytest.approx(0.3973, abs=0.001)
    assert not entry_into_force(TPP, eleven, original, gdp)


def test_eleven_without_japan_cannot_enter_into_force_either(world):
    """Japan's 17.7% is more than the 15% that blocks: in effect a veto."""
    countries, gdp = world
    original = np.ones(len(countries), dtype=bool)
    assert not entry_into_force(TPP, mask(countries, set(countries) - {"JPN"}), original, gdp)


def test_canada_australia_mexico_together_block_but_two_of_them_do_not(world):
    """Computed from the same GDP: CA+AU = 12.22% cannot block, CA+AU+MX = 16.76% can."""
    countries, gdp = world
    original = np.ones(len(countries), dtype=bool)
    assert entry_into_force(TPP, mask(countries, set(countries) - {"CAN", "AUS"}), original, gdp)
    assert not entry_into_force(TPP, mask(countries, set(countries) - {"CAN", "AUS", "MEX"}), original, gdp)


def test_cptpp_rule_needs_six_ratifications_and_no_gdp(world):
    countries, gdp = world
    eleven = mask(countries, set(countries) - {"USA"})
    six_small = mask(countries, {"NZL", "CHL", "PER", "SGP", "VNM", "BRN"})
    five = mask(countries, {"NZL", "CHL", "PER", "SGP", "VNM"})
    assert entry_into_force(CPTPP, six_small, eleven, gdp)
    assert not entry_into_force(CPTPP, five, eleven, gdp)


def test_cptpp_rule_takes_half_the_signatories_when_that_is_fewer_than_six(world):
    countries, gdp = world
    eight = mask(countries, {"NZL", "CHL", "PER", "SGP", "VNM", "BRN", "MYS", "MEX"})
    four = mask(countries, {"NZL", "CHL", "PER", "SGP"})
    assert entry_into_force(CPTPP, four, eight, gdp)


def test_package_takes_each_countrys_deepest_concession_among_the_group():
    deals = [
        ClosedDeal(0, 1, "tpp", "a-b", 1, np.array([0.2, 0.0]), np.array([0.0, 0.5])),
        ClosedDeal(0, 2, "conditional", "a-c", 2, np.array([0.4, 0.1]), np.array([0.3, 0.0])),
        ClosedDeal(1, 2, "standalone", "b-c side deal", 3, np.array([0.9, 0.9]), np.array([0.9, 0.9])),
    ]
    everyone = np.ones(3, dtype=bool)
    schedule = assemble_package(deals, everyone, 3, 2)
    assert schedule.tolist() == [[0.4, 0.1], [0.0, 0.5], [0.3, 0.0]]
    without_c = assemble_package(deals, np.array([True, True, False]), 3, 2)
    assert without_c.tolist() == [[0.2, 0.0], [0.0, 0.5], [0.0, 0.0]]


def test_a_package_brought_up_to_date_is_the_package_assembled_afresh():
    """Assembled from a game's first deals, then extended by the deals closed since, a package is the
    package of all of them assembled at once, to the bit, for the whole group and a part of it."""
    config = load_scenario("baseline")
    model = TPPModel(config, rng=2)
    while model.running:
        model.step()
    n, s = len(config.countries), len(config.sectors)
    deals = model.deals
    assert len(deals) > 10
    for group in (model.members, model.members & (np.arange(n) % 3 > 0)):
        for count in (0, 1, len(deals) // 2, len(deals)):
            early = assemble_package(deals[:count], group, n, s)
            whole = extend_package(early, deals[count:], group)
            assert whole is early and whole.tobytes() == assemble_package(deals, group, n, s).tobytes()


def test_standalone_side_deal_gives_access_to_the_partner_only():
    deal = ClosedDeal(0, 1, "standalone", "AUS-JPN", 4, np.array([0.0, 0.3]), np.array([0.5, 0.0]))
    access = side_deal_access([deal], 3, 2)
    assert access[1, 0].tolist() == [0.0, 0.3]   # b's exporters in a's market
    assert access[0, 1].tolist() == [0.5, 0.0]   # a's exporters in b's market
    assert access[2].sum() == 0 and access[:, 2].sum() == 0


def test_fixed_terms_fill_unnamed_sectors_with_zero():
    x_ab, x_ba = fixed_terms({"JPN": {"beef": 0.5}}, "AUS", "JPN", ("rice", "beef"))
    assert x_ab.tolist() == [0.0, 0.0] and x_ba.tolist() == [0.0, 0.5]


# ------------------------------------------------------------------ the rest without the hold-outs, worked out late
def _rests(model: TPPModel) -> list[tuple[int, list[str], bool]]:
    return [(c.round, c.rest, c.rest_could_conclude) for c in model.records]


def _played(name: str, seed: int) -> TPPModel:
    model = TPPModel(name, rng=seed)
    while model.running:
        model.step()
    return model


@pytest.mark.parametrize("name, seed", [("baseline", 3), ("baseline", 99), ("australia_japan_first", 1),
                                        ("us_withdrawal_cptpp", 2), ("judged_indices", 5)])
def test_the_rest_worked_out_when_the_story_reads_it_is_the_rest_the_check_saw(name, seed, monkeypatch):
    """A recorded game works out who could conclude without the hold-outs only when its story reads it,
    in the world the check saw (Plurilateral._as_it_stands): the same members and the same verdict in
    every check as working it out at once (the code before), whatever the game did since."""
    late = _played(name, seed)
    monkeypatch.setattr(Plurilateral, "_rest_later",
                        lambda self, group, holdouts: RestOfGroup(*_names(self, *self._rest(group, holdouts))))
    at_once = _played(name, seed)
    assert _rests(late) == _rests(at_once)
    assert any(c.holdouts and c.rest for c in late.records)


def _names(agreement: Plurilateral, rest: np.ndarray, could: bool) -> tuple[list[str], bool]:
    return [agreement.model.countries[i] for i in np.flatnonzero(rest)], could


def test_a_recorded_game_whose_story_nobody_reads_never_searches_for_the_rest(monkeypatch):
    """The search runs once a check's rest is read (the status line), and once only."""
    searches = []
    real = plurilateral.conclude_without
    monkeypatch.setattr(plurilateral, "conclude_without", lambda *args: searches.append(1) or real(*args))
    model = _played("baseline", 3)
    assert searches == []
    held = [c for c in model.records if c.holdouts]
    assert held and held[-1].rest_could_conclude in (True, False)
    assert len(searches) >= 1
    count = len(searches)
    again = (held[-1].rest, held[-1].rest_could_conclude, held[-2].rest)
    assert len(searches) == count + (1 if held[-2].rest_of_group is not held[-1].rest_of_group else 0)
    assert again[1] in (True, False) and isinstance(again[2], list)
