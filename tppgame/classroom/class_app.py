"""The class server's Solara app: ``python run.py classroom`` serves it (see :mod:`tppgame.classroom.class_pages`)."""

from tppgame.classroom.class_session import fast_renderer

fast_renderer()      # before any page is drawn: every page of this server is drawn by it

from tppgame.classroom.class_pages import Page  # noqa: E402

__all__ = ["Page"]
