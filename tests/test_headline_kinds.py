"""The headline kinds for the stylised facts of the talks (tppgame.experiments.headlines).

Each measure by hand on small arrays; each check on a constructed run (a stand-in model holding
only what the checks read, with figures a reader can verify) and on real runs against what the
run's deals and summary say; an example scenario using every kind loads, plays and passes the JSON
Schema; a malformed headline stops the load with one line naming the file and the field.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import tomllib

import jsonschema
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tppgame.experiments.headlines import (CHECKS, among_top, concedes_in_protected, final_concessions, holds,
                                           others_can_enter_into_force, own_cuts, package_schedule, play,
                                           protected_sectors)
from tppgame.game.json_schema import as_json, json_schema
from tppgame.game.scenario import BUNDLED_SCENARIOS, HeadlineSpec, ScenarioError, load_scenario
from tppgame.game.scenario_schema import HEADLINE_KINDS, HEADLINE_NEEDS

NEW_KINDS = ("formed_between", "veto", "smallest_concession", "deeper_than_side_deal", "largest_cuts",
             "concedes_in_protected")


def headline(kind: str, **params) -> HeadlineSpec:
    return HeadlineSpec("claim", kind, tuple(sorted(params.items())))


# ------------------------------------------------------------------ the measures by hand
def test_own_cut_is_the_mean_over_sectors_of_concession_times_barrier():
    concessions = np.array([[1.0, 0.5, 0.0], [0.2, 0.2, 0.2]])
    barrier = np.array([[0.6, 0.4, 0.9], [0.0, 0.3, 0.3]])
    # (0.6 + 0.2 + 0) / 3 = 0.2667; (0 + 0.06 + 0.06) / 3 = 0.04
    assert own_cuts(concessions, barrier) == pytest.approx([0.8 / 3, 0.04])


def test_among_top_counts_larger_values_among_the_players_only():
    values = np.array([0.3, 0.5, 0.3, 0.9, 0.0])
    players = np.array([True, True, True, False, True])
    # the non-player's 0.9 does not count; 0.3 and 0.3 share second place; nobody is top with 0
    assert among_top(values, players, 1).tolist() == [False, True, False, False, False]
    assert among_top(values, players, 2).tolist() == [True, True, True, False, False]
    assert among_top(values, players, 5).tolist() == [True, True, True, False, False]


def test_protected_sectors_are_the_highest_barriers_without_the_unprotected():
    barrier = np.array([[0.2, 0.9, 0.5, 0.5],
                        [0.0, 0.0, 0.1, 0.0]])
    chosen = protected_sectors(barrier, 2)
    assert chosen[0].tolist() == [False, True, True, False]     # 0.9, then the first of the tied 0.5s
    assert chosen[1].tolist() == [False, False, True, False]    # the only sector it protects


def test_concedes_in_protected_needs_one_of_the_top_sectors():
    barrier = np.array([[0.2, 0.9, 0.5], [0.3, 0.8, 0.1], [0.0, 0.0, 0.0]])
    concessions = np.array([[1.0, 0.0, 0.0],     # opens only its least protected sector
                            [0.0, 0.1, 0.0],     # opens its most protected a little
                            [0.0, 0.0, 0.0]])    # protects nothing: nothing to concede
    assert concedes_in_protected(concessions, barrier, 2, 0.05).tolist() == [False, True, True]
    assert concedes_in_protected(concessions, barrier, 2, 0.2).tolist() == [False, False, True]
    assert concedes_in_protected(concessions, barrier, 3, 0.5).tolist() == [True, False, True]


shares = arrays(float, (4, 5), elements=st.floats(0, 1))


@settings(max_examples=60, deadline=None)
@given(shares, shares, st.integers(1, 5), st.floats(0, 1), st.integers(0, 3), st.integers(0, 4))
def test_measures_are_monotone(concessions, barrier, top, at_least, country, sector):
    """Conceding more never lowers a cut, never drops a country from conceding in its protected sectors;
    a country among the top N is among the top N + 1; a higher bar never holds where a lower one fails."""
    more = concessions.copy()
    more[country, sector] = 1.0
    assert (own_cuts(more, barrier) >= own_cuts(concessions, barrier) - 1e-12).all()
    conceded = concedes_in_protected(concessions, barrier, top, at_least)
    assert (concedes_in_protected(more, barrier, top, at_least) >= conceded).all()
    assert (concedes_in_protected(concessions, barrier, top, at_least / 2) >= conceded).all()
    players = np.ones(4, dtype=bool)
    cuts = own_cuts(concessions, barrier)
    top_cuts = min(top, 4)
    assert (among_top(cuts, players, top_cuts + 1) >= among_top(cuts, players, top_cuts)).all()
    assert among_top(cuts, players, 4).tolist() == (cuts > 0).tolist()
    assert (protected_sectors(barrier, top).sum(axis=1) <= top).all()


# ------------------------------------------------------------------ a constructed run
def constructed(formed_round: int | None = 20) -> SimpleNamespace:
    """Three countries, two sectors; A opened s0 fully and s1 by 0.2 in the package, B opened s1 by 0.4
    to C in a side deal and nothing in the package, C conceded nothing."""
    countries, sectors = ("A", "B", "C"), ("s0", "s1")
    schedule = np.array([[1.0, 0.2], [0.0, 0.0], [0.0, 0.0]])
    side = np.zeros((3, 3, 2))
    side[2, 1, 1] = 0.4                       # C's access to B's market in s1
    access = np.maximum(np.where(np.eye(3, dtype=bool)[:, :, None], 0.0, schedule[None, :, :]), side)
    formed = formed_round is not None
    agreement = SimpleNamespace(signed_schedule=schedule, in_force_schedule=lambda x: x)
    barrier = np.array([[0.5, 0.9], [0.1, 0.8], [0.2, 0.2]])
    config = SimpleNamespace(rounds=40, params={"barrier": barrier, "gdp": np.array([60.0, 30.0, 10.0])},
                             entry_rule=load_scenario().entry_rule)   # the TPP's: 6 signatories, 85% of GDP
    return SimpleNamespace(countries=countries, sectors=sectors, formed_round=formed_round, agreement=agreement,
                           last_check=SimpleNamespace(formed=formed, access=access if formed else side),
                           side_access=side, members=np.ones(3, dtype=bool), original=np.ones(3, dtype=bool),
                           config=config)


def test_the_constructed_runs_concessions_and_schedule():
    model = constructed()
    assert final_concessions(model).tolist() == [[1.0, 0.2], [0.0, 0.4], [0.0, 0.0]]
    assert package_schedule(model).tolist() == [[1.0, 0.2], [0.0, 0.0], [0.0, 0.0]]
    assert package_schedule(constructed(None)).tolist() == [[0.0, 0.0]] * 3


@pytest.mark.parametrize("window, expected", [
    ({"from": 19, "by": 30}, True), ({"from": 20, "by": 20}, True), ({"from": 21, "by": 30}, False),
    ({"from": 10, "by": 19}, False), ({"from": 10}, True),      # without "by": to the end of the game
])
def test_formed_between(window, expected):
    assert CHECKS["formed_between"](constructed(20), headline("formed_between", **window)) is expected
    assert CHECKS["formed_between"](constructed(None), headline("formed_between", **window)) is False


def test_smallest_concession():
    model = constructed()
    # A: s1 (0.2) <= s0 (1.0) holds, s0 <= s1 does not; B: s0 (0) <= s1 (0.4); C: a tie at 0 holds
    assert CHECKS["smallest_concession"](model, headline("smallest_concession", country="A", sector="s1",
                                                         among=["s0"]))
    assert not CHECKS["smallest_concession"](model, headline("smallest_concession", country="A", sector="s0",
                                                             among=["s1"]))
    assert CHECKS["smallest_concession"](model, headline("smallest_concession", country="C", sector="s0",
                                                         among=["s1"]))


def test_deeper_than_side_deal_compares_the_package_with_the_side_deal():
    model = constructed()
    # A's package opens s1 by 0.2 and C has no side deal with A: deeper; B's package opens nothing
    # in s1 while its side deal gives C 0.4: not deeper; without the agreement nothing is deeper
    assert CHECKS["deeper_than_side_deal"](model, headline("deeper_than_side_deal", importer="A", exporter="C",
                                                           sector="s1"))
    assert not CHECKS["deeper_than_side_deal"](model, headline("deeper_than_side_deal", importer="B",
                                                               exporter="C", sector="s1"))
    assert not CHECKS["deeper_than_side_deal"](constructed(None), headline("deeper_than_side_deal", importer="A",
                                                                           exporter="C", sector="s1"))


def test_largest_cuts():
    model = constructed()
    # cuts: A (0.5 + 0.18) / 2 = 0.34, B 0.32 / 2 = 0.16, C 0
    assert CHECKS["largest_cuts"](model, headline("largest_cuts", countries=["A"], top=1))
    assert not CHECKS["largest_cuts"](model, headline("largest_cuts", countries=["B"], top=1))
    assert CHECKS["largest_cuts"](model, headline("largest_cuts", countries=["A", "B"], top=2))
    assert not CHECKS["largest_cuts"](model, headline("largest_cuts", countries=["C"], top=3))   # cut nothing


def test_concedes_in_protected():
    model = constructed()
    # top sector by barrier: A s1 (0.9, conceded 0.2), B s1 (0.8, 0.4 by side deal), C s0 (tie: first, 0)
    assert CHECKS["concedes_in_protected"](model, headline("concedes_in_protected", country="A", top=1,
                                                           at_least=0.2))
    assert not CHECKS["concedes_in_protected"](model, headline("concedes_in_protected", top=1, at_least=0.1))
    model.members = np.array([True, True, False])        # every member: A and B
    assert CHECKS["concedes_in_protected"](model, headline("concedes_in_protected", top=1, at_least=0.1))


def test_veto_under_an_85_percent_rule_by_gdp():
    """GDP 60, 30, 10 and the TPP's rule (85% of the original signatories' GDP; six signatories, fewer
    than three here, so never met): nobody can enter into force, so each one is a veto vacuously.
    With a rule of one signatory and 85%: without A the others hold 40%, without C 90%."""
    model = constructed()
    assert all(CHECKS["veto"](model, headline("veto", country=c)) for c in "ABC")
    rule = model.config.entry_rule
    model.config.entry_rule = type(rule)(name="custom", min_signatories=1, min_gdp_share=0.85)
    assert [others_can_enter_into_force(model, c) for c in "ABC"] == [False, False, True]
    assert CHECKS["veto"](model, headline("veto", country="A"))
    assert not CHECKS["veto"](model, headline("veto", country="C"))
    model.members = np.array([False, True, True])         # A has left: without it, B and C hold 40%
    assert CHECKS["veto"](model, headline("veto", country="A"))


# ------------------------------------------------------------------ real runs
@pytest.fixture(scope="module")
def baseline_run():
    return play(load_scenario(), 0, record=False)


def test_veto_in_the_baseline_is_the_us_and_japan(baseline_run):
    """2013 GDP: the US holds about 60% of the twelve's and Japan about 18%, so without either the others
    stay under 85%; without Canada (about 6.6%) the other eleven hold over 93%."""
    model = baseline_run
    vetoes = [c for c in model.countries if CHECKS["veto"](model, headline("veto", country=c))]
    assert vetoes == ["USA", "JPN"]


def test_after_the_us_withdrawal_the_cptpp_rule_has_no_veto():
    model = play(load_scenario("us_withdrawal_cptpp"), 2013, record=False)
    assert "USA" not in [c for c, m in zip(model.countries, model.members) if m]
    assert not CHECKS["veto"](model, headline("veto", country="USA"))
    assert not CHECKS["veto"](model, headline("veto", country="JPN"))


def test_concessions_in_a_real_run_are_the_summarys(baseline_run):
    model = baseline_run
    summary = model.summary()["countries"]
    table = np.array([[summary[c]["concessions"][s] for s in model.sectors] for c in model.countries])
    assert np.allclose(final_concessions(model), table, atol=1e-4)
    sacred = ["wheat", "beef", "pork", "dairy", "sugar"]
    rice = summary["JPN"]["concessions"]["rice"]
    expected = all(rice <= summary["JPN"]["concessions"][s] for s in sacred)
    assert holds(model, headline("smallest_concession", country="JPN", sector="rice", among=sacred)) is expected


def test_deeper_than_side_deal_in_real_runs_follows_the_deals():
    """Japan's TPP beef cut is the most it gave in beef in any package deal among the signatories; the
    side deal's is what it gave Australia in the Japan-Australia EPA."""
    scenario = load_scenario()
    for seed in range(3):
        model = play(scenario, seed, record=False)
        jp, au, beef = model.countries.index("JPN"), model.countries.index("AUS"), model.sectors.index("beef")
        signed = set(model.last_check.signatories) if model.formed_round is not None else set()

        def given_by_japan(deal):
            return deal.x_ab[beef] if deal.a == jp else deal.x_ba[beef] if deal.b == jp else 0.0

        tpp = max([given_by_japan(d) for d in model.deals if d.kind != "standalone"
                   and {model.countries[d.a], model.countries[d.b]} <= signed], default=0.0)
        side = max([given_by_japan(d) for d in model.deals if d.kind == "standalone" and au in (d.a, d.b)],
                   default=0.0)
        claim = headline("deeper_than_side_deal", importer="JPN", exporter="AUS", sector="beef")
        assert holds(model, claim) is bool(tpp > side + 1e-9), seed


def test_largest_cuts_in_a_real_run_ranks_the_members(baseline_run):
    model = baseline_run
    cuts = own_cuts(final_concessions(model), model.config.params["barrier"])
    assert model.members.all()
    ranked = np.argsort(-cuts, kind="stable")
    first, last = model.countries[ranked[0]], model.countries[ranked[-1]]
    assert holds(model, headline("largest_cuts", countries=[first], top=1)) is bool(cuts.max() > 0)
    assert holds(model, headline("largest_cuts", countries=[last], top=1)) is bool(0 < cuts.min() == cuts.max())
    assert holds(model, headline("largest_cuts", countries=[last], top=12)) is bool(cuts.min() > 0)


def test_term_between_reads_the_agreements_biologics_standard(baseline_run):
    """The standard is the least any signatory binds (summary's rules_terms); a window around it holds,
    one above it does not."""
    model = baseline_run
    biologics = model.summary()["rules_terms"]["biologics"]
    term = biologics["term"]
    assert term == pytest.approx(min(biologics["bound"].values()))
    around = headline("term_between", sector="biologics", low=term - 0.01, high=term + 0.01)
    above = headline("term_between", sector="biologics", low=term + 0.01, high=12.0)
    assert holds(model, around) is True and holds(model, above) is False


def test_no_agreement_sets_no_term():
    from tppgame import TPPModel

    model = TPPModel(scenario="baseline", rng=0, record=False)
    model.step()                                   # July 2013: nothing formed yet
    assert model.formed_round is None
    assert model.summary()["rules_terms"]["biologics"] == {
        "label": "Biologics data protection", "unit": "years", "suspended": False, "term": None, "bound": {}}
    assert holds(model, headline("term_between", sector="biologics", low=0.0, high=12.0)) is False


# ------------------------------------------------------------------ an example scenario with every kind
EXAMPLE = '''extends = "baseline"
name = "Stylised facts"

[[headlines]]
claim = "The agreement forms during 2015"
kind = "formed_between"
from_date = 2015-01-01
by_date = 2015-12-31

[[headlines]]
claim = "No group without the US meets the entry rule"
kind = "veto"
country = "USA"

[[headlines]]
claim = "Rice is Japan's smallest concession among its sacred sectors"
kind = "smallest_concession"
country = "JPN"
sector = "rice"
among = ["wheat", "beef", "pork", "dairy", "sugar"]

[[headlines]]
claim = "Japan's TPP beef cut is deeper than its beef cut for Australia in their side deal"
kind = "deeper_than_side_deal"
importer = "JPN"
exporter = "AUS"
sector = "beef"

[[headlines]]
claim = "Vietnam and Malaysia make two of the three largest cuts of their own protection"
kind = "largest_cuts"
countries = ["VNM", "MYS"]
top = 3

[[headlines]]
claim = "Every member concedes something in its three most protected sectors"
kind = "concedes_in_protected"
top = 3
at_least = 0.05
'''


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copy(BUNDLED_SCENARIOS / "baseline.toml", tmp_path / "baseline.toml")
    return tmp_path


def test_the_example_scenario_uses_every_new_kind_and_plays(folder):
    path = folder / "facts.toml"
    path.write_text(EXAMPLE, encoding="utf-8")
    scenario = load_scenario(path)
    assert [h.kind for h in scenario.headlines] == list(NEW_KINDS)
    window = scenario.headlines[0]
    # monthly rounds from July 2013: January 2015 is round 19, December 2015 round 30
    assert (window.get("from"), window.get("by")) == (19, 30)
    model = play(scenario, 0, record=False)
    verdicts = [holds(model, h) for h in scenario.headlines]
    assert verdicts[0] is (model.formed_round is not None and 19 <= model.formed_round <= 30)
    assert verdicts[1] is True
    assert all(isinstance(v, bool) for v in verdicts)


def test_the_json_schema_accepts_the_example_and_wants_each_kinds_fields(folder):
    validator = jsonschema.Draft202012Validator(json_schema())
    document = as_json(tomllib.loads(EXAMPLE))
    assert list(validator.iter_errors(document)) == []
    for k, kind in enumerate(NEW_KINDS):
        entry = document["headlines"][k]
        for key in [key for key in entry if key not in ("claim", "kind", "by_date")]:
            broken = {**document, "headlines": [{n: v for n, v in entry.items() if n != key}]}
            assert list(validator.iter_errors(broken)), f"{kind} without {key}"


def test_the_json_schema_allows_standing_only_on_headlines_about_deals():
    validator = jsonschema.Draft202012Validator(json_schema())
    document = as_json(tomllib.loads('extends = "baseline"'))

    def with_headline(**entry: object) -> list:
        return list(validator.iter_errors({**document, "headlines": [{"claim": "a claim", **entry}]}))

    assert with_headline(kind="no_deal_by", pair=["USA", "JPN"], by_date="2015-06-01", standing=True) == []
    assert with_headline(kind="deal_order", first=["AUS", "JPN"], then=["USA", "JPN"], standing=False) == []
    assert with_headline(kind="formed", expect=True, standing=True)


def test_every_kind_has_a_check_and_its_needs():
    assert set(CHECKS) == set(HEADLINE_KINDS) == set(HEADLINE_NEEDS)


BAD_HEADLINES = {
    "missing among": ('kind = "smallest_concession"\ncountry = "JPN"\nsector = "rice"\n', "headlines[0].among",
                      "a value for a smallest_concession headline"),
    "unknown sector among": ('kind = "smallest_concession"\ncountry = "JPN"\nsector = "rice"\namong = ["natto"]\n',
                             "headlines[0].among[0]", "a sector"),
    "unknown country": ('kind = "veto"\ncountry = "XXX"\n', "headlines[0].country", "one of USA"),
    "unknown field": ('kind = "veto"\ncountry = "USA"\nbloc = "x"\n', "headlines[0].bloc", "a known key"),
    "missing exporter": ('kind = "deeper_than_side_deal"\nimporter = "JPN"\nsector = "beef"\n',
                         "headlines[0].exporter", "a value for a deeper_than_side_deal headline"),
    "importer as exporter": ('kind = "deeper_than_side_deal"\nimporter = "JPN"\nexporter = "JPN"\nsector = "beef"\n',
                             "headlines[0].exporter", "a country other than the importer"),
    "top below the countries listed": ('kind = "largest_cuts"\ncountries = ["VNM", "MYS"]\ntop = 1\n',
                                       "headlines[0].top", "from the 2 countries listed"),
    "unknown country listed": ('kind = "largest_cuts"\ncountries = ["VNM", "XXX"]\ntop = 2\n',
                               "headlines[0].countries[1]", "a country code"),
    "top beyond the sectors": ('kind = "concedes_in_protected"\ntop = 12\nat_least = 0.1\n', "headlines[0].top",
                               "at most the 11 sectors"),   # the baseline plays ten sectors and services
    "missing at_least": ('kind = "concedes_in_protected"\ntop = 3\n', "headlines[0].at_least",
                         "a value for a concedes_in_protected headline"),
    "window without a start": ('kind = "formed_between"\nby_date = 2015-12-31\n', "headlines[0]",
                               "from_round or from_date for a formed_between headline"),
    "start as round and date": ('kind = "formed_between"\nfrom_round = 19\nfrom_date = 2015-01-01\n',
                                "headlines[0]", "at most one of from_round or from_date"),
    "window ending before it starts": ('kind = "formed_between"\nfrom_date = 2015-06-01\nby_date = 2015-01-31\n',
                                       "headlines[0]", "a window whose start (round 24)"),
    "term on a tariff sector": ('kind = "term_between"\nsector = "rice"\nlow = 5\nhigh = 8\n', "headlines[0].sector",
                                "a sector that is a rules issue (biologics, services, procurement, soe)"),
    "term window upside down": ('kind = "term_between"\nsector = "biologics"\nlow = 8\nhigh = 5\n',
                                "headlines[0].high", "a term at least low (8)"),
    "term without high": ('kind = "term_between"\nsector = "biologics"\nlow = 5\n', "headlines[0].high",
                          "a value for a term_between headline"),
    "standing on a headline not about deals": ('kind = "formed"\nexpect = true\nstanding = true\n',
                                                "headlines[0].standing", "no `standing` on a formed headline"),
    "start after the game": ('kind = "formed_between"\nfrom_date = 2030-01-01\n', "headlines[0].from_date",
                             "a time within the 40 rounds"),
}


@pytest.mark.parametrize("body, key_path, expected", BAD_HEADLINES.values(), ids=BAD_HEADLINES.keys())
def test_a_malformed_headline_gives_one_line_naming_file_and_field(folder, body, key_path, expected):
    path = folder / "bad.toml"
    path.write_text(f'extends = "baseline"\n\n[[headlines]]\nclaim = "a claim"\n{body}', encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert "\n" not in message
    assert f"bad.toml: {key_path}:" in message, message
    assert expected in message, message


def test_a_malformed_headline_on_the_command_line_exits_2_with_one_line(folder, one_error_line, monkeypatch):
    (folder / "bad.toml").write_text('extends = "baseline"\n\n[[headlines]]\nclaim = "c"\nkind = "veto"\n',
                                     encoding="utf-8")
    monkeypatch.chdir(folder)
    message = one_error_line(["robustness", str(folder / "bad.toml"), "--seeds", "1"])
    assert "headlines[0].country" in message
