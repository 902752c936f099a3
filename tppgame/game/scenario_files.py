"""Scenario files: merging a scenario with the files it ``extends``.

Each file is read by :func:`tppgame.game.data_files.read_toml` (once while it is unchanged); one
that cannot be read stops the load with a :class:`ScenarioError` naming it. A scenario
file may extend another in its folder: tables merge key by key, events and side deals add to the
extended file's (less those it drops by label), and headlines and history are each file's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tppgame.game.data_files import display_path, read_toml
from tppgame.game.fields import ScenarioError, first_repeat
from tppgame.game.scenario_schema import check_tree, settings_schema

if TYPE_CHECKING:
    from tppgame.game.calibration import Calibration


def is_scenario_name(name: str) -> bool:
    """Whether a file name can be a scenario's: editors' lock and backup files (``.#x.toml``,
    ``#x.toml#``, ``x.toml~``) and hidden files are not scenarios."""
    return bool(name) and not name.startswith((".", "#")) and not name.endswith("~")


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


def _each_once(checked: dict[str, Any], key: str, file: str) -> None:
    """A label listed twice in ``drop_events`` or ``drop_side_deals`` is bad input, as the same
    ``--drop-event`` given twice is: the second drops nothing, so the file says something it does not do."""
    labels = checked.get(key, [])
    repeat = first_repeat(labels)
    if repeat is not None:
        first, k = repeat
        raise ScenarioError(file, f"{key}[{k}]", f"each label once (it is also {key}[{first}])", labels[k])


# the most files a chain of extends may hold: a scenario extends one or two others; a chain of about a
# thousand ran out of Python's recursion (a RecursionError traceback) before it was read
MAX_EXTENDS = 50


def load_chain(path: Path, cal: Calibration, seen: tuple[Path, ...]) -> tuple[dict[str, Any], Origins]:
    """The merged settings of a scenario and the files it extends, and where each event came from."""
    file = display_path(path)
    if path.resolve() in seen:
        raise ScenarioError(file, "extends", "no cycle of extended scenarios", show_got=False)
    raw = read_toml(path)
    checked = check_tree(raw, settings_schema(cal), file, "")
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
    if len(seen) + 1 >= MAX_EXTENDS:      # this file is the chain's last allowed: its parent would be one more
        raise ScenarioError(file, "extends", f"a chain of at most {MAX_EXTENDS} scenario files, each extending "
                            f"the next (this is the {MAX_EXTENDS}th)", parent)
    base, origins = load_chain(parent_path, cal, seen + (path.resolve(),))
    # Events and side deals add to the parent's; drop_events removes parent events by label.
    parent_events = base.get("events", [])
    labels = [e.get("label", e.get("kind")) for e in parent_events]
    _each_once(checked, "drop_events", file)
    _each_once(checked, "drop_side_deals", file)
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
