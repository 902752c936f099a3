"""Join codes, tokens, and the text a room keeps from its students (names, messages).

Why the codes are this long and the tokens this size: :mod:`tppgame.classroom.rooms`. The errors a
room raises live here too, so every part of a room (and the pages) name them from one place.
"""

from __future__ import annotations

import secrets
import unicodedata
from typing import Any

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"     # no 0/O, 1/I/L: read aloud or from a projector
CODE_LENGTH = 6
WRONG_CODES_PER_SECOND = 2
# wrong codes the server takes at once before the rate applies: a class's typos in the first minute
# (thirty students typing one code) without a right code refused after two of them
WRONG_CODE_BURST = 10
NAME_LIMIT = 40
MESSAGE_LIMIT = 280
# a student writes at most this many messages in any MESSAGE_WINDOW seconds: a board thirty students read
# (the console shows the last 30) is not flooded by one of them
MESSAGES_PER_WINDOW = 5
MESSAGE_WINDOW = 10.0


class RoomError(ValueError):
    """An action the room cannot take now (the game is paused, the talk is closed, ...)."""


class NotAllowed(RoomError):
    """An action whose token does not give the right to it (another seat's, or the teacher's)."""


def new_code() -> str:
    """A join code: :data:`CODE_LENGTH` characters from :data:`CODE_ALPHABET`, drawn by :mod:`secrets`."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_token() -> str:
    """A token for the teacher or a student: 128 random bits, URL-safe."""
    return secrets.token_urlsafe(16)


def normal_code(text: Any) -> str:
    """A code as typed (any case, spaces and dashes ignored)."""
    return "".join(ch for ch in str(text).upper() if ch not in " -\t")


def clean_name(text: Any) -> str:
    """A student's name as the room keeps it: letters (with their accents and vowel signs), digits,
    spaces and . ' - (nothing a page could read as markup), single-spaced, at most :data:`NAME_LIMIT`
    characters."""
    # the marks (category M) are part of a letter: Hindi's vowel signs, Thai's, an accent typed apart
    text = unicodedata.normalize("NFC", str(text)[:10 * NAME_LIMIT])
    kept = "".join(ch for ch in text if ch.isalnum() or ch in " .'-" or unicodedata.category(ch)[0] == "M")
    name = " ".join(kept.split())[:NAME_LIMIT].strip()
    if not any(ch.isalnum() for ch in name):
        raise RoomError("name: expected your name (letters, up to 40 characters)")
    return name


def clean_message(text: Any) -> str:
    """A message as the room keeps it: printable characters, single-spaced, at most :data:`MESSAGE_LIMIT`."""
    kept = " ".join("".join(ch for ch in str(text)[:10 * MESSAGE_LIMIT] if ch.isprintable()).split())
    if not kept:
        raise RoomError("message: expected some text")
    return kept[:MESSAGE_LIMIT]

