"""A whole baseline game side by side with Mesa's own BoltzmannWealth example, in one process.

    python benchmarks/bench_vs_boltzmann.py [--games 100] [--scenario baseline]

Plays, in turn, one baseline game (create the model, play its 40 rounds) and one BoltzmannWealth
game (Mesa's example: 100 agents, 40 steps), each with the next seed, and reports each one's
median time and the median of the per-pair ratios. Taking the two in turn in one run makes the
ratio hold when the shared machine's speed drifts. Target (issue "Countries that negotiate"):
a baseline game costs about 2x a BoltzmannWealth game, and stays within 10% of what it cost
before the negotiators became objects.
"""

from __future__ import annotations

import argparse
import statistics
import time

from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth

from tppgame import TPPModel, load_scenario


def tpp_game(config, seed: int) -> float:
    start = time.perf_counter()
    model = TPPModel(config, rng=seed)
    while model.running:
        model.step()
    return time.perf_counter() - start


def boltzmann_game(seed: int, steps: int = 40) -> float:
    start = time.perf_counter()
    model = BoltzmannWealth(BoltzmannScenario(rng=seed))
    for _ in range(steps):
        model.step()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=100)
    parser.add_argument("--scenario", default="baseline", help="the scenario to time (default: the baseline)")
    args = parser.parse_args()
    config = load_scenario(args.scenario)
    tpp_game(config, 0), boltzmann_game(0)          # warm-up: imports and caches
    tpp, boltzmann = [], []
    for seed in range(args.games):
        tpp.append(tpp_game(config, seed))
        boltzmann.append(boltzmann_game(seed))
    ratios = [t / b for t, b in zip(tpp, boltzmann)]
    print(f"{args.games} pairs: {args.scenario} median {statistics.median(tpp) * 1000:.1f} ms, BoltzmannWealth "
          f"(100 agents, 40 steps) median {statistics.median(boltzmann) * 1000:.1f} ms; "
          f"ratio median {statistics.median(ratios):.2f}x (p10 {sorted(ratios)[len(ratios) // 10]:.2f}, "
          f"p90 {sorted(ratios)[9 * len(ratios) // 10]:.2f})")


if __name__ == "__main__":
    main()
