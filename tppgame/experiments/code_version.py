"""The version of the code that plays a sweep's runs: tppgame's ``__version__`` and a fingerprint of
the package's source, so that a checkout edited since the store was made counts as another version
(a resumed sweep would otherwise mix runs of two versions of the game without saying so)."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]


@functools.cache
def source_fingerprint() -> str:
    """12 hex digits of a SHA-256 over the paths and bytes of ``tppgame/**/*.py`` (once per process)."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def code_version() -> str:
    """``__version__+fingerprint``, as stored with each run: ``0.1.0+1a2b3c4d5e6f``."""
    from tppgame import __version__

    return f"{__version__}+{source_fingerprint()}"
