"""A sweep's result store as its report reads it: the definition, the counts, the failures and the points.

The store is read in batches and folded into one record per point: its sums, and each finished
run's outcomes (a few numbers a run, for the run-level variance of
:mod:`tppgame.experiments.sweep_variance`).
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tppgame.experiments.store import DB_NAME, WELFARE_COLUMNS, WELFARE_PREFIX, from_sql

READ_BATCH = 5000


class ReportError(ValueError):
    """Bad input for a sweep report (no store, no finished run, an unwritable out folder), in one line."""


@dataclass(frozen=True)
class Setting:
    """A varied setting: its dotted path, how it was varied, and its options when it takes listed values
    (a list or range, or ``choice``); None for a setting sampled from ``uniform`` or ``normal``."""

    path: str
    kind: str
    options: tuple[Any, ...] | None


@dataclass
class Point:
    """One point of the design: its settings and its runs folded together."""

    index: int
    values: dict[str, Any]
    runs: int = 0                 # finished runs
    failed: int = 0
    formed: int = 0
    formed_round_sum: float = 0.0
    utility_sum: dict[str, float] = field(default_factory=dict)
    utility_count: dict[str, int] = field(default_factory=dict)
    formed_runs: list[bool] = field(default_factory=list)            # each finished run, in run order
    round_runs: list[float] = field(default_factory=list)            # its round of agreement, NaN if none
    utility_runs: dict[str, list[float]] = field(default_factory=dict)   # NaN where a utility is missing
    measured_runs: dict[str, list[float]] = field(default_factory=dict)  # welfare columns by name; NaN: missing


@dataclass
class SweepData:
    """What the report needs from a store: the sweep's definition, counts, failures and the points."""

    folder: Path
    scenario: str
    design: str
    settings: list[Setting]
    reps: int
    planned_points: int
    samples: int | None           # base samples of a sampled design
    countries: list[str]
    seed: int
    rounds: int | None            # the number of rounds of a game (None when ``rounds`` is varied)
    rounds_source: str            # "scenario", "set", "varied" or "seen"
    stored: int
    ok: int
    failed: int
    formed: int
    failures: list[tuple[str, int]]
    points: dict[int, Point]
    morris_levels: np.ndarray | None = None   # a Morris design's points as grid levels (point x setting)
    num_levels: int | None = None             # the levels of that grid (4: 0, 1/3, 2/3, 1)
    # the welfare columns the store has (store version 3 on; an earlier store has none), in table order
    measured: list[str] = field(default_factory=list)
    schema_version: int | None = None
    # swept settings a scheduled event sets again, or the payoff does not read (the plan's warnings)
    event_warnings: list[str] = field(default_factory=list)

    @property
    def planned_runs(self) -> int:
        return self.planned_points * self.reps

    def rounds_of(self, point: Point) -> int:
        """The number of rounds the games of this point had."""
        if self.rounds is None:
            return int(point.values["rounds"])
        return self.rounds


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _setting(path: str, spec: Any) -> Setting:
    if isinstance(spec, dict) and len(spec) == 1:
        kind, args = next(iter(spec.items()))
        if kind in ("values", "choice") and isinstance(args, list):
            return Setting(path, kind, tuple(args))
        if kind in ("uniform", "normal"):
            return Setting(path, kind, None)
    raise ReportError(f"{path}: the store describes this varied setting in a way this report does not know "
                      f"({json.dumps(spec)[:80]})")


def load_sweep(folder: Path) -> SweepData:
    """Read the store in ``folder`` (read-only; a sweep may still be writing to it)."""
    folder = Path(folder)
    if not folder.exists():
        raise ReportError(f"{folder}: no such folder (expected the --out folder of a sweep)")
    if not folder.is_dir():
        raise ReportError(f"{folder}: expected the --out folder of a sweep, found a file")
    path = folder / DB_NAME
    if not path.is_file():
        raise ReportError(f"{folder}: no sweep store ({DB_NAME}) in this folder: "
                          f"run python run.py sweep ... --out {folder} first")
    try:
        db = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    except sqlite3.Error as err:
        raise ReportError(f"{path}: cannot open the sweep store ({err})") from None
    try:
        return _read(db, folder, path)
    except sqlite3.Error as err:
        raise ReportError(f"{path}: not a readable sweep store ({err})") from None
    finally:
        db.close()


def _read(db: sqlite3.Connection, folder: Path, path: Path) -> SweepData:
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not {"meta", "runs"} <= tables:
        raise ReportError(f"{path}: not a sweep store (no meta and runs tables)")
    try:
        meta = {key: json.loads(value) for key, value in db.execute("SELECT key, value FROM meta")}
        definition = meta["definition"]
        columns = [(str(name), str(kind)) for name, kind in meta["columns"]]
        vary = definition["vary"]
        kinds = dict(columns)
        names = list((meta.get("problem") or {}).get("names") or
                     [name for name in kinds if name in vary])
        settings = [_setting(name, vary[name]) for name in names]
        design = str(definition["design"])
        reps = int(definition["reps"])
        planned = int(definition["points"])
        samples = int(definition["samples"]) if definition.get("samples") is not None else None
        seed = int(definition.get("seed") or 0)
        morris_levels, num_levels = _morris_sample(meta, design, planned, len(settings))
    except (KeyError, TypeError, ValueError, json.JSONDecodeError) as err:
        raise ReportError(f"{path}: not a sweep store this report can read (meta table: {err})") from None
    missing = [s.path for s in settings if s.path not in kinds]
    if missing:
        raise ReportError(f"{path}: not a sweep store this report can read (no column {missing[0]})")
    countries = [name.removeprefix("utility_") for name, _ in columns if name.startswith("utility_")]
    welfare = {c.name for c in WELFARE_COLUMNS}
    measured = [name for name, _ in columns if name in welfare or name.startswith(WELFARE_PREFIX)]

    stored, ok, formed = db.execute(
        "SELECT COUNT(*), COALESCE(SUM(status = 'ok'), 0), COALESCE(SUM(status = 'ok' AND formed), 0) "
        "FROM runs").fetchone()
    failures = [(str(error), int(n)) for error, n in db.execute(
        "SELECT error, COUNT(*) AS n FROM runs WHERE status != 'ok' GROUP BY error ORDER BY n DESC, error LIMIT 3")]
    if ok == 0:
        what = f"{stored} run{'s' if stored != 1 else ''} stored, all failed" if stored else "no run stored yet"
        raise ReportError(f"{folder}: the sweep store has no finished run ({what}): nothing to report")

    wanted = [("point", "int"), ("status", "str"), *((s.path, kinds[s.path]) for s in settings),
              ("formed", "bool"), ("round", "int"), *((f"utility_{c}", "float") for c in countries),
              *((name, "float") for name in measured)]
    cursor = db.execute(f"SELECT {', '.join(_quote(n) for n, _ in wanted)} FROM runs ORDER BY run_index")
    points: dict[int, Point] = {}
    n_settings = len(settings)
    max_round = 0
    while batch := cursor.fetchmany(READ_BATCH):
        for row in batch:
            index, status = int(row[0]), row[1]
            point = points.get(index)
            if point is None:
                values = {s.path: from_sql(v, kinds[s.path], decode_json=True)
                          for s, v in zip(settings, row[2:2 + n_settings])}
                point = points[index] = Point(index, values)
            if status != "ok":
                point.failed += 1
                continue
            formed_flag, round_, *numbers = row[2 + n_settings:]
            utilities, measures = numbers[:len(countries)], numbers[len(countries):]
            point.runs += 1
            point.formed_runs.append(bool(formed_flag))
            point.round_runs.append(float(round_) if formed_flag else math.nan)
            if formed_flag:
                point.formed += 1
                point.formed_round_sum += round_
                max_round = max(max_round, round_)
            for country, utility in zip(countries, utilities):
                finite = utility is not None and math.isfinite(utility)
                point.utility_runs.setdefault(country, []).append(float(utility) if finite else math.nan)
                if finite:
                    point.utility_sum[country] = point.utility_sum.get(country, 0.0) + utility
                    point.utility_count[country] = point.utility_count.get(country, 0) + 1
            for name, value in zip(measured, measures):
                finite = value is not None and math.isfinite(value)
                point.measured_runs.setdefault(name, []).append(float(value) if finite else math.nan)

    rounds, source = _game_rounds(meta, definition, settings)
    if source == "scenario" and rounds is not None and max_round > rounds:
        rounds = max_round                # the scenario file changed since the sweep: trust the runs
    if rounds is None and source != "varied":
        rounds, source = max_round, "seen"
    return SweepData(folder, str(definition.get("scenario", "")), design, settings, reps, planned, samples,
                     countries, seed, rounds, source, stored, ok, stored - ok, formed, failures, points,
                     morris_levels, num_levels, measured, _version(meta),
                     [str(line) for line in meta.get("event_warnings") or []])


def _version(meta: dict[str, Any]) -> int | None:
    """The store's format version (:data:`tppgame.experiments.store.SCHEMA_VERSION`), None if unreadable."""
    version = meta.get("schema_version")
    return version if isinstance(version, int) else None


def _morris_sample(meta: dict[str, Any], design: str, points: int,
                   settings: int) -> tuple[np.ndarray | None, int | None]:
    """A Morris design's trajectories as the sweep stored them (grid levels, a row per point), else None.
    Raises KeyError or ValueError when a Morris store lacks them or they do not fit its design."""
    if design != "morris":
        return None, None
    levels = np.array(meta["morris"]["levels"], dtype=int).reshape(-1, settings)
    num_levels = int(meta["morris"]["num_levels"])
    if len(levels) != points or levels.min(initial=0) < 0 or levels.max(initial=0) >= num_levels:
        raise ValueError(f"the stored Morris trajectories do not fit the design of {points} points")
    return levels, num_levels


def _game_rounds(meta: dict[str, Any], definition: dict[str, Any],
                 settings: Sequence[Setting]) -> tuple[int | None, str]:
    """The number of rounds of the sweep's games: varied, fixed with --set, or the scenario's."""
    if any(s.path == "rounds" for s in settings):
        return None, "varied"
    fixed = definition.get("set") or {}
    if isinstance(fixed.get("rounds"), int):
        return int(fixed["rounds"]), "set"
    from tppgame.game.scenario import load_scenario

    file = meta.get("scenario_file")
    for candidate in (file, Path(file).stem if file else None):   # as given, else a bundled scenario by name
        if not candidate:
            continue
        try:
            scenario = load_scenario(candidate)
        except Exception:   # noqa: BLE001 - a moved or broken scenario file: fall back to the runs
            continue
        if scenario.name == definition.get("scenario"):
            return int(scenario.rounds), "scenario"
    return None, "seen"
