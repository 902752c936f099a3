"""A fingerprint of tppgame's source, so that results and saved games can say which code made them
(a checkout edited since counts as other code)."""

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
