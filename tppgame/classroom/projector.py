"""The projector view of a room (``?projector=CODE``): the world as the class sees it, readable from
the back of a room at 1920x1080, with no text under 18 px.

The Pacific with the countries in place and the ties drawn (inline SVG, not an image: it stays
sharp and its labels keep their size), each country's gain over its outside option against what it
needs to ratify on one common scale, the agreement with the GDP share as a bar against the
threshold, and the last rounds in sentences. It shows nothing a student could not see (no token,
no draft), so the join code opens it.
"""

from __future__ import annotations

import html

import numpy as np
import solara

from tppgame.classroom.brief import needs
from tppgame.classroom.class_session import page_link, use_room
from tppgame.classroom.dashboard import EDGE_STYLES, LAYOUT, edge_kinds
from tppgame.classroom.game_text import round_heading
from tppgame.classroom.rooms import Room
from tppgame.model import TPPModel
from tppgame.report import month_label, round_lines

SMALLEST = 18                  # px: no text on the projected view is smaller
MAP = (880, 560)               # the map's size in px (the SVG is drawn at this size)
LON, LAT = (88, 302), (-50, 66)
COLOURS = {"signed": "#2ca02c", "would ratify": "#8fd18f", "holds out": "#d62728", "not a member": "#cccccc"}


def _place(code: str) -> tuple[float, float]:
    lon, lat = LAYOUT.get(code, (0, 0))
    return ((lon - LON[0]) / (LON[1] - LON[0]) * MAP[0], (LAT[1] - lat) / (LAT[1] - LAT[0]) * MAP[1])


def country_state(model: TPPModel) -> dict[str, str]:
    """Each country's place in the agreement: signed, would ratify, holds out, or not a member."""
    check = model.last_check
    state = {}
    for k, code in enumerate(model.countries):
        state[code] = ("not a member" if not model.members[k] else "signed" if code in check.signatories
                       else "would ratify" if code in check.accepting else "holds out")
    return state


def map_svg(model: TPPModel) -> str:
    """The Pacific map as inline SVG: ties by kind (as in the dashboard), countries by 2013 GDP."""
    parts = [(f"<svg class='tpp-map' width='{MAP[0]}' height='{MAP[1]}' viewBox='0 0 {MAP[0]} {MAP[1]}' "
              "xmlns='http://www.w3.org/2000/svg' role='img' aria-label='map of the ties between the countries'>")]
    for (a, b), kind in sorted(edge_kinds(model).items(), key=lambda item: list(EDGE_STYLES).index(item[1])):
        if a in LAYOUT and b in LAYOUT:
            colour, width, style, _ = EDGE_STYLES[kind]
            (x1, y1), (x2, y2) = _place(a), _place(b)
            dash = " stroke-dasharray='8 6'" if style == "--" else ""
            parts.append(f"<line x1='{x1:.0f}' y1='{y1:.0f}' x2='{x2:.0f}' y2='{y2:.0f}' stroke='{colour}' "
                         f"stroke-width='{width * 2:.1f}'{dash}/>")
    gdp = model.config.params["gdp"]
    state = country_state(model)
    for k, code in enumerate(model.countries):
        x, y = _place(code)
        r = 14 + 34 * float(np.sqrt(gdp[k] / gdp.max()))
        parts.append(f"<circle cx='{x:.0f}' cy='{y:.0f}' r='{r:.0f}' fill='{COLOURS[state[code]]}' stroke='#222'/>"
                     f"<text x='{x:.0f}' y='{y + 8:.0f}' text-anchor='middle' style='font-size:24px;font-weight:700'>"
                     f"{html.escape(code)}</text>")
    parts.append("</svg>")
    return "".join(parts)


def legend_html() -> str:
    ties = " ".join(f"<span style='border-bottom:4px {'dashed' if s == '--' else 'solid'} {c};margin-right:18px'>"
                    f"{label}</span>" for c, _, s, label in EDGE_STYLES.values())
    dots = " ".join(f"<span style='margin-right:18px'><span style='color:{c}'>●</span> {label}</span>"
                    for label, c in COLOURS.items())
    return f"<div>{ties}</div><div>{dots}</div>"


def gains_html(model: TPPModel) -> str:
    """Each member's gain over its outside option (bar) and what it needs to ratify (black mark), on
    one scale shared by all countries, so a small change looks small."""
    check = model.last_check
    needed = dict(zip(model.countries, needs(model)))
    rows = [(c, check.utility.get(c, 0.0) - check.outside_option.get(c, 0.0), needed[c])
            for k, c in enumerate(model.countries) if model.members[k]]
    top = max([abs(g) for _, g, _ in rows] + [n for _, _, n in rows] + [1e-9])
    lines = []
    for code, gain, need in rows:
        width = abs(gain) / top * 100
        colour = "#2ca02c" if gain >= need - 1e-12 else "#d62728"
        lines.append(
            f"<div style='display:flex;align-items:center;margin:2px 0'><span style='width:70px;font-weight:700'>"
            f"{code}</span><span style='position:relative;flex:1;height:26px;background:#f1f1f1'>"
            f"<span style='position:absolute;left:0;top:0;bottom:0;width:{width:.1f}%;background:{colour}'></span>"
            f"<span style='position:absolute;left:{need / top * 100:.1f}%;top:-3px;bottom:-3px;width:4px;"
            f"background:#000'></span></span><span style='width:130px;text-align:right'>{gain:+.4f}</span></div>")
    return ("<div>gain over the outside option (bar: green if enough to ratify) against what each needs "
            "(black mark), one scale</div>" + "".join(lines))


def agreement_html(model: TPPModel) -> str:
    """Formed or not, in force or not, and the GDP share of those who would ratify as a bar against the threshold."""
    check, rule = model.last_check, model.config.entry_rule
    share, threshold = check.gdp_share, rule.min_gdp_share
    formed = (f"Agreement formed in round {model.formed_round} ({month_label(model, model.formed_round)})"
              if check.formed else "No agreement yet")
    mark = (f"<span style='position:absolute;left:{threshold * 100:.1f}%;top:-6px;bottom:-6px;width:5px;"
            f"background:#000'></span>" if threshold > 0 else "")
    need = f" (needs {threshold:.0%})" if threshold > 0 else ""
    holdouts = ", ".join(check.holdouts) or "none"
    return (f"<div style='font-size:30px;font-weight:700'>{formed}</div>"
            f"<div>GDP share of those who would ratify: <b>{share:.1%}</b>{need}</div>"
            f"<div style='position:relative;height:30px;background:#eee;margin:8px 0'>"
            f"<span style='position:absolute;left:0;top:0;bottom:0;width:{share * 100:.1f}%;background:#1f77b4'>"
            f"</span>{mark}</div>"
            f"<div>Entry into force ({html.escape(rule.name)}): <b>{'yes' if check.in_force else 'no'}</b>"
            f" · hold-outs: {holdouts}</div>")


def ticker_lines(model: TPPModel, rounds: int = 3) -> list[str]:
    """The last rounds in sentences, newest first."""
    out = []
    for r in range(model.round, max(model.round - rounds, 0), -1):
        out += [f"Round {r}: {line}" for line in round_lines(model, r)]
    return out or ["Nothing has happened yet."]


PAGE_STYLE = (".tpp-projector { font-size: 22px; line-height: 1.35 } .tpp-projector * { font-size: inherit } "
              ".tpp-projector h1 { font-size: 40px }")


@solara.component
def ProjectorView(room: Room):
    use_room(room)
    solara.Style(PAGE_STYLE)
    model = room.model
    with solara.Column(classes=["tpp-projector"], style={"padding": "16px 28px", "width": "1900px"}):
        heading = round_heading(model) if model is not None else "Waiting for the teacher to start"
        solara.HTML(tag="h1", unsafe_innerHTML=f"Room {room.code} · {html.escape(heading)}")
        if model is None or room.status == "lobby":
            solara.HTML(tag="div", unsafe_innerHTML=f"Join at <b>{html.escape(page_link(code=room.code))}</b> "
                        f"with the code <b style='font-size:60px;letter-spacing:8px'>{room.code}</b>")
            return
        with solara.Row(style={"align-items": "flex-start"}):
            with solara.Column(style={"width": f"{MAP[0] + 20}px"}):
                solara.HTML(tag="div", unsafe_innerHTML=map_svg(model) + legend_html())
            with solara.Column(style={"flex": "1"}):
                solara.HTML(tag="div", unsafe_innerHTML=agreement_html(model))
                solara.HTML(tag="div", unsafe_innerHTML=gains_html(model))
        solara.HTML(tag="div", unsafe_innerHTML="<br>".join(html.escape(line) for line in ticker_lines(model)))
