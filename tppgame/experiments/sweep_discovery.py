"""Scenario discovery: the box of settings in which the agreement forms, by PRIM.

PRIM (the Patient Rule Induction Method, Friedman and Fisher 1999, as used in scenario discovery
by Bryant and Lempert 2010) starts from the box holding every run and peels it step by step: at
each step it tries, for every setting, cutting off the runs below the ``alpha`` quantile or above
the ``1 - alpha`` quantile of the runs still in the box (for a setting with listed values that are
not numbers: one of its values) and keeps the cut with the largest gain in the share of runs with an
agreement inside (the box's *density*) per run cut off (the "lenient1" objective: a cut of a whole
value of a listed setting, which removes many runs at once, must earn its size). It stops when no
cut leaves at least ``min_mass`` of all runs in the box, then pastes back what raises the density.
Every box of this peeling trajectory has its

* coverage: the share of all the runs with an agreement that fall in the box,
* density: the share of the runs in the box in which the agreement formed,
* mass: the share of all runs in the box,

and each limit of a box its quasi-p-value (Bryant and Lempert's one-sided binomial test of whether
the density the limit adds could come from chance: small, the limit is real).

The algorithm is the EMA Workbench's (``ema_workbench.analysis.prim``, Kwakkel 2017, "The Exploratory
Modeling Workbench", Environmental Modelling & Software 96), imported only when a report finds a box.
The box reported is the first (largest) of the trajectory whose density is within ``tolerance``
(0.02) of the highest density reached: the trade-off of density against coverage is settled for
density, without the tiny boxes noise can make perfect.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

ALPHA = 0.05
MIN_MASS = 0.05
TOLERANCE = 0.02
SIGNIFICANT = 0.05          # a limit whose quasi-p-value is larger is not told from chance


@dataclass(frozen=True)
class Limit:
    """A setting's limits in a box: low and high for a number, the values kept for listed values; for a
    restricted setting, ``quasi_p``: the largest quasi-p-value of its limits (None where unrestricted)."""

    setting: str
    low: float = math.nan
    high: float = math.nan
    values: tuple[Any, ...] | None = None
    restricted: bool = False
    quasi_p: float | None = None


@dataclass(frozen=True)
class Box:
    limits: tuple[Limit, ...]
    coverage: float
    density: float
    mass: float
    step: int


@dataclass
class Discovery:
    box: Box | None
    trajectory: list[Box]
    runs: int
    formed: int
    note: str = ""


def _numeric(column: Sequence[Any]) -> bool:
    return all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in column)


def _frame(settings: dict[str, Sequence[Any]]) -> tuple[Any, dict[str, list[Any]]]:
    """The runs' settings as the data frame PRIM takes (numbers as floats, other values as categories),
    and each listed setting's distinct values in the order they first appear."""
    import pandas as pd

    frame, listed = {}, {}
    for name, column in settings.items():
        values = list(column)
        if _numeric(values):
            frame[name] = np.asarray(values, dtype=float)
        else:
            listed[name] = list(dict.fromkeys(values))
            frame[name] = pd.Categorical(values, categories=listed[name])
    return pd.DataFrame(frame), listed


def _box_limits(lims: Any, first: Any, frame: Any, listed: dict[str, list[Any]],
                quasi_p: dict[str, list[float]]) -> tuple[Limit, ...]:
    """A box's limits, setting by setting, from PRIM's (``lims``; ``first``: the box holding every run). A
    listed setting of one value, which PRIM leaves out, keeps that value, unrestricted."""
    limits = []
    for name in frame.columns:
        qp = [p for p in quasi_p.get(name, []) if p >= 0]     # -1: that side of the limit is not restricted
        if name in listed:
            kept = set(lims[name].iloc[0]) if name in lims.columns else set(listed[name])
            values = tuple(v for v in listed[name] if v in kept)
            restricted = len(values) < len(listed[name])
            limits.append(Limit(name, values=values, restricted=restricted,
                                quasi_p=max(qp) if restricted and qp else None))
        else:
            low, high = float(lims[name].iloc[0]), float(lims[name].iloc[1])
            restricted = low > float(first[name].iloc[0]) or high < float(first[name].iloc[1])
            # PRIM's limits fall between the values the runs took (0.25 between a grid's 0.1 and 0.4): the
            # box is reported by the values it keeps, the least and the most a run took within its limits
            taken = frame[name].to_numpy()
            low, high = float(taken[taken >= low].min()), float(taken[taken <= high].max())
            limits.append(Limit(name, low, high, None, restricted, max(qp) if restricted and qp else None))
    return tuple(limits)


def prim(settings: dict[str, Sequence[Any]], formed: Sequence[bool], alpha: float = ALPHA,
         min_mass: float = MIN_MASS, tolerance: float = TOLERANCE) -> Discovery:
    """PRIM on runs (the EMA Workbench's): ``settings`` maps each setting to its value in every run,
    ``formed`` says whether the agreement formed in that run. Peels and pastes by ``alpha``, down to
    ``min_mass`` of the runs; reports the largest box within ``tolerance`` of the highest density."""
    y = np.asarray(formed, dtype=bool)
    n, hits = len(y), int(y.sum())
    if n == 0 or hits in (0, n):
        return Discovery(None, [], n, hits, "the agreement formed in " + ("no run" if hits == 0 else "every run")
                         + ": there is no box to find")
    with warnings.catch_warnings():        # the workbench warns on import of the parts it cannot offer here
        warnings.simplefilter("ignore")
        from ema_workbench.analysis.prim import Prim
    frame, listed = _frame(settings)
    with warnings.catch_warnings():        # its own use of pandas' deprecated forms is not the report's concern
        warnings.simplefilter("ignore")
        found = Prim(frame, y, peel_alpha=alpha, paste_alpha=alpha, mass_min=min_mass).find_box()
    path = found.peeling_trajectory
    trajectory = [Box(_box_limits(found.box_lims[i], found.box_lims[0], frame, listed, found.p_values[i]),
                      float(path.loc[i, "coverage"]), float(path.loc[i, "density"]), float(path.loc[i, "mass"]), i)
                  for i in range(len(path))]
    top = max(b.density for b in trajectory)
    chosen = next(b for b in trajectory if b.density >= top - tolerance)
    return Discovery(chosen, trajectory, n, hits)


def run_table(data: Any) -> tuple[dict[str, list[Any]], list[bool]]:
    """The finished runs of a sweep (SweepData) as setting -> value per run, and whether each formed."""
    settings: dict[str, list[Any]] = {s.path: [] for s in data.settings}
    formed: list[bool] = []
    for point in data.points.values():
        for run_formed in point.formed_runs:
            for path, column in settings.items():
                column.append(point.values.get(path))
            formed.append(bool(run_formed))
    return settings, formed


def _number(value: float) -> str:
    return f"{value:.4g}"


def limit_words(limit: Limit, label: str) -> str:
    label = label if label[1:2].isupper() else label[:1].lower() + label[1:]
    if limit.values is not None:
        return f"{label} in {{{', '.join(map(str, limit.values))}}}"
    if limit.low == limit.high:
        return f"{label} = {_number(limit.low)}"
    return f"{label} from {_number(limit.low)} to {_number(limit.high)}"


def summary_line(result: Discovery, labels: dict[str, str]) -> str:
    """One line in words: the box, its density, coverage and mass."""
    head = f"scenario discovery (PRIM, alpha {ALPHA}, minimum mass {MIN_MASS}, {result.runs} runs): "
    if result.box is None:
        return head + result.note
    box = result.box
    restricted = [limit_words(lim, labels.get(lim.setting, lim.setting)) for lim in box.limits if lim.restricted]
    if not restricted:
        return head + _no_box_words(result)
    where = "; ".join(restricted)
    return (head + f"the agreement forms in {box.density:.0%} of the runs where {where} (density), against "
            f"{result.formed / result.runs:.0%} overall; the box holds {box.mass:.0%} of the runs (mass) and "
            f"{box.coverage:.0%} of the agreements (coverage)" + _chance_words(box, labels))


def _no_box_words(result: Discovery) -> str:
    """The words for a chosen box that restricts nothing: no box of the trajectory is denser than all the
    runs by more than ``TOLERANCE`` (the densest one named, as peeling may have raised the density a little)."""
    overall = result.formed / result.runs
    densest = max(result.trajectory, key=lambda b: b.density)
    most = ("peeling raised the density nowhere" if densest.density <= overall else
            f"the densest box of the peeling, {densest.density:.1%} in {densest.mass:.0%} of the runs, is within "
            f"{TOLERANCE} of it")
    return (f"no box of settings: the agreement forms in {overall:.1%} of all the runs, and no restriction of the "
            f"settings raises that by more than {TOLERANCE} ({most})")


def _chance_words(box: Box, labels: dict[str, str]) -> str:
    """The box's limits against chance, in words: which limits' quasi-p-values exceed ``SIGNIFICANT``."""
    restricted = [lim for lim in box.limits if lim.restricted and lim.quasi_p is not None]
    if not restricted:
        return ""
    weak = [lim for lim in restricted if lim.quasi_p > SIGNIFICANT]
    if not weak:
        return f"; every limit's quasi-p-value is below {SIGNIFICANT} (none looks like chance)"
    named = ", ".join(f"{labels.get(lim.setting, lim.setting)} ({lim.quasi_p:.2g})" for lim in weak)
    limits = "the limit on" if len(weak) == 1 else "the limits on"
    return f"; not distinguishable from chance (quasi-p-value above {SIGNIFICANT}): {limits} {named}"


def table_rows(result: Discovery, labels: dict[str, str]) -> list[list[str]]:
    """Rows of discovery.csv: one a setting of the chosen box with its limits and the box's numbers."""
    if result.box is None:
        return []
    box = result.box
    return [[lim.setting, labels.get(lim.setting, lim.setting),
             "" if lim.values is not None else _number(lim.low), "" if lim.values is not None else _number(lim.high),
             " | ".join(map(str, lim.values)) if lim.values is not None else "", "yes" if lim.restricted else "no",
             "" if lim.quasi_p is None else f"{lim.quasi_p:.6g}",
             f"{box.coverage:.6g}", f"{box.density:.6g}", f"{box.mass:.6g}"] for lim in box.limits]


TABLE_HEADER = ["setting", "label", "low", "high", "values", "restricted", "quasi_p", "coverage", "density", "mass"]
TRAJECTORY_HEADER = ["step", "coverage", "density", "mass", "restricted_settings", "chosen"]


def trajectory_rows(result: Discovery) -> list[list[str]]:
    return [[str(b.step), f"{b.coverage:.6g}", f"{b.density:.6g}", f"{b.mass:.6g}",
             " ".join(lim.setting for lim in b.limits if lim.restricted), "yes" if b is result.box else ""]
            for b in result.trajectory]


def plot_trajectory(result: Discovery, title: str, stem: Any, formats: Sequence[str]) -> list[Any]:
    """The peeling trajectory: density against coverage of each box, the chosen one marked."""
    from tppgame.experiments.sweep_figures import new_figure, save, wrap

    figure = new_figure(6.4, 4.8)
    ax = figure.add_subplot()
    coverage = [b.coverage for b in result.trajectory]
    density = [b.density for b in result.trajectory]
    points = ax.scatter(coverage, density, c=[b.mass for b in result.trajectory], cmap="viridis", vmin=0, vmax=1,
                        s=22)
    ax.plot(coverage, density, color="grey", linewidth=0.8, alpha=0.6)
    if result.box is not None:
        ax.plot([result.box.coverage], [result.box.density], "o", markersize=12, markerfacecolor="none",
                markeredgecolor="tab:red", label="box reported")
        figure.legend(loc="outside lower center", fontsize="small", frameon=False)
    bar = figure.colorbar(points, ax=ax)
    bar.set_label("mass (share of all runs in the box)")
    ax.set_xlabel("coverage (share of the agreements inside the box)")
    ax.set_ylabel("density (share of the box's runs with an agreement)")
    ax.set_xlim(0, 1.03)
    ax.set_ylim(0, 1.03)
    ax.grid(alpha=0.3)
    ax.set_title(f"{wrap('Scenario discovery: PRIM trajectory for the agreement forming', 60)}\n"
                 f"{wrap(title, 60)}", fontsize="medium")
    return save(figure, stem, formats)


def plot_box(result: Discovery, labels: dict[str, str], title: str, stem: Any, formats: Sequence[str]) -> list[Any]:
    """The box reported, a row per setting: its whole range over the runs (grey, scaled from 0 to 1) and the
    part the box keeps (blue), with the limits written at the ends (for listed values, each value's
    place, kept or not); the box's density, coverage and mass in the title. None drawn without a box."""
    from tppgame.experiments.sweep_figures import new_figure, save, wrap

    if result.box is None:
        return []
    whole = {lim.setting: lim for lim in result.trajectory[0].limits}
    limits = result.box.limits
    figure = new_figure(7.2, 1.6 + 0.75 * len(limits))
    ax = figure.add_subplot()
    for row, lim in enumerate(limits):
        full = whole[lim.setting]
        colour = "tab:blue" if lim.restricted else "tab:grey"
        ax.barh(row, 1.0, 0.5, color="#dddddd")
        if lim.values is None:
            span = full.high - full.low
            low = (lim.low - full.low) / span if span > 0 else 0.0
            high = (lim.high - full.low) / span if span > 0 else 1.0
            ax.barh(row, max(high - low, 0.01), 0.5, left=low - (0.005 if high == low else 0.0), color=colour)
            ax.text(low, row + 0.3, _number(lim.low), ha="center", va="top", fontsize="x-small")
            if high != low:
                ax.text(high, row + 0.3, _number(lim.high), ha="center", va="top", fontsize="x-small")
        else:
            options = list(full.values or ())
            for k, value in enumerate(options):
                left, width = k / len(options), 1 / len(options)
                if value in lim.values:
                    ax.barh(row, width * 0.96, 0.5, left=left + width * 0.02, color=colour)
                ax.text(left + width / 2, row + 0.3, str(value), ha="center", va="top", fontsize="x-small")
    ax.set_yticks(range(len(limits)), [wrap(labels.get(lim.setting, lim.setting), 34) for lim in limits],
                  fontsize="small")
    ax.set_ylim(len(limits) - 0.2, -0.5)
    ax.set_xlim(-0.05, 1.05)
    ax.set_xticks([0, 1], ["lowest value swept", "highest value swept"], fontsize="small")
    ax.set_xlabel("each setting's range over the runs (blue: the box; grey: not restricted)")
    box = result.box
    ax.set_title(f"{wrap('Scenario discovery: the box of settings where the agreement forms', 60)}\n"
                 f"{wrap(f'density {box.density:.0%}, coverage {box.coverage:.0%}, mass {box.mass:.0%}', 60)}\n"
                 f"{wrap(title, 60)}", fontsize="medium")
    return save(figure, stem, formats)
