"""Measure how the bargaining plays out over seeds: python benchmarks/bargaining_symptoms.py [SCENARIO] [--seeds N].

What it reports, each over the seeds 0..N-1 of the scenario (default: the baseline, 100 seeds):

* **Who proposes first.** Each seed is played twice more with the first proposer of one pair's
  talk (``--pair``, default the US-Japan deal) fixed, once each way. For the deal that closes,
  the first side's share of the surplus above both reservations, as the talk's frontier stood:
  its mean each way and the mean absolute difference between the two. A split that follows a
  theory of the pair's frontier, not the coin toss, shows a difference near 0.
* **Members that concede nothing**: per country, the share of seeds in which it ratifies the
  agreement that forms while every one of its concessions is 0.
* **Talks that close**: the median number of package talks that close, of all package talks.
* **Formation**: the share of seeds in which the agreement forms, and the median date.

Games run without records (as a sweep's do), so a hundred seeds take seconds.
"""

from __future__ import annotations

import argparse
import statistics
from collections import Counter
from typing import Any

import numpy as np

from tppgame import TPPModel, load_scenario
from tppgame.game.scenario import Scenario


def play(config: Scenario, seed: int, first: tuple[str, str] | None = None,
         first_is_a: bool | None = None) -> TPPModel:
    """A whole game; with ``first``, the pair's talk has its first proposer fixed (side a when
    ``first_is_a``) instead of drawn."""
    model = TPPModel(config, rng=seed, record=False)
    if first is not None:
        for talk in model.talks:
            if talk.in_package and talk.pair == frozenset(first):
                talk.first_proposer_is_a = first_is_a
    while model.running:
        model.step()
    return model


def surplus_share(model: TPPModel, pair: tuple[str, str]) -> float | None:
    """``pair[0]``'s share of the surplus above both reservations in the pair's package deal, on the
    frontier as it stood when the deal closed (None if no such deal closed)."""
    for deal in model.deals:
        if deal.kind == "standalone" or deal.frontier is None:
            continue
        if {model.countries[deal.a], model.countries[deal.b]} != set(pair):
            continue
        f = deal.frontier
        u_a, u_b = f.terms.utilities(deal.x_ab[None, :], deal.x_ba[None, :])
        g_a, g_b = float(u_a[0] - f.reserve_a[0]), float(u_b[0] - f.reserve_b[0])
        total = g_a + g_b
        if total <= 1e-12:
            return 0.5
        share_a = g_a / total
        return share_a if model.countries[deal.a] == pair[0] else 1.0 - share_a
    return None


def measure(scenario: str, seeds: int, pair: tuple[str, str]) -> dict[str, Any]:
    """The symptoms over seeds 0..seeds-1 (see the module's docstring)."""
    config = load_scenario(scenario)
    nothing: Counter[str] = Counter()
    closed, total, formed, rounds = [], 0, 0, []
    shares: dict[bool, list[float]] = {True: [], False: []}
    gaps = []
    for seed in range(seeds):
        model = play(config, seed)
        package = [t for t in model.talks if t.in_package and t.negotiated]
        total = len(package)
        closed.append(sum(t.deal is not None for t in package))
        summary = model.summary()
        if summary["formed"]:
            formed += 1
            rounds.append(summary["round"])
            for code in summary["ratifying"]:
                if max(summary["countries"][code]["concessions"].values()) <= 0.0:
                    nothing[code] += 1
        both = {}
        for first_is_a in (True, False):
            share = surplus_share(play(config, seed, pair, first_is_a), pair)
            if share is not None:
                shares[first_is_a].append(share)
                both[first_is_a] = share
        if len(both) == 2:
            gaps.append(abs(both[True] - both[False]))
    median_round = int(statistics.median(rounds)) if rounds else None
    return {
        "seeds": seeds,
        "first_proposer": {
            "pair": list(pair),
            "share_if_a_first": float(np.mean(shares[True])) if shares[True] else None,
            "share_if_b_first": float(np.mean(shares[False])) if shares[False] else None,
            "mean_abs_difference": float(np.mean(gaps)) if gaps else None,
            "max_abs_difference": float(np.max(gaps)) if gaps else None,
            "seeds_closed_both_ways": len(gaps),
        },
        "concedes_nothing": {c: nothing[c] / seeds for c in config.countries if nothing[c]},
        "package_talks_closed_median": statistics.median(closed),
        "package_talks": total,
        "formed_share": formed / seeds,
        "formed_median_date": config.round_date(median_round).isoformat() if median_round else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="baseline")
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--pair", nargs=2, default=["USA", "JPN"], metavar=("FIRST", "SECOND"))
    args = parser.parse_args()
    out = measure(args.scenario, args.seeds, tuple(args.pair))
    fp = out["first_proposer"]
    first, second = fp["pair"]
    print(f"{args.scenario}, seeds 0-{out['seeds'] - 1}")

    def pct(x: float | None) -> str:
        return "-" if x is None else f"{100 * x:.1f}%"

    print(f"{first}'s share of the {first}-{second} surplus: {pct(fp['share_if_a_first'])} if {first} proposes "
          f"first, {pct(fp['share_if_b_first'])} if {second} does; mean |difference| "
          f"{pct(fp['mean_abs_difference'])}, max {pct(fp['max_abs_difference'])} "
          f"({fp['seeds_closed_both_ways']} seeds closed both ways)")
    nothing = ", ".join(f"{c} {pct(v)}" for c, v in sorted(out["concedes_nothing"].items(), key=lambda kv: -kv[1]))
    print(f"ratifies while conceding nothing: {nothing or 'none'}")
    print(f"package talks closed: median {out['package_talks_closed_median']} of {out['package_talks']}")
    print(f"formed: {pct(out['formed_share'])}, median date {out['formed_median_date']}")


if __name__ == "__main__":
    main()
