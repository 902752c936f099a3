"""A sweep's runs: one game's stored outcome, and a chunk of runs played as an engine's task.

A chunk's games keep no log or per-round table (only the outcome is stored) and are played side by
side (:mod:`tppgame.experiments.lockstep`): the replicates of a point through the point's memo
(:mod:`tppgame.experiments.memo`), kept while the worker plays that point, and the points with a single
run in the chunk (a sampled design's) pooled with each other through the direct computation. A run
that raises is stored with its error instead of its outcome. :mod:`tppgame.experiments.sweep` hands the
chunks out and stores the rows; its names for these are importable from there too.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from tppgame.experiments.headlines import play
from tppgame.experiments.lockstep import play_together, worth_pooling
from tppgame.experiments.memo import SharedWork
from tppgame.experiments.store import WELFARE_PREFIX
from tppgame.experiments.sweep_plan import RunSpec
from tppgame.game.agreement import needed_to_ratify
from tppgame.game.scenario import Scenario
from tppgame.game.work import DIRECT, Work


# --------------------------------------------------------------------- one run
def outcome(summary: Mapping[str, Any], model: Any = None) -> dict[str, Any]:
    """The result columns of a finished game: formed, round and date, members, GDP share, in force,
    who would ratify and the hold-outs, utilities, welfare (:func:`welfare_columns`), and ``detail``:
    per country its utility, outside option, whether it would ratify (is among ``ratifying``), member
    and signatory, its concession per sector and its welfare account as the summary gives it (the
    summary's own numbers: the account is not computed again). With the ``model``, also
    ``deal_rounds``: the round of each closed deal, and per country in ``detail`` what it needed to
    ratify (:func:`ratification_needs`)."""
    members = list(summary["members"])
    ratifying, holdouts = list(summary.get("ratifying", [])), list(summary.get("holdouts", []))
    row = {"formed": bool(summary["formed"]), "round": summary["round"], "members": " ".join(members) or None,
           "n_members": len(members), "gdp_share": float(summary["gdp_share"]),
           "in_force": bool(summary["in_force"]), "date": summary.get("date"),
           "ratifying": " ".join(ratifying) or None, "n_ratifying": len(ratifying),
           "holdouts": " ".join(holdouts) or None, "n_holdouts": len(holdouts)}
    row.update({f"utility_{code}": float(c["utility"]) for code, c in summary["countries"].items()})
    row.update(welfare_columns(summary))
    row["detail"] = {code: {"utility": c["utility"], "outside_option": c.get("outside_option"),
                            "would_ratify": code in ratifying, "member": c.get("member"),
                            "signatory": c.get("signatory"), "concessions": c.get("concessions", {}),
                            "welfare": c.get("welfare")}
                     for code, c in summary["countries"].items()}
    if model is not None:
        row["deal_rounds"] = deal_rounds(model)
        row["deal_dates"] = deal_dates(model)
        for code, needs in ratification_needs(summary, model).items():
            row["detail"][code].update(needs)
    return row


def ratification_needs(summary: Mapping[str, Any], model: Any) -> dict[str, dict[str, Any]]:
    """Per country, the final package and what it needed to ratify it: ``package_utility``, the utility the
    last package on the table gives it (the agreement's if it formed: then its ``utility``; else the
    one the members did not all accept, where ``utility`` is its outside option), and
    ``needed_to_ratify``, the gain over its outside option it needed (its ratification threshold times
    what it could attain from the group: :func:`~tppgame.game.agreement.needed_to_ratify`), None outside
    the group (the signatories if the agreement formed, else the members of the talks), and ``refused``:
    its partners refused it for offering too little (reciprocity), which makes it a hold-out whatever its
    gain. A member of the group would ratify when ``package_utility - outside_option >= needed_to_ratify``
    and it is not refused. Read off the finished model: nothing in the game changes."""
    countries = list(model.countries)
    group = (np.array([c in summary["members"] for c in countries]) if summary["formed"]
             else np.asarray(model.members, dtype=bool))
    needed = needed_to_ratify(model.weights, group)
    check = model.last_check
    return {code: {"package_utility": round(float(check.utility[code]), 6),
                   "needed_to_ratify": round(float(needed[k]), 6) if group[k] else None,
                   "refused": code in check.refused}
            for k, code in enumerate(countries)}


def welfare_columns(summary: Mapping[str, Any]) -> dict[str, Any]:
    """The welfare columns of a run from its summary's per-country accounts: each country's gain in %
    of its 2013 GDP (``welfare_pct_gdp_XXX``), the sum of the gains of all the scenario's countries and
    of the agreement's members (0 when none formed), in US$ m (to the summary's 0.001), the smallest
    gain in % of GDP and the number of countries that lose (a gain below 0). None throughout for a
    summary without accounts."""
    accounts = {code: c.get("welfare") for code, c in summary["countries"].items()}
    if not accounts or any(a is None for a in accounts.values()):
        return {}
    members = set(summary["members"])
    return {"welfare_total_usd_m": round(sum(a["total_usd_m"] for a in accounts.values()), 3),
            "welfare_members_usd_m": round(sum(a["total_usd_m"] for code, a in accounts.items() if code in members), 3),
            "welfare_min_pct_gdp": min(a["percent_gdp"] for a in accounts.values()),
            "n_welfare_losers": sum(a["total_usd_m"] < 0 for a in accounts.values()),
            **{f"{WELFARE_PREFIX}{code}": a["percent_gdp"] for code, a in accounts.items()}}


def deal_rounds(model: Any) -> dict[str, int]:
    """The round each closed deal closed in, keyed ``A-B track`` (the pair in the scenario's country
    order; track ``tpp``, ``standalone`` or ``conditional``), in the order they closed."""
    return {_deal_key(model, d): int(d.round) for d in model.deals}


def deal_dates(model: Any) -> dict[str, str]:
    """:func:`deal_rounds` as dates: the first day of the month each deal closed in (ISO), from the run's own
    calendar (a sweep may move its start), as the runs table's ``date`` gives the agreement's."""
    return {_deal_key(model, d): model.config.round_date(max(int(d.round), 1)).isoformat() for d in model.deals}


def _deal_key(model: Any, deal: Any) -> str:
    names = model.countries
    return f"{names[min(deal.a, deal.b)]}-{names[max(deal.a, deal.b)]} {deal.kind}"


# The point this worker plays now, by its number: (base scenario, the point's settings, compiled
# scenario, shared work). A point is the same only with the same base object (kept here, so that
# its id cannot pass to another scenario) and the same settings: another sweep of the same
# scenario numbers its points from 0 too. Only one is kept: chunks are handed out in the plan's
# order, so a worker seldom goes back to an earlier point (if it does, it only builds that memo
# again: the outcomes are the same), and a point with many replicates has a memo of a few hundred MB.
_POINTS: dict[int, tuple[Scenario, Any, Scenario, SharedWork]] = {}
_POINTS_LOCK = threading.Lock()


def forget_points() -> None:
    """Drop the compiled points and their memos (see :func:`prepared_point`) this process keeps."""
    with _POINTS_LOCK:
        _POINTS.clear()


def prepared_point(base: Scenario, spec: RunSpec) -> tuple[Scenario, SharedWork]:
    """A point's scenario, compiled once, and the memo its replicates share in this worker
    (kept while the worker plays that point: replicates of a point come together)."""
    with _POINTS_LOCK:
        known = _POINTS.get(spec.point)
        if known is not None and known[0] is base and known[1] == spec.overrides:
            return known[2], known[3]
    scenario = base.with_overrides(dict(spec.overrides)) if spec.overrides else base
    work = SharedWork()
    with _POINTS_LOCK:
        _POINTS.clear()
        _POINTS[spec.point] = (base, spec.overrides, scenario, work)
    return scenario, work


def run_chunk(base: Scenario, runs: Sequence[RunSpec]) -> list[dict[str, Any]]:
    """Play a chunk of runs; one row per run, a run that raises stored with its error instead of
    its outcome. The games keep no log or per-round table (only the outcome is stored). Games whose
    frontier arithmetic is numpy's (:func:`tppgame.experiments.lockstep.worth_pooling`) are played side
    by side (:mod:`tppgame.experiments.lockstep`): the replicates of a point share what they work out
    (:mod:`tppgame.experiments.memo`), and points with a single run here (a sampled design's) pool their
    work with each other. The others, whose arithmetic is compiled, are played one after another, each
    alone: the same outcomes either way, sooner."""
    rows: dict[int, dict[str, Any]] = {}
    tasks: list[Callable[[Work], dict[str, Any]]] = []
    inners: list[Work] = []
    played: list[RunSpec] = []
    for group in same_point(runs):
        try:
            scenario, work = prepared_point(base, group[0])
        except Exception as err:   # noqa: BLE001 - a point that cannot be set up fails its runs
            rows.update((spec.index, _row(spec, err)) for spec in group)
            continue
        pooled = worth_pooling(scenario)
        for spec in group:
            task = functools.partial(_outcome, scenario, spec)
            if not pooled:
                rows[spec.index] = _row(spec, _attempt(task, DIRECT))
                continue
            tasks.append(task)
            inners.append(work if len(group) > 1 else DIRECT)
            played.append(spec)
    results = play_together(tasks, inners) if len(tasks) > 1 else [_attempt(t, w) for t, w in zip(tasks, inners)]
    rows.update((spec.index, _row(spec, result)) for spec, result in zip(played, results))
    return [rows[spec.index] for spec in runs]


def same_point(runs: Sequence[RunSpec]) -> list[list[RunSpec]]:
    """The runs in order, cut where the point changes: the replicates a chunk holds of each point."""
    groups: list[list[RunSpec]] = []
    for spec in runs:
        if groups and groups[-1][0].point == spec.point:
            groups[-1].append(spec)
        else:
            groups.append([spec])
    return groups


def _outcome(scenario: Scenario, spec: RunSpec, work: Work) -> dict[str, Any]:
    """One run's game, played with ``work``, as its stored outcome."""
    model = play(scenario, spec.seed, shared=work, record=False)
    return {**outcome(model.summary(), model), **(spec.measure(model) if spec.measure is not None else {})}


def _attempt(task: Callable[[Work], dict[str, Any]], work: Work) -> dict[str, Any] | Exception:
    try:
        return task(work)
    except Exception as err:   # noqa: BLE001 - a failing run is recorded, and the sweep goes on
        return err


def _row(spec: RunSpec, result: dict[str, Any] | BaseException) -> dict[str, Any]:
    """The stored row of a run: its outcome, or the first line of the error it raised."""
    if isinstance(result, BaseException) and not isinstance(result, Exception):
        raise result                 # not a run's failure (an exit asked for from inside a game)
    row: dict[str, Any] = {"run_index": spec.index, "point": spec.point, "rep": spec.rep, "seed": spec.seed,
                           "params": dict(spec.overrides), **dict(spec.overrides)}
    if isinstance(result, Exception):
        return {**row, "status": "failed", "error": f"{type(result).__name__}: {result}".splitlines()[0][:500]}
    return {**row, **result, "status": "ok", "error": None}
