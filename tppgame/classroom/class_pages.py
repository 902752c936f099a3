"""The class server's pages, by the link's query: ``?teacher=TOKEN`` the teacher's console,
``?seat=TOKEN`` a student's seat, ``?projector=CODE`` the room's projector view, anything else the join page (``?code=CODE`` fills the code in).

Served by ``python run.py classroom`` (:mod:`tppgame.cli_classroom`) through Solara, from
:mod:`tppgame.classroom.class_app`. A token that is no room's (or a student's token on the
teacher's page) shows a refusal and nothing of any room.
"""

from __future__ import annotations

from urllib.parse import parse_qs

import solara

from tppgame.classroom.class_debrief import ClassComparison
from tppgame.classroom.class_session import page_link, registry
from tppgame.classroom.markup import MD_STYLE, Md
from tppgame.classroom.projector import ProjectorView
from tppgame.classroom.room_debrief import class_rooms
from tppgame.classroom.rooms import RoomError
from tppgame.classroom.seat_view import StudentView
from tppgame.classroom.teacher_console import TeacherConsole

REFUSED = "This link opens no room on this server. Students: join with the room's code below."


def query(search: str | None) -> dict[str, str]:
    """The link's query as single values (the first of each)."""
    return {k: v[0] for k, v in parse_qs(search or "").items() if v}


@solara.component
def Page():
    router = solara.use_router()
    asked = query(router.search)
    solara.Title("tppgame class")
    solara.Style(MD_STYLE)
    reg = registry()
    if "teacher" in asked:
        try:
            room, student = reg.find(asked["teacher"])
        except RoomError:
            room = student = None
        if room is None or student is not None:
            JoinPage(REFUSED, "")
        else:
            TeacherConsole(room, asked["teacher"])
    elif "seat" in asked:
        try:
            room, student = reg.find(asked["seat"])
        except RoomError:
            room = student = None
        if room is None or student is None:
            JoinPage(REFUSED, "")
        else:
            StudentView(room, student, asked["seat"])
    elif "compare" in asked:
        try:
            ClassComparison(class_rooms(reg.rooms.values(), asked["compare"]))
        except RoomError:
            JoinPage(REFUSED, "")
    elif "projector" in asked:
        try:
            ProjectorView(reg.by_code(asked["projector"]))
        except RoomError as err:
            JoinPage(str(err), "")
    else:
        JoinPage("", asked.get("code", ""))


@solara.component
def JoinPage(notice: str, code: str):
    """A code and a name: a seat, and the student's own link (the page moves to it)."""
    typed_code, set_code = solara.use_state(code)
    name, set_name = solara.use_state("")
    message, set_message = solara.use_state(notice)
    router = solara.use_router()

    def join() -> None:
        reg = registry()
        try:
            room = reg.by_code(typed_code)
            student = reg.act(room, lambda: room.join(name))
        except RoomError as err:
            set_message(str(err))
            return
        router.push(f"/?seat={student.token}")

    with solara.Column(style={"padding": "24px", "max-width": "520px"}):
        Md("# Join the class game")
        Md("Type the room's code (on the teacher's screen) and your name. Joining again with the "
                        "same code and name brings you back to your seat.")
        solara.InputText("Room code", value=typed_code, on_value=set_code, continuous_update=True)
        solara.InputText("Your name", value=name, on_value=set_name, continuous_update=True)
        solara.Button("Join", color="primary", on_click=join, disabled=not typed_code or not name.strip())
        if message:
            Md(f"**{message}**")
        Md(f"<small>Server: {page_link().rstrip('?')}</small>")
