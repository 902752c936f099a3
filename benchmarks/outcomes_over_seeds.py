"""How robust is a scenario's outcome to chance? python benchmarks/outcomes_over_seeds.py [SCENARIO] [--seeds N].

Plays the scenario with seeds 0..N-1 and reports the share of seeds in which the agreement
forms and could enter into force, when it forms, and the order of the side deals.
"""

from __future__ import annotations

import argparse
from collections import Counter

from tppgame import TPPModel, load_scenario
from tppgame.report import month_label


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="baseline")
    parser.add_argument("--seeds", type=int, default=100)
    args = parser.parse_args()
    config = load_scenario(args.scenario)
    formed = in_force = 0
    when: Counter[str] = Counter()
    first_deals: Counter[str] = Counter()
    for seed in range(args.seeds):
        model = TPPModel(config, rng=seed)
        while model.running:
            model.step()
        summary = model.summary()
        formed += summary["formed"]
        in_force += summary["in_force"]
        if summary["formed"]:
            when[month_label(model, summary["round"])] += 1
        side = sorted((d.round, d.label) for d in model.deals if d.kind != "tpp")
        first_deals[" < ".join(label for _, label in side) or "none"] += 1
    n = args.seeds
    print(f"{config.name}: {n} seeds")
    print(f"agreement formed: {formed / n:.0%}; could enter into force: {in_force / n:.0%}")
    for month, count in sorted(when.items(), key=lambda kv: -kv[1]):
        print(f"  formed in {month}: {count / n:.0%}")
    for order, count in first_deals.most_common():
        print(f"  side deals in order {order}: {count / n:.0%}")


if __name__ == "__main__":
    main()
