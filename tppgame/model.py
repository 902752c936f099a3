"""The TPP negotiation model: twelve country agents bargaining in rounds.

Each round (a Mesa step) has two phases. **Meet**: the scenario's events due at the start of
the round have fired from the model's event list; summit meetings are booked, then each
country, in a random order, books its bilateral talks within its negotiating capacity; the
booked talks meet under the scenario's protocol, each side's negotiator deciding what it
demands, offers and accepts (the talks of countries whose seat a person has taken wait for
the players). **Settle**: the plurilateral check records whether an agreement forms and could
enter into force, the round's deadlines are reviewed, and the DataCollector takes its row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from tppgame.agents import CountryAgent
from tppgame.game.agreement import AgreementCheck
from tppgame.game.eventlog import EventLog, NullLog, SectorValues
from tppgame.game.events import Deadline, FixedSideDeal, ScheduledEvent
from tppgame.game.frontier import FrontierSummary
from tppgame.game.kernels import interrupts_held
from tppgame.game.negotiators import Negotiator, Person, chosen_negotiators, make_negotiator
from tppgame.game.network import add_deal, country_network
from tppgame.game.outcome import summary
from tppgame.game.phase_out import DealYears
from tppgame.game.plurilateral import Plurilateral
from tppgame.game.protocols import PROTOCOLS
from tppgame.game.reporters import AGENT_REPORTERS, MODEL_REPORTERS
from tppgame.game.scenario import Scenario, load_scenario
from tppgame.game.seat import Reply, SeatTalk
from tppgame.game.seats import Seats
from tppgame.game.settings import GameScenario, shocked, weights_of
from tppgame.game.side_deals import ClosedDeal, side_deal_access
from tppgame.game.snapshot import read_snapshot, snapshot_of
from tppgame.game.table import Table, make_talks
from tppgame.game.talks import Talk
from tppgame.game.utility import world_utility
from tppgame.game.work import DIRECT, Work


class TPPModel(mesa.Model):
    """A Trans-Pacific Partnership negotiation.

    Args:
        scenario: a scenario name (``baseline``), a path to a TOML file, or a loaded Scenario.
        rng: seed for all chance in the run; defaults to the scenario's ``seed``.
        overrides: settings to replace, by dotted path (``{"countries.JPN.sensitivity.rice": 2.5}``).
        seat: a country (ISO3 code) a person plays: a shorthand for ``negotiators={code: Person()}``;
            each round its talks wait for the player (see :mod:`tppgame.game.seats`).
        shared: work shared with other games of the same scenario (a sweep's memo,
            :class:`tppgame.experiments.memo.SharedWork`), which makes replicates cheaper; the results
            are the same with or without it. It serves only while every negotiator is stateless.
        record: False keeps no event log and no per-round DataCollector rows, only what
            :meth:`summary` reports (for sweeps, which store only the outcome); once nothing can
            meet or happen any more, the remaining rounds pass without booking talks.
        negotiators: countries' negotiators chosen from Python, by ISO3 code: a
            :class:`~tppgame.game.negotiators.Negotiator` object (a :class:`Person` for a seat a
            person takes) or a registered name. The others play the negotiator their scenario names.
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
        chosen = chosen_negotiators({**(negotiators or {}), **({seat: Person()} if seat else {})}, config.countries)
        seed = config.seed if rng is None else rng
        super().__init__(scenario=GameScenario(rng=seed, settings=config, name=config.name, file=config.file))
        self.config = config
        self.run_seed = config.seed if rng is None else (int(rng) if isinstance(rng, int | np.integer) else None)
        self.countries, self.sectors = config.countries, config.sectors
        n, s = len(self.countries), len(self.sectors)
        self.members = np.array([c in config.members for c in self.countries])
        self.original = np.array([c in config.original_signatories for c in self.countries])
        self.weights = weights_of(config)
        self.protocol = PROTOCOLS[config.protocol]()
        self._chosen, self.negotiators, self._scenario_choices = chosen, [], []
        self.given_negotiators = dict(chosen)  # as chosen from Python at the start (a saved game names them)
        self._choose_negotiators()
        # the memo answers for a session only if no negotiator in it learns
        self.work: Work = shared if shared is not None and all(n.stateless for n in self.negotiators) else DIRECT
        self.record = record
        self.log = EventLog() if record else NullLog()
        self.deals: list[ClosedDeal] = []
        self.side_access = np.zeros((n, n, s))
        self.outside = world_utility(self.weights, self.side_access)
        self.round = 0
        self.version = 0                       # bumped whenever a deal, member or setting changes
        self.table = Table(self, make_talks(config))
        self.agreement = Plurilateral(self)
        self.seats = Seats(self)
        self._deferred_reviews: list[Deadline] = []   # deadlines reviewed once a waiting round settles
        # the last round in which an event, a stated side deal or a talk's start can change anything
        talks = self.table.talks
        self._last_scheduled_round = max([e.round for e in config.events] + [t.start_round for t in talks]
                                         + [t.fixed_round for t in talks if t.fixed_round is not None])
        self._settled = False                  # without records: nothing can meet or happen any more
        self._round_open = False               # between a round's meet and its settle

        CountryAgent.create_agents(self, n, code=list(self.countries),
                                   name=[config.params["names"][c] for c in self.countries], index=list(range(n)))
        self.network = country_network(config, self.members)
        self._scheduled: list[ScheduledEvent | FixedSideDeal] = [ScheduledEvent(self, e) for e in config.events]
        self._scheduled += [FixedSideDeal(self, t.index, t.fixed_round) for t in talks if t.fixed_round is not None]
        for item in self._scheduled:
            item.schedule()

        self.agreement.check()
        self.datacollector = mesa.DataCollector(model_reporters=MODEL_REPORTERS, agent_reporters=AGENT_REPORTERS)
        if record:
            self.datacollector.collect(self)

    def _choose_negotiators(self) -> None:
        """Each country's negotiator: the one chosen from Python, else the one its scenario names
        (made anew only when the scenario's choice changed, so a negotiator keeps what it learnt).
        A person's seat without an advisor gets the scenario's choice as its advisor."""
        choices = list(zip(self.config.params["tactic"], self.config.params["beta"]))
        made: list[Negotiator] = []
        for k, code in enumerate(self.countries):
            if code in self._chosen:
                made.append(self._chosen[code])
                if isinstance(made[-1], Person) and made[-1].advisor is None:
                    made[-1].advisor = make_negotiator(*choices[k])
            elif self.negotiators and self._scenario_choices[k] == choices[k]:
                made.append(self.negotiators[k])
            else:
                made.append(make_negotiator(*choices[k]))
        self.negotiators, self._scenario_choices = made, choices
        self.learners = any(type(n).observe is not Negotiator.observe for n in made)   # any negotiator that learns
        for agent in self.agents_by_type.get(CountryAgent, ()) if self.agents else ():
            agent.negotiator = made[agent.index]

    # ------------------------------------------------------------------ the round
    def step(self) -> None:
        """One round: the talks meet, then the round settles (once the players are done, with seats)."""
        with interrupts_held():     # a Ctrl-C lands as the round ends (tppgame.game.kernels)
            self.meet()
            if not self.waiting_for_seat:
                self.settle()

    def meet(self) -> None:
        """The round's first phase: countries book their talks and the talks meet, each side's
        negotiator deciding; seated countries' talks wait for their players (:attr:`waiting_for_seat`)."""
        self.settle_waiting()
        self.round = self.steps
        self._round_open = True
        if self._settled:
            return
        self._version_at_meet = self.version
        agents_play = self.seats.hold(self.table.book_round())
        if agents_play:
            self.table.meet(agents_play)

    def settle(self) -> None:
        """The round's second phase: players' talks still open pass, then the plurilateral check, the
        round's deadlines reviewed (if they waited), and the DataCollector's row. Once a round."""
        if not self._round_open:
            return
        self._round_open = False
        waited = self.seats.waiting is not None
        self.seats.close_round()
        self.agreement.check()
        if self.record:
            self.datacollector.collect(self)
        if self.round >= self.config.rounds:
            self.running = False
        if waited:
            deferred, self._deferred_reviews = self._deferred_reviews, []
            for spec in deferred:
                self.review_deadline(spec)
        elif not self._settled:
            self._settled = self._nothing_left(self._version_at_meet)

    def settle_waiting(self) -> None:
        """Settle a round still waiting for its players (the game moves on: their open talks pass)."""
        if self.waiting_for_seat:
            self.settle()

    def _nothing_left(self, version: int) -> bool:
        """Whether the rest of a game without records can be passed over: no talk met this round
        and nothing changed, and no event, stated deal or talk start is still to come. Every later
        round would then be the same (only the order of booking would be drawn, and nothing is
        booked), so its check repeats and the outcome is the one a full game reaches."""
        return (not self.record and not self.seats.countries and not self.table.available_talks
                and self.version == version and self.round >= self._last_scheduled_round)

    # ------------------------------------------------------------------ queries
    @property
    def shared(self) -> Work | None:
        """The work shared with other games (a sweep's memo), or None while the game works alone."""
        return self.work if self.work.remembers else None

    @property
    def date(self) -> dt.date:
        """The date the current round stands for (the start, before round 1)."""
        return self.config.round_date(max(self.round, 1))

    @property
    def talks(self) -> list[Talk]:
        return self.table.talks

    @property
    def last_check(self) -> AgreementCheck:
        """The plurilateral check after the last round (:class:`tppgame.game.agreement.AgreementCheck`)."""
        return self.agreement.last_check

    @property
    def records(self) -> list[AgreementCheck]:
        """Every round's plurilateral check, from the start."""
        return self.agreement.records

    @property
    def formed_round(self) -> int | None:
        return self.agreement.formed_round

    def summary(self) -> dict[str, Any]:
        """The final record (:func:`tppgame.game.outcome.summary`): what ``summary.json`` holds."""
        return summary(self)

    def snapshot(self, path: str | Path | None = None) -> dict[str, Any]:
        """The game so far as plain data (written to ``path`` as JSON if given), to continue with
        :meth:`from_snapshot` (:func:`tppgame.game.snapshot.snapshot_of`)."""
        return snapshot_of(self, path)

    @classmethod
    def from_snapshot(cls, source: str | Path | Mapping[str, Any], overrides: Mapping[str, Any] | None = None,
                      negotiators: Mapping[str, Negotiator | str] | None = None) -> TPPModel:
        """A saved game (:meth:`snapshot`) continued from where it stopped, exactly as it would have
        gone on; ``overrides`` change settings from there on (a branch). See :mod:`tppgame.game.snapshot`."""
        return read_snapshot(source).play_on(cls, overrides, negotiators)

    def pair_benchmarks(self, a: str, b: str) -> dict[str, Any]:
        """The analytic benchmarks of one pair's TPP talk now (:meth:`tppgame.game.table.Table.benchmarks`)."""
        return self.table.benchmarks(a, b)

    # --------------------------------------------------------------- changes
    def changed(self, countries: set[int] | None = None) -> None:
        """Record that the world changed: for talks involving ``countries`` (None: all talks)."""
        self.version += 1
        self.table.touch(countries)

    def close(self, talk: Talk, x_ab: np.ndarray, x_ba: np.ndarray, round_number: int,
              frontier: FrontierSummary | None = None) -> None:
        """Conclude a talk with a deal (``frontier``: the talk's, as it stood); a standalone side deal
        enters into force at once."""
        talk.deal = (np.asarray(x_ab, dtype=float), np.asarray(x_ba, dtype=float))
        talk.closed_round = round_number
        talk.provisional = talk.negotiated and not self.config.params["authority"][[talk.a, talk.b]].all()
        self.table.package_open[talk.index] = False
        self.changed({talk.a, talk.b})
        a, b = self.countries[talk.a], self.countries[talk.b]
        gives = [SectorValues(np.where(talk.sectors, x, 0.0), self.sectors) for x in talk.deal]
        years = DealYears(self.weights, self.config, talk.a, talk.b, gives[0].values, gives[1].values)
        self.deals.append(ClosedDeal(talk.a, talk.b, talk.kind, talk.label, round_number, *talk.deal,
                                     frontier=frontier, phase_outs=years))
        self.log.add(round_number, "deal", talk=talk.label, track=talk.kind, a=a, b=b, a_gives=gives[0],
                     b_gives=gives[1], a_years=years.side(0), b_years=years.side(1), **standard_floors(self, talk))
        add_deal(self.network, a, b, talk.kind)
        if talk.kind == "standalone":
            self.side_access = side_deal_access(self.deals, len(self.countries), len(self.sectors))
            self.outside = world_utility(self.weights, self.side_access)

    def join(self, code: str, label: str) -> None:
        self.members[self.config.index(code)] = True
        self.changed()
        self.network.nodes[code]["member"] = True
        self.log.add(self.round_now(), "join", country=code, label=label)

    def withdraw(self, code: str, label: str) -> None:
        i = self.config.index(code)
        self.members[i] = False
        self.agreement.signatories[i] = False
        self.changed()
        self.network.nodes[code]["member"] = False
        self.log.add(self.round_now(), "withdraw", country=code, label=label)

    def apply_shock(self, changes: dict[str, Any], label: str, kind: str = "shock") -> None:
        """A domestic or external shock (or a saved game's branch, ``kind="branch"``): settings change
        from this round on; package deals closed without a side's authority reopen when it comes."""
        authority = self.config.params["authority"]
        self.config = shocked(self.config, changes, label)
        self.weights = weights_of(self.config)
        self.protocol = PROTOCOLS[self.config.protocol]()
        self._choose_negotiators()
        if not all(n.stateless for n in self.negotiators):
            self.work = DIRECT
        self.table.capacity = [int(c) for c in self.config.params["talks_per_round"]]
        self.outside = world_utility(self.weights, self.side_access)
        self.changed()
        self.log.add(self.round_now(), kind, label=label, changes=changes)
        self.table.reopen_provisional(authority)

    def round_now(self) -> int:
        """The round an event firing now belongs to (start-of-round events fire before ``steps`` advances)."""
        return int(np.ceil(self.time))

    def review_deadline(self, spec: Deadline) -> None:
        """At the end of a deadline's (or summit's) round: was it met? (After the players, with seats.)"""
        if self.waiting_for_seat:
            self._deferred_reviews.append(spec)
            return
        closed = {t.pair for t in self.talks if t.deal is not None}
        met = all(frozenset(p) in closed for p in spec.pairs) if spec.pairs else self.formed_round is not None
        self.log.add(spec.round, "deadline", label=spec.label, event=spec.kind, met=met,
                     pairs=[sorted(p) for p in spec.pairs])
        if not met:
            spec.missed(self)

    # --------------------------------------------------------------- the seats
    @property
    def seat(self) -> int | None:
        """The seated country (its index) when one person plays, else None (see :attr:`seats`)."""
        seated = self.seats.countries
        return seated[0] if len(seated) == 1 else None

    @property
    def waiting_for_seat(self) -> bool:
        """Whether the round waits for players' moves before it settles."""
        return self.seats.waiting is not None

    @property
    def seat_talks(self) -> list[SeatTalk] | None:
        """The seated countries' talks this round while the round waits for them, else None."""
        return self.seats.waiting

    def seat_talk(self, talk: str, country: str | None = None) -> SeatTalk:
        """A seated country's talk this round (:meth:`tppgame.game.seats.Seats.talk`)."""
        return self.seats.talk(talk, country)

    def propose(self, talk: str, gives: Mapping[str, float], asks: Mapping[str, float],
                country: str | None = None) -> Reply:
        """A player's offer in a talk; the partner replies at once (:meth:`tppgame.game.seats.Seats.propose`)."""
        return self.seats.propose(talk, gives, asks, country)

    def accept_counter(self, talk: str, country: str | None = None) -> None:
        """A player takes the offer standing in a talk this round: the deal closes on its terms."""
        self.seats.accept(talk, country)

    def pass_talk(self, talk: str, country: str | None = None) -> None:
        """A player makes no offer in a talk this round, or leaves the offer standing in it."""
        self.seats.pass_talk(talk, country)

    def hand_over(self, country: str | None = None) -> None:
        """A seated country's advisor plays on from now (this round's waiting talks meet now); the
        round then settles if no other player is still to move."""
        waiting = self.seats.hand_over(country)
        if waiting:
            self.table.meet(waiting)
        if self.waiting_for_seat and not any(t.open for t in self.seats.waiting):
            self.settle()

    def choose_negotiator(self, i: int, negotiator: Negotiator) -> None:
        """Country ``i`` plays ``negotiator`` from now on: a seat handed over to its advisor, or taken
        by a person (called by :class:`~tppgame.game.seats.Seats`)."""
        self._chosen[self.countries[i]] = negotiator
        self._choose_negotiators()


def standard_floors(model: TPPModel, talk: Talk) -> dict[str, SectorValues]:
    """What the common standards ask of each side of a package deal, as its log entry carries them
    (``a_standard``, ``b_standard``): a package deal's schedules hold them, and the report leaves them out
    of the deal's line. Nothing for a side deal, or without a common standard."""
    standard = None if talk.kind == "standalone" else model.agreement.standards_minimum(model.members)
    if standard is None:
        return {}
    return {"a_standard": SectorValues(standard[talk.a], model.sectors),
            "b_standard": SectorValues(standard[talk.b], model.sectors)}
