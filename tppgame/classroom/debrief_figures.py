"""The debrief's figures, drawn with matplotlib once and kept twice: SVG for the HTML page, PNG for
the PDF (:class:`tppgame.classroom.documents.Figure`). Labels are set at 10-12 points on figures
sized for a printed A4 page, so nothing is too small to read on paper or a projector.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib
import numpy as np

from tppgame.classroom.documents import Figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure as MplFigure

    from tppgame.classroom.debrief import CountryOutcome, DealPoint

PANELS_PER_FIGURE = 6      # deals per small-multiples figure (3 columns x 2 rows fill an A4 page's width)
STYLE = {"font.size": 10, "axes.titlesize": 11, "axes.labelsize": 10, "xtick.labelsize": 9,
         "ytick.labelsize": 9, "legend.fontsize": 9.5, "svg.fonttype": "none", "svg.hashsalt": "tppgame"}
COLOURS = {"frontier": "#1f4e79", "zone": "#9ecae1", "reserve": "#d62728", "nash": "#2ca02c",
           "ks": "#ff7f0e", "deal": "#111111", "outside": "#7f7f7f", "needs": "#d62728", "utility": "#1f4e79"}


def _both(fig: MplFigure, caption: str) -> Figure:
    """The figure as SVG text and PNG bytes (no date or random id in either: the same game, the same files)."""
    svg, png = io.StringIO(), io.BytesIO()
    with matplotlib.rc_context(STYLE):
        fig.savefig(svg, format="svg", metadata={"Date": None})
        fig.savefig(png, format="png", dpi=160, metadata={"Software": None})
    return Figure(svg=svg.getvalue(), png=png.getvalue(), caption=caption)


def outcome_figure(outcomes: Sequence[CountryOutcome]) -> Figure:
    """Each member's utility against its outside option and what it needs to ratify, on one scale."""
    from matplotlib.figure import Figure as MplFigure

    rows = [o for o in outcomes if o.needs is not None]
    with matplotlib.rc_context(STYLE):
        fig = MplFigure(figsize=(7.2, 0.42 * len(rows) + 1.3), layout="constrained")
        ax = fig.add_subplot()
        y = list(range(len(rows)))[::-1]
        for k, o in zip(y, rows):
            ax.plot([o.outside_option, o.needs], [k, k], color="#cccccc", lw=5, solid_capstyle="butt", zorder=1)
        ax.scatter([o.outside_option for o in rows], y, marker="|", s=220, lw=2.2, color=COLOURS["outside"],
                   label="outside option", zorder=2)
        ax.scatter([o.needs for o in rows], y, marker="|", s=220, lw=2.2, color=COLOURS["needs"],
                   label="needs to ratify", zorder=2)
        ax.scatter([o.package for o in rows], y, marker="o", s=48, color=COLOURS["utility"],
                   label="utility of the package", zorder=3)
        ax.set_yticks(y, [f"{o.name} ({o.code})" for o in rows])
        ax.set_xlabel("utility (the game's scale: free trade with every partner, before costs, = 1)")
        ax.grid(axis="x", color="#e5e5e5")
        ax.legend(loc="lower right", frameon=True)
        ax.set_axisbelow(True)
    return _both(fig, "Each member's utility from the package (dot: as signed, or as it stood at the end) against "
                      "its outside option (grey bar) and what it needs to ratify (red bar): a dot right of the red "
                      "bar ratifies.")


def deal_figures(deals: Sequence[DealPoint]) -> list[Figure]:
    """Small multiples: per negotiated deal, the pair's frontier when it closed, the disagreement point
    (each side's reservation), the Nash and Kalai-Smorodinsky points and the deal."""
    drawn = [d for d in deals if d.curve is not None]
    return [_deal_panels(drawn[k:k + PANELS_PER_FIGURE], k, len(drawn))
            for k in range(0, len(drawn), PANELS_PER_FIGURE)]


def _view(deal: DealPoint) -> tuple[tuple[float, float], tuple[float, float]]:
    """The panel's limits: the zone of agreement (the frontier where both sides get at least their
    reservation) with the disagreement point, the benchmarks and the deal, and a margin around them."""
    u_a, u_b = deal.curve
    inside = (u_a >= deal.reserve[0]) & (u_b >= deal.reserve[1])
    points = [deal.reserve, deal.utility] + [p for p in (deal.nash, deal.ks) if p is not None]
    xs = [p[0] for p in points] + u_a[inside].tolist()
    ys = [p[1] for p in points] + u_b[inside].tolist()
    limits = []
    for values in (xs, ys):
        lo, hi = min(values), max(values)
        pad = max(0.3 * (hi - lo), 1e-3 * max(abs(lo), abs(hi)), 1e-9)
        limits.append((lo - pad, hi + pad))
    return limits[0], limits[1]


def _scale(lo: float, hi: float) -> float:
    """A power of ten for an axis that keeps its tick labels short: 1 unless its values are all below
    0.1, else the power that brings its ticks' steps to between 0.1 and 10."""
    largest = max(abs(lo), abs(hi))
    if largest >= 0.1:
        return 1.0
    return float(10.0 ** np.floor(np.log10(max(hi - lo, 1e-300))))


def _unit(scale: float) -> str:
    """The axis label's note of its scale: '' or ' (x 1e-4)'."""
    return "" if scale == 1.0 else f" (x 1e{round(float(np.log10(scale)))})"


def _deal_panels(deals: Sequence[DealPoint], first: int, total: int) -> Figure:
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    columns = min(3, len(deals))
    rows = -(-len(deals) // columns)
    with matplotlib.rc_context(STYLE):
        fig = MplFigure(figsize=(2.45 * columns + 0.3, 2.55 * rows + 0.75), layout="constrained")
        for k, deal in enumerate(deals):
            ax = fig.add_subplot(rows, columns, k + 1)
            (x_lo, x_hi), (y_lo, y_hi) = _view(deal)
            scale = np.array([_scale(x_lo, x_hi), _scale(y_lo, y_hi)])
            u_a, u_b = (v / s for v, s in zip(deal.curve, scale))
            reserve, point = np.array(deal.reserve) / scale, np.array(deal.utility) / scale
            ax.plot(u_a, u_b, color=COLOURS["frontier"], lw=1.8)
            inside = (u_a >= reserve[0]) & (u_b >= reserve[1])
            ax.plot(u_a[inside], u_b[inside], color=COLOURS["zone"], lw=6, alpha=0.9, zorder=1)
            ax.axvline(reserve[0], color=COLOURS["reserve"], lw=0.8, ls=":")
            ax.axhline(reserve[1], color=COLOURS["reserve"], lw=0.8, ls=":")
            ax.plot(*reserve, "s", color=COLOURS["reserve"], ms=6)
            if deal.nash is not None:
                ax.plot(*(np.array(deal.nash) / scale), "o", color=COLOURS["nash"], ms=9, mfc="none", mew=2)
            if deal.ks is not None:
                ax.plot(*(np.array(deal.ks) / scale), "D", color=COLOURS["ks"], ms=6, mfc="none", mew=1.6)
            ax.plot(*point, "*", color=COLOURS["deal"], ms=11)
            ax.set_xlim(x_lo / scale[0], x_hi / scale[0])
            ax.set_ylim(y_lo / scale[1], y_hi / scale[1])
            ax.set_title(f"{deal.a}-{deal.b}, {deal.month}" + (" (side deal)" if deal.kind == "standalone" else ""))
            ax.set_xlabel(f"{deal.a}'s gain{_unit(scale[0])}")
            ax.set_ylabel(f"{deal.b}'s gain{_unit(scale[1])}")
            ax.ticklabel_format(style="plain", useOffset=False)
            ax.xaxis.set_major_locator(MaxNLocator(3))
            ax.yaxis.set_major_locator(MaxNLocator(5))
            ax.tick_params(labelsize=8.5)
            ax.grid(color="#eeeeee")
        handles = [Line2D([], [], color=COLOURS["frontier"], lw=1.8, label="frontier"),
                   Line2D([], [], color=COLOURS["zone"], lw=5, label="zone of agreement"),
                   Line2D([], [], marker="s", ls="", color=COLOURS["reserve"], label="disagreement point"),
                   Line2D([], [], marker="o", ls="", mfc="none", mew=2, color=COLOURS["nash"], label="Nash"),
                   Line2D([], [], marker="D", ls="", mfc="none", color=COLOURS["ks"], label="Kalai-Smorodinsky"),
                   Line2D([], [], marker="*", ls="", ms=11, color=COLOURS["deal"], label="the deal")]
        fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False)
    span = f"deals {first + 1}-{first + len(deals)} of {total}" if total > len(deals) else "each deal"
    return _both(fig, f"The pair's Pareto frontier when the deal closed ({span}): each side's gain from the talk; "
                      "the disagreement point is what each needs from it to ratify (the Nash and Kalai-Smorodinsky "
                      "points are measured from it); the star is what they agreed.")
