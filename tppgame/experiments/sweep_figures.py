"""Paper-ready figures of a sweep report: file formats, labels in words, Morris and Sobol plots.

* :func:`parse_formats` reads ``--formats png,pdf,svg`` (default png and pdf); every figure is
  saved once per format by :func:`save`, the PNG at 300 dpi (written in its pHYs chunk).
* Axis labels come from the one glossary, :mod:`tppgame.game.glossary` (settings and outcomes in
  words with their units).
* :func:`plot_morris`: Morris screening as a mu*-sigma plot, one point per setting labelled in
  words, with mu*'s bootstrap 95% confidence as a horizontal bar. mu* (the mean absolute
  elementary effect) ranks the settings by influence; sigma (the spread of the effects) is large
  against mu* when the effect depends on where the other settings stand (interaction) or is not
  linear: points above the dashed line sigma = mu* are dominated by that.
* :func:`plot_sobol`: Sobol first-order (S1) and total (ST) indices as bars per setting with
  their 95% confidence intervals (SALib's bootstrap); ST well above S1 marks interactions.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tppgame.experiments.sweep_data import ReportError
from tppgame.game.glossary import outcome_label, setting_label

FORMATS = ("png", "pdf", "svg")
DEFAULT_FORMATS = ("png", "pdf")
DPI = 300
# the outcomes drawn as Morris and Sobol plots (those with indices; else the first output that has some)
MAIN_OUTPUTS = ("agreement_probability", "conclusion_round")


def parse_formats(text: str | None) -> tuple[str, ...]:
    """``png,pdf`` -> ("png", "pdf"); an unknown or empty list raises ReportError (one line)."""
    if text is None:
        return DEFAULT_FORMATS
    names = [part.strip().lower().lstrip(".") for part in text.split(",") if part.strip()]
    unknown = [n for n in names if n not in FORMATS]
    if unknown or not names:
        raise ReportError(f"--formats {text}: unknown format {', '.join(unknown) or '(none given)'}; "
                          f"choose from {', '.join(FORMATS)}")
    return tuple(dict.fromkeys(names))


def new_figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def save(figure: Any, stem: Path, formats: Sequence[str]) -> list[Path]:
    """Write ``figure`` as ``stem.<format>`` for each format (raster at 300 dpi); returns the paths."""
    paths = []
    for fmt in formats:
        path = stem.with_name(f"{stem.name}.{fmt}")
        figure.savefig(path, format=fmt, dpi=DPI, metadata=None)
        paths.append(path)
    return paths


def wrap(text: str, width: int = 48) -> str:
    return textwrap.fill(text, width)


def lower(text: str) -> str:
    """The first letter in lower case, unless the first word is an acronym or a name."""
    return text if text[1:2].isupper() or text.split(" ")[0].endswith(("'s", "'")) else text[:1].lower() + text[1:]


def setting_words(path: str, unit: bool = True, width: int = 60) -> str:
    return wrap(setting_label(path, unit), width)


def main_outputs(rows: Sequence[Any], chosen: Sequence[str] | None = None) -> list[str]:
    """The outputs to draw: those ``chosen`` (``--outcomes``) that have indices; else the probability of
    agreement and the round of conclusion where they have indices, else the first output with some."""
    present = list(dict.fromkeys(r.output for r in rows))
    if chosen is not None:
        return [o for o in chosen if o in present]
    picked = [o for o in MAIN_OUTPUTS if o in present]
    return picked or present[:1]


def plot_morris(rows: Sequence[Any], output: str, title: str, stem: Path, formats: Sequence[str]) -> list[Path]:
    """mu* against sigma of one output, one point per setting (Effect rows of that output)."""
    rows = [r for r in rows if r.output == output]
    figure = new_figure(7.6, 5.6)
    ax = figure.add_subplot()
    mu_star = np.array([r.mu_star for r in rows])
    sigma = np.array([r.sigma for r in rows])
    conf = np.nan_to_num(np.array([r.mu_star_conf for r in rows]))
    ax.errorbar(mu_star, sigma, xerr=conf, fmt="o", color="tab:blue", ecolor="tab:blue", alpha=0.8, capsize=3,
                label="setting (bar: 95% bootstrap confidence of mu*)")
    top = float(max(np.nanmax(mu_star + conf), np.nanmax(sigma), 1e-12)) * 1.15
    ax.plot([0, top], [0, top], "--", color="grey", linewidth=1, label="sigma = mu*")
    placed: list[tuple[float, float]] = []
    for r, x, y in zip(rows, mu_star, sigma, strict=True):
        # labels of points that (nearly) coincide are stacked upwards instead of written over each other
        near = sum(1 for px, py in placed if abs(px - x) < 0.08 * top and abs(py - y) < 0.08 * top)
        placed.append((x, y))
        right = x > 0.6 * top
        ax.annotate(wrap(setting_label(r.setting, unit=False), 34), (x, y), xytext=(-5 if right else 5, 4 + 30 * near),
                    textcoords="offset points", fontsize="x-small", ha="right" if right else "left")
    ax.set_xlim(-0.03 * top, top)
    ax.set_ylim(-0.03 * top, top)
    unit = outcome_label(output, unit=False)
    ax.set_xlabel(wrap(f"mu*: mean absolute elementary effect on {lower(unit)} (its units per whole range "
                       "of the setting)", 80))
    ax.set_ylabel(wrap("sigma: standard deviation of the elementary effects", 40))
    ax.grid(alpha=0.3)
    figure.legend(loc="outside lower center", ncols=2, fontsize="small", frameon=False)
    ax.set_title(f"{wrap('Morris screening of ' + lower(outcome_label(output)), 72)}\n{wrap(title, 72)}",
                 fontsize="medium")
    return save(figure, stem, formats)


def plot_sobol(rows: Sequence[Any], output: str, title: str, stem: Path, formats: Sequence[str],
               floor: float | None = None) -> list[Path]:
    """Sobol S1 and ST of one output as bars per setting, with 95% confidence intervals, and a dashed line at
    ``floor``, what the seeds' noise alone gives ST (:func:`~tppgame.experiments.sweep_variance.sobol_noise_floor`),
    where there is one: an ST whose interval reaches it is not told from noise."""
    rows = [r for r in rows if r.output == output]
    figure = new_figure(7.6, max(3.6, 1.8 + 0.8 * len(rows)))
    ax = figure.add_subplot()
    y = np.arange(len(rows))
    height = 0.38
    for offset, key, colour, name in ((-height / 2, "S1", "tab:blue", "first order (S1)"),
                                      (height / 2, "ST", "tab:orange", "total (ST)")):
        values = np.array([getattr(r, key) for r in rows])
        conf = np.nan_to_num(np.array([getattr(r, f"{key}_conf") for r in rows]))
        ax.barh(y + offset, values, height, xerr=conf, color=colour, alpha=0.85, capsize=3,
                error_kw={"elinewidth": 1}, label=name)
    ax.set_yticks(y, [setting_words(r.setting, unit=False, width=32) for r in rows], fontsize="small")
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.8)
    if floor is not None:
        ax.axvline(floor, color="tab:red", linestyle="--", linewidth=1,
                   label=f"ST from the seeds' noise alone ({floor:.3f})")
    ax.set_xlabel(wrap(f"Sobol index: share of the variance of {lower(outcome_label(output, unit=False))} "
                       "(bars: 95% confidence interval)", 60))
    ax.grid(axis="x", alpha=0.3)
    figure.legend(loc="outside lower center", ncols=2 if floor is None else 3, fontsize="small", frameon=False)
    ax.set_title(f"{wrap('Sobol indices of ' + lower(outcome_label(output)), 60)}\n{wrap(title, 60)}",
                 fontsize="medium")
    return save(figure, stem, formats)
