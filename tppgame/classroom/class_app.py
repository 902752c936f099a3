"""The class server's Solara app: ``python run.py classroom`` serves it (see :mod:`tppgame.classroom.class_pages`)."""

from tppgame.classroom.class_pages import Page

__all__ = ["Page"]
