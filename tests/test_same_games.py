"""Same games: every bundled scenario plays, seed for seed, to the very record it played to before.

A restructuring (agents that decide, negotiators as classes, a new layout) must not change a
single game. For each scenario and seeds 0-9 this hashes the event log (as written to
``events.jsonl``), the summary (``summary.json``) and both DataCollector tables, and compares
with the hashes kept in ``tests/data/game_hashes.json``. A change of outcome made on purpose
is recorded by running ``python tests/test_same_games.py --update`` and named in the commit.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

from tppgame import TPPModel
from tppgame.game.scenario import available_scenarios

SCENARIOS = [path.stem for path in available_scenarios()]

HASHES = Path(__file__).parent / "data" / "game_hashes.json"
SEEDS = range(10)


def _table_text(frame) -> str:
    """A DataCollector table as text, floats to 9 decimals (more than any output shows)."""
    return frame.to_csv(float_format="%.9f", lineterminator="\n")


def game_hashes(scenario: str, seed: int) -> dict[str, str]:
    """Hashes of one finished game's event log, summary and DataCollector tables."""
    model = TPPModel(scenario, rng=seed)
    while model.running:
        model.step()
    parts = {
        "events": model.log.to_jsonl(),
        "summary": json.dumps(model.summary(), indent=2),
        "model_vars": _table_text(model.datacollector.get_model_vars_dataframe()),
        "agent_vars": _table_text(model.datacollector.get_agent_vars_dataframe()),
    }
    return {name: hashlib.sha256(text.encode()).hexdigest()[:16] for name, text in parts.items()}


def all_hashes() -> dict[str, dict[str, str]]:
    return {f"{name}/{seed}": game_hashes(name, seed) for name in SCENARIOS for seed in SEEDS}


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_scenario_plays_the_same_games_as_before(name):
    kept = json.loads(HASHES.read_text())
    for seed in SEEDS:
        assert game_hashes(name, seed) == kept[f"{name}/{seed}"], f"{name} seed {seed} plays differently"


def test_the_kept_hashes_cover_every_bundled_scenario():
    kept = json.loads(HASHES.read_text())
    assert {key.split("/")[0] for key in kept} == set(SCENARIOS)


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/test_same_games.py --update  (records today's games as the reference)")
    HASHES.write_text(json.dumps(all_hashes(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {HASHES}")
