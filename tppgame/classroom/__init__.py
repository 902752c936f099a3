"""The classroom: the dashboard (a SolaraViz page), the terminal game in which a person takes
a country's seat, the teaching pack (lesson plan, role cards, handout, answer key) and the
debrief of a finished game (a handout as HTML and PDF, and the comparison of a class's games).

Builds on :mod:`tppgame.game` and :mod:`tppgame.model`; never imports :mod:`tppgame.experiments`.
"""
