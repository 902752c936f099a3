"""The classroom dashboard's parts: the model the page builds from its controls, and its views.

The page itself is ``tppgame/app.py`` (Mesa's SolaraViz convention). Every view is a
Solara component taking the model; they redraw after each Step through Mesa's update
counter. Figures are drawn with matplotlib on the server and sent as images, tables as
HTML, so the page needs nothing from the internet.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import solara
from matplotlib import colormaps
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from mesa.visualization.utils import force_update, update_counter

from tppgame.classroom.game_text import CELL as _CELL
from tppgame.classroom.game_text import agreement_markdown, debrief_markdown, event_lines, power_html
from tppgame.classroom.markup import MD_STYLE, Md
from tppgame.game.agreement import assemble_package
from tppgame.model import TPPModel
from tppgame.game.fields import SEED_MAX, SEEDS
from tppgame.game.scenario import Scenario, ScenarioError, available_scenarios, load_scenario
from tppgame.game.seat import OfferError, SeatTalk, utilities
from tppgame.game.negotiators import negotiator_names
from tppgame.game.utility import deepest_concessions

AS_SCENARIO = "as in scenario"
DEFAULT_SCENARIO = "baseline"
NOBODY = "nobody"
TPA_LABEL = "trade promotion authority"     # the scenario events the TPA switch keeps or drops

# Where each country sits in the network view: roughly its place around the Pacific
# (longitude east of Greenwich, wrapped past 180; latitude), nudged apart where crowded.
LAYOUT = {
    "USA": (262, 38), "JPN": (139, 36), "CAN": (255, 56), "MEX": (258, 20), "AUS": (134, -25), "NZL": (174, -41),
    "CHL": (289, -33), "PER": (283, -10), "SGP": (104, -5), "MYS": (100, 6), "VNM": (107, 18), "BRN": (118, 9),
}
EDGE_STYLES = {   # kind: (colour, width, line style, legend label)
    "existing": ("#b0b0b0", 1.0, "-", "agreement in force before"),
    "talks": ("#1f77b4", 1.2, "--", "in talks this round"),
    "tpp": ("#2ca02c", 2.5, "-", "bilateral deal closed"),
    "side": ("#ff7f0e", 3.0, "-", "side deal"),
}
SCROLL = {"height": "100%", "overflow-y": "auto"}   # a view taller than its tile scrolls inside it


def scenario_names() -> list[str]:
    """The scenarios shipped in scenarios/, by file name."""
    return [path.stem for path in available_scenarios()]


def bundled_scenario(name: Any) -> Path | None:
    """The bundled scenario file called ``name`` (one of :func:`scenario_names`), else None.

    The page's scenario control sends a string a browser can forge (a crafted websocket
    message), so it is only ever looked up among the bundled names: never read as a path,
    nor checked on disk, so a refusal tells nothing about what exists.
    """
    return {path.stem: path for path in available_scenarios()}.get(name) if isinstance(name, str) else None


def _shown(text: str, limit: int = 24) -> str:
    """Text a browser sent, shortened to quote on the page."""
    return text if len(text) <= limit else text[:limit] + "…"


def parse_seed(text: Any) -> int | None:
    """A seed typed in the seed box: ASCII digits within 0 .. 2**63 - 1 (spaces around allowed), else None."""
    text = str(text).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(SEED_MAX)):
        return None
    seed = int(text)
    return seed if seed <= SEED_MAX else None


ENTRY_RULE_CHOICES = (AS_SCENARIO, "tpp", "cptpp")
RICE_RANGE = (0.0, 3.0)        # the slider's range (calibrated: 3)


def checked_controls(seat: Any, rice: Any, entry_rule: Any, tactics: dict[str, Any]
                     ) -> tuple[str, float, str, dict[str, str], list[str]]:
    """The controls' values as the page offers them; a value no control offers (a forged request)
    is replaced by the control's default, with a note for the page, instead of failing the session."""
    notes: list[str] = []

    def refuse(what: str, value: Any, default: str) -> None:
        notes.append(f"{what} {_shown(str(value))!r} is not one the page offers: {default} is used.")

    if seat != NOBODY and seat not in LAYOUT:
        refuse("Seat", seat, "nobody")
        seat = NOBODY
    try:
        number = float(rice)
    except (TypeError, ValueError):
        number = float("nan")
    if not RICE_RANGE[0] <= number <= RICE_RANGE[1]:
        refuse("Japan's rice sensitivity", rice, "3")
        number = 3.0
    if entry_rule not in ENTRY_RULE_CHOICES:
        refuse("Entry rule", entry_rule, "the scenario's")
        entry_rule = AS_SCENARIO
    allowed = {AS_SCENARIO, *negotiator_names()}
    clean = {}
    for code, tactic in tactics.items():
        if tactic not in allowed:
            refuse(f"{code} tactic", tactic, "the scenario's")
            tactic = AS_SCENARIO
        clean[code] = tactic
    return seat, number, entry_rule, clean, notes


def classroom_scenario(scenario_name: str, tactics: dict[str, str], jpn_rice_sensitivity: float, tpa: bool,
                       deadlines: bool, entry_rule: str) -> tuple[Scenario, list[str]]:
    """The scenario with the dashboard's settings applied, and plain notes on what they changed.

    Only a bundled scenario's name is played (:func:`bundled_scenario`); anything else is a
    :class:`ScenarioError`, raised before any file is read.
    """
    path = bundled_scenario(scenario_name)
    if path is None:
        raise ScenarioError("dashboard", "scenario_name", f"one of the bundled scenarios ({', '.join(scenario_names())})",
                            _shown(str(scenario_name)))
    before = load_scenario(path)
    overrides: dict[str, Any] = {f"countries.{code}.tactic": tactic for code, tactic in tactics.items()
                                 if tactic != AS_SCENARIO and code in before.countries}
    if "JPN" in before.countries:
        overrides["countries.JPN.sensitivity.rice"] = float(jpn_rice_sensitivity)
    if entry_rule != AS_SCENARIO:
        overrides["agreement.entry_rule"] = entry_rule
    config = before.with_overrides(overrides, origin="dashboard")
    changes = [f"{code} tactic {before.params['tactic'][before.index(code)]} -> {tactic}"
               for code, tactic in tactics.items() if tactic != AS_SCENARIO and code in before.countries
               and tactic != before.params["tactic"][before.index(code)]]
    if "JPN" in before.countries:
        rice = before.params["sensitivity"][before.index("JPN"), before.sectors.index("rice")]
        if abs(rice - jpn_rice_sensitivity) > 1e-9:
            changes.append(f"Japan's rice sensitivity {rice:g} -> {jpn_rice_sensitivity:g}")
    if config.entry_rule != before.entry_rule:
        changes.append(f"entry rule {before.entry_rule.name} -> {config.entry_rule.name}")

    def is_tpa(event: Any) -> bool:
        return event.kind == "shock" and TPA_LABEL in event.label.lower()

    has_tpa = any(is_tpa(e) for e in config.events)
    if not tpa and has_tpa:
        changes.append("no trade promotion authority")
    if not deadlines:
        changes.append("no deadlines or summits")
    notes = ["Changed from the scenario: " + "; ".join(changes) + "."] if changes else []
    if not tpa and not has_tpa:
        notes.append("This scenario has no trade promotion authority event: the TPA switch changes nothing.")
    events = tuple(e for e in config.events if (tpa or not is_tpa(e))
                   and (deadlines or e.kind not in ("deadline", "summit")))
    return dataclasses.replace(config, events=events), notes


class DashboardModel(TPPModel):
    """The game as the dashboard's controls set it up: a scenario with the settings a class argues about.

    The controls map to scenario settings (see :func:`classroom_scenario`): each country's
    tactic, Japan's rice sensitivity, whether the US Congress passes trade promotion
    authority (the scenario's TPA event kept or dropped), whether deadlines and summits
    press the talks, the entry-into-force rule; and a country a student plays (the seat).
    A seed that is not a whole number (ASCII digits, 0 .. 2**63 - 1) is reported on the page and the
    scenario's seed used; a scenario that is not a bundled one is refused unread, reported on the
    page, and the baseline played.
    """

    def __init__(self, scenario_name: str = DEFAULT_SCENARIO, seed: str = "", seat: str = NOBODY,
                 jpn_rice_sensitivity: float = 3.0, tpa: bool = True, deadlines: bool = True,
                 entry_rule: str = AS_SCENARIO,
                 tactic_USA: str = AS_SCENARIO, tactic_JPN: str = AS_SCENARIO, tactic_CAN: str = AS_SCENARIO,
                 tactic_MEX: str = AS_SCENARIO, tactic_AUS: str = AS_SCENARIO, tactic_NZL: str = AS_SCENARIO,
                 tactic_CHL: str = AS_SCENARIO, tactic_PER: str = AS_SCENARIO, tactic_SGP: str = AS_SCENARIO,
                 tactic_MYS: str = AS_SCENARIO, tactic_VNM: str = AS_SCENARIO, tactic_BRN: str = AS_SCENARIO):
        tactics = {"USA": tactic_USA, "JPN": tactic_JPN, "CAN": tactic_CAN, "MEX": tactic_MEX, "AUS": tactic_AUS,
                   "NZL": tactic_NZL, "CHL": tactic_CHL, "PER": tactic_PER, "SGP": tactic_SGP, "MYS": tactic_MYS,
                   "VNM": tactic_VNM, "BRN": tactic_BRN}
        refused = []
        if bundled_scenario(scenario_name) is None:    # a forged control: refused unread, the default played
            refused.append(f"That scenario is not one of the bundled scenarios ({', '.join(scenario_names())}): "
                           f"the {DEFAULT_SCENARIO} scenario is played.")
            scenario_name = DEFAULT_SCENARIO
        seat, jpn_rice_sensitivity, entry_rule, tactics, forged = checked_controls(seat, jpn_rice_sensitivity,
                                                                                    entry_rule, tactics)
        config, notes = classroom_scenario(scenario_name, tactics, jpn_rice_sensitivity, bool(tpa), bool(deadlines),
                                           entry_rule)
        notes = refused + forged + notes
        text = str(seed).strip()
        rng = parse_seed(text)
        if text and rng is None:
            notes.append(f"Seed '{_shown(text)}' is not {SEEDS}: "
                         f"the scenario's seed {config.seed} is used.")
        super().__init__(config, rng=rng, seat=None if seat == NOBODY else seat)
        self.scenario_name = scenario_name
        self.notes = notes
        # The page's Step (and Play) waits for the student: while the round waits for the seat's
        # offers it does nothing, and "Finish round" settles it. (The game itself would settle a
        # waiting round when stepped on; a class should not lose a student's turn to a stray click.)
        mesa_step = self.step
        self.step = lambda: None if self.waiting_for_seat else mesa_step()


def model_params() -> dict[str, Any]:
    """The dashboard's controls, in Mesa's SolaraViz format (they apply on Reset)."""
    tactics = [AS_SCENARIO, *negotiator_names()]
    params: dict[str, Any] = {
        "scenario_name": {"type": "Select", "value": DEFAULT_SCENARIO, "values": scenario_names(), "label": "Scenario"},
        "seed": {"type": "InputText", "value": "", "label": "Seed (blank: the scenario's)"},
        "seat": {"type": "Select", "value": NOBODY, "values": [NOBODY, *LAYOUT], "label": "Take a seat as"},
        "jpn_rice_sensitivity": {"type": "SliderFloat", "value": 3.0, "min": RICE_RANGE[0], "max": RICE_RANGE[1],
                                 "step": 0.1,
                                 "label": "Japan's rice sensitivity (calibrated: 3)"},
        "tpa": {"type": "Checkbox", "value": True, "label": "US Congress passes trade promotion authority"},
        "deadlines": {"type": "Checkbox", "value": True, "label": "Deadlines and summits press the talks"},
        "entry_rule": {"type": "Select", "value": AS_SCENARIO, "values": list(ENTRY_RULE_CHOICES),
                       "label": "Entry-into-force rule"},
    }
    for code in LAYOUT:
        params[f"tactic_{code}"] = {"type": "Select", "value": AS_SCENARIO, "values": tactics,
                                    "label": f"{code} tactic"}
    return params


# --------------------------------------------------------------------------- figures
def edge_kinds(model: TPPModel) -> dict[tuple[str, str], str]:
    """Each pair's strongest tie for the network view: side deal, deal, in talks, or an older agreement."""
    names = model.countries
    kinds: dict[tuple[str, str], str] = {}
    for a, b, data in model.network.edges(data=True):
        if data.get("existing_agreement"):
            kinds[tuple(sorted((a, b)))] = "existing"
    for talk in model.talks:
        if talk.deal is None and model.round > 0 and talk.last_met == model.round:
            kinds[tuple(sorted((names[talk.a], names[talk.b])))] = "talks"
    for deal in model.deals:
        pair = tuple(sorted((names[deal.a], names[deal.b])))
        kinds[pair] = "tpp" if deal.kind == "tpp" and kinds.get(pair) != "side" else "side"
    return kinds


def network_figure(model: TPPModel) -> Figure:
    """The twelve countries around the Pacific: node size by 2013 GDP, edges by kind of tie."""
    fig = Figure(figsize=(6.4, 4.2), dpi=80)
    ax = fig.add_subplot()
    kinds = edge_kinds(model)
    for kind in ("existing", "talks", "tpp", "side"):
        colour, width, style, _ = EDGE_STYLES[kind]
        segments = [(LAYOUT[a], LAYOUT[b]) for (a, b), k in kinds.items() if k == kind and a in LAYOUT and b in LAYOUT]
        ax.add_collection(LineCollection(segments, colors=colour, linewidths=width, linestyles=style, zorder=1))
    gdp = model.config.params["gdp"]
    accepting = set(model.last_check.accepting)
    signed = set(model.last_check.signatories)
    colours, sizes, places = [], [], []
    for k, code in enumerate(model.countries):
        colour = "#2ca02c" if code in signed else ("#8fd18f" if code in accepting else "#d62728")
        colours.append(colour if model.members[k] else "#dddddd")
        sizes.append(60 + 900 * float(np.sqrt(gdp[k] / gdp.max())))
        places.append(LAYOUT.get(code, (0, 0)))
        ax.annotate(code, places[-1], ha="center", va="center", fontsize=7, fontweight="bold", zorder=3)
    xs, ys = zip(*places)
    ax.scatter(xs, ys, s=sizes, c=colours, edgecolors="black", linewidths=0.6, zorder=2)
    ax.set_xlim(88, 302)
    ax.set_ylim(-50, 66)
    ax.set_axis_off()
    handles = [Line2D([], [], color=c, linewidth=w, linestyle=s, label=label) for c, w, s, label in EDGE_STYLES.values()]
    handles += [Line2D([], [], marker="o", linestyle="", color=c, label=label, markersize=7)
                for c, label in (("#2ca02c", "signatory"), ("#8fd18f", "would ratify"), ("#d62728", "holds out"))]
    ax.legend(handles=handles, loc="lower left", fontsize=6, frameon=False, ncol=2)
    ax.set_title(f"Round {model.round}: who is tied to whom (node size: 2013 GDP)", fontsize=9)
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.93)
    return fig


def utility_figure(model: TPPModel) -> Figure:
    """Each country's utility from the package as it stands against its outside option, round by round.

    Small multiples drawn in one set of axes (a panel per country, each on its own scale):
    a dozen separate axes would cost more than half a second to draw at every Step.
    """
    fig = Figure(figsize=(6.4, 4.2), dpi=80)
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.9))
    total = max(model.config.rounds, 1)
    rounds = np.array([c.round for c in model.records], dtype=float)
    columns, width, height = 4, 1.0, 1.0
    for k, code in enumerate(model.countries):
        utility = np.array([c.utility.get(code, np.nan) for c in model.records])
        outside = np.array([c.outside_option.get(code, np.nan) for c in model.records])
        low = np.nanmin(np.concatenate([utility, outside]))
        high = np.nanmax(np.concatenate([utility, outside]))
        span = high - low if high > low else 1.0
        x0, y0 = (k % columns) * width * 1.08, -(k // columns) * height * 1.25

        def place(values: np.ndarray) -> np.ndarray:
            return y0 + 0.05 + 0.75 * (values - low) / span

        xs = x0 + rounds / total * width
        ax.plot(xs, place(outside), color="#7f7f7f", linewidth=1.0, linestyle="--")
        ax.plot(xs, place(utility), color="#1f77b4", linewidth=1.4)
        ax.add_patch(Rectangle((x0, y0), width, 0.85, fill=False, linewidth=0.5, edgecolor="#999999"))
        gain = utility[-1] - outside[-1]
        ax.text(x0 + 0.02, y0 + 0.88, f"{code}  {utility[-1]:.3f} ({gain:+.3f})", fontsize=7,
                color="#2ca02c" if gain >= 0 else "#d62728")
    ax.set_xlim(-0.02, columns * width * 1.08)
    ax.set_ylim(-2 * 1.25 - 0.05, 1.05)
    ax.set_axis_off()
    fig.suptitle("Utility (blue) against outside option (grey, dashed) by round; now: utility (gain)", fontsize=8)
    return fig


def concessions_matrix(model: TPPModel) -> np.ndarray:
    """[country, sector]: the most each country has opened each sector in deals so far (side deals included)."""
    n, s = len(model.countries), len(model.sectors)
    package = model.agreement.signed_schedule if model.formed_round is not None else assemble_package(
        model.deals, model.members, n, s)
    return np.maximum(package, deepest_concessions(model.side_access))


def concessions_html(model: TPPModel) -> str:
    """A heatmap of concessions, country by sector, as an HTML table (0: today's protection, 1: free trade).

    A table rather than an image: it stays sharp on a projector, and a third image to
    replace at every Step would make the page noticeably slower to redraw.
    """
    values = concessions_matrix(model)
    colour = colormaps["YlGn"]
    head = "".join(f"<th style='{_CELL};font-weight:600'>{s.replace('_', ' ')}</th>" for s in model.sectors)
    rows = []
    for code, row in zip(model.countries, values):
        cells = []
        for v in row:
            r, g, b, _ = colour(float(v))
            ink = "white" if v > 0.6 else "black"
            text = f"{v:.2f}" if v >= 0.005 else ""
            cells.append(f"<td style='{_CELL};background:rgb({r * 255:.0f},{g * 255:.0f},{b * 255:.0f});"
                         f"color:{ink}' title='{code}: {v:.3f}'>{text}</td>")
        rows.append(f"<tr><th style='{_CELL};font-weight:600'>{code}</th>{''.join(cells)}</tr>")
    return (f"<table class='tpp-concessions' style='border-collapse:collapse;font-size:12px'>"
            f"<tr><th></th>{head}</tr>{''.join(rows)}</table>")




# ----------------------------------------------------------------------------- views
def _figure(draw, model: TPPModel, key: tuple) -> None:
    """A matplotlib view, redrawn only when ``key`` (what the figure shows) changes."""
    figure = solara.use_memo(lambda: draw(model), [id(model), *key])
    solara.FigureMatplotlib(figure, dependencies=[id(model), *key], format="png")


@solara.component
def NetworkView(model: TPPModel):
    update_counter.get()
    _figure(network_figure, model, (model.round, len(model.deals), model.version, model.formed_round,
                                    model.waiting_for_seat))


@solara.component
def UtilityView(model: TPPModel):
    update_counter.get()
    _figure(utility_figure, model, (len(model.records),))


@solara.component
def ConcessionsView(model: TPPModel):
    update_counter.get()
    with solara.Card("Concessions so far", style=SCROLL):
        solara.Text("0 = today's protection, 1 = free trade; the most each country has opened each sector")
        solara.HTML(tag="div", unsafe_innerHTML=concessions_html(model))


@solara.component
def AgreementPanel(model: TPPModel):
    update_counter.get()
    solara.Style(MD_STYLE)
    with solara.Card("Agreement", style=SCROLL):
        Md(agreement_markdown(model))
        solara.HTML(tag="div", unsafe_innerHTML=power_html(model))


@solara.component
def EventLogView(model: TPPModel):
    update_counter.get()
    with solara.Card("What happened", style=SCROLL):
        Md("\n".join(event_lines(model)))


@solara.component
def DebriefView(model: TPPModel):
    update_counter.get()
    with solara.Card("Debrief", style=SCROLL):
        Md(debrief_markdown(model))


# -------------------------------------------------------------------------- the seat
def _draft_offer(seat: SeatTalk, draft: dict[str, dict[str, float]]) -> tuple[dict[str, float], dict[str, float]]:
    gives = {s: draft.get("gives", {}).get(s, seat.suggestion.gives[s]) for s in seat.sectors}
    asks = {s: draft.get("asks", {}).get(s, seat.suggestion.asks[s]) for s in seat.sectors}
    return gives, asks


@solara.component
def SeatPanel(model: TPPModel):
    """The seated student's talks this round: sliders for each sector, the partner's reply, buttons."""
    update_counter.get()
    drafts, set_drafts = solara.use_state({})          # (round, partner) -> {"gives": {...}, "asks": {...}}
    chosen, set_chosen = solara.use_state("")
    message, set_message = solara.use_state("")
    with solara.Card("Your seat", style=SCROLL):
        if model.seat is None:
            Md("Nobody has taken a seat. Choose a country under **Take a seat as** and press Reset; "
               "then, in each of its talks, the game waits for your offer.")
            return
        me = model.countries[model.seat]
        if not model.waiting_for_seat:
            if message:
                Md(f"*{message}*")
            Md(f"You negotiate for **{me}**. Press **Step**: when your talks meet, they wait here for your offers.")
            return
        labels = [t.label for t in model.seat_talks]
        seat = model.seat_talk(chosen if chosen in labels else labels[0])
        partner = seat.partner
        key = f"{model.round}:{seat.label}"
        draft = drafts.get(key, {})
        gives, asks = _draft_offer(seat, draft)

        def set_value(side: str, sector: str, value: float) -> None:
            new = {**draft, side: {**draft.get(side, {}), sector: float(value)}}
            set_drafts({**drafts, key: new})

        solara.ToggleButtonsSingle(value=seat.label, values=labels, on_value=set_chosen)
        status = {"waiting": "waits for your offer", "rejected": "said no to your offer",
                  "deal": "deal closed", "passed": "no offer this round", "declined": "you left their counter-offer",
                  "handed_over": "your negotiators play it", "offered": "your offer waits for the other player",
                  "received": "the other player's offer waits for you"}[seat.status]
        Md(f"**{seat.label}** — {status}. You need at least {seat.reserve_seat:+.4f} "
           f"from this talk for {me} to ratify.")
        x_seat, x_partner = (np.array([side.get(s, 0.0) for s in model.sectors]) for side in (gives, asks))
        u_seat, u_partner = utilities(seat.summary, x_seat, x_partner, seat.seat_is_a)
        Md(f"Your draft offer gives **{me} {u_seat:+.4f}** and **{partner} {u_partner:+.4f}**.")
        if seat.open and seat.status == "waiting":
            with solara.Row():
                with solara.Column():
                    solara.Text(f"{me} opens (up to your red line)")
                    for sector in seat.sectors:
                        solara.SliderFloat(f"give {sector}", value=gives[sector], min=0.0,
                                           max=seat.red_line_seat[sector], step=0.01,
                                           on_value=lambda v, s=sector: set_value("gives", s, v))
                with solara.Column():
                    solara.Text(f"{partner} opens")
                    for sector in seat.sectors:
                        solara.SliderFloat(f"ask {sector}", value=asks[sector], min=0.0, max=1.0, step=0.01,
                                           on_value=lambda v, s=sector: set_value("asks", s, v))

        def act(action: str) -> None:
            try:
                if action == "offer":
                    reply = model.propose(seat.label, gives, asks)
                    set_message(f"{partner} accepts: deal closed." if reply.accepted
                                else f"{partner} says no: {reply.reason}.")
                elif action == "counter":
                    model.accept_counter(seat.label)
                    set_message(f"You took {partner}'s counter-offer: deal closed.")
                elif action == "pass":
                    model.pass_talk(seat.label)
                    set_message(f"No deal with {partner} this round.")
                elif action == "finish":
                    model.settle()
                    set_message(f"Round {model.round} finished.")
            except (OfferError, ValueError) as err:
                set_message(f"Not possible: {err}")
            force_update()

        reply = seat.reply
        if reply is not None and reply.counter is not None and seat.status == "rejected":
            counter = reply.counter
            opened = ", ".join(f"{s} {v:.2f}" for s, v in counter.asks.items() if v >= 0.005) or "nothing"
            asked = ", ".join(f"{s} {v:.2f}" for s, v in counter.gives.items() if v >= 0.005) or "nothing"
            Md(f"**Counter-offer from {partner}:** {partner} opens {opened}; asks you to open {asked}. "
               f"It gives you {counter.utility_seat:+.4f} and {partner} {counter.utility_partner:+.4f}.")
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.Button("Make offer", color="primary", on_click=lambda: act("offer"),
                          disabled=seat.status != "waiting")
            solara.Button("Take counter-offer", on_click=lambda: act("counter"), disabled=seat.status != "rejected")
            solara.Button("No deal this round", on_click=lambda: act("pass"), disabled=not seat.open)
            solara.Button("Finish round", color="secondary", on_click=lambda: act("finish"))
        if message:
            Md(f"*{message}*")


COMPONENTS = [AgreementPanel, SeatPanel, NetworkView, UtilityView, ConcessionsView, EventLogView, DebriefView]
