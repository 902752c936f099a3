"""Time whole games of a scenario in one process: python benchmarks/bench_game.py [SCENARIO] [--games N].

A game is creating the model and playing every round (the scenario file itself is read once
per process, as in a sweep). Reports the median and spread over many games with different
seeds, after a warm-up game.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

from tppgame import TPPModel, load_scenario


def time_games(scenario: str, games: int, first_seed: int = 0) -> list[float]:
    """Seconds per whole game, one entry per seed."""
    config = load_scenario(scenario)
    TPPModel(config, rng=first_seed)  # warm-up: imports and caches
    times = []
    for seed in range(first_seed, first_seed + games):
        start = time.perf_counter()
        model = TPPModel(config, rng=seed)
        while model.running:
            model.step()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="baseline")
    parser.add_argument("--games", type=int, default=200)
    args = parser.parse_args()
    config = load_scenario(args.scenario)
    times = sorted(time_games(args.scenario, args.games))
    ms = [t * 1000 for t in times]
    print(f"scenario {config.name!r}: {len(config.countries)} countries, {len(config.sectors)} sectors, "
          f"{config.rounds} rounds, protocol {config.protocol}")
    print(f"{args.games} games on {platform.python_implementation()} {platform.python_version()}, "
          f"{platform.machine()}")
    print(f"median {statistics.median(ms):.1f} ms per game; p10 {ms[len(ms) // 10]:.1f} ms; "
          f"p90 {ms[(9 * len(ms)) // 10]:.1f} ms; mean {statistics.fmean(ms):.1f} ms")


if __name__ == "__main__":
    main()
