"""The TPP negotiation model: twelve country agents bargaining in rounds.

Each round (a Mesa step): the scenario's events due at the start of the round have
fired from the model's event list; summit meetings are booked, then each country, in a
random order, books its bilateral talks within its negotiating capacity; the booked
talks meet under the scenario's protocol; then the plurilateral check records whether an
agreement forms and could enter into force, and the DataCollector takes its row.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import mesa
import networkx as nx
import numpy as np

from tppgame.agents import CountryAgent
from tppgame.game.agreement import (AgreementCheck, assemble_package, conclude_without, entry_into_force,
                               gdp_share)
from tppgame.game.frontier import FrontierSummary, PairTerms
from tppgame.game.negotiators import Move, Negotiator, Talks, make_negotiator
from tppgame.game.protocols import PROTOCOLS, SessionInput, SessionResult, demands, tell
from tppgame.game.eventlog import EventLog, NullLog, SectorValues
from tppgame.game.events import Deadline, FixedSideDeal, ScheduledEvent, Summit
from tppgame.game.scenario import Scenario, load_scenario
from tppgame.game.seat import OfferError, Offer, Reply, SeatTalk, as_offer, efficient_offer, orient, partner_reply, vectors
from tppgame.game.side_deals import ClosedDeal, fixed_terms, side_deal_access
from tppgame.game.solutions import rubinstein_split
from tppgame.game.talks import Talk, progress, world_terms
from tppgame.game.work import DIRECT, Work
from tppgame.game.utility import (Weights, attainable_gain, deepest_concessions, make_weights, package_access,
                             world_utility)


class _SameObject:
    """A cache key standing for one object by identity (a Scenario holds dicts, so it has no hash).

    Held by the cache, the key keeps its object alive, so the identity cannot be reused.
    """

    __slots__ = ("obj",)

    def __init__(self, obj: Any):
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _SameObject) and other.obj is self.obj


def _all_close(x: np.ndarray, y: np.ndarray) -> bool:
    """``np.allclose(x, y)`` with its default tolerances, for float arrays: the same test as
    ``np.isclose`` makes, without its set-up, which costs more than the test on a dozen countries."""
    return bool(((np.abs(x - y) <= 1e-08 + 1e-05 * np.abs(y)) & np.isfinite(y) | (x == y)).all())


@lru_cache(maxsize=16)
def _weights_of(config: _SameObject) -> Weights:
    """A scenario's utility weights, derived once: the games of a scenario (a sweep point) share
    them, as they share the scenario; nothing writes to them."""
    return make_weights(config.obj.params)


@lru_cache(maxsize=16)
def _shocked(config: _SameObject, changes: tuple[tuple[str, Any], ...], origin: str) -> Scenario:
    """A scenario with a shock's settings applied, validated once for all the games that meet the shock."""
    return config.obj.with_overrides(dict(changes), origin=origin)


def _chosen_negotiators(chosen: Mapping[str, Negotiator | str], countries: tuple[str, ...]) -> dict[str, Negotiator]:
    """Negotiators chosen from Python, checked: known countries, negotiator objects or registered names."""
    out: dict[str, Negotiator] = {}
    for code, negotiator in chosen.items():
        if code not in countries:
            raise ValueError(f"negotiators: expected countries among {', '.join(countries)}, got {code!r}")
        if isinstance(negotiator, str):
            negotiator = make_negotiator(negotiator)
        if not isinstance(negotiator, Negotiator):
            raise TypeError(f"negotiators[{code!r}]: expected a tppgame Negotiator or a registered name, "
                            f"got {type(negotiator).__name__}")
        out[code] = negotiator
    return out


class TPPModel(mesa.Model):
    """A Trans-Pacific Partnership negotiation.

    Args:
        scenario: a scenario name (``baseline``), a path to a TOML file, or a loaded Scenario.
        rng: seed for all chance in the run; defaults to the scenario's ``seed``.
        overrides: settings to replace, by dotted path (``{"countries.JPN.sensitivity.rice": 2.5}``).
        seat: a country (ISO3 code) a person plays: each round its talks wait for the player's
            offers (see :mod:`tppgame.game.seat`) before the round ends.
        shared: work shared with other games of the same scenario (a sweep's memo,
            :class:`tppgame.experiments.memo.SharedWork`), which makes replicates cheaper; the results
            are the same with or without it. It serves only while every negotiator is stateless.
        record: False keeps no event log and no per-round DataCollector rows, only what
            :meth:`summary` reports (for sweeps, which store only the outcome); once nothing can
            meet or happen any more, the remaining rounds pass without booking talks.
        negotiators: countries' negotiators chosen from Python, by ISO3 code: a
            :class:`~tppgame.game.negotiators.Negotiator` object or a registered name. The others play
            the negotiator their scenario names (``tactic``).
    """

    def __init__(self, scenario: str | Path | Scenario = "baseline", rng: Any = None,
                 overrides: Mapping[str, Any] | None = None, seat: str | None = None,
                 shared: Work | None = None, record: bool = True,
                 negotiators: Mapping[str, Negotiator | str] | None = None):
        config = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        if overrides:
            config = config.with_overrides(overrides)
        if seat is not None and seat not in config.countries:
            raise ValueError(f"seat: expected one of {', '.join(config.countries)}, got {seat!r}")
        chosen = _chosen_negotiators(negotiators or {}, config.countries)
        super().__init__(rng=config.seed if rng is None else rng)
        self.config = config
        self.run_seed = config.seed if rng is None else (int(rng) if isinstance(rng, int | np.integer) else None)
        self.countries, self.sectors = config.countries, config.sectors
        n, s = len(self.countries), len(self.sectors)
        self.members = np.array([c in config.members for c in self.countries])
        self.original = np.array([c in config.original_signatories for c in self.countries])
        self.weights = _weights_of(_SameObject(config))
        self.protocol = PROTOCOLS[config.protocol]()
        self._chosen = chosen
        self.negotiators: list[Negotiator] = []
        self._scenario_choices: list[tuple[str, float | None]] = []
        self._choose_negotiators()
        # the memo answers for a session only if no negotiator in it learns
        self.work: Work = shared if shared is not None and all(n.stateless for n in self.negotiators) else DIRECT
        self.record = record
        self.log = EventLog() if record else NullLog()
        self.deals: list[ClosedDeal] = []
        self.side_access = np.zeros((n, n, s))
        self.outside = world_utility(self.weights, self.side_access)
        self.formed_round: int | None = None
        self.signatories = np.zeros(n, dtype=bool)
        self.signed_schedule = np.zeros((n, s))
        self.round = 0
        self.talks = self._make_talks()
        self._undecided = list(self.talks)
        for k, talk in enumerate(self.talks):
            talk.index = k
        self._ends = np.array([(t.a, t.b) for t in self.talks], dtype=int).reshape(-1, 2)   # each talk's a and b
        self._package_open = np.array([t.in_package for t in self.talks], dtype=bool)   # undecided package talks
        self._world_talks: dict[bool, list[Talk]] = {
            side_world: [t for t in self.talks if (t.kind == "standalone") == side_world] for side_world in (False, True)}
        for talks in self._world_talks.values():
            for k, talk in enumerate(talks):
                talk.row = k
                talk.pair = frozenset((self.countries[talk.a], self.countries[talk.b]))
        self._dirty: set[int] | None = None    # countries whose talks need new frontiers (None: all)
        self._deadlines = [(e.round, {frozenset(p) for p in e.pairs}) for e in config.events
                           if isinstance(e, Deadline)]
        self._summits: dict[int, set[frozenset[str]]] = {}
        for e in config.events:
            if isinstance(e, Summit):
                self._summits.setdefault(e.round, set()).update(frozenset(p) for p in e.pairs)
        self.available_talks: list[Talk] = []
        self.talks_of: dict[int, list[Talk]] = {}
        self.booked_count = [0] * n
        self.capacity = [int(c) for c in config.params["talks_per_round"]]
        self._booked: list[Talk] = []
        self._booked_ids: set[int] = set()
        self.version = 0                       # bumped whenever a deal, member or setting changes
        self._summary_version = -1
        self._summaries: dict[bool, FrontierSummary | None] = {}
        self.holdout_mask = np.zeros(n, dtype=bool)   # members holding out of the package as it stands
        self.endgame_relief = np.zeros(n)             # what each member will give up to bring one in
        self.seat = config.index(seat) if seat is not None else None
        self.seat_talks: list[SeatTalk] | None = None  # the seat's talks while a round waits for the player
        self._deferred_reviews: list[Deadline] = []   # deadlines reviewed once the waiting round ends
        # the last round in which an event, a stated side deal or a talk's start can change anything
        self._last_scheduled_round = max([e.round for e in config.events] + [t.start_round for t in self.talks]
                                         + [t.fixed_round for t in self.talks if t.fixed_round is not None])
        self._settled = False                  # without records: nothing can meet or happen any more

        CountryAgent.create_agents(self, n, code=list(self.countries),
                                   name=[config.params["names"][c] for c in self.countries], index=list(range(n)))
        self.country_agents: list[CountryAgent] = sorted(self.agents_by_type[CountryAgent], key=lambda a: a.index)
        self.network = self._make_network()

        self._scheduled: list[ScheduledEvent | FixedSideDeal] = [ScheduledEvent(self, e) for e in config.events]
        for k, talk in enumerate(self.talks):
            if talk.fixed_round is not None:
                self._scheduled.append(FixedSideDeal(self, k, talk.fixed_round))
        for item in self._scheduled:
            item.schedule()

        self.records: list[AgreementCheck] = []
        self._check_key: tuple | None = None
        self.last_check = self.check_agreement()
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "round": "round",
                "date": lambda m: m.date.isoformat(),
                "members": lambda m: int(m.members.sum()),
                "deals_closed": lambda m: len(m.deals),
                "open_pairs": lambda m: len(m.last_check.open_pairs),
                "accepting": lambda m: len(m.last_check.accepting),
                "holdouts": lambda m: " ".join(m.last_check.holdouts),
                "formed": lambda m: m.last_check.formed,
                "gdp_share": lambda m: round(m.last_check.gdp_share, 6),
                "in_force": lambda m: m.last_check.in_force,
            },
            agent_reporters={
                "country": "code",
                "member": "is_member",
                "utility": "utility",
                "outside_option": "outside_option",
                "accepts": "accepts_package",
            },
        )
        if record:
            self.datacollector.collect(self)

    # ------------------------------------------------------------------ set-up
    def _make_talks(self) -> list[Talk]:
        """A TPP market-access talk for every pair, replaced by a conditional side deal where the
        scenario names one, plus every standalone side deal as a track of its own."""
        cfg, idx = self.config, self.config.index
        all_sectors = np.ones(len(self.sectors), dtype=bool)
        side = {frozenset(d.parties): d for d in cfg.side_deals}
        talks = []
        for i in range(len(self.countries)):
            for j in range(i + 1, len(self.countries)):
                deal = side.get(frozenset((self.countries[i], self.countries[j])))
                if deal is None or deal.kind == "standalone":
                    talks.append(Talk(i, j, "tpp", f"{self.countries[i]}-{self.countries[j]} TPP market access",
                                      all_sectors))
        for deal in cfg.side_deals:
            a, b = deal.parties
            sectors = np.array([sec in deal.sectors for sec in self.sectors])
            talk = Talk(idx(a), idx(b), deal.kind, deal.label, sectors, start_round=deal.start_round)
            if deal.terms is not None:
                talk.fixed_terms = fixed_terms(deal.terms, a, b, self.sectors)
                talk.fixed_round = deal.concluded_round
            talks.append(talk)
        return talks

    def _make_network(self) -> nx.Graph:
        """The graph of countries (node size: GDP), existing agreements, talks and deals."""
        graph = nx.Graph()
        gdp = self.config.params["gdp"]
        for k, code in enumerate(self.countries):
            graph.add_node(code, name=self.config.params["names"][code], gdp=float(gdp[k]),
                           member=bool(self.members[k]))
        for (a, b), name in self.config.params["fta_names"].items():
            if a < b:
                graph.add_edge(a, b, existing_agreement=name)
        return graph

    def _choose_negotiators(self) -> None:
        """Each country's negotiator: the one chosen from Python, else the one its scenario names
        (made anew only when the scenario's choice changed, so a negotiator keeps what it learnt)."""
        choices = list(zip(self.config.params["tactic"], self.config.params["beta"]))
        made: list[Negotiator] = []
        for k, code in enumerate(self.countries):
            if code in self._chosen:
                made.append(self._chosen[code])
            elif self.negotiators and self._scenario_choices[k] == choices[k]:
                made.append(self.negotiators[k])
            else:
                made.append(make_negotiator(*choices[k]))
        self.negotiators, self._scenario_choices = made, choices
        self._learners = any(type(n).observe is not Negotiator.observe for n in made)
        for agent in getattr(self, "country_agents", ()):
            agent.negotiator = made[agent.index]

    # ------------------------------------------------------------------ queries
    @property
    def shared(self) -> Work | None:
        """The work shared with other games (a sweep's memo), or None while the game works alone."""
        return self.work if self.work.remembers else None

    @property
    def date(self) -> dt.date:
        """The date the current round stands for (the start, before round 1)."""
        return self.config.round_date(max(self.round, 1))

    def is_booked(self, talk: Talk) -> bool:
        return id(talk) in self._booked_ids

    def book(self, talk: Talk) -> None:
        self._booked.append(talk)
        self._booked_ids.add(id(talk))
        self.booked_count[talk.a] += 1
        self.booked_count[talk.b] += 1

    def horizon(self, talk: Talk, round_number: int) -> int:
        """The deadline the talk works to: the next deadline or summit that applies to it, else the last round."""
        if talk.deadlines is None:
            talk.deadlines = sorted(r for r, pairs in self._deadlines
                                    if (not pairs and talk.in_package) or talk.pair in pairs)
        for r in talk.deadlines:
            if r >= round_number:
                return r
        return self.config.rounds

    # ------------------------------------------------------------------ the round
    def _advance_time(self, until: float) -> None:
        """Mesa's clock (behind ``step``, ``run_for`` and ``run_until``), one round at a time, stopping
        while a round waits for the seated player: nothing advances until it is finished."""
        while self.seat_talks is None and self.time < until:
            super()._advance_time(min(until, math.floor(self.time) + 1))

    def step(self) -> None:
        """One round of talks, then the plurilateral check (after the player's offers, with a seat)."""
        self.round = self.steps
        if self._settled:
            self._end_round()
            return
        version = self.version
        self.hold_talks()
        if self.seat_talks is None:
            self._end_round()
            self._settled = self._nothing_left(version)

    def _nothing_left(self, version: int) -> bool:
        """Whether the rest of a game without records can be passed over: no talk met this round
        and nothing changed, and no event, stated deal or talk start is still to come. Every later
        round would then be the same (only the order of booking would be drawn, and nothing is
        booked), so its check repeats and the outcome is the one a full game reaches."""
        return (not self.record and self.seat is None and not self.available_talks and self.version == version
                and self.round >= self._last_scheduled_round)

    def _end_round(self) -> None:
        self.last_check = self.check_agreement()
        if self.record:
            self.datacollector.collect(self)
        if self.round >= self.config.rounds:
            self.running = False

    def hold_talks(self) -> None:
        """Open the talks that can meet, let countries book them, and negotiate."""
        self._booked = []
        self._booked_ids: set[int] = set()
        self.booked_count = [0] * len(self.countries)
        self.available_talks = self._available_talks()
        # each country's talks in the order it books them: waited on longest first, then the larger
        # stake (one stable sort of all talks orders every country's share of them the same way)
        self.talks_of = {i: [] for i in range(len(self.countries))}
        for talk in sorted(self.available_talks, key=lambda t: (t.last_met, -t.stake)):
            self.talks_of[talk.a].append(talk)
            self.talks_of[talk.b].append(talk)
        summit = self._summits.get(self.round, set())
        for talk in self.available_talks:
            if talk.pair in summit:
                self.book(talk)
        self.agents.shuffle_do("book_talks")
        booked = self._booked
        if self.seat is not None:
            mine = [t for t in booked if self.seat in (t.a, t.b)]
            booked = [t for t in booked if self.seat not in (t.a, t.b)]
            if mine:   # their terms are taken now, before this round's other deals close
                self.seat_talks = self._open_seat_talks(mine)
        if booked:
            self._negotiate(booked)

    def _changed(self, countries: set[int] | None = None) -> None:
        """Record that the world changed: for talks involving ``countries`` (None: all talks)."""
        self.version += 1
        if countries is None or self._dirty is None:
            self._dirty = None
        else:
            self._dirty |= countries

    def _refresh_summaries(self) -> None:
        """Rebuild the frontiers of the undecided talks the last changes touched.

        A deal between two countries changes access only in their two markets, so only the
        talks involving one of them are rebuilt; a new member, a withdrawal or a shock
        rebuilds all.
        """
        if self._dirty is not None and not self._dirty:
            return
        thresholds = self.config.params["ratification_threshold"]
        min_stake = self.config.params["min_stake"]
        for side_world, talks in self._world_talks.items():
            rows = [t.row for t in talks if t.deal is None
                    and (self._dirty is None or t.a in self._dirty or t.b in self._dirty)]
            if not rows:
                continue
            chosen = [talks[k] for k in rows]
            terms = self._terms(chosen, side_world)
            a, b = np.array([t.a for t in chosen]), np.array([t.b for t in chosen])
            relief_a = relief_b = np.zeros(len(rows))
            if not side_world:
                relief_a = self.endgame_relief[a] * self.holdout_mask[b]
                relief_b = self.endgame_relief[b] * self.holdout_mask[a]
            inputs = (terms, thresholds[a], thresholds[b], relief_a, relief_b)
            index = np.array(rows)
            whole = self._summaries.get(side_world)
            if whole is None:
                summary = self._build_summaries(*inputs)
                whole = summary if len(rows) == len(talks) else \
                    FrontierSummary.placeholder(summary, len(talks)).with_rows(index, summary)
            else:
                # Each row is built on its own: a talk whose terms and reservations are what they
                # were keeps its frontier (often so when only the end-game relief moved elsewhere).
                stale = ~whole.unchanged(index, *inputs)
                if stale.any():
                    part = self._build_summaries(terms.rows(stale), *(x[stale] for x in inputs[1:]))
                    whole = whole.with_rows(index[stale], part)
            self._summaries[side_world] = whole
            stake_a, stake_b = whole.stake_a[index], whole.stake_b[index]
            stakes = (stake_a + stake_b).tolist()
            at_stake = (np.maximum(stake_a, stake_b) > min_stake).tolist()
            for talk, stake, something, zopa in zip(chosen, stakes, at_stake, whole.zopa[index].tolist()):
                talk.stake = stake
                fixed = talk.fixed_terms is not None
                talk.has_stake = fixed or something
                talk.zopa = fixed or zopa
        self._dirty = set()
        self._summary_version = self.version

    def _build_summaries(self, terms: PairTerms, *reservations: np.ndarray) -> FrontierSummary:
        """The talks' frontiers (from the shared memo, if any)."""
        return self.work.summary(terms, *reservations)

    def _available_talks(self) -> list[Talk]:
        """Talks that can meet this round: undecided, started, between members (for package talks),
        with something at stake for either side."""
        self._refresh_summaries()
        r = self.round
        out = []
        self._undecided = [t for t in self._undecided if t.deal is None]
        summit = self._summits.get(r, set())
        members = self.members.tolist()       # plain bools: cheaper to index, talk by talk
        version, package_open = self.version, self.formed_round is None
        for talk in self._undecided:
            if not talk.has_stake or r < talk.start_round or not talk.negotiated:
                continue
            if talk.in_package and not (package_open and members[talk.a] and members[talk.b]):
                continue
            # A stalled talk (no deal both sides could ratify) meets again only when something
            # has changed since it last met, or at a summit.
            if not talk.zopa and talk.meetings > 0 and talk.met_version == version and talk.pair not in summit:
                continue
            if talk.opened_round is None:
                talk.opened_round = r
                self.log.add(r, "talks_opened", talk=talk.label, track=talk.kind,
                             a=self.countries[talk.a], b=self.countries[talk.b])
            out.append(talk)
        return out

    def _terms(self, talks: list[Talk], side_world: bool):
        a = np.array([t.a for t in talks])
        b = np.array([t.b for t in talks])
        sectors = np.array([t.sectors for t in talks])
        if side_world:
            return world_terms(self.weights, self.side_access, a, b, sectors)
        schedule = assemble_package(self.deals, self.members, len(self.countries), len(self.sectors))
        access = package_access(schedule, self.members, self.side_access)
        return world_terms(self.weights, access, a, b, sectors, schedule, self.members,
                           self.config.params["spillover"])

    def _negotiate(self, talks: list[Talk]) -> None:
        # package talks first, then side deals: each family's rows from its own world's summary
        talks = sorted(talks, key=lambda t: t.kind == "standalone")
        parts = []
        for side_world in (False, True):
            rows = [t.row for t in talks if (t.kind == "standalone") == side_world]
            if rows:
                parts.append(self._summaries[side_world].rows(np.array(rows)))
        summary = parts[0] if len(parts) == 1 else FrontierSummary.concat(parts)
        for talk in talks:
            if talk.first_proposer_is_a is None:
                talk.first_proposer_is_a = bool(self.random.random() < 0.5)
            self._advance_progress(talk)
        prop_a = np.array([t.first_proposer_is_a != (t.meetings % 2 == 1) for t in talks])
        inp = self._session_input(talks, summary, prop_a)
        result = self.work.session(self.protocol, inp)
        self._record_session(talks, result, summary, prop_a)
        if self._learners:
            tell(inp, [t.history[-1] for t in talks])

    def _session_input(self, talks: list[Talk], summary: FrontierSummary, prop_a: np.ndarray) -> SessionInput:
        """What the protocol and the negotiators see of these talks this round."""
        p, names, negotiators = self.config.params, self.countries, self.negotiators
        a_list, b_list = [t.a for t in talks], [t.b for t in talks]
        a, b = np.array(a_list), np.array(b_list)
        prog = np.array([t.progress for t in talks])
        return SessionInput(
            summary=summary, proposer_is_a=prop_a, progress_a=prog, progress_b=prog,
            negotiator_a=tuple(negotiators[i] for i in a_list), negotiator_b=tuple(negotiators[i] for i in b_list),
            previous_a=np.array([t.previous[0] for t in talks]), previous_b=np.array([t.previous[1] for t in talks]),
            received_gain_a=np.array([t.received_gain(0) for t in talks]),
            received_gain_b=np.array([t.received_gain(1) for t in talks]),
            patience_a=p["patience"][a], patience_b=p["patience"][b],
            red_line_a=self.weights.red_line[a], red_line_b=self.weights.red_line[b],
            talks=tuple(talks), a=a, b=b, names=names, sectors=self.sectors, information=self.config.information,
        )

    def _record_session(self, talks: list[Talk], result: SessionResult, summary: FrontierSummary,
                        prop_a: np.ndarray) -> None:
        """Remember each meeting in its talk, log its offer and reply, and close accepted deals."""
        r = self.round
        u_resp = np.where(prop_a, result.u_b, result.u_a).tolist()
        asp_p, asp_r = result.aspiration_proposer.tolist(), result.aspiration_responder.tolist()
        accepted = result.accepted.tolist()
        for k, talk in enumerate(talks):
            pa = bool(prop_a[k])
            talk.history.append(Move(r, pa, result.x_ab[k], result.x_ba[k], accepted[k]))
            talk.meetings += 1
            talk.last_met = r
            talk.met_version = self.version
            if asp_p[k] == asp_p[k]:          # not nan: the protocol used aspirations
                talk.previous = [asp_p[k], asp_r[k]] if pa else [asp_r[k], asp_p[k]]
            talk.offers_received[1 if pa else 0].append(u_resp[k])
        if self.record:
            self._log_session(talks, result, summary, prop_a, u_resp, asp_r)
        for k, talk in enumerate(talks):
            if accepted[k]:
                self.close(talk, result.x_ab[k], result.x_ba[k], r, summary.rows(np.array([k])))

    def _log_session(self, talks: list[Talk], result: SessionResult, summary: FrontierSummary,
                     prop_a: np.ndarray, u_resp: list[float], asp_r: list[float]) -> None:
        """Each meeting's offer and reply, in the event log (``u_resp``, ``asp_r``: the responders'
        utilities and aspirations, as :meth:`_record_session` read them)."""
        r, names, sectors = self.round, self.countries, self.sectors
        mask = np.array([t.sectors for t in talks])
        col = prop_a[:, None]
        gives = np.where(col, result.x_ab, result.x_ba) * mask
        asks = np.where(col, result.x_ba, result.x_ab) * mask
        u_prop = np.where(prop_a, result.u_a, result.u_b).tolist()
        reserve_resp = np.where(prop_a, summary.reserve_b, summary.reserve_a).tolist()
        accepted, zopa = result.accepted.tolist(), result.zopa.tolist()
        yes = (result.responder_yes if result.responder_yes is not None else result.accepted).tolist()
        add = self.log.add
        for k, talk in enumerate(talks):
            proposer, responder = (names[talk.a], names[talk.b]) if prop_a[k] else (names[talk.b], names[talk.a])
            add(r, "offer", talk=talk.label, track=talk.kind, proposer=proposer, responder=responder,
                gives=SectorValues(gives[k], sectors), asks=SectorValues(asks[k], sectors),
                utility_proposer=u_prop[k], utility_responder=u_resp[k], reserve_responder=reserve_resp[k],
                aspiration_responder=asp_r[k])
            if accepted[k]:
                add(r, "accept", talk=talk.label, by=responder, proposer=proposer)
            elif yes[k]:
                add(r, "withdrawn", talk=talk.label, by=proposer, responder=responder,
                    reason="the offer would leave the proposer below its own reservation")
            else:
                reason = "below what it still demands" if zopa[k] else "no zone of agreement"
                add(r, "reject", talk=talk.label, by=responder, proposer=proposer, reason=reason)

    def _concessions(self, vector: np.ndarray, talk: Talk) -> SectorValues:
        return SectorValues(np.where(talk.sectors, vector, 0.0), self.sectors)

    def _advance_progress(self, talk: Talk) -> None:
        """A talk meets this round: its progress towards its deadline moves on (concessions once
        made are not withdrawn, so progress never falls)."""
        r = self.round
        horizon = self.horizon(talk, r)
        talk.progress = max(talk.progress, progress(r, talk.opened_round or r, horizon))
        talk.rounds_left = max(horizon - r, 0)

    # --------------------------------------------------------------- the seat
    def _open_seat_talks(self, talks: list[Talk]) -> list[SeatTalk]:
        """The seated country's talks this round, with their terms, the partners' demands and a suggestion."""
        i = self.seat
        out = []
        for talk in talks:
            self._advance_progress(talk)
            summary = self._summaries[talk.kind == "standalone"].rows(np.array([talk.row]))
            seat_is_a = talk.a == i
            j = talk.b if seat_is_a else talk.a
            inp = self._session_input([talk], summary, np.array([seat_is_a]))

            def pick(a_value: np.ndarray, b_value: np.ndarray, seat_side: bool) -> float:
                return float((a_value if seat_is_a == seat_side else b_value)[0])

            def demand(country: int, seat_side: bool) -> float:
                """What the country's negotiator demands in this talk now."""
                return float(demands((self.negotiators[country],), Talks(inp, np.array([seat_is_a == seat_side])))[0])

            table = tuple(s for s, on in zip(self.sectors, talk.sectors) if on)
            own_seat = summary.terms.own_a[0] if seat_is_a else summary.terms.own_b[0]
            own_partner = summary.terms.own_b[0] if seat_is_a else summary.terms.own_a[0]
            red = self.weights.red_line

            def limits(country: int, own: np.ndarray) -> dict[str, float]:
                return {s: float(max(red[country][k], own[k]))
                        for k, s in enumerate(self.sectors) if talk.sectors[k]}

            suggestion = as_offer(summary, *efficient_offer(summary, True, seat_is_a, demand(i, True)),
                                  seat_is_a, self.sectors, table)
            out.append(SeatTalk(
                talk_index=talk.index, label=talk.label, partner=self.countries[j],
                seat_is_a=seat_is_a, sectors=table, summary=summary,
                reserve_seat=pick(summary.reserve_a, summary.reserve_b, True),
                reserve_partner=pick(summary.reserve_a, summary.reserve_b, False),
                aspiration_partner=demand(j, False),
                red_line_seat=limits(i, own_seat), red_line_partner=limits(j, own_partner),
                suggestion=suggestion))
        return out

    @property
    def waiting_for_seat(self) -> bool:
        """Whether the round is waiting for the seated player's offers."""
        return self.seat_talks is not None

    def seat_talk(self, talk: str) -> SeatTalk:
        """The seated country's talk this round, by its label or the partner's code (the first open
        one when the country holds two talks with that partner, say a TPP talk and a side deal)."""
        found = [t for t in self.seat_talks or [] if t.label == talk]
        found = found or sorted((t for t in self.seat_talks or [] if t.partner == talk), key=lambda t: not t.open)
        if not found:
            open_with = "; ".join(f"{t.label} ({t.partner})" for t in self.seat_talks or []) or "none"
            raise ValueError(f"no talk '{talk}' waits for your offer this round (this round: {open_with})")
        return found[0]

    def propose(self, talk: str, gives: Mapping[str, float], asks: Mapping[str, float]) -> Reply:
        """The player's offer in a talk (its label, or the partner's code): the partner replies at once.

        ``gives`` is what the seated country concedes, ``asks`` what the partner should, by
        sector (0-1; sectors left out stay at 0). One offer per talk per round; a rejection
        comes with the partner's counter-offer, which :meth:`accept_counter` takes.
        Raises :class:`tppgame.game.seat.OfferError` for an offer the country cannot make.
        """
        seat_talk = self.seat_talk(talk)
        partner = seat_talk.partner
        if seat_talk.status != "waiting":
            raise OfferError(f"you have already made your offer in {seat_talk.label} this round "
                             "(take their counter-offer, or finish the round)")
        reply = partner_reply(seat_talk, gives, asks, self.sectors)
        track, r, me = self.talks[seat_talk.talk_index], self.round, self.countries[self.seat]
        track.meetings += 1
        track.last_met = r
        track.met_version = self.version
        partner_side = 1 if seat_talk.seat_is_a else 0
        track.offers_received[partner_side].append(reply.offer.utility_partner)
        track.previous[partner_side] = seat_talk.aspiration_partner
        self._log_seat_offer(seat_talk, me, partner, reply.offer, by_seat=True)
        seat_talk.reply = reply
        if reply.accepted:
            self.log.add(r, "accept", talk=track.label, by=partner, proposer=me)
            seat_talk.status = "deal"
            self.close(track, *orient(*vectors(reply.offer, self.sectors), seat_talk.seat_is_a), r, seat_talk.summary)
        else:
            self.log.add(r, "reject", talk=track.label, by=partner, proposer=me, reason=reply.reason)
            seat_talk.status = "rejected"
            track.offers_received[1 - partner_side].append(reply.counter.utility_seat)
            self._log_seat_offer(seat_talk, partner, me, reply.counter, by_seat=False)
        return reply

    def accept_counter(self, talk: str) -> None:
        """The player takes the partner's counter-offer this round: the deal closes on its terms."""
        seat_talk = self.seat_talk(talk)
        if seat_talk.status != "rejected" or seat_talk.reply is None or seat_talk.reply.counter is None:
            raise OfferError(f"{seat_talk.partner} has made no counter-offer to take in {seat_talk.label} this round")
        track = self.talks[seat_talk.talk_index]
        self.log.add(self.round, "accept", talk=track.label, by=self.countries[self.seat], proposer=seat_talk.partner)
        seat_talk.status = "deal"
        self.close(track, *orient(*vectors(seat_talk.reply.counter, self.sectors), seat_talk.seat_is_a), self.round,
                   seat_talk.summary)

    def pass_talk(self, talk: str) -> None:
        """The player makes no offer in a talk this round, or leaves the partner's counter-offer."""
        seat_talk = self.seat_talk(talk)
        me = self.countries[self.seat]
        if seat_talk.status == "waiting":
            seat_talk.status = "passed"
            self.log.add(self.round, "no_offer", talk=seat_talk.label, by=me)
        elif seat_talk.status == "rejected":
            seat_talk.status = "declined"
            self.log.add(self.round, "reject", talk=seat_talk.label, by=me, proposer=seat_talk.partner,
                         reason="the player did not take the counter-offer")

    def finish_round(self) -> None:
        """End a round that waited for the player: talks left without an offer pass, counter-offers
        not taken lapse, then the plurilateral check and the deadlines of the round."""
        if self.seat_talks is None:
            return
        for seat_talk in self.seat_talks:
            if seat_talk.open:
                self.pass_talk(seat_talk.label)
        self.seat_talks = None
        self._end_round()
        deferred, self._deferred_reviews = self._deferred_reviews, []
        for spec in deferred:
            self.review_deadline(spec)

    def hand_over(self) -> None:
        """The seated country's agent takes over: from now on (and in this round's open talks) it plays itself."""
        waiting: list[Talk] = []
        for seat_talk in self.seat_talks or []:
            if seat_talk.status == "rejected":
                self.pass_talk(seat_talk.label)
            elif seat_talk.status == "waiting":
                seat_talk.status = "handed_over"
                waiting.append(self.talks[seat_talk.talk_index])
        self.seat = None
        if waiting:
            self._negotiate(waiting)
        self.finish_round()

    def _log_seat_offer(self, seat_talk: SeatTalk, proposer: str, responder: str, offer: Offer,
                        by_seat: bool) -> None:
        gives, asks = vectors(offer, self.sectors)
        if not by_seat:
            gives, asks = asks, gives
        u_prop, u_resp = ((offer.utility_seat, offer.utility_partner) if by_seat
                          else (offer.utility_partner, offer.utility_seat))
        self.log.add(self.round, "offer", talk=seat_talk.label, track=self.talks[seat_talk.talk_index].kind,
                     proposer=proposer, responder=responder, gives=SectorValues(gives, self.sectors),
                     asks=SectorValues(asks, self.sectors), utility_proposer=u_prop, utility_responder=u_resp,
                     reserve_responder=seat_talk.reserve_partner if by_seat else seat_talk.reserve_seat,
                     aspiration_responder=seat_talk.aspiration_partner if by_seat else np.nan)

    # --------------------------------------------------------------- changes
    def close(self, talk: Talk, x_ab: np.ndarray, x_ba: np.ndarray, round_number: int,
              frontier: FrontierSummary | None = None) -> None:
        """Conclude a talk with a deal (``frontier``: the talk's, as it stood); a standalone side deal
        enters into force at once."""
        talk.deal = (np.asarray(x_ab, dtype=float), np.asarray(x_ba, dtype=float))
        talk.closed_round = round_number
        self._package_open[talk.index] = False
        self._changed({talk.a, talk.b})
        deal = ClosedDeal(talk.a, talk.b, talk.kind, talk.label, round_number, *talk.deal, frontier=frontier)
        self.deals.append(deal)
        a, b = self.countries[talk.a], self.countries[talk.b]
        self.log.add(round_number, "deal", talk=talk.label, track=talk.kind, a=a, b=b,
                     a_gives=self._concessions(talk.deal[0], talk), b_gives=self._concessions(talk.deal[1], talk))
        edge = self.network.get_edge_data(a, b) or {}
        edge.setdefault("deals", []).append(talk.kind)
        self.network.add_edge(a, b, **edge)
        if talk.kind == "standalone":
            self.side_access = side_deal_access(self.deals, len(self.countries), len(self.sectors))
            self.outside = world_utility(self.weights, self.side_access)

    def join(self, code: str, label: str) -> None:
        i = self.config.index(code)
        self.members[i] = True
        self._changed()
        self.network.nodes[code]["member"] = True
        self.log.add(self.round_now(), "join", country=code, label=label)

    def withdraw(self, code: str, label: str) -> None:
        i = self.config.index(code)
        self.members[i] = False
        self.signatories[i] = False
        self._changed()
        self.network.nodes[code]["member"] = False
        self.log.add(self.round_now(), "withdraw", country=code, label=label)

    def apply_shock(self, changes: dict[str, Any], label: str) -> None:
        """A domestic or external shock: settings change from this round on."""
        origin = f"shock '{label}'"
        try:
            self.config = _shocked(_SameObject(self.config), tuple(changes.items()), origin)
        except TypeError:      # a setting whose value cannot be hashed (a list): no memo
            self.config = self.config.with_overrides(changes, origin=origin)
        self.weights = _weights_of(_SameObject(self.config))
        self.protocol = PROTOCOLS[self.config.protocol]()
        self._choose_negotiators()
        if not all(n.stateless for n in self.negotiators):
            self.work = DIRECT
        self.capacity = [int(c) for c in self.config.params["talks_per_round"]]
        self.outside = world_utility(self.weights, self.side_access)
        self._changed()
        self.log.add(self.round_now(), "shock", label=label, changes=changes)

    def round_now(self) -> int:
        """The round an event firing now belongs to (start-of-round events fire before ``steps`` advances)."""
        return int(np.ceil(self.time))

    def review_deadline(self, spec: Deadline) -> None:
        """At the end of a deadline's (or summit's) round: was it met?"""
        if self.seat_talks is not None:     # the round is not over until the player has made the offers
            self._deferred_reviews.append(spec)
            return
        pairs = [frozenset(p) for p in spec.pairs]
        if pairs:
            closed = {frozenset((self.countries[t.a], self.countries[t.b])) for t in self.talks if t.deal is not None}
            met = all(p in closed for p in pairs)
        else:
            met = self.formed_round is not None
        self.log.add(spec.round, "deadline", label=spec.label, event=spec.kind, met=met,
                     pairs=[sorted(p) for p in spec.pairs])

    # ------------------------------------------------------------ agreement
    def _open_pairs(self, group: np.ndarray) -> list[tuple[str, str]]:
        """Package talks within ``group`` still undecided while a zone of agreement exists."""
        return [(self.countries[t.a], self.countries[t.b]) for t in self.talks
                if t.in_package and t.deal is None and t.has_stake and t.zopa and group[t.a] and group[t.b]]

    def check_agreement(self) -> AgreementCheck:
        """The plurilateral check after a round (see :mod:`tppgame.game.agreement`).

        Nothing in it changes unless a deal, member or setting did, so an unchanged world
        repeats the last record under the new round number.
        """
        key = (self.version, self._summary_version, self.formed_round, self.round >= 1)
        if key == self._check_key:
            check = dataclasses.replace(self.last_check, round=self.round)
            self.records.append(check)
            return check
        check = self._check_agreement()
        self._check_key = (self.version, self._summary_version, self.formed_round, self.round >= 1)
        return check

    def _in_force_schedule(self, schedule: np.ndarray) -> np.ndarray:
        """The schedules that would apply: suspended provisions (sectors) count for nothing."""
        suspended = self.config.params["suspended"]
        return np.where(suspended[None, :], 0.0, schedule) if suspended.any() else schedule

    def _accepting(self, schedule: np.ndarray, group: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Who in ``group`` would ratify these schedules (:func:`accepting`; from the shared memo, if any)."""
        return self.work.accepting(self.weights, schedule, group, self.side_access, self.outside)

    def _package(self, group: np.ndarray) -> np.ndarray:
        return self._in_force_schedule(assemble_package(self.deals, group, len(self.countries), len(self.sectors)))

    def _check_agreement(self) -> AgreementCheck:
        w, names, gdp = self.weights, self.countries, self.config.params["gdp"]

        def codes(mask: np.ndarray) -> list[str]:
            return [names[i] for i in np.flatnonzero(mask)]

        n, s = len(names), len(self.sectors)
        if self.formed_round is None:
            group = self.members.copy()
            ok, utility, access = self._accepting(self._package(group), group)
            holdouts = group & ~ok
            margin = utility - self.outside - w.threshold * attainable_gain(w, group)
            if self._update_endgame(holdouts, utility, margin) and not holdouts.any() and self.round >= 1:
                self._refresh_summaries()      # offers made only to bring hold-outs in lapse now
            open_pairs = self._open_pairs(group)
            rest = conclude_without(self._accepting, self._package, group & ~holdouts) if holdouts.any() else group
            rest_could = bool(self.round >= 1 and holdouts.any() and rest.sum() >= 2 and not self._open_pairs(rest))
            formed_now = self.round >= 1 and not open_pairs and not holdouts.any() and group.sum() >= 2
            if not formed_now and rest_could and self.config.conclude_without_holdouts:
                formed_now, group = True, rest
                ok, utility, access = self._accepting(self._package(group), group)
            if formed_now:
                self.formed_round = self.round
                self.signatories = group.copy()
                self.signed_schedule = assemble_package(self.deals, group, n, s)
                self.log.add(self.round, "agreement_formed", signatories=codes(group),
                             gdp_share=gdp_share(group, self.original, gdp))
        else:
            # The signed text stands: members who leave lose its access, the others keep their schedules.
            group = self.signatories & self.members
            ok, utility, access = self._accepting(self._in_force_schedule(self.signed_schedule), group)
            holdouts, open_pairs, rest, rest_could = group & ~ok, [], group & ok, False
        formed = self.formed_round is not None
        ratifying = self.signatories & self.members & ok if formed else ok & group
        in_force = formed and entry_into_force(self.config.entry_rule, ratifying, self.original, gdp)
        check = AgreementCheck(
            round=self.round, members=codes(self.members), accepting=codes(ok & group), holdouts=codes(holdouts),
            open_pairs=open_pairs, complete=not open_pairs, rest=codes(rest), rest_could_conclude=rest_could,
            formed=formed, signatories=codes(self.signatories & self.members) if formed else [],
            gdp_share=gdp_share(ratifying, self.original, gdp), in_force=bool(in_force),
            utility=dict(zip(names, map(float, utility))), outside_option=dict(zip(names, map(float, self.outside))),
            access=access,
        )
        self.records.append(check)
        return check

    def _update_endgame(self, holdouts: np.ndarray, utility: np.ndarray, margin: np.ndarray) -> bool:
        """End-game linkage: when members hold out, each other member will give up, in its talks
        with the hold-outs, up to ``endgame_share`` of its margin above what it needs to ratify,
        spread over the hold-outs it still negotiates with. Returns whether anything changed."""
        share, n = self.config.params["endgame_share"], len(self.countries)
        partners = np.zeros(n)
        if holdouts.any():       # each other member's undecided package talks with the hold-outs
            a, b = self._ends[self._package_open].T
            hold_a, hold_b = holdouts[a], holdouts[b]
            partners = (np.bincount(a[hold_b & ~hold_a], minlength=n)
                        + np.bincount(b[hold_a & ~hold_b], minlength=n)).astype(float)
        payers = self.members & ~holdouts & (partners > 0)
        relief = np.where(payers, share * np.maximum(margin, 0.0) / np.maximum(partners, 1), 0.0)
        if (holdouts != self.holdout_mask).any() or not _all_close(relief, self.endgame_relief):
            self._changed({int(i) for i in np.flatnonzero(holdouts | self.holdout_mask)})
            self.holdout_mask, self.endgame_relief = holdouts.copy(), relief
            return True
        return False

    def pair_benchmarks(self, a: str, b: str) -> dict[str, Any]:
        """The analytic benchmarks for one pair's TPP talk in the current state of the game.

        For the Nash bargaining and Kalai-Smorodinsky solutions of the pair's frontier (with
        the reservations as disagreement point) and Rubinstein's split (``a`` proposing first,
        the countries' patience as discount factors): each side's concessions and utility,
        or None where no deal exists that both sides could ratify.
        """
        i, j = self.config.index(a), self.config.index(b)
        schedule = assemble_package(self.deals, self.members, len(self.countries), len(self.sectors))
        access = package_access(schedule, self.members, self.side_access)
        terms = world_terms(self.weights, access, np.array([i]), np.array([j]),
                            np.ones((1, len(self.sectors)), dtype=bool), schedule, self.members,
                            self.config.params["spillover"])
        thresholds = self.config.params["ratification_threshold"]
        summary = FrontierSummary.build(terms, thresholds[[i]], thresholds[[j]])
        patience = self.config.params["patience"]
        share = rubinstein_split(float(patience[i]), float(patience[j]))
        points = {
            "nash": summary.nash(),
            "kalai_smorodinsky": summary.kalai_smorodinsky(),
            "rubinstein": summary.theta_for(np.array([True]),
                                            summary.reserve_a + share * (summary.best_a - summary.reserve_a)),
        }
        out: dict[str, Any] = {"pair": [a, b], "zone_of_agreement": bool(summary.zopa[0]),
                               "reserve": {a: float(summary.reserve_a[0]), b: float(summary.reserve_b[0])},
                               "rubinstein_share": share}
        for name, theta in points.items():
            if not summary.zopa[0]:
                out[name] = None        # no deal both sides could ratify: no benchmark point
                continue
            x_ab, x_ba = terms.deal_at(theta)
            u_a, u_b = terms.utilities(x_ab, x_ba)
            out[name] = {"utility": {a: float(u_a[0]), b: float(u_b[0])},
                         "concessions": {a: SectorValues(x_ab[0], self.sectors).as_dict(),
                                         b: SectorValues(x_ba[0], self.sectors).as_dict()}}
        return out

    # ------------------------------------------------------------ results
    def summary(self) -> dict[str, Any]:
        """The final record: formed, round, members, GDP share, in force, and per country
        its utility against its outside option and its concession per sector."""
        check = self.last_check
        formed = check.formed
        countries = {}
        own = deepest_concessions(check.access if formed else self.side_access)
        for k, code in enumerate(self.countries):
            utility = check.utility[code] if formed else check.outside_option[code]
            countries[code] = {
                "name": self.config.params["names"][code],
                "member": bool(self.members[k]),
                "signatory": code in check.signatories,
                "utility": round(utility, 6),
                "outside_option": round(check.outside_option[code], 6),
                "concessions": {s: round(float(v), 4) for s, v in zip(self.sectors, own[k])},
            }
        return {
            "scenario": self.config.name,
            "scenario_file": self.config.file,
            "seed": self.run_seed,
            "rounds": self.round,
            "formed": formed,
            "round": self.formed_round,
            "date": self.config.round_date(self.formed_round).isoformat() if formed else None,
            "members": check.signatories,
            "ratifying": [c for c in check.signatories if c in check.accepting],
            "gdp_share": round(check.gdp_share, 6) if formed else 0.0,
            "entry_rule": self.config.entry_rule.describe(),
            "in_force": check.in_force,
            "holdouts": check.holdouts,
            "side_deals": [
                {"label": d.label, "kind": d.kind, "round": d.round,
                 "parties": [self.countries[d.a], self.countries[d.b]]}
                for d in self.deals if d.kind != "tpp"
            ],
            "countries": countries,
        }
