"""A class server met the way a class meets it: names typed in any script, and a rooms' file that
cannot be written at the moment a student acts."""

from __future__ import annotations

import socket
import unicodedata

import pytest

from tppgame.classroom.room_registry import Registry
from tppgame.classroom.room_store import RoomStore
from tppgame.classroom.rooms import Room, RoomError, Settings, clean_name


def test_a_name_keeps_its_vowel_signs_and_accents():
    # Devanagari's vowel signs and virama are marks, not letters: they were dropped ("अमत शरम")
    assert clean_name("अमित शर्मा") == "अमित शर्मा"
    assert clean_name("ไทย สมชาย") == "ไทย สมชาย"
    # an accent typed apart (e + combining circumflex + tilde) is kept, as the one letter it makes
    assert clean_name("Nguye\u0302\u0303n") == "Nguyễn"
    room = Room.create(1, "baseline")
    typed_apart = room.join(unicodedata.normalize("NFD", "Nguyễn Văn An"), "VNM")
    assert room.join("Nguyễn Văn An") is typed_apart and len(room.students) == 1
    # still nothing a page could read as markup, and a name needs a letter or a digit
    assert clean_name("<script>alert(1)</script>") == "scriptalert1script"
    for nameless in ("\u0301\u0301", "...", "😀"):
        with pytest.raises(RoomError, match="expected your name"):
            clean_name(nameless)


def test_an_action_the_rooms_file_cannot_keep_is_undone_and_the_file_restores_the_same_game(tmp_path, capsys):
    # the file refused a write (locked by another program, read-only, a full disk): the room had
    # already changed, so it went on as a game its file did not hold; restarted, the file's room
    # lost the join and gave the next student's actions to the wrong seat
    registry = Registry(tmp_path / "class.sqlite")
    room = registry.create("baseline", 3, Settings(advance="timer", timer=10))
    ana = registry.act(room, lambda: room.join("Ana", "JPN"))
    registry.act(room, lambda: room.start(room.teacher_token))
    before, round_before, started = room.model.log.to_jsonl(), room.model.round, room.round_started
    registry.store._db.execute("PRAGMA query_only=ON")          # every write now fails, as on a read-only file
    for refused in (lambda: room.join("Ben", "USA"), lambda: room.advance(room.teacher_token),
                    lambda: room.seat_student(room.teacher_token, ana.id, "USA")):
        with pytest.raises(RoomError, match="the room's file could not keep that just now .*nothing changed") as err:
            registry.act(room, refused)
        assert str(tmp_path) not in str(err.value)                  # the page's line names no path
    room.clock = lambda: started + 60                                # the round's time is up
    registry.tick()                                                  # refused too, without stopping the timer
    assert str(tmp_path) in capsys.readouterr().err                  # the server's terminal names the file
    assert [s.name for s in room.students] == ["Ana"] and ana.country == "JPN" and room.student(ana.token) is ana
    assert (room.model.round, room.model.log.to_jsonl(), room.round_started) == (round_before, before, started)
    registry.store._db.execute("PRAGMA query_only=OFF")
    registry.act(room, lambda: room.join("Ben", "USA"))
    registry.tick()                                                  # the timer advances it now
    assert room.model.round == round_before + 1
    (again,) = RoomStore(tmp_path / "class.sqlite").load()
    assert again.model.log.to_jsonl() == room.model.log.to_jsonl()
    assert [(s.name, s.country) for s in again.students] == [("Ana", "JPN"), ("Ben", "USA")]


def test_a_second_class_server_on_the_same_file_is_refused_in_one_line(tmp_path, monkeypatch, capsys):
    # a teacher who starts the server again in another terminal (another --port) had two servers, each
    # with its own copy of the rooms: the students split between them, and the two wrote over each
    # other's actions in the file
    from tppgame import cli_classroom
    from tppgame.cli import main

    def free_port() -> str:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return str(s.getsockname()[1])

    db, second, serving = tmp_path / "class.sqlite", [], []

    def serve(exe, command):     # while the first server serves, the teacher starts another one
        if serving:              # (the second one's own serving, had it been let through)
            return
        serving.append(command)
        capsys.readouterr()
        second.append(main(["classroom", "--db", str(db), "--rooms", "2", "--port", free_port()]))
        second.append(capsys.readouterr())

    monkeypatch.setattr(cli_classroom.os, "execv", serve)
    monkeypatch.setattr(cli_classroom.os, "environ", {})
    assert main(["classroom", "--db", str(db), "--port", free_port()]) == 0
    status, out = second
    assert status == 2 and out.out == "" and out.err == (
        f"error: --db {db}: another class server is serving it; stop that one (Ctrl+C in its terminal), "
        "or give this one another --db\n")
    registry = Registry(db)
    assert len(registry.rooms) == 1                 # the second server made no room
    registry.store.close()
    capsys.readouterr()
    monkeypatch.setattr(cli_classroom.os, "execv", lambda exe, command: None)
    assert main(["classroom", "--db", str(db), "--rooms", "2", "--port", free_port()]) == 0   # once the first stopped
    assert capsys.readouterr().out.count("teacher's console") == 2


def page_text(widget) -> str:
    """The markup of a page drawn in this process, in order."""
    children = getattr(widget, "children", ()) or ()
    return (getattr(widget, "unsafe_innerHTML", "") or "") + "".join(
        page_text(child) for child in children if not isinstance(child, str))


def test_a_double_click_on_advance_ends_one_round(tmp_path, monkeypatch):
    # a teacher's double click on "Advance the round" ended two rounds: the students lost one
    solara = pytest.importorskip("solara")
    import ipyvuetify as v

    from tppgame.classroom import class_session, teacher_console

    now = [100.0]
    monkeypatch.setattr(teacher_console, "monotonic", lambda: now[0], raising=False)
    registry = Registry(tmp_path / "class.sqlite")
    monkeypatch.setattr(class_session, "_registry", registry)
    room = registry.create("baseline", 3)
    room.join("Ann", "JPN")
    registry.act(room, lambda: room.start(room.teacher_token))
    box, context = solara.render(teacher_console.TeacherConsole(room, room.teacher_token), handle_error=False)

    def press() -> None:
        context.find(v.Btn, children=["Advance the round"]).widgets[0].click()
        registry.told()

    press()
    now[0] += 0.3
    press()
    assert room.model.round == 2
    assert "the round was advanced a moment ago (this is round 2)" in page_text(box)
    now[0] += teacher_console.ADVANCE_GAP
    press()                                    # pressed again later: the teacher means it
    assert room.model.round == 3
    context.close()
    registry.store.close()


def test_a_server_restarted_with_another_scenario_says_the_file_keeps_its_rooms(tmp_path, monkeypatch, capsys):
    # yesterday's trial run left a baseline room in classroom.sqlite; today's 'run.py classroom tokyo_2014'
    # served that baseline room and said nothing of tokyo_2014 (the room's line was the only trace)
    from tppgame import cli_classroom
    from tppgame.cli import main

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = str(s.getsockname()[1])
    monkeypatch.setattr(cli_classroom.os, "execv", lambda exe, command: None)
    monkeypatch.setattr(cli_classroom.os, "environ", {})
    db = str(tmp_path / "class.sqlite")
    assert main(["classroom", "--db", db, "--port", port]) == 0
    capsys.readouterr()
    assert main(["classroom", "baseline", "--seed", "2013", "--advance", "teacher", "--db", db, "--port", port]) == 0
    assert capsys.readouterr().err == ""                      # the same class again: nothing to say
    assert main(["classroom", "tokyo_2014", "--seed", "5", "--advance", "timer", "--rooms", "2",
                 "--db", db, "--port", port]) == 0
    out = capsys.readouterr()
    (code,) = [line.split()[1] for line in out.out.splitlines() if "(baseline, seed 2013, lobby)" in line]
    assert out.err == (f"warning: room {code} in {db} is restored as it stood, with baseline, --seed 2013, "
                       "--advance teacher: the command's tokyo_2014, --seed 5, --advance timer apply to new rooms "
                       "only (for a new class, give another --db)\n")
    assert "(tokyo_2014, seed 5, lobby)" in out.out           # the room made now is the command's
    assert main(["classroom", "--db", db, "--port", port]) == 0
    assert capsys.readouterr().err == ""                      # nothing named: nothing to warn of


def test_the_teachers_terminal_shows_no_solara_cookie_warning(tmp_path):
    # the first page a student opened printed fifteen lines on the server's terminal about iframes,
    # https and SameSite cookies, which a teacher would take for a fault of the server
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    pytest.importorskip("solara")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "server.err"
    with log.open("w") as err:
        server = subprocess.Popen([sys.executable, "run.py", "classroom", "--port", str(port), "--db",
                                   str(tmp_path / "class.sqlite")], cwd=Path(__file__).resolve().parent.parent,
                                  stdout=subprocess.DEVNULL, stderr=err)
        try:
            deadline, status = time.time() + 60, None
            while status != 200 and time.time() < deadline:
                try:
                    status = urllib.request.urlopen(f"http://127.0.0.1:{port}/?code=ABC", timeout=5).status
                except OSError:
                    time.sleep(0.3)
            assert status == 200
            time.sleep(0.5)                     # the warning, if any, is written as the page is served
        finally:
            server.terminate()
            server.wait(timeout=20)
    assert "samesite" not in log.read_text().lower() and "Traceback" not in log.read_text()


def test_a_server_on_every_address_prints_an_address_another_machine_can_open(monkeypatch, capsys):
    # run.py dashboard --host 0.0.0.0 printed http://0.0.0.0:8765/ (which opens nothing on a student's
    # laptop), --host :: printed http://:::8765/, and the class server's links for --host ::1 were http://::1:8765/
    import os

    from tppgame.cli import main
    from tppgame.cli_classroom import server_url

    name = socket.gethostname()
    assert server_url("0.0.0.0", 8765) == server_url("::", 8765) == f"http://{name}:8765/"
    assert server_url("::1", 8765) == "http://[::1]:8765/" and server_url("127.0.0.1", 80) == "http://127.0.0.1:80/"
    monkeypatch.setattr(os, "execv", lambda exe, command: None)
    monkeypatch.setattr(os, "environ", dict(os.environ))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert main(["dashboard", "--host", "0.0.0.0", "--port", str(port)]) == 0
    assert f"Dashboard at http://{name}:{port}/  (Ctrl+C stops it)\n" == capsys.readouterr().out


def test_an_action_row_that_is_not_json_leaves_out_its_room_only(tmp_path, monkeypatch, capsys):
    # one damaged row (the file edited by hand, a disk error) stopped the class server with a traceback,
    # every room unserved
    import sqlite3

    from tppgame import cli_classroom
    from tppgame.cli import main

    db = tmp_path / "class.sqlite"
    registry = Registry(db)
    damaged, kept = registry.create("baseline"), registry.create("baseline")
    for room in (damaged, kept):
        registry.act(room, lambda room=room: room.join("Ana", "JPN"))
    registry.store.close()
    with sqlite3.connect(db) as file:
        file.execute("UPDATE actions SET payload = '{\"id\": 0, \"na' WHERE room = ?", (damaged.id,))
    (restored,) = RoomStore(db).load()
    assert restored.code == kept.code and [s.name for s in restored.students] == ["Ana"]
    monkeypatch.setattr(cli_classroom.os, "execv", lambda exe, command: None)
    monkeypatch.setattr(cli_classroom.os, "environ", {})
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = str(s.getsockname()[1])
    assert main(["classroom", "--db", str(db), "--rooms", "2", "--port", port]) == 0
    out = capsys.readouterr()
    assert out.err.startswith(f"warning: room {damaged.code} in {db} could not be restored (JSONDecodeError: ")
    assert out.err.endswith("; the other rooms are served\n") and out.err.count("\n") == 1
    assert f"Room {kept.code} (baseline, seed 2013, lobby)" in out.out and out.out.count("teacher's console") == 2


def test_with_every_seat_to_its_agents_all_submitted_waits_for_the_teacher():
    # --advance all_submitted, the teacher pressed Start before anyone had picked a country: nobody to
    # wait for, so all 40 rounds played out at once and the class found the game over
    room = Room.create(1, "baseline", settings=Settings(advance="all_submitted"))
    ana = room.join("Ana")
    room.start(room.teacher_token)
    assert (room.status, room.model.round) == ("running", 1)
    room.pick(ana.token, "JPN")
    room.advance(room.teacher_token)          # Japan is hers from this round: the room waits for her moves
    assert room.model.round == 2 and room.talks_of("JPN") and not room.submitted("JPN")
    for talk in room.talks_of("JPN"):
        room.pass_talk(ana.token, talk.label)
    assert room.model.round > 2 and room.status == "running"      # she moved: the rounds go on as before
    now = room.model.round
    room.hand_to_agent(room.teacher_token, "JPN")                 # the last seat back to its agents
    assert (room.status, room.model.round) == ("running", now)


@pytest.mark.parametrize("column, value, reason", [
    ("settings", '{"assign": "pick", "advance": "teacher", "timer": 5, "offers": 3}',
     "RoomError: timer: expected whole seconds from 10 to 3600, got 5"),
    ("settings", '{"assign": "pick", "advance": "teacher", "timer": 120, "offers": 3, "speed": 9}',
     "TypeError: "),
    ("seed", "'seven'", "RoomError: seed: expected a whole number from 0 to 2^63 - 1, got 'seven'"),
])
def test_a_room_whose_settings_were_edited_by_hand_is_left_out_with_the_reason(tmp_path, column, value, reason):
    """A room's settings or seed edited in the file (a 5-second timer, an unknown setting, a seed in words)
    were restored without the checks a new room gets; now the room is left out, named with the reason,
    and the others are served."""
    import sqlite3

    db = tmp_path / "class.sqlite"
    registry = Registry(db)
    edited, kept = registry.create("baseline"), registry.create("baseline")
    registry.store.close()
    with sqlite3.connect(db) as file:
        file.execute(f"UPDATE rooms SET {column} = {value if column == 'seed' else repr(value)} WHERE id = ?",
                     (edited.id,))
    store = RoomStore(db)
    (restored,) = store.load()
    assert restored.code == kept.code
    assert [code for code, _ in store.unrestored] == [edited.code]
    assert store.unrestored[0][1].startswith(reason)
