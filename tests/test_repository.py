"""The repository stands on its own: what users check out is all they have.

Developers keep a folder of notes beside the checkout, but users never see it, so no tracked file
may send a reader there: notes cite the public sources themselves.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# the notes folder beside the checkout, and a path that climbs out to it (one or more "../" before
# its name); the tests below write such paths from these parts, so this file names none itself
UP, NOTES = "../", "shared"
OUTSIDE = re.compile(rf"(?:{re.escape(UP)})+{NOTES}\b")


def tracked_text_files(root: Path) -> list[Path]:
    """The files git tracks under ``root``, without ``.ci/`` (the CI's own setup) and binaries."""
    listing = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True)
    paths = []
    for name in listing.stdout.decode().split("\0"):
        path = root / name
        if not name or name.startswith(".ci/") or not path.is_file():
            continue
        if b"\0" in path.read_bytes()[:8192]:
            continue
        paths.append(path)
    return paths


def pointing_outside(root: Path, paths: list[Path]) -> list[str]:
    """``file:line`` for each line of ``paths`` that points at the shared folder above the checkout."""
    found = []
    for path in paths:
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            if OUTSIDE.search(line):
                found.append(f"{path.relative_to(root)}:{number}")
    return found


def _have_git_checkout() -> bool:
    if shutil.which("git") is None:
        return False
    probe = subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], cwd=REPO, capture_output=True, check=False)
    return probe.returncode == 0 and probe.stdout.strip() == b"true"


@pytest.mark.skipif(not _have_git_checkout(), reason="needs a git checkout of the repository")
def test_nothing_in_the_repository_points_outside_it():
    """Users have only the repository: no file may point at the notes folder above the checkout."""
    files = tracked_text_files(REPO)
    assert files, "git ls-files listed no files"
    found = pointing_outside(REPO, files)
    assert not found, "these lines point outside the repository; cite the public source instead:\n" + "\n".join(found)


def test_the_check_catches_a_pointer_outside(tmp_path):
    note = tmp_path / "note.md"
    note.write_text(f"Fine: [USTR](https://ustr.gov/).\nBad: see `{UP}{UP}{NOTES}/seeds/`.\n")
    comment = tmp_path / "scenario.toml"
    comment.write_text(f"# Dates: {UP}{NOTES}/tpp-facts.md section 4\nrounds = 12\n")
    clean = tmp_path / "clean.md"
    clean.write_text("A shared memo; shared/ on its own; ../docs/index.md.\n")
    assert pointing_outside(tmp_path, [note, comment, clean]) == ["note.md:2", "scenario.toml:1"]
