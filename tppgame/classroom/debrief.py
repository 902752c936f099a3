"""The debrief of a finished game: what a teacher hands out at the end of a class's game.

:func:`debrief_document` turns a finished :class:`~tppgame.model.TPPModel` (and, for a class
server's room, the room's name and who sat for which country) into one document:

* **the timeline**, dated round by round: deals and side deals, deadlines and summits met or
  missed, shocks, joins and withdrawals, and the agreement forming or not (the sentences of the
  game's own story, :func:`tppgame.report.story`);
* **each country's outcome against what it needed**: its utility against its outside option and
  what it needs to ratify (its ratification threshold times what free trade with the other
  members would give it, over its outside option: the test the plurilateral check applies),
  signatory or hold-out, its concessions per sector, and its welfare where the game's summary
  has a welfare account;
* **each deal against its pair's frontier** as it stood when the deal closed: the disagreement
  point (each side's reservation), the Nash and Kalai-Smorodinsky points, and the deal;
* **what happened in fact**: the "What happened" section of the scenario's teaching note
  (``scenarios/NAME.md``), else the scenario's ``[history]``.

:func:`debrief_files` renders it as a self-contained HTML page and an A4 PDF and adds the CSV
tables (per country, per deal); every function here reads the model and changes nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tppgame.classroom.debrief_compare import ROOM_FILE
from tppgame.classroom.documents import Block, Document, Heading, Paragraph, bullets, table
from tppgame.classroom.teaching_pack import note_location, teaching_note_text
from tppgame.game.agreement import needed_to_ratify
from tppgame.game.frontier import THETA_GRID
from tppgame.game.solutions import nash_distance

if TYPE_CHECKING:
    from tppgame.model import TPPModel

CURVE = np.unique(np.concatenate([np.linspace(0.0, 1.0, 241), THETA_GRID]))   # where a frontier is drawn


# ------------------------------------------------------------ each country's outcome
@dataclass(frozen=True)
class CountryOutcome:
    """One country at the end of the game (utilities on the game's scale)."""

    code: str
    name: str
    status: str                  # "signatory", "holds out", "not a signatory", "would ratify", "not a member"
    member: bool
    signatory: bool
    would_ratify: bool           # in the final check: the package gives it what it needs
    utility: float               # summary.json's: the package if the agreement formed, else the outside option
    package: float | None        # its utility from the package (as signed, or as it stood), for members
    outside_option: float
    needs: float | None          # the utility it needs to ratify (members; None for others)
    concessions: dict[str, float]
    welfare: dict[str, Any] | None

    @property
    def gain(self) -> float:
        return self.utility - self.outside_option

    @property
    def margin(self) -> float | None:
        """How far the package lies above (or below) what it needs to ratify."""
        return None if self.needs is None or self.package is None else self.package - self.needs


def country_outcomes(model: TPPModel) -> list[CountryOutcome]:
    """Each country's outcome, from the game's summary and its last plurilateral check."""
    summary, check = model.summary(), model.last_check
    group = np.array([c in (check.signatories if check.formed else check.members) for c in model.countries])
    needed = needed_to_ratify(model.weights, group)
    out = []
    for k, (code, c) in enumerate(summary["countries"].items()):
        in_group = bool(group[k])
        if not c["member"]:
            status = "not a member"
        elif code in check.holdouts:
            status = "holds out"
        elif check.formed:
            status = "signatory" if c["signatory"] else "not a signatory"
        else:
            status = "would ratify"
        out.append(CountryOutcome(
            code=code, name=c["name"], status=status, member=c["member"], signatory=c["signatory"],
            would_ratify=code in check.accepting, utility=c["utility"],
            package=float(check.utility[code]) if in_group else None, outside_option=c["outside_option"],
            needs=float(check.outside_option[code] + needed[k]) if in_group else None,
            concessions=dict(c["concessions"]), welfare=c.get("welfare")))
    return out


# ------------------------------------------------------------ each deal against its frontier
@dataclass(frozen=True)
class DealPoint:
    """A closed deal placed against its pair's frontier as it stood when it closed (each side's gain
    from the talk, the frontier's units); the frontier parts are None for terms a scenario states."""

    talk: str
    kind: str
    round: int
    month: str
    a: str
    b: str
    gives_a: dict[str, float]
    gives_b: dict[str, float]
    utility: tuple[float, float] | None
    reserve: tuple[float, float] | None
    nash: tuple[float, float] | None
    ks: tuple[float, float] | None
    curve: tuple[np.ndarray, np.ndarray] | None
    ideal: tuple[float, float] | None = None     # each side's best utility the other could ratify (with a zone)

    @property
    def nash_distance(self) -> float | None:
        """Distance from the deal to the Nash point in the zone of agreement scaled to a unit square:
        each side's gain over its reservation divided by its best gain in the zone
        (:func:`tppgame.game.solutions.nash_distance`)."""
        if self.nash is None or self.utility is None or self.reserve is None or self.ideal is None:
            return None
        return nash_distance(self.utility, self.reserve, self.nash, self.ideal)


def _point(terms: Any, theta: np.ndarray) -> tuple[float, float]:
    u_a, u_b = terms.utilities(*terms.deal_at(theta))
    return float(u_a[0]), float(u_b[0])


def deal_points(model: TPPModel) -> list[DealPoint]:
    """Every closed deal, in the order it closed, with its frontier's benchmarks."""
    names, sectors, out = model.countries, model.sectors, []
    for deal in model.deals:
        gives = [{s: round(float(v), 4) for s, v in zip(sectors, x) if v > 1e-6} for x in (deal.x_ab, deal.x_ba)]
        base = {"talk": deal.label, "kind": deal.kind, "round": deal.round,
                "month": f"{model.config.round_date(deal.round):%b %Y}", "a": names[deal.a], "b": names[deal.b],
                "gives_a": gives[0], "gives_b": gives[1]}
        f = deal.frontier
        if f is None:          # terms the scenario states: not bargained, no frontier
            out.append(DealPoint(**base, utility=None, reserve=None, nash=None, ks=None, curve=None, ideal=None))
            continue
        terms = f.terms
        u_a, u_b = terms.utilities(np.asarray(deal.x_ab)[None], np.asarray(deal.x_ba)[None])
        curve_a, curve_b = terms.frontier(CURVE[None, :])
        zone = bool(f.zopa[0])
        out.append(DealPoint(
            **base, utility=(float(u_a[0]), float(u_b[0])), reserve=(float(f.reserve_a[0]), float(f.reserve_b[0])),
            nash=_point(terms, f.nash()) if zone else None, ks=_point(terms, f.kalai_smorodinsky()) if zone else None,
            curve=(curve_a[0], curve_b[0]), ideal=(float(f.best_a[0]), float(f.best_b[0])) if zone else None))
    return out


# ------------------------------------------------------------ the timeline and the history
def timeline(model: TPPModel) -> list[tuple[int, str, str]]:
    """(round, month, sentence) for every eventful round of the game's story; the agreement's
    status only where it changed."""
    from tppgame.report import story

    rows, last_status = [], None
    for first, _, lines in story(model):
        if not lines:
            continue
        *events, status = lines
        shown = events + ([status] if status != last_status else [])
        last_status = status
        month = f"{model.config.round_date(first):%B %Y}"
        rows += [(first, month, line) for line in shown]
    return rows


def history_blocks(scenario: Any) -> list[Block]:
    """What happened in fact: the teaching note's "What happened" section as a list (its links kept),
    else the scenario's ``[history]`` summary and sources; nothing if it has neither."""
    text = teaching_note_text(scenario)
    section = re.search(r"^## What happened\s*$(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    blocks: list[Block] = []
    if section is not None:
        items = re.split(r"^- ", section.group(1).strip(), flags=re.M)
        lead = " ".join(items[0].split())
        if lead:
            blocks.append(Paragraph(lead))
        entries = [" ".join(re.sub(r"^\s+- ", "; ", item, flags=re.M).split()) for item in items[1:]]
        if entries:
            blocks.append(bullets(*entries))
        blocks.append(Paragraph(f"From the scenario's teaching note, {note_location(scenario)}, where each "
                                "claim's source is linked."))
    elif scenario.history.get("summary"):
        blocks.append(Paragraph(scenario.history["summary"]))
        if scenario.history.get("sources"):
            blocks.append(bullets(*scenario.history["sources"]))
    return blocks


def _in_fact(scenario: Any) -> str | None:
    history = scenario.history
    if "formed" not in history:
        return None
    day = history.get("date")
    when = f" ({day.day} {day:%B %Y})" if day else ""
    return f"In fact the agreement {'formed' if history['formed'] else 'did not form'}{when}."


# ------------------------------------------------------------ the document
def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _number(value: float | None, fmt: str = "{:.3f}") -> str:
    return "-" if value is None else fmt.format(value)


def _welfare_cells(welfare: Mapping[str, Any] | None) -> tuple[str, str]:
    if not welfare:
        return "-", "-"
    total, share = welfare.get("total_usd_m"), welfare.get("percent_gdp")
    return (_number(total, "{:+,.1f}") if isinstance(total, int | float) else "-",
            _number(share, "{:+.4f}") if isinstance(share, int | float) else "-")


def outcome_lines(model: TPPModel) -> list[str]:
    """The outcome in a few sentences: formed or not, when, who, the GDP share, entry into force."""
    s = model.summary()
    names = model.config.params["names"]
    if s["formed"]:
        signed = [e["signatories"] for e in model.log.of_kind("agreement_formed")][-1:] or [s["members"]]
        among = (f"among {len(s['members'])} signatories" if set(signed[0]) == set(s["members"]) else
                 f"among {len(signed[0])} signatories; {len(s['members'])} at the end")  # one withdrew or joined
        lines = [(f"The agreement formed in round {s['round']} ({model.config.round_date(s['round']):%B %Y}) "
                  f"{among}: {', '.join(names[c] for c in s['members'])}."),
                 (f"{len(s['ratifying'])} of them would ratify, holding {s['gdp_share']:.1%} of the original "
                  f"signatories' 2013 GDP; entry into force ({s['entry_rule']}): "
                  f"{'yes' if s['in_force'] else 'no'}.")]
    else:
        lines = [f"No agreement formed in {_count(s['rounds'], 'round')}."]
    if s["holdouts"]:
        lines.append(f"Holding out at the end: {', '.join(names[c] for c in s['holdouts'])}.")
    reopened = len(model.log.of_kind("reopened"))     # provisional deals reopened when authority came
    deals = len(model.log.of_kind("deal")) - reopened  # the deals that stand, as the table lists them
    sides = [f"{d['label']} ({model.config.round_date(d['round']):%B %Y})" for d in s["side_deals"]]
    again = (f" (besides {reopened} closed without the authority to commit, reopened when it came)"
             if reopened else "")
    lines.append(f"{_count(deals, 'deal')} closed{again}"
                 + (f", among them the side deals {'; '.join(sides)}." if sides else "; no side deal."))
    fact = _in_fact(model.config)
    if fact:
        lines.append(fact)
    return lines


def debrief_document(model: TPPModel, room: str | None = None,
                     students: Mapping[str, Sequence[str]] | None = None) -> Document:
    """The debrief of a finished game as a document (render it with ``to_html`` or ``to_pdf``).

    ``room``: the room's (group's) name; ``students``: who sat for which country (ISO3 code ->
    names), both shown when given.
    """
    from tppgame.classroom.debrief_figures import deal_figures, outcome_figure

    config = model.config
    title = f"Debrief: {config.name}" + (f", {room}" if room else "")
    doc = Document(title)
    seed = "" if model.run_seed is None else f", seed {model.run_seed}"
    doc.add(Paragraph(f"Scenario `{Path(config.file).stem}`{seed}: {_count(model.round, 'round')} of one month, "
                      f"{config.start:%B %Y} to {config.round_date(max(model.round, 1)):%B %Y}. {config.description}"))
    if students:
        rows = [(f"{config.params['names'][c]} ({c})", ", ".join(students[c])) for c in model.countries
                if students.get(c)]
        doc.add(Heading("Who played"), table(("country", "delegation"), rows),
                Paragraph("The model's negotiators played every other country."))
    doc.add(Heading("The outcome"), bullets(*outcome_lines(model)))

    deadlines = deadline_rows(model)
    if deadlines:
        doc.add(Heading("Deadlines and summits"), table(("month", "deadline or summit", "pairs", "met?"), deadlines))
    doc.add(Heading("The timeline"), table(("round", "month", "what happened"), [
        (str(r), month, line) for r, month, line in _first_of_round(timeline(model))]))

    outcomes = country_outcomes(model)
    has_welfare = any(o.welfare for o in outcomes)
    header = ("country", "outcome", "utility", "outside option", "needs to ratify", "package", "margin")
    header += ("welfare US$ m", "welfare % GDP") if has_welfare else ()
    rows = []
    for o in outcomes:
        row = (f"{o.name} ({o.code})", o.status, _number(o.utility), _number(o.outside_option), _number(o.needs),
               _number(o.package), _number(o.margin, "{:+.3f}"))
        rows.append(row + (_welfare_cells(o.welfare) if has_welfare else ()))
    doc.add(Heading("Each country against what it needed"),
            Paragraph("Utility on the game's scale (free trade with every partner, before political costs, = 1). "
                      "Outside option: the status quo plus side deals in force. Needs to ratify: the outside option "
                      "plus the country's ratification threshold times what free trade with the other members "
                      "would give it. Package: its utility from the package (as signed, or as it stood at the end); "
                      "margin: package minus needs (negative: its parliament would not ratify). "
                      + ("Welfare: the welfare account of the outcome in the game's sectors. " if has_welfare else "")),
            table(header, rows), outcome_figure(outcomes))
    doc.add(Heading("Concessions per sector", 3),
            Paragraph("From 0 (today's protection) to 1 (free trade): the deepest each country opened to any "
                      "partner."),
            table(("country", *(s.replace("_", " ") for s in model.sectors)),
                  [(o.code, *(f"{o.concessions[s]:.2f}" for s in model.sectors)) for o in outcomes]))

    deals = deal_points(model)
    doc.add(Heading("Each deal against its frontier"))
    if deals:
        doc.add(Paragraph("Who got the surplus: of the two sides' joint gain above the disagreement point (what "
                          "each side needed from the talk to ratify), the share the first-named side got in the deal, "
                          "and would get at the Nash point and at the Kalai-Smorodinsky point (K-S). Distance: from "
                          "the deal to the Nash point, in Nash gains (0: the deal is the Nash point; 1 or more when a "
                          "side got just what it needed). The figures show the same points on the "
                          "pair's frontier; `deals.csv` has the gains."),
                table(("talk", "month", "first side's share: deal", "Nash", "K-S", "distance", "what each opened"),
                      [_deal_row(d) for d in deals]),
                *deal_figures(deals))
    else:
        doc.add(Paragraph("No deal closed in this game."))
    history = history_blocks(config)
    if history:
        doc.add(Heading("What happened in fact"), *history)
    return doc


def deadline_rows(model: TPPModel) -> list[tuple[str, str, str, str]]:
    """(month, label, pairs, met or missed) for each deadline and summit the game reviewed, from its log."""
    return [(f"{model.config.round_date(e['round']):%B %Y}", e["label"],
             ", ".join("-".join(pair) for pair in e["pairs"]) or "all (the agreement)", "met" if e["met"] else "missed")
            for e in model.log.of_kind("deadline")]


def _first_of_round(rows: list[tuple[int, str, str]]) -> list[tuple[int | str, str, str]]:
    """The timeline's rows with the round and month only on a round's first line."""
    out, last = [], None
    for r, month, line in rows:
        out.append((r, month, line) if r != last else ("", "", line))
        last = r
    return out


def surplus_share(point: tuple[float, float] | None, reserve: tuple[float, float] | None) -> float | None:
    """The first side's share of the joint gain above the disagreement point at ``point``; None
    where there is no point or no joint gain to share."""
    if point is None or reserve is None:
        return None
    g_a, g_b = point[0] - reserve[0], point[1] - reserve[1]
    return g_a / (g_a + g_b) if g_a + g_b > 1e-12 else None


def _deal_row(d: DealPoint) -> tuple[str, ...]:
    from tppgame.report import main_concessions as opened

    stated = " (terms stated by the scenario)" if d.curve is None else ""
    shares = (_number(surplus_share(p, d.reserve), "{:.0%}") for p in (d.utility, d.nash, d.ks))
    return (f"{d.talk}{stated}", d.month, *shares, _number(d.nash_distance, "{:.2f}"), f"{d.a}: {opened(d.gives_a)}; {d.b}: {opened(d.gives_b)}")


# ------------------------------------------------------------ tables and files
def outcome_rows(model: TPPModel) -> list[dict[str, Any]]:
    """outcomes.csv: one row per country (welfare columns when the summary has a welfare account)."""
    rows = []
    for o in country_outcomes(model):
        row = {"country": o.code, "name": o.name, "status": o.status, "member": o.member, "signatory": o.signatory,
               "would_ratify": o.would_ratify, "utility": o.utility, "outside_option": o.outside_option,
               "gain": round(o.gain, 6), "needs": _rounded(o.needs), "package": _rounded(o.package),
               "margin": _rounded(o.margin)}
        row.update({f"concession_{s}": v for s, v in o.concessions.items()})
        row.update({f"welfare_{k}": v for k, v in (o.welfare or {}).items() if isinstance(v, int | float)})
        rows.append(row)
    return rows


def deal_rows(model: TPPModel) -> list[dict[str, Any]]:
    """deals.csv: one row per closed deal, in the order they closed."""
    rows = []
    for d in deal_points(model):
        pairs = {"utility": d.utility, "reserve": d.reserve, "nash": d.nash, "ks": d.ks}
        row: dict[str, Any] = {"talk": d.talk, "kind": d.kind, "round": d.round,
                               "date": model.config.round_date(d.round).isoformat(), "a": d.a, "b": d.b}
        for name, value in pairs.items():
            row[f"{name}_a"], row[f"{name}_b"] = (None, None) if value is None else (round(value[0], 6),
                                                                                    round(value[1], 6))
        row["nash_distance"] = _rounded(d.nash_distance)
        row["a_gives"] = "; ".join(f"{s} {v:.4f}" for s, v in d.gives_a.items())
        row["b_gives"] = "; ".join(f"{s} {v:.4f}" for s, v in d.gives_b.items())
        rows.append(row)
    return rows


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


DEAL_COLUMNS = ("talk", "kind", "round", "date", "a", "b", "utility_a", "utility_b", "reserve_a", "reserve_b",
                "nash_a", "nash_b", "ks_a", "ks_b", "nash_distance", "a_gives", "b_gives")


def debrief_files(model: TPPModel, out_dir: Path, room: str | None = None,
                  students: Mapping[str, Sequence[str]] | None = None) -> dict[Path, str | bytes]:
    """Every file of a game's debrief, path -> text or bytes (nothing written yet): debrief.html,
    debrief.pdf, outcomes.csv, deals.csv, room.json (the room's name, or null: what a later
    comparison labels the game by), and the game's own summary.json, events.jsonl and rounds.csv
    (what ``run.py`` writes), so the folder can be compared with others later."""
    from tppgame.classroom.documents import to_html
    from tppgame.classroom.pdf import to_pdf
    from tppgame.report import csv_text, output_files

    doc = debrief_document(model, room, students)
    deals = deal_rows(model)
    return {
        out_dir / "debrief.html": to_html(doc),
        out_dir / "debrief.pdf": to_pdf(doc),
        out_dir / "outcomes.csv": csv_text(outcome_rows(model)),
        out_dir / "deals.csv": csv_text(deals) if deals else ",".join(DEAL_COLUMNS) + "\n",
        out_dir / ROOM_FILE: json.dumps({"room": room or None}, ensure_ascii=False) + "\n",
        **output_files(model, out_dir),
    }
