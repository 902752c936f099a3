"""Shared fixtures."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tppgame.cli import main


@pytest.fixture
def one_error_line(capsys) -> Callable[[list[str]], str]:
    """Run the command line on ``argv``; it must fail with status 2 and one line on stderr, returned."""

    def run(argv: list[str]) -> str:
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert len(err.splitlines()) == 1, err
        return err.strip()

    return run
