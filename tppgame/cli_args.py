"""The pieces every command line of tppgame parses with: a parser whose errors are one line, the
``--set PATH=VALUE`` reading, the ``--out`` and ``--seed`` values, and the engine options."""

from __future__ import annotations

import argparse
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tppgame.game.fields import iso_dates, parse_toml

EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """Bad command-line input, reported in one line."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (UsageError: exit 2, no usage dump)."""

    def error(self, message: str) -> None:
        raise UsageError(f"{self.prog}: {message}")


def parse_setting(text: str) -> tuple[str, Any]:
    """``PATH=VALUE`` with VALUE read as a TOML value (number, true/false, "string", [list]), else a string."""
    if "=" not in text:
        raise UsageError(f"--set {text}: expected PATH=VALUE, for example countries.JPN.sensitivity.rice=2.5")
    path, raw = (part.strip() for part in text.split("=", 1))
    try:
        value = iso_dates(parse_toml(f"v = {raw}")["v"])
    except tomllib.TOMLDecodeError:
        value = raw
    return path, value


def path_arg(kind: str) -> Callable[[str], Path]:
    """An ``--out`` value: a path, not an empty name (which would mean the current folder)."""
    def path(value: str) -> Path:
        if not value.strip():
            raise argparse.ArgumentTypeError(f"expected a {kind} name, got an empty one ({value!r})")
        return Path(value)
    path.__name__ = f"{kind} name"
    return path


def seed_arg(value: str) -> int:
    """A ``--seed`` value: a whole number of at least 0."""
    seed = int(value)
    if seed < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 0, got {value}")
    return seed


def engine_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that choose where games run: --workers, --engine and --scheduler (sweeps, tournaments)."""
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    parser.add_argument("--engine", choices=("local", "dask"), default="local",
                        help="local process pool (default) or Dask distributed")
    parser.add_argument("--scheduler", default=None, metavar="ADDR",
                        help="Dask scheduler tcp://HOST:PORT (default: a LocalCluster on 127.0.0.1)")
