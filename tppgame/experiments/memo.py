"""Work shared between games of one scenario: a memo of the game's row-wise pure computations.

Games of one scenario with different seeds pass through many of the same states: the first
round is the same in all of them, and the seeds mostly change who proposes first and the order
in which countries book their talks. A talk's frontier depends only on that talk's terms and
reservations, and a meeting's offer and reply only on its frontier and both sides' state in the
talk. :class:`SharedWork` keeps those results by the exact bytes of their inputs, so the
replicates of a sweep point skip what one of them already worked out. Every row is computed
on its own (numpy works element by element along the rows), so a row taken from the memo is
the very row the game would have computed: results are the same to the last bit with or
without it, which the tests check over whole event logs.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from itertools import islice

import numpy as np

from tppgame.game.agreement import accepting
from tppgame.game.frontier import TERMS_FIELDS, THETA_GRID, FrontierSummary, PairTerms
from tppgame.game.negotiators import Negotiator, TimeDependent
from tppgame.game.protocols import Protocol, SessionInput, SessionResult, deadline_point
from tppgame.game.utility import Weights
from tppgame.game.work import Work

# Rows kept of each kind: 60,000 frontiers (about 1.8 kB each with their key) and meetings (0.7 kB),
# 2,000 packages (25 kB) and 6,000 whole rounds' meetings (10 kB). A memo levels off at about 260 MB;
# when one kind is full its older half is dropped, so memory stays flat however long the sweep.
DEFAULT_LIMIT = 60_000
SUMMARY_FIELDS = ("u_a", "u_b", "reserve_a", "reserve_b", "stake_a", "stake_b", "best_a", "best_b",
                  "theta_best_a", "theta_best_b", "zopa", "memo_id")
RESULT_FIELDS = ("theta", "x_ab", "x_ba", "u_a", "u_b", "aspiration_proposer", "aspiration_responder",
                 "accepted", "responder_yes")


def pack(arrays: Sequence[np.ndarray]) -> np.ndarray:
    """Arrays with one row per talk (1-D or rows x k, numbers or bools) side by side as one float matrix."""
    return np.concatenate([a if a.ndim == 2 else a[:, None] for a in arrays], axis=1, dtype=float)


def unpack(matrix: np.ndarray, like: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The arrays :func:`pack` put side by side, shaped and typed like ``like`` (contiguous copies)."""
    out, start = [], 0
    for a in like:
        width = 1 if a.ndim == 1 else a.shape[1]
        part = matrix[:, start:start + width]
        part = part[:, 0] if a.ndim == 1 else part
        out.append(part != 0 if a.dtype == bool else np.ascontiguousarray(part))
        start += width
    return out


def forget_oldest_half(memo: dict) -> None:
    """Drop the first half of a full memo's entries (the oldest: dicts keep insertion order), so that
    it keeps the newer half, which the games still playing are the likelier to meet again."""
    for name in list(islice(memo, len(memo) // 2 + 1)):
        del memo[name]


@functools.cache
def reads_no_history(cls: type) -> bool:
    """Whether a negotiator class decides by the time-dependent rule alone: its demand from its best,
    its reservation, the talk's progress and its ``beta`` (:class:`TimeDependent`'s own array pass),
    the default offer and reply, nothing learnt. Its side's demand at its previous turn and the gain
    of the partner's last offer then change nothing in a meeting, and the memo leaves them out of
    the meeting's key: the same meeting reached by another history is found. A class that overrides
    any of these (tit-for-tat, a subclass of its own) keeps them in."""
    return (cls.demands.__func__ is TimeDependent.demands.__func__
            and cls.demand is TimeDependent.demand
            and all(getattr(cls, name) is getattr(Negotiator, name) for name in ("propose", "respond", "observe"))
            and all(getattr(cls, name).__func__ is getattr(Negotiator, name).__func__
                    for name in ("proposals", "responses")))


def history_keys(inp: SessionInput) -> list[np.ndarray]:
    """The history columns of a meeting's key: each side's previous demand and received gain, 0 on
    the side of a negotiator that :func:`reads_no_history`."""
    columns = [inp.previous_a, inp.received_gain_a, inp.previous_b, inp.received_gain_b]
    for k, side in enumerate((inp.negotiator_a, inp.negotiator_b)):
        kinds = set(map(type, side))        # a few classes for many rows: asked once each
        if all(map(reads_no_history, kinds)):
            columns[2 * k:2 * k + 2] = [np.zeros(len(side))] * 2
        elif any(map(reads_no_history, kinds)):
            blind = np.array([reads_no_history(type(n)) for n in side], dtype=bool)
            columns[2 * k:2 * k + 2] = [np.where(blind, 0.0, c) for c in columns[2 * k:2 * k + 2]]
    return columns


class Codes(dict):
    """Numbers standing for names (negotiators' memo keys, protocols) in memo keys: a new name gets the next number."""

    def __missing__(self, name: str) -> int:
        self[name] = code = len(self)
        return code


class RowMemo:
    """Rows of a row-wise computation's output, by the bytes of each row's inputs."""

    def __init__(self, limit: int | None = None):
        self.limit = DEFAULT_LIMIT if limit is None else limit
        self._rows: dict[bytes, np.ndarray] = {}
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._rows)

    def rows(self, keys: np.ndarray, compute: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """The packed output for every row of ``keys`` (rows x inputs): remembered rows as they were,
        the others from ``compute(index of the missing rows)``, which are then remembered. Rows with
        the same inputs (games played side by side often start in the same state) are computed once."""
        names = [row.tobytes() for row in np.ascontiguousarray(keys, dtype=float)]
        found = [self._rows.get(name) for name in names]
        first: dict[bytes, int] = {}       # each missing input's first row
        for k, row in enumerate(found):
            if row is None:
                first.setdefault(names[k], k)
        self.hits += len(names) - len(first)
        self.misses += len(first)
        if not first:
            return np.concatenate(found)
        unique = list(first.values())
        fresh = compute(np.array(unique))
        if len(self._rows) + len(unique) > self.limit:
            forget_oldest_half(self._rows)
        for j, k in enumerate(unique):       # each row kept as a 1 x columns matrix: they concatenate fast
            self._rows[names[k]] = fresh[j:j + 1]
        if len(unique) == len(names):
            return fresh
        return np.concatenate([row if row is not None else self._rows[name] for row, name in zip(found, names)])


class SharedWork(Work):
    """The memo one scenario's games share: talk frontiers, meetings' offers and replies, and who
    would ratify a package.

    Pass one to every :class:`~tppgame.model.TPPModel` of the same compiled scenario (the sweep
    gives one to the replicates of each point); never share one between different scenarios.
    Each frontier row it builds gets a number (``FrontierSummary.memo_id``) that stands for its
    inputs in the keys of the meetings on it, which are then short.
    """

    remembers = True

    def __init__(self, limit: int | None = None):
        limit = DEFAULT_LIMIT if limit is None else limit
        self.frontiers = RowMemo(limit)
        self.sessions = RowMemo(limit)
        self.splits = RowMemo(limit)              # where demands overlap: the split, by frontier and patience
        self.packages = RowMemo(limit // 30)      # whole-world results are larger: fewer of them
        # whole rounds' meetings seen before (the same talks in the same state): one look-up
        self._whole_sessions: dict[tuple[int, bytes], SessionResult] = {}
        self._whole_limit = limit // 10
        self._next_frontier = 0
        self._codes = Codes()
        self._weights: dict[int, tuple[Weights, int]] = {}

    def _weights_code(self, weights: Weights) -> int:
        """A number standing for a set of weights (the scenario's, or a shock's) in a memo key; the
        weights are kept, so no other object can take their place under the same ``id``."""
        known = self._weights.setdefault(id(weights), (weights, len(self._weights)))
        return known[1]

    def summary(self, terms: PairTerms, threshold_a: np.ndarray, threshold_b: np.ndarray,
                relief_a: np.ndarray | float = 0.0, relief_b: np.ndarray | float = 0.0,
                efficient_stake: bool = False) -> FrontierSummary:
        """:meth:`FrontierSummary.build`, with the talks seen before taken from the memo; every row
        carries the number of its inputs in this memo (``memo_id``)."""
        built: list[FrontierSummary] = []
        rows = len(threshold_a)
        relief_a, relief_b = np.broadcast_to(relief_a, rows), np.broadcast_to(relief_b, rows)

        def compute(index: np.ndarray) -> np.ndarray:
            part = FrontierSummary.build(terms if len(index) == rows else terms.rows(index), threshold_a[index],
                                         threshold_b[index], relief_a[index], relief_b[index], efficient_stake)
            first, self._next_frontier = self._next_frontier, self._next_frontier + len(index)
            part = dataclasses.replace(part, memo_id=np.arange(first, self._next_frontier, dtype=float))
            built.append(part)
            return pack([getattr(part, k) for k in SUMMARY_FIELDS])

        keys = pack([getattr(terms, k) for k in TERMS_FIELDS]
                    + [threshold_a, threshold_b, relief_a, relief_b, np.full(rows, terms.gamma),
                       np.full(rows, float(efficient_stake))])
        matrix = self.frontiers.rows(keys, compute)
        if built and len(built[0].zopa) == rows:      # nothing was remembered: the build as it came
            return built[0]
        grid, number, flag = np.empty((0, len(THETA_GRID))), np.empty(0), np.empty(0, dtype=bool)
        return FrontierSummary(terms, *unpack(matrix, [grid, grid, *[number] * 8, flag, number]))

    def session(self, protocol: Protocol, inp: SessionInput) -> SessionResult:
        """``protocol.session(inp)``, with the meetings seen before taken from the memo: the whole round's
        at one look-up if it was met before, else row by row."""
        keys = self.session_keys(protocol, inp)
        known = self.remembered_session(keys)
        return known if known is not None else self.remember_session(keys, self.met(protocol, inp, keys))

    def session_keys(self, protocol: Protocol, inp: SessionInput) -> np.ndarray:
        """Rows x columns: what each meeting is remembered by (its frontier's number, or the frontier's own
        inputs, and both sides' state in the talk)."""
        s, rows, codes = inp.summary, len(inp.proposer_is_a), self._codes
        if np.isnan(s.memo_id).any():     # a frontier this memo did not build: the frontier's own inputs
            frontier = [getattr(s.terms, k) for k in TERMS_FIELDS] + [s.reserve_a, s.reserve_b,
                                                                      np.full(rows, s.terms.gamma)]
        else:                             # its number here stands for them (terms, reservations, gamma)
            frontier = [s.memo_id]
        return pack(frontier + [
            inp.proposer_is_a, inp.progress_a, inp.progress_b,
            np.array([codes[n.memo_key] for n in inp.negotiator_a + inp.negotiator_b], dtype=float).reshape(2, rows).T,
            *history_keys(inp),
            inp.patience_a, inp.patience_b, inp.red_line_a, inp.red_line_b,
            # the same inputs answer differently under private information (the offers are not the frontier's)
            np.full(rows, codes[protocol.name if inp.information == "full" else (protocol.name, inp.information)])])

    def remembered_session(self, keys: np.ndarray) -> SessionResult | None:
        """A whole round's meetings met before with these keys (one look-up), or None."""
        known = self._whole_sessions.get((len(keys), keys.tobytes()))
        if known is not None:
            self.sessions.hits += len(keys)
        return known

    def remember_session(self, keys: np.ndarray, result: SessionResult) -> SessionResult:
        """Keep a round's meetings whole by their keys, read-only (games share it from now on)."""
        for name in RESULT_FIELDS:
            getattr(result, name).flags.writeable = False
        if len(self._whole_sessions) >= self._whole_limit:
            forget_oldest_half(self._whole_sessions)
        self._whole_sessions[(len(keys), keys.tobytes())] = result
        return result

    def met(self, protocol: Protocol, inp: SessionInput, keys: np.ndarray) -> SessionResult:
        """The meetings of ``inp`` (remembered by ``keys``, :meth:`session_keys`) row by row: the rows met
        before from the memo, the others computed in one pass."""
        s, rows = inp.summary, len(inp.proposer_is_a)
        results: list[SessionResult] = []

        def compute(index: np.ndarray) -> np.ndarray:
            # the missing rows alone (each row is computed on its own), the splits where demands
            # overlap taken from the memo too
            whole = len(index) == rows
            part = inp if whole else inp.rows(index)
            result = protocol.session(dataclasses.replace(part, split_points=self.split_points))
            if result.responder_yes is None:
                result.responder_yes = result.accepted
            if whole:
                results.append(result)
            return pack([getattr(result, k) for k in RESULT_FIELDS])

        matrix = self.sessions.rows(keys, compute)
        if results:                                    # computed afresh: the session as it came
            return results[0]
        number, sectors, flag = np.empty(0), np.empty((0, s.terms.w_a.shape[1])), np.empty(0, dtype=bool)
        theta, x_ab, x_ba, u_a, u_b, asp_p, asp_r, accepted, yes = unpack(
            matrix, [number, sectors, sectors, number, number, number, number, flag, flag])
        return SessionResult(theta, x_ab, x_ba, u_a, u_b, inp.proposer_is_a, asp_p, asp_r, accepted, s.zopa, yes)

    def split_points(self, summary: FrontierSummary, patience_a: np.ndarray, patience_b: np.ndarray) -> np.ndarray:
        """:func:`tppgame.game.protocols.deadline_point`, with the rows seen before taken from the memo:
        a row's split depends only on its frontier (its number here stands for the frontier's inputs)
        and the two sides' patience."""
        if np.isnan(summary.memo_id).any():      # a frontier this memo did not build: computed afresh
            return deadline_point(summary, patience_a, patience_b)
        rows = len(patience_a)

        def compute(index: np.ndarray) -> np.ndarray:
            part = summary if len(index) == rows else summary.rows(index)
            return deadline_point(part, patience_a[index], patience_b[index])[:, None]

        return self.splits.rows(pack([summary.memo_id, patience_a, patience_b]), compute)[:, 0]

    def accepting(self, weights: Weights, schedule: np.ndarray, group: np.ndarray, side_access: np.ndarray,
                  outside: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:func:`tppgame.game.agreement.accepting`, remembered (its arrays are read-only: games share them)."""
        n = len(group)

        def compute(_: np.ndarray) -> np.ndarray:
            ok, utility, access = accepting(weights, schedule, group, side_access, outside)
            return np.concatenate([ok, utility, access.ravel()])[None, :]

        key = np.concatenate([schedule.ravel(), group, side_access.ravel(), outside, [self._weights_code(weights)]])
        (row,) = self.packages.rows(key[None, :], compute)
        ok, utility, access = row[:n] != 0, row[n:2 * n], row[2 * n:].reshape(side_access.shape)
        for array in (utility, access):
            array.flags.writeable = False
        return ok, utility, access

