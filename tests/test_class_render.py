"""What a round's advance costs the class server's pages: the text a room's pages share is made once,
however many pages show it (drawn here in this process with Solara's renderer: no browser)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

import markdown
import pytest
from hypothesis import given
from hypothesis import strategies as st

solara = pytest.importorskip("solara")

from tppgame.classroom import class_session, markup
from tppgame.classroom.room_registry import Registry
from tppgame.classroom.rooms import Settings
from tppgame.classroom.seat_view import StudentView, on_grid


def test_md_html_is_python_markdowns_html_with_tables():
    text = "**Round 3**\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    assert markup.md_html(text) == markdown.markdown(text, extensions=["tables"])
    assert "<table>" in markup.md_html(text) and "<strong>Round 3</strong>" in markup.md_html(text)


def conversions_on_advance(tmp_path, monkeypatch, pages: int) -> int:
    """Markdown conversions while ``pages`` pages of one delegation (students seated as JPN) redraw
    after the teacher advances the round. The clock stands still: the countdown in the status line
    ("ends in about 300 s") would otherwise differ between pages drawn either side of a second's
    boundary on a slow machine, and two different texts are rightly two conversions."""
    registry = Registry(tmp_path / f"class{pages}.sqlite", clock=lambda: 1_000_000.0)
    monkeypatch.setattr(class_session, "_registry", registry)
    room = registry.create("baseline", seed=3, settings=Settings(assign="pick"))
    students = [room.join(f"Student {k}", "JPN") for k in range(pages)]
    registry.act(room, lambda: room.start(room.teacher_token))
    shown = [solara.render(StudentView(room, s, s.token), handle_error=False) for s in students]
    registry.told()
    calls = []
    convert = markup.markdown.markdown
    monkeypatch.setattr(markup.markdown, "markdown", lambda *a, **k: calls.append(a[0]) or convert(*a, **k))
    registry.act(room, lambda: room.advance(room.teacher_token))
    registry.told()
    monkeypatch.setattr(markup.markdown, "markdown", convert)
    for _, context in shown:
        context.close()
    registry.store.close()
    assert any("Round 2 of" in text for text in calls)      # the pages did redraw the new round
    return len(calls)


def test_an_advance_converts_each_text_once_however_many_pages_show_it(tmp_path, monkeypatch):
    markup.forget_conversions()
    one = conversions_on_advance(tmp_path, monkeypatch, 1)
    markup.forget_conversions()
    three = conversions_on_advance(tmp_path, monkeypatch, 3)
    assert three == one > 0


def test_pages_redrawing_at_once_convert_a_new_text_once(monkeypatch):
    """Eight page threads that miss the same new text together: one converts it, the rest wait for it
    (a cache alone let each of them convert it, which made the count above depend on the timing)."""
    markup.forget_conversions()
    calls, convert = [], markup.markdown.markdown

    def slow(*args, **kwargs):
        calls.append(args[0])
        time.sleep(0.05)                 # long enough for every thread to miss the cache meanwhile
        return convert(*args, **kwargs)

    monkeypatch.setattr(markup.markdown, "markdown", slow)
    start = threading.Barrier(8)

    def page() -> str:
        start.wait()
        return markup.md_html("**Round 2 of 40**: a new status line")

    with ThreadPoolExecutor(max_workers=8) as pool:
        shown = list(pool.map(lambda _: page(), range(8)))
    assert len(calls) == 1 and len(set(shown)) == 1 and "<strong>Round 2 of 40</strong>" in shown[0]


def test_a_sliders_value_and_top_lie_on_its_steps_and_the_red_line_holds():
    assert on_grid(0.4372, 1.0) == (0.44, 1.0)
    assert on_grid(0.3333, 0.3333) == (0.33, 0.33)        # the top rounded down: never past the red line
    assert on_grid(0.0, 0.0) == (0.0, 0.0)
    assert on_grid(0.29, 0.5) == (0.29, 0.5)


@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_on_grid_values_are_what_a_browser_slider_keeps(value, top):
    shown, shown_top = on_grid(value, top)
    assert shown_top <= top + 1e-9 and 0.0 <= shown <= shown_top      # the game's own tolerance at a red line
    for x in (shown, shown_top):       # what a Vuetify slider with step 0.01 makes of it: the same number
        assert float(f"{round(x / 0.01) * 0.01:.2f}") == x


def page_text(widget) -> str:
    """The text of a page drawn in this process: its HTML widgets' markup, in order."""
    own = getattr(widget, "unsafe_innerHTML", "") or ""
    children = getattr(widget, "children", ()) or ()
    return own + "".join(page_text(child) for child in children if not isinstance(child, str))


def drawn(component) -> int:
    return component.render_count


def test_a_page_draws_again_only_the_parts_a_change_touches(tmp_path, monkeypatch):
    """Another delegation's move redraws none of a student's brief, talks or plenary board (their
    arguments are as before), and an advance draws the new round line and the brief once each."""
    from tppgame.classroom import seat_view

    monkeypatch.setenv(class_session.FAST_RENDERER, "1")       # as the class server draws
    registry = Registry(tmp_path / "class.sqlite")
    monkeypatch.setattr(class_session, "_registry", registry)
    room = registry.create("baseline", seed=3, settings=Settings(assign="pick"))
    me = room.join("Ann", "JPN")
    others = {c: room.join(f"Student {c}", c) for c in room.countries if c != "JPN"}
    registry.act(room, lambda: room.start(room.teacher_token))
    box, context = solara.render(StudentView(room, me, me.token), handle_error=False)
    registry.told()
    assert "Round 1 of" in page_text(box) and room.talks_of("JPN")
    mine = {t.partner for t in room.talks_of("JPN")}
    country, talk = next((c, t) for c in others for t in room.talks_of(c) if c not in mine and t.partner not in mine
                         and t.partner != "JPN")
    parts = [seat_view.StudentView, seat_view.BriefCard, seat_view.TalksPanel, seat_view.MessageBox]
    before = [drawn(p) for p in parts]
    registry.act(room, lambda: room.pass_talk(others[country].token, talk.label))
    registry.told()
    page, brief, talks, board = (drawn(p) - b for p, b in zip(parts, before))
    assert page >= 1 and (brief, talks, board) == (0, 0, 0)
    before = [drawn(p) for p in parts] + [drawn(seat_view.RoundLine)]
    registry.act(room, lambda: room.advance(room.teacher_token))
    registry.told()
    assert "Round 2 of" in page_text(box) and "Round 1 of" not in page_text(box)
    assert drawn(seat_view.RoundLine) - before[-1] == 1 and drawn(seat_view.BriefCard) - before[1] <= 1
    context.close()
    registry.store.close()


def test_listeners_that_ask_to_be_first_are_started_before_the_others(tmp_path):
    registry = Registry(tmp_path / "class.sqlite")
    room = registry.create("baseline", seed=3)
    started: list[str] = []

    class InTurn:            # the registry's workers, one job after another in the order given
        def submit(self, job):
            job()
            done = Future()
            done.set_result(None)
            return done

    registry._workers = InTurn()
    for name, first in [("page 1", False), ("round line 1", True), ("page 2", False), ("round line 2", True)]:
        registry.subscribe(room.id, lambda name=name: started.append(name), first=first)
    registry.changed(room)
    assert started == ["round line 1", "round line 2", "page 1", "page 2"]
    registry.store.close()


def widgets_of(widget, kind: type) -> list:
    """The widgets of a type in a page drawn in this process, in order."""
    found = [widget] if isinstance(widget, kind) else []
    for child in getattr(widget, "children", ()) or ():
        if not isinstance(child, str):
            found += widgets_of(child, kind)
    return found


def japans_page(tmp_path, monkeypatch):
    """A started baseline class with Ann seated as Japan, and her page drawn in this process:
    ``(registry, room, page, render context)``."""
    registry = Registry(tmp_path / "class.sqlite")
    monkeypatch.setattr(class_session, "_registry", registry)
    room = registry.create("baseline", seed=3, settings=Settings(assign="pick"))
    me = room.join("Ann", "JPN")
    registry.act(room, lambda: room.start(room.teacher_token))
    box, context = solara.render(StudentView(room, me, me.token), handle_error=False)
    return registry, room, box, context


def test_moving_an_offer_slider_changes_the_draft_the_page_shows(tmp_path, monkeypatch):
    """The offer builder's sliders are Vuetify's slider itself: a value the browser sends becomes the
    draft, and the slider's label and the offer's worth follow it."""
    import ipyvuetify

    registry, _, box, context = japans_page(tmp_path, monkeypatch)
    asks = [s for s in widgets_of(box, ipyvuetify.Slider) if s.label.startswith("ask ")]
    assert asks and all(s.step == 0.01 and s.thumb_label == "always" for s in asks)
    # Japan asks the US for cars, what it exports most: the first ask (rice, which Japan does not
    # export) is worth nothing to either side in the baseline's economy, so it would move no figure
    sector = "autos"
    slider = next(s for s in asks if s.label.startswith(f"ask {sector}:"))
    before = page_text(box)
    new = 0.37 if slider.v_model != 0.37 else 0.38
    slider.v_model = new
    assert slider.label == f"ask {sector}: {new:.2f}" and slider.v_model == new
    assert page_text(box) != before            # the offer's worth to each side is drawn again
    context.close()
    registry.store.close()


def test_a_failed_action_keeps_what_the_student_was_writing(tmp_path, monkeypatch):
    """A refused action puts a line at the top of the page ("Not possible: ..."); the talks panel and
    the message boxes below keep their state (a half-written message, the chosen talk) instead of
    starting afresh because their place on the page moved."""
    import ipyvuetify as v

    registry, room, box, context = japans_page(tmp_path, monkeypatch)
    registry.told()
    assert room.talks_of("JPN")

    def boxes():
        return context.find(v.TextField, label="Message (up to 280 characters)").widgets

    talk_box, board_box = boxes()
    board_box.v_model = "Rice stays out, beef can move"        # typed on the plenary board, not yet sent
    talk_box.v_model = "\x01"                                  # nothing printable: the room refuses it
    context.find(v.Btn, children=["Send"]).widgets[0].click()
    registry.told()
    assert "Not possible: message: expected some text" in page_text(box)
    assert boxes()[1].v_model == "Rice stays out, beef can move"
    assert not context.find(v.Btn, children=["Send"]).widgets[1].disabled
    context.close()
