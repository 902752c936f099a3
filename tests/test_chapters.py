"""Chapters: sectors that play only when a scenario names them (``bargaining.chapters``).

The calibration lists the services and investment chapter beside the ten core sectors; a game
without it plays the ten (the bundled scenarios' games are unchanged: tests/test_same_games.py),
a game with it plays eleven. A chapter a scenario names elsewhere (a headline, a side deal, a
suspended provision) must be in play; a shock cannot change the chapters in play; the final table
still fits 100 columns.
"""

from __future__ import annotations

import numpy as np
import pytest

from tppgame import TPPModel
from tppgame.game.calibration import CALIBRATION_FILE, load_calibration
from tppgame.game.scenario import BUNDLED_SCENARIOS, ScenarioError, load_scenario
from tppgame.game.settings import weights_of
from tppgame.report import final_table

WITH_SERVICES = {"bargaining.chapters": ["services"]}
TEN = ("rice", "wheat", "beef", "pork", "dairy", "sugar", "autos", "auto_parts", "textiles", "biologics")


def test_the_calibration_holds_the_chapters_each_played_only_when_named():
    cal = load_calibration()
    assert cal.chapters == ("services", "procurement", "soe")
    assert cal.sectors == (*TEN, "services", "procurement", "soe")
    assert cal.played() == TEN and cal.played(["services"]) == (*TEN, "services")
    # any combination, always in the calibration's order
    assert cal.played(["soe", "procurement"]) == (*TEN, "procurement", "soe")


def test_a_scenario_plays_the_core_sectors_unless_it_names_a_chapter():
    """judged_indices names no chapter (the baseline names services)."""
    plain = load_scenario("judged_indices")
    with_services = load_scenario("judged_indices", overrides=WITH_SERVICES)
    assert load_scenario().sectors == (*TEN, "services")
    assert plain.sectors == TEN and plain.params["barrier"].shape == (12, 10)
    assert with_services.sectors == (*TEN, "services")
    assert with_services.params["barrier"].shape == (12, 11)
    # the ten core columns are the same figures
    assert np.array_equal(with_services.params["barrier"][:, :10], plain.params["barrier"])
    jpn = with_services.index("JPN")
    assert with_services.params["barrier"][jpn, 10] == load_calibration().settings["countries"]["JPN"]["barrier"][
        "services"]


@pytest.mark.parametrize("payoff", ["judgment", "political_economy"])
def test_a_game_with_services_plays_eleven_sectors(payoff):
    model = TPPModel("baseline", rng=3, record=False, overrides={**WITH_SERVICES, "bargaining.payoff": payoff})
    assert model.sectors[-1] == "services"
    weights = weights_of(model.config)
    assert weights.gain.shape == (12, 12, 11) and weights.cost.shape == (12, 12, 11)
    assert (weights.gain[:, :, -1] > 0).any(), "somebody gains from a partner's services opening"
    while model.running:
        model.step()
    summary = model.summary()
    assert all(set(c["concessions"]) == set(model.sectors) for c in summary["countries"].values())
    table = final_table(summary, model.sectors).splitlines()
    assert max(len(line) for line in table[table.index("") + 1:]) <= 100
    assert " serv" in next(line for line in table if line.startswith("Country"))


def test_each_column_head_is_distinct_with_eleven_sectors():
    model = TPPModel("baseline", rng=3, record=False, overrides=WITH_SERVICES)
    model.step()
    head = next(line for line in final_table(model.summary(), model.sectors).splitlines() if line.startswith("Country"))
    heads = head.split()[5:]
    assert heads == ["rice", "whea", "beef", "pork", "dair", "suga", "auto", "autp", "text", "biol", "serv"]


@pytest.mark.parametrize("body, where", [
    ('[[headlines]]\nclaim = "c"\nkind = "concession_at_least"\ncountry = "JPN"\nsector = "services"\nat_least = 0.1\n',
     "headlines[0].sector"),
    ('[agreement]\nsuspended_sectors = ["services"]\n', "agreement.suspended_sectors[0]"),
])
def test_a_chapter_named_outside_play_is_refused_in_one_line(tmp_path, body, where):
    """Extends judged_indices, which names no chapter (the baseline names services)."""
    for name in ("baseline.toml", "judged_indices.toml"):
        (tmp_path / name).write_text((BUNDLED_SCENARIOS / name).read_text(), encoding="utf-8")
    path = tmp_path / "named.toml"
    path.write_text(f'extends = "judged_indices"\n\n{body}', encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert "\n" not in message and f"named.toml: {where}:" in message
    assert "a sector in play (services is a chapter: add it to bargaining.chapters)" in message
    path.write_text(f'extends = "judged_indices"\n\n[bargaining]\nchapters = ["services"]\n\n{body}'.replace(
        "\n\n[agreement]", "\n\n[agreement]"), encoding="utf-8")
    assert "services" in load_scenario(path).sectors


def test_only_a_chapter_can_be_named_and_no_shock_changes_them(one_error_line):
    message = one_error_line(["baseline", "--set", 'bargaining.chapters=["rice"]'])
    assert "bargaining.chapters[0]" in message and "a chapter, one of services" in message
    message = one_error_line(["baseline", "--set", 'bargaining.chapters="services"'])
    assert "bargaining.chapters: expected a list of chapters, got 'services'" in message
    message = one_error_line(["baseline", "--set", 'agreement.suspended_sectors="rice"'])
    assert "agreement.suspended_sectors: expected a list of sectors, got 'rice'" in message
    with pytest.raises(ScenarioError, match="a country, bargaining or agreement setting"):
        load_scenario(overrides={"events": [{"kind": "shock", "round": 3, "label": "more",
                                             "set": {"bargaining.chapters": ["services"]}}]})


def test_the_calibration_refuses_a_malformed_chapter_list(bad_data):
    order = 'chapters = ["services", "procurement", "soe"]'
    bad_data(load_calibration, CALIBRATION_FILE, order, 'chapters = "services"', "sectors.chapters: expected a list")
    bad_data(load_calibration, CALIBRATION_FILE, order, 'chapters = ["services", "procurement", "soe", "rice"]',
             "sectors.chapters: expected sector names not repeated")
    bad_data(load_calibration, CALIBRATION_FILE, order, 'chapters = ["services", "soe", "soe"]',
             "sectors.chapters: expected sector names not repeated")
