"""What a round's advance costs the class server's pages: the text a room's pages share is made once,
however many pages show it (drawn here in this process with Solara's renderer: no browser)."""

from __future__ import annotations

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
    after the teacher advances the round."""
    registry = Registry(tmp_path / f"class{pages}.sqlite")
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
    markup.md_html.cache_clear()
    one = conversions_on_advance(tmp_path, monkeypatch, 1)
    markup.md_html.cache_clear()
    three = conversions_on_advance(tmp_path, monkeypatch, 3)
    assert three == one > 0


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
