"""Scenario files: reading TOML (once while a file is unchanged) and merging a scenario with the
files it ``extends``.

A file that cannot be read stops the load with a :class:`ScenarioError` naming it. A scenario
file may extend another in its folder: tables merge key by key, events and side deals add to the
extended file's (less those it drops by label), and headlines and history are each file's own.
"""

from __future__ import annotations

import copy
import errno
import os
import stat
import tomllib
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tppgame.game.fields import ScenarioError
from tppgame.game.scenario_schema import _check_tree, _schema

if TYPE_CHECKING:
    from tppgame.game.calibration import Calibration


MAX_BYTES = 1_000_000   # a scenario is a page of settings; far more is a wrong file, not a scenario


def is_scenario_name(name: str) -> bool:
    """Whether a file name can be a scenario's: editors' lock and backup files (``.#x.toml``,
    ``#x.toml#``, ``x.toml~``) and hidden files are not scenarios."""
    return bool(name) and not name.startswith((".", "#")) and not name.endswith("~")


def _display(path: Path) -> str:
    if path.is_symlink() and not path.exists():     # a dangling link (an editor's lock file): its own name
        return str(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):      # elsewhere, or a symlink loop
        return str(path)


def scenario_file_error(path: Path) -> ScenarioError | None:
    """Why ``path`` cannot be a scenario file (missing, a loop, a folder, a pipe or device, too big), or None."""
    file = _display(path)
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


def _read_toml(path: Path) -> dict[str, Any]:
    resolved = check_scenario_file(path)
    return copy.deepcopy(_read_toml_cached(resolved, resolved.stat().st_mtime_ns))


@lru_cache(maxsize=64)
def _read_toml_cached(path: Path, _mtime: int) -> dict[str, Any]:
    file = _display(path)
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
        return tomllib.loads(data.decode("utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(file, "", f"valid TOML ({err})", show_got=False) from None
    except UnicodeDecodeError:
        raise ScenarioError(file, "", "a UTF-8 text file", show_got=False) from None


# --------------------------------------------------------------------- merging
def deep_merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``over`` into a copy of ``base``: tables merge, anything else replaces."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def set_path(tree: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    """Return a copy of ``tree`` with the setting at ``dotted`` replaced."""
    keys = dotted.split(".")
    nested: dict[str, Any] = value
    for key in reversed(keys):
        nested = {key: nested}
    return deep_merge(tree, nested)


# --------------------------------------------------------------------- extends
Origins = dict[str, list[tuple[str, int]]]   # per list (events, side_deals): (file, index in that file)


def _load_chain(path: Path, cal: Calibration, seen: tuple[Path, ...]) -> tuple[dict[str, Any], Origins]:
    """The merged settings of a scenario and the files it extends, and where each event came from."""
    file = _display(path)
    if path.resolve() in seen:
        raise ScenarioError(file, "extends", "no cycle of extended scenarios", show_got=False)
    raw = _read_toml(path)
    checked = _check_tree(raw, _schema(cal), file, "")
    own: Origins = {key: [(file, k) for k in range(len(raw.get(key, [])))] for key in ("events", "side_deals")}
    parent = checked.get("extends")
    if parent is None:
        return raw, own
    parent_path = path.parent / (parent if parent.endswith(".toml") else f"{parent}.toml")
    if Path(parent).name != parent or "\\" in parent or not is_scenario_name(parent) or parent in (".", ".."):
        raise ScenarioError(file, "extends", "the name of a scenario file in the same folder (no folder part)",
                            parent)
    if not parent_path.exists():
        raise ScenarioError(file, "extends", "the name of a scenario file in the same folder", parent)
    base, origins = _load_chain(parent_path, cal, seen + (path.resolve(),))
    # Events and side deals add to the parent's; drop_events removes parent events by label.
    parent_events = base.get("events", [])
    labels = [e.get("label", e.get("kind")) for e in parent_events]
    for k, label in enumerate(checked.get("drop_events", [])):
        if label not in labels:
            raise ScenarioError(file, f"drop_events[{k}]", "the label of an event in the extended scenario",
                                label)
    dropped = set(checked.get("drop_events", []))
    merged = deep_merge(base, {k: v for k, v in raw.items() if k not in ("extends", "drop_events", "drop_side_deals")})
    kept = [k for k, e in enumerate(parent_events) if e.get("label", e.get("kind")) not in dropped]
    merged["events"] = [parent_events[k] for k in kept] + raw.get("events", [])
    parent_deals = base.get("side_deals", [])
    deal_labels = [d.get("label", "") for d in parent_deals]
    for k, label in enumerate(checked.get("drop_side_deals", [])):
        if label not in deal_labels:
            raise ScenarioError(file, f"drop_side_deals[{k}]", "the label of a side deal in the extended scenario",
                                label)
    kept_deals = [k for k, d in enumerate(parent_deals) if d.get("label", "") not in checked.get("drop_side_deals", [])]
    merged["side_deals"] = [parent_deals[k] for k in kept_deals] + raw.get("side_deals", [])
    merged["headlines"] = raw.get("headlines", [])      # a scenario states its own headlines and history
    merged.pop("history", None)
    if "history" in raw:
        merged["history"] = raw["history"]
    return merged, {"events": [origins["events"][k] for k in kept] + own["events"],
                    "side_deals": [origins["side_deals"][k] for k in kept_deals] + own["side_deals"]}
