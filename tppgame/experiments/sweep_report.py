"""Summaries of a parameter sweep: plots of the probability of agreement and global sensitivity indices.

``python run.py sweep-report DIR [--out DIR2] [--formats png,pdf,svg] [--outcomes NAME,NAME]`` reads the result store a
sweep left in DIR (finished or only partly) and writes into ``DIR/report/`` (or DIR2), every figure
in each of the formats (default png and pdf), the PNG at 300 dpi, with axes labelled in words and
units from the glossary (:mod:`tppgame.game.glossary`):

* ``agreement_<setting>``: the probability of agreement (the share of finished runs in which
  the agreement formed) against each varied setting, with a 95% Wilson confidence band: per value
  for a grid (and for listed values or ``choice`` in a sampled design, and for the four levels of
  each setting of a Morris design), per quantile bin (about 10) for a setting sampled from a
  distribution;
* ``heatmap_<a>__<b>``: for each pair of settings of a grid design, the probability of
  agreement over the two settings;
* ``agreement.csv``: the numbers behind the curves (runs, formed, probability, Wilson bounds and the
  design effect they count);
* ``sensitivity.csv``: global sensitivity indices of the probability of agreement, the round of
  conclusion, each country's utility and the welfare aggregates (or the outcomes ``--outcomes``
  names, such as ``welfare`` for each country's welfare gain), each first averaged over the
  replicates of a point.
  The method follows the design: Sobol first-order and total indices with SALib on a Sobol
  (Saltelli) design; on a full grid the exact first-order and total variance shares over the grid
  (the Sobol indices of the grid itself, each value equally likely); on a Latin hypercube SALib's
  RBD-FAST first-order indices; on a Morris design SALib's elementary-effects screening (mu*, its
  confidence, sigma and mu) over the trajectories whose every point has a finished run;
* ``morris_<output>`` (Morris design): mu* against sigma, one point per setting labelled in words, for
  the probability of agreement and the round of conclusion (or each outcome ``--outcomes`` names) (:mod:`tppgame.experiments.sweep_figures`);
  ``sobol_<output>`` (Sobol design): S1 and ST as bars with their 95% confidence intervals;
* ``discovery.csv``, ``discovery_trajectory.csv``, ``discovery_trajectory`` and ``discovery_box`` (two or
  more varied settings): scenario discovery, the box of settings in which the agreement forms, by PRIM (the
  EMA Workbench's) on the runs (:mod:`tppgame.experiments.sweep_discovery`): its limits per setting with their
  quasi-p-values, coverage, density and mass, with one line in the summary;
* ``summary.txt``: what is printed: runs read, failures, the overall probability of agreement,
  the table with its notes, and the files written.

The store is read by :mod:`tppgame.experiments.sweep_data`, the curves come from
:mod:`tppgame.experiments.sweep_agreement` and the indices from :mod:`tppgame.experiments.sweep_sensitivity`;
this module draws and writes them, and their names are importable from here too.
"""

from __future__ import annotations

import csv
import importlib.util
import math
import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tppgame.experiments.sweep_agreement import (Cell, agreement_curve, agreement_grid, pooled_design_effect,
                                                 value_label, wilson)
from tppgame.experiments.sweep_data import Point, ReportError, Setting, SweepData, load_sweep
from tppgame.experiments.sweep_discovery import (TABLE_HEADER, TRAJECTORY_HEADER, Discovery, plot_box, plot_trajectory,
                                                 prim, run_table, table_rows, trajectory_rows)
from tppgame.experiments.sweep_discovery import summary_line as discovery_line
from tppgame.experiments.sweep_figures import (lower, main_outputs, new_figure, parse_formats, plot_morris, plot_sobol,
                                               save, setting_words)
from tppgame.game.glossary import setting_label
from tppgame.experiments.sweep_sensitivity import (INSTALL_HINT, Effect, Index, Output, Sensitivity,
                                                   point_outputs, select_outputs, sensitivity)
from tppgame.experiments.sweep_variance import (ALL, ALPHA, Decomposition, Share, decomposition, interval_lines,
                                                morris_lines, share_lines, sobol_noise_floor)

REPORT_FOLDER = "report"
METHOD_NAMES = {"sobol": "sobol (SALib)", "grid": "grid variance shares", "rbd_fast": "rbd_fast (SALib)",
                "morris": "morris (SALib)", "none": ""}
# The numbers of sensitivity.csv per method (Index fields; Effect fields for Morris).
CSV_NUMBERS = {"morris": ("mu_star", "mu_star_conf", "sigma", "mu"),
               "sobol": ("S1", "S1_conf", "ST", "ST_conf", "ST_noise")}   # ST_noise: sobol_noise_floor
INDEX_NUMBERS = ("S1", "S1_conf", "ST", "ST_conf")
# The run-level variance shares of sensitivity.csv: all settings together (per output) and the setting alone.
SHARE_COLUMNS = ("all_settings_share", "seeds_share", "all_settings_p", "setting_share", "setting_p")


# --------------------------------------------------------------------- the table of indices
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


def _design_words(data: SweepData, runs: int) -> str:
    kind = {"grid": "grid", "lhs": "Latin hypercube", "sobol": "Sobol (Saltelli)",
            "morris": "Morris (elementary effects)"}.get(data.design, data.design)
    return f"{data.scenario}: {kind} design, {runs} finished run{'s' if runs != 1 else ''}"


def plot_curve(data: SweepData, setting: Setting, cells: Sequence[Cell], stem: Path,
               formats: Sequence[str] = ("png",)) -> list[Path]:
    """The probability of agreement against one setting with its 95% Wilson band, in each format."""
    figure = new_figure(7.2, 4.8)
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
        ax.set_xlabel(setting_words(setting.path, width=90))
    else:
        x = np.arange(len(cells))
        ax.errorbar(x, probability, yerr=[probability - low, high - probability], fmt="o", color="tab:blue",
                    ecolor="tab:blue", elinewidth=6, alpha=0.8, capsize=0, label="probability of agreement, with "
                    "95% Wilson interval")
        ax.set_xticks(x, [f"{c.label}\n({c.runs} runs)" for c in cells], rotation=30 if len(cells) > 4 else 0)
        ax.set_xlim(-0.6, len(cells) - 0.4)
        ax.set_xlabel(setting_words(setting.path, width=90))
    ax.set_ylim(-0.03, 1.03)
    ax.set_ylabel("Probability of agreement (share of runs)")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.grid(alpha=0.3)
    figure.legend(loc="outside lower center", ncols=3, fontsize="small", frameon=False)
    runs = sum(c.runs for c in cells)
    width = int(figure.get_figwidth() * 8.5)
    title = textwrap.fill(f"Probability of agreement against {lower(setting_label(setting.path, unit=False))}", width)
    ax.set_title(f"{title}\n{textwrap.fill(_design_words(data, runs), width)}", fontsize="medium")
    return save(figure, stem, formats)


def plot_heatmap(data: SweepData, first: Setting, second: Setting, stem: Path,
                 formats: Sequence[str] = ("png",)) -> tuple[np.ndarray, list[Path]]:
    """The probability of agreement over two settings of a grid, in each format; returns the probabilities
    and the files."""
    rows, cols, runs, formed = agreement_grid(data, first, second)
    with np.errstate(invalid="ignore", divide="ignore"):
        probability = np.where(runs > 0, formed / np.maximum(runs, 1), np.nan)
    figure = new_figure(max(6.4, 1.6 + 0.7 * len(cols)), max(4.4, 1.8 + 0.45 * len(rows)))
    ax = figure.add_subplot()
    import matplotlib

    cmap = matplotlib.colormaps["viridis"].with_extremes(bad="#dddddd")
    image = ax.imshow(np.ma.masked_invalid(probability), origin="lower", vmin=0.0, vmax=1.0, cmap=cmap,
                      aspect="auto", interpolation="nearest")
    ax.set_xticks(np.arange(len(cols)), [value_label(v) for v in cols], rotation=30 if len(cols) > 6 else 0)
    ax.set_yticks(np.arange(len(rows)), [value_label(v) for v in rows])
    ax.set_xlabel(setting_words(second.path, width=70))
    ax.set_ylabel(setting_words(first.path, width=45))
    if probability.size <= 225:
        for (r, c), p in np.ndenumerate(probability):
            text = "no runs" if math.isnan(p) else f"{p:.0%}"
            colour = "black" if math.isnan(p) or p > 0.6 else "white"
            ax.text(c, r, text, ha="center", va="center", fontsize="small", color=colour)
    bar = figure.colorbar(image, ax=ax)
    bar.set_label("Probability of agreement (share of runs)")
    bar.formatter = matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:.0%}")
    bar.update_ticks()
    width = int(figure.get_figwidth() * 8.5)
    title = textwrap.fill(f"Probability of agreement by {lower(setting_label(first.path, unit=False))} and "
                          f"{lower(setting_label(second.path, unit=False))}", width)
    ax.set_title(f"{title}\n{textwrap.fill(_design_words(data, int(runs.sum())), width)}", fontsize="medium")
    return probability, save(figure, stem, formats)


# --------------------------------------------------------------------- the report
@dataclass
class Report:
    data: SweepData
    sensitivity: Sensitivity
    variance: Decomposition
    curves: dict[str, list[Cell]]
    files: list[Path]
    lines: list[str]
    discovery: Discovery | None = None


def _number(value: float) -> str:
    return "" if value is None or math.isnan(value) else f"{value:.6g}"


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def make_report(folder: Path, out: Path | None = None, formats: str | Sequence[str] | None = None,
                outcomes: str | Sequence[str] | None = None) -> Report:
    """Read the sweep store in ``folder`` and write the plots and tables into ``out`` (default: folder/report),
    each figure in ``formats`` ("png,pdf" or a sequence; default png and pdf). ``outcomes`` ("NAME,NAME" or a
    sequence; :func:`~tppgame.experiments.sweep_sensitivity.select_outputs`) chooses the outcomes of the
    indices, the variance shares and the Morris and Sobol figures (default: the probability of agreement,
    the round of conclusion, the utilities and the welfare aggregates, figures of the first two)."""
    formats = parse_formats(formats if formats is None or isinstance(formats, str) else ",".join(formats))
    data = load_sweep(folder)
    chosen = select_outputs(data, outcomes if outcomes is None or isinstance(outcomes, str) else ",".join(outcomes))
    out = Path(out) if out is not None else Path(folder) / REPORT_FOLDER
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ReportError(f"sweep-report needs matplotlib: {INSTALL_HINT}") from None
    if len(data.settings) >= 2 and importlib.util.find_spec("ema_workbench") is None:
        raise ReportError(f"sweep-report's scenario discovery (two or more settings) needs the EMA Workbench: "
                          f"{INSTALL_HINT}")
    if out.exists() and not out.is_dir():
        raise ReportError(f"--out {out}: expected a folder, found a file")
    try:
        return _write_report(data, out, formats, chosen, outcomes is not None)
    except OSError as err:
        raise ReportError(f"--out {out}: could not write the report ({err.strerror or err})") from None


def _write_report(data: SweepData, out: Path, formats: Sequence[str], outputs: Sequence[Output],
                  chosen: bool = False) -> Report:
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    used: set[str] = set()

    def name(stem: str) -> Path:
        candidate, k = stem, 2
        while candidate in used:
            candidate, k = f"{stem}_{k}", k + 1
        used.add(candidate)
        return out / candidate

    curves: dict[str, list[Cell]] = {}
    for setting in data.settings:
        cells = agreement_curve(data, setting)
        curves[setting.path] = cells
        if cells:
            files += plot_curve(data, setting, cells, name(f"agreement_{_slug(setting.path)}"), formats)
    if data.design == "grid":
        for i, first in enumerate(data.settings):
            for second in data.settings[i + 1:]:
                stem = name(f"heatmap_{_slug(first.path)}__{_slug(second.path)}")
                files += plot_heatmap(data, first, second, stem, formats)[1]

    agreement_csv = out / "agreement.csv"
    _write_csv(agreement_csv, ["setting", "value", "bin_low", "bin_high", "runs", "formed", "probability",
                               "wilson_low", "wilson_high", "design_effect"],
               ([c.setting, c.label, _number(c.low_value) if c.low_value is not None else "",
                 _number(c.high_value) if c.high_value is not None else "", c.runs, c.formed,
                 _number(c.probability), _number(c.interval[0]), _number(c.interval[1]), _number(c.design_effect)]
                for cells in curves.values() for c in cells))
    files.append(agreement_csv)

    result = sensitivity(data, outputs)
    variance = decomposition(data, outputs)
    sensitivity_csv = out / "sensitivity.csv"
    _write_csv(sensitivity_csv, ["output", "setting", "method", *CSV_NUMBERS.get(result.method, INDEX_NUMBERS),
                                 *SHARE_COLUMNS], sensitivity_rows(data, result, variance, outputs))
    files.append(sensitivity_csv)
    title = _design_words(data, data.ok)
    for output in (main_outputs(result.rows, [o.name for o in outputs] if chosen else None)
                   if result.method in ("morris", "sobol") else []):
        stem = name(f"{result.method}_{output}")
        files += (plot_morris(result.rows, output, title, stem, formats) if result.method == "morris" else
                  plot_sobol(result.rows, output, title, stem, formats, sobol_noise_floor(data, output)))

    discovery, line = None, None
    if len(data.settings) >= 2:
        discovery = prim(*run_table(data))
        labels = {s.path: setting_label(s.path) for s in data.settings}
        line = discovery_line(discovery, labels)
        if discovery.box is not None:
            _write_csv(out / "discovery.csv", TABLE_HEADER, table_rows(discovery, labels))
            _write_csv(out / "discovery_trajectory.csv", TRAJECTORY_HEADER, trajectory_rows(discovery))
            files += [out / "discovery.csv", out / "discovery_trajectory.csv"]
            files += plot_trajectory(discovery, title, name("discovery_trajectory"), formats)
            files += plot_box(discovery, labels, title, name("discovery_box"), formats)

    summary = out / "summary.txt"
    files.append(summary)
    lines = summary_lines(data, result, outputs, files, variance, line)
    summary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Report(data, result, variance, curves, files, lines, discovery)


def sensitivity_rows(data: SweepData, result: Sensitivity, variance: Decomposition,
                     outputs: Sequence[Output]) -> list[list[str]]:
    """The rows of sensitivity.csv: an output and a setting with an index or a variance share, the indices
    (blank where there are none) then the run-level shares (blank where there is no replicate)."""
    numbers = CSV_NUMBERS.get(result.method, INDEX_NUMBERS)
    indices = {(r.output, r.setting): r for r in result.rows}
    shares: dict[tuple[str, str], Share] = {(s.output, s.setting): s for s in variance.shares}
    rows = []
    for output in outputs:
        floor = sobol_noise_floor(data, output.name) if "ST_noise" in numbers else None
        together = shares.get((output.name, ALL))
        for setting in data.settings:
            index, alone = indices.get((output.name, setting.path)), shares.get((output.name, setting.path))
            if index is None and together is None:
                continue
            rows.append([output.name, setting.path, METHOD_NAMES[result.method] if index else "",
                         *(_number(floor if n == "ST_noise" else getattr(index, n)) if index else ""
                           for n in numbers),
                         *((_number(together.explained), _number(together.seeds), _number(together.p))
                           if together else ("", "", "")),
                         *((_number(alone.explained), _number(alone.p)) if alone else ("", ""))])
    return rows


def summary_lines(data: SweepData, result: Sensitivity, outputs: Sequence[Output], files: Sequence[Path],
                  variance: Decomposition | None = None, discovery: str | None = None) -> list[str]:
    """The printed summary: runs, failures, overall probability of agreement, indices, the settings' and the
    seeds' shares of the runs' variance in words, notes, files."""
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
    effect = pooled_design_effect(data, [p for p in data.points.values() if p.runs])
    low, high = wilson(data.formed, data.ok, design_effect=effect)
    clusters = (f", the replicates of each point counted as one cluster (design effect {effect:.2f})"
                if effect > 1.0 else "")
    lines.append(f"probability of agreement overall: {data.formed / data.ok:.1%} ({data.formed} of {data.ok} "
                 f"finished runs; 95% Wilson interval {low:.1%} to {high:.1%}{clusters})")
    lines.append(f"sensitivity: {result.description}")
    lines += ["  " + line for line in sensitivity_table(result, outputs)]
    words = {o.name: o.label for o in outputs}
    against_noise = interval_lines(result, words, data)
    if against_noise:
        which = "ST, the whole effect" if result.method == "sobol" else "S1"
        floor = (", or with replicates what the seeds' noise alone gives ST"
                 if result.method == "sobol" and data.reps > 1 else "")
        lines.append(f"indices against noise (the 95% interval of {which}; an interval that reaches down to 0{floor}: "
                     "not distinguishable from noise):")
        lines += ["  " + line for line in against_noise]
    morris_noise = morris_lines(data, result, words)
    if morris_noise:
        lines.append(f"Morris effects against seed noise (F test of each setting's elementary effects against the "
                     f"variance within the points; p >= {ALPHA}: not distinguishable from seed noise):")
        lines += ["  " + line for line in morris_noise]
    variance = variance if variance is not None else Decomposition([], [])
    if variance.shares:
        lines.append(f"settings against seeds (share of the runs' variance, ANOVA F test against the variance within "
                     f"the points; p >= {ALPHA}: not distinguishable from seed noise):")
        lines += ["  " + line for line in share_lines(data, variance, words)]
    if discovery:
        lines.append(discovery)
    lines.append("notes:")
    lines += [f"  - {'an event overrides' if ' is set again by the event ' in warning else 'the games do not read'} "
              f"a swept setting, so read its indices with this in mind: {warning}" for warning in data.event_warnings]
    lines += [f"  - {note}" for note in result.notes + variance.notes]
    lines.append(f"wrote {len(files)} file{'s' if len(files) != 1 else ''}:")
    lines += [f"  {path}" for path in files]
    return lines


__all__ = ["ReportError", "Setting", "Point", "SweepData", "Cell", "Index", "Effect", "Sensitivity", "Share",
           "Decomposition", "Report",
           "load_sweep", "wilson", "agreement_curve", "agreement_grid", "point_outputs", "sensitivity", "decomposition",
           "make_report"]
