"""A student's view: their seat (or the choice of one), the country's brief, its talks this round and
an offer builder that starts from its negotiators' suggestion, with sliders that show their values
and a warning before offering or taking less than the country needs to ratify.

Every button calls a :class:`~tppgame.classroom.rooms.Room` method with the student's token from
the page's link: the room refuses anything outside the student's own seat.
"""

from __future__ import annotations

import math

import solara

from tppgame.classroom.brief import (
    brief_lines,
    offer_values,
    short_of_needs,
)
from tppgame.classroom.class_debrief import DebriefCard
from tppgame.classroom.class_session import page_link, registry, shared, use_room
from tppgame.classroom.markup import Md
from tppgame.classroom.rooms import (
    MESSAGE_LIMIT,
    PLENARY,
    Message,
    Room,
    RoomError,
    Student,
)
from tppgame.game.seat import Offer, SeatTalk

STATUS = {"waiting": "waits for your offer", "rejected": "they said no; their counter-offer stands",
          "deal": "deal closed", "passed": "no offer this round", "declined": "you left their offer",
          "handed_over": "your negotiators play it", "offered": "your offer waits for the other player",
          "received": "the other player's offer waits for you"}


def opened(values: dict[str, float]) -> str:
    return ", ".join(f"{s} {v:.2f}" for s, v in values.items() if v >= 0.005) or "nothing"


def standing_offer(seat: SeatTalk) -> Offer | None:
    """The offer the student may take in a talk: another player's, or the partner's counter-offer."""
    if seat.status == "received":
        return seat.incoming
    if seat.status == "rejected" and seat.reply is not None:
        return seat.reply.counter
    return None


def can_offer(room: Room, seat: SeatTalk) -> bool:
    """Whether the student may make an offer now: nothing made yet, or a counter-offer to another
    player's offer while the talk has offers left this round."""
    left = room.model.seats.offers_left(seat)
    return seat.status == "waiting" or (seat.status == "received" and bool(left))


def starting_offer(seat: SeatTalk) -> tuple[dict[str, float], dict[str, float]]:
    """Where the offer builder starts: the other player's offer standing (a counter-offer starts from
    it, within the country's red lines), else the negotiators' suggestion."""
    if seat.status == "received" and seat.incoming is not None:
        return ({s: min(v, seat.red_line_seat[s]) for s, v in seat.incoming.gives.items()},
                dict(seat.incoming.asks))
    return seat.suggestion.gives, seat.suggestion.asks


@solara.component
def StudentView(room: Room, student: Student, token: str):
    use_room(room)
    reg = registry()

    def presence():
        reg.connect(room, student, +1)
        return lambda: reg.connect(room, student, -1)

    solara.use_effect(presence, [room.id, student.id])
    message, set_message = solara.use_state("")

    def act(what, *args) -> None:
        try:
            reg.act(room, lambda: what(token, *args))
            set_message("")
        except RoomError as err:       # OfferError is a ValueError too, raised through the room
            set_message(f"Not possible: {err}")
        except ValueError as err:
            set_message(f"Not possible: {err}")

    country = student.country
    with solara.Column(style={"padding": "16px", "max-width": "1100px"}):
        title = f"{student.name} — {room.name(country)} ({country})" if country else f"{student.name} — no seat yet"
        Md(f"# {title}")
        Md(f"Room {room.code}. Your own link (it brings you back to this seat): `{page_link(seat=token)}`")
        others = [s.name for s in room.delegation(country) if s.id != student.id] if country else []
        if others:
            Md(f"Your delegation: {', '.join(others)}.")
        if message:
            Md(f"**{message}**")
        if country is None:
            _pick(room, act)
            return
        RoundLine(room, country)
        if room.status == "ended" and room.model is not None:
            DebriefCard(room, country)
        if room.model is not None:
            BriefCard(shared(room, ("brief", country), lambda: "\n\n".join(brief_lines(room.model, country))))
        talks = room.talks_of(country)
        if room.status == "running" and not talks:
            Md("Your country holds no talk this round: wait for the next round.")
        # keyed, with every container around them: a line put above them (a refused action's "Not
        # possible", a debrief) must not make them new, which would drop a half-written message
        if talks:
            TalksPanel(room, talks, act, talks_state(room, talks)).key("talks")
        with solara.Card("Plenary board (every student and the teacher read it)").key("plenary"):
            MessageBox(room.channel(PLENARY), lambda text: act(room.say, PLENARY, text),
                       len(room.messages)).key(f"messages-{PLENARY}")


@solara.component
def RoundLine(room: Room, country: str):
    """The round and what the student waits for. Its own listener, told before the pages' whole
    redraws (:func:`~tppgame.classroom.class_session.use_room`), so every page shows a new round at
    once; the page's redraw after it finds it drawn (same arguments: not drawn again)."""
    use_room(room, first=True)
    Md(f"**{_status_line(room, country)}**")


@solara.component
def BriefCard(brief: str):
    """The country's brief (drawn again only when its text changes: once a round at most)."""
    with solara.Card("Your brief"):
        Md(brief)


def _status_line(room: Room, country: str) -> str:
    model = room.model
    if room.status == "lobby":
        return "Waiting for the teacher to start the game."
    where = f"Round {model.round} of {model.config.rounds}"
    if room.status == "paused":
        return f"{where}: the teacher has paused the game."
    if room.status == "ended":
        return f"{where}: the game has ended."
    left = room.seconds_left()
    timer = f" The round ends in about {left:.0f} s." if left is not None else ""
    moved = " You have moved in every talk: wait for the round to end." if room.talks_of(country) and \
        room.submitted(country) else ""
    return f"{where}.{moved}{timer}"


def _pick(room: Room, act) -> None:
    if room.settings.assign != "pick":
        Md("The teacher will give you a seat.")
        return
    Md("Choose the country you will negotiate for (several students may form one delegation):")
    with solara.Row(style={"flex-wrap": "wrap"}):
        for code in room.countries:
            count = len(room.delegation(code))
            solara.Button(f"{code} {room.name(code)}" + (f" ({count})" if count else ""),
                          on_click=lambda c=code: act(room.pick, c))


def talks_state(room: Room, talks: list[SeatTalk]) -> tuple:
    """What the talks panel shows that can change within a round: each talk's status and the offers
    standing in it, and the messages. Its talks change in place (they compare equal to before), so
    this is what redraws it, and only it: another country's move leaves the panel as it is."""
    standing = tuple((t.label, t.status, t.reply is not None, t.incoming is not None) for t in talks)
    return room.model.round, standing, len(room.messages)


@solara.component
def TalksPanel(room: Room, talks: list[SeatTalk], act, state: tuple):
    """The country's talks this round and the offer builder (``state``: :func:`talks_state`)."""
    chosen, set_chosen = solara.use_state("")
    drafts, set_drafts = solara.use_state({})
    confirm, set_confirm = solara.use_state("")
    labels = [t.label for t in talks]
    seat = talks[labels.index(chosen)] if chosen in labels else talks[0]
    model = room.model
    key = f"{model.round}:{seat.label}:{seat.offers}"       # a new offer standing starts a new draft
    draft = drafts.get(key, {})
    start_gives, start_asks = starting_offer(seat)
    gives = {s: draft.get("gives", {}).get(s, start_gives[s]) for s in seat.sectors}
    asks = {s: draft.get("asks", {}).get(s, start_asks[s]) for s in seat.sectors}
    offering = can_offer(room, seat)
    left = model.seats.offers_left(seat)

    def set_value(side: str, sector: str, value: float) -> None:
        set_drafts({**drafts, key: {**draft, side: {**draft.get(side, {}), sector: round(float(value), 2)}}})
        set_confirm("")

    with solara.Card("Your talks this round"):
        solara.ToggleButtonsSingle(value=seat.label, values=labels, on_value=set_chosen)
        Md("\n".join(f"- **{talk.label}** with {talk.partner}: {STATUS[talk.status]}" for talk in talks))
        me = _own(room, seat)
        u_seat, u_partner = offer_values(seat, gives, asks, model.sectors)
        draft_line = (f" Your offer below gives **{me} {u_seat:+.4f}** and **{seat.partner} {u_partner:+.4f}**. "
                      "(0 = today's protection, 1 = free trade.)" if offering else "")
        if left is not None:
            draft_line += (f" Offers left in this talk this round (both sides): **{left}** of "
                           f"{model.seats.offer_limit}.")
        Md(f"### {seat.label}\nYou need at least **{seat.reserve_seat:+.4f}** from this talk for {me} to ratify."
           + draft_line)
        if offering:
            with solara.Row(style={"flex-wrap": "wrap"}):
                with solara.Column(style={"min-width": "320px"}):
                    Md(f"**{me} opens** (up to your red line)")
                    for sector in seat.sectors:
                        value, top = on_grid(gives[sector], seat.red_line_seat[sector])
                        offer_slider(f"give {sector}: {gives[sector]:.2f}", value, top,
                                     lambda v, s=sector: set_value("gives", s, v))
                with solara.Column(style={"min-width": "320px"}):
                    Md(f"**{seat.partner} opens** (its red lines: "
                                    f"{', '.join(f'{s} {v:.2f}' for s, v in seat.red_line_partner.items() if v < 1) or 'none'})")
                    for sector in seat.sectors:
                        offer_slider(f"ask {sector}: {asks[sector]:.2f}", on_grid(asks[sector], 1.0)[0], 1.0,
                                     lambda v, s=sector: set_value("asks", s, v))
            solara.Button("Back to " + ("their offer" if seat.status == "received" else "your negotiators' suggestion"),
                          text=True,
                          on_click=lambda: set_drafts({k: v for k, v in drafts.items() if k != key}))
        standing = standing_offer(seat)
        if standing is not None:
            Md(f"**Offer standing from {seat.partner}:** {seat.partner} opens {opened(standing.asks)}; "
                            f"you open {opened(standing.gives)}. It gives you {standing.utility_seat:+.4f} and "
                            f"{seat.partner} {standing.utility_partner:+.4f}.")

        def offer() -> None:
            warning = short_of_needs(seat, u_seat)
            if warning and confirm != f"offer:{key}":
                set_confirm(f"offer:{key}")
                return
            set_confirm("")
            act(room.offer, seat.label, gives, asks)

        def take() -> None:
            warning = short_of_needs(seat, standing.utility_seat) if standing else None
            if warning and confirm != f"take:{key}":
                set_confirm(f"take:{key}")
                return
            set_confirm("")
            act(room.accept, seat.label)

        if confirm.endswith(key):
            value = u_seat if confirm.startswith("offer") else standing.utility_seat
            Md(f"⚠ **{short_of_needs(seat, value)}** Press the button again to go ahead.")
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.Button("Make counter-offer" if seat.status == "received" else "Make offer", color="primary",
                          on_click=offer, disabled=not offering)
            solara.Button("Take their offer", on_click=take, disabled=standing is None)
            solara.Button("No deal this round", on_click=lambda: act(room.pass_talk, seat.label), disabled=not seat.open
                          or seat.status == "offered")
            solara.Button("Let my negotiators handle this talk", on_click=lambda: act(room.delegate, seat.label),
                          disabled=seat.status not in ("waiting", "rejected", "received"))
        Md(f"**Talk channel with {seat.partner}** (both delegations read it)")
        # keyed: a warning or a closed deal above it must not make it a new box (a draft would be lost)
        MessageBox(room.channel(seat.label), lambda text: act(room.say, seat.label, text),
                   len(room.messages)).key(f"messages-{seat.label}")


def offer_slider(label: str, value: float, top: float, on_value) -> None:
    """One slider of the offer builder, from 0 to ``top`` on 0.01 steps: Vuetify's slider as
    ``solara.SliderFloat`` draws it, without that component's own state around each one (thirty
    pages redraw about fourteen of them after every round, and the draft is the page's state already)."""
    solara.v.Slider(v_model=value, on_v_model=lambda v: on_value(float(v)), label=label, min=0.0, max=top,
                    step=0.01, thumb_label="always", dense=False, hide_details=True)


def on_grid(value: float, top: float) -> tuple[float, float]:
    """A slider's value and top on its 0.01 steps (the top rounded down: the red line holds). A value
    off the steps the browser's slider corrects, and sends back as a change: one more redraw of the
    page for each slider after every round, thirty pages at once."""
    top = math.floor(top * 100 + 1e-9) / 100
    return min(round(value, 2), top), top


def _own(room: Room, seat: SeatTalk) -> str:
    """The seated country of a seat talk."""
    talk = room.model.table.talks[seat.talk_index]
    return room.countries[talk.a if seat.seat_is_a else talk.b]


def message_line(message: Message) -> str:
    return f"Round {message.round} · {message.name} ({message.country}): {message.text}"


@solara.component
def MessageBox(messages: list[Message], send, count: int):
    """A channel's messages (as plain text: nothing a student writes is read as markup) and a box to
    write in. ``count`` (the room's messages) redraws it when any message arrives."""
    draft, set_draft = solara.use_state("")
    for message in messages[-12:]:
        solara.Text(message_line(message), style={"display": "block"})
    if not messages:
        solara.Text("No messages yet.", style={"display": "block", "color": "#777"})

    def post() -> None:
        send(draft)
        set_draft("")

    with solara.Row(style={"align-items": "center"}):
        solara.InputText(f"Message (up to {MESSAGE_LIMIT} characters)", value=draft, on_value=set_draft,
                         continuous_update=True)
        solara.Button("Send", on_click=post, disabled=not draft.strip())
