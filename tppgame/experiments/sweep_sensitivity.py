"""Global sensitivity indices of a sweep's outputs (the probability of agreement, the round of
conclusion, each country's utility, the welfare aggregates, or those ``--outcomes`` chooses, such as
each country's welfare gain), each first averaged over the replicates of a point, by the
method the design allows: Sobol indices on a Sobol (Saltelli) design, exact variance shares on a
full grid, RBD-FAST on a Latin hypercube, Morris elementary effects on a Morris design.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tppgame.experiments.sweep_agreement import Z95, grid_counts, option_index
from tppgame.experiments.store import WELFARE_PREFIX
from tppgame.experiments.sweep_data import ReportError, SweepData
from tppgame.experiments.sweep_variance import BOOT_RESAMPLES, grid_bootstrap

MIN_RBD_POINTS = 20    # RBD-FAST needs a sample several times larger than its 2 M harmonics
RESAMPLES = 200        # bootstrap resamples for the confidence of the indices
CONFIDENCE = 0.95
INSTALL_HINT = "pip install 'tppgame[sweep]'"

METHODS = {
    "sobol": "Sobol indices S1 and ST from the Saltelli sample (SALib sobol.analyze), "
             "with 95% bootstrap confidence",
    "grid": "exact first-order (S1) and total (ST) variance shares over the full grid, each value equally "
            "likely: the Sobol indices of the grid itself, with 95% bootstrap confidence over the replicates",
    "rbd_fast": "first-order indices S1 by RBD-FAST (SALib rbd_fast), with 95% bootstrap confidence; "
                "it gives no total indices",
    "morris": "Morris elementary effects (SALib morris.analyze): mu*, the mean absolute effect, with 95% "
              "bootstrap confidence; sigma, their spread; mu, their mean (the direction)",
}
MIN_TRAJECTORIES = 2   # sigma, the spread of the elementary effects, needs two


# --------------------------------------------------------------------- outputs per point
@dataclass(frozen=True)
class Output:
    name: str          # as in sensitivity.csv
    label: str         # in words


# short words (the report's table is narrow); the figures say it in full (tppgame.game.glossary)
WELFARE_WORDS = {"welfare_total_usd_m": "total welfare, US$ m",
                 "welfare_members_usd_m": "members' welfare, US$ m",
                 "welfare_min_pct_gdp": "lowest welfare, % of GDP",
                 "n_welfare_losers": "number losing welfare"}
GROUPS = ("utility", "welfare", "all")      # --outcomes names that stand for several outputs


def _has_values(data: SweepData, name: str) -> bool:
    """Whether some finished run of the store has a value of this welfare column."""
    return any(np.isfinite(p.measured_runs.get(name, [])).any() for p in data.points.values())


def _measured(data: SweepData, per_country: bool) -> list[Output]:
    """The welfare outputs the store holds values of: the aggregates, or each country's % of GDP."""
    names = [n for n in data.measured if n.startswith(WELFARE_PREFIX) == per_country and _has_values(data, n)]
    return [Output(n, WELFARE_WORDS.get(n) or f"welfare of {n.removeprefix(WELFARE_PREFIX)}, % of GDP")
            for n in names]


def outputs_of(data: SweepData) -> list[Output]:
    """The outputs a report analyses unless told otherwise: the probability of agreement, the round of
    conclusion, each country's utility and the welfare aggregates (when the store has them)."""
    return [Output("agreement_probability", "probability of agreement"),
            Output("conclusion_round", "round of conclusion"),
            *(Output(f"utility_{c}", f"utility of {c}") for c in data.countries),
            *_measured(data, per_country=False)]


def all_outputs(data: SweepData) -> list[Output]:
    """Every output the store can give: :func:`outputs_of` and each country's welfare gain in % of GDP."""
    return outputs_of(data) + _measured(data, per_country=True)


def select_outputs(data: SweepData, text: str | None) -> list[Output]:
    """The outputs ``--outcomes NAME,NAME`` names (None: :func:`outputs_of`): any output by its name in
    sensitivity.csv, or ``utility`` (every country's utility), ``welfare`` (every country's welfare gain
    in % of GDP) or ``all``. An unknown name, or a welfare output of a store that has none, raises
    ReportError (one line)."""
    if text is None:
        return outputs_of(data)
    everything = {o.name: o for o in all_outputs(data)}
    chosen: dict[str, Output] = {}
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise ReportError(f"--outcomes {text!r}: expected outcome names separated by commas, such as "
                          "agreement_probability,welfare_total_usd_m")
    for name in names:
        group = [o for o in everything.values() if name == "all" or
                 (name == "utility" and o.name.startswith("utility_")) or
                 (name == "welfare" and o.name.startswith(WELFARE_PREFIX))]
        found = group if name in GROUPS else [everything[name]] if name in everything else []
        if not found:
            raise ReportError(_not_there(data, name, everything))
        chosen.update((o.name, o) for o in found)
    return list(chosen.values())


def _not_there(data: SweepData, name: str, known: dict[str, Output]) -> str:
    welfare = name == "welfare" or name in WELFARE_WORDS or name.startswith(WELFARE_PREFIX)
    if welfare and not data.measured:
        return (f"--outcomes {name}: this store holds no welfare (written by an earlier version of tppgame, store "
                f"version {data.schema_version}); run the sweep again into a new --out folder to have it")
    return f"--outcomes {name}: expected an outcome of this store ({', '.join([*GROUPS, *outcome_forms(known)])})"


def outcome_forms(names: Sequence[str]) -> list[str]:
    """The outcome names, each per-country outcome once as its form with its countries (``utility_XXX
    (XXX: USA, JPN)``), so the list is whole and short, whatever the number of countries."""
    forms: dict[str, list[str]] = {}
    for name in names:
        base, _, code = name.rpartition("_")
        per_country = base in ("utility", WELFARE_PREFIX.rstrip("_")) and len(code) == 3 and code.isupper()
        forms.setdefault(f"{base}_XXX" if per_country else name, []).extend([code] if per_country else [])
    return [f"{form} (XXX: {', '.join(codes)})" if codes else form for form, codes in forms.items()]


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
    for name in data.measured:
        result[name] = np.array([_finite_mean(p.measured_runs.get(name, ())) for p in points])
    return [p.index for p in points], result


def _finite_mean(values: Sequence[float]) -> float:
    known = [v for v in values if math.isfinite(v)]
    return sum(known) / len(known) if known else math.nan


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


def sensitivity(data: SweepData, outputs: Sequence[Output] | None = None) -> Sensitivity:
    """Global sensitivity indices of each output (default :func:`outputs_of`), by the method the design allows."""
    indices, values = point_outputs(data)
    outputs = outputs_of(data) if outputs is None else outputs
    notes = [f"outcomes are averaged over the finished replicates of each point ({data.reps} run"
             f"{'s' if data.reps != 1 else ''} a point, failed runs left out) before the analysis, "
             f"over {len(indices)} point{'s' if len(indices) != 1 else ''}"]
    if any(o.name == "conclusion_round" for o in outputs):
        notes.append("round of conclusion: the round in which the agreement formed; where none formed it counts as "
                     + _no_agreement_round(data))
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
            rows += _grid_anova(data, output.name, y, grid_bootstrap(data, output.name, data.seed % 2**32))
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
    description = METHODS[method]
    single = method == "grid" and min((p.runs for p in data.points.values()), default=0) < 2
    if single:
        description = description.replace("with 95% bootstrap confidence over the replicates",
                                          "without confidence (a point has a single finished run)")
        notes.append("a point with a single finished run: S1 and ST have no confidence, which resamples each "
                     "point's replicates; use --reps 2 or more")
    if method == "grid" and data.reps > 1:
        notes.append("replicate noise left after averaging counts toward the total indices ST as if it were "
                     "an interaction" + ("" if single else "; the confidence of S1 and ST resamples the replicates "
                                         f"of each point ({BOOT_RESAMPLES} times)"))
        if len(data.settings) == 1:
            notes.append("with one setting, S1 = ST = 1 whatever the seeds do: they are shares of the variance of "
                         "the points' means; how much of the runs' variance the setting explains is under 'settings against seeds'")
    return Sensitivity(method, description, rows, notes, len(indices))


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


def _grid_anova(data: SweepData, output: str, y: np.ndarray,
                confidence: Sequence[tuple[float, float]] | None = None) -> list[Index]:
    """Exact first-order and total variance shares over a complete grid (points in grid order, the
    last setting fastest): S1 = Var(E[Y | X_i]) / Var(Y), ST = E[Var(Y | X_~i)] / Var(Y); with the
    confidence of each pair (S1, ST) when given."""
    grid = y.reshape(grid_counts(data))
    variance = float(grid.var())
    rows = []
    for i, setting in enumerate(data.settings):
        others = tuple(k for k in range(grid.ndim) if k != i)
        main = grid.mean(axis=others) if others else grid
        s1_conf, st_conf = confidence[i] if confidence else (math.nan, math.nan)
        rows.append(Index(output, setting.path, float(main.var()) / variance, s1_conf,
                          float(grid.var(axis=i).mean()) / variance, st_conf))
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
