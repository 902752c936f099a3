"""Two scenarios side by side (``run.py compare``): their outcomes on one seed, or over many seeds
compared seed by seed.

One seed shows one game of each: a student reading "Mexico +0.216" cannot tell a scenario's effect
from that seed's luck (who proposed first, the order talks were booked). Over ``--seeds N`` both
scenarios play the same N seeds, and each measure is compared pair by pair: the mean difference over
the seeds with its 95% Student-t interval (:func:`tppgame.experiments.sweep_agreement.t_interval`), which
says whether the difference is distinguishable from seed noise. Shares (formed, in force) are compared
the same way, the difference of 0/1 values seed by seed; the round of agreement over the seeds where
both formed; text (the month, the members) by its commonest value.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tppgame.experiments.sweep_agreement import t_interval, within_noise
from tppgame.report import month_name

if TYPE_CHECKING:
    from tppgame.model import TPPModel

# the measures compared as shares of seeds (yes/no in each game)
SHARES = ("formed", "in_force")


def comparison_rows(models: list[TPPModel], names: list[str]) -> list[dict[str, Any]]:
    """One row per measure (outcome, then each country's utility and outside option), one column per run."""
    summaries = [m.summary() for m in models]
    rows: list[dict[str, Any]] = []

    def add(measure: str, values: list[Any]) -> None:
        rows.append({"measure": measure, **dict(zip(names, values))})

    add("formed", [s["formed"] for s in summaries])
    # the month each run ends: a shorter scenario (tokyo_2014 stops in June 2014) cannot form what
    # the baseline forms in 2015, and "formed no" alone reads as if it failed to
    add("last_month", [month_name(m.config.round_date(s["rounds"]).isoformat()) for m, s in zip(models, summaries)])
    add("round", [s["round"] if s["formed"] else "" for s in summaries])
    add("date", [month_name(s["date"]) if s["formed"] else "" for s in summaries])
    add("members", [" ".join(s["members"]) for s in summaries])
    add("gdp_share", [s["gdp_share"] for s in summaries])
    add("entry_rule", [m.config.entry_rule.name for m in models])
    add("in_force", [s["in_force"] for s in summaries])
    for code in models[0].countries:
        add(f"utility {code}", [s["countries"][code]["utility"] for s in summaries])
    for code in models[0].countries:
        add(f"outside_option {code}", [s["countries"][code]["outside_option"] for s in summaries])
    return rows


def comparison_table(rows: list[dict[str, Any]], names: list[str]) -> str:
    """The comparison as aligned text, utilities with a difference column."""
    width = max(22, *(len(n) for n in names))
    out = io.StringIO()
    out.write(f"{'':<22} " + " ".join(f"{n[:width]:>{width}}" for n in names) + f" {'2nd - 1st':>12}\n")
    for row in rows:
        values = [row[n] for n in names]
        cells = []
        for v in values:
            if row["measure"] == "members":
                cells.append(f"{len(v.split())} countries")
            elif isinstance(v, bool):
                cells.append("yes" if v else "no")
            elif isinstance(v, float):
                cells.append(f"{v:.3f}")
            else:
                cells.append(str(v))
        diff = ""
        if all(isinstance(v, float) for v in values):
            diff = f"{values[1] - values[0]:+.3f}"
        text = " ".join(f"{c[:width]:>{width}}" for c in cells)
        out.write(f"{row['measure']:<22} {text} {diff:>12}\n")
    return out.getvalue()


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _commonest(values: Sequence[Any], measure: str) -> str:
    """Text values as the commonest one, with in how many of the seeds where it is not the same in all:
    'August 2015 (12/30)', 'October 2016'; '-' for none."""
    shown = [f"{len(v.split())} countries" if measure == "members" else str(v) for v in values if v != ""]
    if not shown:
        return "-"
    value, count = Counter(shown).most_common(1)[0]
    return value if count == len(values) else f"{value} ({count}/{len(values)})"


def over_seeds_rows(per_seed: Sequence[list[dict[str, Any]]], names: list[str]) -> list[dict[str, Any]]:
    """The comparison over seeds, one row per measure, from each seed's :func:`comparison_rows`: each
    scenario's mean (a share for yes/no, the commonest value for text) and, for numbers and shares, the
    mean of the second's value less the first's, seed by seed, with its 95% t-interval (``low``,
    ``high``; None with fewer than two seeds) over the ``seeds`` where both have a value."""
    first, second = names
    rows = []
    for k, template in enumerate(per_seed[0]):
        measure = template["measure"]
        pairs = [(rows_of_seed[k][first], rows_of_seed[k][second]) for rows_of_seed in per_seed]
        row: dict[str, Any] = {"measure": measure}
        if measure in SHARES or all(_number(a) or a == "" for pair in pairs for a in pair):
            for name, column in ((first, 0), (second, 1)):
                row[name] = t_interval([float(p[column]) for p in pairs if p[column] != ""])[0]
            both = [(float(a), float(b)) for a, b in pairs if a != "" and b != ""]
            mean, low, high = t_interval([b - a for a, b in both])
            row.update(difference=mean, low=low, high=high, seeds=len(both))
        else:
            row.update({first: _commonest([a for a, _ in pairs], measure),
                        second: _commonest([b for _, b in pairs], measure)},
                       difference=None, low=None, high=None, seeds=len(pairs))
        rows.append(row)
    return rows


def over_seeds_table(rows: list[dict[str, Any]], names: list[str]) -> str:
    """The comparison over seeds as aligned text: each scenario's mean (shares in %), the mean difference
    seed by seed with its 95% interval, and "noise" where that interval includes 0."""
    width = max(22, *(len(n) for n in names))
    out = io.StringIO()
    out.write(f"{'':<22} " + " ".join(f"{n[:width]:>{width}}" for n in names)
              + f" {'2nd - 1st':>10} {'95% interval':>17}\n")
    for row in rows:
        share = row["measure"] in SHARES
        cells = [_shown(row[n], share) for n in names]
        diff = interval = ""
        if row["difference"] is not None:
            diff = f"{row['difference']:+.1%}" if share else f"{row['difference']:+.3f}"
        if row["low"] is not None:
            low, high = (f"{row[e]:+.1%}" if share else f"{row[e]:+.3f}" for e in ("low", "high"))
            interval = f"{low} to {high}" + (" noise" if within_noise(row["low"], row["high"]) else "")
        text = " ".join(f"{c[:width]:>{width}}" for c in cells)
        out.write(f"{row['measure']:<22} {text} {diff:>10} {interval:>17}\n".rstrip() + "\n")
    return out.getvalue()


def _shown(value: Any, share: bool) -> str:
    if value is None:
        return "-"
    if share:
        return f"{value:.0%}"
    return f"{value:.3f}" if _number(value) else str(value)
