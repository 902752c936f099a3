"""The negotiator contract: what a country sees of its talks (:class:`Talks`), what it decides
(:class:`Negotiator`), and the checks that stop a negotiator answering outside the contract."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

import numpy as np

from tppgame.game.negotiators.private import Estimate, private_best, private_efficient

if TYPE_CHECKING:
    from tppgame.game.protocols import SessionInput

_SERIAL = itertools.count()      # numbers for negotiators whose memo key is their identity


class NegotiatorError(RuntimeError):
    """A negotiator raised or answered outside the contract (wrong shape, not finite, out of bounds)."""


class Move(NamedTuple):
    """One offer made in a talk: its round, whether side a proposed, the deal offered as (a's
    concessions, b's concessions), and whether it was accepted."""

    round: int
    proposer_is_a: bool
    x_ab: np.ndarray
    x_ba: np.ndarray
    accepted: bool


# ------------------------------------------------------------------- what a side sees
class Talks:
    """What one side of some talks sees of them this round, one row per talk.

    ``side_is_a`` says, per row, whether the deciding country is side ``a`` of the talk. Every
    field is read from the session's input when first used, so a negotiator pays only for what
    it reads.

    Under full information (``information == "full"``) a side knows the partner's utility too, so
    the pair's efficient frontier. Under private information it knows its own utility, the public
    positions (sectors on the table, both sides' red lines and what each already grants) and the
    partner's offers: :meth:`partner_utility` refuses, and :attr:`best` and :meth:`efficient`
    answer from its own utility alone (:mod:`tppgame.game.negotiators.private`).
    """

    def __init__(self, inp: SessionInput, side_is_a: np.ndarray | bool):
        self.inp = inp
        # a plain bool: the same side in every row (the protocol's views of all a's and all b's),
        # read from that side's arrays as they are
        self._one_side = side_is_a if isinstance(side_is_a, bool) else None
        self.side_is_a = (np.full(len(inp.proposer_is_a), side_is_a) if self._one_side is not None
                          else np.asarray(side_is_a, dtype=bool))

    def __len__(self) -> int:
        return len(self.side_is_a)

    def _pick(self, a_value: np.ndarray, b_value: np.ndarray) -> np.ndarray:
        if self._one_side is not None:
            view = (a_value if self._one_side else b_value).view()
            view.flags.writeable = False        # the session's own arrays: read, never written
            return view
        side = self.side_is_a if a_value.ndim == 1 else self.side_is_a[:, None]
        return np.where(side, a_value, b_value)

    @cached_property
    def best(self) -> np.ndarray:
        """Its best utility in each talk that the partner could still ratify. Under private
        information, where the partner's reservation is hidden: its utility if the partner conceded
        everything on the table up to the partner's red lines while it conceded nothing
        (:func:`~tppgame.game.negotiators.private.private_best`), the most it could hope for."""
        if self.information != "full":
            return private_best(self)
        return self._pick(self.inp.summary.best_a, self.inp.summary.best_b)

    @cached_property
    def reserve(self) -> np.ndarray:
        """Its reservation: the utility from the talk it needs to get the deal ratified at home."""
        return self._pick(self.inp.summary.reserve_a, self.inp.summary.reserve_b)

    @cached_property
    def progress(self) -> np.ndarray:
        """0 when the talk opened, 1 at the deadline that applies (and after it)."""
        return self._pick(self.inp.progress_a, self.inp.progress_b)

    @property
    def rounds_left(self) -> np.ndarray:
        """Rounds from this one to the deadline that applies (0 in the deadline's round)."""
        return self.inp.rounds_left

    @cached_property
    def previous(self) -> np.ndarray:
        """Its demand at its previous turn in the talk (NaN before its first)."""
        return self._pick(self.inp.previous_a, self.inp.previous_b)

    @cached_property
    def received_gain(self) -> np.ndarray:
        """How much the partner's last offer improved on the one before, to it (NaN if unknown)."""
        return self._pick(self.inp.received_gain_a, self.inp.received_gain_b)

    @cached_property
    def patience(self) -> np.ndarray:
        """Its discount factor per round."""
        return self._pick(self.inp.patience_a, self.inp.patience_b)

    @cached_property
    def red_line(self) -> np.ndarray:
        """The most it may concede per sector (rows x sectors): its red line, or what it already
        grants where that is more; sectors not on the table are 0."""
        terms = self.inp.summary.terms
        return np.maximum(self._pick(self.inp.red_line_a, self.inp.red_line_b), self._pick(terms.own_a, terms.own_b))

    @cached_property
    def partner_red_line(self) -> np.ndarray:
        """The most the partner may concede per sector (rows x sectors), as :attr:`red_line` is its
        own: red lines are public positions, known under either information."""
        terms = self.inp.summary.terms
        return np.maximum(self._pick(self.inp.red_line_b, self.inp.red_line_a), self._pick(terms.own_b, terms.own_a))

    @cached_property
    def on_table(self) -> np.ndarray:
        """Which sectors are on the table in each talk (rows x sectors)."""
        return np.asarray(self.inp.on_table, dtype=bool)

    @cached_property
    def countries(self) -> tuple[str, ...]:
        """The deciding country of each row."""
        return tuple(a if s else b for a, b, s in zip(self.inp.codes_a, self.inp.codes_b, self.side_is_a.tolist()))

    @cached_property
    def partners(self) -> tuple[str, ...]:
        return tuple(b if s else a for a, b, s in zip(self.inp.codes_a, self.inp.codes_b, self.side_is_a.tolist()))

    @property
    def sectors(self) -> tuple[str, ...]:
        """The sectors' names, in the order of the columns."""
        return self.inp.sectors

    @property
    def labels(self) -> tuple[str, ...]:
        return self.inp.labels

    @property
    def history(self) -> tuple[Sequence[Move], ...]:
        """Each talk's offers so far, oldest first (as the talk records them: sides a and b)."""
        return self.inp.history

    @property
    def information(self) -> str:
        """``"full"``: it knows the partner's utility too; ``"private"``: its own only."""
        return getattr(self.inp, "information", "full")

    def orient(self, mine: np.ndarray, theirs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(a's, b's) concessions from (its own, the partner's), row by row; the same turns them back."""
        side = self.side_is_a[:, None]
        return np.where(side, mine, theirs), np.where(side, theirs, mine)

    def utility(self, mine: np.ndarray, theirs: np.ndarray) -> np.ndarray:
        """Its utility from deals in which it concedes ``mine`` and the partner ``theirs`` (rows x
        sectors each), measured against no deal in the talk this round."""
        u_a, u_b = self.inp.summary.terms.utilities(*self.orient(mine, theirs))
        return np.where(self.side_is_a, u_a, u_b)

    def partner_utility(self, mine: np.ndarray, theirs: np.ndarray) -> np.ndarray:
        """The partner's utility from the same deals: known under full information only."""
        if self.information != "full":
            raise NegotiatorError("the partner's utility is hidden under private information")
        u_a, u_b = self.inp.summary.terms.utilities(*self.orient(mine, theirs))
        return np.where(self.side_is_a, u_b, u_a)

    def efficient(self, target: np.ndarray, estimate: Estimate | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The efficient deal (``mine``, ``theirs``) giving it about ``target`` (and never less than
        its reservation where a zone of agreement exists): the built-in negotiators' offer.

        Under full information, and without ``estimate``, the point of the pair's true frontier.
        Under private information, or with an ``estimate`` of the partner's (gain, cost) weights per
        sector (rows x sectors each), the point of the frontier as it estimates the partner (uniform
        weights when it brings none), giving it at least ``target`` and its reservation: it concedes
        first where it estimates the partner gains most per unit of its own cost, and asks first
        where it gains most per unit of the partner's estimated cost
        (:func:`~tppgame.game.negotiators.private.private_efficient`). No partner figure is read.
        """
        target = np.asarray(target, dtype=float)
        if estimate is None and self.information == "full":
            x_ab, x_ba, _ = _efficient(self, target)
        else:
            x_ab, x_ba = private_efficient(self, target, estimate)
        return self.orient(x_ab, x_ba)

    def rows(self, index: np.ndarray) -> Talks:
        """The same view of some of the rows."""
        return Talks(self.inp.rows(index), self.side_is_a[index])


def _efficient(talks: Talks, target: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(a's concessions, b's concessions, theta) of the efficient offers for ``target`` (theta NaN
    under private information, whose offers are off the true frontier)."""
    if talks.information != "full":
        x_ab, x_ba = private_efficient(talks, target)
        return x_ab, x_ba, np.full(len(talks), np.nan)
    summary = talks.inp.summary
    theta = summary.proposal(talks.side_is_a, target)
    x_ab, x_ba = summary.terms.deal_at(theta)
    return x_ab, x_ba, theta


def accepts(utility: np.ndarray, aspiration: np.ndarray, reserve: np.ndarray,
            within_red_lines: np.ndarray) -> np.ndarray:
    """The acceptance rule: take an offer that respects your red lines and gives you at least
    both your reservation and what you would demand yourself now."""
    return within_red_lines & (utility >= reserve) & (utility >= aspiration)


# ------------------------------------------------------------------------ negotiators
class Negotiator:
    """Base class: a country's way of bargaining. Subclass it and override :meth:`demand` (and,
    if you like, :meth:`propose`, :meth:`respond` and :meth:`observe`).

    ``classifier`` says what kind it is, as Axelrod's strategies do: ``stateless`` (its answers
    depend only on what it sees this round: the sweep's memo may then answer for it; a negotiator
    that learns must say ``False``), ``time_dependent``, ``reciprocal``, ``human``.
    """

    name: ClassVar[str] = ""
    classifier: ClassVar[dict[str, bool]] = {"stateless": False, "time_dependent": False, "reciprocal": False,
                                             "human": False}

    @property
    def label(self) -> str:
        """The name it goes by in messages: its registered name, else its class's."""
        return self.name or type(self).__name__

    @property
    def stateless(self) -> bool:
        return bool(self.classifier.get("stateless", False))

    @property
    def memo_key(self) -> tuple[Any, ...]:
        """What stands for this negotiator in the sweep memo's keys: the same key must mean the
        same answers. By default the instance itself (a number of its own)."""
        if "_memo_serial" not in self.__dict__:
            self.__dict__["_memo_serial"] = next(_SERIAL)
        return (type(self).__module__, type(self).__qualname__, self.__dict__["_memo_serial"])

    # ------------------------------------------------------------ per country
    def demand(self, talks: Talks) -> np.ndarray:
        """The utility it asks for in each of its talks this round (one number per row)."""
        raise NotImplementedError("a negotiator must decide its demand: override demand(talks)")

    def propose(self, talks: Talks, demand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Its offers where it proposes: (what it gives, what it asks), rows x sectors in [0, 1].

        By default the efficient deal that gives it its demand (:meth:`Talks.efficient`).
        """
        return talks.efficient(demand)

    def respond(self, talks: Talks, mine: np.ndarray, theirs: np.ndarray, demand: np.ndarray) -> np.ndarray:
        """Whether it accepts the partner's offers (``mine``: what it would give, ``theirs``: what
        the partner would), one bool per row. By default :func:`accepts` with its demand."""
        within = (mine <= talks.red_line + 1e-12).all(axis=1)
        return accepts(talks.utility(mine, theirs), demand, talks.reserve, within)

    def observe(self, talks: Talks, moves: Sequence[Move]) -> None:
        """What it learns from this round's meeting in each of its talks (one move per row)."""

    # ------------------------------------------------------------ array passes
    @classmethod
    def demands(cls, negotiators: Sequence[Negotiator], talks: Talks) -> np.ndarray:
        """Every row's demand, each negotiator answering for its own rows (``negotiators[k]``
        decides row ``k``). Built-in classes answer for all their rows in one pass."""
        out = np.empty(len(talks))
        for who, rows in _by_instance(negotiators):
            part = talks.rows(rows) if len(rows) < len(talks) else talks
            answer = ask(who, part, "demand", lambda: who.demand(part))
            out[rows] = checked_numbers(who, part, answer, "demand")
        return out

    @classmethod
    def proposals(cls, negotiators: Sequence[Negotiator], talks: Talks,
                  demand: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every row's offer as (a's concessions, b's concessions, theta: the weight on a's utility
        of the efficient point offered, NaN for an offer off the frontier)."""
        if all(cls.propose is Negotiator.propose for cls in set(map(type, negotiators))):
            return _efficient(talks, demand)
        efficient = np.array([type(n).propose is Negotiator.propose for n in negotiators])
        shape = talks.on_table.shape
        x_ab, x_ba, theta = np.empty(shape), np.empty(shape), np.full(shape[0], np.nan)
        if efficient.any():
            rows = np.flatnonzero(efficient)
            x_ab[rows], x_ba[rows], theta[rows] = _efficient(talks.rows(rows), demand[rows])
        for who, rows in _by_instance(negotiators, ~efficient):
            part = talks.rows(rows)
            gives, asks = ask(who, part, "propose", lambda: who.propose(part, demand[rows]))
            gives, asks = checked_offer(who, part, gives, asks)
            x_ab[rows], x_ba[rows] = part.orient(gives, asks)
        return x_ab, x_ba, theta

    @classmethod
    def responses(cls, negotiators: Sequence[Negotiator], talks: Talks, x_ab: np.ndarray, x_ba: np.ndarray,
                  utility: np.ndarray, demand: np.ndarray) -> np.ndarray:
        """Whether each row's responder accepts the offer (a's, b's concessions), ``utility`` being
        the responder's utility from it."""
        if all(cls.respond is Negotiator.respond for cls in set(map(type, negotiators))):
            return _default_responses(talks, slice(None), x_ab, x_ba, utility, demand)   # every row
        default = np.array([type(n).respond is Negotiator.respond for n in negotiators])
        out = np.empty(len(talks), dtype=bool)
        if default.any():
            rows = np.flatnonzero(default)
            out[rows] = _default_responses(talks, rows, x_ab, x_ba, utility, demand)
        for who, rows in _by_instance(negotiators, ~default):
            part = talks.rows(rows)
            mine, theirs = part.orient(x_ab[rows], x_ba[rows])
            answer = ask(who, part, "respond", lambda: who.respond(part, mine, theirs, demand[rows]))
            out[rows] = checked_bools(who, part, answer)
        return out


def _default_responses(talks: Talks, rows: slice | np.ndarray, x_ab: np.ndarray, x_ba: np.ndarray,
                       utility: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """The replies of some rows by the default rule (:meth:`Negotiator.respond`): :func:`accepts`
    with the responder's own demand, its concessions within its red lines."""
    mine = np.where(talks.side_is_a[rows, None], x_ab[rows], x_ba[rows])
    within = (mine <= talks.red_line[rows] + 1e-12).all(axis=1)
    return accepts(utility[rows], demand[rows], talks.reserve[rows], within)


def _by_instance(negotiators: Sequence[Negotiator],
                 among: np.ndarray | None = None) -> list[tuple[Negotiator, np.ndarray]]:
    """The rows each negotiator decides (optionally only rows marked in ``among``), in first-seen order."""
    rows: dict[int, tuple[Negotiator, list[int]]] = {}
    for k, who in enumerate(negotiators):
        if among is None or among[k]:
            rows.setdefault(id(who), (who, []))[1].append(k)
    return [(who, np.array(ks)) for who, ks in rows.values()]


def _where(who: Negotiator, talks: Talks) -> str:
    """'negotiator 'x' of JPN in talk 'AUS-JPN ...'' for messages (the first of its talks)."""
    country = talks.countries[0] if len(talks) else "?"
    label = talks.labels[0] if len(talks) else "?"
    more = f" (and {len(talks) - 1} more)" if len(talks) > 1 else ""
    return f"negotiator '{who.label}' of {country} in talk '{label}'{more}"


def ask(who: Negotiator, talks: Talks, what: str, call: Callable[[], Any]) -> Any:
    """Ask a negotiator; anything it raises becomes one clear NegotiatorError."""
    try:
        return call()
    except NegotiatorError:
        raise
    except Exception as error:  # noqa: BLE001 - a negotiator's own fault, reported as such
        raise NegotiatorError(f"{_where(who, talks)}: {what}() raised {type(error).__name__}: {error}") from error


def checked_numbers(who: Negotiator, talks: Talks, answer: Any, what: str) -> np.ndarray:
    """A negotiator's numbers (one per row), or the NegotiatorError that says what was wrong."""
    try:
        values = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        values = None
    if values is None or values.shape != (len(talks),) or not np.isfinite(values).all():
        raise NegotiatorError(f"{_where(who, talks)}: {what}() must return {len(talks)} finite numbers "
                              f"(one per talk), got {_shape_of(answer)}")
    return values


def checked_bools(who: Negotiator, talks: Talks, answer: Any) -> np.ndarray:
    """A negotiator's replies (one boolean per row), or the NegotiatorError that says what was wrong."""
    values = np.asarray(answer)
    if values.shape != (len(talks),) or values.dtype != bool:
        raise NegotiatorError(f"{_where(who, talks)}: respond() must return {len(talks)} booleans "
                              f"(one per talk), got {_shape_of(answer)}")
    return values


def checked_offer(who: Negotiator, talks: Talks, gives: Any, asks: Any) -> tuple[np.ndarray, np.ndarray]:
    """An offer's two arrays, checked: rows x sectors, finite, in [0, 1], nothing off the table,
    and what it gives within its red lines."""
    shape = talks.on_table.shape
    out = []
    for name, value in (("gives", gives), ("asks", asks)):
        try:
            array = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            array = None
        if array is None or array.shape != shape or not np.isfinite(array).all():
            raise NegotiatorError(f"{_where(who, talks)}: propose() must return (gives, asks), each "
                                  f"{shape[0]} x {shape[1]} finite numbers, got {name} {_shape_of(value)}")
        bad = np.argwhere((array < 0.0) | (array > 1.0))
        if len(bad):
            k, s = bad[0]
            raise NegotiatorError(f"{_where(who, talks.rows(np.array([k])))}: propose() {name} "
                                  f"{float(array[k, s]):.4f} for {_sector(talks, s)}: concessions must be from 0 to 1")
        out.append(np.where(talks.on_table, array, 0.0))
    past = np.argwhere(out[0] > talks.red_line + 1e-9)
    if len(past):
        k, s = past[0]
        raise NegotiatorError(f"{_where(who, talks.rows(np.array([k])))}: propose() gives {out[0][k, s]:.4f} "
                              f"for {_sector(talks, s)}, past its red line {talks.red_line[k, s]:.4f}")
    return out[0], out[1]


def _sector(talks: Talks, column: int) -> str:
    return talks.sectors[column] if column < len(talks.sectors) else f"sector {column}"


def _shape_of(value: Any) -> str:
    shape = getattr(np.asarray(value, dtype=object), "shape", None)
    return f"{type(value).__name__} of shape {shape}" if shape else repr(value)[:60]
