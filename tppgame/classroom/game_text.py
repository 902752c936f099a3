"""The game's state as text for a page: the round's heading, the agreement panel (with power under
the entry rule), the last rounds in sentences, the debrief and the welfare table.

Shared by the single-player dashboard (:mod:`tppgame.classroom.dashboard`) and the class server's
pages (the teacher's console, the projector, the room's debrief): plain Markdown and HTML, no widgets.
"""

from __future__ import annotations

import numpy as np

from tppgame.game.outcome import power_now
from tppgame.model import TPPModel
from tppgame.report import month_label, round_lines

CELL = "border:1px solid #ddd;padding:2px 5px;text-align:center;min-width:38px"   # a table cell's style


def round_heading(model: TPPModel) -> str:
    """'Round 12 of 40 (June 2014)', or 'Round 0 of 40 (before the talks)'."""
    when = month_label(model, model.round) if model.round >= 1 else "before the talks"
    return f"Round {model.round} of {model.config.rounds} ({when})"


def agreement_markdown(model: TPPModel) -> str:
    """The agreement panel: who accepts, the hold-outs, GDP share against the threshold, formed and in force."""
    check = model.last_check
    rule = model.config.entry_rule
    lines = [f"### {round_heading(model)}", ""]
    if model.waiting_for_seat:
        lines += ["**Waiting for your offers** (see *Your seat*).", ""]
    if check.formed:
        lines.append(f"**Agreement formed** in round {model.formed_round} "
                     f"({month_label(model, model.formed_round)}) by {len(check.signatories)} signatories.")
        lines.append("")
    else:
        lines.append("**No agreement yet.**")
    lines.append("")
    lines.append(f"- Would ratify the package as it stands: {', '.join(check.accepting) or 'nobody'}")
    lines.append(f"- Hold-outs: {', '.join(check.holdouts) or 'none'}")
    if check.open_pairs:
        lines.append(f"- Talks with a zone of agreement still open: {len(check.open_pairs)}")
    threshold = f" (needs {rule.min_gdp_share:.0%})" if rule.min_gdp_share > 0 else ""
    lines.append(f"- GDP share of those who would ratify: {check.gdp_share:.1%}{threshold}")
    lines.append(f"- Entry into force ({rule.name}: {rule.describe()}): "
                 f"**{'yes' if check.in_force else 'no'}**")
    power = power_now(model)
    lines.append(f"- Veto under this rule: {', '.join(power.veto_players) or 'nobody'}"
                 if power.decisive else "- Power under this rule: none (no group of them can meet it)")
    notes = getattr(model, "notes", [])
    return "\n".join(lines + [f"\n*{note}*" for note in notes])


def power_html(model: TPPModel) -> str:
    """The power indices under the entry rule in force as a small table, a column per player:
    Banzhaf (share of the decisive ratifications) and Shapley-Shubik (share of the orders in which it
    is the pivot), veto players in bold. Empty when nobody can meet the rule."""
    power = power_now(model)
    if not power.decisive:
        return ""
    bold = ["font-weight:700;background:#fde2c8" if v else "" for v in power.veto]
    head = "".join(f"<th style='{CELL};{b}'>{p}</th>" for p, b in zip(power.players, bold))

    def row(label: str, values: np.ndarray) -> str:
        cells = "".join(f"<td style='{CELL};{b}'>{v:.2f}</td>" for v, b in zip(values, bold))
        return f"<tr><th style='{CELL};text-align:left;white-space:nowrap'>{label}</th>{cells}</tr>"

    return (f"<table class='tpp-power' style='border-collapse:collapse;font-size:12px;margin-top:6px'>"
            f"<tr><th style='{CELL};text-align:left'>power</th>{head}</tr>"
            f"{row('Banzhaf', power.banzhaf)}{row('Shapley-Shubik', power.shapley_shubik)}</table>")


def event_lines(model: TPPModel, rounds: int = 8) -> list[str]:
    """The last few rounds in plain sentences, newest first."""
    out = []
    for r in range(model.round, max(model.round - rounds, 0), -1):
        lines = round_lines(model, r)
        if lines:
            out.append(f"**Round {r} ({month_label(model, r)})**\n")
            out += [f"- {line}" for line in lines]
            out.append("")
    return out or ["Nothing has happened yet: press Step."]


def debrief_markdown(model: TPPModel, ended: bool = False) -> str:
    """At the end of the game (or once ``ended``, a class game the teacher stopped early): the
    outcome next to what happened in fact (the scenario's history)."""
    if model.running and not ended:
        return "The debrief appears when the last round has been played."
    history = model.config.history
    summary = model.summary()
    outcome = (f"formed in round {summary['round']} ({month_label(model, summary['round'])}), "
               f"{len(summary['members'])} signatories at the end, {'could' if summary['in_force'] else 'could not'} "
               "enter into force" if summary["formed"] else "no agreement formed")
    lines = ["### Debrief", f"- **In this game:** {outcome}."]
    if history:
        fact = "formed" if history.get("formed") else "did not form"
        when = f" ({history['date']:%d %B %Y})" if history.get("date") else ""
        lines.append(f"- **In fact:** the agreement {fact}{when}.")
        lines.append(f"\n{history.get('summary', '')}")
        if history.get("formed") is not None and bool(history["formed"]) == summary["formed"]:
            lines.append("\nThe game matches history on whether an agreement formed.")
        elif history.get("formed") is not None:
            lines.append("\nThe game differs from history on whether an agreement formed: what made the difference?")
        sources = history.get("sources", [])
        if sources:
            lines.append("\nSources: " + " · ".join(sources))
    else:
        lines.append("- This scenario has no historical record to compare with.")
    return "\n".join(lines + ["", welfare_markdown(summary)])


def welfare_markdown(summary: dict) -> str:
    """Each country's welfare account of the outcome (``summary.json``'s ``welfare``) as a table:
    the gain in % of its 2013 GDP and in US$ m, from exports, erosion, efficiency and terms of trade."""
    rows = ["#### Welfare of the outcome", "",
            "What it is worth to each economy in the game's sectors (not what its government bargained for):",
            "", "| country | % of GDP | US$ m | exports | erosion | efficiency | terms of trade |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    for code, c in summary["countries"].items():
        w = c["welfare"]
        rows.append(f"| {code} | {w['percent_gdp']:+.4f} | {w['total_usd_m']:+.1f} | {w['exports_usd_m']:+.1f} | "
                    f"{w['erosion_usd_m']:+.1f} | {w['efficiency_usd_m']:+.1f} | {w['terms_of_trade_usd_m']:+.1f} |")
    return "\n".join(rows)
