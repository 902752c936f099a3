"""The rooms one class server holds, shared by every browser session, and who to tell when one changes.

Solara's reactive state is per browser session; a class shares one game between many, so the
shared state is deliberate and lives here: a :class:`Registry` of rooms (loaded from the
server's SQLite file), each room guarded by a lock (a room changes one action at a time), and
per room the listeners of the pages showing it, called after every change. A page subscribes
when it opens and unsubscribes when it closes (:mod:`tppgame.classroom.class_pages`). A listener
may ask to be told first: after a change, the registry starts every page's first listeners (the
round line, one small part of each page) before any page's whole redraw, so thirty pages show the
new round before the first of them redraws its talks.

The registry also runs the rooms' timers (one thread, once a second) and limits wrong join codes
across the server with a token bucket: :data:`~tppgame.classroom.room_codes.WRONG_CODE_BURST` at once,
then :data:`~tppgame.classroom.rooms.WRONG_CODES_PER_SECOND` a second; while the bucket is empty every
code is refused, the right ones too (else guesses would go on being checked).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from tppgame.classroom.room_store import RoomStore
from tppgame.classroom.room_codes import WRONG_CODE_BURST
from tppgame.classroom.rooms import (
    WRONG_CODES_PER_SECOND,
    Room,
    RoomError,
    Settings,
    Student,
    new_code,
    normal_code,
)

Listener = Callable[[], None]
LISTENER_WORKERS = 4          # pages redrawn side by side after a change


class _Listening:
    """One page's listener: run on a worker when due, never twice at once, coalescing changes that
    come while it runs into one more run."""

    def __init__(self, listener: Listener, first: bool = False):
        self.listener = listener
        self.first = first
        self._lock = threading.Lock()
        self._running = self._again = False

    def due(self, workers: ThreadPoolExecutor) -> Future | None:
        """A change happened: run the listener (a job), or mark it to run again if it is running."""
        with self._lock:
            if self._running:
                self._again = True
                return None
            self._running = True
        return workers.submit(self._run)

    def _run(self) -> None:
        while True:
            try:
                self.listener()
            except Exception:       # a closed page must not stop the others being told
                pass
            with self._lock:
                if not self._again:
                    self._running = False
                    return
                self._again = False


class Registry:
    """The rooms of one server (one SQLite file), with their locks and listeners."""

    def __init__(self, path: str | Path, clock: Callable[[], float] = time.time):
        self.store = RoomStore(path)
        self.clock = clock
        self.rooms: dict[int, Room] = {room.id: room for room in self.store.load()}
        for room in self.rooms.values():
            room.clock = clock
            # a timed round restored after a restart gets its full time again (the server was down)
            room.round_started = max(room.round_started, clock())
        self._locks: dict[int, threading.RLock] = {i: threading.RLock() for i in self.rooms}
        self._listeners: dict[int, list[_Listening]] = {}
        self._workers = ThreadPoolExecutor(max_workers=LISTENER_WORKERS, thread_name_prefix="room-pages")
        self._pending: set[Future] = set()
        self._guard = threading.Lock()
        self._wrong_allowed, self._wrong_checked = float(WRONG_CODE_BURST), clock()
        self._timer: threading.Thread | None = None

    def create(self, scenario: str, seed: int | None = None, settings: Settings | None = None) -> Room:
        """A new room, stored at once (its code unique in the file)."""
        with self._guard:
            room = Room.create(self.store.next_id(), scenario, seed, settings, clock=self.clock)
            taken = self.store.codes()
            while room.code in taken:
                room.code = new_code()
            self.store.add(room)
            self.rooms[room.id] = room
            self._locks[room.id] = threading.RLock()
        return room

    def by_code(self, code: Any) -> Room:
        """The room with this join code; wrong codes are refused, and counted (see the module's docstring)."""
        wanted = normal_code(code)
        with self._guard:
            now = self.clock()
            self._wrong_allowed = min(float(WRONG_CODE_BURST), self._wrong_allowed
                                      + max(0.0, now - self._wrong_checked) * WRONG_CODES_PER_SECOND)
            self._wrong_checked = now
            if self._wrong_allowed < 1.0:
                raise RoomError("too many wrong codes just now: wait a second and try again")
            for room in self.rooms.values():
                if room.code == wanted:
                    return room
            self._wrong_allowed -= 1.0
        raise RoomError("no room has that code: check it with your teacher")

    def find(self, token: Any) -> tuple[Room, Student | None]:
        """The room a token belongs to, and its student (None: the token is the room's teacher's)."""
        for room in self.rooms.values():
            if room.is_teacher(token):
                return room, None
            try:
                return room, room.student(token)
            except RoomError:
                continue
        raise RoomError("that link belongs to no room on this server")

    def act(self, room: Room, do: Callable[[], Any]) -> Any:
        """Run one change to a room under its lock, then tell its pages (also when it was refused: no harm)."""
        try:
            with self._locks[room.id]:
                return do()
        finally:
            self.changed(room)

    def read(self, room: Room, look: Callable[[], Any]) -> Any:
        """Read a room under its lock (a consistent view while another session acts)."""
        with self._locks[room.id]:
            return look()

    # ------------------------------------------------------------------ listeners
    def subscribe(self, room_id: int, listener: Listener, first: bool = False) -> Callable[[], None]:
        """Call ``listener`` after each change to the room (``first``: before the listeners that are
        not); returns the function that stops it."""
        entry = _Listening(listener, first)
        with self._guard:
            self._listeners.setdefault(room_id, []).append(entry)

        def stop() -> None:
            with self._guard:
                entries = self._listeners.get(room_id, [])
                if entry in entries:
                    entries.remove(entry)
        return stop

    def changed(self, room: Room) -> None:
        """Tell the room's pages, each on the registry's workers: the session that acted goes on at
        once, pages redraw side by side, and a page still redrawing redraws once more afterwards
        (never twice at the same time). The listeners that asked to be first are started first."""
        with self._guard:
            entries = sorted(self._listeners.get(room.id, []), key=lambda entry: not entry.first)
        for entry in entries:
            job = entry.due(self._workers)
            if job is not None:
                with self._guard:
                    self._pending.add(job)
                job.add_done_callback(self._done)

    def _done(self, job: Future) -> None:
        with self._guard:
            self._pending.discard(job)

    def told(self, timeout: float = 30.0) -> None:
        """Wait until every page has been told of every change so far (for tests and shutdown)."""
        with self._guard:
            pending = list(self._pending)
        wait(pending, timeout=timeout)

    def connect(self, room: Room, student: Student | None, delta: int) -> None:
        """A student's page opened (+1) or closed (-1): who is connected, for the teacher's console."""
        if student is None:
            return
        with self._locks[room.id]:
            room.connected[student.id] = max(0, room.connected.get(student.id, 0) + delta)
        self.changed(room)

    # ------------------------------------------------------------------ timers
    def start_timer(self) -> None:
        """Advance timed rounds once their time is up (a daemon thread, once a second)."""
        if self._timer is None:
            self._timer = threading.Thread(target=self._run_timer, name="room-timer", daemon=True)
            self._timer.start()

    def _run_timer(self) -> None:
        while True:
            time.sleep(1.0)
            self.tick()

    def tick(self) -> None:
        """Advance each timed room whose time is up; one that cannot (its file refused the advance)
        is tried again on the next tick, and the other rooms' timers go on."""
        for room in list(self.rooms.values()):
            if room.seconds_left() == 0.0:
                try:
                    self.act(room, room.tick)
                except RoomError:
                    continue
