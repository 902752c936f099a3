"""An opponent-modelling negotiator: it learns from the partner's offers which sectors the partner
cares about, and offers where it estimates the partner gains most.

Its model is a frequency model in the manner of Hindriks and Tykhonov (2008) and of Baarslag et
al.'s survey of opponent models (2016): an issue whose value the opponent keeps where it wants it
weighs more for the opponent. Here an issue is a sector and its value a concession level, and the
levels are read through the way offers are built in this game (:func:`revealed_weights`): a sector
the partner concedes little in weighs more for it as a cost (its cost weight is taken proportional
to ``1 / given ** (gamma - 1)``), a sector it asks much in weighs more for it as a gain (``asked **
(gamma - 1)``), and the levels of the two fix how much it gains against what it pays. Concessions
no higher than what the giver already grants, and sectors where a red line leaves no room, tell
nothing.

Per talk, the estimate is a running mean over the partner's offers in which each offer counts
:data:`MEMORY` (1/2) as much at each later offer, so that the latest offers, made nearer the
partner's reservation, count most; the prior, the uniform estimate
(:func:`tppgame.game.negotiators.private.uniform_estimate`), counts as :data:`PRIOR_OFFERS` (1/4)
of an offer. Its demand is time-dependent (from its :attr:`~tppgame.game.negotiators.Talks.best`
to its reservation at pace ``beta``, linear by default); its offer is the deal giving it that
demand at the efficient point *under its estimate* (:meth:`~tppgame.game.negotiators.Talks.efficient`
with the estimate): it concedes first where it estimates the partner gains most per unit of its
own cost. Under full information it knows the partner's utility and offers the true efficient
point, but its model learns all the same. It accepts as the built-ins do (its own utility, demand
and reservation).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from tppgame.game.negotiators.base import Move, Negotiator, Talks
from tppgame.game.negotiators.private import Estimate, uniform_estimate
from tppgame.game.negotiators.time_dependent import TimeDependent

PRIOR_OFFERS = 0.25     # how many offers the prior (the uniform estimate) counts for
MEMORY = 0.5            # what an offer counts for at the next one: the latest offers count most
FLOOR = 0.02            # a concession given or asked below this reads as this (0 would mean infinitely costly)


class SectorModel:
    """What one side has learnt of its partner in one talk: the running mean, over the partner's
    offers (the older discounted by :data:`MEMORY` an offer), of the partner's (gain, cost) weights
    per sector that each offer reveals, each offer's pair scaled so that its cost weights sum to 1
    (an offer reveals the weights up to one factor, and the frontier does not depend on it)."""

    def __init__(self, prior: Estimate):
        gain, cost = _normalised(*prior)
        self.gain, self.cost = gain * PRIOR_OFFERS, cost * PRIOR_OFFERS
        self.weight = PRIOR_OFFERS
        self.offers = 0

    def update(self, revealed: Estimate) -> None:
        """Learn from one partner offer's revealed (gain, cost) weights (see :func:`revealed_weights`)."""
        gain, cost = _normalised(*revealed)
        self.gain, self.cost = MEMORY * self.gain + gain, MEMORY * self.cost + cost
        self.weight = MEMORY * self.weight + 1.0
        self.offers += 1

    @property
    def estimate(self) -> Estimate:
        """The mean (gain, cost) weights per sector: the partner's, up to one common factor."""
        return self.gain / self.weight, self.cost / self.weight


def _normalised(gain: np.ndarray, cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    total = cost.sum()
    scale = 1.0 / total if total > 0 else 1.0
    return gain * scale, cost * scale


def revealed_weights(asks: np.ndarray, gives: np.ndarray, gamma: float, on_table: np.ndarray,
                     granted: np.ndarray | float = 0.0, holds: np.ndarray | float = 0.0,
                     my_room: np.ndarray | float = 1.0, their_room: np.ndarray | float = 1.0) -> Estimate:
    """The partner's (gain, cost) weights per sector that its offer reveals, up to one common factor,
    read as a side that offers efficiently under the uniform estimate (as the built-ins do under
    private information): it concedes in a sector until ``gamma * cost * gives ** (gamma - 1)``
    equals a common level, and asks until its gain equals a common level times ``asks ** (gamma -
    1)``. So its cost weight is proportional to ``1 / gives ** (gamma - 1)`` (it concedes little
    where conceding costs it much) and its gain weight to ``asks ** (gamma - 1)`` (it asks much where
    it gains much); the two levels together fix the ratio of its mean gain to its mean cost weight
    at ``gamma * sqrt(mean asked ** (gamma - 1) / mean of 1 / given ** (gamma - 1))``. Concessions
    under :data:`FLOOR`, and those no higher than what the giver already grants (``granted``: this
    side's; ``holds``: the partner's), which an efficient offer keeps whatever the weights, count as
    the floor. A sector where the giver's red line leaves it no room (``my_room``: this side's red
    line over what it grants; ``their_room``: the partner's) tells nothing and weighs nothing; so do
    sectors off the table.
    """
    power = gamma - 1.0
    ask_seen = on_table & (np.asarray(my_room) > FLOOR)
    give_seen = on_table & (np.asarray(their_room) > FLOOR)
    asks = np.where(asks > np.asarray(granted) + 1e-9, asks, 0.0)
    gives = np.where(gives > np.asarray(holds) + 1e-9, gives, 0.0)
    asked = np.where(ask_seen, np.maximum(asks, FLOOR) ** power, 0.0)
    hold = np.where(give_seen, 1.0 / np.maximum(gives, FLOOR) ** power, 0.0)
    n_ask, n_give = max(int(ask_seen.sum()), 1), max(int(give_seen.sum()), 1)
    mean_asked, mean_hold = asked.sum() / n_ask, hold.sum() / n_give
    ratio = gamma * np.sqrt(mean_asked / mean_hold) if mean_hold > 0 else 1.0
    cost = hold / mean_hold if mean_hold > 0 else hold           # mean 1 over the sectors it tells of
    gain = asked / mean_asked * ratio if mean_asked > 0 else asked   # mean ``ratio``
    return gain, cost


class OpponentModel(TimeDependent):
    """Time-dependent demand (``beta``, linear by default), offers efficient under a frequency model
    of the partner's sector weights, learnt per talk from the partner's offers (see the module)."""

    name = "opponent_model"
    beta_default = 1.0
    classifier: ClassVar[dict[str, bool]] = {"stateless": False, "time_dependent": True, "reciprocal": False,
                                             "human": False}

    def __init__(self, beta: float | None = None):
        super().__init__(beta)
        self.models: dict[tuple[str, str], SectorModel] = {}     # (talk label, own country) -> model

    @property
    def memo_key(self) -> tuple[Any, ...]:
        return Negotiator.memo_key.fget(self)       # it learns: the same settings do not mean the same answers

    def model(self, talks: Talks, row: int) -> SectorModel:
        """Its model of the partner in one talk (row ``row`` of ``talks``), made at the talk's first
        sight from the uniform estimate."""
        key = (talks.labels[row], talks.countries[row])
        if key not in self.models:
            gain, cost = uniform_estimate(talks.rows(np.array([row])))
            self.models[key] = SectorModel((gain[0], cost[0]))
        return self.models[key]

    def estimate(self, talks: Talks) -> Estimate:
        """Its estimate of each partner's (gain, cost) weights per sector, rows x sectors."""
        models = [self.model(talks, k) for k in range(len(talks))]
        sectors = talks.on_table.shape[1]
        gain = np.array([m.estimate[0] for m in models]).reshape(len(talks), sectors)
        cost = np.array([m.estimate[1] for m in models]).reshape(len(talks), sectors)
        return gain, cost

    def propose(self, talks: Talks, demand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The deal giving it its demand, efficient under its estimate (under full information, the
        true efficient deal)."""
        if talks.information == "full":
            return talks.efficient(demand)
        return talks.efficient(demand, self.estimate(talks))

    def observe(self, talks: Talks, moves: Sequence[Move]) -> None:
        """Learn from each offer the partner made this round (its own offers teach it nothing)."""
        terms = talks.inp.summary.terms
        mine, theirs = talks._pick(terms.own_a, terms.own_b), talks._pick(terms.own_b, terms.own_a)
        for k, move in enumerate(moves):
            if bool(move.proposer_is_a) == bool(talks.side_is_a[k]):
                continue
            asks, gives = (move.x_ab, move.x_ba) if talks.side_is_a[k] else (move.x_ba, move.x_ab)
            revealed = revealed_weights(asks, gives, terms.gamma, talks.on_table[k], mine[k], theirs[k],
                                        talks.red_line[k] - mine[k], talks.partner_red_line[k] - theirs[k])
            self.model(talks, k).update(revealed)
