"""The probability of agreement of a sweep (the share of finished runs in which the agreement
formed) with its 95% Wilson interval: against one setting, per value or per quantile bin, and
over the pairs of values of two settings of a grid.

A share pooled over several points of a *sampled* design (a quantile bin of a Latin hypercube, a
Morris level) estimates the mean probability over points drawn at random, and the replicates of one
point share that point's probability: they are clusters, not independent trials, and a binomial
interval on the runs is too narrow when the points differ. There the interval is Wilson's on the
effective number of runs, the runs over Kish's design effect (the between-point variance of the
pooled share, as for a ratio estimator over clusters, against the binomial variance; never below 1).
On a grid the pooled points are the design's own fixed values, each run independent given its point,
and the binomial variance bounds the variance of the pooled share from above: Wilson's interval on
the runs, a little wide where the points differ.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tppgame.experiments.sweep_data import Point, Setting, SweepData

CONFIDENCE = 0.95
Z95 = statistics.NormalDist().inv_cdf(0.5 + CONFIDENCE / 2)
MAX_BINS = 10          # quantile bins of a setting sampled from a distribution
MIN_POINTS_PER_BIN = 5


def wilson(formed: int, runs: int, z: float = Z95, design_effect: float = 1.0) -> tuple[float, float]:
    """The Wilson score interval (95% by default) for ``formed`` successes in ``runs`` trials; with a
    ``design_effect`` above 1 (runs in clusters, :func:`design_effect`), on the effective number of
    trials ``runs / design_effect`` at the same share."""
    if runs <= 0:
        return math.nan, math.nan
    p, n = formed / runs, runs / max(design_effect, 1.0)
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return (0.0 if formed == 0 else max(0.0, centre - half)), (1.0 if formed == runs else min(1.0, centre + half))


def t_interval(values: Sequence[float]) -> tuple[float | None, float | None, float | None]:
    """(mean, low, high): the mean and its 95% Student-t interval, ``mean -+ t(0.975, n - 1) s /
    sqrt(n)``; the interval is None with fewer than two values, everything None with none."""
    known = [float(v) for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if not known:
        return None, None, None
    mean = float(np.mean(known))
    if len(known) < 2:
        return mean, None, None
    from scipy.stats import t

    half = float(t.ppf(0.5 + CONFIDENCE / 2, len(known) - 1)) * float(np.std(known, ddof=1)) / math.sqrt(len(known))
    return mean, mean - half, mean + half


def within_noise(low: float, high: float) -> bool:
    """Whether a difference's 95% interval includes 0, so that the difference is not distinguishable from
    seed noise; an interval that is the single point 0 (no difference in any seed) is not noise but none."""
    return low <= 0.0 <= high and not low == high == 0.0


def design_effect(formed: Sequence[int], runs: Sequence[int]) -> float:
    """Kish's design effect of a share pooled over clusters (``formed`` of ``runs`` in each): the variance
    of the pooled share between clusters, ``n / (n - 1) * sum((f_i - p r_i)^2) / N^2`` for ``n``
    clusters of ``N`` runs in all (the ratio estimator's), over the binomial ``p (1 - p) / N``. At least
    1, and exactly 1 where no cluster holds two runs (independent runs) or the share is 0 or 1."""
    f, r = np.asarray(formed, dtype=float), np.asarray(runs, dtype=float)
    total = r.sum()
    if len(r) < 2 or total <= 0 or r.max() <= 1:
        return 1.0
    p = f.sum() / total
    if p <= 0.0 or p >= 1.0:
        return 1.0
    between = len(r) / (len(r) - 1) * float(((f - p * r) ** 2).sum()) / total**2
    return max(1.0, between / (p * (1 - p) / total))


def pooled_design_effect(data: SweepData, points: Sequence[Point]) -> float:
    """The design effect of a share pooled over ``points``: :func:`design_effect` over them as clusters in a
    sampled design, 1 on a grid (its points are fixed values, so the binomial interval is an upper bound)."""
    if data.design == "grid":
        return 1.0
    return design_effect([p.formed for p in points], [p.runs for p in points])


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
    design_effect: float = 1.0   # runs in clusters of a sampled design's points (:func:`design_effect`)

    @property
    def probability(self) -> float:
        return self.formed / self.runs if self.runs else math.nan

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.formed, self.runs, design_effect=self.design_effect)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def value_label(value: Any) -> str:
    """A setting's value as a table or an axis shows it: text as is, floats to 6 significant figures,
    anything else as JSON."""
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


def grid_counts(data: SweepData) -> list[int]:
    """How many values each setting of a full-grid sweep takes, in the settings' order (the grid's shape)."""
    return [len(s.options or ()) for s in data.settings]


def option_index(data: SweepData, position: int, point: Point) -> int | None:
    """Which of its options the setting at ``position`` takes at this point (None when it has none)."""
    setting = data.settings[position]
    if setting.options is None:
        return None
    if data.design == "grid":
        coords = np.unravel_index(point.index, grid_counts(data))
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
    or per quantile bin (about 10) of a setting sampled from a distribution. Each cell's interval counts
    a sampled design's points as clusters of their replicates (:func:`pooled_design_effect`)."""
    position = data.settings.index(setting)
    finished = [p for p in data.points.values() if p.runs]

    def cell(label: str, x: float | None, low: float | None, high: float | None, members: list[Point]) -> Cell:
        return Cell(setting.path, label, x, low, high, sum(p.runs for p in members), sum(p.formed for p in members),
                    pooled_design_effect(data, members))

    if setting.options is not None:
        at: dict[int, list[Point]] = {}
        for point in finished:
            k = option_index(data, position, point)
            if k is not None:
                at.setdefault(k, []).append(point)
        numeric = all(_is_number(v) for v in setting.options)
        return [cell(value_label(setting.options[k]), float(setting.options[k]) if numeric else None, None, None, at[k])
                for k in _option_order(setting) if k in at]
    values = np.array([float(p.values[setting.path]) for p in finished])
    if data.design == "morris":        # four levels a setting: a cell per level, as for listed values
        return [cell(value_label(float(level)), float(level), None, None,
                     [p for p, v in zip(finished, values) if v == level]) for level in np.unique(values)]
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
        cells.append(cell(f"{lo:.4g} to {hi:.4g}", centre, lo, hi, members))
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
