"""The negotiating table: the bilateral talks, their frontiers, who meets whom, and the meetings.

The table keeps what the talks need round after round: each talk's frontier in the world as
it stands (rebuilt only for the talks a change touched), the talks that can meet, the
countries' bookings within their capacity, and the meetings themselves, in which the protocol
asks each side's negotiator and accepted offers close as deals. It reads the state of the
world (members, deals, settings, the end game) from its model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from tppgame.game.events import Deadline, Summit
from tppgame.game.eventlog import SectorValues
from tppgame.game.frontier import FrontierSummary, PairTerms
from tppgame.game.negotiators import Move
from tppgame.game.network import remove_deal
from tppgame.game.protocols import SessionInput, SessionResult, deadline_point, tell
from tppgame.game.solutions import rubinstein_split
from tppgame.game.side_deals import fixed_terms
from tppgame.game.talks import Talk, kept_share, progress, world_terms
from tppgame.game.utility import package_access

if TYPE_CHECKING:
    from tppgame.game.scenario import Scenario
    from tppgame.model import TPPModel


def make_talks(config: Scenario) -> list[Talk]:
    """A TPP market-access talk for every pair, replaced by a conditional side deal where the
    scenario names one, plus every standalone side deal as a track of its own."""
    countries, sectors = config.countries, config.sectors
    all_sectors = np.ones(len(sectors), dtype=bool)
    side = {frozenset(d.parties): d for d in config.side_deals}
    talks = []
    for i in range(len(countries)):
        for j in range(i + 1, len(countries)):
            deal = side.get(frozenset((countries[i], countries[j])))
            if deal is None or deal.kind == "standalone":
                talks.append(Talk(i, j, "tpp", f"{countries[i]}-{countries[j]} TPP market access",
                                  all_sectors))
    for deal in config.side_deals:
        a, b = deal.parties
        on_table = np.array([sec in deal.sectors for sec in sectors])
        talk = Talk(config.index(a), config.index(b), deal.kind, deal.label, on_table, start_round=deal.start_round)
        if deal.terms is not None:
            talk.fixed_terms = fixed_terms(deal.terms, a, b, sectors)
            talk.fixed_round = deal.concluded_round
        talks.append(talk)
    return talks


class Table:
    """The talks of one game and the state of their negotiation."""

    def __init__(self, model: TPPModel, talks: list[Talk]):
        self.model = model
        config, countries = model.config, model.countries
        self.talks = talks
        self._undecided = list(talks)
        for k, talk in enumerate(talks):
            talk.index = k
        self.ends = np.array([(t.a, t.b) for t in talks], dtype=int).reshape(-1, 2)   # each talk's a and b
        self.package_open = np.array([t.in_package for t in talks], dtype=bool)     # undecided package talks
        self.in_package = self.package_open.copy()
        self.has_stake = np.array([t.has_stake for t in talks], dtype=bool)         # as refresh last found it
        self._partners: tuple[bytes | None, np.ndarray | None] = (None, None)   # partners() for has_stake's bytes
        self.reopened_deals: list = []      # deals that closed and were reopened (ClosedDeal), in that order
        self._world_talks: dict[bool, list[Talk]] = {
            side_world: [t for t in talks if (t.kind == "standalone") == side_world] for side_world in (False, True)}
        for group in self._world_talks.values():
            for k, talk in enumerate(group):
                talk.row = k
                talk.pair = frozenset((countries[talk.a], countries[talk.b]))
        self._dirty: set[int] | None = None    # countries whose talks need new frontiers (None: all)
        self._deadlines = [(e.round, {frozenset(p) for p in e.pairs}) for e in config.events
                           if isinstance(e, Deadline)]
        self._summits: dict[int, set[frozenset[str]]] = {}
        for e in config.events:
            if isinstance(e, Summit):
                self._summits.setdefault(e.round, set()).update(frozenset(p) for p in e.pairs)
        self.available_talks: list[Talk] = []
        self.talks_of: dict[int, list[Talk]] = {}
        self.booked_count = [0] * len(countries)
        self.capacity = [int(c) for c in config.params["talks_per_round"]]
        self._booked: list[Talk] = []
        self._booked_ids: set[int] = set()
        self.summary_version = -1
        self._summaries: dict[bool, FrontierSummary | None] = {}

    def touch(self, countries: set[int] | None = None) -> None:
        """The world changed for the talks of ``countries`` (None: for all talks)."""
        if countries is None or self._dirty is None:
            self._dirty = None
        else:
            self._dirty |= countries

    def frontier(self, talk: Talk) -> FrontierSummary:
        """A talk's frontier as it stands (one row)."""
        return self._summaries[talk.kind == "standalone"].rows(np.array([talk.row]))

    def open_pairs(self, group: np.ndarray) -> list[tuple[str, str]]:
        """Package talks within ``group`` still undecided while a zone of agreement exists."""
        names = self.model.countries
        return [(names[a], names[b]) for a, b in self.open_ends(group)]

    def open_ends(self, group: np.ndarray) -> list[tuple[int, int]]:
        """:meth:`open_pairs` as the countries' numbers."""
        return [(t.a, t.b) for t in self.talks
                if t.in_package and t.deal is None and t.has_stake and t.zopa and group[t.a] and group[t.b]]

    def partners(self) -> np.ndarray:
        """[i, j]: whether countries i and j have a package talk with something at stake for either
        side (open or closed): the partners that may ask something of each other. Read-only, and made
        again only when which talks have something at stake changed (the checks ask for it many times
        a round)."""
        key = self.has_stake.tobytes()
        if key != self._partners[0]:
            n = len(self.model.countries)
            a, b = self.ends[self.in_package & self.has_stake].T
            out = np.zeros((n, n), dtype=bool)
            out[a, b] = out[b, a] = True
            out.flags.writeable = False
            self._partners = (key, out)
        return self._partners[1]

    def book_round(self) -> list[Talk]:
        """Open the talks that can meet this round and let the countries book them (summit meetings
        first, then each country in a random order, within its capacity): the talks booked."""
        m = self.model
        self._booked = []
        self._booked_ids: set[int] = set()
        self.booked_count = [0] * len(m.countries)
        self.available_talks = self._open_talks()
        # each country's talks in the order it books them: waited on longest first, then the larger
        # stake (one stable sort of all talks orders every country's share of them the same way)
        self.talks_of = {i: [] for i in range(len(m.countries))}
        for talk in sorted(self.available_talks, key=lambda t: (t.last_met, -t.stake)):
            self.talks_of[talk.a].append(talk)
            self.talks_of[talk.b].append(talk)
        summit = self._summits.get(m.round, set())
        for talk in self.available_talks:
            if talk.pair in summit:
                self.book(talk)
        m.agents.shuffle_do("book_talks")
        return self._booked

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
        return self.model.config.rounds

    def reopen_provisional(self, authority_before: np.ndarray) -> list[Talk]:
        """Package talks whose deal closed while a side lacked authority reopen when it gains it (a
        shock), as long as the agreement has not formed and both sides are still members: a negotiator
        without authority does not lock in terms its partner held back for fear of amendment
        (``bargaining.held_back``). The deal leaves the package (what it conceded is open again),
        and the talk meets again, each concession now counted at its full cost; it keeps its history
        and its progress towards its deadline. Returns the talks reopened."""
        m = self.model
        now = m.config.params["authority"]
        gained = now & ~authority_before
        if not gained.any() or m.formed_round is not None:
            return []
        members = m.members
        reopened = [t for t in self.talks if t.deal is not None and t.provisional and t.in_package
                    and (gained[t.a] or gained[t.b]) and now[t.a] and now[t.b] and members[t.a] and members[t.b]]
        for talk in reopened:
            a, b = m.countries[talk.a], m.countries[talk.b]
            self.reopened_deals += [d for d in m.deals if d.label == talk.label]
            m.deals = [d for d in m.deals if d.label != talk.label]
            talk.deal, talk.closed_round, talk.provisional = None, None, False
            self.package_open[talk.index] = True
            remove_deal(m.network, a, b, talk.kind)
            m.log.add(m.round_now(), "reopened", talk=talk.label, track=talk.kind, a=a, b=b,
                      authority=[c for c, i in ((a, talk.a), (b, talk.b)) if gained[i]])
        if reopened:
            self._undecided = [t for t in self.talks if t.deal is None]
        return reopened

    def refresh(self) -> None:
        """Rebuild the frontiers of the undecided talks the last changes touched.

        A deal between two countries changes access only in their two markets, so only the
        talks involving one of them are rebuilt; a new member, a withdrawal or a shock
        rebuilds all.
        """
        m = self.model
        if self._dirty is not None and not self._dirty:
            return
        thresholds = m.config.params["ratification_threshold"]
        min_stake = m.config.params["min_stake"]
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
                relief_a, relief_b = m.agreement.relief(a, b), m.agreement.relief(b, a)
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
                self.has_stake[talk.index] = talk.has_stake
                talk.zopa = fixed or zopa
        self._dirty = set()
        self.summary_version = m.version

    def _build_summaries(self, terms: PairTerms, *reservations: np.ndarray) -> FrontierSummary:
        """The talks' frontiers (from the shared memo, if any), with the scenario's measure of a stake."""
        return self.model.work.summary(terms, *reservations, efficient_stake=self.efficient_stake)

    @property
    def efficient_stake(self) -> bool:
        """Whether a side's stake is measured at the pair's efficient deal (``bargaining.stake``)."""
        return self.model.config.params["stake"] == "efficient"

    def _open_talks(self) -> list[Talk]:
        """Talks that can meet this round: undecided, started, between members (for package talks),
        with something at stake for either side."""
        m = self.model
        self.refresh()
        r = m.round
        out = []
        self._undecided = [t for t in self._undecided if t.deal is None]
        summit = self._summits.get(r, set())
        members = m.members.tolist()       # plain bools: cheaper to index, talk by talk
        version, package_open = m.version, m.formed_round is None
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
                m.log.add(r, "talks_opened", talk=talk.label, track=talk.kind,
                          a=m.countries[talk.a], b=m.countries[talk.b])
            out.append(talk)
        return out

    def _terms(self, talks: list[Talk], side_world: bool) -> PairTerms:
        """The talks' terms in their world: the standalone side deals' alone, or the package's."""
        m = self.model
        a = np.array([t.a for t in talks])
        b = np.array([t.b for t in talks])
        sectors = np.array([t.sectors for t in talks])
        kept = self.kept()
        if side_world:
            return world_terms(m.weights, m.side_access, a, b, sectors, kept=kept)
        schedule, access = self._package_world()
        return world_terms(m.weights, access, a, b, sectors, schedule, m.members, m.config.params["spillover"],
                           kept)

    def kept(self) -> np.ndarray | None:
        """Per country, the share of an offer to it its partners expect to keep (None: all of it):
        :func:`tppgame.game.talks.kept_share` of the settings in force."""
        p = self.model.config.params
        return kept_share(p["authority"], p["held_back"])

    def _package_world(self) -> tuple[np.ndarray, np.ndarray]:
        """The members' package schedules as they stand, and the access they give (with side deals): what
        their package deals gave, and at least what the common standards ask of each member
        (``bargaining.common_standards``), so a pair bargains over what the standard leaves open."""
        m = self.model
        schedule = m.agreement.assembled(m.members)        # kept per group and brought up to date (read only)
        minimum = m.agreement.standards_minimum(m.members)
        if minimum is not None:
            schedule = np.maximum(schedule, minimum)
        return schedule, package_access(schedule, m.members, m.side_access)

    def meet(self, talks: list[Talk]) -> None:
        """The booked talks meet under the protocol, each side's negotiator deciding for it; accepted
        offers close as deals."""
        m = self.model
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
                talk.first_proposer_is_a = bool(m.random.random() < 0.5)
            self.advance_progress(talk)
        prop_a = np.array([t.first_proposer_is_a != (t.meetings % 2 == 1) for t in talks])
        inp = self.session_input(talks, summary, prop_a)
        result = m.work.session(m.protocol, inp)
        self._record_session(talks, result, summary, prop_a)
        if m.learners:
            tell(inp, [t.history[-1] for t in talks])

    def session_input(self, talks: list[Talk], summary: FrontierSummary, prop_a: np.ndarray) -> SessionInput:
        """What the protocol and the negotiators see of these talks this round."""
        m = self.model
        p, names, negotiators = m.config.params, m.countries, m.negotiators
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
            red_line_a=m.weights.red_line[a], red_line_b=m.weights.red_line[b],
            talks=tuple(talks), a=a, b=b, names=names, sectors=m.sectors, information=m.config.information,
        )

    def _record_session(self, talks: list[Talk], result: SessionResult, summary: FrontierSummary,
                        prop_a: np.ndarray) -> None:
        """Remember each meeting in its talk, log its offer and reply, and close accepted deals."""
        m = self.model
        r = m.round
        u_resp = np.where(prop_a, result.u_b, result.u_a).tolist()
        asp_p, asp_r = result.aspiration_proposer.tolist(), result.aspiration_responder.tolist()
        accepted = result.accepted.tolist()
        for k, talk in enumerate(talks):
            pa = bool(prop_a[k])
            talk.history.append(Move(r, pa, result.x_ab[k], result.x_ba[k], accepted[k]))
            talk.meetings += 1
            talk.last_met = r
            talk.met_version = m.version
            if asp_p[k] == asp_p[k]:          # not nan: the protocol used aspirations
                talk.previous = [asp_p[k], asp_r[k]] if pa else [asp_r[k], asp_p[k]]
            talk.offers_received[1 if pa else 0].append(u_resp[k])
        if m.record:
            self._log_session(talks, result, summary, prop_a, u_resp, asp_r)
        for k, talk in enumerate(talks):
            if accepted[k]:
                m.close(talk, result.x_ab[k], result.x_ba[k], r, summary.rows(np.array([k])))

    def _log_session(self, talks: list[Talk], result: SessionResult, summary: FrontierSummary,
                     prop_a: np.ndarray, u_resp: list[float], asp_r: list[float]) -> None:
        """Each meeting's offer and reply, in the event log (``u_resp``, ``asp_r``: the responders'
        utilities and aspirations, as :meth:`_record_session` read them)."""
        m = self.model
        r, names, sectors = m.round, m.countries, m.sectors
        mask = np.array([t.sectors for t in talks])
        col = prop_a[:, None]
        gives = np.where(col, result.x_ab, result.x_ba) * mask
        asks = np.where(col, result.x_ba, result.x_ab) * mask
        u_prop = np.where(prop_a, result.u_a, result.u_b).tolist()
        reserve_resp = np.where(prop_a, summary.reserve_b, summary.reserve_a).tolist()
        accepted, zopa = result.accepted.tolist(), result.zopa.tolist()
        yes = (result.responder_yes if result.responder_yes is not None else result.accepted).tolist()
        add = m.log.add
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

    def advance_progress(self, talk: Talk) -> None:
        """A talk meets this round: its progress towards its deadline moves on (concessions once
        made are not withdrawn, so progress never falls)."""
        m = self.model
        r = m.round
        horizon = self.horizon(talk, r)
        talk.progress = max(talk.progress, progress(r, talk.opened_round or r, horizon))
        talk.rounds_left = max(horizon - r, 0)

    def pair_frontier(self, i: int, j: int) -> FrontierSummary:
        """The frontier of a market-access talk between countries ``i`` (side a) and ``j`` (side b)
        over every sector, in the package world as it stands (one row), with the reservations the
        game's talks have now: each side's ratification bar less the end-game relief it offers
        when the other holds out (as :meth:`refresh` builds them)."""
        m = self.model
        schedule, access = self._package_world()
        terms = world_terms(m.weights, access, np.array([i]), np.array([j]),
                            np.ones((1, len(m.sectors)), dtype=bool), schedule, m.members,
                            m.config.params["spillover"], self.kept())
        thresholds = m.config.params["ratification_threshold"]
        a, b = np.array([i]), np.array([j])
        return FrontierSummary.build(terms, thresholds[a], thresholds[b],
                                     m.agreement.relief(a, b), m.agreement.relief(b, a), self.efficient_stake)

    def benchmarks(self, a: str, b: str) -> dict[str, Any]:
        """The analytic benchmarks for one pair's TPP talk in the current state of the game.

        On the pair's frontier with the reservations the game uses (end-game relief included): the
        Nash bargaining and Kalai-Smorodinsky solutions (the reservations as disagreement point),
        Rubinstein's equilibrium offer with ``a`` proposing first (the countries' patience as
        discount factors, solved on the frontier itself), and the ``deadline`` point, the asymmetric
        Nash point with the patience weights that the alternating protocol settles at when both
        sides demand only their reservations: each side's concessions and utility, or None where no
        deal exists that both sides could ratify. ``rubinstein_share`` is the closed-form first
        proposer's share of a one-issue pie for the same patience, for comparison.
        """
        m = self.model
        i, j = m.config.index(a), m.config.index(b)
        summary = self.pair_frontier(i, j)
        terms = summary.terms
        patience = m.config.params["patience"]
        delta_a, delta_b = patience[[i]], patience[[j]]
        share = rubinstein_split(float(delta_a[0]), float(delta_b[0]))
        out: dict[str, Any] = {"pair": [a, b], "zone_of_agreement": bool(summary.zopa[0]),
                               "reserve": {a: float(summary.reserve_a[0]), b: float(summary.reserve_b[0])},
                               "rubinstein_share": share}
        names = ("nash", "kalai_smorodinsky", "rubinstein", "deadline")
        if not summary.zopa[0]:
            return {**out, **dict.fromkeys(names)}    # no deal both sides could ratify: no benchmark point
        points = (summary.nash(), summary.kalai_smorodinsky(), summary.rubinstein(delta_a, delta_b)[0],
                  deadline_point(summary, delta_a, delta_b))
        for name, theta in zip(names, points):
            x_ab, x_ba = terms.deal_at(theta)
            u_a, u_b = terms.utilities(x_ab, x_ba)
            out[name] = {"utility": {a: float(u_a[0]), b: float(u_b[0])},
                         "concessions": {a: SectorValues(x_ab[0], m.sectors).as_dict(),
                                         b: SectorValues(x_ba[0], m.sectors).as_dict()}}
        return out
