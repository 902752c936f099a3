"""How one action changes a room: the reducer live play and a room's replay share.

:class:`RoomReplay` is the part of :class:`tppgame.classroom.rooms.Room` that applies an
:class:`~tppgame.classroom.room_records.Action` to the room and its game (the students, the
settings, the game's rounds and the seats' moves) and writes the room's log in sentences. It
never checks rights nor consults a clock: the room checks before it records an action, and the
action carries its time, so a replay after a server restart makes the same game.
"""

from __future__ import annotations

from typing import Any

from tppgame.classroom.room_codes import RoomError
from tppgame.classroom.room_records import PLENARY, Action, Message, Settings, Student
from tppgame.game.negotiators import Person
from tppgame.game.seat import OfferError, SeatTalk
from tppgame.model import TPPModel


class RoomReplay:
    """The reducer of :class:`tppgame.classroom.rooms.Room`: its fields are the room's, and it reads
    the room's :meth:`~tppgame.classroom.rooms.Room.delegation`, ``_plays`` and ``record``."""

    scenario: str
    seed: int
    settings: Settings
    status: str
    students: list[Student]
    log: list[tuple[float, str]]
    model: TPPModel | None
    round_started: float
    messages: list[Message]

    def _apply(self, action: Action) -> None:
        """Change the room by one action: the one place live play and replay share."""
        p, at = action.payload, action.at
        who = self.students[p["id"]].name if "id" in p and p["id"] < len(self.students) else "the teacher"
        kind = action.kind
        if kind == "join":
            self.students.append(Student(p["id"], p["name"], p["token"]))
            self._note(at, f"{p['name']} joined")
            if p["country"] is not None:
                self._seat(self.students[-1], p["country"], at)
        elif kind == "seat":
            self._seat(self.students[p["id"]], p["country"], at)
        elif kind == "settings":
            self.settings = Settings(**{**self.record()["settings"], **p})
            if self.model is not None and "offers" in p:
                self.model.seats.limit_offers(self.settings.offers)
            self._note(at, "Settings: " + ", ".join(f"{k} {v}" for k, v in p.items()))
        elif kind == "to_agent":
            for student in self.delegation(p["country"]):
                student.country = None
            if self._plays(p["country"]):
                self.model.hand_over(p["country"])
            self._note(at, f"{p['country']} handed to its negotiators")
        elif kind == "start":
            self.model = TPPModel(self.scenario, rng=self.seed, negotiators={c: Person() for c in p["seated"]})
            self.model.seats.limit_offers(self.settings.offers)
            self.status = "running"
            self._note(at, f"Game started; students hold {', '.join(p['seated']) or 'no country'}")
            self._open_round(at)
        elif kind in ("pause", "resume", "end"):
            self.status = {"pause": "paused", "resume": "running", "end": "ended"}[kind]
            self.round_started = at if kind == "resume" else self.round_started
            self._note(at, {"pause": "Paused", "resume": "Resumed", "end": "The teacher ended the game"}[kind])
        elif kind == "message":
            r = self.model.round if self.model is not None else 0
            self.messages.append(Message(at, r, who, p["country"], p["to"], p["text"]))
            if self.model is not None:
                self.model.log.add(r, "message", by=p["country"], name=who, to=p["to"], text=p["text"])
            self._note(at, f"{who} ({p['country']}) wrote to " + ("the plenary" if p["to"] == PLENARY else p["to"]))
        elif kind == "advance":
            self.model.settle()
            self._note(at, f"Round {self.model.round} ended ({p['by']})")
            self._open_round(at)
        else:
            self._move(kind, p, who, at)

    def _seat(self, student: Student, country: str | None, at: float) -> None:
        """A student sits for ``country`` (None: for none). During the game a country its agents
        played is the students' from the next round, and a country its last student leaves goes
        to its negotiators at once (else nobody would move in its talks)."""
        before, student.country = student.country, country
        if country is not None and self.model is not None and not self._plays(country):
            self.model.seats.take(country)
        self._note(at, f"{student.name} " + (f"sits for {country}" if country else "has no seat"))
        if before is not None and before != country and not self.delegation(before) and self._plays(before):
            self.model.hand_over(before)
            self._note(at, f"{before} handed to its negotiators (no student holds it)")

    def _open_round(self, at: float) -> None:
        if self.model.running:
            self.model.step()          # the round meets; it settles at once if no student holds a talk in it
            self.round_started = at
            self._note(at, f"Round {self.model.round} opened")
        else:
            self.status = "ended"
            self._note(at, "The last round has been played")

    def _move(self, kind: str, p: dict[str, Any], who: str, at: float) -> None:
        m, country, talk = self.model, p["country"], p["talk"]
        if kind == "offer":
            counter = m.seat_talk(talk, country).status == "received"      # another player's offer stood
            m.propose(talk, p["gives"], p["asks"], country)
            self._note(at, f"{who} ({country}) made {'a counter-offer' if counter else 'an offer'} in {talk}")
        elif kind == "accept":
            m.accept_counter(talk, country)
            self._note(at, f"{who} ({country}) took the offer in {talk}")
        elif kind == "pass":
            m.pass_talk(talk, country)
            self._note(at, f"{who} ({country}) made no deal in {talk} this round")
        elif kind == "delegate":
            delegated(m, m.seat_talk(talk, country), country)
            self._note(at, f"{who} ({country}) let the negotiators handle {talk}")
        else:
            raise RoomError(f"unknown action {kind!r}")

    def _note(self, at: float, text: str) -> None:
        self.log.append((at, text))


def delegated(model: TPPModel, seat: SeatTalk, country: str) -> None:
    """The negotiators handle one talk for a seat: offer their suggestion if nothing stands, and take
    a standing offer worth at least what the country needs to ratify (else leave it)."""
    if seat.status == "waiting":
        try:
            model.propose(seat.label, seat.suggestion.gives, seat.suggestion.asks, country)
        except OfferError:
            model.pass_talk(seat.label, country)
            return
    standing = seat.incoming if seat.status == "received" else (
        seat.reply.counter if seat.status == "rejected" and seat.reply is not None else None)
    if standing is not None:
        if standing.utility_seat >= seat.reserve_seat:
            model.accept_counter(seat.label, country)
        else:
            model.pass_talk(seat.label, country)
