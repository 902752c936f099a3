"""Class rooms without a browser: codes and tokens, seats, the rights each token gives, moves, the
advance policies, and a room restored from SQLite replaying to the same game."""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3

import pytest

from tppgame.classroom import rooms as rooms_module
from tppgame.classroom.brief import brief_lines, offer_values, short_of_needs
from tppgame.classroom.room_registry import Registry
from tppgame.classroom.room_store import RoomStore
from tppgame.classroom.room_codes import WRONG_CODE_BURST
from tppgame.classroom.rooms import (
    CODE_ALPHABET,
    CODE_LENGTH,
    NotAllowed,
    Room,
    RoomError,
    Settings,
    clean_name,
    new_code,
    normal_code,
)
from tppgame.game.negotiators import Person


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def clock() -> Clock:
    return Clock()


def a_room(clock: Clock, **settings) -> Room:
    return Room.create(1, "baseline", seed=3, settings=Settings(**settings), clock=clock)


def played(clock: Clock, rounds: int) -> Room:
    """A room with Ana for Japan, started and advanced ``rounds`` times by the teacher."""
    room = a_room(clock)
    room.join("Ana", "JPN")
    room.start(room.teacher_token)
    for _ in range(rounds):
        room.advance(room.teacher_token)
    return room


def three_students(room: Room):
    return room.join("Ana", "JPN"), room.join("Ben", "USA"), room.join("Cy", "AUS")


# ------------------------------------------------------------------ codes, tokens, names
def test_join_codes_are_drawn_from_the_unambiguous_alphabet():
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == CODE_LENGTH and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert not set("01OIL") & set(CODE_ALPHABET) and len(CODE_ALPHABET) == 31
    assert normal_code(" 8nu-wa5 ") == "8NUWA5"


def test_the_guessing_arithmetic_in_the_docstring_is_the_constants():
    doc = " ".join(rooms_module.__doc__.split())
    assert f"31**6 = {31 ** 6:,}" in doc and len(CODE_ALPHABET) ** CODE_LENGTH == 887_503_681
    guesses = rooms_module.WRONG_CODES_PER_SECOND * 90 * 60 + WRONG_CODE_BURST
    assert f"at most 10 + 2 x 5,400 = {guesses:,} guesses" in doc
    assert round(887_503_681 / (10 * guesses), -2) == 8_200 and "about 1 in 8,200" in doc


def test_names_keep_no_markup_and_rejoining_with_the_same_name_is_the_same_seat(clock):
    assert clean_name("  <b>Ana</b>  Lee ") == "bAnab Lee"
    assert clean_name("O'Brien-Smith Jr.") == "O'Brien-Smith Jr."
    assert clean_name("x" * 500) == "x" * 40
    with pytest.raises(RoomError, match="expected your name"):
        clean_name("<>**")
    room = a_room(clock)
    ana = room.join("Ana", "JPN")
    assert room.join(" ana ") is ana and len(room.students) == 1 and ana.country == "JPN"
    assert room.teacher_token != ana.token and len(ana.token) >= 22


def test_the_room_assigns_the_largest_economies_first_then_second_seats(clock):
    room = a_room(clock, assign="assign")
    countries = [room.join(f"S{k}").country for k in range(14)]
    assert countries[:3] == ["USA", "JPN", "CAN"] and countries[12:] == ["USA", "JPN"]
    assert len(set(countries[:12])) == 12


def test_students_pick_once_and_the_teacher_moves_them(clock):
    room = a_room(clock)
    ana = room.join("Ana")
    assert ana.country is None
    room.pick(ana.token, "NZL")
    with pytest.raises(RoomError, match="already sit for NZL"):
        room.pick(ana.token, "JPN")
    with pytest.raises(RoomError, match="expected one of"):
        room.seat_student(room.teacher_token, ana.id, "XXX")
    room.seat_student(room.teacher_token, ana.id, "JPN")
    assert ana.country == "JPN" and room.seated == ["JPN"]


# ------------------------------------------------------------------ who may do what
TEACHER_ACTIONS = [("start", ()), ("pause", ()), ("resume", ()), ("advance", ()), ("end", ()),
                   ("hand_to_agent", ("JPN",)), ("seat_student", (0, "CAN")), ("configure", ())]


@pytest.mark.parametrize("action, args", TEACHER_ACTIONS)
def test_a_students_token_cannot_act_as_the_teacher(clock, action, args):
    room = a_room(clock)
    ana, _, _ = three_students(room)
    for token in (ana.token, "", None, room.teacher_token[:-1] + "x", 42):
        with pytest.raises(NotAllowed, match="only the teacher"):
            getattr(room, action)(token, *args)
    assert [a.kind for a in room.actions] == ["join"] * 3


def test_a_students_token_acts_only_for_its_own_seat(clock):
    room = a_room(clock)
    ana, _, _ = three_students(room)
    room.start(room.teacher_token)
    usa_only = [t.label for t in room.talks_of("USA") if t.partner != "JPN"]
    assert usa_only
    talk = room._seat_talk("USA", usa_only[0])
    with pytest.raises(RoomError, match=r"JPN holds no talk"):
        room.offer(ana.token, usa_only[0], talk.suggestion.gives, talk.suggestion.asks)
    for move in (room.accept, room.pass_talk, room.delegate):
        with pytest.raises(RoomError, match=r"JPN holds no talk"):
            move(ana.token, usa_only[0])
    with pytest.raises(NotAllowed, match="not a student's"):
        room.pass_talk(room.teacher_token, usa_only[0])       # the teacher is no seat
    with pytest.raises(NotAllowed):
        room.pass_talk("forged", usa_only[0])
    assert all(a.kind in ("join", "start") for a in room.actions)
    assert talk.status == "waiting"


def test_moves_wait_for_the_start_and_stop_while_paused_and_after_the_end(clock):
    room = a_room(clock)
    ana, _, _ = three_students(room)
    with pytest.raises(RoomError, match="has not started"):
        room.pass_talk(ana.token, "anything")
    room.start(room.teacher_token)
    label = room.talks_of("JPN")[0].label
    room.pause(room.teacher_token)
    with pytest.raises(RoomError, match="paused"):
        room.pass_talk(ana.token, label)
    room.resume(room.teacher_token)
    room.pass_talk(ana.token, label)
    room.end(room.teacher_token)
    with pytest.raises(RoomError, match="ended"):
        room.pass_talk(ana.token, room.talks_of("JPN")[1].label)
    with pytest.raises(RoomError, match="already ended"):
        room.end(room.teacher_token)


# ------------------------------------------------------------------ the game
def test_two_students_close_a_talk_with_each_other(clock):
    room = a_room(clock)
    ana, ben, _ = three_students(room)
    room.start(room.teacher_token)
    (jpn_side,) = [t for t in room.talks_of("JPN") if t.partner == "USA"]
    gives, asks = dict(jpn_side.suggestion.gives), dict(jpn_side.suggestion.asks)
    room.offer(ana.token, jpn_side.label, gives, asks)
    (usa_side,) = [t for t in room.talks_of("USA") if t.label == jpn_side.label]
    assert jpn_side.status == "offered" and usa_side.status == "received"
    assert usa_side.incoming.gives == pytest.approx(asks) and usa_side.incoming.asks == pytest.approx(gives)
    room.accept(ben.token, usa_side.label)
    assert jpn_side.status == usa_side.status == "deal"
    deal = room.model.log.of_kind("deal")[-1]
    assert deal["talk"] == jpn_side.label and {deal["a"], deal["b"]} == {"JPN", "USA"}
    assert room.model.log.of_kind("accept")[-1]["by"] == "USA"
    assert [text for _, text in room.log[-2:]] == [f"Ana (JPN) made an offer in {jpn_side.label}",
                                                   f"Ben (USA) took the offer in {jpn_side.label}"]


def test_two_students_exchange_counter_offers_and_the_room_replays_them(clock, tmp_path):
    """Ana (Japan) offers, Ben (the US) counters, Ana counters again, Ben takes it: the deal is Ana's
    second offer; past the room's limit (the teacher sets 3) a fourth offer is refused; the room
    restored from SQLite replays the exchange to the same game."""
    store = RoomStore(tmp_path / "class.sqlite")
    room = a_room(clock)
    store.add(room)
    ana, ben, _ = three_students(room)
    room.start(room.teacher_token)
    room.configure(room.teacher_token, offers=3)
    (jpn_side,) = [t for t in room.talks_of("JPN") if t.partner == "USA"]
    (usa_side,) = [t for t in room.talks_of("USA") if t.label == jpn_side.label]
    label, nothing = jpn_side.label, {s: 0.0 for s in jpn_side.sectors}
    room.offer(ana.token, label, nothing, {jpn_side.sectors[0]: 0.5})
    room.offer(ben.token, label, usa_side.suggestion.gives, usa_side.suggestion.asks)
    second = {"gives": {jpn_side.sectors[0]: 0.1}, "asks": {jpn_side.sectors[0]: 0.2}}
    room.offer(ana.token, label, second["gives"], second["asks"])
    assert (jpn_side.status, usa_side.status) == ("offered", "received")     # Ana's counter waits for Ben
    with pytest.raises(ValueError, match="has had its 3 offers this round"):
        room.offer(ben.token, label, nothing, nothing)
    room.accept(ben.token, label)
    assert jpn_side.status == usa_side.status == "deal"
    deal = room.model.log.of_kind("deal")[-1]
    japan_gives = deal["a_gives"] if deal["a"] == "JPN" else deal["b_gives"]
    assert deal["talk"] == label and japan_gives.as_dict() == {jpn_side.sectors[0]: 0.1}
    assert [text for _, text in room.log[-4:]] == [f"Ana (JPN) made an offer in {label}",
                                                   f"Ben (USA) made a counter-offer in {label}",
                                                   f"Ana (JPN) made a counter-offer in {label}",
                                                   f"Ben (USA) took the offer in {label}"]
    assert [e["proposer"] for e in room.model.log.of_kind("offer") if e["talk"] == label] == ["JPN", "USA", "JPN"]
    store.close()
    (again,) = RoomStore(tmp_path / "class.sqlite").load()
    assert again.model.log.to_jsonl() == room.model.log.to_jsonl() and again.log == room.log
    assert again.settings.offers == again.model.seats.offer_limit == 3


def test_advancing_passes_open_talks_and_opens_the_next_round(clock):
    room = a_room(clock)
    three_students(room)
    room.start(room.teacher_token)
    assert room.model.round == 1 and not room.submitted("JPN")
    open_talks = len(room.talks_of("JPN")) + len(room.talks_of("USA")) + len(room.talks_of("AUS"))
    room.advance(room.teacher_token)
    assert room.model.round == 2
    passes = [e for e in room.model.log.in_round(1) if e["kind"] == "no_offer"]
    assert len(passes) == open_talks           # each student's side of each talk passes


def test_letting_the_negotiators_handle_a_talk_settles_it_for_the_round(clock):
    room = a_room(clock)
    ana, _, _ = three_students(room)
    room.start(room.teacher_token)
    agents_talk = next(t for t in room.talks_of("JPN") if t.partner not in ("USA", "AUS"))
    room.delegate(ana.token, agents_talk.label)
    assert agents_talk.status in ("deal", "declined")
    assert agents_talk.reply.offer == agents_talk.suggestion          # they offered what they suggested
    if agents_talk.status == "deal" and not agents_talk.reply.accepted:    # the counter-offer taken was enough
        assert agents_talk.reply.counter.utility_seat >= agents_talk.reserve_seat
    if agents_talk.status == "declined":
        assert agents_talk.reply.counter.utility_seat < agents_talk.reserve_seat
    assert room.log[-1][1] == f"Ana (JPN) let the negotiators handle {agents_talk.label}"


def test_every_seat_moved_advances_the_round_with_that_policy(clock):
    room = a_room(clock, advance="all_submitted")
    students = three_students(room)
    room.start(room.teacher_token)
    start_round = room.model.round
    for student in students:
        for talk in room.talks_of(student.country):
            if talk.status in ("waiting", "received"):
                room.pass_talk(student.token, talk.label)
    assert room.model.round > start_round
    assert room.actions[-1].kind == "advance" and room.actions[-1].payload == {"by": "all submitted"}
    assert not room.everyone_submitted() or room.status == "ended"


def test_the_timer_advances_a_round_when_its_time_is_up_and_not_while_paused(clock):
    room = a_room(clock, advance="timer", timer=60)
    three_students(room)
    room.start(room.teacher_token)
    clock.now += 59
    assert room.seconds_left() == pytest.approx(1.0) and not room.tick() and room.model.round == 1
    clock.now += 1
    assert room.tick() and room.model.round == 2 and room.actions[-1].payload == {"by": "timer"}
    room.pause(room.teacher_token)
    clock.now += 600
    assert room.seconds_left() is None and not room.tick() and room.model.round == 2
    room.resume(room.teacher_token)
    assert room.seconds_left() == 60


def test_a_seat_handed_to_its_agents_and_back_to_a_student(clock):
    room = a_room(clock)
    ana, ben, _ = three_students(room)
    room.start(room.teacher_token)
    room.hand_to_agent(room.teacher_token, "JPN")
    jpn = room.countries.index("JPN")
    assert ana.country is None and not isinstance(room.model.negotiators[jpn], Person)
    assert room.talks_of("JPN") == [] and "JPN" not in room.seated
    room.advance(room.teacher_token)
    room.seat_student(room.teacher_token, ben.id, "JPN")       # Ben moves from the US to Japan
    # Japan is Ben's from the next round: this round's talks were held for its negotiators, who play them
    assert room.model.seats.held("JPN") and not isinstance(room.model.negotiators[jpn], Person)
    assert room.delegation("USA") == []
    usa = room.countries.index("USA")           # the US, which Ben left, is its negotiators' again
    assert not isinstance(room.model.negotiators[usa], Person) and room.talks_of("USA") == []
    assert room.log[-1][1] == "USA handed to its negotiators (no student holds it)"
    room.advance(room.teacher_token)
    assert isinstance(room.model.negotiators[jpn], Person)
    while room.status == "running" and not room.talks_of("JPN"):
        room.advance(room.teacher_token)
    assert room.talks_of("JPN"), "Japan's talks wait for its new student"


def test_the_game_ends_after_its_last_round(clock):
    room = a_room(clock)
    room.join("Ana", "NZL")
    room.start(room.teacher_token)
    while room.status == "running":
        room.advance(room.teacher_token)
    assert room.status == "ended" and room.model.round == room.model.config.rounds and not room.model.running
    with pytest.raises(RoomError, match="not running"):
        room.advance(room.teacher_token)


# ------------------------------------------------------------------ nothing lost
def play_a_while(room: Room) -> None:
    """Offers, takes, passes, a delegated talk, a hand-over and a move, over five rounds."""
    ana, ben, cy = room.students
    for _ in range(5):
        for student in (ana, ben, cy):
            if student.country is None:
                continue
            for k, talk in enumerate(room.talks_of(student.country)):
                if talk.status == "received":
                    room.accept(student.token, talk.label)
                elif talk.status == "waiting" and k % 3 == 0:
                    room.offer(student.token, talk.label, talk.suggestion.gives, talk.suggestion.asks)
                elif talk.status == "waiting" and k % 3 == 1:
                    room.delegate(student.token, talk.label)
                elif talk.status == "rejected":
                    room.accept(student.token, talk.label)
        if room.model.round == 3:
            room.hand_to_agent(room.teacher_token, "AUS")
            room.seat_student(room.teacher_token, cy.id, "NZL")
        room.advance(room.teacher_token)


def test_a_room_restored_from_sqlite_replays_to_the_same_game(clock, tmp_path):
    store = RoomStore(tmp_path / "class.sqlite")
    room = a_room(clock)
    store.add(room)
    three_students(room)
    room.start(room.teacher_token)
    play_a_while(room)
    room.configure(room.teacher_token, advance="timer", timer=90)
    store.close()
    (again,) = RoomStore(tmp_path / "class.sqlite").load()
    assert len(room.model.log) > 100 and room.model.deals
    assert again.model.log.to_jsonl() == room.model.log.to_jsonl()
    assert again.model.datacollector.get_model_vars_dataframe().equals(room.model.datacollector.get_model_vars_dataframe())
    assert again.model.summary() == room.model.summary()
    assert [(s.name, s.token, s.country) for s in again.students] == [(s.name, s.token, s.country) for s in room.students]
    assert (again.code, again.teacher_token, again.status, again.log) == (room.code, room.teacher_token, room.status,
                                                                          room.log)
    assert again.settings == room.settings == Settings("pick", "timer", 90)
    assert [t.label for t in again.talks_of("JPN")] == [t.label for t in room.talks_of("JPN")]


def test_a_restored_room_goes_on_saving_its_actions(clock, tmp_path):
    path = tmp_path / "class.sqlite"
    store = RoomStore(path)
    room = a_room(clock)
    store.add(room)
    ana = room.join("Ana", "JPN")
    store.close()
    (again,) = RoomStore(path).load()
    again.start(again.teacher_token)
    again.pass_talk(ana.token, again.talks_of("JPN")[0].label)
    (third,) = RoomStore(path).load()
    assert [a.kind for a in third.actions] == ["join", "start", "pass"]
    assert third.model.log.to_jsonl() == again.model.log.to_jsonl()


def test_a_room_that_cannot_be_replayed_is_named_and_the_others_are_served(clock, tmp_path):
    path = tmp_path / "class.sqlite"
    store = RoomStore(path)
    good, bad = a_room(clock), Room.create(2, "baseline", clock=clock)
    for room in (good, bad):
        store.add(room)
        room.join("Ana", "JPN")
        room.start(room.teacher_token)
    with sqlite3.connect(path) as db:         # as if the scenario had changed: a talk that is not there
        db.execute("INSERT INTO actions VALUES (2, 2, 0, 'pass', ?)",
                   (json.dumps({"id": 0, "country": "JPN", "talk": "no such talk"}),))
    again = RoomStore(path)
    assert [r.code for r in again.load()] == [good.code]
    held = "; ".join(f"{t.label} ({t.partner})" for t in bad.talks_of("JPN"))
    why = f"ValueError: no talk 'no such talk' waits for your offer this round (this round: {held})"
    assert again.unrestored == [(bad.code, why)]


def test_one_file_holds_several_rooms_in_wal_mode(tmp_path):
    registry = Registry(tmp_path / "class.sqlite")
    first, second = registry.create("baseline", 1), registry.create("tokyo_2014", 2)
    assert first.code != second.code and (first.id, second.id) == (1, 2)
    first.join("Ana", "JPN")
    again = Registry(tmp_path / "class.sqlite")
    assert [(r.code, r.scenario, r.seed, len(r.students)) for r in again.rooms.values()] == [
        (first.code, "baseline", 1, 1), (second.code, "tokyo_2014", 2, 0)]
    with sqlite3.connect(tmp_path / "class.sqlite") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_the_export_has_the_log_and_outcome_but_no_token(clock):
    room = a_room(clock)
    three_students(room)
    room.start(room.teacher_token)
    room.advance(room.teacher_token)
    text = json.dumps(room.export(), default=str)
    for token in [room.teacher_token, *(s.token for s in room.students)]:
        assert token not in text
    exported = room.export()
    assert exported["summary"]["countries"] and len(exported["events"]) == len(room.model.log)
    assert [a["kind"] for a in exported["actions"]] == ["join"] * 3 + ["start", "advance"]


# ------------------------------------------------------------------ the registry
def test_wrong_codes_are_refused_and_limited_per_second(tmp_path):
    """A burst of 10 wrong codes (a class's typos as thirty students join) leaves right codes working; the
    11th wrong one within that moment empties the bucket, and then every code is refused, the right one
    too, until the bucket refills at 2 a second."""
    clock = Clock()
    registry = Registry(tmp_path / "class.sqlite", clock=clock)
    room = registry.create("baseline")
    for k in range(WRONG_CODE_BURST):
        with pytest.raises(RoomError, match="no room has that code"):
            registry.by_code(f"AAAAA{CODE_ALPHABET[k]}")
        if k == 1:
            assert registry.by_code(room.code) is room      # two typos no longer lock the class out
    with pytest.raises(RoomError, match="too many wrong codes"):
        registry.by_code(room.code)                  # even the right one, while the bucket is empty
    clock.now += 0.4                                 # 0.8 of a guess back: still empty
    with pytest.raises(RoomError, match="too many wrong codes"):
        registry.by_code(room.code)
    clock.now += 0.1                                 # one guess back
    assert registry.by_code(room.code.lower()) is room
    with pytest.raises(RoomError, match="no room has that code"):
        registry.by_code("BBBBBB")
    with pytest.raises(RoomError, match="too many wrong codes"):
        registry.by_code("CCCCCC")                   # and that one spent it


def test_a_timed_round_restored_after_a_restart_gets_its_full_time_again(tmp_path):
    clock = Clock()
    registry = Registry(tmp_path / "class.sqlite", clock=clock)
    room = registry.create("baseline", settings=Settings(advance="timer", timer=60))
    registry.act(room, lambda: room.join("Ana", "JPN"))
    registry.act(room, lambda: room.start(room.teacher_token))
    clock.now += 50
    assert room.seconds_left() == 10
    clock.now += 3600                                  # the server was down for an hour
    (again,) = Registry(tmp_path / "class.sqlite", clock=clock).rooms.values()
    assert again.seconds_left() == 60 and again.model.round == 1


def test_tokens_find_their_room_and_listeners_hear_every_change(tmp_path):
    registry = Registry(tmp_path / "class.sqlite")
    room, other = registry.create("baseline"), registry.create("baseline")
    heard: list[int] = []
    stop = registry.subscribe(room.id, lambda: heard.append(1))
    ana = registry.act(room, lambda: room.join("Ana", "JPN"))
    assert registry.find(ana.token) == (room, ana) and registry.find(other.teacher_token) == (other, None)
    with pytest.raises(RoomError):
        registry.find(ana.token[::-1])
    with pytest.raises(RoomError):
        registry.act(room, lambda: room.start(ana.token))
    registry.connect(room, ana, +1)
    registry.told()
    assert room.connected == {ana.id: 1} and 1 <= len(heard) <= 3      # changes while it ran coalesce
    told = len(heard)
    registry.act(other, lambda: other.join("Ben"))
    registry.told()
    assert len(heard) == told
    registry.act(room, lambda: room.join("Dee"))
    registry.told()
    assert len(heard) == told + 1
    stop()
    registry.act(room, lambda: room.join("Cy"))
    registry.told()
    assert len(heard) == told + 1


def test_a_page_is_never_redrawn_twice_at_once_and_late_changes_are_not_lost(tmp_path):
    import threading

    registry = Registry(tmp_path / "class.sqlite")
    room = registry.create("baseline")
    inside, most, runs, gate = [0], [0], [0], threading.Event()
    lock = threading.Lock()

    def slow() -> None:
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        gate.wait(5)
        with lock:
            inside[0] -= 1
            runs[0] += 1

    registry.subscribe(room.id, slow)
    for k in range(5):
        registry.act(room, lambda k=k: room.join(f"S{k}"))
    gate.set()
    registry.told()
    assert most[0] == 1 and runs[0] == 2        # the first change, then one more for the four during it


# ------------------------------------------------------------------ the brief
def test_the_brief_reads_the_calibration(clock):
    room = a_room(clock)
    room.join("Ana", "JPN")
    room.start(room.teacher_token)
    text = "\n".join(brief_lines(room.model, "JPN"))
    assert "rice (open at most 0.10)" in text and "at least 15% of the gains" in text
    assert re.search(r"wants:\*\* partners to open autos", text)
    seat = room.talks_of("JPN")[0]
    u_seat, u_partner = offer_values(seat, seat.suggestion.gives, seat.suggestion.asks, room.model.sectors)
    assert (u_seat, u_partner) == pytest.approx((seat.suggestion.utility_seat, seat.suggestion.utility_partner))
    assert short_of_needs(seat, seat.reserve_seat) is None
    assert "less than the" in short_of_needs(seat, seat.reserve_seat - 0.01)


# ------------------------------------------------------------------ the command line
def test_a_pipe_as_the_rooms_file_is_refused_without_waiting(one_error_line, tmp_path):
    """--db naming a pipe: the server opened it to write and waited for a reader, silent, for ever."""
    os.mkfifo(tmp_path / "rooms.sqlite")
    assert one_error_line(["classroom", "--db", str(tmp_path / "rooms.sqlite")]) == (
        f"error: --db {tmp_path / 'rooms.sqlite'}: expected a regular file, found a pipe, socket or device")


def test_classroom_command_refuses_bad_input_in_one_line(one_error_line, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = str(s.getsockname()[1])          # free once closed: the refusals come before the server starts
    assert "nowhere" in one_error_line(["classroom", "nowhere", "--port", port, "--db", str(tmp_path / "c.sqlite")])
    assert one_error_line(["classroom", "--port", port, "--db", str(tmp_path)]) == (
        f"error: --db {tmp_path}: expected a file, found a folder")
    assert "expected a port number" in one_error_line(["classroom", "--port", "0"])
    assert "--timer 5: expected whole seconds" in one_error_line(["classroom", "--timer", "5"])
    assert "--rooms 0: expected a number of rooms" in one_error_line(["classroom", "--rooms", "0"])
    assert one_error_line(["classroom", "--offers", "0"]) == "error: --offers 0: expected whole offers from 1 to 50"
    assert one_error_line(["classroom", "--url", " "]).startswith("error: --url ' ': expected the address students")
    (tmp_path / "junk.sqlite").write_text("not a database " * 100)
    assert "cannot use it as the rooms' file" in one_error_line(["classroom", "--port", port, "--db",
                                                                  str(tmp_path / "junk.sqlite")])
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        assert one_error_line(["classroom", "--port", str(busy), "--db", str(tmp_path / "c.sqlite")]) == (
            f"error: --host 127.0.0.1 --port {busy}: cannot listen there (Address already in use)")
    assert not (tmp_path / "c.sqlite").exists()


def test_classroom_command_makes_the_rooms_it_lacks_prints_their_links_and_serves_the_pages(
        tmp_path, monkeypatch, capsys):
    from tppgame import cli_classroom
    from tppgame.cli import main

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = str(s.getsockname()[1])
    served = []
    monkeypatch.setattr(cli_classroom.os, "execv", lambda exe, command: served.append(command))
    monkeypatch.setattr(cli_classroom.os, "environ", {})
    db = tmp_path / "class.sqlite"
    assert main(["classroom", "tokyo_2014", "--seed", "5", "--db", str(db), "--rooms", "2", "--port", port,
                 "--assign", "assign", "--advance", "timer", "--timer", "90", "--offers", "3"]) == 0
    out = capsys.readouterr()
    assert out.err == ""
    codes = re.findall(r"^Room (\w{6}) \(tokyo_2014, seed 5, lobby\): students join at "
                       rf"http://127\.0\.0\.1:{port}/\?code=\1$", out.out, re.MULTILINE)
    tokens = re.findall(rf"^  teacher's console: http://127\.0\.0\.1:{port}/\?teacher=(\S+)$", out.out, re.MULTILINE)
    assert len(codes) == len(tokens) == 2 and len(set(codes)) == 2
    assert served[0][5:] == ["--host", "127.0.0.1", "--port", port, "--production", "--no-open", "--log-level",
                             "warning"]
    assert served[0][1:4] == ["-m", "solara", "run"] and served[0][4].endswith("classroom/class_app.py")
    assert cli_classroom.os.environ == {"TPPGAME_CLASS_DB": str(db.resolve()),
                                        "TPPGAME_CLASS_URL": f"http://127.0.0.1:{port}/",
                                        "SOLARA_THEME_SHOW_BANNER": "False", "SOLARA_KERNEL_CULL_TIMEOUT": "15s",
                                        "PYTHONWARNINGS": "ignore:Cookies with samesite=none require https:UserWarning"}
    registry = Registry(db)
    assert [(r.code, r.settings) for r in registry.rooms.values()] == [(c, Settings("assign", "timer", 90, 3))
                                                                       for c in codes]
    registry.store.close()
    # started again on the file, with a wider address and one more room: two restored, one made
    assert main(["classroom", "--db", str(db), "--rooms", "3", "--host", "0.0.0.0", "--port", port]) == 0
    out = capsys.readouterr()
    assert out.err.startswith("warning: --host 0.0.0.0: the class server is reachable from other machines")
    assert re.findall(r"^Room (\w{6})", out.out, re.MULTILINE)[:2] == codes and out.out.count("teacher's console") == 3
    assert f"Room {codes[0]} (tokyo_2014, seed 5, lobby)" in out.out and "(baseline, seed 2013, lobby)" in out.out
    assert served[1][served[1].index("--host") + 1] == "0.0.0.0"


def test_a_student_writes_at_most_five_messages_in_ten_seconds(clock):
    """One student cannot flood the board thirty students read: a sixth message within 10 seconds is
    refused (and kept nowhere); another student still writes, and 10 seconds on the first writes again."""
    from tppgame.classroom.rooms import PLENARY

    room = a_room(clock)
    ana, ben, _ = three_students(room)
    room.start(room.teacher_token)
    for k in range(5):
        room.say(ana.token, PLENARY, f"offer {k}")
        clock.now += 1.0
    with pytest.raises(RoomError, match="at most 5 messages in 10 seconds"):
        room.say(ana.token, PLENARY, "offer 5")
    room.say(ben.token, PLENARY, "my turn")
    assert [m.text for m in room.channel(PLENARY)] == [f"offer {k}" for k in range(5)] + ["my turn"]
    clock.now += 5.0                                   # the first message is now 10 s old
    room.say(ana.token, PLENARY, "offer 5")
    assert room.channel(PLENARY)[-1].text == "offer 5"


def test_messages_go_to_the_plenary_or_a_talk_the_country_holds_and_into_the_event_log(clock, tmp_path):
    from tppgame.classroom.rooms import PLENARY, clean_message

    store = RoomStore(tmp_path / "class.sqlite")
    room = a_room(clock)
    store.add(room)
    ana, ben, cy = three_students(room)
    room.say(ana.token, PLENARY, "  Hello   all ")
    room.start(room.teacher_token)
    (talk,) = [t for t in room.talks_of("JPN") if t.partner == "USA"]
    room.say(ben.token, talk.label, "Beef first?\x00\n")
    usa_only = next(t.label for t in room.talks_of("USA") if t.partner != "JPN")
    with pytest.raises(RoomError, match="JPN holds no talk"):
        room.say(ana.token, usa_only, "let me in")            # not a channel of Japan's talks
    with pytest.raises(NotAllowed):
        room.say(room.teacher_token, PLENARY, "the teacher is not a seat")
    with pytest.raises(RoomError, match="expected some text"):
        room.say(cy.token, PLENARY, " \n\t")
    assert [(m.name, m.text, m.round) for m in room.channel(PLENARY)] == [("Ana", "Hello all", 0)]
    assert [(m.name, m.country, m.text, m.round) for m in room.channel(talk.label)] == [("Ben", "USA", "Beef first?", 1)]
    assert room.model.log.of_kind("message") == [{"round": 1, "kind": "message", "by": "USA", "name": "Ben",
                                                 "to": talk.label, "text": "Beef first?"}]
    assert len(clean_message("x" * 1000)) == 280
    (again,) = RoomStore(tmp_path / "class.sqlite").load()
    assert again.messages == room.messages and again.model.log.to_jsonl() == room.model.log.to_jsonl()
    assert room.export()["messages"][1]["text"] == "Beef first?"


def test_the_projector_view_draws_the_world_on_one_scale(clock):
    pytest.importorskip("solara")
    from tppgame.classroom.dashboard import edge_kinds
    from tppgame.classroom.projector import (
        agreement_html,
        country_state,
        gains_html,
        map_svg,
        ticker_lines,
    )

    room = played(clock, 12)
    model = room.model
    svg = map_svg(model)
    assert svg.count("<circle") == 12 and svg.count("font-size:24px") == 12 and ">JPN</text>" in svg
    assert svg.count("<line") == len(edge_kinds(model))
    state = country_state(model)
    assert set(state.values()) <= {"signed", "would ratify", "holds out", "not a member"}
    assert [c for c, s in state.items() if s in ("signed", "would ratify")] == [
        c for c in model.countries if c in model.last_check.accepting or c in model.last_check.signatories]
    gains = gains_html(model)
    assert gains.count("font-weight:700'>") == 12 and gains.count("background:#000") == 12
    text = agreement_html(model)
    assert f"<b>{model.last_check.gdp_share:.1%}</b> (needs 85%)" in text and "left:85.0%" in text
    assert ticker_lines(model)[0].startswith(f"Round {model.round - 1}: ") or ticker_lines(model)[0].startswith(
        f"Round {model.round}: ")


def test_an_ended_game_has_its_debrief_and_each_countrys_outcome(clock):
    pytest.importorskip("solara")
    from tppgame.classroom.brief import needs, outcome_line
    from tppgame.classroom.game_text import debrief_markdown

    room = played(clock, 3)
    room.end(room.teacher_token)
    model = room.model
    assert "appears when the last round" in debrief_markdown(model)        # the dashboard's rule is unchanged
    assert "**In this game:** no agreement formed" in debrief_markdown(model, ended=True)
    k = model.config.index("JPN")
    gain = model.last_check.utility["JPN"] - model.last_check.outside_option["JPN"]
    line = outcome_line(model, "JPN")
    assert line.startswith(f"**Japan** ends with a gain of {gain:+.4f}") and f"against {needs(model)[k]:+.4f}" in line
    assert ("enough to ratify" in line) == (gain >= needs(model)[k] - 1e-12)
    assert ("enough to ratify" in line) == ("JPN" in model.last_check.accepting)     # as the check counts it


def test_a_talks_panel_redraws_for_its_own_talks_not_for_another_countrys_move(clock):
    pytest.importorskip("solara")
    from tppgame.classroom.seat_view import talks_state

    room = a_room(clock)
    _, ben, cy = three_students(room)
    room.start(room.teacher_token)
    before = talks_state(room, room.talks_of("JPN"))
    cy_only = next(t for t in room.talks_of("AUS") if t.partner not in ("JPN", "USA"))
    room.pass_talk(cy.token, cy_only.label)
    assert talks_state(room, room.talks_of("JPN")) == before
    (talk,) = [t for t in room.talks_of("USA") if t.partner == "JPN"]
    room.offer(ben.token, talk.label, talk.suggestion.gives, talk.suggestion.asks)   # an offer to Japan
    assert talks_state(room, room.talks_of("JPN")) != before
    after = talks_state(room, room.talks_of("JPN"))
    room.say(cy.token, "plenary", "hello")
    assert talks_state(room, room.talks_of("JPN")) != after


def test_the_offer_builder_opens_for_a_counter_offer_from_the_standing_offer(clock):
    pytest.importorskip("solara")
    from tppgame.classroom.seat_view import can_offer, starting_offer

    room = a_room(clock, offers=2)
    ana, ben, _ = three_students(room)
    room.start(room.teacher_token)
    (jpn_side,) = [t for t in room.talks_of("JPN") if t.partner == "USA"]
    (usa_side,) = [t for t in room.talks_of("USA") if t.label == jpn_side.label]
    assert can_offer(room, usa_side) and starting_offer(usa_side) == (usa_side.suggestion.gives,
                                                                     usa_side.suggestion.asks)
    room.offer(ana.token, jpn_side.label, {}, {jpn_side.sectors[0]: 0.3})
    assert not can_offer(room, jpn_side) and can_offer(room, usa_side)
    gives, asks = starting_offer(usa_side)
    assert asks == {s: 0.0 for s in jpn_side.sectors} and gives[jpn_side.sectors[0]] == pytest.approx(
        min(0.3, usa_side.red_line_seat[jpn_side.sectors[0]]))
    room.offer(ben.token, jpn_side.label, {}, {})
    assert not can_offer(room, jpn_side) and room.model.seats.offers_left(jpn_side) == 0     # the room's 2 offers
    with pytest.raises(RoomError, match="offers: expected whole offers a talk a round from 1 to 50, got 0"):
        room.configure(room.teacher_token, offers=0)
