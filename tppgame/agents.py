"""Country agents: one per negotiating government."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from tppgame.model import TPPModel


class CountryAgent(mesa.Agent):
    """A government at the table: it books its bilateral talks each round, and its negotiator
    (:mod:`tppgame.game.negotiators`) decides what it demands, offers and accepts in them.

    Its preferences (utility weights, red lines, ratification threshold) live in the model's
    arrays at ``index`` so a whole round can be computed at once; the protocol asks each class of
    negotiators for all its countries' talks in one pass.
    """

    model: TPPModel

    def __init__(self, model: TPPModel, code: str, name: str, index: int):
        super().__init__(model)
        self.code = code
        self.country_name = name
        self.index = index
        self.negotiator = model.negotiators[index]

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
