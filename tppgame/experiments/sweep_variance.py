"""How much of each outcome's run-level variance a sweep's settings explain and how much its seeds.

Every run of a point has the same settings and its own seed, so the variance of an outcome over
all finished runs splits, as in a one-way analysis of variance over the points, into the part
between the points' means (what the settings explain: eta squared, SS_between / SS_total) and the
part within the points (the seeds' share, SS_within / SS_total). The F test of that ANOVA (scipy)
says whether the settings' share is more than the seeds alone would give: with k points and N
runs, settings without any effect still explain about (k - 1) / (N - 1) on average. On a grid each
setting alone gets its main effect, as in a factorial ANOVA: its share is the variance between the means
of the runs at each of its values over the total, and its F test sets that against the variance within
the points (the seeds' alone), not against everything else: the other settings' effects are not noise.

The indices of :mod:`tppgame.experiments.sweep_sensitivity` are computed on the points' means;
:func:`grid_bootstrap` gives the grid's indices a 95% confidence by resampling the replicates
within each point. A share is called *not distinguishable from seed noise* when its p-value is
at least :data:`ALPHA`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from tppgame.experiments.sweep_agreement import Z95, grid_counts, option_index
from tppgame.experiments.sweep_data import Point, SweepData

if TYPE_CHECKING:
    from tppgame.experiments.sweep_sensitivity import Effect, Output, Sensitivity

ALPHA = 0.05           # p >= ALPHA: not distinguishable from seed noise
ALL = ""               # the setting of a share of all the settings together
BOOT_RESAMPLES = 200   # bootstrap resamples of the replicates


@dataclass(frozen=True)
class Share:
    """The share of an outcome's run-level variance that the settings explain (all of them together:
    ``setting`` is ALL, else one setting's main effect on a grid), with its F test against the variance
    within the points (the seeds'): :func:`anova` for ALL, :func:`main_effect` for a setting."""

    output: str
    setting: str
    explained: float      # eta squared: SS between the groups / SS total over the runs
    f: float
    p: float
    df_between: int
    df_within: int

    @property
    def seeds(self) -> float:
        """The seeds' share: what is left within the points (for the share of all settings)."""
        return 1.0 - self.explained

    @property
    def noise(self) -> bool:
        """Not distinguishable from seed noise: p >= ALPHA."""
        return not self.p < ALPHA


@dataclass
class Decomposition:
    shares: list[Share]
    notes: list[str]


def run_outputs(data: SweepData) -> dict[str, dict[int, np.ndarray]]:
    """Each output's value in every finished run, by point (index order): agreement formed as 0/1, the
    round of conclusion (the number of rounds + 1 where none formed), each country's utility and each
    welfare column of the store (missing ones left out). Their means per point are :func:`~tppgame.experiments.sweep_sensitivity.point_outputs`."""
    points = [data.points[k] for k in sorted(data.points) if data.points[k].runs]
    result: dict[str, dict[int, np.ndarray]] = {
        "agreement_probability": {p.index: np.array(p.formed_runs, dtype=float) for p in points},
        "conclusion_round": {p.index: np.nan_to_num(np.array(p.round_runs, dtype=float),
                                                    nan=data.rounds_of(p) + 1) for p in points},
    }
    for country in data.countries:
        result[f"utility_{country}"] = _finite_by_point(points, lambda p: p.utility_runs.get(country, ()))
    for name in data.measured:
        result[name] = _finite_by_point(points, lambda p: p.measured_runs.get(name, ()))
    return result


def _finite_by_point(points: Sequence[Point], runs: Callable[[Point], Sequence[float]]) -> dict[int, np.ndarray]:
    """Each point's finite values of one output (``runs`` gives its values), points with none left out."""
    by_point = {}
    for p in points:
        values = np.array(runs(p), dtype=float)
        values = values[np.isfinite(values)]
        if len(values):
            by_point[p.index] = values
    return by_point


def anova(groups: Sequence[np.ndarray]) -> tuple[float, float, float, int, int] | None:
    """One-way ANOVA of the groups: eta squared, F, its p-value (scipy) and the two degrees of freedom;
    None when it cannot be done (fewer than 2 groups, no run left for the within part, no variance)."""
    from scipy.stats import f as f_distribution

    groups = [np.asarray(g, dtype=float) for g in groups if len(g)]
    runs = sum(len(g) for g in groups)
    k = len(groups)
    if k < 2 or runs <= k:
        return None
    everything = np.concatenate(groups)
    total = float(((everything - everything.mean()) ** 2).sum())
    if total <= 1e-12 * max(1.0, float(np.abs(everything).max())) ** 2 * runs:
        return None
    within = float(sum(((g - g.mean()) ** 2).sum() for g in groups))
    between = max(0.0, total - within)
    df_between, df_within = k - 1, runs - k
    if within <= 0.0:
        return between / total, math.inf, 0.0, df_between, df_within
    f = (between / df_between) / (within / df_within)
    return between / total, f, float(f_distribution.sf(f, df_between, df_within)), df_between, df_within


def _within(groups: Iterable[np.ndarray]) -> tuple[float, int]:
    """The sum of squares within the groups (the points: the seeds' variation) and its degrees of freedom."""
    groups = [np.asarray(g, dtype=float) for g in groups if len(g)]
    return float(sum(((g - g.mean()) ** 2).sum() for g in groups)), sum(len(g) for g in groups) - len(groups)


def main_effect(levels: Sequence[np.ndarray], within: float,
                df_within: int) -> tuple[float, float, float, int, int] | None:
    """A grid setting's main effect over the runs at each of its values (``levels``), as a factorial ANOVA
    tests it: eta squared (SS between the levels' means / SS total), and F = (SS between / its df) /
    (``within`` / ``df_within``), the sum of squares within the grid's points (the seeds alone), with
    its p-value (scipy); the same numbers as :func:`anova`'s except that the other settings' effects do
    not count as noise. None when it cannot be done (fewer than 2 levels, no run left within the points,
    no variance)."""
    from scipy.stats import f as f_distribution

    levels = [np.asarray(g, dtype=float) for g in levels if len(g)]
    if len(levels) < 2 or df_within < 1:
        return None
    everything = np.concatenate(levels)
    total = float(((everything - everything.mean()) ** 2).sum())
    if total <= 1e-12 * max(1.0, float(np.abs(everything).max())) ** 2 * len(everything):
        return None
    between = float(sum(len(g) * (g.mean() - everything.mean()) ** 2 for g in levels))
    df_between = len(levels) - 1
    if between <= 1e-12 * total:
        return 0.0, 0.0, 1.0, df_between, df_within
    if within <= 0.0:
        return between / total, math.inf, 0.0, df_between, df_within
    f = (between / df_between) / (within / df_within)
    return between / total, f, float(f_distribution.sf(f, df_between, df_within)), df_between, df_within


def decomposition(data: SweepData, outputs: Sequence[Output] | None = None) -> Decomposition:
    """The settings' and the seeds' shares of each output's run-level variance (default: those of
    :func:`~tppgame.experiments.sweep_sensitivity.outputs_of`), and on a grid each setting's."""
    runs = run_outputs(data)
    from tppgame.experiments.sweep_sensitivity import outputs_of

    shares: list[Share] = []
    notes: list[str] = []
    if not data.settings:
        return Decomposition(shares, notes)
    if max((p.runs for p in data.points.values()), default=0) < 2:
        notes.append("one finished run a point: the seeds' share of the variance cannot be told from the "
                     "settings' (no test of the indices against seed noise); use --reps 2 or more")
        return Decomposition(shares, notes)
    for output in outputs_of(data) if outputs is None else outputs:
        by_point = runs[output.name]
        result = anova(list(by_point.values()))
        if result is None:
            continue
        shares.append(Share(output.name, ALL, *result))
        if data.design != "grid":
            continue
        within, df_within = _within(by_point.values())
        for position, setting in enumerate(data.settings):
            levels: dict[int, list[np.ndarray]] = {}
            for index, values in by_point.items():
                level = option_index(data, position, data.points[index])
                if level is not None:
                    levels.setdefault(level, []).append(values)
            main = main_effect([np.concatenate(v) for v in levels.values()], within, df_within)
            if main is not None:
                shares.append(Share(output.name, setting.path, *main))
    points = sum(1 for p in data.points.values() if p.runs)
    chance = (points - 1) / max(1, data.ok - 1)
    notes.append(f"run-level variance: each outcome's variance over the {data.ok} finished runs splits into the "
                 f"settings' share (between the {points} points' means: eta squared of a one-way ANOVA over the "
                 f"points) and the seeds' share (within the points); p is the ANOVA's F test, and a share with "
                 f"p >= {ALPHA} is not distinguishable from seed noise (settings without any effect still explain "
                 f"about {chance:.1%} by chance here)")
    if data.design == "grid":
        notes.append("a setting's share on a grid is its main effect: the variance between the means of the runs at "
                     "each of its values (pooled over the other settings); its F test sets it against the variance "
                     "within the points, the seeds' alone, as a factorial ANOVA does")
        counts = sorted({p.runs for p in data.points.values() if p.runs})
        if len(data.settings) > 1 and len(counts) > 1:
            notes.append(f"the grid's points have {counts[0]} to {counts[-1]} finished runs each, not the same "
                         "number: the settings' main effects are then not independent of each other, so their "
                         "shares and p-values are approximate (rerun the failed runs, --retry-failed, to even them)")
    return Decomposition(shares, notes)


def _percent(share: float) -> str:
    return f"{share:.1%}"


def p_words(p: float) -> str:
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def verdict(share: Share) -> str:
    return "not distinguishable from seed noise" if share.noise else "beyond seed noise"


def share_lines(data: SweepData, result: Decomposition, labels: dict[str, str]) -> list[str]:
    """The decomposition in words, an output at a time: all the settings together against the seeds, then
    (on a grid) each setting alone; a one-setting grid says it once."""
    lines = []
    one_setting = data.design == "grid" and len(data.settings) == 1
    for share in result.shares:
        what = labels.get(share.output, share.output)
        if share.setting == ALL:
            if one_setting:
                continue
            lines.append(f"all settings together: explain {_percent(share.explained)} of the variance of the {what}, "
                         f"the seeds {_percent(share.seeds)} ({p_words(share.p)}): {verdict(share)}")
        else:
            seeds = ""
            if one_setting:
                seeds = f", the seeds {_percent(share.seeds)}"
            lines.append(f"{share.setting}: explains {_percent(share.explained)} of the variance of the {what}{seeds} "
                         f"({p_words(share.p)}): {verdict(share)}")
    return lines


def sobol_noise_floor(data: SweepData, output: str) -> float | None:
    """What a Sobol design's ST of a setting without any effect is from the replicates' noise alone. ST (Jansen's
    estimator, SALib's) is half the mean squared change of the output when the setting alone moves, over the
    output's variance; the means of two points differ by the seeds' noise even when the setting does nothing,
    so ST is about ``s^2 / (n V)``: ``s^2`` the variance within the points, ``n`` the runs a point (their
    harmonic mean), ``V`` the variance of the points' means. None with no replicate (nothing to measure it by)."""
    groups = [values for values in run_outputs(data).get(output, {}).values() if len(values)]
    df = sum(len(v) for v in groups) - len(groups)
    means = np.array([v.mean() for v in groups])
    if df <= 0 or len(means) < 2 or float(means.var()) <= 0.0:
        return None
    within = sum(float(((v - v.mean()) ** 2).sum()) for v in groups) / df
    runs = len(groups) / sum(1.0 / len(v) for v in groups)
    return within / (runs * float(means.var()))


def interval_lines(result: Sensitivity, labels: dict[str, str], data: SweepData | None = None) -> list[str]:
    """Each index of a sampled design against noise, in words: a setting's effect on an output is not
    distinguishable from noise when the 95% interval of its index reaches down to 0 or, for a Sobol design's
    ST with replicates (``data``), to what the seeds' noise alone gives it (:func:`sobol_noise_floor`: a setting
    the games do not read got ST 0.63 to 0.87 on a baseline sweep of two replicates, its interval above 0).
    The index is ST, the whole effect, for a Sobol design and S1 for RBD-FAST (it gives no ST); a grid's
    settings are judged by :func:`share_lines` and Morris settings by :func:`morris_lines`."""
    key = {"sobol": "ST", "rbd_fast": "S1"}.get(result.method)
    if key is None:
        return []
    lines, floors = [], {}
    for row in result.rows:
        value, conf = getattr(row, key), getattr(row, f"{key}_conf")
        if math.isnan(value) or math.isnan(conf):
            continue
        if key == "ST" and data is not None and row.output not in floors:
            floors[row.output] = sobol_noise_floor(data, row.output)
        floor = floors.get(row.output)
        low, high = value - conf, value + conf
        words = "not distinguishable from noise" if low <= (floor or 0.0) else "beyond noise"
        seeds = f" (the seeds' noise alone gives ST about {floor:.3f})" if floor is not None else ""
        lines.append(f"{row.setting} on the {labels.get(row.output, row.output)}: {key} {value:.3f} ± {conf:.3f}, "
                     f"from {low:.3f} to {high:.3f}: {words}{seeds}")
    return lines


def inflated(values: np.ndarray) -> np.ndarray:
    """A point's replicates spread about their mean by sqrt(n / (n - 1)), so that the bootstrap's variance of
    their mean is the usual unbiased s^2 / n: resampling n values as they are gives (n - 1) / n of it, half
    with 2 replicates, and intervals too narrow by as much (Davison and Hinkley 1997, 3.3)."""
    n = len(values)
    return values if n < 2 else values.mean() + (values - values.mean()) * math.sqrt(n / (n - 1))


MORRIS_STEP = 2 / 3    # an elementary effect's step on the unit scale (4 levels: two of them)


def morris_against_noise(effect: Effect, trajectories: int, within: float, df_within: int,
                         reps: float) -> tuple[float, float, float]:
    """A Morris setting's elementary effects against the seeds' noise: what mu* would be from that noise
    alone, and the F test of the effects. Without any effect of the setting, each of its T effects is the
    difference of two point means, each of ``reps`` runs, over the step, so it is normal with mean 0 and
    variance 2 s^2 / (reps x step^2), s^2 the variance within the points (``within`` / ``df_within``):
    then mu* is about sqrt(2 / pi) times its standard deviation, and mean(effect^2) / that variance is
    F(T, df_within). mean(effect^2) is sigma^2 (T - 1) / T + mu^2 (SALib's sigma has ddof 1). Returns
    (noise mu*, F, p)."""
    from scipy.stats import f as f_distribution

    noise = 2.0 * (within / df_within) / (reps * MORRIS_STEP ** 2)
    mean_square = effect.sigma ** 2 * (trajectories - 1) / trajectories + effect.mu ** 2
    if noise <= 0.0:
        return 0.0, (math.inf if mean_square > 0 else 0.0), (0.0 if mean_square > 0 else 1.0)
    f = mean_square / noise
    return math.sqrt(2.0 / math.pi) * math.sqrt(noise), f, float(f_distribution.sf(f, trajectories, df_within))


def morris_lines(data: SweepData, result: Sensitivity, labels: dict[str, str]) -> list[str]:
    """Each Morris setting against the seeds' noise in words (:func:`morris_against_noise`), from the
    replicates of the points of the complete trajectories; none with one run a point."""
    if result.method != "morris" or max((p.runs for p in data.points.values()), default=0) < 2:
        return []
    from tppgame.experiments.sweep_sensitivity import complete_trajectories

    runs = run_outputs(data)
    size = len(data.settings) + 1
    points = [t * size + k for t in complete_trajectories(data, list(data.points)) for k in range(size)]
    trajectories = len(points) // size
    lines = []
    for effect in result.rows:
        groups = [runs[effect.output][k] for k in points if k in runs[effect.output]]
        within, df_within = _within(groups)
        if df_within < 1 or trajectories < 2:
            continue
        reps = len(groups) / sum(1.0 / len(g) for g in groups)           # harmonic mean: each mean's noise
        noise, f, p = morris_against_noise(effect, trajectories, within, df_within, reps)
        verdict = "not distinguishable from seed noise" if not p < ALPHA else "beyond seed noise"
        lines.append(f"{effect.setting} on the {labels.get(effect.output, effect.output)}: mu* {effect.mu_star:.3g}, "
                     f"seed noise alone about {noise:.3g} (F = {f:.3g} on {trajectories} and {df_within} df, "
                     f"{p_words(p)}): {verdict}")
    return lines


def grid_bootstrap(data: SweepData, output: str, seed: int,
                   resamples: int = BOOT_RESAMPLES) -> list[tuple[float, float]] | None:
    """The 95% confidence (Z95 x the bootstrap standard deviation, as SALib's) of the grid's S1 and ST of
    one output, a pair per setting: the replicates of each point (:func:`inflated`) are resampled with
    replacement and the indices recomputed on the new means; resamples whose means do not vary are left out. None when a
    point has no run of this output, or a single one: its mean would never vary, and the confidence read 0."""
    by_point = run_outputs(data)[output]
    order = sorted(by_point)
    if len(order) != math.prod(grid_counts(data)) or min(len(by_point[k]) for k in order) < 2:
        return None
    rng = np.random.default_rng(seed)
    means = np.empty((resamples, len(order)))
    for column, index in enumerate(order):
        values = inflated(by_point[index])
        means[:, column] = values[rng.integers(0, len(values), size=(resamples, len(values)))].mean(axis=1)
    grids = means.reshape(resamples, *grid_counts(data))
    variance = grids.reshape(resamples, -1).var(axis=1)
    keep = variance > 1e-15
    if keep.sum() < 2:
        return [(0.0, 0.0)] * len(data.settings)
    grids, variance = grids[keep], variance[keep]
    result = []
    for i in range(len(data.settings)):
        axis = i + 1
        others = tuple(k for k in range(1, grids.ndim) if k != axis)
        main = grids.mean(axis=others) if others else grids
        s1 = main.reshape(len(grids), -1).var(axis=1) / variance
        st = grids.var(axis=axis).reshape(len(grids), -1).mean(axis=1) / variance
        result.append((Z95 * float(np.std(s1, ddof=1)), Z95 * float(np.std(st, ddof=1))))
    return result
