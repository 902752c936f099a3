"""A room's debrief on the class server, and the page comparing a class's rooms (without a browser:
tests/test_classroom_browser_debrief.py downloads them from the pages)."""

from __future__ import annotations

import csv
import html
import io

import pytest

from tppgame.classroom import room_debrief
from tppgame.classroom.documents import to_markdown
from tppgame.classroom.room_debrief import (
    class_rooms,
    comparison,
    comparison_csv,
    deals_csv,
    debrief_html,
    debrief_pdf,
    missing_extra,
    outcomes_csv,
    students_of,
)
from tppgame.classroom.room_debrief import (
    room_debrief as debrief_of,
)
from tppgame.classroom.rooms import NotAllowed, Room


def ended_room(room_id: int = 1, seed: int = 3, rounds: int = 3) -> Room:
    """Ana and Bo for Japan, Ben for the US; a few rounds, then the teacher ends the game."""
    room = Room.create(room_id, "baseline", seed=seed)
    room.join("Ana", "JPN")
    room.join("Ben", "USA")
    room.join("Bo", "JPN")
    room.start(room.teacher_token)
    for _ in range(rounds):
        room.advance(room.teacher_token)
    room.end(room.teacher_token)
    return room


@pytest.fixture(scope="module")
def room() -> Room:
    pytest.importorskip("reportlab")
    return ended_room()


def test_the_debrief_names_the_room_and_who_sat_for_each_country(room):
    assert students_of(room) == {"USA": ["Ben"], "JPN": ["Ana", "Bo"]}
    page = debrief_html(room)
    assert html.escape(f"Debrief: {room.model.config.name}, Room {room.code}") in page
    assert "Ana, Bo" in page and "Ben" in page and page.startswith("<!DOCTYPE html>")
    assert debrief_pdf(room).startswith(b"%PDF")


def test_the_csv_tables_have_a_row_per_country_and_per_deal_closed(room):
    countries = list(csv.DictReader(io.StringIO(outcomes_csv(room))))
    assert [row["country"] for row in countries] == list(room.countries)
    deals = list(csv.DictReader(io.StringIO(deals_csv(room))))
    assert [(d["talk"], int(d["round"])) for d in deals] == [(e["talk"], e["round"])
                                                            for e in room.model.log.of_kind("deal")]


def test_the_debrief_is_made_once_and_again_when_the_room_changes(room):
    first = debrief_of(room)
    assert debrief_of(room) is first
    ben = room.students[1]
    room.seat_student(room.teacher_token, ben.id, "JPN")        # the teacher moves Ben after the end
    again = debrief_of(room)
    assert again is not first and students_of(room) == {"JPN": ["Ana", "Ben", "Bo"]}
    with pytest.raises(ValueError, match="the game has not started"):
        debrief_of(Room.create(9, "baseline", seed=3))


def test_only_a_teacher_of_the_class_compares_its_rooms(room):
    other, lobby = ended_room(2, seed=4, rounds=2), Room.create(3, "baseline", seed=5)
    rooms = [room, other, lobby]
    assert class_rooms(rooms, lobby.teacher_token) == rooms      # any of the class's teachers
    for token in (room.students[0].token, "forged", None, Room.create(4, "baseline").teacher_token):
        with pytest.raises(NotAllowed, match="only a teacher of this class"):
            class_rooms(rooms, token)


def test_the_comparison_lists_every_room(room):
    other, lobby = ended_room(2, seed=4, rounds=2), Room.create(3, "baseline", seed=5)
    text = to_markdown(comparison([room, other, lobby]))
    assert "# The class's 3 rooms compared" in text
    assert f"| Room {room.code} (ended) |" in text and f"| Room {other.code} (ended) |" in text
    assert f"Not started yet: Room {lobby.code}." in text
    rows = list(csv.DictReader(io.StringIO(comparison_csv([room, other, lobby]))))
    assert [(r["game"], int(r["seed"]), int(r["deals_closed"])) for r in rows] == [
        (f"Room {r.code} (ended)", r.seed, len(r.model.deals)) for r in (room, other)]


def test_without_the_debrief_extra_one_line_says_what_to_install(monkeypatch):
    pytest.importorskip("reportlab")
    pytest.importorskip("matplotlib")
    assert missing_extra() is None
    real = room_debrief.importlib.util.find_spec
    monkeypatch.setattr(room_debrief.importlib.util, "find_spec", lambda name: None if name == "reportlab" else real(name))
    line = missing_extra()
    assert "\n" not in line and 'pip install -e ".[debrief]"' in line and "(reportlab missing)" in line
