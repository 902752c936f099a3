"""Rules of origin in play (tppgame.game.origin_play, bargaining.rules_of_origin).

By hand: the term the members settle (the median ideal inside every red line), Vietnam's
utilisation, kept margin and the US spinners' gain under the settled textile rule, and how they
enter a government's values; hypothesis: utilisation stays in [0, 1] and never rises as the rule
tightens; a whole game shows the rule in summary.json and the final table; bad input's one line.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tppgame import load_scenario
from tppgame.experiments.headlines import holds
from tppgame.game.economy import load_economy
from tppgame.game.fields import ScenarioError
from tppgame.game.origin_play import full_margins, origin_rules, origin_split, origin_summary, supplier_gains
from tppgame.game.political import FullOpening, political_values, with_origin
from tppgame.game.rules import RULES_FILE, load_rules, settled_term
from tppgame.game.settings import weights_for
from tppgame.game.scenario import HeadlineSpec
from tppgame.game.utility import world_utility
from tppgame.model import TPPModel
from tppgame.report import final_table

ROOT = Path(__file__).resolve().parents[1]
COUNTRIES = ("USA", "JPN", "CAN", "MEX", "AUS", "NZL", "CHL", "PER", "SGP", "MYS", "VNM", "BRN")
USA, MEX, PER, VNM = (COUNTRIES.index(c) for c in ("USA", "MEX", "PER", "VNM"))
EVERYONE = np.ones(len(COUNTRIES), dtype=bool)


def _rules(members: np.ndarray = EVERYONE, sectors: tuple[str, ...] | None = None):
    economy = load_economy()
    sectors = economy.sectors if sectors is None else sectors
    return origin_rules(load_rules().issues, COUNTRIES, sectors, members)


# ------------------------------------------------------------------ the term the members settle
def test_the_median_ideal_inside_every_red_line_by_hand():
    # ideals 1, 0, 0.5; red lines 0.4 (the first needs at least 0.4), 0.9 and 1 (at most): range [0.4, 0.9]
    assert settled_term(np.array([1.0, 0.0, 0.5]), np.array([0.4, 0.9, 1.0]), np.ones(3, bool)) == (0.5, True)
    # the first needs at least 0.8: the median 0.5 is pulled up to its red line
    assert settled_term(np.array([1.0, 0.0, 0.5]), np.array([0.8, 0.9, 1.0]), np.ones(3, bool)) == (0.8, True)
    # the second will take at most 0.6, the first needs 0.8: no common term; the median onto the gap's edge
    assert settled_term(np.array([1.0, 0.0, 0.5]), np.array([0.8, 0.6, 1.0]), np.ones(3, bool)) == (0.6, False)
    # only members count: without the first, the median of 0 and 0.5
    assert settled_term(np.array([1.0, 0.0, 0.5]), np.array([0.8, 0.6, 1.0]), np.array([False, True, True])) == (
        0.25, True)
    assert settled_term(np.array([1.0]), np.array([0.8]), np.zeros(1, bool)) is None


def test_the_twelve_settle_yarn_forward_on_the_us_red_line_and_45_percent_on_canada_and_mexicos():
    textiles, autos = _rules()
    # textile ideals' median 0.3 (Australia, Chile ...); the US needs at least 0.9, Mexico 0.8, Peru 0.5
    assert (textiles.name, textiles.term, textiles.within_red_lines, textiles.set_by) == (
        "textiles_origin", 0.9, True, ("USA",))
    # autos' median ideal 0.4; Canada and Mexico need at least 0.45, Japan at most 0.55
    assert (autos.term, autos.set_by, [load_economy().sectors[s] for s in autos.sectors]) == (
        0.45, ("CAN", "MEX"), ["autos", "auto_parts"])
    # without the US, Mexico and Peru, nobody holds the textile rule up: the median ideal, 0.3
    without = EVERYONE.copy()
    without[[USA, MEX, PER]] = False
    assert _rules(without)[0].term == pytest.approx(0.3) and _rules(without)[0].set_by == ()
    # a game without the governed sectors has no origin rule
    assert _rules(sectors=("rice", "beef")) == ()


# ------------------------------------------------------------------ one exporter by hand
def test_vietnams_textile_preference_in_the_us_under_the_settled_rule_by_hand():
    economy = load_economy()
    fta = np.zeros((12, 12))
    margin = full_margins(economy, fta)
    tex = economy.sectors.index("textiles")
    assert margin[VNM, USA, tex] == pytest.approx(0.11)           # the US textile tariff Vietnam faced
    split = origin_split(margin, _rules())
    # 0.9 asked, 12% of its yarn and fabric in the zone: 0.78 of half the value re-sourced 20% dearer
    cost = (0.9 - 0.12) * 0.5 * 0.2                                 # 0.078 of the export's value
    u = 0.11 / (2 * cost)                                           # 0.705: firms costing under 0.11 comply
    spent = u * 0.11 / 2                                            # 0.0388: compliers' mean cost, u m / 2
    assert split.utilisation[VNM, USA, tex] == pytest.approx(u)
    assert split.spent[VNM, USA, tex] == pytest.approx(spent)
    assert split.usable[VNM, USA, tex] == pytest.approx((u * 0.11 - spent) / 0.11)   # 0.353 of the margin
    # the US spinners: 30% of the zone's supply, half of what compliers spend is their surplus
    x = economy.trade[VNM, USA, tex]
    assert supplier_gains(split, economy.trade)[USA, VNM, USA, tex] == pytest.approx(0.3 * 0.5 * x * spent)
    # a sector no rule governs is used in full
    rice = economy.sectors.index("rice")
    assert split.utilisation[VNM, USA, rice] == 1.0 and split.usable[VNM, USA, rice] == 1.0
    assert split.spent[..., rice].max() == 0.0


def test_what_the_summary_says_of_one_preference_by_hand():
    economy = load_economy()
    fta = np.zeros((12, 12))
    tex = economy.sectors.index("textiles")
    access = np.zeros((12, 12, len(economy.sectors)))
    access[VNM, USA, tex] = 0.5                      # the US halves its 11% textile tariff for Vietnam
    x = economy.trade[VNM, USA, tex]
    out = origin_summary(_rules(), COUNTRIES, economy, fta, access, EVERYONE)["textiles_origin"]
    m, cost = 0.055, (0.9 - 0.12) * 0.5 * 0.2
    u = m / (2 * cost)                               # 0.353: a smaller margin is used less
    assert list(out["exporters"]) == ["VNM"] and out["set_by"] == ["USA"]
    assert out["exporters"]["VNM"] == {
        "utilisation": round(u, 4), "margin_usd_m": round(x * m * 1000, 3),
        "kept_usd_m": round(x * u * m / 2 * 1000, 3), "compliance_usd_m": round(x * u * m / 2 * 1000, 3)}
    assert out["suppliers_usd_m"]["USA"] == round(0.3 * 0.5 * x * u * m / 2 * 1000, 3)
    # a preference between a signatory and a country that did not sign is not the agreement's
    signed = EVERYONE.copy()
    signed[USA] = False
    assert origin_summary(_rules(signed), COUNTRIES, economy, fta, access, signed)["textiles_origin"]["exporters"] == {}


def test_the_rule_enters_the_governments_values():
    economy = load_economy()
    n, s = 12, len(economy.sectors)
    tex = economy.sectors.index("textiles")
    ones = np.ones((n, n, s))
    opening = FullOpening(surplus=ones, importer=-ones, producers=ones, erosion=ones)
    fta = np.zeros((n, n))
    ruled = with_origin(opening, economy, fta, _rules())
    split = origin_split(full_margins(economy, fta), _rules())
    assert ruled.surplus[VNM, USA, tex] == pytest.approx(split.usable[VNM, USA, tex])
    assert ruled.importer[VNM, USA, tex] == pytest.approx(-split.utilisation[VNM, USA, tex])
    assert ruled.producers[VNM, USA, tex] == pytest.approx(split.utilisation[VNM, USA, tex])
    values = political_values(ruled, np.zeros((n, s)), np.zeros((n, s)), lobby_weight=0.0, precedent_weight=0.0)
    gains = ruled.suppliers
    # the US's cost of opening textiles to Vietnam: what it pays, u, less its spinners' gain (never below 0)
    scale_us = (ruled.surplus[USA] + gains[USA, USA]).sum()
    expected = max(split.utilisation[VNM, USA, tex] - gains[USA, VNM, USA, tex], 0.0) / scale_us
    assert values.cost[USA, VNM, tex] == pytest.approx(expected)
    # Mexico's fabric makers gain from the US opening to Vietnam: a bystander's value, not the pair's
    scale_mx = (ruled.surplus[MEX] + gains[MEX, MEX]).sum()
    assert gains[MEX, VNM, USA, tex] > 0
    assert values.bystander[MEX, VNM, USA, tex] == pytest.approx(gains[MEX, VNM, USA, tex] / scale_mx)
    assert values.bystander[USA, VNM, USA, tex] == 0.0 and values.bystander[VNM, VNM, USA, tex] == 0.0


def test_the_setting_changes_the_political_weights_only():
    plain = load_scenario("lobbies_and_welfare")
    ruled = load_scenario("lobbies_and_welfare", overrides={"bargaining.rules_of_origin": True})
    a, b = weights_for(plain.params), weights_for(ruled.params)
    tex, rice = plain.sectors.index("textiles"), plain.sectors.index("rice")
    assert a.bystander is None and b.bystander is not None
    services = plain.sectors.index("services")
    # Vietnam's textile access is worth less beside its services access: it can use only part of it
    assert b.gain[VNM, USA, tex] / b.gain[VNM, USA, services] < a.gain[VNM, USA, tex] / a.gain[VNM, USA, services]
    assert b.cost[USA, VNM, tex] < a.cost[USA, VNM, tex]       # yarn-forward makes the US opening cheaper
    # a sector no rule governs changes only by each government's scale (what free trade would give it)
    beef = plain.sectors.index("beef")
    assert np.allclose(b.cost[:, :, rice] * a.cost[:, :, beef], a.cost[:, :, rice] * b.cost[:, :, beef])
    assert np.allclose(b.cost[:, :, rice].sum(axis=1) * a.cost[:, :, rice].sum(axis=1) > 0,
                       a.cost[:, :, rice].sum(axis=1) > 0)
    access = np.zeros_like(a.gain)
    assert np.allclose(world_utility(b, access), 0.0)            # nothing opened: nobody gains


# ------------------------------------------------------------------ properties
@settings(max_examples=60, deadline=None)
@given(rule=st.floats(0.0, 1.0), tighter=st.floats(0.0, 1.0), in_zone=st.floats(0.0, 1.0),
       margin=st.floats(0.0, 0.5))
def test_utilisation_stays_in_0_1_and_never_rises_as_the_rule_tightens(rule, tighter, in_zone, margin):
    textiles = _rules()[0]
    issue = replace(textiles.issue, figures={**textiles.issue.figures, "in_zone": np.full(12, in_zone)})
    grid = np.full((12, 12, len(load_economy().sectors)), margin)
    loose = origin_split(grid, (replace(textiles, issue=issue, term=rule),))
    tight = origin_split(grid, (replace(textiles, issue=issue, term=min(1.0, rule + tighter)),))
    for split in (loose, tight):
        assert ((split.utilisation >= 0) & (split.utilisation <= 1)).all()
        assert ((split.usable >= -1e-12) & (split.usable <= 1 + 1e-12)).all() and (split.spent >= 0).all()
    assert (tight.utilisation <= loose.utilisation + 1e-12).all()
    if in_zone < rule and margin > 0:      # sourcing outside the zone: a tighter rule costs it more
        assert (tight.usable <= loose.usable + 1e-12).all()


# ------------------------------------------------------------------ a whole game
def test_a_game_with_rules_of_origin_shows_the_rule_in_the_summary_and_the_table():
    scenario = load_scenario("lobbies_and_welfare", overrides={"bargaining.rules_of_origin": True})
    model = TPPModel(scenario, rng=1)
    while model.running:
        model.step()
    summary = model.summary()
    assert summary["formed"]
    textiles = summary["rules_of_origin"]["textiles_origin"]
    assert (textiles["rule"], textiles["set_by"], textiles["within_red_lines"]) == (0.9, ["USA"], True)
    vnm = textiles["exporters"]["VNM"]
    assert 0 < vnm["utilisation"] < 1 and vnm["kept_usd_m"] < vnm["margin_usd_m"]
    assert textiles["exporters"]["USA"]["utilisation"] == 1.0          # 90% of its inputs in the zone
    assert textiles["suppliers_usd_m"]["USA"] > 0
    assert summary["rules_of_origin"]["autos_origin"]["rule"] == 0.45
    table = final_table(summary, model.sectors)
    assert "Textiles and apparel rule of origin: 0.90 (the red line of United States)" in table
    assert "Autos rule of origin (regional value content): 0.45 (the red line of Canada and Mexico)" in table
    plain = TPPModel("lobbies_and_welfare", rng=1)
    while plain.running:
        plain.step()
    assert "rules_of_origin" not in plain.summary()
    # the headline reads the signatories' rule, whether or not the game bargained with it
    def under(country: str, sector: str, at_most: float) -> HeadlineSpec:
        return HeadlineSpec("claim", "utilisation_at_most",
                            tuple(sorted({"country": country, "sector": sector, "at_most": at_most}.items())))
    share = vnm["utilisation"]
    assert holds(model, under("VNM", "textiles", share)) and not holds(model, under("VNM", "textiles", share - 0.01))
    assert not holds(model, under("USA", "textiles", 0.5))         # the US uses all of its preference
    assert not holds(model, under("BRN", "autos", 1.0))            # no preference at stake: no claim borne out
    assert holds(plain, under("VNM", "textiles", 0.5))


# ------------------------------------------------------------------ bad input
def test_rules_of_origin_under_the_judgment_payoff_is_one_line_and_exit_2(tmp_path):
    with pytest.raises(ScenarioError, match="bargaining.rules_of_origin: expected false unless"):
        load_scenario("baseline", overrides={"bargaining.rules_of_origin": True,
                                             "bargaining.payoff": "judgment"})
    cases = ((["bargaining.rules_of_origin=1"], "expected true or false"),
             (['bargaining.payoff="judgment"', "bargaining.rules_of_origin=true"],
              "expected false unless bargaining.payoff"))
    for settings_, needle in cases:
        sets = [arg for setting in settings_ for arg in ("--set", setting)]
        result = subprocess.run([sys.executable, str(ROOT / "run.py"), "lobbies_and_welfare", *sets,
                                 "--out", str(tmp_path / "o")], cwd=ROOT, capture_output=True, text=True,
                                stdin=subprocess.DEVNULL, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert result.returncode == 2 and result.stdout == "" and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and needle in result.stderr
        assert not (tmp_path / "o").exists()


def test_a_utilisation_headline_on_a_sector_no_rule_governs_is_refused():
    entry = {"claim": "c", "kind": "utilisation_at_most", "country": "VNM", "sector": "rice", "at_most": 0.5}
    with pytest.raises(ScenarioError, match=r"headlines\[0\]\.sector: expected a sector a rule of origin governs "
                                            r"\(textiles, autos, auto_parts\)"):
        load_scenario("lobbies_and_welfare").with_headlines([entry], "test")


def test_bad_origin_sectors_in_the_data_file_are_one_line(bad_data):
    bad_data(load_rules, RULES_FILE, 'sectors = ["textiles"]', 'sectors = ["cloth"]',
             "issues.textiles_origin.sectors: expected a list of the game's sectors")
