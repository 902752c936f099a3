"""Tournaments: negotiators played in chosen countries' seats, across scenarios and seeds.

``python run.py tournament [SCENARIO ...] --negotiators A,B --seats JPN,USA --reps R --out DIR``
plays, for each scenario, seat country, negotiator and replicate, one game in which that country
plays that negotiator and every other country the negotiator its scenario names.

It is built on the sweep engine (:mod:`tppgame.experiments.sweep`): each (scenario, seat) is one
sweep whose grid is ``countries.SEAT.tactic`` over the negotiators, with its own resumable store
in ``DIR/games/SCENARIO/SEAT/``, so the local process pool or Dask, resuming after a kill (even
``kill -9``: nothing lost, nothing played twice), re-running a finished tournament (nothing
played) and the seeds (:func:`~tppgame.experiments.sweep.run_seed`) are the sweep's, with common
seeds: replicate ``rep`` of every negotiator plays the seed of child ``rep`` of the sweep seed, so the
negotiators are compared on the same games' chances, pair by pair. Besides the game's
outcome each game stores what :class:`SeatMetrics` measures of the seated country
(``seat_*`` columns). The report (:mod:`tppgame.experiments.tournament_report`) turns the
stores into a ranking with confidence intervals, a plot and a text summary.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from tppgame.experiments.store import Column, ResultStore, StoreError
from tppgame.experiments.sweep import PlainProgress, SweepError, build_plan, make_spec, run_sweep
from tppgame.experiments.sweep_plan import WARNING_PREFIX
from tppgame.game.fields import first_repeat
from tppgame.game.negotiators import negotiator_names, registered
from tppgame.game.scenario import load_scenario
from tppgame.game.solutions import nash_distance

if TYPE_CHECKING:
    from tppgame.experiments.sweep import SweepPlan
    from tppgame.model import TPPModel

# The opponent-modelling negotiator (written on another branch) joins the default line-up under
# this name as soon as it is registered (built in, register() or an entry point); until then it is left out.
DEFAULT_SEATS = ("JPN",)


class TournamentError(ValueError):
    """Bad tournament input (a negotiator, a seat, reps, an out folder), reported in one line."""


# --------------------------------------------------------------------- what a game says of its seat
@dataclass(frozen=True)
class SeatMetrics:
    """What a finished game says of one country's play (the sweep's ``measure``): its gain over
    its outside option, its own talks' agreement rate, the rounds to its deals, and how far each
    of its deals lies from the pair's Nash point, with the pair's joint gain.

    Only negotiated talks count (a side deal whose terms the scenario states is not bargained).
    """

    seat: str

    columns = (Column("seat_gain", "float"), Column("seat_utility", "float"),
               Column("seat_outside_option", "float"), Column("seat_signatory", "bool"),
               Column("seat_talks_met", "int"), Column("seat_deals", "int"),
               Column("seat_agreement_rate", "float"), Column("seat_deal_round", "float"),
               Column("seat_nash_distance", "float"), Column("seat_joint_gain", "float"),
               Column("seat_deal_details", "json"))

    def __call__(self, model: TPPModel) -> dict[str, Any]:
        i = model.config.index(self.seat)
        country = model.summary()["countries"][self.seat]
        met = [t for t in model.talks if i in (t.a, t.b) and t.negotiated and t.meetings > 0]
        deals = [d for d in model.deals if i in (d.a, d.b) and d.frontier is not None]
        details = [{"partner": model.countries[d.b if d.a == i else d.a], "kind": d.kind, "round": d.round,
                    **deal_benchmarks(d.frontier, d.x_ab, d.x_ba)} for d in deals]
        return {"seat_gain": round(country["utility"] - country["outside_option"], 6), "seat_utility": country["utility"],
                "seat_outside_option": country["outside_option"], "seat_signatory": country["signatory"],
                "seat_talks_met": len(met), "seat_deals": len(deals),
                "seat_agreement_rate": len(deals) / len(met) if met else None,
                "seat_deal_round": _mean([d.round for d in deals]),
                "seat_nash_distance": _mean([d["nash_distance"] for d in details]),
                "seat_joint_gain": _mean([d["joint_gain"] for d in details]),
                "seat_deal_details": details}


def deal_benchmarks(frontier: Any, x_ab: np.ndarray, x_ba: np.ndarray) -> dict[str, float | None]:
    """A deal against its talk's frontier as it stood when the deal closed (a one-row FrontierSummary).

    ``joint_gain``: ``(u_a - r_a) + (u_b - r_b)``, both sides' utilities over their reservations.
    ``nash_distance``: the distance from the deal to the pair's Nash point in the zone of agreement
    scaled to a unit square (:func:`tppgame.game.solutions.nash_distance`): each side's gain over
    its reservation divided by its best gain in the zone, so the reservations are (0, 0) and each
    side's best is 1 on its axis. None where the pair had no zone of agreement.
    """
    terms = frontier.terms
    u_a, u_b = (float(v[0]) for v in terms.utilities(np.asarray(x_ab)[None], np.asarray(x_ba)[None]))
    r_a, r_b = float(frontier.reserve_a[0]), float(frontier.reserve_b[0])
    out: dict[str, float | None] = {"joint_gain": (u_a - r_a) + (u_b - r_b), "nash_distance": None}
    if bool(frontier.zopa[0]):
        n_a, n_b = (float(v[0]) for v in terms.utilities(*terms.deal_at(frontier.nash())))
        out["nash_distance"] = nash_distance((u_a, u_b), (r_a, r_b), (n_a, n_b),
                                             (float(frontier.best_a[0]), float(frontier.best_b[0])))
    return out


def _mean(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


# --------------------------------------------------------------------- the plan
@dataclass(frozen=True)
class Tournament:
    """A checked tournament: its sweeps, one per (scenario, seat), in order."""

    negotiators: tuple[str, ...]
    seats: tuple[str, ...]
    scenarios: tuple[str, ...]
    reps: int
    out: Path
    plans: tuple[tuple[str, str, SweepPlan], ...]     # (scenario label, seat, plan)
    made: Path | None = None                          # the folder plan_tournament made: out, or out/games

    @property
    def total(self) -> int:
        return sum(plan.total for _, _, plan in self.plans)

    def folder(self, scenario: str, seat: str) -> Path:
        """Where the store of one (scenario, seat) sweep lives."""
        return self.out / "games" / scenario / seat


def default_negotiators() -> tuple[str, ...]:
    """The default line-up: every registered negotiator, built-in ones first, then the others by name."""
    return negotiator_names()


def split_names(text: str | None, option: str) -> tuple[str, ...] | None:
    """``A,B,C`` as names (None when not given); an empty or repeated name is an error."""
    if text is None:
        return None
    names = tuple(part.strip() for part in text.split(","))
    if not all(names):
        raise TournamentError(f"{option} {text}: expected names separated by commas, such as mirror,linear")
    repeat = first_repeat(names)
    if repeat is not None:
        raise TournamentError(f"{option} {text}: {names[repeat[1]]} is given twice")
    return names


def plan_tournament(scenarios: Sequence[str] = ("baseline",), negotiators: Sequence[str] | None = None,
                    seats: Sequence[str] | None = None, reps: int = 5, seed: int | None = None,
                    out: Path | None = None, fixed: Sequence[tuple[str, Any]] = ()) -> Tournament:
    """Check everything (names, seats in every scenario, reps, the out folder) and build one sweep
    plan per (scenario, seat); raises TournamentError or ScenarioError (one line) before any game."""
    if reps < 1:
        raise TournamentError(f"--reps {reps}: expected a whole number of at least 1")
    names = tuple(negotiators) if negotiators is not None else default_negotiators()
    known = registered()
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise TournamentError(f"--negotiators {','.join(names)}: expected registered negotiators "
                              f"({', '.join(negotiator_names())}), got {unknown[0] if unknown else 'none'}")
    seats = tuple(seats) if seats is not None else DEFAULT_SEATS
    if not seats:
        raise TournamentError("--seats: expected at least one country, such as JPN")
    out = Path(out) if out is not None else Path("out") / "tournament"
    plans, labels = [], set()
    for target in scenarios or ("baseline",):
        scenario = load_scenario(target)
        label = Path(scenario.file).stem
        if label in labels:
            raise TournamentError(f"{target}: the scenario {label} is given twice")
        labels.add(label)
        for seat in seats:
            if seat not in scenario.countries:
                raise TournamentError(f"--seats {','.join(seats)}: {seat} is not a country of {label} "
                                      f"(expected one of {', '.join(scenario.countries)})")
            grid = f"countries.{seat}.tactic={json.dumps(list(names))}"
            try:
                spec = make_spec(target, [grid], fixed, reps=reps, seed=seed, out=out / "games" / label / seat)
                plan = build_plan(dataclasses.replace(spec, measure=SeatMetrics(seat), common_seeds=True))
            except SweepError as err:
                raise TournamentError(str(err)) from None
            plans.append((label, seat, plan))
    made = next((folder for folder in (out, out / "games") if not folder.exists()), None)
    _check_out(out)       # made once the rest is checked: a bad scenario or seat leaves no folder behind
    return Tournament(names, seats, tuple(labels_in_order(plans)), reps, out, tuple(plans), made)


def plan_warnings(tournament: Tournament) -> list[str]:
    """The warnings of the seats' sweep plans (a ``--set`` the payoff does not read, one a scheduled event
    sets again), each once, as the tournament's: ``tournament: warning: ...``, naming the scenario
    (``tournament: warning: baseline: ...``) when there are several, as they may differ."""
    many = len(tournament.scenarios) > 1
    lines = (line.replace(WARNING_PREFIX, f"tournament: warning: {label}: " if many else "tournament: warning: ", 1)
             for label, _, plan in tournament.plans for line in plan.warnings)
    return list(dict.fromkeys(lines))


def labels_in_order(plans: Sequence[tuple[str, str, Any]]) -> list[str]:
    """The scenario labels of the plans, each once, in order."""
    return list(dict.fromkeys(label for label, _, _ in plans))


def _check_out(out: Path) -> None:
    """The out folder must be a folder this process can create and write in."""
    if out.exists() and not out.is_dir():
        raise TournamentError(f"--out {out}: expected a folder, found a file")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".tournament-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as err:
        raise TournamentError(f"--out {out}: cannot write there ({err.strerror or err})") from None


# --------------------------------------------------------------------- running
class _Progress:
    """One progress line for all the tournament's sweeps (each sweep's close is not the end)."""

    def __init__(self, total: int, initial: int, stream: IO[str] | None):
        self._inner = PlainProgress(total, initial, stream=stream)

    def update(self, done: int, failed: int = 0) -> None:
        self._inner.update(done, failed)

    def close(self) -> None:
        """Called by each sweep as it ends: nothing to do until the tournament ends."""

    def finish(self) -> None:
        self._inner.close()


@dataclass(frozen=True)
class TournamentRun:
    """What a tournament run did: games in its stores, how many played now, how many failed."""

    tournament: Tournament
    played: int
    stored_before: int
    failed: int
    failures: tuple[str, ...]


def stored_games(tournament: Tournament) -> int:
    """Games already in the tournament's stores (opening each store checks that it holds this
    tournament's sweep: another one in the same folder is refused before any game)."""
    count = 0
    for label, seat, plan in tournament.plans:
        try:
            with ResultStore.open(tournament.folder(label, seat), plan.definition(), plan.columns(),
                                  meta=plan.meta()) as store:
                count += len(store.done())
        except StoreError as err:
            raise TournamentError(str(err)) from None
    return count


def run_tournament(tournament: Tournament, *, workers: int | None = None, engine: str = "local",
                   scheduler: str | None = None, stream: IO[str] | None = None,
                   mix_versions: bool = False) -> TournamentRun:
    """Play every game not yet stored, sweep after sweep (a killed tournament resumes where it
    stopped; a finished one plays nothing), with one progress line on ``stream``. Games stored by
    another version of the code are not mixed with new ones unless ``mix_versions``. A tournament that
    stops before storing any game (an engine that cannot start, a Ctrl-C) leaves no folder it made behind."""
    before = stored_games(tournament)
    progress = _Progress(tournament.total, before, stream)
    played = failed = 0
    failures: list[str] = []
    try:
        for label, seat, plan in tournament.plans:
            try:
                report = run_sweep(plan, tournament.folder(label, seat), workers=workers, engine=engine,
                                   scheduler=scheduler, progress=progress, mix_versions=mix_versions)
            except SweepError as err:
                raise TournamentError(str(err)) from None
            played += report.ran
            failed += report.failed
            failures += [f"{label} {seat}: {error} ({count} games)" for error, count in report.failures]
    except BaseException:
        _remove_if_empty(tournament)
        raise
    finally:
        progress.finish()
    return TournamentRun(tournament, played, before, failed, tuple(failures))


def _remove_if_empty(tournament: Tournament) -> None:
    """Remove the folder the tournament made (its out folder, or the games folder in it) if no game is
    stored (its stores are empty): a tournament that stopped before its first game leaves nothing behind."""
    if tournament.made is None:
        return
    try:
        empty = stored_games(tournament) == 0
    except (TournamentError, OSError):
        return
    if empty:
        shutil.rmtree(tournament.made, ignore_errors=True)
