"""What every class page shares: the server's registry of rooms, links to pages, and the hook that
redraws a page when its room changes in another browser session.

The class server (``python run.py classroom``, :mod:`tppgame.cli_classroom`) names its SQLite
file and its address in the environment (:data:`DB_VARIABLE`, :data:`URL_VARIABLE`) before
Solara imports the pages; the registry is made on first use, once per server process.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from contextlib import nullcontext
from typing import TypeVar
from urllib.parse import urlencode

import reacton.core
import solara
from solara.toestand import Context

from tppgame.classroom.room_registry import Registry
from tppgame.classroom.rooms import Room

DB_VARIABLE = "TPPGAME_CLASS_DB"
URL_VARIABLE = "TPPGAME_CLASS_URL"
FAST_RENDERER = "REACTON_FAST"
_registry: Registry | None = None
_made = threading.Lock()
T = TypeVar("T")


def registry() -> Registry:
    """The server's rooms (from the file :data:`DB_VARIABLE` names), made once, with their timers running."""
    global _registry
    with _made:
        if _registry is None:
            _registry = Registry(os.environ.get(DB_VARIABLE, "classroom.sqlite"))
            _registry.start_timer()
        return _registry


def fast_renderer() -> None:
    """Draw this process's pages with Reacton's fast renderer (``REACTON_FAST=1``, unless the
    environment says otherwise). It walks only the parts of a page whose state or arguments changed,
    where the default renderer walks and compares the whole page on every change: with it, the round
    line's own redraw (:func:`use_room` with ``first``) costs that line, not a second pass over the
    page. The class server's app calls it; the single-player dashboard keeps the default."""
    os.environ.setdefault(FAST_RENDERER, "1")


def base_url() -> str:
    """The address students reach the server at, as the class server announced it."""
    return os.environ.get(URL_VARIABLE, "http://127.0.0.1:8765/")


def page_link(**query: str) -> str:
    """A link to a class page: ``?teacher=TOKEN``, ``?seat=TOKEN``, ``?code=CODE``."""
    return f"{base_url()}?{urlencode(query)}"


def _session_context() -> Context:
    """This browser session's render and kernel context, to redraw its page from another session's thread."""
    from solara.server import kernel_context

    kernel = kernel_context.get_current_context() if kernel_context.has_current_context() else nullcontext()
    return Context(reacton.core.get_render_context(required=False), kernel)


def use_room(room: Room, first: bool = False) -> int:
    """Redraw the calling component whenever ``room`` changes (in any session); returns a change
    counter. ``first``: told before the components that are not (a small part every page shows,
    such as the round line, is redrawn on every page before any page's whole redraw)."""
    version, set_version = solara.use_state(0)

    def subscribe():
        context, seen = _session_context(), [0]

        def changed() -> None:
            seen[0] += 1
            with context:
                set_version(seen[0])
        return registry().subscribe(room.id, changed, first)

    solara.use_effect(subscribe, [room.id])
    return version


def shared(room: Room, name: tuple, make: Callable[[], T]) -> T:
    """What every page of a room shows alike (a country's brief, for each of its delegation's pages),
    made once per state of the room (its count of actions: every change is one) and handed to every
    page that asks, instead of once per page. ``name`` tells the text apart within the room; the room
    keeps the texts of its current state only (:attr:`~tppgame.classroom.rooms.Room.shown`)."""
    state, kept = len(room.actions), room.shown
    if kept.get("state") != state:      # a new dict, not a cleared one: a page reading the old one keeps it
        kept = room.shown = {"state": state}
    if name not in kept:
        kept[name] = make()
    return kept[name]
