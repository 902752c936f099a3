"""A teaching pack per scenario, generated from the scenario and the calibration so it stays true:
a 90-minute lesson plan, a role card per country (:mod:`tppgame.classroom.role_cards`), a student
handout and an answer key, each as Markdown and as a printable HTML page.

The answer key is what the model shows over a handful of seeds, computed by playing the games
when the pack is made (never written by hand): how often the agreement formed, when, who held
out, who could ratify, and each country's gain over its outside option. ``pack.json`` holds the
same figures for a program to read.
"""

from __future__ import annotations

import json
import re
import shlex
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from tppgame.classroom.documents import Blank, Document, Heading, Paragraph, bullets, table, to_html, to_markdown
from tppgame.classroom.role_cards import CountryContext, calendar, card_countries, role_card
from tppgame.game.power import Stage, power_stages
from tppgame.game.data_files import display_path
from tppgame.game.scenario import Scenario, ScenarioError, available_scenarios

DEFAULT_SEEDS = 5


@dataclass(frozen=True)
class GameResult:
    """One game of the answer key, from its final record (``model.summary()``)."""

    seed: int
    formed: bool
    round: int | None
    month: str | None
    signatories: list[str]
    gdp_share: float
    in_force: bool
    holdouts: list[str]
    side_deals: list[str]
    gain: dict[str, float]          # utility over the outside option, per member at the end
    veto: list[str]                 # veto players under the rule in force at the end


def play_games(scenario: Scenario, seeds: Sequence[int]) -> list[GameResult]:
    """Play the scenario once per seed and keep what the answer key reports."""
    from tppgame.model import TPPModel

    results = []
    for seed in seeds:
        model = TPPModel(scenario, rng=seed)
        while model.running:
            model.step()
        s = model.summary()
        results.append(GameResult(
            seed=seed, formed=s["formed"], round=s["round"],
            month=f"{scenario.round_date(s['round']):%B %Y}" if s["formed"] else None,
            signatories=list(s["members"]), gdp_share=s["gdp_share"], in_force=s["in_force"],
            holdouts=list(s["holdouts"]),
            side_deals=[f"{d['label']} ({scenario.round_date(d['round']):%B %Y})" for d in s["side_deals"]],
            gain={c: round(v["utility"] - v["outside_option"], 4) for c, v in s["countries"].items() if v["member"]},
            veto=[c for c, p in s["power"].items() if p["veto"]],
        ))
    return results


# ------------------------------------------------------------ the pieces
def count_games(n: int) -> str:
    """"1 game", "5 games"."""
    return f"{n} game{'' if n == 1 else 's'}"


def scenario_command(scenario: Scenario, settings: Sequence[str] = ()) -> str:
    """What follows ``python run.py`` (or ``play --as CODE``) to play the pack's scenario again: its name when
    it is a bundled scenario, else its file's path, then each ``--set PATH=VALUE`` the pack was made with
    (quoted for a shell); without them a teacher would replay a different game."""
    file = Path(scenario.file)
    bundled = {path.resolve() for path in available_scenarios()}
    name = file.stem if file.resolve() in bundled else str(file)
    return " ".join([shlex.quote(name), *(f"--set {shlex.quote(text)}" for text in settings)])


def teaching_note(scenario: Scenario) -> Path | None:
    """The scenario's teaching note (``NAME.md`` beside its TOML file), if it has one."""
    note = Path(scenario.file).with_suffix(".md")
    return note if note.is_file() else None


def teaching_note_text(scenario: Scenario) -> str:
    """The teaching note's text ("" without one); one not in UTF-8 (saved as UTF-16 or Windows-1252) or
    unreadable is a one-line ScenarioError naming it."""
    note = teaching_note(scenario)
    if note is None:
        return ""
    try:
        return note.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        why = err.strerror if isinstance(err, OSError) else "not UTF-8"
        raise ScenarioError(display_path(note), "", f"the scenario's teaching note as UTF-8 text ({why})",
                            show_got=False) from None


def note_location(scenario: Scenario) -> str:
    """Where the teaching note is, as the documents name it: in the repository for a bundled scenario."""
    note = Path(scenario.file).with_suffix(".md")
    bundled = {path.resolve() for path in available_scenarios()}
    return f"`scenarios/{note.name}`" if Path(scenario.file).resolve() in bundled else f"`{note}`"


def discussion_questions(scenario: Scenario) -> list[str]:
    """The numbered questions of the teaching note's "Discussion questions" section."""
    text = teaching_note_text(scenario)
    section = re.search(r"^## Discussion questions\s*$(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    if section is None:
        return []
    items = re.split(r"^\d+\.\s+", section.group(1), flags=re.M)[1:]   # an item may wrap over lines
    return [" ".join(item.split()) for item in items]


def _veto_sentence(stage: Stage, names: dict[str, str]) -> str:
    if not stage.power.decisive:
        return "no group of the members can meet it"
    vetoes = [names[c] for c in stage.power.veto_players]
    return f"veto players: {', '.join(vetoes)}" if vetoes else "nobody has a veto"


def lesson_plan(scenario: Scenario, stages: list[Stage], seeds: Sequence[int], command: str | None = None) -> Document:
    """A 90-minute lesson built on the scenario: its moment, roles, the talks, the model, the debrief;
    ``command`` plays the scenario again (:func:`scenario_command`)."""
    names, name = scenario.params["names"], Path(scenario.file).stem
    command = command or scenario_command(scenario)
    dashboard = f"choose {name}" if command == name else "its scenarios are the bundled ones, not this one"
    players = card_countries(scenario)
    big = sorted(players, key=lambda c: -scenario.params["gdp"][scenario.index(c)])
    end = scenario.round_date(scenario.rounds)
    doc = Document(f"Lesson plan (90 minutes): {scenario.name}")
    doc.add(Paragraph(scenario.description))
    doc.add(Heading("Before class"), bullets(
        f"Print the role cards (`role-cards/CODE.html`), one per country ({len(players)}: "
        f"{', '.join(players)}), and the student handout.",
        "With fewer students than countries, seat the largest first "
        f"({', '.join(names[c] for c in big[:4])}); the model's agents play the rest. With more, "
        "make delegations (two or three students per country).",
        f"Check the room's machine: `python run.py {command}` plays the scenario in a few seconds; "
        f"`python run.py dashboard` serves the dashboard ({dashboard}); "
        f"`python run.py play --as CODE {command}` lets one delegation negotiate at a terminal.",
    ))
    rule = scenario.entry_rule
    plan = [
        ("0-10", "The moment", f"Present the situation: {scenario.rounds} rounds of one month each, from "
         f"{scenario.start:%B %Y} to {end:%B %Y}. The entry rule: {rule.describe()} "
         f"({_veto_sentence(stages[0], names)}). Ask: who can block, and who can only bargain?"),
        ("10-20", "Roles", "Hand out the role cards. Each country (or delegation) reads its card and fills in "
         "'Before the talks': its top demands, its red line, its allies and blockers."),
        ("20-50", "The talks", "Negotiate in rounds of about five minutes (a round is a month). Pairs meet, "
         "offer and counter-offer; a deal needs both sides. Announce the calendar's events as their month "
         "comes (see below). Record deals on the board."),
        ("50-60", "Ratify", "Each country checks the package against what it needs to ratify (its card). "
         "Count the ratifications against the entry rule: can the agreement enter into force?"),
        ("60-70", "The model's game", f"Project `python run.py {command}` and read its story; then the answer "
         f"key's {count_games(len(seeds))}. Where did the class and the model differ, and why?"),
        ("70-85", "Debrief", "The discussion questions below."),
        ("85-90", "In fact", "What happened in history (below), and the model's limits."),
    ]
    doc.add(Heading("The 90 minutes"), table(("minutes", "part", "what happens"), plan))
    events = calendar(CountryContext.of(scenario, stages))
    if events:
        doc.add(Heading("Calendar to announce"), bullets(*events))
    questions = discussion_questions(scenario)
    if questions:
        doc.add(Heading("Discussion questions"), bullets(*questions, numbered=True))
    history = scenario.history
    if history.get("summary"):
        doc.add(Heading("In fact"), Paragraph(history["summary"]))
        if history.get("sources"):
            doc.add(bullets(*history["sources"]))
    note = teaching_note(scenario)
    if note is not None:
        where = note_location(scenario)
        doc.add(Paragraph(f"More in the scenario's teaching note, {where}"
                          + (" in the repository." if where.startswith("`scenarios/") else ".")))
    return doc


def handout(scenario: Scenario, stages: list[Stage]) -> Document:
    """The students' sheet: the situation, the countries and their power, the rules of play, a worksheet."""
    names = scenario.params["names"]
    first = stages[0]
    doc = Document(f"Student handout: {scenario.name}")
    doc.add(Paragraph(scenario.description))
    rows = []
    for k, code in enumerate(first.players):
        power = first.power
        rows.append((names[code], code, f"{first.gdp_share[k]:.1%}" if code in scenario.original_signatories else "n/c",
                     f"{power.banzhaf[k]:.3f}" if power.decisive else "-",
                     "yes" if power.veto[k] else "no"))
    doc.add(Heading("The members"),
            Paragraph(f"Entry into force: {scenario.entry_rule.describe()}. GDP share: of the original "
                      "signatories' 2013 GDP (n/c: not an original signatory). Banzhaf: a country's share of the "
                      "moments where one ratification decides."),
            table(("country", "code", "GDP share", "Banzhaf", "veto"), rows))
    for stage in stages[1:]:
        doc.add(Paragraph(f"From {scenario.round_date(stage.round):%B %Y} ({stage.label}): "
                          f"{stage.rule.describe()}; {_veto_sentence(stage, names)}."))
    doc.add(Heading("How the game works"), bullets(
        "A concession is a number from 0 (today's protection) to 1 (free trade), per country and sector.",
        "You gain from the access partners give your exporters; you pay a political cost for the access you give, "
        "rising with the square of the concession and with the sector's sensitivity.",
        "A red line is the most you can concede in a sector: no offer may cross it.",
        "Your parliament ratifies only a package that gives you enough over your outside option (your card says "
        "how much): the two-level game.",
        "Deals are multilateralised: what you open to one member you open to all.",
        "The agreement forms when no talk with a zone of agreement is open and every member would ratify; it "
        "enters into force under the rule above.",
    ))
    events = calendar(CountryContext.of(scenario, stages))
    if events:
        doc.add(Heading("The calendar"), bullets(*events))
    doc.add(Heading("Worksheet"),
            Blank("Which deals did your country close, with whom, and what did each side give?", 3),
            Blank("Which countries held out at the end, and why?"),
            Blank("Did the agreement form? When? Could it enter into force under the rule?"),
            Blank("Your country's outcome against what it needed to ratify:"),
            Blank("One thing the model leaves out that mattered in the real talks:"))
    return doc


def answer_key(scenario: Scenario, results: list[GameResult], command: str | None = None) -> Document:
    """What the model shows over the seeds played: formed share, dates, hold-outs, gains; ``command``
    plays the scenario again (:func:`scenario_command`)."""
    names, n = scenario.params["names"], len(results)
    formed = [r for r in results if r.formed]
    months = Counter(r.month for r in formed)
    doc = Document(f"Answer key: {scenario.name}")
    seeds = ", ".join(str(r.seed) for r in results)
    doc.add(Paragraph(f"What the model shows over {count_games(n)} ({'seed' if n == 1 else 'seeds'} {seeds}), "
                      "played when this pack was made. "
                      f"Reproduce any one with `python run.py {command or scenario_command(scenario)} --seed N`."))
    summary = [f"The agreement formed in {len(formed)} of {count_games(n)}"
               + (f" ({', '.join(f'{m}: {c}' for m, c in months.most_common())})." if formed else "."),
               f"It could enter into force in {sum(r.in_force for r in results)} of {n}."]
    holdouts = Counter(c for r in results for c in r.holdouts)
    if holdouts:
        summary.append("Hold-outs at the end: " + ", ".join(f"{names[c]} in {k} of {n}" for c, k in
                                                             holdouts.most_common()) + ".")
    else:
        summary.append("No country held out at the end of any game.")
    vetoes = Counter(c for r in results for c in r.veto)
    summary.append("Veto players under the rule in force at the end: " + (", ".join(
        f"{names[c]} ({k} of {n})" for c, k in vetoes.most_common()) if vetoes else "none") + ".")
    doc.add(Heading("In short"), bullets(*summary))
    rows = [(str(r.seed), "yes" if r.formed else "no", r.month or "-", str(len(r.signatories)),
             f"{r.gdp_share:.1%}", "yes" if r.in_force else "no", ", ".join(r.holdouts) or "none",
             "; ".join(r.side_deals) or "none") for r in results]
    doc.add(Heading("Game by game"),
            table(("seed", "formed", "month", "signatories", "GDP share", "in force", "hold-outs", "side deals"), rows))
    codes = [c for c in scenario.countries if any(c in r.gain for r in results)]
    gains = [(names[c], *(f"{r.gain[c]:+.3f}" if c in r.gain else "-" for r in results)) for c in codes]
    doc.add(Heading("Each country's gain over its outside option at the end"),
            Paragraph("Utility at the end minus the outside option (the status quo plus side deals in force); "
                      "negative: the country ends worse off than without the agreement."),
            table(("country", *(f"seed {r.seed}" for r in results)), gains))
    if scenario.history.get("summary"):
        fact = "formed" if scenario.history.get("formed") else "did not form"
        day = scenario.history.get("date")
        when = f" ({day.day} {day:%B %Y})" if day else ""
        doc.add(Heading("In fact"), Paragraph(f"The agreement {fact}{when}. {scenario.history['summary']}"))
    return doc


# ------------------------------------------------------------ the pack
def pack_index(scenario: Scenario, suffix: str) -> Document:
    """The pack's front page, linking its files (``.md`` or ``.html`` ones)."""
    names = scenario.params["names"]
    index = Document(f"Teaching pack: {scenario.name}")
    return index.add(Paragraph(scenario.description), bullets(
        f"[Lesson plan (90 minutes)](lesson-plan{suffix})", f"[Student handout](handout{suffix})",
        f"[Answer key (for the teacher)](answer-key{suffix})",
        *(f"[Role card: {names[c]}](role-cards/{c}{suffix})" for c in card_countries(scenario))))


def pack_files(scenario: Scenario, out_dir: Path, seeds: Sequence[int], settings: Sequence[str] = ()) -> dict[Path, str]:
    """Every file of the pack, path -> text (nothing written yet); ``settings``: the ``--set PATH=VALUE``
    texts the scenario was changed by, which the pack's commands repeat to play the same games."""
    command = scenario_command(scenario, settings)
    stages = power_stages(scenario)
    results = play_games(scenario, seeds)
    ctx = CountryContext.of(scenario, stages)
    docs = {"lesson-plan": lesson_plan(scenario, stages, seeds, command), "handout": handout(scenario, stages),
            "answer-key": answer_key(scenario, results, command)}
    docs.update({f"role-cards/{code}": role_card(ctx, code) for code in card_countries(scenario)})
    files: dict[Path, str] = {}
    for stem, doc in docs.items():
        files[out_dir / f"{stem}.md"] = to_markdown(doc)
        files[out_dir / f"{stem}.html"] = to_html(doc)
    for suffix, render in ((".md", to_markdown), (".html", to_html)):
        files[out_dir / f"index{suffix}"] = render(pack_index(scenario, suffix))
    record = {"scenario": scenario.name, "scenario_file": scenario.file, "seeds": list(seeds),
              "games": [asdict(r) for r in results], "countries": card_countries(scenario)}
    files[out_dir / "pack.json"] = json.dumps(record, indent=2) + "\n"
    return files
