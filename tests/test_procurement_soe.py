"""Government procurement and state-owned enterprises: two chapters added in data alone.

Each is an optional sector (``bargaining.chapters``) with the calibration's four figures per
country and the economy's tariff equivalent, flows, domestic output, coverage and elasticities,
every figure sourced or a stated method or judgment. Checked here: they load with an origin each,
their figures lie where their sources and methods put them, one pair's values by hand, a game with
them plays and reports them (summary.json, the final table, the standard each binds), any
combination of chapters plays, and an unknown chapter is one line with exit 2.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from tppgame import TPPModel
from tppgame.cli import main
from tppgame.game.calibration import load_calibration
from tppgame.game.economy import load_economy
from tppgame.game.political import full_opening
from tppgame.game.rules import agreement_term, bound_terms, liberal_end, load_rules
from tppgame.game.scenario import load_scenario
from tppgame.report import final_table

CHAPTERS = ("procurement", "soe")
ALL = ["services", "procurement", "soe"]
TEN = ("rice", "wheat", "beef", "pork", "dairy", "sugar", "autos", "auto_parts", "textiles", "biologics")
TABLES = ("export_interest", "barrier", "sensitivity", "red_line")
NO_COMMITMENTS = ("MYS", "VNM", "BRN")      # no procurement commitments before the TPP


@pytest.fixture(scope="module")
def cal():
    return load_calibration()


@pytest.fixture(scope="module")
def economy():
    return load_economy()


def _figures(cal, table: str, sector: str) -> dict[str, float]:
    return {c: cal.settings["countries"][c][table][sector] for c in cal.countries}


def test_every_figure_of_both_chapters_loads_with_its_origin(cal, economy):
    for sector in CHAPTERS:
        assert sector in cal.chapters and cal.sector_labels[sector] in ("Government procurement", "State-owned enterprises")
        for code in cal.countries:
            for table in TABLES:
                origin = cal.figure_sources[f"countries.{code}.{table}.{sector}"]
                assert origin in cal.sources or origin.startswith(("judgment: ", "method: ")), origin
            for table in ("tariffs", "output", "agreement_coverage"):
                assert f"{table}.{code}.{sector}" in economy.figure_sources
            assert f"trade.sector_shares.{code}.{sector}" in economy.figure_sources
        for table in ("import_demand", "substitution"):
            assert f"elasticities.{table}.{sector}" in economy.figure_sources


def test_the_procurement_figures_lie_where_their_sources_put_them(cal, economy):
    s = economy.sectors.index("procurement")
    tariff = dict(zip(economy.countries, economy.tariff[:, s]))
    # the barrier: the home bias on the procurement outside commitments (the sub-central shares of
    # OECD Government at a Glance 2015: Canada 87%, Japan 68%, 63% on average; all of it for the
    # members without commitments), read on the calibration's scale as t / (t + 0.3)
    outside = {"CAN": 0.87, "JPN": 0.68, "SGP": 0.40, **{c: 1.0 for c in NO_COMMITMENTS}}
    barrier = _figures(cal, "barrier", "procurement")
    for code, value in barrier.items():
        t = tariff[code] * outside.get(code, 0.63)
        assert value == round(t / (t + 0.3), 2), code
    assert min(barrier[c] for c in NO_COMMITMENTS) > max(v for c, v in barrier.items() if c not in NO_COMMITMENTS)
    assert tariff["USA"] == 0.12                                       # Buy American, small-business margin
    assert min(tariff[c] for c in NO_COMMITMENTS) > max(v for c, v in tariff.items() if c not in NO_COMMITMENTS)
    assert all(0.05 <= v <= 0.3 for v in tariff.values())
    cover = dict(zip(economy.countries, economy.coverage[:, s]))
    assert all(cover[c] == 0 for c in NO_COMMITMENTS) and cover["CAN"] == pytest.approx(0.13)
    # the market supplied at home: contestable procurement, at most 15% of GDP (Japan's floor)
    share = economy.output[:, s] / economy.gdp
    assert np.all(share > 0) and np.all(share <= 0.15 * 8 / 12.1 + 1e-3)
    assert share[economy.countries.index("MEX")] < share[economy.countries.index("USA")]   # 4.9% against 10.1%
    # Malaysia's red line: the Bumiputera set-asides and preferences it keeps
    assert _figures(cal, "red_line", "procurement")["MYS"] == 0.7


def test_the_soe_figures_follow_the_soe_share(cal, economy):
    s = economy.sectors.index("soe")
    barrier = _figures(cal, "barrier", "soe")
    assert barrier["VNM"] == 0.25 and barrier["MYS"] == 0.33 and barrier["SGP"] == 0.37   # GDP, market value
    assert max(barrier, key=barrier.get) == "BRN"
    # the stated method: the tariff equivalent is the SOE share times a price wedge of 0.5
    assert np.allclose(economy.tariff[:, s], [0.5 * barrier[c] for c in economy.countries])
    assert np.all(economy.coverage[:, s] == 0)               # no SOE chapter in any agreement before the TPP
    red = _figures(cal, "red_line", "soe")
    assert {c for c, v in red.items() if v < 1} == {"MEX", "MYS", "VNM", "BRN"}   # rules.toml's carve-outs
    assert all(red[c] == load_rules().issues["soe"].red_line[k] for k, c in enumerate(cal.countries) if red[c] < 1)
    # export interest: the SOE issue's offensive members by their stake, the US's the largest
    interest = _figures(cal, "export_interest", "soe")
    assert interest["USA"] == 1.0 and interest["JPN"] == pytest.approx(np.sqrt(0.6 / 2.0), abs=0.005)
    assert all(interest[c] == 0.05 for c in ("MEX", "MYS", "VNM", "BRN"))


def test_one_pair_by_hand_us_exporters_in_vietnam_and_australia(economy):
    """US firms in Vietnam's procurement (no commitments) and Australia's (their FTA's chapter)."""
    scenario = load_scenario(overrides={"bargaining.chapters": ALL})
    codes = scenario.countries
    usa, vnm, aus = codes.index("USA"), codes.index("VNM"), codes.index("AUS")
    assert scenario.params["fta"][usa, aus] and not scenario.params["fta"][usa, vnm]
    sub = economy.select(codes, scenario.sectors)
    opening = full_opening(sub, scenario.params["fta"])
    s = scenario.sectors.index("procurement")
    w, eps = 0.333, 1.95
    for importer, flow, t0 in ((vnm, 5.018 * 0.06, 0.25),                 # US goods exports to Vietnam x 0.06
                               (aus, 26.0 * 0.06, 0.10 * (1 - 0.37))):   # less the central share its FTA opened
        assert sub.trade[usa, importer, s] == pytest.approx(flow)
        k = (1 - w) * eps / (1 + t0)
        surplus = w * t0 * flow * (1 + k * t0 / 2)
        assert opening.surplus[usa, importer, s] == pytest.approx(surplus)
        assert opening.importer[usa, importer, s] == pytest.approx(k / 2 * flow * t0**2 - surplus)
    # Vietnam's SOEs: its SOE share 0.25 times the wedge 0.5, on a tenth of the US's exports to it
    soe = scenario.sectors.index("soe")
    k = (1 - w) * eps / 1.125
    assert opening.surplus[usa, vnm, soe] == pytest.approx(w * 0.125 * 0.5018 * (1 + k * 0.125 / 2))


@pytest.mark.parametrize("chapters", [["procurement"], ["soe"], ["soe", "services"], ALL])
def test_any_combination_of_chapters_plays_in_the_calibration_order(chapters):
    scenario = load_scenario(overrides={"bargaining.chapters": chapters})
    assert scenario.sectors == TEN + tuple(s for s in ("services", "procurement", "soe") if s in chapters)
    assert scenario.params["barrier"].shape == (12, len(scenario.sectors))
    model = TPPModel(scenario, rng=1, record=False)
    for _ in range(3):
        model.step()
    assert set(model.summary()["countries"]["VNM"]["concessions"]) == set(scenario.sectors)


def test_a_game_with_the_chapters_reports_them(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["lobbies_and_welfare", "--seed", "2", "--out", str(out),
                 "--set", 'bargaining.chapters=["services","procurement","soe"]']) == 0
    text = capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    for country in summary["countries"].values():
        assert {"procurement", "soe"} <= set(country["concessions"])
    head = next(line for line in text.splitlines() if line.startswith("Country"))
    assert head.split()[-3:] == ["ser", "pro", "soe"]
    table = final_table(summary, tuple(summary["countries"]["USA"]["concessions"]))
    body = table.splitlines()[table.splitlines().index("") + 1:]
    assert max(len(line) for line in body) <= 100 and "in per cent" in table
    # each chapter binds a standard on its rules issue's scale; a procurement threshold falls as it opens
    terms = summary["rules_terms"]
    assert summary["formed"]                    # in every one of 100 seeds with the chapters
    assert terms["procurement"]["at_most"] is True and "at_most" not in terms["soe"]
    assert terms["procurement"]["term"] == max(terms["procurement"]["bound"].values())
    assert 130 <= terms["procurement"]["term"] <= 5000 and 0 <= terms["soe"]["term"] <= 1
    assert "Government procurement" in text and "at most" in text


def test_a_procurement_threshold_falls_as_a_schedule_opens():
    issue = load_rules().issues["procurement"]
    assert liberal_end(issue) == (130.0, False)
    assert liberal_end(load_rules().issues["soe"]) == (1.0, True)
    bound = bound_terms(np.array([0.0, 0.5, 1.0]), np.array([5000.0, 5000.0, 100.0]), 130.0, rising=False)
    assert bound.tolist() == [5000.0, 2565.0, 100.0]      # 5000 - 0.5 x 4870; already below: its own
    assert agreement_term(bound, np.array([True, True, True]), rising=False) == 5000.0
    assert agreement_term(bound, np.array([False, True, True]), rising=False) == 2565.0


def test_an_unknown_chapter_is_one_line_and_exit_2(one_error_line):
    message = one_error_line(["baseline", "--set", 'bargaining.chapters=["procurment"]'])
    assert "bargaining.chapters[0]" in message and "one of services procurement soe" in message
    assert "'procurment'" in message


def test_a_chapter_named_twice_is_one_line_and_exit_2(one_error_line):
    message = one_error_line(["baseline", "--set", 'bargaining.chapters=["soe","procurement","soe"]'])
    assert "bargaining.chapters[2]: expected each chapter named once, got 'soe'" in message


def test_no_module_names_a_chapter_so_a_fourth_is_data_alone(cal):
    """The chapters live in the data files: no Python module of the package quotes a chapter's name."""
    from pathlib import Path

    import tppgame

    package = Path(tppgame.__file__).resolve().parent
    for path in package.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for chapter in cal.chapters:
            assert f'"{chapter}"' not in text and f"'{chapter}'" not in text, (path, chapter)
