"""A room's debrief and the comparison of a class's rooms, as the class server hands them out.

When a room's game has ended (its last round played, or the teacher ended it), the teacher's
console and each student's page offer the room's debrief (:func:`tppgame.classroom.debrief.debrief_document`
with the room's code as its name and the students who sat for each country): the handout as HTML
and as a PDF, and its two tables as CSV. A server with several rooms (``run.py classroom --rooms N``)
also has a page comparing them (:func:`tppgame.classroom.debrief_compare.comparison_document`), which
only a teacher's token of one of the server's rooms opens (:func:`class_rooms`).

The handout's HTML and PDF need the ``debrief`` extra (ReportLab, matplotlib for the figures);
without it :func:`missing_extra` says so in one line and the CSV tables are still there. Nothing
here draws a page (:mod:`tppgame.classroom.class_debrief` does) or changes a room.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from tppgame.classroom.debrief import (
    DEAL_COLUMNS,
    deal_rows,
    debrief_document,
    outcome_rows,
)
from tppgame.classroom.debrief_compare import (
    GameRecord,
    comparison_document,
    comparison_rows,
)
from tppgame.classroom.documents import Document, Paragraph, to_html
from tppgame.classroom.room_codes import NotAllowed

if TYPE_CHECKING:
    from tppgame.classroom.rooms import Room

EXTRA = ("reportlab", "matplotlib")           # what the handout's figures and PDF need (the debrief extra)
_made: dict[int, tuple[int, Document]] = {}   # room id -> (its actions when made, its debrief)
_making = threading.Lock()


def missing_extra() -> str | None:
    """One line when the ``debrief`` extra is not installed (the handout cannot be made), else None."""
    missing = [name for name in EXTRA if importlib.util.find_spec(name) is None]
    if not missing:
        return None
    return (f"The handout (HTML with figures, PDF) needs the debrief extra: pip install -e \".[debrief]\" "
            f"({', '.join(missing)} missing); the CSV tables are below.")


def room_label(room: Room) -> str:
    return f"Room {room.code}"


def students_of(room: Room) -> dict[str, list[str]]:
    """Who sat for which country at the end (ISO3 code -> names, in the order they joined)."""
    return {code: [s.name for s in room.delegation(code)] for code in room.countries if room.delegation(code)}


def room_debrief(room: Room) -> Document:
    """The room's debrief, made once for the room as it stands (a later action, say a student moved,
    makes it again). Raises ImportError without the ``debrief`` extra, ValueError before the game."""
    if room.model is None:
        raise ValueError(f"room {room.code}: the game has not started, there is nothing to debrief")
    with _making:
        made = _made.get(room.id)
        if made is None or made[0] != len(room.actions):
            made = (len(room.actions), debrief_document(room.model, room=room_label(room), students=students_of(room)))
            _made[room.id] = made
        return made[1]


def debrief_html(room: Room) -> str:
    """The handout as one self-contained HTML page (nothing fetched)."""
    return to_html(room_debrief(room))


def debrief_pdf(room: Room) -> bytes:
    """The handout as an A4 PDF. Raises :class:`tppgame.classroom.pdf.PdfUnavailable` without ReportLab."""
    from tppgame.classroom.pdf import to_pdf

    return to_pdf(room_debrief(room))


def outcomes_csv(room: Room) -> str:
    """outcomes.csv of the room's debrief: one row per country."""
    from tppgame.report import csv_text

    return csv_text(outcome_rows(room.model))


def deals_csv(room: Room) -> str:
    """deals.csv of the room's debrief: one row per closed deal (the header alone when none closed)."""
    from tppgame.report import csv_text

    deals = deal_rows(room.model)
    return csv_text(deals) if deals else ",".join(DEAL_COLUMNS) + "\n"


# ------------------------------------------------------------------ the class's rooms compared
def class_rooms(rooms: Iterable[Room], token: object) -> list[Room]:
    """The server's rooms, for a teacher's token of one of them; :class:`NotAllowed` for any other token
    (a student's included): the comparison shows every room's outcome."""
    rooms = list(rooms)
    if not any(room.is_teacher(token) for room in rooms):
        raise NotAllowed("only a teacher of this class can compare its rooms (the teacher's link carries its token)")
    return rooms


Reader = Callable[["Room", Callable[[], Any]], Any]     # reads a room under its lock (Registry.read)


def _unlocked(room: Room, look: Callable[[], Any]) -> Any:
    return look()


def room_records(rooms: Iterable[Room], read: Reader = _unlocked) -> list[GameRecord]:
    """A record per room whose game has started (a room still playing is compared as it stands)."""
    records = []
    for room in rooms:
        if room.model is not None:
            state = "ended" if room.status == "ended" else f"round {room.model.round}, {room.status}"
            records.append(read(room, lambda r=room, s=state: GameRecord.of_model(f"{room_label(r)} ({s})", r.model)))
    return records


def comparison(rooms: list[Room], read: Reader = _unlocked) -> Document:
    """The page comparing the class's rooms: those played so far, then those not started."""
    records = room_records(rooms, read)
    waiting = [room_label(r) for r in rooms if r.model is None]
    if records:
        doc = comparison_document(records, title=f"The class's {len(rooms)} rooms compared")
    else:
        doc = Document(f"The class's {len(rooms)} rooms compared")
    if waiting:
        doc.add(Paragraph(f"Not started yet: {', '.join(waiting)}."))
    return doc


def comparison_csv(rooms: list[Room], read: Reader = _unlocked) -> str:
    """comparison.csv: one row per room whose game has started."""
    from tppgame.report import csv_text

    rows = comparison_rows(room_records(rooms, read))
    return csv_text(rows) if rows else "game\n"
