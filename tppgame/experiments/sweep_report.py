"""Summaries of a parameter sweep: plots of the probability of agreement and global sensitivity indices.

``python run.py sweep-report DIR [--out DIR2]`` reads the result store a sweep left in DIR
(finished or only partly) and writes into ``DIR/report/`` (or DIR2):

* ``agreement_<setting>.png``: the probability of agreement (the share of finished runs in which
  the agreement formed) against each varied setting, with a 95% Wilson confidence band: per value
  for a grid (and for listed values or ``choice`` in a sampled design, and for the four levels of
  each setting of a Morris design), per quantile bin (about 10) for a setting sampled from a
  distribution;
* ``heatmap_<a>__<b>.png``: for each pair of settings of a grid design, the probability of
  agreement over the two settings;
* ``agreement.csv``: the numbers behind the curves (runs, formed, probability, Wilson bounds);
* ``sensitivity.csv``: global sensitivity indices of the probability of agreement, the round of
  conclusion and each country's utility, each first averaged over the replicates of a point.
  The method follows the design: Sobol first-order and total indices with SALib on a Sobol
  (Saltelli) design; on a full grid the exact first-order and total variance shares over the grid
  (the Sobol indices of the grid itself, each value equally likely); on a Latin hypercube SALib's
  RBD-FAST first-order indices; on a Morris design SALib's elementary-effects screening (mu*, its
  confidence, sigma and mu) over the trajectories whose every point has a finished run;
* ``summary.txt``: what is printed: runs read, failures, the overall probability of agreement,
  the table with its notes, and the files written.

The store is read in batches and folded into one record per point, so memory grows with the
number of points of the design, not with the number of runs.
"""

from __future__ import annotations

import csv
import json
import math
import re
import sqlite3
import statistics
import textwrap
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tppgame.experiments.store import DB_NAME, from_sql

REPORT_FOLDER = "report"
Z95 = statistics.NormalDist().inv_cdf(0.975)
MAX_BINS = 10          # quantile bins of a setting sampled from a distribution
MIN_POINTS_PER_BIN = 5
MIN_RBD_POINTS = 20    # RBD-FAST needs a sample several times larger than its 2 M harmonics
READ_BATCH = 5000
RESAMPLES = 200        # bootstrap resamples for the confidence of the indices
CONFIDENCE = 0.95
INSTALL_HINT = "pip install 'tppgame[sweep]'"

METHODS = {
    "sobol": "Sobol indices S1 and ST from the Saltelli sample (SALib sobol.analyze), "
             "with 95% bootstrap confidence",
    "grid": "exact first-order (S1) and total (ST) variance shares over the full grid, each value equally "
            "likely: the Sobol indices of the grid itself (no sampling error, so no confidence)",
    "rbd_fast": "first-order indices S1 by RBD-FAST (SALib rbd_fast), with 95% bootstrap confidence; "
                "it gives no total indices",
    "morris": "Morris elementary effects (SALib morris.analyze): mu*, the mean absolute effect, with 95% "
              "bootstrap confidence; sigma, their spread; mu, their mean (the direction)",
}
METHOD_NAMES = {"sobol": "sobol (SALib)", "grid": "grid variance shares", "rbd_fast": "rbd_fast (SALib)",
                "morris": "morris (SALib)", "none": ""}
# The numbers of sensitivity.csv per method (Index fields; Effect fields for Morris).
CSV_NUMBERS = {"morris": ("mu_star", "mu_star_conf", "sigma", "mu")}
INDEX_NUMBERS = ("S1", "S1_conf", "ST", "ST_conf")
MIN_TRAJECTORIES = 2   # sigma, the spread of the elementary effects, needs two


class ReportError(ValueError):
    """Bad input for a sweep report (no store, no finished run, an unwritable out folder), in one line."""


# --------------------------------------------------------------------- reading the store
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

    stored, ok, formed = db.execute(
        "SELECT COUNT(*), COALESCE(SUM(status = 'ok'), 0), COALESCE(SUM(status = 'ok' AND formed), 0) "
        "FROM runs").fetchone()
    failures = [(str(error), int(n)) for error, n in db.execute(
        "SELECT error, COUNT(*) AS n FROM runs WHERE status != 'ok' GROUP BY error ORDER BY n DESC, error LIMIT 3")]
    if ok == 0:
        what = f"{stored} run{'s' if stored != 1 else ''} stored, all failed" if stored else "no run stored yet"
        raise ReportError(f"{folder}: the sweep store has no finished run ({what}): nothing to report")

    wanted = [("point", "int"), ("status", "str"), *((s.path, kinds[s.path]) for s in settings),
              ("formed", "bool"), ("round", "int"), *((f"utility_{c}", "float") for c in countries)]
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
            formed_flag, round_, *utilities = row[2 + n_settings:]
            point.runs += 1
            if formed_flag:
                point.formed += 1
                point.formed_round_sum += round_
                max_round = max(max_round, round_)
            for country, utility in zip(countries, utilities):
                if utility is not None and math.isfinite(utility):
                    point.utility_sum[country] = point.utility_sum.get(country, 0.0) + utility
                    point.utility_count[country] = point.utility_count.get(country, 0) + 1

    rounds, source = _game_rounds(meta, definition, settings)
    if source == "scenario" and rounds is not None and max_round > rounds:
        rounds = max_round                # the scenario file changed since the sweep: trust the runs
    if rounds is None and source != "varied":
        rounds, source = max_round, "seen"
    return SweepData(folder, str(definition.get("scenario", "")), design, settings, reps, planned, samples,
                     countries, seed, rounds, source, stored, ok, stored - ok, formed, failures, points,
                     morris_levels, num_levels)


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


# --------------------------------------------------------------------- probability of agreement
def wilson(formed: int, runs: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval (95% by default) for ``formed`` successes in ``runs`` trials."""
    if runs <= 0:
        return math.nan, math.nan
    p = formed / runs
    denominator = 1 + z * z / runs
    centre = (p + z * z / (2 * runs)) / denominator
    half = z * math.sqrt(p * (1 - p) / runs + z * z / (4 * runs * runs)) / denominator
    return (0.0 if formed == 0 else max(0.0, centre - half)), (1.0 if formed == runs else min(1.0, centre + half))


@dataclass(frozen=True)
class Cell:
    """Runs pooled at one value of a setting (or in one quantile bin of it)."""

    setting: str
    label: str
    x: float | None              # where it sits on a numeric axis; None for a categorical value
    low_value: float | None      # the range of a bin (None for a single value)
    high_value: float | None
    runs: int
    formed: int

    @property
    def probability(self) -> float:
        return self.formed / self.runs if self.runs else math.nan

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.formed, self.runs)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _label(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return f"{value:.6g}"
    return json.dumps(value)


def _key(value: Any) -> Any:
    """A hashable key under which equal setting values meet (1 and 1.0 alike, lists by their JSON)."""
    if isinstance(value, bool):
        return ("bool", value)
    if _is_number(value):
        return ("number", float(value))
    if isinstance(value, str):
        return ("str", value)
    return ("json", json.dumps(value, sort_keys=True))


def _grid_counts(data: SweepData) -> list[int]:
    return [len(s.options or ()) for s in data.settings]


def option_index(data: SweepData, position: int, point: Point) -> int | None:
    """Which of its options the setting at ``position`` takes at this point (None when it has none)."""
    setting = data.settings[position]
    if setting.options is None:
        return None
    if data.design == "grid":
        coords = np.unravel_index(point.index, _grid_counts(data))
        return int(coords[position])
    wanted = _key(point.values[setting.path])
    for k, option in enumerate(setting.options):
        if _key(option) == wanted:
            return k
    return None


def _option_order(setting: Setting) -> list[int]:
    """Options in plotting order: ascending when all are numbers, else as listed."""
    options = setting.options or ()
    indices = list(range(len(options)))
    if options and all(_is_number(v) for v in options):
        indices.sort(key=lambda k: float(options[k]))
    return indices


def agreement_curve(data: SweepData, setting: Setting) -> list[Cell]:
    """The probability of agreement against one setting: per value (listed values, choices, any grid),
    or per quantile bin (about 10) of a setting sampled from a distribution."""
    position = data.settings.index(setting)
    finished = [p for p in data.points.values() if p.runs]
    if setting.options is not None:
        runs: dict[int, int] = {}
        formed: dict[int, int] = {}
        for point in finished:
            k = option_index(data, position, point)
            if k is None:
                continue
            runs[k] = runs.get(k, 0) + point.runs
            formed[k] = formed.get(k, 0) + point.formed
        numeric = all(_is_number(v) for v in setting.options)
        return [Cell(setting.path, _label(setting.options[k]), float(setting.options[k]) if numeric else None,
                     None, None, runs[k], formed[k]) for k in _option_order(setting) if k in runs]
    values = np.array([float(p.values[setting.path]) for p in finished])
    if data.design == "morris":        # four levels a setting: a cell per level, as for listed values
        return [Cell(setting.path, _label(float(level)), float(level), None, None,
                     sum(p.runs for p, v in zip(finished, values) if v == level),
                     sum(p.formed for p, v in zip(finished, values) if v == level)) for level in np.unique(values)]
    bins = max(1, min(MAX_BINS, len(finished) // MIN_POINTS_PER_BIN))
    edges = np.quantile(values, np.linspace(0.0, 1.0, bins + 1))
    where = np.searchsorted(edges[1:-1], values, side="right")
    cells = []
    for b in range(bins):
        members = [p for p, w in zip(finished, where) if w == b]
        if not members:
            continue
        inside = values[where == b]
        lo, hi = float(inside.min()), float(inside.max())
        centre = min(max(float(inside.mean()), lo), hi)
        cells.append(Cell(setting.path, f"{lo:.4g} to {hi:.4g}", centre, lo, hi,
                          sum(p.runs for p in members), sum(p.formed for p in members)))
    return cells


def agreement_grid(data: SweepData, first: Setting, second: Setting) -> tuple[list[Any], list[Any], np.ndarray,
                                                                              np.ndarray]:
    """For two settings of a grid: their values (in plotting order) and the runs and agreements per
    pair of values, pooled over the other settings and the replicates (rows: ``first``)."""
    i, j = data.settings.index(first), data.settings.index(second)
    order_i, order_j = _option_order(first), _option_order(second)
    runs = np.zeros((len(order_i), len(order_j)), dtype=int)
    formed = np.zeros_like(runs)
    row_of = {k: r for r, k in enumerate(order_i)}
    col_of = {k: c for c, k in enumerate(order_j)}
    for point in data.points.values():
        a, b = option_index(data, i, point), option_index(data, j, point)
        if point.runs and a is not None and b is not None:
            runs[row_of[a], col_of[b]] += point.runs
            formed[row_of[a], col_of[b]] += point.formed
    options_i, options_j = first.options or (), second.options or ()
    return [options_i[k] for k in order_i], [options_j[k] for k in order_j], runs, formed


# --------------------------------------------------------------------- outputs per point
@dataclass(frozen=True)
class Output:
    name: str          # as in sensitivity.csv
    label: str         # in words


def outputs_of(data: SweepData) -> list[Output]:
    return [Output("agreement_probability", "probability of agreement"),
            Output("conclusion_round", "round of conclusion"),
            *(Output(f"utility_{c}", f"utility of {c}") for c in data.countries)]


def point_outputs(data: SweepData) -> tuple[list[int], dict[str, np.ndarray]]:
    """The points with at least one finished run, in index order, and each output averaged over the
    finished replicates of each of them: agreement formed as 0/1, the round of conclusion (the number
    of rounds + 1 where none formed) and each country's utility."""
    points = [data.points[k] for k in sorted(data.points) if data.points[k].runs]
    result: dict[str, np.ndarray] = {
        "agreement_probability": np.array([p.formed / p.runs for p in points]),
        "conclusion_round": np.array([(p.formed_round_sum + (p.runs - p.formed) * (data.rounds_of(p) + 1)) / p.runs
                                      for p in points]),
    }
    for country in data.countries:
        result[f"utility_{country}"] = np.array([
            p.utility_sum[country] / p.utility_count[country] if p.utility_count.get(country) else math.nan
            for p in points])
    return [p.index for p in points], result


# --------------------------------------------------------------------- sensitivity
@dataclass(frozen=True)
class Index:
    """The sensitivity of one output to one setting (NaN where the method gives no such number)."""

    output: str
    setting: str
    S1: float
    S1_conf: float = math.nan
    ST: float = math.nan
    ST_conf: float = math.nan


@dataclass(frozen=True)
class Effect:
    """Morris screening of one output against one setting: mu*, the mean absolute elementary effect (with
    its bootstrap confidence), sigma, their standard deviation, and mu, their mean. An elementary effect
    is the output's change when the setting alone moves 2/3 of its range, divided by 2/3: the output's
    own units per whole range of the setting."""

    output: str
    setting: str
    mu_star: float
    mu_star_conf: float
    sigma: float
    mu: float


@dataclass
class Sensitivity:
    method: str                   # "sobol", "grid", "rbd_fast", "morris" or "none"
    description: str
    rows: list[Index] | list[Effect]
    notes: list[str]
    points: int


def sensitivity(data: SweepData) -> Sensitivity:
    """Global sensitivity indices of each output, by the method the design allows."""
    indices, values = point_outputs(data)
    outputs = outputs_of(data)
    notes = [f"outcomes are averaged over the finished replicates of each point ({data.reps} run"
             f"{'s' if data.reps != 1 else ''} a point, failed runs left out) before the analysis, "
             f"over {len(indices)} point{'s' if len(indices) != 1 else ''}",
             "round of conclusion: the round in which the agreement formed; where none formed it counts as "
             + _no_agreement_round(data)]
    if not data.settings:
        return Sensitivity("none", "no sensitivity indices: the sweep varies no setting", [], notes, len(indices))
    complete = len(indices) == data.planned_points
    missing = data.planned_points - len(indices)
    method = {"sobol": "sobol", "grid": "grid", "lhs": "rbd_fast", "morris": "morris"}.get(data.design, "rbd_fast")
    if method in ("sobol", "grid", "morris") and not complete:
        all_failed = sum(1 for p in data.points.values() if not p.runs)
        not_run = missing - all_failed
        why = [f"{not_run} not run yet"] * bool(not_run) + [f"{all_failed} with every run failed"] * bool(all_failed)
        gap = (f"{missing} of the {data.planned_points} points of the {data.design} design "
               f"{'has' if missing == 1 else 'have'} no finished run ({', '.join(why)})")
        remedy = ("run the sweep to the end (the same sweep command resumes it)" if not_run else
                  "fix what makes those runs fail")
        if method == "morris":
            notes.append(f"{gap}: elementary effects need whole trajectories, so only those with a finished run "
                         f"at every point count ({len(complete_trajectories(data, indices))} of the "
                         f"{trajectories_of(data)}); for all of them, {remedy}")
        elif method == "sobol" and len(indices) >= MIN_RBD_POINTS:
            notes.append(f"{gap}: Sobol indices need the whole Saltelli sample, so RBD-FAST first-order "
                         f"indices of the points there are shown instead; for Sobol indices, {remedy}")
            method = "rbd_fast"
        else:
            notes.append(f"{gap}: no indices; {remedy}")
            return Sensitivity("none", "no sensitivity indices (incomplete design)", [], notes, len(indices))
    if method == "rbd_fast" and len(indices) < MIN_RBD_POINTS:
        notes.append(f"RBD-FAST needs at least {MIN_RBD_POINTS} points with a finished run, found "
                     f"{len(indices)}: no indices; use more --samples")
        return Sensitivity("none", "no sensitivity indices (too few points)", [], notes, len(indices))
    if method == "morris":
        indices, values = _on_complete_trajectories(data, indices, values)
        found = len(indices) // (len(data.settings) + 1)
        if found < MIN_TRAJECTORIES:
            notes.append(f"Morris screening needs at least {MIN_TRAJECTORIES} complete trajectories, found "
                         f"{found}: no indices")
            return Sensitivity("none", "no sensitivity indices (too few trajectories)", [], notes, len(indices))
    if method != "grid":
        try:
            import SALib  # noqa: F401
        except ImportError:
            notes.append(f"SALib is not installed: no indices ({INSTALL_HINT})")
            return Sensitivity("none", "no sensitivity indices (SALib missing)", [], notes, len(indices))

    rows: list[Any] = []
    flat = []
    for output in outputs:
        y = values[output.name]
        if not np.all(np.isfinite(y)):
            notes.append(f"{output.label}: missing in some runs: no indices")
            continue
        if float(np.ptp(y)) <= 1e-12 * max(1.0, float(np.max(np.abs(y)))):
            flat.append(output.label)
            continue
        if method == "sobol":
            rows += _sobol(data, output.name, y)
        elif method == "grid":
            rows += _grid_anova(data, output.name, y)
        elif method == "morris":
            rows += _morris(data, output.name, indices, y)
        else:
            rows += _rbd_fast(data, output.name, indices, y)
    if method == "sobol" and data.samples is not None and data.samples < 256:
        notes.append(f"only {data.samples} base samples: Sobol estimates are rough and can fall below 0 or above 1 "
                     "(see their confidence); more --samples narrows them")
    if flat:
        notes.append(f"the same at every point, so no indices: {', '.join(flat)}")
    if method == "morris":
        notes += _morris_notes(found)
    if method == "grid" and data.reps > 1:
        notes.append("replicate noise left after averaging counts toward the total indices ST as if it were "
                     "an interaction")
    return Sensitivity(method, METHODS[method], rows, notes, len(indices))


def _no_agreement_round(data: SweepData) -> str:
    if data.rounds_source == "varied":
        return "the point's number of rounds (the varied setting rounds) + 1"
    if data.rounds_source == "seen":
        return (f"{data.rounds + 1} (the scenario file could not be read: the latest round an agreement formed "
                f"in, {data.rounds}, + 1)")
    return f"{data.rounds + 1} (the number of rounds, {data.rounds}, + 1)"


def _unit_problem(data: SweepData) -> dict[str, Any]:
    """The varied settings as a SALib problem over the unit hypercube, as the sweep sampled them."""
    names = [s.path for s in data.settings]
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


def _sobol(data: SweepData, output: str, y: np.ndarray) -> list[Index]:
    from SALib.analyze import sobol

    problem = _unit_problem(data)
    names = problem["names"]
    second_order = len(y) % (2 * len(names) + 2) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = sobol.analyze(problem, y, calc_second_order=second_order, num_resamples=RESAMPLES,
                               conf_level=CONFIDENCE, print_to_console=False, seed=data.seed % 2**32)
    return [Index(output, name, *(float(result[key][k]) for key in ("S1", "S1_conf", "ST", "ST_conf")))
            for k, name in enumerate(names)]


def trajectories_of(data: SweepData) -> int:
    """The number of trajectories of a Morris design (each of one point more than there are settings)."""
    return data.planned_points // (len(data.settings) + 1)


def complete_trajectories(data: SweepData, indices: Sequence[int]) -> list[int]:
    """The trajectories of a Morris design whose every point has a finished run (among ``indices``):
    an elementary effect needs both points of its step."""
    size = len(data.settings) + 1
    finished = set(indices)
    return [t for t in range(trajectories_of(data)) if finished.issuperset(range(t * size, (t + 1) * size))]


def _on_complete_trajectories(data: SweepData, indices: Sequence[int],
                              values: dict[str, np.ndarray]) -> tuple[list[int], dict[str, np.ndarray]]:
    """The points of the complete trajectories, in design order, and the outputs at them."""
    size = len(data.settings) + 1
    keep = [t * size + k for t in complete_trajectories(data, indices) for k in range(size)]
    position = {index: k for k, index in enumerate(indices)}
    rows = np.array([position[index] for index in keep], dtype=int)
    return keep, {name: y[rows] for name, y in values.items()}


def _morris(data: SweepData, output: str, indices: Sequence[int], y: np.ndarray) -> list[Effect]:
    """Morris elementary effects with SALib over whole trajectories (``indices`` in design order), at the
    grid levels the sweep stored; mu*'s confidence is SALib's bootstrap."""
    from SALib.analyze import morris

    assert data.morris_levels is not None and data.num_levels is not None
    x = data.morris_levels[list(indices)] / (data.num_levels - 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = morris.analyze(_unit_problem(data), x, np.asarray(y, dtype=float), num_resamples=RESAMPLES,
                                conf_level=CONFIDENCE, num_levels=data.num_levels, seed=data.seed % 2**32)
    return [Effect(output, name, *(float(result[key][k]) for key in ("mu_star", "mu_star_conf", "sigma", "mu")))
            for k, name in enumerate(result["names"])]


def _morris_notes(trajectories: int) -> list[str]:
    """How to read Morris numbers: their units, what sigma says, replicate noise, few trajectories."""
    notes = ["an elementary effect is an output's change when one setting alone moves 2/3 of its range (two of "
             "the 4 levels; for listed values and choice, to the option that level falls on), divided by 2/3: "
             "mu* is in the output's own units, so rank settings within an output; sigma well above 0 means "
             "the effect depends on the other settings or is not linear; mu's sign is its direction",
             "replicate noise left after averaging adds to every elementary effect: a setting without effect "
             "still gets a mu* about that noise; more --reps lowers it"]
    if trajectories < 10:
        notes.append(f"only {trajectories} trajectories: mu* and sigma are rough (see mu*'s confidence); "
                     "screening usually takes 10 or more (--samples)")
    return notes


def _grid_anova(data: SweepData, output: str, y: np.ndarray) -> list[Index]:
    """Exact first-order and total variance shares over a complete grid (points in grid order, the
    last setting fastest): S1 = Var(E[Y | X_i]) / Var(Y), ST = E[Var(Y | X_~i)] / Var(Y)."""
    grid = y.reshape(_grid_counts(data))
    variance = float(grid.var())
    rows = []
    for i, setting in enumerate(data.settings):
        others = tuple(k for k in range(grid.ndim) if k != i)
        main = grid.mean(axis=others) if others else grid
        rows.append(Index(output, setting.path, float(main.var()) / variance,
                          ST=float(grid.var(axis=i).mean()) / variance))
    return rows


def coded_inputs(data: SweepData, indices: Sequence[int]) -> np.ndarray:
    """The settings of these points as numbers: the value of a setting sampled from a distribution,
    else the position of its option (the order the design drew it in)."""
    columns = []
    for position, setting in enumerate(data.settings):
        if setting.options is None:
            columns.append([float(data.points[k].values[setting.path]) for k in indices])
        else:
            coded = [option_index(data, position, data.points[k]) for k in indices]
            columns.append([math.nan if c is None else float(c) for c in coded])
    return np.array(columns, dtype=float).T


def _rbd_fast(data: SweepData, output: str, indices: Sequence[int], y: np.ndarray) -> list[Index]:
    """RBD-FAST first-order indices with SALib's estimator (Plischke's reordering, Tissot and Prieur's bias
    correction) and its bootstrap on half-size resamples; resamples whose output happens not to vary are
    left out of the confidence (SALib's own bootstrap would give no confidence at all then)."""
    from SALib.analyze import rbd_fast

    x = coded_inputs(data, indices)
    n = len(y)
    harmonics = min(10, max(1, n // 10))
    rng = np.random.default_rng(data.seed % 2**32)

    def first_order(xs: np.ndarray, ys: np.ndarray) -> float:
        with np.errstate(invalid="ignore", divide="ignore"):
            s1 = rbd_fast.compute_first_order(rbd_fast.permute_outputs(xs, ys), harmonics)
        return float(rbd_fast.unskew_S1(s1, harmonics, len(ys)))

    rows = []
    for k, setting in enumerate(data.settings):
        boot = []
        for _ in range(RESAMPLES):
            pick = rng.choice(n, size=n // 2, replace=True)
            if np.ptp(y[pick]) > 0:
                boot.append(first_order(x[pick, k], y[pick]))
        conf = Z95 * float(np.std(boot, ddof=1)) if len(boot) > 1 else math.nan
        rows.append(Index(output, setting.path, first_order(x[:, k], y), conf))
    return rows


def _cell(value: float, conf: float = math.nan, form: str = "6.3f", conf_form: str = ".3f") -> str:
    """A number of the table, with ``± conf`` when there is one; blank for NaN."""
    if math.isnan(value):
        return ""
    return format(value, form) + (f" ± {format(conf, conf_form)}" if not math.isnan(conf) else "")


def table_columns(result: Sensitivity) -> list[tuple[str, list[str]]]:
    """The number columns of the table, each a title and a cell a row: S1 (and ST when the method gives
    it) with their confidence, or for Morris mu* with its confidence, sigma and mu."""
    rows: list[Any] = result.rows
    if result.method == "morris":
        return [("mu*", [_cell(r.mu_star, r.mu_star_conf, ".3g", ".2g") for r in rows]),
                ("sigma", [_cell(r.sigma, form=".3g") for r in rows]),
                ("mu", [_cell(r.mu, form=".3g") for r in rows])]
    columns = [("S1", [_cell(r.S1, r.S1_conf) for r in rows])]
    if any(not math.isnan(r.ST) for r in rows):
        columns.append(("ST", [_cell(r.ST, r.ST_conf) for r in rows]))
    return columns


def sensitivity_table(result: Sensitivity, outputs: Sequence[Output]) -> list[str]:
    """The indices as a plain-text table, one block per output."""
    if not result.rows:
        return []
    labels = {o.name: o.label for o in outputs}
    width_out = max(len("output"), *(len(labels.get(r.output, r.output)) for r in result.rows))
    width_set = max(len("setting"), *(len(r.setting) for r in result.rows))
    columns = [(title, cells, max(15, len(title), *map(len, cells))) for title, cells in table_columns(result)]
    header = f"{'output':<{width_out}}  {'setting':<{width_set}}" + "".join(
        f"  {title:<{width}}" for title, _, width in columns)
    lines = [header.rstrip()]
    previous = None
    for k, row in enumerate(result.rows):
        name = labels.get(row.output, row.output) if row.output != previous else ""
        previous = row.output
        line = f"{name:<{width_out}}  {row.setting:<{width_set}}" + "".join(
            f"  {cells[k]:<{width}}" for _, cells, width in columns)
        lines.append(line.rstrip())
    return lines


# --------------------------------------------------------------------- plots
def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_") or "setting"


def _new_figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _design_words(data: SweepData, runs: int) -> str:
    kind = {"grid": "grid", "lhs": "Latin hypercube", "sobol": "Sobol (Saltelli)",
            "morris": "Morris (elementary effects)"}.get(data.design, data.design)
    return f"{data.scenario}: {kind} design, {runs} finished run{'s' if runs != 1 else ''}"


def plot_curve(data: SweepData, setting: Setting, cells: Sequence[Cell], path: Path) -> None:
    """The probability of agreement against one setting with its 95% Wilson band, as a PNG."""
    figure = _new_figure(7.2, 4.8)
    ax = figure.add_subplot()
    probability = np.array([c.probability for c in cells])
    low = np.array([c.interval[0] for c in cells])
    high = np.array([c.interval[1] for c in cells])
    binned = any(c.low_value is not None for c in cells)
    if all(c.x is not None for c in cells):
        x = np.array([c.x for c in cells])
        ax.plot(x, probability, "o-", color="tab:blue", label="probability of agreement")
        ax.fill_between(x, low, high, color="tab:blue", alpha=0.22, linewidth=0,
                        label="95% confidence band (Wilson, per " + ("bin)" if binned else "value)"))
        if binned:
            ax.hlines(probability, [c.low_value for c in cells], [c.high_value for c in cells], color="tab:blue",
                      alpha=0.5, linewidth=1, label="range of each bin")
        ax.set_xlabel(setting.path)
    else:
        x = np.arange(len(cells))
        ax.errorbar(x, probability, yerr=[probability - low, high - probability], fmt="o", color="tab:blue",
                    ecolor="tab:blue", elinewidth=6, alpha=0.8, capsize=0, label="probability of agreement, with "
                    "95% Wilson interval")
        ax.set_xticks(x, [f"{c.label}\n({c.runs} runs)" for c in cells], rotation=30 if len(cells) > 4 else 0)
        ax.set_xlim(-0.6, len(cells) - 0.4)
        ax.set_xlabel(setting.path)
    ax.set_ylim(-0.03, 1.03)
    ax.set_ylabel("probability of agreement")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.grid(alpha=0.3)
    figure.legend(loc="outside lower center", ncols=3, fontsize="small", frameon=False)
    runs = sum(c.runs for c in cells)
    title = textwrap.fill(f"Probability of agreement against {setting.path}", int(figure.get_figwidth() * 8.5))
    ax.set_title(f"{title}\n{_design_words(data, runs)}", fontsize="medium")
    figure.savefig(path, format="png", dpi=110)


def plot_heatmap(data: SweepData, first: Setting, second: Setting, path: Path) -> np.ndarray:
    """The probability of agreement over two settings of a grid, as a PNG; returns the probabilities."""
    rows, cols, runs, formed = agreement_grid(data, first, second)
    with np.errstate(invalid="ignore", divide="ignore"):
        probability = np.where(runs > 0, formed / np.maximum(runs, 1), np.nan)
    figure = _new_figure(max(6.4, 1.6 + 0.7 * len(cols)), max(4.4, 1.8 + 0.45 * len(rows)))
    ax = figure.add_subplot()
    import matplotlib

    cmap = matplotlib.colormaps["viridis"].with_extremes(bad="#dddddd")
    image = ax.imshow(np.ma.masked_invalid(probability), origin="lower", vmin=0.0, vmax=1.0, cmap=cmap,
                      aspect="auto", interpolation="nearest")
    ax.set_xticks(np.arange(len(cols)), [_label(v) for v in cols], rotation=30 if len(cols) > 6 else 0)
    ax.set_yticks(np.arange(len(rows)), [_label(v) for v in rows])
    ax.set_xlabel(second.path)
    ax.set_ylabel(first.path)
    if probability.size <= 225:
        for (r, c), p in np.ndenumerate(probability):
            text = "no runs" if math.isnan(p) else f"{p:.0%}"
            colour = "black" if math.isnan(p) or p > 0.6 else "white"
            ax.text(c, r, text, ha="center", va="center", fontsize="small", color=colour)
    bar = figure.colorbar(image, ax=ax)
    bar.set_label("probability of agreement")
    bar.formatter = matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:.0%}")
    bar.update_ticks()
    title = textwrap.fill(f"Probability of agreement by {first.path} and {second.path}",
                          int(figure.get_figwidth() * 8.5))
    ax.set_title(f"{title}\n{_design_words(data, int(runs.sum()))}", fontsize="medium")
    figure.savefig(path, format="png", dpi=110)
    return probability


# --------------------------------------------------------------------- the report
@dataclass
class Report:
    data: SweepData
    sensitivity: Sensitivity
    curves: dict[str, list[Cell]]
    files: list[Path]
    lines: list[str]


def _number(value: float) -> str:
    return "" if value is None or math.isnan(value) else f"{value:.6g}"


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def make_report(folder: Path, out: Path | None = None) -> Report:
    """Read the sweep store in ``folder`` and write the plots and tables into ``out`` (default: folder/report)."""
    data = load_sweep(folder)
    out = Path(out) if out is not None else Path(folder) / REPORT_FOLDER
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ReportError(f"sweep-report needs matplotlib: {INSTALL_HINT}") from None
    if out.exists() and not out.is_dir():
        raise ReportError(f"--out {out}: expected a folder, found a file")
    try:
        return _write_report(data, out)
    except OSError as err:
        raise ReportError(f"--out {out}: could not write the report ({err.strerror or err})") from None


def _write_report(data: SweepData, out: Path) -> Report:
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    used: set[str] = set()

    def name(stem: str) -> Path:
        candidate, k = stem, 2
        while candidate in used:
            candidate, k = f"{stem}_{k}", k + 1
        used.add(candidate)
        return out / f"{candidate}.png"

    curves: dict[str, list[Cell]] = {}
    for setting in data.settings:
        cells = agreement_curve(data, setting)
        curves[setting.path] = cells
        if cells:
            path = name(f"agreement_{_slug(setting.path)}")
            plot_curve(data, setting, cells, path)
            files.append(path)
    if data.design == "grid":
        for i, first in enumerate(data.settings):
            for second in data.settings[i + 1:]:
                path = name(f"heatmap_{_slug(first.path)}__{_slug(second.path)}")
                plot_heatmap(data, first, second, path)
                files.append(path)

    agreement_csv = out / "agreement.csv"
    _write_csv(agreement_csv, ["setting", "value", "bin_low", "bin_high", "runs", "formed", "probability",
                               "wilson_low", "wilson_high"],
               ([c.setting, c.label, _number(c.low_value) if c.low_value is not None else "",
                 _number(c.high_value) if c.high_value is not None else "", c.runs, c.formed,
                 _number(c.probability), _number(c.interval[0]), _number(c.interval[1])]
                for cells in curves.values() for c in cells))
    files.append(agreement_csv)

    result = sensitivity(data)
    outputs = outputs_of(data)
    numbers = CSV_NUMBERS.get(result.method, INDEX_NUMBERS)
    sensitivity_csv = out / "sensitivity.csv"
    _write_csv(sensitivity_csv, ["output", "setting", "method", *numbers],
               ([r.output, r.setting, METHOD_NAMES[result.method], *(_number(getattr(r, n)) for n in numbers)]
                for r in result.rows))
    files.append(sensitivity_csv)

    summary = out / "summary.txt"
    files.append(summary)
    lines = summary_lines(data, result, outputs, files)
    summary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Report(data, result, curves, files, lines)


def summary_lines(data: SweepData, result: Sensitivity, outputs: Sequence[Output], files: Sequence[Path]) -> list[str]:
    """The printed summary: runs, failures, overall probability of agreement, indices with notes, files."""
    lines = [f"sweep report: {data.folder} ({data.scenario}; {data.design} design, {data.planned_points} point"
             f"{'s' if data.planned_points != 1 else ''} x {data.reps} rep{'s' if data.reps != 1 else ''})"]
    unfinished = "" if data.stored >= data.planned_runs else "; the sweep is not finished"
    lines.append(f"runs read: {data.stored} of {data.planned_runs} ({data.ok} finished, {data.failed} failed"
                 f"{unfinished})")
    if data.failed:
        lines.append(f"failed runs: {data.failed}; most common errors:")
        lines += [f"  {count} run{'s' if count != 1 else ''}: {error}" for error, count in data.failures]
    else:
        lines.append("failed runs: none")
    low, high = wilson(data.formed, data.ok)
    lines.append(f"probability of agreement overall: {data.formed / data.ok:.1%} ({data.formed} of {data.ok} "
                 f"finished runs; 95% Wilson interval {low:.1%} to {high:.1%})")
    lines.append(f"sensitivity: {result.description}")
    lines += ["  " + line for line in sensitivity_table(result, outputs)]
    lines.append("notes:")
    lines += [f"  - {note}" for note in result.notes]
    lines.append(f"wrote {len(files)} file{'s' if len(files) != 1 else ''}:")
    lines += [f"  {path}" for path in files]
    return lines


__all__ = ["ReportError", "Setting", "Point", "SweepData", "Cell", "Index", "Effect", "Sensitivity", "Report",
           "load_sweep", "wilson", "agreement_curve", "agreement_grid", "point_outputs", "sensitivity", "make_report"]
