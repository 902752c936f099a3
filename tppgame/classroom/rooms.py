"""A class room: one game played by a teacher and students, each student holding a country's seat.

A :class:`Room` holds a scenario and a seed, a join code, the teacher's token and a token per
student, the delegations (country -> students; countries nobody holds are played by their
agents), the room's policies (how seats are taken, when a round advances) and the game itself.

Everything that changes a room is an :class:`Action` (a join, a seat handed over, an offer,
an advance...) appended to the room's ordered action log. The game is deterministic given its
scenario, seed and the order of the calls made on it, so the room's whole state is the replay
of its actions into a fresh :class:`~tppgame.model.TPPModel`: :mod:`tppgame.classroom.room_store`
keeps only the room's record and its actions in SQLite, and a room restored after a server
restart replays them (:meth:`Room.replay`). The policies only decide *when* an action is
appended (the timer, everyone having submitted); the action itself is recorded, so a replay
never consults a clock.

Authorisation is checked here, before any action: a student's token acts only for its own
seat, and the teacher's actions need the teacher's token (:class:`NotAllowed` otherwise).
Nothing here draws pages: :mod:`tppgame.classroom.class_pages` does.

Join codes: :data:`CODE_LENGTH` characters from :data:`CODE_ALPHABET` (31 letters and digits,
without 0/O, 1/I/L), drawn with :mod:`secrets`: 31**6 = 887,503,681 codes. The server refuses
wrong codes beyond a burst of :data:`WRONG_CODE_BURST` at a rate of more than
:data:`WRONG_CODES_PER_SECOND` a second (a token bucket, :mod:`tppgame.classroom.room_registry`), so in
a 90-minute class period at most 10 + 2 x 5,400 = 10,810 guesses can be tried; with 10 rooms open the
chance that any guess hits one is 10 x 10,810 / 887,503,681, about 1 in 8,200. A code only
seats a student; the teacher's token (``secrets.token_urlsafe(16)``: 128 random bits) is what
controls the room, and each student's token (the same size) is what acts for a seat.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from tppgame.classroom.room_codes import (  # noqa: F401 (the rooms' public names, as before)
    CODE_ALPHABET,
    CODE_LENGTH,
    MESSAGE_LIMIT,
    MESSAGE_WINDOW,
    MESSAGES_PER_WINDOW,
    NAME_LIMIT,
    WRONG_CODES_PER_SECOND,
    NotAllowed,
    RoomError,
    clean_message,
    clean_name,
    new_code,
    new_token,
    normal_code,
)
from tppgame.classroom.room_records import (  # noqa: F401
    ADVANCE_POLICIES,
    ASSIGN_POLICIES,
    PLENARY,
    Action,
    Message,
    Settings,
    Student,
)
from tppgame.classroom.room_replay import RoomReplay, delegated  # noqa: F401
from tppgame.game.fields import SEEDS, is_seed
from tppgame.game.scenario import load_scenario
from tppgame.game.seat import SeatTalk
from tppgame.model import TPPModel

MOVED = ("waiting", "rejected", "received")            # a seat talk in one of these still needs its player


@dataclass
class Room(RoomReplay):
    """A class game: see the module's docstring. Make one with :meth:`create`, or :meth:`replay` a stored one."""

    id: int
    code: str
    teacher_token: str
    scenario: str
    seed: int
    settings: Settings
    created: float
    clock: Callable[[], float] = time.time
    status: str = "lobby"                  # lobby, running, paused, ended
    students: list[Student] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    log: list[tuple[float, str]] = field(default_factory=list)   # the room's own log, in sentences
    model: TPPModel | None = None
    round_started: float = 0.0             # when the current round opened (the timer counts from it)
    on_action: Callable[[Room, Action], None] | None = None     # the store's hook: save each action
    countries: tuple[str, ...] = ()
    connected: dict[int, int] = field(default_factory=dict)     # student id -> open pages (not stored)
    messages: list[Message] = field(default_factory=list)
    shown: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)  # pages' shared text (not stored)

    def __post_init__(self) -> None:
        config = load_scenario(self.scenario)
        self.countries = config.countries
        self._names = config.params["names"]
        self._gdp = dict(zip(config.countries, config.params["gdp"]))

    @classmethod
    def create(cls, room_id: int, scenario: str, seed: int | None = None, settings: Settings | None = None,
               clock: Callable[[], float] = time.time) -> Room:
        """A new room with a fresh join code and teacher token (the game starts on :meth:`start`)."""
        config = load_scenario(scenario)
        return cls(id=room_id, code=new_code(), teacher_token=new_token(), scenario=scenario,
                   seed=config.seed if seed is None else int(seed), settings=(settings or Settings()).checked(),
                   created=clock(), clock=clock)

    @classmethod
    def replay(cls, record: Mapping[str, Any], actions: list[Action]) -> Room:
        """A stored room rebuilt: its record, then each of its actions applied in order. Its seed and settings
        pass the checks a new room's do (a file edited by hand: :class:`RoomError`, and the store leaves the
        room out with the reason)."""
        seed = record["seed"]
        if not is_seed(seed):
            raise RoomError(f"seed: expected {SEEDS}, got {seed!r}")
        room = cls(id=record["id"], code=record["code"], teacher_token=record["teacher_token"],
                   scenario=record["scenario"], seed=seed, settings=Settings(**record["settings"]).checked(),
                   created=record["created"])
        for action in actions:
            room._apply(action)
            room.actions.append(action)
        return room

    def record(self) -> dict[str, Any]:
        """What the store keeps of the room besides its actions."""
        return {"id": self.id, "code": self.code, "teacher_token": self.teacher_token, "scenario": self.scenario,
                "seed": self.seed, "settings": asdict(self.settings), "created": self.created}

    # ------------------------------------------------------------------ who may act
    def is_teacher(self, token: Any) -> bool:
        return isinstance(token, str) and hmac.compare_digest(token.encode(), self.teacher_token.encode())

    def _teacher(self, token: Any) -> None:
        if not self.is_teacher(token):
            raise NotAllowed("only the teacher can do that (the teacher's link carries its token)")

    def student(self, token: Any) -> Student:
        """The student holding ``token``; :class:`NotAllowed` for any other token."""
        if isinstance(token, str):
            for student in self.students:
                if hmac.compare_digest(token.encode(), student.token.encode()):
                    return student
        raise NotAllowed("that link is not a student's of this room: join again with the room's code")

    def _seated(self, token: Any) -> tuple[Student, str]:
        """A student with a seat, and its country; refused while the game is not running."""
        student = self.student(token)
        if student.country is None:
            raise RoomError("you have no seat yet: the teacher will give you one")
        if self.status != "running":
            raise RoomError({"lobby": "the game has not started yet", "paused": "the teacher has paused the game",
                             "ended": "the game has ended"}[self.status])
        return student, student.country

    # ------------------------------------------------------------------ queries
    def delegation(self, country: str) -> list[Student]:
        return [s for s in self.students if s.country == country]

    @property
    def seated(self) -> list[str]:
        """The countries students hold, in the scenario's order."""
        return [c for c in self.countries if self.delegation(c)]

    def name(self, country: str) -> str:
        return self._names[country]

    def talks_of(self, country: str) -> list[SeatTalk]:
        """The country's talks waiting for its players this round (none when its agents play it)."""
        if self.model is None or not self.model.waiting_for_seat or not self._plays(country):
            return []
        i, talks = self.countries.index(country), self.model.table.talks
        return [t for t in self.model.seat_talks if (talks[t.talk_index].a if t.seat_is_a else talks[t.talk_index].b) == i]

    def submitted(self, country: str) -> bool:
        """Whether the country has moved in every talk it holds this round (an offer to another player counts)."""
        return all(t.status not in MOVED for t in self.talks_of(country))

    def everyone_submitted(self) -> bool:
        return all(self.submitted(c) for c in self.seated if self._plays(c))

    def _plays(self, country: str) -> bool:
        return self.model is not None and self.model.seats.held(country)

    def seconds_left(self) -> float | None:
        """With the timer policy, while the game runs: the seconds before the round advances."""
        if self.settings.advance != "timer" or self.status != "running":
            return None
        return max(0.0, self.round_started + self.settings.timer - self.clock())

    # ------------------------------------------------------------------ recording
    def _do(self, kind: str, **payload: Any) -> Action:
        """Apply a new action and append it to the log (the store saves it through ``on_action``).
        An action the store could not keep (it raises :class:`RoomError`) is undone: the room goes
        back to what its kept actions make, so it stays the game its file restores."""
        action, started = Action(kind, payload, self.clock()), self.round_started
        self._apply(action)
        self.actions.append(action)
        if self.on_action is not None:
            try:
                self.on_action(self, action)
            except RoomError:
                self.actions.pop()
                self._restore(started)
                raise
        return action

    def _restore(self, round_started: float) -> None:
        """Take the state the room's actions replay to (the pages keep their :class:`Student` objects)."""
        fresh = Room.replay(self.record(), self.actions)
        for mine, theirs in zip(self.students, fresh.students):
            mine.country = theirs.country
        del self.students[len(fresh.students):]
        self.settings, self.status, self.log = fresh.settings, fresh.status, fresh.log
        self.model, self.messages, self.round_started = fresh.model, fresh.messages, round_started
        self.shown = {}

    # ------------------------------------------------------------------ students
    def join(self, name: Any, country: str | None = None) -> Student:
        """A student joins under ``name`` (the same name again is the same student: a rejoin).

        With the ``pick`` policy the student may name a country (or pick one later, before the
        game starts); with ``assign`` the room gives the next country (:meth:`next_country`).
        """
        name = clean_name(name)
        same = next((s for s in self.students if s.name.casefold() == name.casefold()), None)
        if same is not None:
            return same
        if self.status == "ended":
            raise RoomError("the game has ended")
        if country is not None:
            self._check_country(country)
        if self.settings.assign == "assign":
            country = self.next_country()
        self._do("join", id=len(self.students), name=name, token=new_token(), country=country)
        return self.students[-1]

    def next_country(self) -> str:
        """The country the room assigns next: the one with the fewest students, the larger economy first."""
        held = {c: len(self.delegation(c)) for c in self.countries}
        return min(self.countries, key=lambda c: (held[c], -self._gdp[c]))

    def _check_country(self, country: Any) -> None:
        if country not in self.countries:
            raise RoomError(f"country: expected one of {', '.join(self.countries)}, got {str(country)[:12]!r}")

    def pick(self, token: Any, country: Any) -> None:
        """A student without a seat picks a country's (``pick`` policy; during the game, a country its
        agents play is the students' from the next round). Moving seats later is the teacher's."""
        student = self.student(token)
        self._check_country(country)
        if self.settings.assign != "pick":
            raise RoomError("in this room the teacher assigns the seats")
        if student.country is not None:
            raise RoomError(f"you already sit for {student.country}: ask the teacher to move you")
        if self.status == "ended":
            raise RoomError("the game has ended")
        self._do("seat", id=student.id, country=country)

    # ------------------------------------------------------------------ the teacher
    def configure(self, token: Any, **changes: Any) -> None:
        """The teacher changes the room's policies (``assign``, ``advance``, ``timer``, ``offers``)."""
        self._teacher(token)
        unknown = set(changes) - {"assign", "advance", "timer", "offers"}
        if unknown:
            raise RoomError(f"settings: unknown {', '.join(sorted(unknown))}")
        Settings(**{**self.record()["settings"], **changes}).checked()
        self._do("settings", **changes)
        self._auto_advance()

    def seat_student(self, token: Any, student_id: int, country: str | None) -> None:
        """The teacher moves a student to a country's delegation (None: out of any), at any time;
        a country its agents played is taken back by the students from the next round."""
        self._teacher(token)
        if not 0 <= int(student_id) < len(self.students):
            raise RoomError(f"student: no student {student_id} in this room")
        if country is not None:
            self._check_country(country)
        self._do("seat", id=int(student_id), country=country)

    def hand_to_agent(self, token: Any, country: str) -> None:
        """The teacher hands a country to its agents (its negotiators play from now); its students leave the seat."""
        self._teacher(token)
        self._check_country(country)
        self._do("to_agent", country=country)
        self._auto_advance()

    def start(self, token: Any) -> None:
        """The teacher starts the game: the seats held now are the students', the first round meets."""
        self._teacher(token)
        if self.status != "lobby":
            raise RoomError("the game has already started")
        self._do("start", seated=self.seated)
        self._auto_advance()

    def pause(self, token: Any) -> None:
        self._teacher(token)
        if self.status != "running":
            raise RoomError("only a running game can be paused")
        self._do("pause")

    def resume(self, token: Any) -> None:
        self._teacher(token)
        if self.status != "paused":
            raise RoomError("the game is not paused")
        self._do("resume")

    def advance(self, token: Any) -> None:
        """The teacher ends the round (talks still open pass) and the next round meets."""
        self._teacher(token)
        if self.status not in ("running", "paused"):
            raise RoomError("the game is not running")
        self._do("advance", by="teacher")
        self._auto_advance()

    def end(self, token: Any) -> None:
        """The teacher ends the game where it stands."""
        self._teacher(token)
        if self.status == "ended":
            raise RoomError("the game has already ended")
        self._do("end")

    def tick(self) -> bool:
        """The timer: advance the round if its time is up. True if it advanced."""
        left = self.seconds_left()
        if left is None or left > 0:
            return False
        self._do("advance", by="timer")
        self._auto_advance()
        return True

    def _auto_advance(self) -> None:
        """With the ``all_submitted`` policy: advance while every seat has moved (rounds in which no
        student holds a talk pass at once). With no country played by students there is nobody to
        wait for: the round waits for the teacher (else the whole game played out at once, say when
        the teacher started it before the students had picked their countries)."""
        while (self.settings.advance == "all_submitted" and self.status == "running"
               and any(self._plays(c) for c in self.seated) and self.everyone_submitted()):
            self._do("advance", by="all submitted")

    # ------------------------------------------------------------------ a seat's moves
    def offer(self, token: Any, talk: str, gives: Mapping[str, float], asks: Mapping[str, float]) -> None:
        """A student's offer in one of its country's talks (what it gives and asks, by sector, 0-1)."""
        student, country = self._seated(token)
        self._seat_talk(country, talk)
        self._do("offer", id=student.id, country=country, talk=talk,
                 gives={str(k): float(v) for k, v in gives.items()}, asks={str(k): float(v) for k, v in asks.items()})
        self._auto_advance()

    def accept(self, token: Any, talk: str) -> None:
        """A student takes the offer standing in a talk (the partner's counter-offer or another player's offer)."""
        student, country = self._seated(token)
        self._seat_talk(country, talk)
        self._do("accept", id=student.id, country=country, talk=talk)
        self._auto_advance()

    def pass_talk(self, token: Any, talk: str) -> None:
        """A student makes no offer in a talk this round, or leaves the offer standing in it."""
        student, country = self._seated(token)
        self._seat_talk(country, talk)
        self._do("pass", id=student.id, country=country, talk=talk)
        self._auto_advance()

    def delegate(self, token: Any, talk: str) -> None:
        """"Let my negotiators handle this talk": they offer what they suggest, and take a standing
        offer that gives the country at least what it needs to ratify (else leave it)."""
        student, country = self._seated(token)
        self._seat_talk(country, talk)
        self._do("delegate", id=student.id, country=country, talk=talk)
        self._auto_advance()

    def say(self, token: Any, to: Any, text: Any) -> None:
        """A student writes on the plenary board (``to`` = :data:`PLENARY`) or in the channel of a talk
        their country holds this round (``to`` = its label); the game's event log keeps it too."""
        student = self.student(token)
        if student.country is None:
            raise RoomError("take a seat before you write")
        if self.status == "ended":
            raise RoomError("the game has ended")
        text = clean_message(text)
        if to != PLENARY:
            self._seat_talk(student.country, to)
        now = self.clock()
        recent = sum(1 for m in self.messages if m.name == student.name and now - m.at < MESSAGE_WINDOW)
        if recent >= MESSAGES_PER_WINDOW:
            raise RoomError(f"at most {MESSAGES_PER_WINDOW} messages in {MESSAGE_WINDOW:g} seconds: wait a moment, "
                            "so the class can read the board")
        self._do("message", id=student.id, country=student.country, to=to, text=text)

    def channel(self, to: str) -> list[Message]:
        """The messages on the plenary board, or in one talk's channel (both sides' students read it)."""
        return [m for m in self.messages if m.to == to]

    def _seat_talk(self, country: str, talk: Any) -> SeatTalk:
        found = next((t for t in self.talks_of(country) if t.label == talk), None)
        if found is None:
            raise RoomError(f"{country} holds no talk {str(talk)[:40]!r} this round")
        return found

    # ------------------------------------------------------------------ export
    def export(self) -> dict[str, Any]:
        """The room's log and outcome, for the teacher to keep (no tokens)."""
        m = self.model
        return {"room": {"code": self.code, "scenario": self.scenario, "seed": self.seed,
                         "settings": self.record()["settings"], "status": self.status},
                "students": [{"name": s.name, "country": s.country} for s in self.students],
                "room_log": [{"at": at, "what": text} for at, text in self.log],
                "messages": [vars(m) for m in self.messages],
                "actions": [{"kind": a.kind, "at": a.at, **{k: v for k, v in a.payload.items() if k != "token"}}
                            for a in self.actions],
                "events": m.log.to_jsonl().splitlines() if m is not None else [],
                "summary": m.summary() if m is not None else None}

