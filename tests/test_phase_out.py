"""Phase-outs: the length each agreed concession takes, from the two-stage deal's theory
(tppgame.game.phase_out), and what the game reports of it without playing any differently."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tppgame import TPPModel
from tppgame.experiments.headlines import holds, phase_out_leads, play
from tppgame.game.fields import ScenarioError
from tppgame.game.outcome import final_access, final_phase_outs, standard_timing
from tppgame.game.phase_out import access_years, delay_share, phase_out_years, with_floor, yearly_discount
from tppgame.game.quotas import linear_phase_out_factor
from tppgame.game.scenario import load_scenario


# ------------------------------------------------------------------ by hand
def test_a_yearly_discount_is_the_per_round_patience_over_the_rounds_in_a_year():
    assert yearly_discount(0.9, 12) == pytest.approx(0.9)
    assert yearly_discount(0.81, 6) == pytest.approx(0.81**2)
    assert yearly_discount(0.97, 1) == pytest.approx(0.97**12)


def test_the_delay_share_of_equal_annual_stages():
    # over 2 years at 0.9 a year: half the cut at entry into force, all of it from year 2:
    # 0.5 + 0.5 * 0.9 = 0.95 of the cut at once
    assert delay_share(0.9, np.array([0, 1, 2])) == pytest.approx([1.0, 1.0, 0.95])
    assert delay_share(1.0, 25) == pytest.approx(1.0)           # no discount: no delay counts
    assert delay_share(0.999999999, 25) == pytest.approx(1.0, abs=1e-6)
    # the quota data's present-value factor of the same staging, at the rate 1/d - 1
    for years in (2, 5, 25):
        assert delay_share(1 / 1.07, years) == pytest.approx(linear_phase_out_factor(years, 0.07))


def test_a_case_solved_by_hand():
    # gain 1, cut 1, cost 0.5, gamma 2, yearly discount 0.9: V(T) = ((1 + 0.9 + ... + 0.9^(T-1)) - 0.5) / T,
    # V(1) = 0.5, V(2) = 0.7, V(3) = 0.7367, V(4) = 0.7348: three annual stages
    assert phase_out_years(1.0, 1.0, 0.5, 0.9, 2.0, 30) == 3
    assert phase_out_years(1.0, 1.0, 0.5, 0.9, 2.0, 2) == 2     # no longer than the schedule allows


def test_no_cut_or_no_cost_means_at_once():
    assert phase_out_years(0.0, 1.0, 0.5, 0.9, 2.0, 30) == 0            # nothing cut
    assert phase_out_years(0.7, 1.0, 0.0, 0.9, 2.0, 30) == 0            # nothing to save by spreading


def test_a_cut_nobody_gains_from_or_a_patient_exporter_is_spread_to_the_longest():
    assert phase_out_years(0.5, 0.0, 0.2, 0.9, 2.0, 30) == 30
    assert phase_out_years(0.5, 0.0, 0.2, 0.9, 2.0, 12) == 12
    assert phase_out_years(0.5, 1.0, 0.2, 1.0, 2.0, 30) == 30           # no discount: waiting costs nothing


def test_a_patient_exporter_can_get_a_shorter_phase_out_than_an_impatient_one():
    # gain 1, cut 1, cost 2 (more than the cut is worth at once), gamma 2. At 0.5 a year the
    # exporter values little beyond the first stages: V(T) = (2 (1 - 0.5^T) - 2) / T = -2 (0.5^T) / T
    # rises towards 0, so the longest. At 0.75 it values the years: (4 (1 - 0.75^T) - 2) / T is
    # 0.2102, 0.2147, 0.2094 at 5, 6, 7 years.
    assert phase_out_years(1.0, 1.0, 2.0, 0.5, 2.0, 30) == 30
    assert phase_out_years(1.0, 1.0, 2.0, 0.75, 2.0, 30) == 6


def test_arrays_are_worked_element_by_element():
    cut = np.array([[0.0, 1.0], [1.0, 0.5]])
    years = phase_out_years(cut, 1.0, np.array([0.5, 0.0]), 0.9, 2.0, 30)
    assert years.shape == (2, 2) and years.dtype.kind == "i"
    assert years.tolist() == [[0, 0], [3, 0]]


# ------------------------------------------------------------------ properties
def _oracle(cut: float, gain: float, cost: float, d: float, gamma: float, longest: int) -> list[float]:
    """The joint value of 1 to ``longest`` stages, the gain summed year by year (long enough for the
    tail to vanish)."""
    values = []
    for t in range(1, longest + 1):     # t stages; year n = 1 is entry into force
        share = sum(d ** (n - 1) * min(n / t, 1.0) for n in range(1, 2000)) * (1 - d)
        values.append(share * gain * cut - cost * cut**gamma * t ** (1 - gamma))
    return values


inputs = dict(cut=st.floats(0, 1), gain=st.floats(0, 1), cost=st.floats(0, 3),
              d=st.floats(0.05, 1.0), gamma=st.floats(1.1, 4), longest=st.integers(1, 40))


@settings(max_examples=60, deadline=None)
@given(cut=st.floats(0.01, 1), gain=st.floats(0.01, 1), cost=st.floats(0, 3), d=st.floats(0.3, 0.95),
       gamma=st.floats(1.1, 4), longest=st.integers(1, 12))
def test_the_length_chosen_is_the_best_for_the_pair(cut, gain, cost, d, gamma, longest):
    values = _oracle(cut, gain, cost, d, gamma, longest)
    chosen = int(phase_out_years(cut, gain, cost, d, gamma, longest))
    assert values[max(chosen, 1) - 1] >= max(values) - 1e-9


@settings(max_examples=200, deadline=None)
@given(**inputs)
def test_within_bounds_never_one_year_and_at_once_without_a_cut(cut, gain, cost, d, gamma, longest):
    years = int(phase_out_years(cut, gain, cost, d, gamma, longest))
    assert 0 <= years <= longest and years != 1
    assert int(phase_out_years(0.0, gain, cost, d, gamma, longest)) == 0


@settings(max_examples=200, deadline=None)
@given(**inputs, more=st.floats(0, 3))
def test_a_phase_out_never_shortens_as_the_importers_cost_rises(cut, gain, cost, d, gamma, longest, more):
    assert phase_out_years(cut, gain, cost + more, d, gamma, longest) >= phase_out_years(cut, gain, cost, d, gamma, longest)


@settings(max_examples=200, deadline=None)
@given(**inputs, more=st.floats(0, 0.99))
def test_a_more_patient_exporter_never_switches_a_phase_out_off(cut, gain, cost, d, gamma, longest, more):
    patient = d + more * (1 - d)
    if phase_out_years(cut, gain, cost, d, gamma, longest) > 0:
        assert phase_out_years(cut, gain, cost, patient, gamma, longest) > 0


# ------------------------------------------------------------------ in the game
@pytest.fixture(scope="module")
def game() -> TPPModel:
    return play(load_scenario("baseline"), 0)


def closed_deals(game: TPPModel) -> list:
    """Every deal the game closed, in the order the log has them: those in force and those reopened when
    trade promotion authority came (the baseline's US deals closed before it), by round and talk."""
    by_key = {(d.round, d.label): d for d in (*game.deals, *game.table.reopened_deals)}
    assert len(by_key) == len(game.deals) + len(game.table.reopened_deals)
    return [by_key[(e["round"], e["talk"])] for e in game.log.of_kind("deal")]


def test_every_deal_says_how_long_each_side_takes(game):
    deals = game.log.of_kind("deal")
    assert deals and game.table.reopened_deals       # the baseline's game reopens the US's early deals
    for entry, deal in zip(deals, closed_deals(game), strict=True):
        # a length for every sector a side opens, and only for those
        assert set(entry["a_years"].as_dict()) == set(entry["a_gives"].as_dict())
        assert set(entry["b_years"].as_dict()) == set(entry["b_gives"].as_dict())
        assert entry["a_years"].as_dict() == deal.years[0] and entry["b_years"].as_dict() == deal.years[1]
        assert all(0 <= v <= 30 and v != 1 for side in deal.years for v in side.values())


def test_the_event_file_holds_each_sides_lengths(game):
    events = [json.loads(line) for line in game.log.to_jsonl().splitlines()]
    deals = [e for e in events if e["kind"] == "deal"]
    assert len(deals) == len(game.deals) + len(game.table.reopened_deals)
    assert [(e["a_years"], e["b_years"]) for e in deals] == [d.years for d in closed_deals(game)]


def test_a_game_without_records_settles_no_lengths_until_asked():
    model = play(load_scenario("baseline"), 0, record=False)
    assert not any(d.phase_outs.settled for d in model.deals)        # nothing read yet
    assert [d.years for d in model.deals] == [d.years for d in play(load_scenario("baseline"), 0).deals]


def test_a_deals_lengths_are_each_sides_by_the_theory(game):
    p, w = game.config.params, game.weights
    d = yearly_discount(p["patience"], game.config.months_per_round)
    for deal in game.deals:
        for (conceder, partner, cut), years in zip(((deal.a, deal.b, deal.x_ab), (deal.b, deal.a, deal.x_ba)),
                                                   deal.years):
            expected = with_floor(phase_out_years(cut, w.gain[partner, conceder], w.cost[conceder, partner],
                                                  d[partner], w.gamma, p["max_phase_out"]),
                                  cut, p["phase_out_floor"][conceder, partner], p["max_phase_out"])
            assert years == {s: int(n) for s, n in zip(game.sectors, expected) if s in years}


def test_an_access_arrays_lengths_are_each_pairs_by_the_theory(game):
    """Every concession's length is its pair's, except where a common standard sets the schedule (below)."""
    p, w = game.config.params, game.weights
    access = final_access(game)
    d = yearly_discount(p["patience"], game.config.months_per_round)
    expected = with_floor(phase_out_years(access, w.gain, np.swapaxes(w.cost, 0, 1), d[:, None, None], w.gamma,
                                          p["max_phase_out"]),
                          access, np.swapaxes(p["phase_out_floor"], 0, 1), p["max_phase_out"])
    at_floor, _ = standard_timing(game)
    pairs = ~at_floor[None, :, :] | (access == 0)
    assert pairs.sum() > 0.9 * pairs.size
    assert np.array_equal(final_phase_outs(game)[pairs], expected[pairs])


def test_a_common_standard_applies_after_the_members_transition_not_a_pairs_phase_out(game):
    """Biologics is the baseline's common standard. A member whose deals gave less than it asks
    implements it after its transition, towards every partner alike (Brunei 2 years, the others at
    once), as ``rules_terms`` says; the pairs' own lengths (up to 30 years) would contradict the text."""
    s = game.sectors.index("biologics")
    years, access = final_phase_outs(game)[:, :, s], final_access(game)[:, :, s]
    at_floor, transition = standard_timing(game)
    said = game.summary()["rules_terms"]["biologics"]["common_standard"]["transitions"]
    assert {game.countries[j]: int(t) for j, t in enumerate(transition) if t} == said
    for j, code in enumerate(game.countries):
        if at_floor[j, s]:
            partners = access[:, j] > 0
            assert partners.any() and (years[partners, j] == transition[j]).all(), code
    brn = game.countries.index("BRN")
    assert at_floor[brn, s] and transition[brn] == 2
    assert at_floor[:, s].sum() >= 8


def test_the_summary_lists_the_agreements_phase_outs_and_each_side_deals(game):
    summary = json.loads(json.dumps(game.summary()))
    outs = summary["phase_outs"]
    years, access = final_phase_outs(game), final_access(game)
    c, s = game.countries, game.sectors
    listed = {(k, j, q): n for j, partners in outs["agreement"].items()
              for k, sectors in partners.items() for q, n in sectors.items()}
    expected = {(c[k], c[j], s[q]): int(years[k, j, q]) for k, j, q in zip(*np.nonzero(years > 0))}
    assert summary["formed"] and listed == expected
    assert all(access[c.index(k), c.index(j), s.index(q)] > 0 for k, j, q in listed)
    assert [d["label"] for d in outs["side_deals"]] == [d["label"] for d in summary["side_deals"]]


def test_phase_outs_do_not_change_the_game():
    """How long a concession takes to phase out changes nothing bargained. Measured without the
    biologics standard's transitions: ``max_phase_out`` also caps a transition, and that does change
    the game (in the baseline, seed 0, a 2-year cap forms the agreement in round 26 instead of 27)."""
    plain = {"bargaining.common_standards": [], "bargaining.standard_transitions": False}
    short = play(load_scenario("baseline").with_overrides({**plain, "bargaining.max_phase_out": 2}), 0)
    long = play(load_scenario("baseline").with_overrides(plain), 0)
    assert short.datacollector.get_model_vars_dataframe().equals(long.datacollector.get_model_vars_dataframe())
    assert np.array_equal(final_access(short), final_access(long))
    assert final_phase_outs(short).max() <= 2


# ------------------------------------------------------------------ commitments made before the talks
def test_a_floor_raises_a_shorter_phase_out_and_leaves_a_longer_one_or_no_cut():
    years = np.array([0, 5, 20, 0, 3])
    cut = np.array([0.4, 0.4, 0.4, 0.0, 0.4])
    floor = np.array([12.0, 12.0, 12.0, 12.0, 0.0])
    # at once and 5 years rise to 12; 20 stays; no cut stays at once; no floor leaves 3
    assert with_floor(years, cut, floor, 30).tolist() == [12, 12, 20, 0, 3]
    # "longest" (inf) and a floor beyond the longest allowed are the longest allowed
    assert with_floor(np.array([0, 0]), np.array([0.4, 0.4]), np.array([np.inf, 40.0]), 25).tolist() == [25, 25]


def test_an_access_arrays_floor_is_the_importers_commitment_to_the_exporter():
    """access_years reads access [exporter, importer] and the floor [importer, exporter]: importer 0's
    commitment to exporter 1 lengthens exporter 1's access to market 0, and nobody else's (with no gain
    and no cost every pair's own length is at once)."""
    from types import SimpleNamespace

    n = 3
    weights = SimpleNamespace(gain=np.zeros((n, n, 1)), cost=np.zeros((n, n, 1)), gamma=2.0)
    access = np.full((n, n, 1), 0.5) * (1 - np.eye(n))[:, :, None]
    floor = np.zeros((n, n, 1))
    floor[0, 1, 0] = 8                                          # importer 0 to exporter 1
    years = access_years(weights, np.full(n, 0.97), 1, 30, access, floor)
    assert years[1, 0, 0] == 8 and years.sum() == 8
    assert access_years(weights, np.full(n, 0.97), 1, 30, access).sum() == 0


def test_the_us_phases_out_its_car_tariff_for_japan_over_the_longest_staging():
    """Japan's entry agreement with the US (April 2013, before the game starts): the US's car tariff for
    Japan is phased out over the longest staging the schedules allow, in the deal and in the agreement;
    without the commitment (``phase_out_floors = []``) the pair's own settlement is at once."""
    scenario = load_scenario("baseline")
    assert scenario.params["phase_out_floor"][scenario.countries.index("USA"), scenario.countries.index("JPN"),
                                              scenario.sectors.index("autos")] == np.inf
    model = play(scenario, 2013, record=False)
    assert model.summary()["phase_outs"]["agreement"]["USA"]["JPN"]["autos"] == 30
    us_japan = [d for d in model.deals if {model.countries[d.a], model.countries[d.b]} == {"USA", "JPN"}]
    assert us_japan and all(d.years[model.countries[d.a] != "USA"].get("autos") in (None, 30) for d in us_japan)
    without = play(scenario.with_overrides({"phase_out_floors": []}), 2013, record=False)
    assert "autos" not in without.summary()["phase_outs"]["agreement"].get("USA", {}).get("JPN", {})
    shorter = play(scenario.with_overrides({"bargaining.max_phase_out": 12}), 2013, record=False)
    assert shorter.summary()["phase_outs"]["agreement"]["USA"]["JPN"]["autos"] == 12


@pytest.mark.parametrize("floor, message", [
    ({"importer": "USA", "exporter": "JPN", "sector": "autos", "years": 1, "name": "x"},
     'phase_out_floors[0].years: expected a whole number of years from 2 to 100, or "longest"'),
    ({"importer": "USA", "exporter": "JPN", "sector": "autos", "years": "forever", "name": "x"},
     'phase_out_floors[0].years: expected a whole number of years from 2 to 100, or "longest"'),
    ({"importer": "USA", "exporter": "USA", "sector": "autos", "years": 10, "name": "x"},
     "phase_out_floors[0].exporter: expected a country other than the importer"),
    ({"importer": "USA", "exporter": "JPN", "sector": "cars", "years": 10, "name": "x"},
     "phase_out_floors[0].sector: expected one of rice"),
    ({"importer": "USA", "exporter": "JPN", "sector": "autos", "years": 10},
     "phase_out_floors[0].name: expected this key to be set"),
])
def test_a_bad_floor_is_one_line(floor, message):
    with pytest.raises(ScenarioError) as err:
        load_scenario("baseline").with_overrides({"phase_out_floors": [floor]})
    assert message in str(err.value) and "\n" not in str(err.value)


def test_a_floor_without_a_source_in_the_data_file_is_one_line(tmp_path):
    from tppgame.game.calibration import CALIBRATION_FILE, load_calibration

    text = CALIBRATION_FILE.read_text(encoding="utf-8")
    bad = tmp_path / "calibration.toml"
    bad.write_text(text.replace('source = "reuters_2013_entry_factbox"\n', ""), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_calibration(bad)
    assert "phase_out_floors[0].source: expected ids defined in [sources]" in str(err.value)


def test_a_phase_out_longer_than_allowed_is_refused():
    with pytest.raises(ScenarioError, match="max_phase_out"):
        load_scenario("baseline").with_overrides({"bargaining.max_phase_out": 0})


# ------------------------------------------------------------------ the headline
def test_who_has_the_longest_phase_out_by_hand():
    # years [exporter, importer] in one sector, three members: importer 0 takes 12 years for
    # exporter 1, importer 2 takes 5 for exporter 0
    years = np.array([[0, 0, 5], [12, 0, 0], [0, 0, 0]])
    members = np.array([True, True, True])
    assert phase_out_leads(years, 0, members, at_least=10)
    assert phase_out_leads(years, 0, members, at_least=10, exporter=1)
    assert not phase_out_leads(years, 0, members, at_least=13)            # not that long
    assert not phase_out_leads(years, 0, members, exporter=2)             # at once for exporter 2
    assert not phase_out_leads(years, 2, members)                         # 5 is not the longest
    assert phase_out_leads(years, 2, np.array([False, True, True]))       # non-members do not count


def test_the_headline_kind_is_checked_against_a_run(game):
    scenario = game.config.with_headlines([
        {"claim": "The US phases out cars for Japan over 10 years, the longest", "kind": "longest_phase_out",
         "country": "USA", "exporter": "JPN", "sector": "autos", "years": 10}], "test")
    years = final_phase_outs(game)[:, :, game.sectors.index("autos")]
    usa, jpn = game.countries.index("USA"), game.countries.index("JPN")
    assert holds(game, scenario.headlines[0]) == phase_out_leads(years, usa, game.members, 10, jpn)


def test_a_headline_about_a_phase_out_to_oneself_is_refused():
    with pytest.raises(ScenarioError, match="exporter"):
        load_scenario("baseline").with_headlines([
            {"claim": "x", "kind": "longest_phase_out", "country": "USA", "exporter": "USA", "sector": "autos"}], "t")
