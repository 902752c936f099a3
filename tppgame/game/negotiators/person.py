"""A person at the table: the negotiator of a country whose seat a player has taken.

The game does not ask a :class:`Person` to decide in the round's session: it holds the
country's talks for the player (:mod:`tppgame.game.seats`), who offers, accepts or passes
through the model's seat methods, and the partners' own negotiators answer. Its ``advisor``
(by default the negotiator the scenario names for the country) suggests an offer in each talk,
and takes over when the player hands the seat back.
"""

from __future__ import annotations

import numpy as np

from tppgame.game.negotiators.base import Negotiator, NegotiatorError, Talks


class Person(Negotiator):
    """A country played by a person. ``advisor``: the negotiator whose offers are suggested to the
    player and who plays on after a hand-over (None: the scenario's choice for the country)."""

    classifier = {"stateless": False, "time_dependent": False, "reciprocal": False, "human": True}

    def __init__(self, advisor: Negotiator | None = None):
        self.advisor = advisor

    @property
    def label(self) -> str:
        return "person"

    def demand(self, talks: Talks) -> np.ndarray:
        raise NegotiatorError("a person's demands are not asked for: the game holds its talks for the player")
