"""Trade promotion authority as the negotiator's authority (docs/explanation/timeline.md): partners
hold back their concessions from a country whose negotiator cannot commit its government
(``countries.CODE.authority = false``, ``bargaining.held_back``), and package deals closed without
authority reopen when a shock gives it.

Hand-made world for the cost rule: two countries A and B, one sector; A would gain 0.4 from B's full
opening and B 0.2 from A's, each pays 0.1 for its own full opening (quadratic cost: 0.1 x x^2)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tppgame import TPPModel
from tppgame.experiments.headlines import first_deal_round, holds
from tppgame.game.fields import ScenarioError
from tppgame.game.scenario import BUNDLED_SCENARIOS, HeadlineSpec, load_scenario
from tppgame.game.talks import kept_share, world_terms
from tppgame.game.utility import Weights
from tppgame.report import narrate

TPA = "Congress passes trade promotion authority"
# The games below are judged_indices' (the old baseline's, where the US has authority throughout, nobody
# holds back and missed deadlines cost nothing), with the settings each test names: the rounds and
# deals they check were observed there.
# judged_indices with one US bar (the up-or-down vote's) and authority only from the TPA shock on
VARIANT = {"countries.USA.ratification_threshold": 0.10, "countries.USA.authority": False,
           f"after:{TPA}:countries.USA.ratification_threshold": 0.10}


def weights() -> Weights:
    gain = np.zeros((2, 2, 1))
    gain[0, 1, 0], gain[1, 0, 0] = 0.4, 0.2     # exporter, importer, sector
    cost = np.zeros((2, 2, 1))
    cost[0, 1, 0] = cost[1, 0, 0] = 0.1         # importer, exporter, sector: each opening costs 0.1
    return Weights(gain=gain, precedent=np.zeros_like(gain), cost=cost, gamma=2.0,
                   rival=np.zeros((2, 1), dtype=bool), red_line=np.ones((2, 1)), threshold=np.zeros(2),
                   market=np.full(2, 0.5))


def terms(kept: np.ndarray | None):
    return world_terms(weights(), np.zeros((2, 2, 1)), np.array([0]), np.array([1]), np.ones((1, 1), dtype=bool),
                       kept=kept)


def test_the_share_kept_is_held_back_only_towards_a_country_without_authority() -> None:
    assert kept_share(np.array([True, False, True]), 0.5).tolist() == [1.0, 0.5, 1.0]
    assert kept_share(np.array([True, False]), 1.0) is None          # nobody holds anything back
    assert kept_share(np.array([True, True]), 0.3) is None           # everyone can commit


def test_a_concession_to_a_partner_without_authority_costs_one_over_h_as_much() -> None:
    """B lacks authority, h = 0.5: A's opening to B costs 0.1 x 0.5^2 / 0.5 = 0.05 for half, against
    0.025 with authority; B's opening to A (who has authority) is charged as before."""
    whole, held = terms(None), terms(kept_share(np.array([True, False]), 0.5))
    half = np.array([[0.5]])
    u_a, u_b = whole.utilities(half, np.zeros((1, 1)))
    h_a, h_b = held.utilities(half, np.zeros((1, 1)))
    assert (u_a[0], u_b[0]) == pytest.approx((-0.025, 0.1))          # B gains 0.2 x 0.5
    assert (h_a[0], h_b[0]) == pytest.approx((-0.05, 0.1))           # what B gains does not change
    # B's opening to A, who has authority, costs B what it always did: 0.1 x 0.5^2
    assert np.concatenate(held.utilities(np.zeros((1, 1)), half)) == pytest.approx([0.2, -0.025])
    # where the pair's efficient deal sits: A concedes until B's marginal gain equals its marginal cost
    # (equal weights: B's gain 0.2 against twice A's cost coefficient)
    assert whole.deal_at(np.array([0.5]))[0][0, 0] == pytest.approx(1.0)   # 0.2 / (2 x 0.1)
    assert held.deal_at(np.array([0.5]))[0][0, 0] == pytest.approx(0.5)    # 0.2 / (2 x 0.2)
    # weight 0.8 on A: B's gain counts 0.2 / 0.8 = 0.25 against A's cost
    assert whole.deal_at(np.array([0.8]))[0][0, 0] == pytest.approx(0.25)  # 0.25 x 0.2 / (2 x 0.1)
    assert held.deal_at(np.array([0.8]))[0][0, 0] == pytest.approx(0.125)  # 0.25 x 0.2 / (2 x 0.2)


def test_the_settings_default_to_todays_game_and_are_checked(edited_copy) -> None:
    """A scenario that sets neither gives every negotiator authority and nobody holds back (a copy of
    the baseline without its lines); the baseline itself sets the US without authority until TPA."""
    original = BUNDLED_SCENARIOS / "baseline.toml"
    text = original.read_text(encoding="utf-8")
    assert text.count("\nauthority =") == 1 and text.count("\nheld_back =") == 1
    unset = edited_copy(edited_copy(original, "\nauthority = false", "\n"), "\nheld_back = 0.25", "\n")
    params = load_scenario(unset).params
    assert params["authority"].all() and params["held_back"] == 1.0
    baseline = load_scenario("baseline").params
    assert baseline["authority"].tolist() == [False] + [True] * 11 and baseline["held_back"] == 0.25
    with pytest.raises(ScenarioError, match="held_back"):
        load_scenario("baseline", {"bargaining.held_back": 0.0})
    with pytest.raises(ScenarioError, match="authority"):
        load_scenario("baseline", {"countries.USA.authority": "no"})


def play(overrides: dict, stop: int | None = None) -> TPPModel:
    model = TPPModel("judged_indices", overrides=overrides)
    while model.running and (stop is None or model.round < stop):
        model.step()
    return model


def us_japan(model: TPPModel):
    return next(t for t in model.talks if t.pair == frozenset(("USA", "JPN")) and t.in_package)


def test_the_tpa_shock_gives_authority() -> None:
    """A shock can set authority (as the variant's TPA event does): before it the US has none, from its
    round on it has, and the story names the change."""
    model = play(VARIANT, stop=5)
    assert not model.config.params["authority"][model.config.index("USA")]
    model.apply_shock({"countries.USA.authority": True}, TPA)
    assert model.config.params["authority"][model.config.index("USA")]
    shock = model.log.of_kind("shock")[-1]
    assert shock["changes"] == {"countries.USA.authority": True}


def test_a_deal_closed_without_authority_reopens_when_it_comes() -> None:
    """h = 0.5, seed 2013: the US-Japan deal closes at Obama's visit (April 2014, round 10) on held-back
    terms, provisional. When authority comes (a shock in round 12), the talk reopens: the deal leaves
    the package and the talk can meet again."""
    model = play({**VARIANT, "bargaining.held_back": 0.5}, stop=11)
    talk = us_japan(model)
    assert talk.deal is not None and talk.closed_round == 10 and talk.provisional
    assert model.formed_round is None
    # deals between countries with authority are never provisional
    assert not any(t.provisional for t in model.talks if t.deal is not None and "USA" not in t.pair)
    model.step()
    model.apply_shock({"countries.USA.authority": True}, TPA)
    assert talk.deal is None and not talk.provisional
    assert not any(d.label == talk.label for d in model.deals)
    assert model.log.of_kind("reopened")[-1]["authority"] == ["USA"]
    assert not model.network.has_edge("USA", "JPN")            # no agreement in force between them either
    # the deal did close in April 2014: a headline about when a pair first dealt still sees it
    assert [d.round for d in model.table.reopened_deals if d.label == talk.label] == [10]
    assert first_deal_round(model, ("USA", "JPN")) == 10
    assert first_deal_round(model, ("USA", "JPN"), standing=True) is None     # it does not stand
    no_deal = {"kind": "no_deal_by", "pair": ("USA", "JPN"), "by": 12}   # as the loader gives by_round
    assert not holds(model, HeadlineSpec("no US-Japan deal by round 12", "no_deal_by", tuple(no_deal.items())))
    standing = tuple({**no_deal, "standing": True}.items())
    assert holds(model, HeadlineSpec("no US-Japan deal that stands by round 12", "no_deal_by", standing))
    model.step()
    assert talk in model.table.available_talks
    story = list(narrate(model))
    assert any(line.strip().startswith("Reopened: US-Japan bilateral deal") and "United States" in line
               for line in story)


def test_a_deal_with_a_member_that_has_left_does_not_reopen() -> None:
    """tpp_without_japan, seed 2013: the US and Japan close a provisional deal in March 2014 and Japan
    leaves in May; when trade promotion authority comes (June 2015) the US's talks with the members
    reopen, but not the one with Japan: its deal stays as it closed, binding only within a TPP Japan
    is no longer in."""
    model = TPPModel("tpp_without_japan")
    while model.running and model.round < 24:
        model.step()
    reopened = [e["talk"] for e in model.log.of_kind("reopened")]
    assert reopened and all("USA" in (e["a"], e["b"]) for e in model.log.of_kind("reopened"))
    assert not any("Japan" in label or "JPN" in label for label in reopened)
    assert us_japan(model).deal is not None and not model.members[model.config.index("JPN")]


def test_nothing_reopens_once_the_agreement_has_formed() -> None:
    """h = 0.5, seed 2013: the agreement forms in October 2014 (round 16), before any authority (the
    held-back package is enough for a US bar of 0.10); the signed text stands when authority comes."""
    model = play({**VARIANT, "bargaining.held_back": 0.5}, stop=17)
    assert model.formed_round == 16 and us_japan(model).provisional
    model.apply_shock({"countries.USA.authority": True}, TPA)
    assert not model.log.of_kind("reopened")
    assert us_japan(model).deal is not None


def test_a_game_with_authority_everywhere_never_reopens() -> None:
    model = play({})
    assert not model.log.of_kind("reopened")
    assert not any(t.provisional for t in model.talks)


SINGAPORE = "Singapore ministerial: the end-2013 target"
OBAMA = "Obama's state visit to Tokyo"


def audience_costs(model: TPPModel) -> dict[str, dict[str, float]]:
    """The audience-cost shocks of a game so far: the missed deadline's label -> the bars it set."""
    prefix = "audience cost of the missed deadline: "
    return {e["label"][len(prefix):]: e["changes"] for e in model.log.of_kind("shock") if e["label"].startswith(prefix)}


def test_a_missed_deadline_lowers_the_bars_by_one_minus_patience_to_the_k() -> None:
    """K = 3, seed 2013 (judged_indices otherwise): the Singapore target (no pairs) passes unmet in
    December 2013, so every member's bar falls to bar x patience^3 (0.97^3 = 0.9127 of it); Obama's
    visit (April 2014) passes without a US-Japan deal, so the US's and Japan's fall again, and only
    theirs."""
    start = load_scenario("judged_indices").params
    model = play({"bargaining.deadline_cost": 3}, stop=10)
    costs = audience_costs(model)
    assert list(costs) == [SINGAPORE, OBAMA]
    members = [c for c in model.countries]
    assert sorted(costs[SINGAPORE]) == sorted(f"countries.{c}.ratification_threshold" for c in members)
    for c in members:
        i = model.config.index(c)
        once = start["ratification_threshold"][i] * start["patience"][i] ** 3
        assert costs[SINGAPORE][f"countries.{c}.ratification_threshold"] == pytest.approx(once, abs=1e-6)
    assert sorted(costs[OBAMA]) == ["countries.JPN.ratification_threshold", "countries.USA.ratification_threshold"]
    usa = model.config.index("USA")
    twice = start["ratification_threshold"][usa] * start["patience"][usa] ** 6
    assert costs[OBAMA]["countries.USA.ratification_threshold"] == pytest.approx(twice, abs=2e-6)
    assert model.config.params["ratification_threshold"][usa] == pytest.approx(twice, abs=2e-6)


def test_a_met_deadline_and_the_default_cost_nothing() -> None:
    """With the setting at its default (0, as judged_indices sets it) no deadline costs anything; a met
    deadline never does (Abbott's visit, April 2014: the Japan-Australia deal closes at it in
    judged_indices)."""
    assert not audience_costs(play({}, stop=12))
    model = play({"bargaining.deadline_cost": 3}, stop=12)
    met = {e["label"] for e in model.log.of_kind("deadline") if e["met"]}
    assert met and not met & set(audience_costs(model))


@pytest.mark.parametrize("setting, value, expected", [
    ("bargaining.held_back", "0", "bargaining.held_back"),
    ("bargaining.held_back", "1.5", "bargaining.held_back"),
    ("bargaining.deadline_cost", "-1", "bargaining.deadline_cost"),
    ("countries.USA.authority", "maybe", "countries.USA.authority"),
])
def test_a_bad_value_is_one_line_naming_the_setting(one_error_line, setting: str, value: str, expected: str) -> None:
    line = one_error_line(["baseline", "--set", f"{setting}={value}"])
    assert expected in line


@settings(max_examples=40, deadline=None)
@given(h=st.floats(0.01, 1.0), x=st.floats(0.0, 1.0))
def test_holding_back_never_makes_a_concession_cheaper_nor_changes_what_the_partner_gains(h: float, x: float) -> None:
    """For any h and any concession by A to B (who lacks authority): A's utility is 1/h times what it
    is with authority (the cost alone, since A receives nothing), and B's gain is unchanged."""
    whole, held = terms(None), terms(kept_share(np.array([True, False]), h))
    give = np.array([[x]])
    u_a, u_b = whole.utilities(give, np.zeros((1, 1)))
    h_a, h_b = held.utilities(give, np.zeros((1, 1)))
    assert h_a[0] == pytest.approx(u_a[0] / h) and h_a[0] <= u_a[0] + 1e-15
    assert h_b[0] == pytest.approx(u_b[0])
