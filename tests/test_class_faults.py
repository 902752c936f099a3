"""A class server met the way a class meets it: names typed in any script, and a rooms' file that
cannot be written at the moment a student acts."""

from __future__ import annotations

import unicodedata

import pytest

from tppgame.classroom.rooms import Room, RoomError, clean_name


def test_a_name_keeps_its_vowel_signs_and_accents():
    # Devanagari's vowel signs and virama are marks, not letters: they were dropped ("अमत शरम")
    assert clean_name("अमित शर्मा") == "अमित शर्मा"
    assert clean_name("ไทย สมชาย") == "ไทย สมชาย"
    # an accent typed apart (e + combining circumflex + tilde) is kept, as the one letter it makes
    assert clean_name("Nguye\u0302\u0303n") == "Nguyễn"
    room = Room.create(1, "baseline")
    typed_apart = room.join(unicodedata.normalize("NFD", "Nguyễn Văn An"), "VNM")
    assert room.join("Nguyễn Văn An") is typed_apart and len(room.students) == 1
    # still nothing a page could read as markup, and a name needs a letter or a digit
    assert clean_name("<script>alert(1)</script>") == "scriptalert1script"
    for nameless in ("\u0301\u0301", "...", "😀"):
        with pytest.raises(RoomError, match="expected your name"):
            clean_name(nameless)
