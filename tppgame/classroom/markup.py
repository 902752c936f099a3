"""Markdown drawn as HTML made on the server, for every page of the game (the dashboard and the class pages).

Not ``solara.Markdown``: its page script loads KaTeX and Mermaid through the Solara server's CDN
proxy, which asks the internet for them on every text render (a warning each time, and long hangs
on a network that drops packets). Python-Markdown turns the text into HTML here instead, and the
page shows it as it is.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import markdown
import solara

#: distinct texts whose HTML is kept: a class's pages show a few hundred (briefs, statuses, talks)
KEPT = 4096

#: what Vuetify's reset takes away from Markdown's HTML (bold, headings' room, table rules)
MD_STYLE = (".tpp-md strong { font-weight: 700 } .tpp-md h3 { margin: 12px 0 4px } "
            ".tpp-md td, .tpp-md th { padding: 3px 12px; border-bottom: 1px solid #ddd; text-align: left }")


_CONVERTING = threading.Lock()


def md_html(text: str) -> str:
    """``text`` (Markdown with GitHub tables) as HTML, made once per distinct text in the server
    process: when a round advances, thirty pages showing the same brief, status line or debrief share
    one conversion (Python-Markdown builds a parser for each call, the largest cost of a page's
    redraw before this cache). Pages redraw on several threads at once, and a cache alone lets two of
    them that miss the same new text together both convert it: one converts, the others wait for
    its result (the conversion holds the interpreter anyway, so waiting costs nothing)."""
    with _CONVERTING:
        return _converted(text)


@lru_cache(maxsize=KEPT)
def _converted(text: str) -> str:
    return markdown.markdown(text, extensions=["tables"])


def forget_conversions() -> None:
    """Empty the cache of converted texts (tests count conversions from a clean start)."""
    _converted.cache_clear()


def Md(text: str) -> None:
    """Markdown as HTML made on the server. Only the game's own text and names the rooms have cleaned
    (:func:`~tppgame.classroom.rooms.clean_name`: letters, digits, spaces, . ' -) reach it."""
    solara.HTML(tag="div", unsafe_innerHTML=md_html(text), classes=["tpp-md"])
