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

    Played on judged_indices (the old baseline's games), where the TPA shock is the only change a
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
