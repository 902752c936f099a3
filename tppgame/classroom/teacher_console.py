"""The teacher's console: the join code (and its QR code), who has joined, is connected and has
submitted; start, pause, advance, end; the advance and seating policies; a seat handed to its
agents or to another student; the game as it stands, the room's log, and its export.

Every button calls a :class:`~tppgame.classroom.rooms.Room` method with the teacher's token from
the page's link, so the room itself checks the right to act.
"""

from __future__ import annotations

import json
from functools import lru_cache
from time import monotonic
from typing import Any

import solara

from tppgame.classroom.class_debrief import DebriefCard, comparison_link
from tppgame.classroom.class_session import page_link, registry, use_room
from tppgame.classroom.game_text import agreement_markdown, event_lines
from tppgame.classroom.markup import Md
from tppgame.classroom.rooms import (
    ADVANCE_POLICIES,
    ASSIGN_POLICIES,
    PLENARY,
    Room,
    RoomError,
)
from tppgame.classroom.seat_view import message_line

ADVANCE_LABELS = {"teacher": "by hand", "all_submitted": "when every seat has moved", "timer": "on a timer"}
NO_SEAT = "no seat"          # out of any delegation (a country its last student leaves goes to its negotiators)
BIG = {"font-size": "20px"}
ADVANCE_GAP = 2.0            # seconds: a second press of Advance within it is a double click, not a second round


@lru_cache(maxsize=64)
def qr_svg(text: str) -> str | None:
    """``text`` as a QR code in inline SVG (None if the ``qrcode`` package is not installed); made
    once per link (about 9 ms each), not on every redraw of the console (one per change to the room)."""
    try:
        import qrcode
        import qrcode.image.svg
    except ImportError:
        return None
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2)
    return image.to_string(encoding="unicode")


def seat_rows(room: Room) -> list[dict[str, Any]]:
    """A line per country for the console: its students (connected or not), whether it has moved
    this round, and who plays it."""
    rows = []
    for code in room.countries:
        students = room.delegation(code)
        plays = room.model is not None and code in [room.countries[i] for i in room.model.seats.countries]
        rows.append({"country": code, "name": room.name(code),
                     "students": [(s.name, room.connected.get(s.id, 0) > 0) for s in students],
                     "player": "students" if plays or (room.model is None and students) else "agents",
                     "talks": len(room.talks_of(code)), "submitted": room.submitted(code) if plays else None})
    return rows


def seats_markdown(room: Room) -> str:
    """The seats as a Markdown table (● connected, ○ not)."""
    lines = ["| Country | Students | Played by | This round |", "|---|---|---|---|"]
    for row in seat_rows(room):
        names = ", ".join(f"{'●' if on else '○'} {name}" for name, on in row["students"]) or "—"
        if row["submitted"] is None:
            moved = "—"
        elif row["talks"] == 0:
            moved = "no talks"
        else:
            moved = "moved ✓" if row["submitted"] else f"to move ({row['talks']} talks)"
        lines.append(f"| {row['country']} {row['name']} | {names} | {row['player']} | {moved} |")
    return "\n".join(lines)


@solara.component
def TeacherConsole(room: Room, token: str):
    use_room(room)
    message, set_message = solara.use_state("")
    reg = registry()

    def act(what, *args, **kwargs) -> None:
        try:
            reg.act(room, lambda: what(token, *args, **kwargs))
            set_message("")
        except RoomError as err:
            set_message(f"Not possible: {err}")

    advanced = solara.use_ref(-ADVANCE_GAP)

    def advance() -> None:
        """Advance the round, unless this page did a moment ago (a double click ended two rounds)."""
        now = monotonic()
        if now - advanced.current < ADVANCE_GAP:
            set_message(f"Not possible: the round was advanced a moment ago (this is round {room.model.round}); "
                        "to end this one too, press again in a few seconds")
            return
        advanced.current = now
        act(room.advance)

    join_link = page_link(code=room.code)
    with solara.Column(style={"padding": "16px", "max-width": "1200px"}):
        Md(f"# Teacher's console — room {room.code}")
        with solara.Row(style={"align-items": "flex-start", "flex-wrap": "wrap"}):
            with solara.Card("Students join with", style={"min-width": "320px"}):
                solara.HTML(tag="div", unsafe_innerHTML=f"<div class='tpp-join-code' style='font-size:44px;"
                            f"font-weight:700;letter-spacing:6px;line-height:1.3'>{room.code}</div>")
                Md(f"at **{join_link.split('?')[0]}** (or this link: `{join_link}`). "
                   f"Projector view: `{page_link(projector=room.code)}`")
                svg = qr_svg(join_link)
                if svg:
                    solara.HTML(tag="div", unsafe_innerHTML=f"<div class='tpp-qr' style='width:220px'>{svg}</div>")
            with solara.Card("The game", style={"min-width": "420px"}):
                _controls(room, act, advance)
        if message:
            Md(f"**{message}**")
        with solara.Card("Seats"):
            Md(seats_markdown(room))
            _seat_changes(room, act)
        if room.status == "ended" and room.model is not None:
            DebriefCard(room)
        if room.model is not None:
            with solara.Row(style={"align-items": "flex-start", "flex-wrap": "wrap"}):
                with solara.Card("Agreement", style={"min-width": "420px"}):
                    Md(agreement_markdown(room.model).replace(
                        "**Waiting for your offers** (see *Your seat*).", "**Waiting for the students' moves.**"))
                with solara.Card("What happened", style={"min-width": "420px", "max-height": "420px",
                                                         "overflow-y": "auto"}):
                    Md("\n".join(event_lines(room.model, rounds=4)))
        with solara.Card("Messages (the plenary board and every talk's channel)",
                         style={"max-height": "300px", "overflow-y": "auto"}):
            for message in reversed(room.messages[-30:]):
                where = "plenary" if message.to == PLENARY else message.to
                solara.Text(f"[{where}] {message_line(message)}", style={"display": "block"})
            if not room.messages:
                solara.Text("No messages yet.")
        with solara.Card("Room log", style={"max-height": "300px", "overflow-y": "auto"}):
            Md("\n".join(f"- {text}" for _, text in reversed(room.log[-30:])) or "Nobody has joined yet.")
        solara.FileDownload(lambda: json.dumps(room.export(), indent=1, default=str),
                            filename=f"room-{room.code}.json", label="Export the room's log and outcome (JSON)")
        comparison_link(len(reg.rooms), token)


def _controls(room: Room, act, advance) -> None:
    status = {"lobby": "Waiting to start: students are joining.", "running": "Running.",
              "paused": "Paused: students cannot move.", "ended": "The game has ended."}[room.status]
    model = room.model
    where = f" Round {model.round} of {model.config.rounds}." if model is not None else ""
    Md(f"**{status}**{where} Scenario *{room.scenario}*, seed {room.seed}.")
    left = room.seconds_left()
    if left is not None:
        Md(f"Next round in about {left:.0f} s.")
    with solara.Row(style={"flex-wrap": "wrap"}):
        solara.Button("Start the game", color="primary", on_click=lambda: act(room.start),
                      disabled=room.status != "lobby")
        if room.status == "paused":
            solara.Button("Resume", on_click=lambda: act(room.resume))
        else:
            solara.Button("Pause", on_click=lambda: act(room.pause), disabled=room.status != "running")
        solara.Button("Advance the round", color="secondary", on_click=advance,
                      disabled=room.status not in ("running", "paused"))
        solara.Button("End the game", on_click=lambda: act(room.end), disabled=room.status == "ended")
    solara.Select("When a round advances", value=room.settings.advance, values=list(ADVANCE_POLICIES),
                  on_value=lambda v: act(room.configure, advance=v))
    Md(" · ".join(f"*{k}*: {v}" for k, v in ADVANCE_LABELS.items()))
    solara.SliderInt(f"Timer: {room.settings.timer} s a round", value=room.settings.timer, min=30, max=600, step=30,
                     on_value=lambda v: act(room.configure, timer=int(v)))
    solara.SliderInt(f"Offers a talk between two seats may hold a round: {room.settings.offers}",
                     value=room.settings.offers, min=1, max=max(12, room.settings.offers),
                     on_value=lambda v: act(room.configure, offers=int(v)))
    solara.Select("Seats", value=room.settings.assign, values=list(ASSIGN_POLICIES),
                  on_value=lambda v: act(room.configure, assign=v))
    Md("*pick*: students choose a country · *assign*: the room gives each the next country")


def _seat_changes(room: Room, act) -> None:
    """Move a student to a country's delegation or out of any, or hand a whole country to its agents."""
    who, set_who = solara.use_state("")
    where, set_where = solara.use_state("")
    names = [s.name for s in room.students]
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
        solara.Select("Student", value=who if who in names else None, values=names, on_value=set_who)
        solara.Select("Country", value=where or None, values=[NO_SEAT, *room.countries], on_value=set_where)

        def move() -> None:
            student = next((s for s in room.students if s.name == who), None)
            if student is None or not where:
                return
            act(room.seat_student, student.id, None if where == NO_SEAT else where)

        solara.Button("Move the student", on_click=move, disabled=not who or not where)
    with solara.Row(style={"flex-wrap": "wrap"}):
        for code in room.seated:
            solara.Button(f"Hand {code} to its agents", small=True, text=True,
                          on_click=lambda c=code: act(room.hand_to_agent, c))
