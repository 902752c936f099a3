"""The seats of one game: the countries people play, and their talks while a round waits for them.

In the meet phase of a round (:meth:`tppgame.model.TPPModel.meet`) the booked talks of seated
countries are held for the players, with their terms taken then, before the round's other deals
close. Each player offers (:meth:`Seats.propose`), takes the offer standing in a talk
(:meth:`Seats.accept`), or passes (:meth:`Seats.pass_talk`); the partner's own negotiator answers
at once, or, when the partner is another player, the offer waits for that player, who may take
it, leave it, or answer with a counter-offer of their own: the two players exchange offers until
one takes the other's, one leaves it, the talk has had :attr:`Seats.offer_limit` offers this round
(:data:`OFFERS_PER_TALK` unless the game sets it), or the round settles. The round
settles (:meth:`tppgame.model.TPPModel.settle`) when the players are done: talks still open pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from tppgame.game.eventlog import SectorValues
from tppgame.game.negotiators import Move, Person, Talks
from tppgame.game.protocols import demands, proposals, tell
from tppgame.game.seat import (Offer, OfferError, Reply, SeatTalk, as_offer, offer_vectors, orient, partner_reply,
                               vectors)
from tppgame.game.talks import Talk

if TYPE_CHECKING:
    from tppgame.model import TPPModel

OFFERS_PER_TALK = 6      # offers two players may exchange in one talk in a round (both sides' together)
MOST_OFFERS_PER_TALK = 50


class Seats:
    """Who plays which country, and the talks waiting for them this round."""

    def __init__(self, model: TPPModel):
        self.model = model
        self.waiting: list[SeatTalk] | None = None    # the seats' talks while a round waits for the players
        self.at_start = tuple(self.countries)          # the countries people played from the first round
        # the players' moves in order, as plain data, for a saved game to replay (tppgame.game.snapshot)
        self.moves: list[dict[str, Any]] = []
        self.taking: list[str] = []     # countries a person takes once the round waiting for the players settles
        self.offer_limit = OFFERS_PER_TALK

    def limit_offers(self, limit: int) -> None:
        """Let two players exchange up to ``limit`` offers in a talk a round (from the next offer on)."""
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MOST_OFFERS_PER_TALK:
            raise ValueError(f"offer limit: expected whole offers from 1 to {MOST_OFFERS_PER_TALK}, got {limit!r}")
        if limit != self.offer_limit:
            self.offer_limit = limit
            self._record("offer_limit", limit=limit)

    def offers_left(self, seat: SeatTalk) -> int | None:
        """The offers still open to the two players of a talk this round (None: the partner is an agent)."""
        return None if self._other_side(seat) is None else max(0, self.offer_limit - seat.offers)

    @property
    def countries(self) -> list[int]:
        """The seated countries (indices)."""
        return [i for i, n in enumerate(self.model.negotiators) if isinstance(n, Person)]

    def hold(self, talks: list[Talk]) -> list[Talk]:
        """Hold the booked talks a player takes part in; return the others, which the agents play now."""
        people = set(self.countries)
        if not people:
            return talks
        mine = [t for t in talks if t.a in people or t.b in people]
        if mine:
            self.waiting = [seat for talk in mine for seat in self._open(talk, people)]
        return [t for t in talks if t.a not in people and t.b not in people]

    def _open(self, talk: Talk, people: set[int]) -> list[SeatTalk]:
        """The talk as each of its seated sides sees it: terms, the partner's demand and a suggestion."""
        m = self.model
        m.table.advance_progress(talk)
        summary = m.table.frontier(talk)
        out = []
        for i in (talk.a, talk.b):
            if i not in people:
                continue
            seat_is_a = talk.a == i
            j = talk.b if seat_is_a else talk.a
            inp = m.table.session_input([talk], summary, np.array([seat_is_a]))
            mine, theirs = Talks(inp, np.array([seat_is_a])), Talks(inp, np.array([not seat_is_a]))
            advisor = m.negotiators[i].advisor
            own_demand = demands((advisor,), mine)
            x_ab, x_ba, _ = proposals((advisor,), mine, own_demand)
            on_table = tuple(s for s, on in zip(m.sectors, talk.sectors) if on)
            partner = m.negotiators[j]
            out.append(SeatTalk(
                talk_index=talk.index, label=talk.label, partner=m.countries[j], seat_is_a=seat_is_a,
                sectors=on_table, summary=summary, reserve_seat=float(mine.reserve[0]),
                reserve_partner=float(theirs.reserve[0]),
                aspiration_partner=np.nan if isinstance(partner, Person) else float(demands((partner,), theirs)[0]),
                red_line_seat=self._limits(mine, on_table), red_line_partner=self._limits(theirs, on_table),
                suggestion=as_offer(summary, *orient(x_ab[0], x_ba[0], seat_is_a), seat_is_a, m.sectors, on_table),
                inp=inp, partner_negotiator=partner))
        return out

    def _limits(self, talks: Talks, on_table: tuple[str, ...]) -> dict[str, float]:
        """The most a side may concede in each sector on the table (its red line, or what it grants)."""
        sectors = self.model.sectors
        return {s: float(talks.red_line[0, sectors.index(s)]) for s in on_table}

    # ------------------------------------------------------------------ finding a talk
    def talk(self, talk: str, country: str | None = None) -> SeatTalk:
        """A seated country's talk this round, by its label or the partner's code (the first open one
        when the country holds two talks with that partner, say a TPP talk and a side deal); with
        several seats, ``country`` says whose."""
        mine = [t for t in self.waiting or [] if country is None or self._code(t) == country]
        found = [t for t in mine if t.label == talk]
        found = found or sorted((t for t in mine if t.partner == talk), key=lambda t: not t.open)
        if not found:
            open_with = "; ".join(f"{t.label} ({t.partner})" for t in mine) or "none"
            raise ValueError(f"no talk '{talk}' waits for your offer this round (this round: {open_with})")
        if len({self._code(t) for t in found}) > 1:
            raise ValueError(f"talk '{talk}': two seated countries hold it; say which (country=...)")
        return found[0]

    def _code(self, seat: SeatTalk) -> str:
        """The seated country of a seat talk."""
        m = self.model
        talk = m.table.talks[seat.talk_index]
        return m.countries[talk.a if seat.seat_is_a else talk.b]

    def _other_side(self, seat: SeatTalk) -> SeatTalk | None:
        """The other player's seat talk in a talk between two players."""
        return next((t for t in self.waiting or [] if t.talk_index == seat.talk_index and t is not seat), None)

    # ------------------------------------------------------------------ moves
    def propose(self, talk: str, gives: Mapping[str, float], asks: Mapping[str, float],
                country: str | None = None) -> Reply:
        """A player's offer in a talk: the partner's negotiator replies at once (a rejection comes
        with its counter-offer); a partner who is another player sees it as an offer to take.

        ``gives`` is what the seated country concedes, ``asks`` what the partner should, by
        sector (0-1; sectors left out stay at 0). One offer per talk per round to an agent; to
        another player, an offer or a counter-offer to theirs, up to :attr:`offer_limit` a round.
        Raises :class:`tppgame.game.seat.OfferError` for an offer the country cannot make.
        """
        reply = self._propose(self.talk(talk, country), gives, asks)
        self._record("propose", talk=talk, gives={k: float(v) for k, v in gives.items()},
                     asks={k: float(v) for k, v in asks.items()}, country=country)
        return reply

    def _propose(self, seat: SeatTalk, gives: Mapping[str, float], asks: Mapping[str, float]) -> Reply:
        m = self.model
        other = self._other_side(seat)
        if other is not None and seat.status in ("waiting", "received"):
            return self._offer_to_player(seat, other, gives, asks)
        if seat.status != "waiting":
            raise OfferError(f"you have already made your offer in {seat.label} this round "
                             "(take their counter-offer, or finish the round)")
        me, partner = self._code(seat), seat.partner
        reply = partner_reply(seat, gives, asks, m.sectors)
        track, r = m.table.talks[seat.talk_index], m.round
        self._met(track)
        partner_side = 1 if seat.seat_is_a else 0
        track.offers_received[partner_side].append(reply.offer.utility_partner)
        track.previous[partner_side] = seat.aspiration_partner
        self._log_offer(seat, me, partner, reply.offer, by_seat=True)
        seat.reply = reply
        moves = [self._move(seat, reply.offer, by_seat=True, accepted=reply.accepted)]
        if reply.accepted:
            m.log.add(r, "accept", talk=track.label, by=partner, proposer=me)
            seat.status = "deal"
            m.close(track, moves[0].x_ab, moves[0].x_ba, r, seat.summary)
        else:
            m.log.add(r, "reject", talk=track.label, by=partner, proposer=me, reason=reply.reason)
            seat.status = "rejected"
            track.offers_received[1 - partner_side].append(reply.counter.utility_seat)
            self._log_offer(seat, partner, me, reply.counter, by_seat=False)
            moves.append(self._move(seat, reply.counter, by_seat=False, accepted=False))
        track.history.extend(moves)
        tell(seat.inp, moves[:1])          # a partner that learns sees the player's offer and its fate
        return reply

    def _move(self, seat: SeatTalk, offer: Offer, by_seat: bool, accepted: bool) -> Move:
        """An offer in a seat's talk as the talk records it (sides a and b)."""
        x_ab, x_ba = orient(*vectors(offer, self.model.sectors), seat.seat_is_a)
        return Move(self.model.round, seat.seat_is_a == by_seat, x_ab, x_ba, accepted)

    def _offer_to_player(self, seat: SeatTalk, other: SeatTalk, gives: Mapping[str, float],
                         asks: Mapping[str, float]) -> Reply:
        """An offer to another player (or a counter-offer to theirs): it waits in their seat talk for
        them to take, leave or counter, while the talk has offers left this round."""
        m = self.model
        if other.status not in ("waiting", "passed", "offered"):
            raise OfferError(f"{seat.partner} has already moved in {seat.label} this round")
        if seat.offers >= self.offer_limit:
            raise OfferError(f"{seat.label} has had its {self.offer_limit} offers this round: take "
                             f"{seat.partner}'s offer or leave it")
        x_seat, x_partner = offer_vectors(seat, gives, asks, m.sectors)
        offer = as_offer(seat.summary, x_seat, x_partner, seat.seat_is_a, m.sectors, seat.sectors)
        track, me = m.table.talks[seat.talk_index], self._code(seat)
        if seat.status == "received":          # a counter-offer leaves the offer standing
            m.log.add(m.round, "reject", talk=seat.label, by=me, proposer=seat.partner,
                      reason="the player answered with a counter-offer")
        if seat.offers == 0:                   # the talk meets once a round, however many offers
            self._met(track)
        self._log_offer(seat, me, seat.partner, offer, by_seat=True)
        track.history.append(self._move(seat, offer, by_seat=True, accepted=False))
        seat.status, other.status = "offered", "received"
        seat.incoming, other.incoming = None, as_offer(seat.summary, x_partner, x_seat, other.seat_is_a, m.sectors,
                                                       seat.sectors)
        seat.offers = other.offers = seat.offers + 1
        seat.reply = Reply(False, f"the offer waits for {seat.partner}'s player", offer, None)
        return seat.reply

    def _met(self, track: Talk) -> None:
        m = self.model
        track.meetings += 1
        track.last_met = m.round
        track.met_version = m.version

    def accept(self, talk: str, country: str | None = None) -> None:
        """A player takes the offer standing in a talk this round (the partner's counter-offer, or
        another player's offer): the deal closes on its terms."""
        m = self.model
        seat = self.talk(talk, country)
        standing = seat.incoming or (seat.reply.counter if seat.reply is not None else None)
        if seat.status not in ("rejected", "received") or standing is None:
            raise OfferError(f"{seat.partner} has made no counter-offer to take in {seat.label} this round")
        track = m.table.talks[seat.talk_index]
        m.log.add(m.round, "accept", talk=track.label, by=self._code(seat), proposer=seat.partner)
        seat.status = "deal"
        other = self._other_side(seat)
        if other is not None:
            other.status = "deal"
        x_ab, x_ba = orient(*vectors(standing, m.sectors), seat.seat_is_a)
        if track.history and track.history[-1].round == m.round:      # the offer taken is the last one made
            track.history[-1] = track.history[-1]._replace(accepted=True)
        m.close(track, x_ab, x_ba, m.round, seat.summary)
        self._record("accept", talk=talk, country=country)

    def pass_talk(self, talk: str, country: str | None = None) -> None:
        """A player makes no offer in a talk this round, or leaves the offer standing in it."""
        self._pass(self.talk(talk, country))
        self._record("pass_talk", talk=talk, country=country)

    def _pass(self, seat: SeatTalk) -> None:
        m = self.model
        me = self._code(seat)
        if seat.status == "waiting":
            seat.status = "passed"
            m.log.add(m.round, "no_offer", talk=seat.label, by=me)
        elif seat.status in ("rejected", "received"):
            what = "counter-offer" if seat.status == "rejected" else "offer"
            seat.status = "declined"
            m.log.add(m.round, "reject", talk=seat.label, by=me, proposer=seat.partner,
                      reason=f"the player did not take the {what}")

    def close_round(self) -> None:
        """The players are done: talks left without an offer pass, offers not taken lapse."""
        if self.waiting is not None:     # when the round settles: after the players, or as the next one starts
            self._record("settle", time=float(self.model.time))
        for seat in self.waiting or []:
            if seat.open and seat.status != "offered":
                self._pass(seat)
        self.waiting = None
        for country in self.taking:
            self._seat_person(country)
        self.taking = []

    def hand_over(self, country: str | None = None) -> list[Talk]:
        """A seated country's advisor takes over (the only seat's, by default): it plays from now on,
        and this round's talks still waiting for the player are returned for it to meet now."""
        m = self.model
        if country in self.taking:        # taken this round, not yet played: the negotiator simply plays on
            self.taking.remove(country)
            self._record("hand_over", country=country)
            return []
        codes = [m.countries[i] for i in self.countries]
        code = country if country is not None else (codes[0] if len(codes) == 1 else None)
        if code not in codes:
            raise ValueError(f"hand_over: expected one of the seated countries ({', '.join(codes) or 'none'})")
        waiting: list[Talk] = []
        for seat in [t for t in self.waiting or [] if self._code(t) == code]:
            if seat.status in ("rejected", "received"):
                self._pass(seat)
            elif seat.status == "waiting" and self._other_side(seat) is None:
                seat.status = "handed_over"
                waiting.append(m.table.talks[seat.talk_index])
        i = m.countries.index(code)
        m.choose_negotiator(i, m.negotiators[i].advisor)
        self._record("hand_over", country=country)
        return waiting

    def take(self, country: str) -> None:
        """A person takes a country's seat from the next round on (a saved game continued with a player,
        a student joining a class game); the negotiator that played it until now advises the player.
        Taken while a round waits for its players, the seat plays from the next round: this round's
        talks were held before."""
        m = self.model
        if country not in m.countries:
            raise ValueError(f"take: expected a country of the game ({', '.join(m.countries)}), got {country!r}")
        if self.held(country):
            raise ValueError(f"take: {country} is already played by a person")
        self._record("take_seat", country=country)
        if self.waiting is not None:    # this round's talks were held for its negotiator, which plays them
            self.taking.append(country)
        else:
            self._seat_person(country)

    def held(self, country: str) -> bool:
        """Whether a person plays ``country``, or takes it once this round settles."""
        return isinstance(self.model.negotiators[self.model.countries.index(country)], Person) or country in self.taking

    def _seat_person(self, country: str) -> None:
        i = self.model.countries.index(country)
        self.model.choose_negotiator(i, Person(advisor=self.model.negotiators[i]))

    def _record(self, move: str, **fields: Any) -> None:
        """Note a player's move (or the settling of a round that waited for the players) in :attr:`moves`."""
        self.moves.append({"round": self.model.round, "move": move, **fields})

    def _log_offer(self, seat: SeatTalk, proposer: str, responder: str, offer: Offer, by_seat: bool) -> None:
        m = self.model
        gives, asks = vectors(offer, m.sectors)
        if not by_seat:
            gives, asks = asks, gives
        u_prop, u_resp = ((offer.utility_seat, offer.utility_partner) if by_seat
                          else (offer.utility_partner, offer.utility_seat))
        m.log.add(m.round, "offer", talk=seat.label, track=m.table.talks[seat.talk_index].kind,
                  proposer=proposer, responder=responder, gives=SectorValues(gives, m.sectors),
                  asks=SectorValues(asks, m.sectors), utility_proposer=u_prop, utility_responder=u_resp,
                  reserve_responder=seat.reserve_partner if by_seat else seat.reserve_seat,
                  aspiration_responder=seat.aspiration_partner if by_seat else np.nan)

