"""Terminal play: ``python run.py play --as JPN [SCENARIO]`` — a person negotiates for one country.

Each round, in every talk the seated country holds, the player types an offer (what the
country gives and what it asks for, per sector), sees the partner's reply with both
sides' utilities and, after a no, the partner's counter-offer, which it may take. The
model's agents play everyone else. Commands are listed by :data:`HELP`.
"""

from __future__ import annotations

from collections.abc import Callable

from tppgame.model import TPPModel
from tppgame.report import month_label, round_lines
from tppgame.game.seat import Offer, OfferError, SeatTalk, parse_offer

HELP = """\
  give SECTOR=X ... ask SECTOR=Y ...   your offer: what you open (0 = no change, 1 = free trade)
                                       and what you ask the partner to open; sectors left out stay at 0
  s      make the suggested offer (your own negotiators' proposal this round)
  a      take the partner's counter-offer (after it said no)
  p      make no offer in this talk this round
  t      show the table of this talk again
  auto   let your negotiators play the rest of the game
  q      stop the game here (the results so far are written)
  ?      this help"""


class Stop(Exception):
    """The player asked to stop (``q``) or to hand over to the agent (``auto``, or end of input)."""

    def __init__(self, hand_over: bool):
        super().__init__("hand over" if hand_over else "stop")
        self.hand_over = hand_over


def offer_line(offer: Offer, me: str, partner: str) -> str:
    """One line: what each side opens (non-zero sectors) and what each gets."""
    def opened(values: dict[str, float]) -> str:
        shown = [f"{s} {v:.2f}" for s, v in values.items() if v >= 0.005]
        return ", ".join(shown) or "nothing"

    return (f"{me} opens {opened(offer.gives)}; {partner} opens {opened(offer.asks)}  "
            f"-> {me} {offer.utility_seat:+.4f}, {partner} {offer.utility_partner:+.4f}")


def talk_table(seat: SeatTalk, me: str, names: dict[str, str]) -> str:
    """The sectors on the table with both sides' red lines and the suggested offer."""
    partner = seat.partner
    lines = [f"  {'sector':<11} {'your red line':>13} {partner + ' red line':>13} {'suggest give':>12} {'suggest ask':>11}"]
    for sector in seat.sectors:
        lines.append(f"  {sector:<11} {seat.red_line_seat[sector]:>13.2f} {seat.red_line_partner[sector]:>13.2f} "
                     f"{seat.suggestion.gives[sector]:>12.2f} {seat.suggestion.asks[sector]:>11.2f}")
    lines.append(f"  You need at least {seat.reserve_seat:+.4f} from this talk for {names[me]} to ratify it.")
    lines.append(f"  Suggested: {offer_line(seat.suggestion, me, partner)}")
    return "\n".join(lines)


def _talk_turn(model: TPPModel, seat: SeatTalk, ask: Callable[[str], str], say: Callable[[str], None]) -> None:
    """Prompt until the player has acted in one talk (offer, take the counter, or pass)."""
    me = model.countries[model.seat]
    names = model.config.params["names"]
    say(f"\n-- {seat.label}: you ({names[me]}) and {names[seat.partner]}")
    say(talk_table(seat, me, names))
    while seat.open:
        prompt = "take the counter-offer (a), or leave it (p)" if seat.status == "rejected" else "your offer"
        try:
            text = ask(f"{me} -> {seat.partner}, {prompt} [? for help]: ").strip()
        except EOFError:
            say("\n(no more input: your negotiators play the rest of the game)")
            raise Stop(hand_over=True) from None
        command = text.lower()
        try:
            if command in ("?", "help", "h"):
                say(HELP)
            elif command == "t":
                say(talk_table(seat, me, names))
            elif command == "auto":
                raise Stop(hand_over=True)
            elif command in ("q", "quit"):
                raise Stop(hand_over=False)
            elif command == "p" or (command == "" and seat.status == "rejected"):
                say("  No offer this round." if seat.reply is None else "  You leave their counter-offer.")
                model.pass_talk(seat.label)
            elif command == "a":
                model.accept_counter(seat.label)
                say(f"  Deal: {offer_line(seat.reply.counter, me, seat.partner)}")
                _warn_if_short(seat, seat.reply.counter, say)
            elif command == "":
                continue
            else:
                gives, asks = ((seat.suggestion.gives, seat.suggestion.asks) if command == "s"
                               else parse_offer(text))
                reply = model.propose(seat.label, gives, asks)
                say(f"  Your offer: {offer_line(reply.offer, me, seat.partner)}")
                if reply.accepted:
                    say(f"  {names[seat.partner]} accepts. Deal closed.")
                    _warn_if_short(seat, reply.offer, say)
                else:
                    say(f"  {names[seat.partner]} says no: {reply.reason}.")
                    say(f"  Their counter-offer: {offer_line(reply.counter, me, seat.partner)}")
        except (OfferError, ValueError) as err:
            say(f"  ! {err}")


def _warn_if_short(seat: SeatTalk, offer: Offer, say: Callable[[str], None]) -> None:
    if offer.utility_seat < seat.reserve_seat:
        say(f"  Note: this gives you {offer.utility_seat:+.4f}, short of the {seat.reserve_seat:+.4f} you need: "
            "your parliament may not ratify the package.")


def play(model: TPPModel, ask: Callable[[str], str] = input, say: Callable[[str], None] = print) -> None:
    """Play the game to its end (or until the player stops), prompting for the seat's offers."""
    me = model.countries[model.seat]
    names = model.config.params["names"]
    say(f"You negotiate for {names[me]} ({me}) in '{model.config.name}'. Type ? at a prompt for help.")
    while model.running:
        model.step()
        r = model.round
        if model.waiting_for_seat:
            say(f"\n=== Round {r} ({month_label(model, r)}): {len(model.seat_talks)} of your talks meet")
            try:
                for seat in model.seat_talks:
                    _talk_turn(model, seat, ask, say)
                model.settle()
            except Stop as stop:
                if stop.hand_over:
                    model.hand_over()
                else:
                    model.settle()
                    say(f"\nYou stopped the game after round {r}.")
                    _print_round(model, r, say)
                    return
        _print_round(model, r, say)


def _print_round(model: TPPModel, r: int, say: Callable[[str], None]) -> None:
    lines = round_lines(model, r)
    if len(lines) > 1 or model.seat is not None:
        say(f"Round {r} ({month_label(model, r)}):")
        for line in lines:
            say(f"  {line}")
