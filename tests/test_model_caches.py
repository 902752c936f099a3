"""What the model derives once and shares between games, and its cheap stand-ins for numpy helpers."""

from __future__ import annotations

import numpy as np

from tppgame import TPPModel, load_scenario
from tppgame.game.plurilateral import all_close as _all_close


def test_all_close_is_numpys_allclose():
    rng = np.random.default_rng(0)
    for k in range(2000):
        y = rng.random(12) * rng.choice([0.0, 1e-9, 1e-3, 1.0, 100.0], 12)
        x = y + rng.choice([0.0, 1e-12, 1e-8, 1e-6, 1e-5, 1e-3], 12) * rng.choice([-1.0, 1.0], 12)
        if k % 7 == 0:
            x[3] = np.inf
        if k % 11 == 0:
            y[2] = np.nan
        assert _all_close(x, y) == bool(np.allclose(x, y))


def play(scenario, seed: int) -> TPPModel:
    model = TPPModel(scenario, rng=seed)
    while model.running:
        model.step()
    return model


def test_games_of_a_scenario_share_its_weights_and_its_shocked_settings():
    """Two games of a scenario share the weights, and after the TPA shock the re-validated scenario.

    Played on judged_indices (the old baseline's model), where the TPA shock is the only change a
    game makes to its settings; in the baseline a missed deadline's audience cost lowers the bars
    too, and games that miss different deadlines rightly end with different settings."""
    config = load_scenario("judged_indices")
    first, second = TPPModel(config, rng=0), TPPModel(config, rng=1)
    assert first.weights is second.weights
    first, second = play(config, 0), play(config, 1)
    assert first.config is second.config and first.config is not config
    usa = config.index("USA")
    assert first.config.params["ratification_threshold"][usa] == 0.10


def test_a_shared_shock_gives_the_game_a_fresh_model_would_play():
    """A game after a memoised shock logs exactly what a game with a scenario loaded afresh does."""
    config = load_scenario("baseline")
    play(config, 3)                                    # fills the memo
    again = play(config, 4)
    fresh = play(load_scenario("baseline").with_overrides({}), 4)
    assert again.log.to_jsonl() == fresh.log.to_jsonl()


def test_a_games_checks_remember_exactly_what_they_would_work_out_again():
    """Who would ratify, who is refused and the package from the deals, as the plurilateral check
    remembers them within a game, are the answers worked out afresh to the bit; the remembered
    arrays are read-only; a new set of side deals (the model replaces the array) starts afresh,
    and so does a list of deals replaced when deals reopen. The baseline grants transitions to the
    biologics standard, so who would ratify is worked out afresh twice: with the standard at once
    (``accepting``), then with each member's transition (Brunei needs one at round 6, seed 1)."""
    from tppgame.game.agreement import accepting, assemble_package, gives_nothing, ratifies

    config = load_scenario("baseline")
    model = TPPModel(config, rng=1)
    for _ in range(6):
        model.step()
    check, n, s = model.agreement, len(config.countries), len(config.sectors)
    group = model.members.copy()
    assert check.assembled(group).tobytes() == assemble_package(model.deals, group, n, s).tobytes()
    package = check._package(group)
    fresh = accepting(model.weights, package, group, model.side_access, model.outside)
    at_once = check._at_once(package, group)
    assert check._at_once(package, group) is at_once
    for got, expected in zip(at_once, fresh):
        assert got.tobytes() == expected.tobytes() and not got.flags.writeable
    years, relief = check.transitions(package, group, fresh[1])
    assert years[config.index("BRN")] > 0
    utility = fresh[1] + relief
    later = (ratifies(model.weights, group, utility, model.outside), utility, fresh[2])
    assert not fresh[0][config.index("BRN")] and later[0][config.index("BRN")]
    remembered = check._ratifying(package, group)
    assert check._ratifying(package, group) is remembered
    for got, expected in zip(remembered, later):
        assert got.tobytes() == expected.tobytes() and not got.flags.writeable
    refused = gives_nothing(model.weights, package, group, model.table.partners(), config.params["reciprocity"])
    assert check._refused(package, group).tobytes() == refused.tobytes()

    model.side_access = model.side_access.copy()
    again = check._ratifying(package, group)
    assert again is not remembered and all(a.tobytes() == b.tobytes() for a, b in zip(again, later))

    assert len(model.deals) > 2
    model.deals = model.deals[:-2]
    assert check.assembled(group).tobytes() == assemble_package(model.deals, group, n, s).tobytes()
    model.deals[-1] = model.deals[0]      # changed in place: the last deal seen is no longer there
    assert check.assembled(group).tobytes() == assemble_package(model.deals, group, n, s).tobytes()


def test_a_refused_members_offer_is_searched_once_per_game_for_the_same_inputs():
    """The check remembers a buy-in offer by its exact inputs: the same inputs give the same (read-only)
    offer, which is cheapest_offer's, and other inputs search again."""
    from tppgame.game.agreement import cheapest_offer

    check = TPPModel(load_scenario("baseline"), rng=0).agreement
    inputs = (np.array([0.5, 0.25]), np.array([1.0, 2.0]), 2.0, np.zeros(2), np.ones(2), 0.2)
    offer = check._cheapest(*inputs)
    assert check._cheapest(*inputs) is offer and not offer.flags.writeable
    assert offer.tobytes() == cheapest_offer(*inputs).tobytes()
    other = check._cheapest(*inputs[:5], 0.3)
    assert other.tobytes() == cheapest_offer(*inputs[:5], 0.3).tobytes() and other is not offer
