"""The debrief on the class pages: a room's handout at the end of its game, and the page comparing
the class's rooms (what they hold: :mod:`tppgame.classroom.room_debrief`).

The handout is made when a page asks for it (a download, or "Show the handout here"), once per
room as it stands, under the room's lock: drawing the end-of-game pages costs nothing more.
"""

from __future__ import annotations

import solara

from tppgame.classroom.brief import outcome_line
from tppgame.classroom.class_session import page_link, registry
from tppgame.classroom.game_text import debrief_markdown
from tppgame.classroom.documents import to_html, to_markdown
from tppgame.classroom.markup import Md
from tppgame.classroom.room_debrief import (
    comparison,
    comparison_csv,
    deals_csv,
    debrief_html,
    debrief_pdf,
    missing_extra,
    outcomes_csv,
)
from tppgame.classroom.rooms import Room

CSV = "text/csv"
FRAME = {"width": "100%", "height": "900px", "border": "1px solid #bbb", "background": "white"}


@solara.component
def DebriefCard(room: Room, country: str | None = None):
    """The room's debrief at the end of its game: the outcome in sentences (and the student's own
    country's), the handout in the page on demand, its HTML and PDF and its CSV tables to download."""
    shown, set_shown = solara.use_state(False)
    reg, code = registry(), room.code
    missing = missing_extra()

    def read(what):
        return lambda: reg.read(room, lambda: what(room))

    with solara.Card("Debrief"):
        Md(debrief_markdown(room.model, ended=True))
        if country is not None:
            Md(outcome_line(room.model, country))
        if missing:
            Md(missing)
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
            if not missing:
                solara.Button("Hide the handout" if shown else "Show the handout here", color="primary",
                              on_click=lambda: set_shown(not shown))
                solara.FileDownload(read(debrief_pdf), filename=f"debrief-{code}.pdf",
                                    label="Handout (PDF)", mime_type="application/pdf")
                solara.FileDownload(read(debrief_html), filename=f"debrief-{code}.html",
                                    label="Handout (HTML)", mime_type="text/html")
            solara.FileDownload(read(outcomes_csv), filename=f"outcomes-{code}.csv",
                                label="Each country (CSV)", mime_type=CSV)
            solara.FileDownload(read(deals_csv), filename=f"deals-{code}.csv", label="Each deal (CSV)",
                                mime_type=CSV)
        if shown and not missing:
            solara.HTML(tag="iframe", attributes={"srcdoc": reg.read(room, lambda: debrief_html(room)),
                                                  "title": f"Debrief of room {code}"},
                        style=FRAME, classes=["tpp-debrief"])


def comparison_link(rooms: int, token: str) -> None:
    """On a teacher's console, with several rooms on the server: the link to the page comparing them."""
    if rooms > 1:
        Md(f"[Compare the class's {rooms} rooms]({page_link(compare=token)}) (their outcomes side by side, "
           "with a CSV)")


@solara.component
def ClassComparison(rooms: list[Room]):
    """The page comparing the class's rooms (opened by a teacher's token of one of them)."""
    version, set_version = solara.use_state(0)
    locked = registry().read

    def read(what):
        return lambda: what(rooms, locked)

    doc = comparison(rooms, locked)
    with solara.Column(style={"padding": "16px", "max-width": "1200px"}):
        Md(to_markdown(doc))
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.Button("Refresh", on_click=lambda: set_version(version + 1))
            solara.FileDownload(read(comparison_csv), filename="comparison.csv", label="Comparison (CSV)",
                                mime_type=CSV)
            solara.FileDownload(read(lambda r, lock: to_html(comparison(r, lock))), filename="comparison.html",
                                label="Comparison (HTML)", mime_type="text/html")
