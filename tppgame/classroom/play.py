"""Terminal play: ``python run.py play --as JPN [SCENARIO]`` — a person negotiates for one country.

Each round, in every talk the seated country holds, the player types an offer (what the
country gives and what it asks for, per sector), sees the partner's reply with both
sides' utilities and, after a no, the partner's counter-offer, which it may take. The
model's agents play everyone else. Commands are listed by :data:`HELP`.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

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


# The exit status of a game ended by a hang-up (the terminal closed: SIGHUP), 128 + the signal's
# number as shells report it; Ctrl-C gives 130.
EXIT_HANGUP = 129


class HangUp(KeyboardInterrupt):
    """The terminal closed during play (SIGHUP): the game so far is kept, as on Ctrl-C."""


@contextmanager
def hangup_stops_play() -> Iterator[None]:
    """While the block runs, a hang-up (SIGHUP) raises :class:`HangUp` (main thread, where SIGHUP exists)."""
    if not hasattr(signal, "SIGHUP") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def hang_up(signum: int, frame: Any) -> None:
        raise HangUp()

    before = signal.signal(signal.SIGHUP, hang_up)
    try:
        yield
    finally:
        signal.signal(signal.SIGHUP, before)


class _Forgiving:
    """A text stream whose writes are dropped once its terminal has gone (an OSError such as EIO)."""

    def __init__(self, stream: TextIO):
        self._stream, self._gone = stream, False

    def write(self, text: str) -> int:
        if not self._gone:
            try:
                self._stream.write(text)
            except OSError:
                self._gone = True
        return len(text)

    def flush(self) -> None:
        if not self._gone:
            try:
                self._stream.flush()
            except OSError:
                self._gone = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def after_hangup(keep: Callable[[], None]) -> int:
    """Keep the game after a hang-up (``keep`` prints the table and writes the files): the terminal
    may be gone, so what cannot be printed any more is dropped and the files are written all the
    same; returns :data:`EXIT_HANGUP`."""
    sys.stdout, sys.stderr = _Forgiving(sys.stdout), _Forgiving(sys.stderr)  # type: ignore[assignment]
    print("\nhung up: the game so far follows")
    keep()
    return EXIT_HANGUP


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


# Answers in a row that move nothing (bad offers, blank lines, help) before the game stops asking: more than
# anyone types at a prompt, and what ends an endless stream of them (`yes | run.py play ...` printed millions of
# refusals and never ended)
MOST_IDLE_ANSWERS = 100


def _talk_turn(model: TPPModel, seat: SeatTalk, ask: Callable[[str], str], say: Callable[[str], None]) -> None:
    """Prompt until the player has acted in one talk (offer, take the counter, or pass). After
    MOST_IDLE_ANSWERS answers in a row that move nothing, the negotiators take over, as at the input's end."""
    me = model.countries[model.seat]
    names = model.config.params["names"]
    say(f"\n-- {seat.label}: you ({names[me]}) and {names[seat.partner]}")
    say(talk_table(seat, me, names))
    idle = 0
    while seat.open:
        if idle >= MOST_IDLE_ANSWERS:
            say(f"\n({idle} answers in a row were not moves, as if no one were typing: your negotiators play the "
                "rest of the game)")
            raise Stop(hand_over=True)
        idle += 1
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
                idle = 0
            elif command == "a":
                model.accept_counter(seat.label)
                idle = 0
                say(f"  Deal: {offer_line(seat.reply.counter, me, seat.partner)}")
                _warn_if_short(seat, seat.reply.counter, say)
            elif command == "":
                continue
            else:
                gives, asks = ((seat.suggestion.gives, seat.suggestion.asks) if command == "s"
                               else parse_offer(text))
                reply = model.propose(seat.label, gives, asks)
                idle = 0
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
