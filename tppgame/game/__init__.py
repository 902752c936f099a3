"""The game's mechanics: scenarios and calibration, utility, the frontier of a pair's deals, the
analytic solutions, negotiators, protocols, talks, side deals, the plurilateral agreement,
scheduled events and the event log.

Pure and array-based; nothing here imports from outside ``tppgame.game`` (a test holds this),
so the classroom and the experiments build on the game and never the other way round.
"""
