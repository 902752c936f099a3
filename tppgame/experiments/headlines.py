"""Headlines: what a teacher would state about a scenario, checked against runs.

A scenario file lists its headlines as data (``[[headlines]]`` with a ``claim`` in words and
a ``kind`` the game can check, such as ``no_deal_by`` a date for a pair). This module checks
a finished run against them, and plays a scenario over many seeds to say how often each
headline holds: a headline that holds in fewer than 80% of seeds is fragile, and the
teaching note must say so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tppgame.game.scenario import HeadlineSpec, Scenario

if TYPE_CHECKING:
    from tppgame.model import TPPModel
    from tppgame.experiments.memo import SharedWork

ROBUST_SHARE = 0.8


def first_deal_round(model: TPPModel, pair: tuple[str, str]) -> int | None:
    """The round the first deal between a pair closed (any track), or None."""
    wanted = set(pair)
    rounds = [d.round for d in model.deals if {model.countries[d.a], model.countries[d.b]} == wanted]
    return min(rounds) if rounds else None


def _by(model: TPPModel, headline: HeadlineSpec) -> int:
    return headline.get("by", model.config.rounds)


def _formed(model: TPPModel, h: HeadlineSpec) -> bool:
    formed = model.formed_round is not None and model.formed_round <= _by(model, h) and model.last_check.formed
    return formed == h.get("expect")


def _in_force(model: TPPModel, h: HeadlineSpec) -> bool:
    """At the end, or at the end of round ``by`` when given."""
    check = model.records[h.get("by")] if h.get("by") is not None else model.last_check
    return check.in_force == h.get("expect")


def _deal_by(model: TPPModel, h: HeadlineSpec) -> bool:
    closed = first_deal_round(model, h.get("pair"))
    return closed is not None and closed <= _by(model, h)


def _no_deal_by(model: TPPModel, h: HeadlineSpec) -> bool:
    return not _deal_by(model, h)


def _deal_order(model: TPPModel, h: HeadlineSpec) -> bool:
    first, then = first_deal_round(model, h.get("first")), first_deal_round(model, h.get("then"))
    return first is not None and (then is None or first < then)


def _signatory(model: TPPModel, h: HeadlineSpec) -> bool:
    return (h.get("country") in model.last_check.signatories) == h.get("expect")


def _holdout(model: TPPModel, h: HeadlineSpec) -> bool:
    return h.get("country") in model.last_check.holdouts


def _concession_at_least(model: TPPModel, h: HeadlineSpec) -> bool:
    concessions = model.summary()["countries"][h.get("country")]["concessions"]
    return concessions[h.get("sector")] >= h.get("at_least") - 1e-9


def _access_at_least(model: TPPModel, h: HeadlineSpec) -> bool:
    """The exporter's final access to the importer's market in a sector (package or side deal)."""
    c, k = model.countries, model.sectors
    access = model.last_check.access if model.last_check.formed else model.side_access
    value = access[c.index(h.get("exporter")), c.index(h.get("importer")), k.index(h.get("sector"))]
    return float(value) >= h.get("at_least") - 1e-9


CHECKS: dict[str, Callable[[TPPModel, HeadlineSpec], bool]] = {
    "formed": _formed, "in_force": _in_force, "deal_by": _deal_by, "no_deal_by": _no_deal_by,
    "deal_order": _deal_order, "signatory": _signatory, "holdout": _holdout,
    "concession_at_least": _concession_at_least, "access_at_least": _access_at_least,
}


VALUED = ("formed", "in_force", "signatory")   # kinds whose ``expect`` is the value claimed


def holds(model: TPPModel, headline: HeadlineSpec) -> bool:
    """Whether a finished run bears the headline out (``expect = false`` claims the opposite)."""
    result = CHECKS[headline.kind](model, headline)
    if headline.kind not in VALUED and headline.get("expect") is False:
        return not result
    return result


@dataclass(frozen=True)
class HeadlineResult:
    """How often a headline held over a set of seeds."""

    claim: str
    held: int
    seeds: int

    @property
    def share(self) -> float:
        return self.held / self.seeds if self.seeds else 0.0

    @property
    def robust(self) -> bool:
        return self.share >= ROBUST_SHARE


def play(scenario: Scenario, seed: int, shared: SharedWork | None = None, record: bool = True) -> TPPModel:
    """A finished game of a scenario with one seed (``shared`` and ``record``: see :class:`TPPModel`)."""
    from tppgame.model import TPPModel

    model = TPPModel(scenario, rng=seed, shared=shared, record=record)
    while model.running:
        model.step()
    return model


def over_seeds(scenario: Scenario, seeds: range) -> Iterator[tuple[int, TPPModel, list[bool]]]:
    """Play the scenario once per seed (sharing work between them); yield each run with which
    headlines it bears out."""
    from tppgame.experiments.memo import SharedWork

    shared = SharedWork()
    for seed in seeds:
        model = play(scenario, seed, shared=shared)
        yield seed, model, [holds(model, h) for h in scenario.headlines]


def robustness(scenario: Scenario, seeds: range) -> list[HeadlineResult]:
    """The share of seeds in which each of the scenario's headlines holds."""
    counts = [0] * len(scenario.headlines)
    for _, _, verdicts in over_seeds(scenario, seeds):
        counts = [c + v for c, v in zip(counts, verdicts)]
    return [HeadlineResult(h.claim, c, len(seeds)) for h, c in zip(scenario.headlines, counts)]
