"""The report of a tournament (:mod:`tppgame.experiments.tournament`): tables, a plot, a summary.

From the tournament's stores (finished or partly) it writes to the tournament's folder:

* ``games.csv`` / ``games.parquet``: one row per game (scenario, seat, negotiator, replicate,
  seed and the seated country's measures, its welfare gain in % of its 2013 GDP and US$ m among them);
* ``ranking.csv`` / ``ranking.parquet``: per (scenario, seat, negotiator) the mean of each
  measure with a 95% t-interval over the replicate seeds, ranked by the seat's gain over its
  outside option; when there is more than one (scenario, seat), rows ``all``/``all`` per
  negotiator pool them (each replicate's measures averaged over the cells first, then the
  interval over replicates);
* ``ranking.png`` (300 dpi) and ``ranking.pdf``: each measure's means and intervals per negotiator, one colour per seat;
* ``summary.txt``: a few lines saying who ranks where.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tppgame.experiments.store import read_runs
from tppgame.experiments.sweep_agreement import t_interval, within_noise
from tppgame.experiments.tournament import Tournament

# (name in the tables, the store's column, words for the plot and the summary)
MEASURES = (("gain", "seat_gain", "utility over outside option"),
            ("formed", "formed", "share of games the agreement formed"),
            ("agreement_rate", "seat_agreement_rate", "its talks' agreement rate (deals / talks met)"),
            ("deal_round", "seat_deal_round", "mean round of its deals"),
            ("nash_distance", "seat_nash_distance", "distance of its deals to the Nash point"),
            ("joint_gain", "seat_joint_gain", "pair's joint gain over reservations"),
            ("welfare_pct_gdp", "welfare_pct_gdp_SEAT", "its welfare gain, % of its 2013 GDP"))
PLOTTED = ("gain", "agreement_rate", "nash_distance", "joint_gain")
# each plotted measure's axis: what is measured and in what unit
AXES = {"gain": "seat's utility less its outside option (utility)",
        "agreement_rate": "deals closed / talks met (share, 0 to 1)",
        "nash_distance": "distance in the zone scaled to a unit square (0 = the Nash point)",
        "joint_gain": "both sides' utility over their reservations, added (utility)"}
GAME_COLUMNS = ("scenario", "seat", "negotiator", "rep", "seed", "status", "error", "formed", "gain", "utility",
                "outside_option", "signatory", "talks_met", "deals", "agreement_rate", "deal_round",
                "nash_distance", "joint_gain", "welfare_pct_gdp", "welfare_usd_m", "deal_details")


@dataclass(frozen=True)
class TournamentReport:
    """Where the report went, and its summary lines."""

    games_csv: Path
    ranking_csv: Path
    parquet: tuple[Path, ...]
    plots: tuple[Path, ...]           # ranking.png (300 dpi) and ranking.pdf; none without a gain to plot
    summary: Path
    lines: tuple[str, ...]


# --------------------------------------------------------------------- tables
def game_rows(tournament: Tournament) -> list[dict[str, Any]]:
    """Every stored game of the tournament, tidy: one row per game, in plan order."""
    rows = []
    for label, seat, _ in tournament.plans:
        folder = tournament.folder(label, seat)
        if not (folder / "sweep.sqlite").exists():
            continue
        for run in read_runs(folder):
            rows.append({
                "scenario": label, "seat": seat, "negotiator": run[f"countries.{seat}.tactic"], "rep": run["rep"],
                "seed": run["seed"], "status": run["status"], "error": run["error"], "formed": run["formed"],
                "gain": run["seat_gain"], "utility": run["seat_utility"], "outside_option": run["seat_outside_option"],
                "signatory": run["seat_signatory"], "talks_met": run["seat_talks_met"], "deals": run["seat_deals"],
                "agreement_rate": run["seat_agreement_rate"], "deal_round": run["seat_deal_round"],
                "nash_distance": run["seat_nash_distance"], "joint_gain": run["seat_joint_gain"],
                **seat_welfare(run, seat), "deal_details": run["seat_deal_details"]})
    return rows


def seat_welfare(run: dict[str, Any], seat: str) -> dict[str, float | None]:
    """The seated country's welfare gain in a stored game, as the sweep stored it (its column and its
    ``detail``): % of its 2013 GDP and US$ m; None for a game stored before the welfare account."""
    detail = json.loads(run["detail"]) if run.get("detail") else {}
    account = (detail.get(seat) or {}).get("welfare") or {}
    return {"welfare_pct_gdp": run.get(f"welfare_pct_gdp_{seat}"), "welfare_usd_m": account.get("total_usd_m")}


def _as_number(value: Any) -> float | None:
    return None if value is None else float(value)


def _summarise(scenario: str, seat: str, negotiator: str, games: list[dict[str, Any]], failed: int,
               per_rep: Callable[[list[dict[str, Any]], str], list[float | None]]) -> dict[str, Any]:
    row: dict[str, Any] = {"scenario": scenario, "seat": seat, "negotiator": negotiator, "rank": None,
                           "games": len(games), "failed": failed}
    for name, _, _ in MEASURES:
        row[f"{name}_mean"], row[f"{name}_lo"], row[f"{name}_hi"] = t_interval(per_rep(games, name))
    return row


def _one_per_game(games: list[dict[str, Any]], name: str) -> list[float | None]:
    return [_as_number(g[name]) for g in games]


def _cells_averaged_per_rep(games: list[dict[str, Any]], name: str) -> list[float | None]:
    """Per replicate, the mean over the cells (scenario, seat) where the measure is known."""
    return list(_by_rep(games, name).values())


def _by_rep(games: list[dict[str, Any]], name: str) -> dict[int, float]:
    """Replicate -> the measure, averaged over the games of that replicate where it is known (one game a
    replicate in a cell; one per cell when cells are pooled), in replicate order."""
    by_rep: dict[int, list[float]] = {}
    for g in games:
        if g[name] is not None:
            by_rep.setdefault(g["rep"], []).append(float(g[name]))
    return {rep: float(np.mean(v)) for rep, v in sorted(by_rep.items())}


def paired_gap(leader: dict[int, float], other: dict[int, float]) -> tuple[float | None, float | None,
                                                                           float | None, int]:
    """(mean, low, high, n): how far ``other`` falls behind ``leader`` (replicate -> gain), paired by
    replicate: each replicate's seed is the same for every negotiator (common seeds), so the seed's own
    luck cancels in the difference. The 95% t-interval of the mean difference over the ``n`` replicates
    both have (:func:`t_interval`)."""
    shared = [rep for rep in leader if rep in other]
    mean, low, high = t_interval([leader[rep] - other[rep] for rep in shared])
    return mean, low, high, len(shared)


def ranking_rows(tournament: Tournament, games: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per (scenario, seat, negotiator), then pooled per negotiator, each measure's mean and
    interval; ranked within each (scenario, seat) by mean gain (highest first, ties share a rank)."""
    ok = [g for g in games if g["status"] == "ok"]
    cells = [(label, seat) for label, seat, _ in tournament.plans]
    groups: list[list[dict[str, Any]]] = []
    for label, seat in cells:
        groups.append([_summarise(label, seat, name, [g for g in ok if (g["scenario"], g["seat"], g["negotiator"])
                                                      == (label, seat, name)],
                                  sum(1 for g in games if (g["scenario"], g["seat"], g["negotiator"]) == (label, seat, name)
                                      and g["status"] != "ok"), _one_per_game)
                       for name in tournament.negotiators])
    if len(cells) > 1:
        groups.append([_summarise("all", "all", name, [g for g in ok if g["negotiator"] == name],
                                  sum(1 for g in games if g["negotiator"] == name and g["status"] != "ok"),
                                  _cells_averaged_per_rep)
                       for name in tournament.negotiators])
    rows = []
    for group in groups:
        order = sorted(group, key=lambda r: (r["gain_mean"] is None, -(r["gain_mean"] or 0.0)))
        for row in order:       # ties share a rank (1 + how many did better by more than 1e-9)
            mean = row["gain_mean"]
            row["rank"] = None if mean is None else 1 + sum(
                1 for other in order if other["gain_mean"] is not None and other["gain_mean"] > mean + 1e-9)
        _behind_leader(order, ok)
        rows += order
    return rows


def _behind_leader(order: list[dict[str, Any]], ok: list[dict[str, Any]]) -> None:
    """Each row's gap in gain to the first-ranked negotiator of its group, paired by replicate
    (:func:`paired_gap`; the ``behind_leader`` columns, empty for the leader itself)."""
    def gains(row: dict[str, Any]) -> dict[int, float]:
        pooled = row["scenario"] == "all" and row["seat"] == "all"
        return _by_rep([g for g in ok if g["negotiator"] == row["negotiator"] and
                        (pooled or (g["scenario"], g["seat"]) == (row["scenario"], row["seat"]))], "gain")

    leader = order[0]
    first = gains(leader)
    for row in order:
        row["leader"] = leader["negotiator"]
        known = row is not leader and leader["gain_mean"] is not None and row["gain_mean"] is not None
        mean, low, high, _ = paired_gap(first, gains(row)) if known else (None, None, None, 0)
        row["behind_leader"], row["behind_leader_lo"], row["behind_leader_hi"] = mean, low, high


# --------------------------------------------------------------------- writing
def _write_csv(path: Path, columns: Sequence[str], rows: list[dict[str, Any]]) -> Path:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row[c]) for c in columns])
    os.replace(tmp, path)
    return path


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return value


def _write_parquet(path: Path, columns: Sequence[str], rows: list[dict[str, Any]]) -> Path | None:
    """The table as Parquet (pyarrow), or None without pyarrow; JSON cells as text."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return None
    data = {c: [json.dumps(r[c]) if isinstance(r[c], list | dict) else r[c] for r in rows] for c in columns}
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(pa.table(data), tmp)
    os.replace(tmp, path)
    return path


def ranking_columns() -> list[str]:
    """The ranking table's columns, in order."""
    columns = ["scenario", "seat", "negotiator", "rank", "games", "failed"]
    for name, _, _ in MEASURES:
        columns += [f"{name}_mean", f"{name}_lo", f"{name}_hi"]
    return columns + ["leader", "behind_leader", "behind_leader_lo", "behind_leader_hi"]


def plot_ranking(rows: list[dict[str, Any]], stem: Path) -> tuple[Path, ...]:
    """:func:`ranking_figure` written as ``stem.png`` (300 dpi) and ``stem.pdf``, as a sweep report's
    figures are (:func:`tppgame.experiments.sweep_figures.save`); none without matplotlib."""
    from tppgame.experiments.sweep_figures import DEFAULT_FORMATS, save

    figure = ranking_figure(rows)
    return () if figure is None else tuple(save(figure, stem, DEFAULT_FORMATS))


def ranking_figure(rows: list[dict[str, Any]]) -> Any:
    """One panel per plotted measure: each negotiator's mean with its 95% interval, one colour
    per (scenario, seat); negotiators ordered by their overall rank; each axis says what it measures
    in what unit (:data:`AXES`). None without matplotlib."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return None
    cells = list(dict.fromkeys((r["scenario"], r["seat"]) for r in rows))
    overall = [r for r in rows if (r["scenario"], r["seat"]) == cells[-1]]
    names = [r["negotiator"] for r in overall][::-1]          # the best at the top
    words = {name: text for name, _, text in MEASURES}
    panel_height = 1.0 + 0.4 * len(names) * max(1.0, len(cells) / 3)
    figure = Figure(figsize=(11, 1.2 + 2 * panel_height), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(2, len(PLOTTED) // 2, sharey=True).ravel()
    step = 0.7 / max(len(cells), 1)
    for ax, measure in zip(axes, PLOTTED):
        for k, cell in enumerate(cells):
            found = {r["negotiator"]: r for r in rows if (r["scenario"], r["seat"]) == cell}
            ys, xs, lo, hi = [], [], [], []
            for y, name in enumerate(names):
                row = found.get(name)
                if row is None or row[f"{measure}_mean"] is None:
                    continue
                mean = row[f"{measure}_mean"]
                ys.append(y + (k - (len(cells) - 1) / 2) * step)
                xs.append(mean)
                lo.append(mean - (row[f"{measure}_lo"] if row[f"{measure}_lo"] is not None else mean))
                hi.append((row[f"{measure}_hi"] if row[f"{measure}_hi"] is not None else mean) - mean)
            label = "all seats" if cell == ("all", "all") else f"{cell[1]} ({cell[0]})"
            ax.errorbar(xs, ys, xerr=[lo, hi], fmt="o", capsize=3, label=label,
                        color="black" if cell == ("all", "all") else None)
        ax.set_title(words[measure], fontsize=10)
        ax.set_xlabel(AXES[measure], fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    for ax in axes:
        ax.set_yticks(range(len(names)), names, fontsize=10)
        ax.tick_params(labelleft=True)
    axes[0].set_ylim(-0.6, len(names) - 0.4)
    handles, labels = axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 5), fontsize=9)
    figure.suptitle("Tournament: mean per negotiator with 95% t-interval over replicate seeds", fontsize=11)
    return figure


def _fmt(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{value:.0%}" if percent else f"{value:.4f}"


def summary_lines(tournament: Tournament, games: list[dict[str, Any]], rows: list[dict[str, Any]]) -> list[str]:
    """The text summary: what was played, then each cell's ranking by gain with its interval."""
    failed = sum(1 for g in games if g["status"] != "ok")
    lines = [f"tournament: {len(tournament.negotiators)} negotiators ({', '.join(tournament.negotiators)}) in "
             f"{len(tournament.seats)} seat{'s' * (len(tournament.seats) != 1)} ({', '.join(tournament.seats)}) of "
             f"{', '.join(tournament.scenarios)}, {tournament.reps} replicate seed{'s' * (tournament.reps != 1)}: "
             f"{len(games)} of {tournament.total} games stored, {failed} failed",
             "ranked by the seat's utility over its outside option (gain); 95% t-intervals over replicate seeds; "
             "each behind the first by the gap paired seed by seed (every negotiator plays the same seeds)"]
    for cell in dict.fromkeys((r["scenario"], r["seat"]) for r in rows):
        where = "all seats and scenarios pooled" if cell == ("all", "all") else f"{cell[0]}, {cell[1]} seat"
        lines.append(f"{where}:")
        for r in (r for r in rows if (r["scenario"], r["seat"]) == cell):
            interval = (f" ({_fmt(r['gain_lo'])} to {_fmt(r['gain_hi'])})" if r["gain_lo"] is not None else "")
            lines.append(f"  {r['rank'] or '-'}. {r['negotiator']}: gain {_fmt(r['gain_mean'])}{interval}, "
                         f"agreement rate {_fmt(r['agreement_rate_mean'], True)}, "
                         f"Nash distance {_fmt(r['nash_distance_mean'])}, formed {_fmt(r['formed_mean'], True)}"
                         f"{gap_words(r)}")
    return lines


def gap_words(row: dict[str, Any]) -> str:
    """The summary's words for a row's paired gap to its group's first: whether it is distinguishable from
    seed noise (its 95% interval excludes 0); nothing for the first itself or without a gap."""
    gap, low, high = row.get("behind_leader"), row.get("behind_leader_lo"), row.get("behind_leader_hi")
    if gap is None:
        return ""
    if low is None:
        return f"; {_fmt(gap)} behind {row['leader']} (one seed: no interval)"
    if low == high == 0.0:
        return f"; the same gain as {row['leader']} in every seed"
    verdict = "not distinguishable from seed noise" if within_noise(low, high) else "distinguishable from seed noise"
    return f"; {_fmt(gap)} behind {row['leader']} (paired, {_fmt(low)} to {_fmt(high)}): {verdict}"


def write_report(tournament: Tournament) -> TournamentReport:
    """Write games and ranking tables (CSV, Parquet), the plot and the summary to the tournament's folder."""
    out = tournament.out
    games = game_rows(tournament)
    rows = ranking_rows(tournament, games)
    games_csv = _write_csv(out / "games.csv", GAME_COLUMNS, games)
    ranking_csv = _write_csv(out / "ranking.csv", ranking_columns(), rows)
    parquet = tuple(p for p in (_write_parquet(out / "games.parquet", GAME_COLUMNS, games),
                                _write_parquet(out / "ranking.parquet", ranking_columns(), rows)) if p)
    plots = plot_ranking(rows, out / "ranking") if any(r["gain_mean"] is not None for r in rows) else ()
    lines = summary_lines(tournament, games, rows)
    summary = out / "summary.txt"
    summary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return TournamentReport(games_csv, ranking_csv, parquet, plots, summary, tuple(lines))
