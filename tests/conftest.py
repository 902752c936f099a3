"""Shared fixtures."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tppgame.cli import main
from tppgame.game.fields import ScenarioError


@pytest.fixture
def one_error_line(capsys) -> Callable[[list[str]], str]:
    """Run the command line on ``argv``; it must fail with status 2 and one line on stderr, returned."""

    def run(argv: list[str]) -> str:
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert len(err.splitlines()) == 1, err
        return err.strip()

    return run


@pytest.fixture
def edited_copy(tmp_path: Path) -> Callable[[Path, str, str], Path]:
    """A copy of a data file in ``tmp_path`` (same name) with the first ``old`` replaced by ``new``;
    ``old`` must be in the file, so an edit of text the file no longer holds fails loudly."""

    def edit(original: Path, old: str, new: str) -> Path:
        text = original.read_text()
        assert old in text, f"{old!r} is not in {original.name}"
        path = tmp_path / original.name
        path.write_text(text.replace(old, new, 1))
        return path

    return edit


@pytest.fixture
def bad_data(edited_copy) -> Callable[[Callable[[Path], Any], Path, str, str, str], None]:
    """Load ``original`` with ``old`` replaced by ``new``: the load must stop with a one-line
    ScenarioError that starts with the edited file's name and contains ``message`` (the setting and
    what was expected)."""

    def check(load: Callable[[Path], Any], original: Path, old: str, new: str, message: str) -> None:
        path = edited_copy(original, old, new)
        with pytest.raises(ScenarioError, match=re.escape(message)) as err:
            load(path)
        assert str(err.value).startswith(f"{path}: ") and "\n" not in str(err.value)

    return check
