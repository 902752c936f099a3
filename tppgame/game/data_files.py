"""Reading the project's TOML files: the file itself, and the sourced figures of the data files.

Every TOML file the game reads (``data/calibration.toml``, ``data/economy.toml``,
``data/quotas.toml``, ``data/rules.toml`` and the scenarios) goes through :func:`read_toml`: it is
checked to be a regular file of readable size, read once while it is unchanged, and any fault (a
missing file, a pipe, a syntax error, bytes that are not UTF-8) stops the load with a one-line
:class:`~tppgame.game.fields.ScenarioError` naming the file as :func:`display_path` shows it.

The data files (economy, quotas, rules) give each number as a **figure**, a table
``{value, source|judgment|method, note?}``: ``source`` names an id of a ``[sources]`` table,
``judgment`` gives the reason for a modelling choice and ``method`` states how a figure no source
gives is computed. :func:`figure` checks one, its value in a range, and records its origin;
:func:`per_sector` and :func:`per_country` check the tables of figures by sector and by country.
(The calibration's figures are older and narrower, ``{value, source|judgment, note?}`` without a
range; :mod:`tppgame.game.calibration` checks those itself.)
"""

from __future__ import annotations

import copy
import errno
import math
import os
import stat
import tomllib
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from tppgame.game.fields import ScenarioError, parse_toml

MAX_BYTES = 1_000_000   # a scenario is a page of settings; far more is a wrong file, not a scenario
ORIGINS = ("source", "judgment", "method")


# --------------------------------------------------------------------- the file
def display_path(path: Path) -> str:
    """``path`` as an error message names it: relative to the working folder when it lies inside it,
    else as given (a dangling symbolic link, such as an editor's lock file, by its own name)."""
    try:
        dangling = path.is_symlink() and not path.exists()  # a dangling link (an editor's lock file): its own name
    except OSError:                                         # a name too long for the system: as given
        dangling = True
    if dangling:
        return str(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):      # elsewhere, or a symlink loop
        return str(path)


def name_too_long(path: str | Path) -> bool:
    """Whether the system refuses ``path`` as too long (a name past 255 bytes, say): every look at such a
    path raises ENAMETOOLONG, so an option or file naming it is refused at once, in one line."""
    try:
        os.lstat(path)
    except OSError as err:
        return err.errno == errno.ENAMETOOLONG
    return False


def scenario_file_error(path: Path) -> ScenarioError | None:
    """Why ``path`` cannot be a scenario file (missing, a loop, a folder, a pipe or device, too big), or None."""
    file = display_path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        return ScenarioError(file, "", "an existing scenario file", show_got=False)
    except OSError as err:
        if err.errno == errno.ELOOP:
            return ScenarioError(file, "", "a scenario file, not a loop of symbolic links", show_got=False)
        return ScenarioError(file, "", f"a readable scenario file ({err.strerror or err})", show_got=False)
    if stat.S_ISDIR(info.st_mode):
        return ScenarioError(file, "", "a TOML file, not a folder", show_got=False)
    if not stat.S_ISREG(info.st_mode):
        return ScenarioError(file, "", "a regular TOML file, not a pipe, socket or device", show_got=False)
    if info.st_size > MAX_BYTES:
        return ScenarioError(file, "", f"a scenario file of at most {MAX_BYTES // 1_000_000} MB "
                             f"(this one has {info.st_size} bytes)", show_got=False)
    return None


def check_scenario_file(path: Path) -> Path:
    """``path`` resolved, once it is known to be a regular, readable-sized file; else ScenarioError."""
    error = scenario_file_error(path)
    if error is not None:
        raise error
    return path.resolve()


def read_toml(path: Path) -> dict[str, Any]:
    """The tables of the TOML file at ``path`` (a copy the caller may change), read once while the file
    is unchanged; a file that is not a readable TOML file raises a one-line ScenarioError naming it."""
    resolved = check_scenario_file(path)
    return copy.deepcopy(_read_toml_cached(resolved, resolved.stat().st_mtime_ns))


@lru_cache(maxsize=64)
def _read_toml_cached(path: Path, _mtime: int) -> dict[str, Any]:
    file = display_path(path)
    try:
        # non-blocking: a file swapped for a pipe since it was checked cannot stall the open
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as err:
        raise ScenarioError(file, "", f"a readable scenario file ({err.strerror or err})", show_got=False) from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ScenarioError(file, "", "a regular TOML file, not a pipe, socket or device", show_got=False)
        try:
            data = handle.read(MAX_BYTES + 1)
        except OSError as err:
            raise ScenarioError(file, "", f"a readable scenario file ({err.strerror or err})",
                                show_got=False) from None
    if len(data) > MAX_BYTES:
        raise ScenarioError(file, "", f"a scenario file of at most {MAX_BYTES // 1_000_000} MB", show_got=False)
    try:
        return parse_toml(data.decode("utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(file, "", f"valid TOML ({err})", show_got=False) from None
    except UnicodeDecodeError:
        raise ScenarioError(file, "", "a UTF-8 text file", show_got=False) from None


def read_sourced(path: Path) -> tuple[str, dict[str, Any], dict[str, str]]:
    """A data file's name as errors show it, its tables, and its own ``[sources]`` (id = citation;
    none: an empty table), checked to be texts."""
    file = display_path(path)
    raw = read_toml(path)
    own = raw.get("sources", {})
    if not isinstance(own, dict) or not all(isinstance(v, str) for v in own.values()):
        raise ScenarioError(file, "sources", "a table of id = citation strings", own)
    return file, raw, own


# --------------------------------------------------------------------- the figures
def figure(value: Any, file: str, path: str, sources: Mapping[str, str], low: float, high: float,
           figures: dict[str, str]) -> Any:
    """One figure ``{value, source|judgment|method, note?}`` at the dotted ``path``: its value (a number,
    or a list of numbers), each checked in ``[low, high]``. Its origin is recorded in ``figures[path]``:
    the source id, or ``"judgment: ..."`` / ``"method: ..."``. A ``source`` must be an id of ``sources``."""
    number = _origin_checked(value, file, path, sources, figures)
    numbers = number if isinstance(number, list) else [number]
    for x in numbers:
        if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x) or not low <= x <= high:
            raise ScenarioError(file, f"{path}.value", f"a number from {low:g} to {high:g}", x)
    return number


def sub_table(raw: Mapping[str, Any], key: str, file: str, within: str = "") -> dict[str, Any]:
    """The required table ``raw[key]``; ``within`` is the dotted path of ``raw`` in the file, so an
    error names the setting in full (``trade.gravity``, not ``gravity``)."""
    sub = raw.get(key)
    if not isinstance(sub, dict):
        raise ScenarioError(file, f"{within}.{key}" if within else key, "a table", sub)
    return sub


def choice(value: Any, file: str, path: str, sources: Mapping[str, str], options: tuple[str, ...],
           figures: dict[str, str]) -> str:
    """One word chosen from ``options`` at the dotted ``path``, given as a figure is, ``{value, source|judgment|method,
    note?}``: a definition a data file states with its reason (which end of an issue's scale a concession moves
    towards, say) rather than a number. Its origin is recorded in ``figures[path]`` as a figure's is."""
    word = _origin_checked(value, file, path, sources, figures)
    if word not in options:
        raise ScenarioError(file, f"{path}.value", f"one of {', '.join(map(repr, options))}", word)
    return word


def _origin_checked(value: Any, file: str, path: str, sources: Mapping[str, str], figures: dict[str, str]) -> Any:
    """The ``value`` of a ``{value, source|judgment|method, note?}`` table, after checking its form and its one
    origin (a ``source`` must be an id of ``sources``), which is recorded in ``figures[path]``: the source id,
    or ``"judgment: ..."`` / ``"method: ..."``."""
    if not isinstance(value, dict):
        raise ScenarioError(file, path, "a table {value = ..., source, judgment or method = ...}", value)
    unknown = set(value) - {"value", *ORIGINS, "note"}
    if unknown:
        raise ScenarioError(file, f"{path}.{sorted(unknown)[0]}", "only value, source, judgment, method, note",
                            show_got=False)
    origins = [key for key in ORIGINS if key in value]
    if len(origins) != 1:
        raise ScenarioError(file, path, "exactly one of source, judgment or method", show_got=False)
    origin = origins[0]
    if not isinstance(value[origin], str) or not value[origin].strip():
        raise ScenarioError(file, f"{path}.{origin}", "a non-empty text", value[origin])
    if origin == "source" and value["source"] not in sources:
        raise ScenarioError(file, f"{path}.source", "an id defined in [sources] (here or in calibration.toml)",
                            value["source"])
    figures[path] = value["source"] if origin == "source" else f"{origin}: {value[origin]}"
    if "value" not in value:
        raise ScenarioError(file, f"{path}.value", "a value", show_got=False)
    return value["value"]


def required_text(table: Mapping[str, Any], key: str, file: str, where: str) -> str:
    """The non-empty text ``table[key]``, the setting ``where.key``."""
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ScenarioError(file, f"{where}.{key}", "a non-empty text", value)
    return value


def per_sector(table: Mapping[str, Any], where: str, file: str, sectors: tuple[str, ...],
               sources: Mapping[str, str], low: float, high: float, figures: dict[str, str],
               complete: bool = True, default: float = 0.0) -> np.ndarray:
    """A ``{sector: figure}`` table as an array over ``sectors`` (missing: an error, or ``default``)."""
    for name in table:
        if name not in sectors:
            raise ScenarioError(file, f"{where}.{name}", f"a sector ({', '.join(sectors)})", show_got=False)
    out = np.full(len(sectors), float(default))
    for k, name in enumerate(sectors):
        if name in table:
            out[k] = figure(table[name], file, f"{where}.{name}", sources, low, high, figures)
        elif complete:
            raise ScenarioError(file, f"{where}.{name}", "a figure for every sector", show_got=False)
    return out


def per_country(table: Mapping[str, Any], where: str, file: str, countries: tuple[str, ...]) -> None:
    """Every table in ``table`` must be a country's (a text beside them, such as ``method``, may stand)."""
    for code in table:
        if code not in countries and not isinstance(table[code], str):
            raise ScenarioError(file, f"{where}.{code}", f"a country code ({', '.join(countries)})", show_got=False)
