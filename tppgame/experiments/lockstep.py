"""Games of one scenario played side by side, their row-wise work done in one array pass per kind.

A game's frontier builds and meetings are array passes over a few dozen talks, where a numpy
call's fixed cost outweighs its arithmetic: a baseline game's 17 builds average 25 rows and its 25
meetings 7. Games played together can pool those rows. :func:`play_together` plays each game in a
thread of its own, one at a time: a game runs until it asks its :class:`~tppgame.game.work.Work`
for a frontier or a meeting, then the next game runs; when every game has asked (or finished),
the requests of a kind are joined into one pass, answered, and each game goes on with its own
rows. Only one thread ever runs, in a fixed order, so the games meet no race, and the order of
everything they do is the same in every run.

Every row of a build or a meeting is computed on its own (numpy works element by element along
the rows; the same holds for the sweep's memo, :mod:`tppgame.experiments.memo`, which answers a
request partly from rows it remembers), so a game played together gets the very rows it would
have computed alone: the outcomes are the same to the last bit, which the tests check over whole
summaries. Who would ratify a package (``accepting``) is one whole-world computation per call, with
nothing to pool: a game asks its inner work for it directly.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any

import numpy as np

from tppgame.experiments.memo import SharedWork
from tppgame.game.frontier import FrontierSummary, PairTerms
from tppgame.game.protocols import Protocol, SessionInput, SessionResult
from tppgame.game.scenario import Scenario
from tppgame.game.utility import Weights
from tppgame.game.work import DIRECT, Work

Request = tuple[str, tuple[Any, ...]]


class Stopped(BaseException):
    """Raised in a game whose table stopped before it finished (its caller stopped reading outcomes)."""


@dataclasses.dataclass(frozen=True)
class _Failed:
    """A request that raised: the game that made it raises the error in its own thread."""

    error: BaseException


class _Player(threading.Thread):
    """One game, in a thread that runs only while the table hands it the turn."""

    def __init__(self, task: Callable[[Work], Any], inner: Work, back: threading.Semaphore):
        super().__init__(daemon=True)     # a game stuck when the table stops (Ctrl-C) never holds the process
        self.task, self.back = task, back
        self.turn = threading.Semaphore(0)
        self.work = SeatWork(self, inner)
        self.request: Request | None = None
        self.reply: Any = None
        self.finished = self.stopping = False
        self.parked = True                   # waiting for its turn (from the start, and at each request)
        self.outcome: Any = None

    def run(self) -> None:
        self.turn.acquire()
        self.parked = False
        try:
            if self.stopping:
                raise Stopped
            self.outcome = self.task(self.work)
        except BaseException as err:  # noqa: BLE001 - the game's failure is its outcome, for its caller to record
            self.outcome = err
        finally:
            self.finished = True
            self.back.release()

    def stop(self) -> None:
        """End the game at its next turn (it raises :class:`Stopped` there), and wait for it: a game
        interrupted while it had the turn first goes on to its next request."""
        while not (self.parked or self.finished):
            time.sleep(0.001)
        self.stopping = True
        self.turn.release()
        self.join()

    def ask(self, kind: str, args: tuple[Any, ...]) -> Any:
        """Hand the turn back with a request; return its answer when the turn comes again."""
        self.request = (kind, args)
        self.parked = True
        self.back.release()
        self.turn.acquire()
        self.parked = False
        if self.stopping:
            raise Stopped
        reply, self.reply, self.request = self.reply, None, None
        if isinstance(reply, _Failed):
            raise reply.error
        return reply


class SeatWork(Work):
    """A game's work at the table: frontiers and meetings asked of the table (pooled with the other
    games'), who would ratify asked of the inner work at once."""

    def __init__(self, player: _Player, inner: Work):
        self.player, self.inner = player, inner
        self.remembers = inner.remembers

    def summary(self, terms: PairTerms, threshold_a: np.ndarray, threshold_b: np.ndarray,
                relief_a: np.ndarray | float = 0.0, relief_b: np.ndarray | float = 0.0,
                efficient_stake: bool = False) -> FrontierSummary:
        return self.player.ask("summary", (terms, threshold_a, threshold_b, relief_a, relief_b, efficient_stake))

    def session(self, protocol: Protocol, inp: SessionInput) -> SessionResult:
        return self.player.ask("session", (protocol, inp))

    def accepting(self, weights: Weights, schedule: np.ndarray, group: np.ndarray, side_access: np.ndarray,
                  outside: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.inner.accepting(weights, schedule, group, side_access, outside)


def worth_pooling(scenario: Scenario) -> bool:
    """Whether games of ``scenario`` gain from being played together: where their frontier arithmetic is
    numpy's, whose fixed cost per call a pooled pass shares (a cost exponent other than 2). With the
    exponent 2 the frontier's arithmetic and searches are compiled loops (:mod:`tppgame.game.kernels`)
    with next to no fixed cost to share, and a game played alone, without the threads and the memo's
    look-ups, costs less: measured on the baseline, a sweep's game about 57 ms of CPU alone against 68
    side by side with its point's memo, and on ``judged_indices`` 25 against 34 (medians of 5 and 4
    interleaved runs of 96 games, December 2026)."""
    return float(scenario.params["cost_exponent"]) != 2.0


def play_together[T](tasks: Sequence[Callable[[Work], T]], inner: Work | Sequence[Work] = DIRECT,
                     ) -> list[T | BaseException]:
    """Run each task (a game played with the :class:`~tppgame.game.work.Work` it is given) side by
    side, their frontier builds and meetings pooled (see the module's docstring); ``inner`` does the
    work (the direct computation, or a sweep point's memo), one for every task or one per task (only
    the requests of tasks with the same inner work are pooled). Returns each task's result, or the
    exception it raised, in order."""
    return list(played_together(tasks, inner))


def played_together[T](tasks: Sequence[Callable[[Work], T]], inner: Work | Sequence[Work] = DIRECT,
                       ) -> Iterator[T | BaseException]:
    """:func:`play_together`, each result (or exception) yielded in the tasks' order as soon as its game
    and every game before it have finished, so a caller interrupted (Ctrl-C) keeps what it has.
    Closing the iterator early stops the games still playing (they raise :class:`Stopped`)."""
    inners = [inner] * len(tasks) if isinstance(inner, Work) else list(inner)
    if len(inners) != len(tasks):
        raise ValueError(f"play_together: {len(tasks)} tasks but {len(inners)} inner works")
    back = threading.Semaphore(0)
    players = [_Player(task, work, back) for task, work in zip(tasks, inners)]
    for player in players:
        player.start()
    playing, handed = players, 0
    try:
        while playing:
            for player in playing:           # each game, in turn, up to its next request or its end
                player.turn.release()
                back.acquire()
            playing = [p for p in playing if not p.finished]
            while handed < len(players) and players[handed].finished:
                players[handed].join()
                handed += 1
                yield players[handed - 1].outcome
            answer(playing)
    finally:                                 # stopped early (an interrupt, or the caller stopped reading):
        for player in players:               # every game still playing ends at its next turn
            if not player.finished:
                player.stop()


# ------------------------------------------------------------------ pooled requests
def request_group(request: Request) -> Hashable:
    """Requests that can be answered in one pass share a group: builds of the same kind of stake,
    cost exponent and number of sectors; meetings on frontiers of the same cost exponent, under the
    same protocol and information, with the same split rule and the same countries and sectors.
    Everything else a request holds is per row (the cost exponent is the one number joined terms take
    from the first: a shock can change it in one game and not another)."""
    kind, args = request
    if kind == "summary":
        terms, *_, efficient_stake = args
        return kind, bool(efficient_stake), terms.gamma, terms.w_a.shape[1:]
    protocol, inp = args
    return (kind, inp.summary.terms.gamma, type(protocol), inp.information, inp.split_points, inp.names,
            inp.sectors, inp.a is None, bool(inp.talks))


def answer(players: Sequence[_Player]) -> None:
    """Answer every waiting game's request, one pass per inner work and group of requests
    (:func:`request_group`)."""
    groups: dict[Hashable, list[_Player]] = {}
    for player in players:
        groups.setdefault((id(player.work.inner), request_group(player.request)), []).append(player)
    for group in groups.values():
        kind, inner = group[0].request[0], group[0].work.inner
        try:
            if len(group) == 1:
                replies = [_alone(inner, *group[0].request)]
            else:
                pooled = POOLED[kind]
                replies = pooled(inner, [p.request[1] for p in group])
        except Exception:  # noqa: BLE001 - a pass that fails is asked again row by row, so only the culprit fails
            replies = [_guarded(inner, *p.request) for p in group]
        for player, reply in zip(group, replies):
            player.reply = reply


def _alone(inner: Work, kind: str, args: tuple[Any, ...]) -> Any:
    return inner.summary(*args[:5], efficient_stake=args[5]) if kind == "summary" else inner.session(*args)


def _guarded(inner: Work, kind: str, args: tuple[Any, ...]) -> Any:
    try:
        return _alone(inner, kind, args)
    except Exception as err:  # noqa: BLE001 - handed to the game that asked, which raises it
        return _Failed(err)


def row_ranges(sizes: Sequence[int]) -> list[slice]:
    """Where each request's rows lie in a pooled pass: ``sizes`` rows one after the other."""
    ends = np.cumsum(sizes).tolist()
    return [slice(end - size, end) for size, end in zip(sizes, ends)]


def pooled_summaries(inner: Work, requests: Sequence[tuple[Any, ...]]) -> list[FrontierSummary]:
    """Several games' frontier builds as one: rows joined, built, and each game's rows handed back
    with its own terms."""
    sizes = [len(r[1]) for r in requests]
    joined = [np.concatenate([np.broadcast_to(np.asarray(r[k], dtype=float), n) for r, n in zip(requests, sizes)])
              for k in (1, 2, 3, 4)]
    built = inner.summary(PairTerms.concat([r[0] for r in requests]), *joined, efficient_stake=requests[0][5])
    return [dataclasses.replace(built.rows(np.arange(rows.start, rows.stop)), terms=r[0])
            for r, rows in zip(requests, row_ranges(sizes))]


def joined_inputs(parts: Sequence[SessionInput]) -> SessionInput:
    """Several games' meetings as one session's input (the same countries, sectors and rules)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(SessionInput):
        values = [getattr(p, f.name) for p in parts]
        first = values[0]
        if isinstance(first, FrontierSummary):
            out[f.name] = FrontierSummary.concat(values)
        elif isinstance(first, np.ndarray):
            out[f.name] = np.concatenate(values)
        elif isinstance(first, tuple) and f.name not in ("names", "sectors"):
            out[f.name] = tuple(item for value in values for item in value)
        else:
            out[f.name] = first
    return SessionInput(**out)


def pooled_sessions(inner: Work, requests: Sequence[tuple[Any, ...]]) -> list[SessionResult]:
    """Several games' meetings as one session; each game's rows handed back. Through a sweep's memo, a
    game whose whole round of meetings was met before gets it at one look-up, as it would alone, and
    only the others' rows are pooled (each such round then kept whole for the games after it)."""
    protocol, inputs = requests[0][0], [r[1] for r in requests]
    if not isinstance(inner, SharedWork):
        return split_result(inner.session(protocol, joined_inputs(inputs)), inputs)
    keys = [inner.session_keys(protocol, inp) for inp in inputs]
    results: list[SessionResult | None] = [inner.remembered_session(k) for k in keys]
    new = [k for k, result in enumerate(results) if result is None]
    if len(new) == 1:
        results[new[0]] = inner.remember_session(keys[new[0]], inner.met(protocol, inputs[new[0]], keys[new[0]]))
    elif new:
        met = inner.met(protocol, joined_inputs([inputs[k] for k in new]), np.concatenate([keys[k] for k in new]))
        for k, part in zip(new, split_result(met, [inputs[k] for k in new])):
            results[k] = inner.remember_session(keys[k], part)
    return results


def split_result(result: SessionResult, inputs: Sequence[SessionInput]) -> list[SessionResult]:
    """The rows of a pooled session's result that belong to each input, in order (views, not copies)."""
    values = {f.name: getattr(result, f.name) for f in dataclasses.fields(SessionResult)}
    return [SessionResult(**{name: None if value is None else value[rows] for name, value in values.items()})
            for rows in row_ranges([len(inp.proposer_is_a) for inp in inputs])]


POOLED: dict[str, Callable[[Work, Sequence[tuple[Any, ...]]], list[Any]]] = {
    "summary": pooled_summaries,
    "session": pooled_sessions,
}
