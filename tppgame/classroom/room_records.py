"""What a room is made of, as plain records: its actions, messages, students and policies.

A room (:mod:`tppgame.classroom.rooms`) is the replay of its :class:`Action` log; the store
(:mod:`tppgame.classroom.room_store`) keeps the actions and the :class:`Settings` as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tppgame.classroom.room_codes import RoomError
from tppgame.game.seats import MOST_OFFERS_PER_TALK, OFFERS_PER_TALK

ASSIGN_POLICIES = ("pick", "assign")                   # students pick a country, or the room assigns one
ADVANCE_POLICIES = ("teacher", "all_submitted", "timer")
PLENARY = "plenary"                                    # the board every student and the teacher read


@dataclass(frozen=True)
class Message:
    """A message on the plenary board or in a talk's channel (``to``: :data:`PLENARY` or the talk's label)."""

    at: float
    round: int
    name: str
    country: str
    to: str
    text: str


@dataclass(frozen=True)
class Action:
    """One change to a room, as its log keeps it: ``kind``, what it needs (``payload``) and when (``at``)."""

    kind: str
    payload: dict[str, Any]
    at: float


@dataclass
class Student:
    """A student in the room: a name, the country whose delegation they sit in (None: no seat yet)."""

    id: int
    name: str
    token: str
    country: str | None = None


@dataclass
class Settings:
    """A room's policies: how seats are taken, when a round advances (``timer``: seconds a round), and
    how many offers two students may exchange in a talk a round (``offers``: offer, counter-offer...)."""

    assign: str = "pick"
    advance: str = "teacher"
    timer: int = 120
    offers: int = OFFERS_PER_TALK

    def checked(self) -> Settings:
        if self.assign not in ASSIGN_POLICIES:
            raise RoomError(f"assign: expected one of {', '.join(ASSIGN_POLICIES)}, got {self.assign!r}")
        if self.advance not in ADVANCE_POLICIES:
            raise RoomError(f"advance: expected one of {', '.join(ADVANCE_POLICIES)}, got {self.advance!r}")
        if not isinstance(self.timer, int) or not 10 <= self.timer <= 3600:
            raise RoomError(f"timer: expected whole seconds from 10 to 3600, got {self.timer!r}")
        whole = isinstance(self.offers, int) and not isinstance(self.offers, bool)
        if not whole or not 1 <= self.offers <= MOST_OFFERS_PER_TALK:
            raise RoomError(f"offers: expected whole offers a talk a round from 1 to {MOST_OFFERS_PER_TALK}, "
                            f"got {self.offers!r}")
        return self

