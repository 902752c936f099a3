"""The version of the code that plays a sweep's runs: tppgame's ``__version__`` and a fingerprint of
the package's source (:func:`tppgame.game.code_fingerprint.source_fingerprint`), so that a checkout
edited since the store was made counts as another version (a resumed sweep would otherwise mix runs
of two versions of the game without saying so)."""

from __future__ import annotations

from tppgame.game.code_fingerprint import source_fingerprint

__all__ = ["code_version", "source_fingerprint"]


def code_version() -> str:
    """``__version__+fingerprint``, as stored with each run: ``0.1.0+1a2b3c4d5e6f``."""
    from tppgame import __version__

    return f"{__version__}+{source_fingerprint()}"
