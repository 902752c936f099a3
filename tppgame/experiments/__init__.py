"""Experiments on the game: parameter sweeps and their engines, the resumable SQLite store, the
memo that replicates share, sweep reports, and headline robustness over seeds.

Builds on :mod:`tppgame.game` and :mod:`tppgame.model`; never imports :mod:`tppgame.classroom`.
"""
