"""A seat at the table: offers a person makes for a country, and the partner's replies.

A person's seat is a negotiator driven by a person (:class:`tppgame.game.negotiators.Person`):
in each of its talks that meets, the player states what the country concedes and what it
asks for, sector by sector. The partner's own negotiator answers (accepts, or says no and
states the offer it would make itself, which the player may take in the same round); when
the partner is another player, the offer waits for that player, who takes it, leaves it, or
answers with a counter-offer, up to a number of offers a talk a round. :mod:`tppgame.game.seats`
keeps a game's seats; the functions here are pure: they take one talk's terms for the round
and return what each side gets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from tppgame.game.frontier import FrontierSummary
from tppgame.game.negotiators import Negotiator, Talks
from tppgame.game.protocols import SessionInput, proposals, responses

class OfferError(ValueError):
    """An offer the seated player cannot make (unknown sector, out of range, past a red line)."""


@dataclass(frozen=True)
class Offer:
    """A proposal in one talk, from one side's point of view: what it gives and what it asks."""

    gives: dict[str, float]
    asks: dict[str, float]
    utility_seat: float        # the seated country's utility from the deal, against no deal now
    utility_partner: float


@dataclass(frozen=True)
class Reply:
    """The partner's answer to the player's offer, and the counter-offer it would make itself."""

    accepted: bool
    reason: str
    offer: Offer
    counter: Offer | None


@dataclass
class SeatTalk:
    """One talk of the seated country in the current round, as the player sees it."""

    talk_index: int               # index into the model's talks
    label: str
    partner: str                  # ISO3 code
    seat_is_a: bool
    sectors: tuple[str, ...]      # sectors on the table
    summary: FrontierSummary      # the talk's terms this round (one row)
    reserve_seat: float           # what the seated country needs to ratify (utility from this talk)
    reserve_partner: float
    aspiration_partner: float     # what the partner demands this round (its negotiator)
    red_line_seat: dict[str, float]
    red_line_partner: dict[str, float]
    suggestion: Offer             # what the country's advisor would propose this round, as a starting point
    inp: SessionInput             # the talk as the negotiators see it this round (one row)
    partner_negotiator: Negotiator   # who answers for the partner (a Person: another player)
    # waiting, rejected (a counter-offer stands), offered (to another player), received (another
    # player's offer stands), deal, passed, declined, handed_over
    status: str = "waiting"
    reply: Reply | None = None
    incoming: Offer | None = None  # another player's offer to this seat, from this seat's side
    offers: int = 0               # offers made in this talk this round by its two players together

    @property
    def open(self) -> bool:
        """Whether the player can still act in this talk this round."""
        return self.status in ("waiting", "rejected", "offered", "received")


def _vector(values: Mapping[str, float], sectors: tuple[str, ...], on_table: tuple[str, ...],
            what: str) -> np.ndarray:
    """Concessions by sector name as an array over all sectors; sectors not named are 0."""
    if not isinstance(values, Mapping):     # (a saved game's move edited by hand: a list where sectors stood)
        raise OfferError(f"{what}: expected sectors with their values (sector = 0 to 1), got {type(values).__name__}")
    out = np.zeros(len(sectors))
    for name, value in values.items():
        if name not in sectors:
            raise OfferError(f"{what}: unknown sector '{name}' (expected one of {', '.join(sectors)})")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise OfferError(f"{what}: {name} must be a number from 0 to 1, got {value!r}") from None
        if name not in on_table and number != 0.0:
            raise OfferError(f"{what}: {name} is not on the table in this talk")
        if not 0.0 <= number <= 1.0 or number != number:
            raise OfferError(f"{what}: {name} must be from 0 to 1, got {value!r}")
        out[sectors.index(name)] = number
    return out


def orient(x_seat: np.ndarray, x_partner: np.ndarray, seat_is_a: bool) -> tuple[np.ndarray, np.ndarray]:
    """The deal as (a's concessions, b's concessions) from (the seat's, the partner's)."""
    return (x_seat, x_partner) if seat_is_a else (x_partner, x_seat)


def utilities(summary: FrontierSummary, x_seat: np.ndarray, x_partner: np.ndarray,
              seat_is_a: bool) -> tuple[float, float]:
    """Each side's utility (seat, partner) from a deal in this talk, against no deal this round."""
    x_ab, x_ba = orient(x_seat, x_partner, seat_is_a)
    u_a, u_b = summary.terms.utilities(x_ab[None, :], x_ba[None, :])
    return (float(u_a[0]), float(u_b[0])) if seat_is_a else (float(u_b[0]), float(u_a[0]))


def as_offer(summary: FrontierSummary, x_seat: np.ndarray, x_partner: np.ndarray, seat_is_a: bool,
             sectors: tuple[str, ...], on_table: tuple[str, ...]) -> Offer:
    """An offer with both sides' utilities, concessions listed for the sectors on the table."""
    u_seat, u_partner = utilities(summary, x_seat, x_partner, seat_is_a)
    keep = [sectors.index(s) for s in on_table]
    return Offer(gives={sectors[k]: float(x_seat[k]) for k in keep},
                 asks={sectors[k]: float(x_partner[k]) for k in keep},
                 utility_seat=u_seat, utility_partner=u_partner)


def offer_vectors(seat: SeatTalk, gives: Mapping[str, float], asks: Mapping[str, float],
                  all_sectors: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """A player's offer as (the seat's, the partner's) concessions over all sectors.

    Raises OfferError for an offer the seated country could not make: a value outside 0-1,
    a sector not on the table, or a concession past its own red line.
    """
    x_seat = _vector(gives, all_sectors, seat.sectors, "you give")
    x_partner = _vector(asks, all_sectors, seat.sectors, "you ask")
    for name, limit in seat.red_line_seat.items():
        k = all_sectors.index(name)
        if x_seat[k] > limit + 1e-9:
            raise OfferError(f"you give: {name} {x_seat[k]:.2f} is past your red line ({limit:.2f})")
    return x_seat, x_partner


def partner_reply(seat: SeatTalk, gives: Mapping[str, float], asks: Mapping[str, float],
                  all_sectors: tuple[str, ...]) -> Reply:
    """The partner's answer to the player's offer (``gives``: the seat's concessions, ``asks``: the partner's),
    decided by the partner's own negotiator: it accepts or not, and when not, states the offer it
    would make itself (its counter-offer). Raises OfferError as :func:`offer_vectors` does.
    """
    x_seat, x_partner = offer_vectors(seat, gives, asks, all_sectors)
    offer = as_offer(seat.summary, x_seat, x_partner, seat.seat_is_a, all_sectors, seat.sectors)
    partner, view = seat.partner_negotiator, Talks(seat.inp, np.array([not seat.seat_is_a]))
    x_ab, x_ba = orient(x_seat, x_partner, seat.seat_is_a)
    demand = np.array([seat.aspiration_partner])
    yes = bool(responses((partner,), view, x_ab[None, :], x_ba[None, :], np.array([offer.utility_partner]),
                         demand)[0])
    if yes:
        return Reply(True, "accepted", offer, None)
    over = [name for name, limit in seat.red_line_partner.items()
            if x_partner[all_sectors.index(name)] > limit + 1e-9]
    if over:
        reason = "it cannot go that far on " + ", ".join(over) + " (past its red line)"
    elif offer.utility_partner < seat.reserve_partner:
        reason = "it could not get that deal ratified at home"
    else:
        reason = "it still demands more than that"
    counter_ab, counter_ba, _ = proposals((partner,), view, demand)
    counter_seat, counter_partner = orient(counter_ab[0], counter_ba[0], seat.seat_is_a)
    counter = as_offer(seat.summary, counter_seat, counter_partner, seat.seat_is_a, all_sectors, seat.sectors)
    return Reply(False, reason, offer, counter)


def vectors(offer: Offer, all_sectors: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """An offer's (seat's, partner's) concessions as arrays over all sectors."""
    x_seat, x_partner = np.zeros(len(all_sectors)), np.zeros(len(all_sectors))
    for name, value in offer.gives.items():
        x_seat[all_sectors.index(name)] = value
    for name, value in offer.asks.items():
        x_partner[all_sectors.index(name)] = value
    return x_seat, x_partner


def parse_offer(text: str) -> tuple[dict[str, float], dict[str, float]]:
    """Read an offer typed as ``give rice=0.1 beef=0.4 ask autos=1 dairy=0.3`` (either part may be missing).

    Raises OfferError with what was expected when the text cannot be read.
    """
    gives: dict[str, float] = {}
    asks: dict[str, float] = {}
    target: dict[str, float] | None = None
    for word in text.replace(",", " ").replace(";", " ").split():
        lowered = word.lower()
        if lowered in ("give", "gives"):
            target = gives
        elif lowered in ("ask", "asks"):
            target = asks
        elif "=" in word and target is not None:
            name, _, value = word.partition("=")
            try:
                target[name.strip().lower()] = float(value)
            except ValueError:
                raise OfferError(f"'{word}': expected SECTOR=NUMBER, for example beef=0.4") from None
        else:
            raise OfferError(f"'{word}': expected 'give SECTOR=NUMBER ...' and/or 'ask SECTOR=NUMBER ...'")
    if not gives and not asks:
        raise OfferError("empty offer: expected 'give SECTOR=NUMBER ...' and/or 'ask SECTOR=NUMBER ...'")
    return gives, asks
