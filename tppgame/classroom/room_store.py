"""Rooms kept in SQLite: one file per class server, several rooms in it, each as its record and its actions.

A room's state is the replay of its actions (:mod:`tppgame.classroom.rooms`), so the store
writes one row per room when it is made and one row per action as it happens (each in its own
transaction: a server stopped at any moment loses at most the action being written), and
restores a room by replaying its rows. A room whose replay fails (its scenario file was changed
or removed since) is left out and named, with the reason, in :attr:`RoomStore.unrestored`: the
other rooms are served. The file is opened in WAL mode, so pages reading while
an action is written do not wait. The tokens are kept in the file: it belongs to the teacher's
computer, like the teacher's link.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import threading
from pathlib import Path

from tppgame.classroom.rooms import Action, Room, RoomError

SCHEMA = """
CREATE TABLE IF NOT EXISTS rooms (
    id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, teacher_token TEXT NOT NULL,
    scenario TEXT NOT NULL, seed INTEGER NOT NULL, settings TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS actions (
    room INTEGER NOT NULL REFERENCES rooms(id), seq INTEGER NOT NULL, at REAL NOT NULL,
    kind TEXT NOT NULL, payload TEXT NOT NULL, PRIMARY KEY (room, seq));
"""


class RoomStore:
    """The rooms of one SQLite file: :meth:`add` a new room, :meth:`save` each action, :meth:`load` them all."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self.unrestored: list[tuple[str, str]] = []   # (code, why) of rooms :meth:`load` could not replay

    def next_id(self) -> int:
        with self._lock:
            (top,) = self._db.execute("SELECT COALESCE(MAX(id), 0) FROM rooms").fetchone()
        return int(top) + 1

    def codes(self) -> set[str]:
        with self._lock:
            return {code for (code,) in self._db.execute("SELECT code FROM rooms")}

    def add(self, room: Room) -> None:
        """Store a new room's record and any actions it already has; from now on its actions are saved."""
        r = room.record()
        with self._lock, self._db:
            self._db.execute("BEGIN")
            self._db.execute("INSERT INTO rooms VALUES (?, ?, ?, ?, ?, ?, ?)",
                             (r["id"], r["code"], r["teacher_token"], r["scenario"], r["seed"],
                              json.dumps(r["settings"]), r["created"]))
            for seq, action in enumerate(room.actions):
                self._insert(room.id, seq, action)
        room.on_action = self.save

    def save(self, room: Room, action: Action) -> None:
        """Append a room's newest action (called by the room as it acts). A file that cannot take it
        (locked by another program, read-only, a full disk) is a :class:`RoomError` the page shows,
        without the file's path, and a line on the server's terminal that names it: the room undoes
        the action (:meth:`~tppgame.classroom.rooms.Room._do`)."""
        try:
            with self._lock, self._db:
                self._db.execute("BEGIN")
                self._insert(room.id, len(room.actions) - 1, action)
        except sqlite3.Error as err:
            print(f"warning: {self.path}: room {room.code} could not keep its {action.kind} ({err}); "
                  "it was undone", file=sys.stderr, flush=True)
            raise RoomError(f"the room's file could not keep that just now ({err}); nothing changed: "
                            "try again, or tell the teacher") from None

    def _insert(self, room_id: int, seq: int, action: Action) -> None:
        self._db.execute("INSERT INTO actions VALUES (?, ?, ?, ?, ?)",
                         (room_id, seq, action.at, action.kind, json.dumps(action.payload)))

    def load(self) -> list[Room]:
        """Every room in the file, replayed from its actions, saving its new actions here."""
        with self._lock:
            records = self._db.execute("SELECT id, code, teacher_token, scenario, seed, settings, created "
                                       "FROM rooms ORDER BY id").fetchall()
            rows = self._db.execute("SELECT room, at, kind, payload FROM actions ORDER BY room, seq").fetchall()
        stored: dict[int, list[tuple[float, str, str]]] = {}
        for room_id, at, kind, payload in rows:
            stored.setdefault(room_id, []).append((at, kind, payload))
        rooms = []
        self.unrestored = []
        for room_id, code, teacher, scenario, seed, settings, created in records:
            try:        # a row that is not JSON (the file edited by hand, or damaged) leaves out its room only
                actions = [Action(kind, json.loads(payload), at) for at, kind, payload in stored.get(room_id, [])]
                room = Room.replay({"id": room_id, "code": code, "teacher_token": teacher, "scenario": scenario,
                                    "seed": seed, "settings": json.loads(settings), "created": created}, actions)
            except (ValueError, KeyError, IndexError, TypeError) as err:   # ScenarioError and RoomError too
                self.unrestored.append((code, f"{type(err).__name__}: {err}"))
                continue
            room.on_action = self.save
            rooms.append(room)
        return rooms

    def close(self) -> None:
        with self._lock:
            self._db.close()
