"""A bridge to NegMAS: let any NegMAS SAO negotiator play one country's talks.

NegMAS (https://github.com/yasserfarouk/negmas) is an optional extra (``pip install
"tppgame[negmas]"``); only this module imports it, and nothing in tppgame imports this module.

    from negmas import AspirationNegotiator
    from tppgame import TPPModel
    from tppgame.game.negotiators.negmas_bridge import NegmasNegotiator

    model = TPPModel("baseline", negotiators={"JPN": NegmasNegotiator(AspirationNegotiator)})

How the pieces map:

* **Turn-taking** stays tppgame's (:mod:`tppgame.protocols`): NegMAS's own mechanism loop never
  runs. Each talk gets one NegMAS negotiator for the whole game, attached to a host
  ``SAOMechanism`` that only serves its interface (``nmi``: outcome space, state, the partner's
  id); the host's state is an ``SAOState`` this bridge keeps up to date (``step``: offers so far
  in the talk, ``relative_time``: :attr:`Talks.progress`, ``current_offer``: the partner's last
  offer). Where the country proposes, the bridge calls the negotiator's ``propose_(state)``; where
  it responds, ``respond_(state)`` with the partner's offer as ``state.current_offer``; a deal
  ends the NegMAS negotiation (``_on_negotiation_end``).
* **Outcome space**: per talk, two issues per sector on the table, ``gives SECTOR`` (the side's
  own concession) and ``asks SECTOR`` (the partner's), each a discrete issue over ``levels``
  (0, 0.25, 0.5, 0.75 and 1 by default). An outcome is the tuple of gives then asks, in sector order.
* **Red lines**: the ``gives`` issues are *restricted* to the levels at or below the side's red
  line when the talk first meets, so NegMAS can never choose an outcome past it; the offer is
  also clipped to the current red line (which only bites if an event lowers a red line later).
  An offer received that would take the side past its red line is rejected whatever NegMAS says.
* **Utility**: the NegMAS ufun of an outcome is ``Talks.utility(mine, theirs)`` for that talk
  (:class:`TalkUtility`, whose ``eval`` calls back into tppgame), its reserved value the talk's
  reservation. tppgame's utility is a sum over sectors of what each side concedes, so the same
  ufun is also given to NegMAS as a linear-additive one (a table per issue): its inverters can
  then search the large outcome spaces (5 levels, 10 sectors: 5**20 outcomes) without
  enumerating them. The ufun is refreshed each round and NegMAS told of any change
  (``on_preferences_changed``), since a deal elsewhere changes what a talk is worth.
* **Demand** (the utility a side asks for, logged by the game): the NegMAS negotiator's current
  utility target where it exposes one (``utility_range_to_propose``, as NegMAS's time-based and
  aspiration negotiators do), else the utility of its own last proposal, else its best.

Offers received are handed to NegMAS as they are (the built-in negotiators offer efficient
points, off the grid of levels): the ufun evaluates any concessions exactly.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tppgame.game.negotiators import Move, Negotiator, Talks

try:
    from negmas import PreferencesChange, PreferencesChangeType, make_issue, make_os
    from negmas.gb import GBNegotiator
    from negmas.gb.common import ExtendedResponseType
    from negmas.outcomes.common import ExtendedOutcome
    from negmas.preferences import LinearAdditiveUtilityFunction
    from negmas.preferences.value_fun import TableFun
    from negmas.sao import ResponseType, SAOMechanism, SAONegotiator, SAOState
    from negmas.warnings import NegmasInfiniteNegotiationWarning
except ImportError as error:  # pragma: no cover - reported to whoever imports the bridge
    raise ImportError("tppgame.game.negotiators.negmas_bridge needs NegMAS: pip install 'tppgame[negmas]' "
                      "(or negmas==0.16.0)") from error

DEFAULT_LEVELS: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0)
_TOLERANCE = 1e-9


# ------------------------------------------------------------------- the outcome space
def checked_levels(levels: Sequence[float]) -> tuple[float, ...]:
    """The levels sorted, each once; ValueError unless they are numbers in [0, 1] that include 0."""
    try:
        values = tuple(sorted({float(v) for v in levels}))
    except (TypeError, ValueError):
        values = ()
    if not values or values[0] != 0.0 or not all(0.0 <= v <= 1.0 for v in values):
        raise ValueError(f"levels must lie in [0, 1] and include 0 (conceding nothing), got {tuple(levels)!r}")
    return values


class OutcomeMapping:
    """One talk's outcome space as NegMAS issues, and the way between its outcomes and tppgame's
    arrays: for each sector on the table, what the side gives (the levels up to its red line) and
    what it asks of the partner (every level). An outcome is (gives..., asks...) in sector order."""

    def __init__(self, sectors: Sequence[str], on_table: np.ndarray, red_line: np.ndarray,
                 levels: Sequence[float] = DEFAULT_LEVELS, name: str = "talk"):
        self.levels = levels = checked_levels(levels)
        self.width = len(on_table)
        self.columns = np.flatnonzero(np.asarray(on_table, dtype=bool))
        red_line = np.asarray(red_line, dtype=float)
        self.gives = [tuple(v for v in levels if v <= red_line[s] + _TOLERANCE) for s in self.columns]
        self.asks = [levels] * len(self.columns)
        names = [sectors[s] if s < len(sectors) else f"sector {s}" for s in self.columns]
        self.issues = ([make_issue(list(values), f"gives {n}") for values, n in zip(self.gives, names)]
                       + [make_issue(list(values), f"asks {n}") for values, n in zip(self.asks, names)])
        self.outcome_space = make_os(self.issues, name=name)

    def __len__(self) -> int:
        """The number of issues."""
        return 2 * len(self.columns)

    def to_arrays(self, outcome: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        """(gives, asks): one number per sector, 0 for sectors off the table."""
        values = np.asarray(outcome, dtype=float)
        if values.shape != (len(self),):
            raise ValueError(f"expected an outcome of {len(self)} values, got {outcome!r}")
        gives, asks = np.zeros(self.width), np.zeros(self.width)
        k = len(self.columns)
        gives[self.columns], asks[self.columns] = values[:k], values[k:]
        return gives, asks

    def to_outcome(self, gives: np.ndarray, asks: np.ndarray) -> tuple[float, ...]:
        """The outcome of (gives, asks), with the values as they are (not snapped to the levels)."""
        gives, asks = np.asarray(gives, dtype=float), np.asarray(asks, dtype=float)
        return tuple(float(v) for v in np.concatenate([gives[self.columns], asks[self.columns]]))

    def probes(self) -> tuple[np.ndarray, np.ndarray, list[tuple[int, float]]]:
        """No concession at all, then each issue alone at each of its levels: (gives, asks) rows and
        the (issue, level) of each row after the first."""
        which = [(i, v) for i, values in enumerate(self.gives + self.asks) for v in values]
        gives, asks = np.zeros((1 + len(which), self.width)), np.zeros((1 + len(which), self.width))
        k = len(self.columns)
        for row, (i, v) in enumerate(which, start=1):
            (gives if i < k else asks)[row, self.columns[i % k]] = v
        return gives, asks, which


# ------------------------------------------------------------------- the utility function
class TalkUtility(LinearAdditiveUtilityFunction):
    """A side's NegMAS ufun in one talk: ``eval`` asks tppgame (``Talks.utility`` of that talk).

    The additive tables (the utility of each issue's levels alone, over no deal) are the same
    function issue by issue; NegMAS's inverters use them to search the outcome space."""

    def __init__(self, mapping: OutcomeMapping, talk: Talks, **kwargs: Any):
        self.mapping = mapping
        self.talk = talk
        bias, tables = _tables(mapping, talk)
        super().__init__(values=tables, bias=bias, outcome_space=mapping.outcome_space,
                         reserved_value=float(talk.reserve[0]), **kwargs)

    def eval(self, offer: Any) -> float:
        if offer is None:
            return self.reserved_value
        if isinstance(offer, ExtendedOutcome):
            offer = offer.outcome
        gives, asks = self.mapping.to_arrays(offer)
        return float(self.talk.utility(gives[None], asks[None])[0])

    def refresh(self, talk: Talks) -> bool:
        """Follow the talk as it is this round; whether its utility or reservation changed."""
        self.talk = talk
        bias, tables = _tables(self.mapping, talk)
        reserve = float(talk.reserve[0])
        same = (np.isclose(bias, self._bias, rtol=0.0, atol=1e-12) and np.isclose(reserve, self.reserved_value)
                and all(np.allclose(list(new.values()), [old(v) for v in new], rtol=0.0, atol=1e-12)
                        for new, old in zip(tables, self.values)))
        if same:
            return False
        self._bias, self.values, self.reserved_value = bias, [TableFun(t) for t in tables], reserve
        return True


def _tables(mapping: OutcomeMapping, talk: Talks) -> tuple[float, list[dict[float, float]]]:
    """The bias (no deal) and each issue's table of utility over it, from one pass over the probes."""
    gives, asks, which = mapping.probes()
    utility = talk.rows(np.zeros(len(gives), dtype=int)).utility(gives, asks)
    tables: list[dict[float, float]] = [{} for _ in range(len(mapping))]
    for (i, v), u in zip(which, utility[1:].tolist()):
        tables[i][v] = u - float(utility[0])
    return float(utility[0]), tables


# ------------------------------------------------------------------- the negotiator
class _Partner(SAONegotiator):
    """The partner's seat in the host mechanism: never asked anything (tppgame asks the real one)."""

    def propose(self, state: SAOState, dest: str | None = None) -> None:
        return None


@dataclass
class _Session:
    """One talk as the NegMAS negotiator sees it."""

    mapping: OutcomeMapping
    ufun: TalkUtility
    negotiator: Any
    host: Any
    state: SAOState
    partner: str
    last_proposal: tuple[float, ...] | None = None
    seen: list[tuple[tuple[float, ...], float]] = field(default_factory=list)   # (offer, its ufun value)
    closed: bool = False


class NegmasNegotiator(Negotiator):
    """A country played by NegMAS negotiators: one per talk, made by ``factory(**kwargs)`` (a NegMAS
    SAO negotiator class, or any zero-argument callable making one) and kept for the whole game.

    ``levels`` are the concessions NegMAS chooses from in each sector (0 must be among them).
    """

    classifier = {"stateless": False, "time_dependent": False, "reciprocal": False, "human": False}

    def __init__(self, factory: Callable[..., Any], levels: Sequence[float] = DEFAULT_LEVELS, **kwargs: Any):
        if not callable(factory):
            raise TypeError(f"NegmasNegotiator: expected a NegMAS negotiator class or factory, got {factory!r}")
        self.factory = factory
        self.kwargs = kwargs
        self.levels = checked_levels(levels)     # said now, not in the game's first meeting
        self.sessions: dict[str, _Session] = {}

    @property
    def label(self) -> str:
        return f"negmas:{getattr(self.factory, '__name__', type(self.factory).__name__)}"

    def __repr__(self) -> str:
        return f"NegmasNegotiator({self.label.removeprefix('negmas:')})"

    # ------------------------------------------------------------ sessions
    def session(self, talks: Talks, row: int) -> _Session:
        """The session of a row's talk, made at its first meeting and brought up to this round."""
        one = talks.rows(np.array([row]))
        label = one.labels[0]
        found = self.sessions.get(label)
        if found is None:
            found = self.sessions[label] = self._open(one)
        elif found.ufun.refresh(one):
            found.negotiator.on_preferences_changed([PreferencesChange(PreferencesChangeType.General)])
        self._update_state(found, one)
        return found

    def _open(self, one: Talks) -> _Session:
        mapping = OutcomeMapping(one.sectors, one.on_table[0], one.red_line[0], self.levels, name=one.labels[0])
        ufun = TalkUtility(mapping, one, name=f"{one.countries[0]} in {one.labels[0]}")
        negotiator = self.factory(**self.kwargs)
        if not isinstance(negotiator, GBNegotiator):      # SAONegotiator and NegMAS's time-based ones
            raise TypeError(f"{self.label}: the factory made {type(negotiator).__name__}, not a NegMAS SAO negotiator")
        state = SAOState(running=True, started=True, n_negotiators=0)
        with warnings.catch_warnings():     # no n_steps or time limit: the host never runs, tppgame keeps time
            warnings.simplefilter("ignore", NegmasInfiniteNegotiationWarning)
            host = SAOMechanism(outcome_space=mapping.outcome_space, initial_state=state, name=one.labels[0])
        if not host.add(negotiator, ufun=ufun):
            raise RuntimeError(f"{self.label}: the NegMAS negotiator refused to join talk '{one.labels[0]}'")
        partner = _Partner(name=one.partners[0])
        host.add(partner)
        negotiator._on_negotiation_start(state)    # what SAOMechanism does at its first step
        return _Session(mapping, ufun, negotiator, host, state, partner.id)

    def _update_state(self, session: _Session, one: Talks) -> None:
        state, history = session.state, one.history[0]
        state.step = len(history)
        state.relative_time = float(np.clip(one.progress[0], 0.0, 1.0))
        state.current_offer, state.current_proposer = None, None
        mine_is_a = bool(one.side_is_a[0])
        for move in reversed(history):
            if move.proposer_is_a != mine_is_a:
                state.current_offer = self._outcome_of(session, move, mine_is_a)
                state.current_proposer = session.partner
                break

    @staticmethod
    def _outcome_of(session: _Session, move: Move, mine_is_a: bool) -> tuple[float, ...]:
        mine, theirs = (move.x_ab, move.x_ba) if mine_is_a else (move.x_ba, move.x_ab)
        return session.mapping.to_outcome(mine, theirs)

    # ------------------------------------------------------------ per country
    def demand(self, talks: Talks) -> np.ndarray:
        out = np.array([self._target(self.session(talks, k)) for k in range(len(talks))], dtype=float)
        return np.where(np.isfinite(out), out, talks.best)

    def _target(self, session: _Session) -> float:
        negotiator, ufun = session.negotiator, session.ufun
        asked = getattr(negotiator, "utility_range_to_propose", None)
        if asked is not None:
            low, high = ufun.minmax()
            return float(low + asked(session.state)[0] * (high - low))
        if session.last_proposal is not None:
            return float(ufun(session.last_proposal))
        return float(ufun.max())

    def propose(self, talks: Talks, demand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        gives, asks = np.zeros(talks.on_table.shape), np.zeros(talks.on_table.shape)
        red_line = talks.red_line
        for k in range(len(talks)):
            session = self.session(talks, k)
            offer = session.negotiator.propose_(session.state)
            if isinstance(offer, ExtendedOutcome):
                offer = offer.outcome
            if offer is None:      # it declines to offer: repeat its last offer, or its best
                offer = session.last_proposal or session.ufun.best()
            offer = tuple(float(v) for v in offer)
            session.last_proposal = offer
            session.seen.append((offer, float(session.ufun(offer))))
            gives[k], asks[k] = session.mapping.to_arrays(offer)
            gives[k] = np.minimum(gives[k], red_line[k])
        return gives, asks

    def respond(self, talks: Talks, mine: np.ndarray, theirs: np.ndarray, demand: np.ndarray) -> np.ndarray:
        out = np.zeros(len(talks), dtype=bool)
        within = (mine <= talks.red_line + 1e-12).all(axis=1)
        for k in range(len(talks)):
            session = self.session(talks, k)
            session.state.current_offer = session.mapping.to_outcome(mine[k], theirs[k])
            session.state.current_proposer = session.partner
            answer = session.negotiator.respond_(session.state, source=session.partner)
            if isinstance(answer, ExtendedResponseType):
                answer = answer.response
            if not isinstance(answer, ResponseType):     # junk is not a no: the bug would pass unseen
                raise TypeError(f"{self.label}: respond() returned {answer!r}, expected a NegMAS ResponseType")
            out[k] = bool(within[k]) and answer == ResponseType.ACCEPT_OFFER
        return out

    def observe(self, talks: Talks, moves: Sequence[Move]) -> None:
        for k, move in enumerate(moves):
            session = self.sessions.get(talks.labels[k])
            if session is None or session.closed or not move.accepted:
                continue
            session.state.agreement = self._outcome_of(session, move, bool(talks.side_is_a[k]))
            session.state.running = False
            session.closed = True
            session.negotiator._on_negotiation_end(session.state)
