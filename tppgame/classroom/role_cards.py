"""A role card per country, written from the scenario and the calibration so it stays true.

A card tells a student (or a delegation) what their country wants (its export interests and the
partners' barriers it would like lowered), what it guards (its sensitive sectors and red lines),
what it needs to ratify a package at home, its outside option and side deals, its power under
the entry-into-force rule, and its calendar. Every figure is the scenario's (after its settings
and ``--set``), with the calibration's note, source or judgment beside it; a figure the scenario
changes says so. Nothing here tells how the game ends: that is the answer key's.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from tppgame.classroom.documents import Blank, Block, Document, Heading, Paragraph, bullets, table, to_markdown
from tppgame.game.calibration import CALIBRATION_FILE
from tppgame.game.events import Join, Shock, Withdraw
from tppgame.game.power import Stage
from tppgame.game.scenario import Scenario
from tppgame.game.settings import weights_of
from tppgame.game.utility import Weights, attainable_gain

INTEREST_MIN = 0.3        # an export interest worth a line on the card
SENSITIVE_MIN = 1.0       # sensitivity at or above an ordinary lobby's
TOP_SECTORS = 4           # at most this many sectors in each list
TOP_PARTNERS = 3          # partners named per export interest
CITATION = re.compile(r"\[([A-Za-z0-9_]+)\]")   # a figure's source id as a card shows it


@lru_cache(maxsize=1)
def figure_notes() -> dict[str, str]:
    """The calibration's ``note`` per figure (dotted path -> note), e.g. Japan's rice barrier's
    "out-of-quota duty 341 yen/kg, ad valorem equivalent 778% ..."."""
    with CALIBRATION_FILE.open("rb") as handle:
        raw = tomllib.load(handle)
    notes: dict[str, str] = {}

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            if "value" in node and isinstance(node.get("note"), str):
                notes[path] = node["note"]
            for key, child in node.items():
                walk(child, f"{path}.{key}" if path else key)

    walk(raw.get("countries", {}), "countries")
    return notes


@dataclass(frozen=True)
class Figure:
    """One calibration figure as the scenario has it, with what stands behind it."""

    path: str
    value: float
    basis: str         # the note, else the judgment; "set by this scenario" when it differs
    source: str | None  # the [sources] id, when the figure has one


def figure(scenario: Scenario, path: str, value: float) -> Figure:
    """The figure at ``path`` (``countries.JPN.barrier.rice``) with the scenario's ``value``."""
    calibration = scenario.calibration
    node: Any = calibration.settings
    for key in path.split("."):
        node = node.get(key) if isinstance(node, dict) else None
    origin = calibration.figure_sources.get(path, "")
    if node is not None and not np.isclose(float(node), value):
        return Figure(path, value, f"set by this scenario (calibration: {float(node):g})", None)
    source = None if origin.startswith("judgment: ") or not origin else origin
    basis = figure_notes().get(path) or ("judgment: " + origin.removeprefix("judgment: ") if source is None else "")
    return Figure(path, value, basis if origin else "", source)


def figure_text(f: Figure, fmt: str = "{:.2f}") -> str:
    """'0.55 (beef tariff 38.5% plus a 50% snap-back safeguard [usmef_jaepa_2014])'."""
    tag = f" [{f.source}]" if f.source else ""
    basis = f" ({f.basis}{tag})" if f.basis else tag
    return fmt.format(f.value) + basis


@dataclass(frozen=True)
class CountryContext:
    """What every card of a scenario shares: the utility weights, who takes part, the power stages."""

    scenario: Scenario
    weights: Weights
    players: np.ndarray          # members at the start or joining by an event
    stages: list[Stage]

    @classmethod
    def of(cls, scenario: Scenario, stages: list[Stage]) -> CountryContext:
        joining = {e.country for e in scenario.events if isinstance(e, Join)}
        players = np.array([c in scenario.members or c in joining for c in scenario.countries])
        return cls(scenario, weights_of(scenario), players, stages)


def card_countries(scenario: Scenario) -> list[str]:
    """The countries that get a card: members at the start and countries joining by an event."""
    joining = {e.country for e in scenario.events if isinstance(e, Join)}
    return [c for c in scenario.countries if c in scenario.members or c in joining]


def _month(scenario: Scenario, round_number: int) -> str:
    return f"{scenario.round_date(round_number):%B %Y}"


@dataclass
class Section:
    """A table of figures at a glance, and below it what stands behind each figure."""

    rows: list[tuple[str, ...]]
    notes: list[str]

    def note(self, label: str, f: Figure, fmt: str = "{:.2f}") -> str:
        """The figure's value for a cell; its basis goes to the notes."""
        if f.basis or f.source:
            self.notes.append(f"{label} {figure_text(f, fmt)}")
        return fmt.format(f.value)


def wants(ctx: CountryContext, code: str) -> Section:
    """Rows (sector, interest, partners with the most to give and their barriers): the country's
    export interests, strongest first, each with the partners whose opening is worth most to it."""
    s, i = ctx.scenario, ctx.scenario.index(code)
    p, labels, names = s.params, s.calibration.sector_labels, s.params["names"]
    out = Section([], [])
    for k in np.argsort(-p["export_interest"][i], kind="stable")[:TOP_SECTORS]:
        if p["export_interest"][i, k] < INTEREST_MIN:
            break
        sector, label = s.sectors[k], labels[s.sectors[k]]
        interest = figure(s, f"countries.{code}.export_interest.{sector}", float(p["export_interest"][i, k]))
        cell = out.note(f"{label}, your export interest:", interest)
        value = ctx.weights.gain[i, :, k] * ctx.players
        partners = []
        for j in np.argsort(-value, kind="stable")[:TOP_PARTNERS]:
            if value[j] <= 0:
                break
            other = s.countries[j]
            barrier = figure(s, f"countries.{other}.barrier.{sector}", float(p["barrier"][j, k]))
            fta = p["fta_names"].get((code, other))
            partners.append(f"{names[other]} {out.note(f'{label}, barrier of {names[other]}:', barrier)}"
                            + (f" ({fta} in force)" if fta else ""))
        out.rows.append((label, cell, ", ".join(partners) or "no member protects it"))
    return out


def guards(ctx: CountryContext, code: str) -> Section:
    """Rows (sector, sensitivity, own barrier, red line, who presses): the sectors it is most
    reluctant to open, most sensitive first."""
    s, i = ctx.scenario, ctx.scenario.index(code)
    p, labels, names = s.params, s.calibration.sector_labels, s.params["names"]
    order = np.argsort(-p["sensitivity"][i] * p["barrier"][i], kind="stable")
    out = Section([], [])
    for k in order[:TOP_SECTORS]:
        if p["sensitivity"][i, k] < SENSITIVE_MIN and out.rows:
            break
        sector, label = s.sectors[k], labels[s.sectors[k]]
        red = float(p["red_line"][i, k])
        pressing = [names[s.countries[j]] for j in np.flatnonzero(ctx.players) if j != i
                    and p["export_interest"][j, k] >= 0.5]
        out.rows.append((
            label,
            out.note(f"{label}, sensitivity:", figure(s, f"countries.{code}.sensitivity.{sector}",
                                                       float(p["sensitivity"][i, k]))),
            out.note(f"{label}, your barrier:", figure(s, f"countries.{code}.barrier.{sector}",
                                                        float(p["barrier"][i, k]))),
            out.note(f"{label}, red line:", figure(s, f"countries.{code}.red_line.{sector}", red)) if red < 1
            else "none",
            ", ".join(pressing) or "nobody in particular"))
    return out


def ratification(ctx: CountryContext, code: str) -> list[str]:
    """What the country needs to ratify: its threshold, the gain that means, and scheduled changes."""
    s, i = ctx.scenario, ctx.scenario.index(code)
    threshold = figure(s, f"countries.{code}.ratification_threshold", float(s.params["ratification_threshold"][i]))
    members = np.array([c in s.members for c in s.countries])
    free_trade = float(attainable_gain(ctx.weights, members)[i])
    lines = [f"Threshold: {figure_text(threshold)}.",
             f"Your parliament ratifies a package only if it gives you at least {threshold.value:.0%} of what free "
             f"trade with the other members would give you: free trade is worth {free_trade:.3f} to you on the "
             f"game's scale (free trade with every partner, before political costs, = 1), so you need a gain of "
             f"at least {threshold.value * free_trade:.3f} over your outside option."]
    for event in s.events:
        if isinstance(event, Shock):
            for key, value in event.changes:
                if key == f"countries.{code}.ratification_threshold":
                    lines.append(f"From {_month(s, event.round)} ({event.label}): your threshold becomes {value:.0%}.")
    return lines


def outside_option(ctx: CountryContext, code: str) -> list[str]:
    """Its outside option in words, with the side deals it is party to."""
    s, names, labels = ctx.scenario, ctx.scenario.params["names"], ctx.scenario.calibration.sector_labels
    lines = ["Your outside option is the status quo (today's protection, worth 0 on the game's scale) plus any "
             "side deal in force. No package is worth ratifying unless it beats that."]
    for deal in s.side_deals:
        if code not in deal.parties:
            continue
        other = deal.parties[1] if deal.parties[0] == code else deal.parties[0]
        kind = ("standalone: in force once concluded, whatever happens to the TPP; it raises your outside option"
                if deal.kind == "standalone" else "conditional: binding only if the plurilateral agreement forms")
        text = f"**{deal.label}** with {names[other]} ({kind}); talks from {_month(s, deal.start_round)}"
        if deal.terms:
            terms = "; ".join(f"{names[c]} opens " + ", ".join(f"{labels[k]} {v:.2f}" for k, v in t.items())
                              for c, t in deal.terms.items())
            when = f" in {_month(s, deal.concluded_round)}" if deal.concluded_round else ""
            text += f"; concluded{when} on stated terms: {terms}"
        else:
            text += f"; covers {', '.join(labels[k] for k in deal.sectors)}"
        lines.append(text + ".")
    if len(lines) == 1:
        lines.append("You have no side deal in this scenario.")
    return lines


def power_rows(ctx: CountryContext, code: str) -> list[tuple[str, ...]]:
    """Rows (from when, rule, Banzhaf, Shapley-Shubik, veto) of its power at each stage."""
    s, rows = ctx.scenario, []
    for stage in ctx.stages:
        when = "the start" if stage.label is None else f"{_month(s, stage.round)}: {stage.label}"
        if code not in stage.players:
            rows.append((when, stage.rule.name, "not a member", "", ""))
            continue
        k = stage.players.index(code)
        if not stage.power.decisive:
            rows.append((when, stage.rule.name, "nobody can meet the rule", "", ""))
            continue
        rows.append((when, stage.rule.name, f"{stage.power.banzhaf[k]:.3f}", f"{stage.power.shapley_shubik[k]:.3f}",
                     "yes" if stage.power.veto[k] else "no"))
    return rows


def calendar(ctx: CountryContext, code: str | None = None) -> list[str]:
    """The scheduled events that concern ``code`` (deadlines for all, its summits, shocks and
    memberships), or every scheduled event when ``code`` is None."""
    s, names, lines = ctx.scenario, ctx.scenario.params["names"], []
    for event in sorted(s.events, key=lambda e: e.round):
        pairs = getattr(event, "pairs", ())
        if code and pairs and not any(code in pair for pair in pairs):      # another pair's summit
            continue
        chance = f" (chance {event.probability:.0%})" if event.probability < 1 else ""
        who = f" ({names[event.country]})" if isinstance(event, Join | Withdraw) else ""
        lines.append(f"{_month(s, event.round)}: {event.label}{who}{chance}")
    return lines


def _section(header: tuple[str, ...], section: Section) -> list[Block]:
    """The section's table, then its figures' notes in small print."""
    if not section.rows:
        return [Paragraph("None in this scenario.")]
    blocks: list[Block] = [table(header, section.rows)]
    if section.notes:
        blocks += [Paragraph("Where the figures come from:"), bullets(*section.notes)]
    return blocks


def role_card(ctx: CountryContext, code: str) -> Document:
    """The card of one country."""
    s = ctx.scenario
    i, names = s.index(code), s.params["names"]
    gdp = figure(s, f"countries.{code}.gdp_2013", float(s.params["gdp"][i]))
    original = np.array([c in s.original_signatories for c in s.countries])
    share = gdp.value / float(s.params["gdp"][original].sum()) if code in s.original_signatories else None
    patience = figure(s, f"countries.{code}.patience", float(s.params["patience"][i]))
    doc = Document(f"Role card: {names[code]} ({code})")
    doc.add(Paragraph(f"Scenario: **{s.name}**. {s.description}"))
    doc.add(Heading("Who you are"), bullets(
        f"GDP in 2013: {figure_text(gdp, 'US$ {:,.1f} bn')}",
        (f"Share of the original signatories' 2013 GDP: {share:.1%}" if share is not None
         else "Not an original signatory: your GDP does not count towards the entry rule"),
        f"Your negotiators' tactic: {s.params['tactic'][i]}; patience {figure_text(patience)}",
    ))
    doc.add(Heading("What you want"),
            Paragraph("Your export interests (0 = none, 1 = your strongest), and the members whose opening is "
                      "worth most to you, with their barrier (0 = open, 1 = prohibitive)."),
            *_section(("sector", "your export interest", "partners to press (their barrier)"), wants(ctx, code)))
    doc.add(Heading("What you guard"),
            Paragraph("Your most sensitive sectors: the political cost of opening them (sensitivity: 1 = an "
                      "ordinary lobby, 3 = near-untouchable), your own barrier, your red line (the most you can "
                      "concede, 0-1) and the members whose exporters want in."),
            *_section(("sector", "sensitivity", "your barrier", "red line", "who presses you"), guards(ctx, code)))
    doc.add(Heading("What you need to ratify"), bullets(*ratification(ctx, code)))
    doc.add(Heading("Your outside option and side deals"), bullets(*outside_option(ctx, code)))
    doc.add(Heading("Your power under the entry rule"),
            Paragraph(f"The rule as the scenario starts: {s.entry_rule.describe()}. Banzhaf: your share of the "
                      "moments where one ratification decides; Shapley-Shubik: your share of the orders of "
                      "ratification in which yours is the one that brings the agreement into force; veto: "
                      "nothing enters into force without you."),
            table(("from", "rule", "Banzhaf", "Shapley-Shubik", "veto"), power_rows(ctx, code)))
    events = calendar(ctx, code)
    if events:
        doc.add(Heading("Your calendar"), bullets(*events))
    doc.add(Heading("Before the talks"),
            Blank("Your top two demands, and from whom:"),
            Blank("Your red line, and what you could offer in exchange:"),
            Blank("Who do you need on your side, and who can block you?"))
    cited = sorted(set(CITATION.findall(to_markdown(doc))) & set(s.calibration.sources))
    if cited:
        doc.add(Heading("Sources of the figures", 3),
                bullets(*(f"[{k}] {s.calibration.sources[k]}" for k in cited)))
    return doc
