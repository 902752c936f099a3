"""What a sweep's forkserver imports before it forks a worker: the sweep itself, with the game and
Mesa, and the game's compiled loops loaded (:func:`tppgame.game.kernels.warm`), so that every worker
starts with them instead of loading them on its first frontier (about 0.3 s a worker)."""

from tppgame.experiments import sweep  # noqa: F401 - imported for the forked workers
from tppgame.game import kernels

kernels.warm()
