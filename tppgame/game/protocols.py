"""Bargaining protocols: how the talks that meet in a round turn into offers, replies and deals.

* ``alternating``: alternating offers. In each meeting one side proposes and the other
  responds, each asking its own negotiator (:mod:`tppgame.game.negotiators`): the proposer's
  negotiator makes the offer, the responder's accepts it or not. Where the two sides' demands
  overlap (an efficient offer at the proposer's demand gives the responder more than it demands,
  as at a deadline, where time-dependent negotiators demand only their reservations), the offer
  made is the point the theory of the game names within the overlap: the asymmetric Nash point
  of the pair's frontier, the reservations as disagreement point, weighted by the sides' patience
  (the limit of Rubinstein's game as offers come quickly: :func:`tppgame.game.solutions.nash_weights`),
  or the end of the overlap nearest to it. So who happens to propose does not decide the split.
* ``nash``, ``kalai_smorodinsky``: the pair settles at the benchmark solution as soon as
  a zone of agreement exists (no negotiator is asked).
* ``rubinstein``: the pair settles at once at Rubinstein's subgame-perfect offer of the proposer,
  solved on the pair's real frontier with the reservations as disagreement point and the sides'
  patience as discount factors (:func:`tppgame.game.solutions.rubinstein_solution`).

A protocol sees the talks meeting this round through a :class:`SessionInput` (arrays with
one row per talk) and answers with a :class:`SessionResult`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from functools import cached_property, lru_cache
from typing import Any, ClassVar
from typing import Protocol as Protocol_

import numpy as np

from tppgame.game.frontier import RESERVE_TOLERANCE, FrontierSummary
from tppgame.game.negotiators import (BUILT_IN, Move, Negotiator, Talks, ask as _ask, checked_bools, checked_numbers,
                                      checked_offer)
from tppgame.game.solutions import nash_weights


# ---------------------------------------------------------------------- sessions
@dataclass
class SessionResult:
    """One round's meetings, as arrays over the talks that met."""

    theta: np.ndarray
    x_ab: np.ndarray
    x_ba: np.ndarray
    u_a: np.ndarray
    u_b: np.ndarray
    proposer_is_a: np.ndarray
    aspiration_proposer: np.ndarray
    aspiration_responder: np.ndarray
    accepted: np.ndarray
    zopa: np.ndarray
    responder_yes: np.ndarray | None = None   # the responder's own verdict, before the proposer's check


# the split where demands overlap, as theta, for a summary's rows given a's and b's patience
SplitPoints = Callable[[FrontierSummary, np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class SessionInput:
    """What the protocol needs about the talks meeting this round (one row per talk)."""

    summary: FrontierSummary
    proposer_is_a: np.ndarray
    progress_a: np.ndarray
    progress_b: np.ndarray
    negotiator_a: tuple[Negotiator, ...]   # who decides for each side
    negotiator_b: tuple[Negotiator, ...]
    previous_a: np.ndarray         # each side's demand at its previous turn (nan if none)
    previous_b: np.ndarray
    received_gain_a: np.ndarray    # improvement of the partner's last offer, to each side (nan if none)
    received_gain_b: np.ndarray
    patience_a: np.ndarray
    patience_b: np.ndarray
    red_line_a: np.ndarray         # rows x sectors
    red_line_b: np.ndarray
    talks: tuple[TalkRecord, ...] = ()     # the talks themselves: labels, sectors, history
    a: np.ndarray | None = None    # the two sides' countries, as indices into ``names``
    b: np.ndarray | None = None
    names: tuple[str, ...] = ()    # every country's code
    sectors: tuple[str, ...] = ()  # every sector's name
    information: str = "full"
    # where demands overlap, the split's theta for some rows (summary's rows, a's and b's patience):
    # :func:`deadline_point` unless a memo of the game's work passes its remembered one
    split_points: SplitPoints | None = None

    @cached_property
    def labels(self) -> tuple[str, ...]:
        return tuple(t.label for t in self.talks)

    @cached_property
    def on_table(self) -> np.ndarray:
        """Rows x sectors: the sectors each talk bargains over."""
        return np.array([t.sectors for t in self.talks], dtype=bool)

    @cached_property
    def rounds_left(self) -> np.ndarray:
        """Rounds to the deadline that applies (0 in its round)."""
        return np.array([t.rounds_left for t in self.talks])

    @property
    def history(self) -> tuple[Sequence[Move], ...]:
        return tuple(t.history for t in self.talks)

    @cached_property
    def codes_a(self) -> tuple[str, ...]:
        return tuple(self.names[i] for i in self.a.tolist())

    @cached_property
    def codes_b(self) -> tuple[str, ...]:
        return tuple(self.names[i] for i in self.b.tolist())

    def rows(self, index: np.ndarray) -> SessionInput:
        """The input of some of the talks."""
        picked = index.tolist()
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, FrontierSummary):
                value = value.rows(index)
            elif isinstance(value, np.ndarray):
                value = value[index]
            elif isinstance(value, tuple) and value and f.name not in ("names", "sectors"):
                value = tuple(value[k] for k in picked)
            out[f.name] = value
        return SessionInput(**out)

    def side(self, is_a: np.ndarray) -> tuple[Talks, tuple[Negotiator, ...]]:
        """What the side given per row (a where ``is_a``, else b) sees, and who decides for it."""
        chosen = tuple(x if a else y for x, y, a in zip(self.negotiator_a, self.negotiator_b, is_a.tolist()))
        return Talks(self, is_a), chosen


class TalkRecord(Protocol_):
    """What a protocol reads of a talk itself (:class:`tppgame.game.talks.Talk` is one)."""

    label: str
    sectors: np.ndarray
    rounds_left: int
    history: list[Move]


@lru_cache(maxsize=256)
def _rule(cls: type, per_country: str, array_pass: str) -> Callable[..., Any]:
    """The class method that answers for a negotiator class's rows: its own array pass, unless a
    subclass below it overrides the per-country method (then the base pass, which asks each one)."""
    for klass in cls.__mro__:
        if array_pass in klass.__dict__:
            return getattr(cls, array_pass)
        if per_country in klass.__dict__:
            return getattr(Negotiator, array_pass)
    return getattr(Negotiator, array_pass)


@lru_cache(maxsize=256)
def _one_rule(classes: frozenset[type], per_country: str, array_pass: str) -> Callable[..., Any] | None:
    """The rule that answers for every row when the negotiators' classes share one (else None)."""
    of_type = [_rule(cls, per_country, array_pass) for cls in classes]
    return of_type[0] if len({rule.__func__ for rule in of_type}) == 1 else None    # (None too for no rows)


def _grouped(negotiators: Sequence[Negotiator], per_country: str, array_pass: str,
             ) -> list[tuple[Callable[..., Any], np.ndarray | None]]:
    """The rows each rule answers for (None: all rows, when one rule answers for every row)."""
    classes = frozenset(map(type, negotiators))
    one = _one_rule(classes, per_country, array_pass)
    if one is not None:
        return [(one, None)]
    of_type = {cls: _rule(cls, per_country, array_pass) for cls in classes}
    rules: dict[Any, tuple[Callable[..., Any], list[int]]] = {}
    for k, who in enumerate(negotiators):
        rule = of_type[type(who)]
        rules.setdefault(rule.__func__, (rule, []))[1].append(k)
    return [(rule, np.array(rows)) for rule, rows in rules.values()]


def demands(negotiators: Sequence[Negotiator], talks: Talks) -> np.ndarray:
    """Each row's demand, each class of negotiators answering for its rows in one pass.

    Negotiators that decide by the same rule (Boulware, linear and conceder are one time-dependent
    rule with their own betas) decide their rows together: a rule works element by element along
    the rows, so splitting the rows among them would give the same numbers.
    """
    groups = _grouped(negotiators, "demand", "demands")
    if groups[0][1] is None:
        return _trusted_numbers(groups[0][0], negotiators, talks, groups[0][0](negotiators, talks))
    out = np.empty(len(talks))
    for rule, rows in groups:
        part, chosen = talks.rows(rows), [negotiators[k] for k in rows]
        out[rows] = _trusted_numbers(rule, chosen, part, rule(chosen, part))
    return out


def proposals(negotiators: Sequence[Negotiator], talks: Talks,
              demand: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's offer (a's concessions, b's concessions, theta or NaN), each class answering for its rows."""
    groups = _grouped(negotiators, "propose", "proposals")
    if groups[0][1] is None:
        return _trusted_offers(groups[0][0], negotiators, talks, groups[0][0](negotiators, talks, demand))
    sectors = talks.on_table.shape[1]
    x_ab, x_ba, theta = np.empty((len(talks), sectors)), np.empty((len(talks), sectors)), np.empty(len(talks))
    for rule, rows in groups:
        part, chosen = talks.rows(rows), [negotiators[k] for k in rows]
        x_ab[rows], x_ba[rows], theta[rows] = _trusted_offers(rule, chosen, part, rule(chosen, part, demand[rows]))
    return x_ab, x_ba, theta


def responses(negotiators: Sequence[Negotiator], talks: Talks, x_ab: np.ndarray, x_ba: np.ndarray,
              utility: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """Whether each row's responder accepts, each class answering for its rows."""
    groups = _grouped(negotiators, "respond", "responses")
    if groups[0][1] is None:
        return _trusted_bools(groups[0][0], negotiators, talks,
                              groups[0][0](negotiators, talks, x_ab, x_ba, utility, demand))
    out = np.empty(len(talks), dtype=bool)
    for rule, rows in groups:
        part, chosen = talks.rows(rows), [negotiators[k] for k in rows]
        out[rows] = _trusted_bools(rule, chosen, part, rule(chosen, part, x_ab[rows], x_ba[rows], utility[rows],
                                                            demand[rows]))
    return out


def tell(inp: SessionInput, moves: Sequence[Move]) -> None:
    """Let each negotiator that learns observe this round's meeting in each of its talks (one move per row)."""
    for is_a in (True, False):
        talks, negotiators = inp.side(np.full(len(moves), is_a))
        learners: dict[int, tuple[Negotiator, list[int]]] = {}
        for k, who in enumerate(negotiators):
            if type(who).observe is not Negotiator.observe:
                learners.setdefault(id(who), (who, []))[1].append(k)
        for who, rows in learners.values():
            index = np.array(rows)
            part = talks.rows(index)
            _ask(who, part, "observe", lambda: who.observe(part, [moves[k] for k in rows]))


@lru_cache(maxsize=64)
def _game_own(rule: Callable[..., Any]) -> bool:
    """Whether a class pass is the game's own: the base class's (which checks each negotiator's answer)
    or a built-in negotiator's array pass. Any other pass's answers are checked."""
    return rule.__module__ in {Negotiator.__module__, *(cls.__module__ for cls in BUILT_IN.values())}


def _trusted_offers(rule: Callable[..., Any], negotiators: Sequence[Negotiator], talks: Talks,
                    answer: tuple[np.ndarray, np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A class pass's offers: checked (as the proposers' own) unless the pass is one of the game's own."""
    if _game_own(rule.__func__):
        return answer
    x_ab, x_ba, theta = answer
    gives, asks = checked_offer(negotiators[0], talks, *talks.orient(x_ab, x_ba))
    x_ab, x_ba = talks.orient(gives, asks)
    return x_ab, x_ba, np.asarray(theta, dtype=float)


def _trusted_numbers(rule: Callable[..., Any], negotiators: Sequence[Negotiator], talks: Talks,
                     answer: np.ndarray) -> np.ndarray:
    """A class pass's demands: checked unless the pass is one of the game's own."""
    if _game_own(rule.__func__):
        return answer
    return checked_numbers(negotiators[0], talks, answer, "demands")


def _trusted_bools(rule: Callable[..., Any], negotiators: Sequence[Negotiator], talks: Talks,
                   answer: np.ndarray) -> np.ndarray:
    """A class pass's replies: checked unless the pass is one of the game's own."""
    if _game_own(rule.__func__):
        return answer
    return checked_bools(negotiators[0], talks, answer)


class Protocol:
    """A bargaining protocol decides, for the talks meeting this round, the offers and replies."""

    name: ClassVar[str]

    def session(self, inp: SessionInput) -> SessionResult:
        raise NotImplementedError

    @staticmethod
    def _result(inp: SessionInput, theta: np.ndarray, asp_p: np.ndarray, asp_r: np.ndarray,
                decide: Callable[..., np.ndarray]) -> SessionResult:
        """Evaluate the offers at ``theta``; a deal needs the responder's yes (``decide``) and
        must leave neither side below its reservation."""
        s = inp.summary
        x_ab, x_ba = s.terms.deal_at(theta)
        u_a, u_b = s.terms.utilities(x_ab, x_ba)
        yes = decide(x_ab, x_ba, u_a, u_b)
        accepted = yes & (u_a >= s.reserve_a - RESERVE_TOLERANCE) & (u_b >= s.reserve_b - RESERVE_TOLERANCE)
        return SessionResult(theta, x_ab, x_ba, u_a, u_b, inp.proposer_is_a, asp_p, asp_r, accepted, s.zopa, yes)


def _within_red_lines(x_ab: np.ndarray, x_ba: np.ndarray, inp: SessionInput) -> tuple[np.ndarray, np.ndarray]:
    """Whether each side's concessions in a deal respect its red lines (or its current level)."""
    s = inp.summary.terms
    ok_a = (x_ab <= np.maximum(inp.red_line_a, s.own_a) + 1e-12).all(axis=1)
    ok_b = (x_ba <= np.maximum(inp.red_line_b, s.own_b) + 1e-12).all(axis=1)
    return ok_a, ok_b


class AlternatingOffers(Protocol):
    """Alternating offers: each side's negotiator states its demand; the proposer's makes an offer
    (the built-in ones: the efficient point at their demand); the responder's accepts it or not
    (the built-in ones: :func:`tppgame.game.negotiators.accepts` with their own demand)."""

    name = "alternating"

    def session(self, inp: SessionInput) -> SessionResult:
        s = inp.summary
        asp_a = demands(inp.negotiator_a, Talks(inp, True))
        asp_b = demands(inp.negotiator_b, Talks(inp, False))
        prop_a = inp.proposer_is_a
        asp_p, asp_r = np.where(prop_a, asp_a, asp_b), np.where(prop_a, asp_b, asp_a)
        proposer, by = inp.side(prop_a)
        x_ab, x_ba, theta = proposals(by, proposer, asp_p)
        u_a, u_b = s.terms.utilities(x_ab, x_ba)
        x_ab, x_ba, theta, u_a, u_b = settle_overlap(inp, asp_r, x_ab, x_ba, theta, u_a, u_b)
        responder, to = inp.side(~prop_a)
        yes = responses(to, responder, x_ab, x_ba, np.where(prop_a, u_b, u_a), asp_r)
        accepted = yes & (u_a >= s.reserve_a - RESERVE_TOLERANCE) & (u_b >= s.reserve_b - RESERVE_TOLERANCE)
        return SessionResult(theta, x_ab, x_ba, u_a, u_b, prop_a, asp_p, asp_r, accepted, s.zopa, yes)


def deadline_point(summary: FrontierSummary, patience_a: np.ndarray, patience_b: np.ndarray) -> np.ndarray:
    """Theta of the split the alternating protocol names where the demands overlap: the asymmetric
    Nash point of each row's frontier, reservations as disagreement point, weighted by patience
    (:func:`~tppgame.game.solutions.nash_weights`). It is found from the point's first-order
    condition (:meth:`FrontierSummary.weighted_nash`): exact, in about six evaluations of the
    frontier, where the grid search of :meth:`FrontierSummary.nash` takes over two hundred (it is
    found in every meeting where demands overlap)."""
    return summary.weighted_nash(nash_weights(patience_a, patience_b))


def settle_overlap(inp: SessionInput, demand_responder: np.ndarray, x_ab: np.ndarray, x_ba: np.ndarray,
                   theta: np.ndarray, u_a: np.ndarray, u_b: np.ndarray,
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Offers moved, where the demands overlap, to the split the theory names within the overlap.

    An efficient offer (``theta`` known: the built-in offer under full information) that gives the
    responder more than ``demand_responder`` leaves a zone both demands allow: from the offer (the
    proposer's demand) to the point that just gives the responder its demand. Handing all of it to
    the responder would let the coin toss of who proposes decide the split; instead the offer is
    the asymmetric Nash point of the zone of agreement (reservations as disagreement point,
    weights from the sides' patience, :func:`~tppgame.game.solutions.nash_weights`), or the end of
    the overlap nearest to it. Both ends and the point are the same whoever proposes, so the split
    is too. Other rows are returned as they came.
    """
    s = inp.summary
    prop_a = inp.proposer_is_a
    u_resp = np.where(prop_a, u_b, u_a)
    overlap = s.zopa & np.isfinite(theta) & (u_resp > demand_responder)
    if not overlap.any():
        return x_ab, x_ba, theta, u_a, u_b
    rows = np.flatnonzero(overlap)
    part = s if len(rows) == len(overlap) else s.rows(rows)       # every row: the summary as it is
    target = (inp.split_points or deadline_point)(part, inp.patience_a[rows], inp.patience_b[rows])
    offer, a_proposes, wanted = theta[rows], prop_a[rows], demand_responder[rows]
    # The overlap runs from the offer (the proposer's end) to the point that just gives the responder
    # its demand (the responder's end): the target, or the end nearest to it. The responder's end is
    # searched for only in the rare rows where the target lies past it.
    past_offer = np.where(a_proposes, target < offer, target > offer)
    settled = np.where(past_offer, offer, target)
    # the deal and its utilities at once (the same bits as the frontier's utilities there: an efficient
    # deal concedes at least what each side already grants), found again if some rows move
    deal = part.terms.deal_at(settled)
    at_a, at_b = part.terms.utilities(*deal)
    short = ~past_offer & (np.where(a_proposes, at_b, at_a) < wanted)
    if short.any():
        k = np.flatnonzero(short)
        end = (part if len(k) == len(short) else part.rows(k)).safe_point(~a_proposes[k], wanted[k])
        settled[k] = np.where(a_proposes[k], np.maximum(end, offer[k]), np.minimum(end, offer[k]))
        deal = part.terms.deal_at(settled)
        at_a, at_b = part.terms.utilities(*deal)
    theta, x_ab, x_ba, u_a, u_b = theta.copy(), x_ab.copy(), x_ba.copy(), u_a.copy(), u_b.copy()
    theta[rows] = settled
    (x_ab[rows], x_ba[rows]), u_a[rows], u_b[rows] = deal, at_a, at_b
    return x_ab, x_ba, theta, u_a, u_b


class _Benchmark(Protocol):
    """Settle at a benchmark point as soon as a zone of agreement exists."""

    def point(self, inp: SessionInput) -> np.ndarray:
        raise NotImplementedError

    def session(self, inp: SessionInput) -> SessionResult:
        s = inp.summary
        theta = np.where(s.zopa, self.point(inp), np.where(inp.proposer_is_a, s.theta_best_a, s.theta_best_b))
        nan = np.full(len(theta), np.nan)

        def decide(x_ab: np.ndarray, x_ba: np.ndarray, u_a: np.ndarray, u_b: np.ndarray) -> np.ndarray:
            ok_a, ok_b = _within_red_lines(x_ab, x_ba, inp)
            return s.zopa & ok_a & ok_b

        return self._result(inp, theta, nan, nan, decide)


class NashProtocol(_Benchmark):
    """Each pair agrees on the Nash bargaining solution of its frontier."""

    name = "nash"

    def point(self, inp: SessionInput) -> np.ndarray:
        return inp.summary.nash()


class KalaiSmorodinskyProtocol(_Benchmark):
    """Each pair agrees on the Kalai-Smorodinsky solution of its frontier."""

    name = "kalai_smorodinsky"

    def point(self, inp: SessionInput) -> np.ndarray:
        return inp.summary.kalai_smorodinsky()


class RubinsteinProtocol(_Benchmark):
    """The proposer's offer in Rubinstein's subgame-perfect equilibrium, on the pair's real frontier
    (reservations as disagreement point, patience as discount factors), accepted at once."""

    name = "rubinstein"

    def point(self, inp: SessionInput) -> np.ndarray:
        s = inp.summary
        theta = np.where(inp.proposer_is_a, s.theta_best_a, s.theta_best_b)
        rows = np.flatnonzero(s.zopa)
        if len(rows):
            a_first, b_first = s.rows(rows).rubinstein(inp.patience_a[rows], inp.patience_b[rows])
            theta[rows] = np.where(inp.proposer_is_a[rows], a_first, b_first)
        return theta


PROTOCOLS: dict[str, type[Protocol]] = {
    cls.name: cls for cls in (AlternatingOffers, NashProtocol, KalaiSmorodinskyProtocol, RubinsteinProtocol)
}
