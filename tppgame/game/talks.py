"""Bilateral talks: one negotiation track per pair (TPP market access or a side deal).

A talk remembers what its two sides need to bargain round after round: when it opened,
how far each side has moved towards its deadline, the offers exchanged (for
negotiators that reciprocate or learn), and the deal once closed. The terms each side faces are rebuilt
from the current state of the world whenever a deal somewhere changes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tppgame.game.frontier import PairTerms
from tppgame.game.negotiators import Move
from tppgame.game.utility import Weights, best_rival_access


@dataclass
class Talk:
    """One bilateral negotiation track between countries ``a`` and ``b`` (indices)."""

    a: int
    b: int
    kind: str                         # "tpp", "conditional" or "standalone"
    label: str
    sectors: np.ndarray               # bool per sector: what is on the table
    start_round: int = 1
    fixed_round: int | None = None    # a scenario states the terms and the round they close
    fixed_terms: tuple[np.ndarray, np.ndarray] | None = None
    opened_round: int | None = None
    closed_round: int | None = None
    deal: tuple[np.ndarray, np.ndarray] | None = None
    meetings: int = 0
    last_met: int = 0
    first_proposer_is_a: bool | None = None
    progress: float = 0.0             # how far towards its deadline the talk has come (never falls)
    previous: list[float] = field(default_factory=lambda: [np.nan, np.nan])
    offers_received: list[list[float]] = field(default_factory=lambda: [[], []])
    history: list[Move] = field(default_factory=list)   # every offer made in the talk, oldest first
    rounds_left: int = 0              # rounds to the deadline that applies, when it last met
    stake: float = 0.0
    has_stake: bool = True
    zopa: bool = False
    row: int = -1                     # the talk's row in the model's frontier summaries
    index: int = -1                   # its place in the model's list of talks
    deadlines: list[int] | None = None  # rounds of the deadlines and summits that apply to it
    met_version: int = -1             # the model's version of the world when the talk last met
    pair: frozenset[str] = frozenset()  # the two countries' codes
    provisional: bool = False         # its deal was closed while a side lacked authority (reopens when it comes)

    @property
    def in_package(self) -> bool:
        """Whether the deal goes into the plurilateral package (TPP talks and conditional side deals)."""
        return self.kind != "standalone"

    @property
    def negotiated(self) -> bool:
        return self.fixed_terms is None

    def received_gain(self, side: int) -> float:
        """How much the partner's last offer improved on its previous one, for ``side``."""
        seen = self.offers_received[side]
        return seen[-1] - seen[-2] if len(seen) >= 2 else np.nan


def world_terms(weights: Weights, access: np.ndarray, a: np.ndarray, b: np.ndarray, sectors: np.ndarray,
                schedule: np.ndarray | None = None, group: np.ndarray | None = None,
                spillover: float = 0.0, kept: np.ndarray | None = None) -> PairTerms:
    """The terms of talks between ``a[k]`` and ``b[k]`` (rows) in a world with the given access.

    Each side is charged the part of its political cost that the partner's exports cause
    (the principal-supplier practice of GATT rounds: a concession is paid for by the partner
    who supplies most). In package talks a concession raises the country's common
    ``schedule``, open to every member of ``group``: it costs nothing up to the schedule,
    and ``spillover`` (0 to 1) is how much of the cost of extending it to the other members
    the negotiators also count. A standalone side deal opens the market to the partner
    alone and costs nothing up to the access the partner already has.

    ``kept`` (per country, 0 to 1; None: 1 for all) is the share of an offer to that country its
    partners expect to keep (:func:`kept_share`): a side counts its concessions to a partner at
    ``1 / kept[partner]`` times their political cost.
    """
    rival = best_rival_access(access, weights.rival)
    red = weights.red_line
    c_a, c_b = weights.cost[a, b], weights.cost[b, a]
    if schedule is None:
        own_a, own_b = access[b, a], access[a, b]
    else:
        own_a, own_b = schedule[a], schedule[b]
        if spillover > 0:
            full = np.einsum("iks,k->is", weights.cost, group.astype(float))
            c_a = c_a + spillover * (full[a] - c_a)
            c_b = c_b + spillover * (full[b] - c_b)
    if kept is not None:
        c_a, c_b = c_a / kept[b][:, None], c_b / kept[a][:, None]
    return PairTerms(
        w_a=weights.gain[a, b] * sectors, p_a=weights.precedent[a, b] * sectors,
        base_a=access[a, b], rival_a=rival[a, b], c_a=c_a, own_a=own_a,
        cap_a=np.where(sectors, red[a], 0.0),
        w_b=weights.gain[b, a] * sectors, p_b=weights.precedent[b, a] * sectors,
        base_b=access[b, a], rival_b=rival[b, a], c_b=c_b, own_b=own_b,
        cap_b=np.where(sectors, red[b], 0.0),
        gamma=weights.gamma,
    )


def kept_share(authority: np.ndarray, held_back: float) -> np.ndarray | None:
    """Per country: the share of an offer made to it that its partners expect to keep, 1 where it
    has authority (its government takes the deal as negotiated) and ``held_back`` where it has not
    (its legislature may amend the deal and ask again, so an offer made now is the floor of the next
    round); None where every offer is kept whole (no partner holds anything back)."""
    if held_back >= 1.0 or authority.all():
        return None
    return np.where(authority, 1.0, held_back)


def progress(round_number: int, opened: int, horizon: int) -> float:
    """Share of the time from opening to the deadline that has passed, 1 at the deadline."""
    span = max(horizon - opened + 1, 1)
    return min(max((round_number - opened + 1) / span, 0.0), 1.0)
