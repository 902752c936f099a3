"""The classroom: the dashboard (a SolaraViz page) and the terminal game in which a person takes
a country's seat.

Builds on :mod:`tppgame.game` and :mod:`tppgame.model`; never imports :mod:`tppgame.experiments`.
"""
