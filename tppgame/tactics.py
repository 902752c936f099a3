"""Negotiation tactics: how much a side demands (its aspiration) as talks go on.

Each tactic is a small class with one decision method, ``aspiration``, working on
arrays (one entry per talk in which a country using the tactic is taking part), so a
round of many bilateral talks is decided at once. Aspirations are utilities: a side's
best attainable outcome in the talk (``best``) down to its reservation (``reserve``,
what it needs to get the deal ratified at home).

Time-dependent tactics follow Faratin, Sierra and Jennings (1998): the share of the
distance from ``best`` to ``reserve`` conceded at progress ``t`` (0 at the start of
talks, 1 at the deadline) is ``t ** (1 / beta)``. Boulware (beta < 1) holds firm
until near the deadline, conceder (beta > 1) gives ground early, linear in between.
Relative tit-for-tat (also Faratin et al.) concedes as much as the partner conceded in
its last offer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np


@dataclass(frozen=True)
class TalkView:
    """What a side knows of its talks when it decides how much to demand (arrays, one per talk)."""

    best: np.ndarray           # utility of its best point the partner could accept
    reserve: np.ndarray        # utility it needs at least
    progress: np.ndarray       # 0 at the start of talks, 1 at the deadline that applies
    beta: np.ndarray           # concession exponent of the country
    previous: np.ndarray       # its aspiration at its previous turn (nan before any)
    received_gain: np.ndarray  # how much the partner's last offer improved on the one before (nan if unknown)


class Tactic:
    """Base class: a tactic names itself, says what kind it is, and sets aspirations."""

    name: ClassVar[str]
    classifier: ClassVar[dict[str, object]]

    def aspiration(self, view: TalkView) -> np.ndarray:
        raise NotImplementedError


class TimeDependent(Tactic):
    """Concede from best to reserve as the deadline nears, at a pace set by beta."""

    name = "time_dependent"
    classifier = {"time_dependent": True, "reciprocal": False}

    def aspiration(self, view: TalkView) -> np.ndarray:
        share = np.clip(view.progress, 0.0, 1.0) ** (1.0 / view.beta)
        target = view.best - (view.best - view.reserve) * share
        return np.maximum(target, view.reserve)


class Boulware(TimeDependent):
    """Holds out for most of the talks and concedes late (beta < 1)."""

    name = "boulware"


class Linear(TimeDependent):
    """Concedes the same amount every round until the deadline (beta = 1)."""

    name = "linear"


class Conceder(TimeDependent):
    """Gives ground early and then holds (beta > 1)."""

    name = "conceder"


class TitForTat(Tactic):
    """Relative tit-for-tat: concede what the partner last conceded; open like linear."""

    name = "tit_for_tat"
    classifier = {"time_dependent": False, "reciprocal": True}

    def aspiration(self, view: TalkView) -> np.ndarray:
        opening = Linear().aspiration(view)
        reciprocal = view.previous - np.maximum(view.received_gain, 0.0)
        known = ~np.isnan(view.previous) & ~np.isnan(view.received_gain)
        return np.maximum(np.where(known, reciprocal, opening), view.reserve)


TACTICS: dict[str, type[Tactic]] = {cls.name: cls for cls in (Boulware, Linear, Conceder, TitForTat)}


_INSTANCES: dict[str, Tactic] = {name: cls() for name, cls in TACTICS.items()}


def tactic_for(name: str) -> Tactic:
    """The tactic for a scenario name (boulware, linear, conceder, tit_for_tat)."""
    return _INSTANCES[name]
