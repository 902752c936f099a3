"""Country agents: one per negotiating government."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import mesa
import numpy as np

if TYPE_CHECKING:
    from tppgame.model import TPPModel


class CountryUtility:
    """A country's utility function in the world as it stands: its value of any terms with any
    partner, its red lines, and what it needs from a talk to ratify it at home.

    Terms are concessions by sector (0 = today's protection, 1 = free trade): what the country
    gives and what it asks of the partner, as a mapping by sector name (sectors left out are 0)
    or an array over all sectors. Values are measured, as in the talks, against no deal with
    that partner now, in the package world (the members' schedules as they stand).
    """

    def __init__(self, model: TPPModel, index: int):
        self.model, self.index = model, index

    def _vector(self, terms: Mapping[str, float] | np.ndarray) -> np.ndarray:
        sectors = self.model.sectors
        if isinstance(terms, Mapping):
            unknown = set(terms) - set(sectors)
            if unknown:
                raise ValueError(f"unknown sector {sorted(unknown)[0]!r}: expected one of {', '.join(sectors)}")
            return np.array([float(terms.get(s, 0.0)) for s in sectors])
        return np.asarray(terms, dtype=float).reshape(len(sectors))

    def value(self, partner: str, gives: Mapping[str, float] | np.ndarray,
              asks: Mapping[str, float] | np.ndarray) -> float:
        """Its utility from a deal with ``partner`` in which it concedes ``gives`` and the partner ``asks``."""
        frontier = self.model.table.pair_frontier(self.index, self.model.config.index(partner))
        u_mine, _ = frontier.terms.utilities(self._vector(gives)[None, :], self._vector(asks)[None, :])
        return float(u_mine[0])

    def reservation(self, partner: str) -> float:
        """What it needs from a talk with ``partner`` to ratify the deal: its threshold times its stake,
        less the end-game relief it gives up when ``partner`` holds out (the reservation its talks use)."""
        return float(self.model.table.pair_frontier(self.index, self.model.config.index(partner)).reserve_a[0])

    @property
    def red_lines(self) -> dict[str, float]:
        """The most it will concede in each sector."""
        return dict(zip(self.model.sectors, map(float, self.model.weights.red_line[self.index])))

    @property
    def ratification_threshold(self) -> float:
        """The share of its stake in a talk that a deal must give it to pass at home."""
        return float(self.model.config.params["ratification_threshold"][self.index])


class CountryAgent(mesa.Agent):
    """A government at the table. It holds its utility function (:attr:`utility_function`) and its
    negotiator (:mod:`tppgame.game.negotiators`), books its bilateral talks each round, and, through
    its negotiator, decides what it demands, offers and accepts in them and what it learns.

    The round asks each class of negotiators for all its countries' talks in one array pass (the
    built-in ones answer element by element along the rows, so this is the same as asking
    country by country); the preferences' figures live in the model's arrays at ``index``.
    """

    model: TPPModel

    def __init__(self, model: TPPModel, code: str, name: str, index: int):
        super().__init__(model)
        self.code = code
        self.country_name = name
        self.index = index
        self.negotiator = model.negotiators[index]
        self.utility_function = CountryUtility(model, index)

    @property
    def is_member(self) -> bool:
        return bool(self.model.members[self.index])

    @property
    def capacity(self) -> int:
        """How many bilateral sessions its delegation can hold in a round."""
        return self.model.table.capacity[self.index]

    @property
    def utility(self) -> float:
        return self.model.last_check.utility.get(self.code, 0.0)

    @property
    def outside_option(self) -> float:
        return self.model.last_check.outside_option.get(self.code, 0.0)

    @property
    def accepts_package(self) -> bool:
        return self.code in self.model.last_check.accepting

    def book_talks(self) -> None:
        """Book this round's sessions: the talks waited on longest first, then the larger stake,
        while both sides have capacity left (summit meetings are booked by the model first)."""
        table, me = self.model.table, self.index
        booked, capacity = table.booked_count, table.capacity
        for talk in table.talks_of[me]:         # already in that order
            if booked[me] >= capacity[me]:
                break
            partner = talk.b if talk.a == me else talk.a
            if booked[partner] >= capacity[partner] or table.is_booked(talk):
                continue
            table.book(talk)
