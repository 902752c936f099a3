"""The teaching pack: produced for every bundled scenario, role cards that name the calibration's
real figures, an answer key equal to games played here, and teaching notes that point at
nothing outside the repository."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from tppgame import TPPModel
from tppgame.classroom.documents import Blank, Document, Heading, Paragraph, bullets, table, to_html, to_markdown
from tppgame.classroom.role_cards import card_countries
from tppgame.classroom.teaching_pack import discussion_questions, pack_files
from tppgame.cli import main
from tppgame.game.scenario import available_scenarios, load_scenario

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = [p.stem for p in available_scenarios()]
SEEDS = range(2)
CALIBRATION = tomllib.loads((REPO / "tppgame" / "game" / "data" / "calibration.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def packs(tmp_path_factory) -> dict[str, dict[Path, str]]:
    """Each bundled scenario's pack (two seeds), as path -> text, relative to the pack's folder."""
    out = {}
    for name in SCENARIOS:
        root = tmp_path_factory.mktemp(name)
        out[name] = {path.relative_to(root): text for path, text in pack_files(load_scenario(name), root, SEEDS).items()}
    return out


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_bundled_scenario_gets_a_whole_pack(packs, name):
    files = packs[name]
    scenario = load_scenario(name)
    expected = {"index", "lesson-plan", "handout", "answer-key", *(f"role-cards/{c}" for c in card_countries(scenario))}
    for stem in expected:
        assert Path(f"{stem}.md") in files and Path(f"{stem}.html") in files, stem
    assert Path("pack.json") in files and len(files) == 2 * len(expected) + 1
    for path, text in files.items():
        if path.suffix == ".html":      # self-contained: nothing fetched, nothing run
            assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
            assert "<script" not in text and "src=" not in text and "<link" not in text
    plan = files[Path("lesson-plan.md")]
    assert "| 0-10 |" in plan and "| 85-90 |" in plan and scenario.entry_rule.describe() in plan
    for question in discussion_questions(scenario):
        assert question in plan
    assert len(discussion_questions(scenario)) >= 3


def test_questions_come_whole_from_the_teaching_note():
    questions = discussion_questions(load_scenario("baseline"))
    note = (REPO / "scenarios" / "baseline.md").read_text(encoding="utf-8")
    section = note.split("## Discussion questions")[1].split("\n## ")[0]
    assert len(questions) == len(re.findall(r"^\d+\. ", section, flags=re.M)) == 5
    assert questions[0].startswith("**Two-level games.**") and "\n" not in questions[0]


def _calibration(code: str, table_name: str, sector: str | None = None) -> tuple[float, str | None]:
    node = CALIBRATION["countries"][code][table_name]
    node = node[sector] if sector else node
    return float(node["value"]), node.get("note")


@pytest.mark.parametrize("code", ["USA", "JPN", "AUS", "VNM", "BRN"])
def test_role_cards_name_the_calibrations_figures(packs, code):
    card = packs["baseline"][Path(f"role-cards/{code}.md")]
    gdp, note = _calibration(code, "gdp_2013")
    assert f"GDP in 2013: US$ {gdp:,.1f} bn ({note}" in card
    threshold, _ = _calibration(code, "ratification_threshold")
    assert f"Threshold: {threshold:.2f} (" in card
    assert f"at least {threshold:.0%} of what free trade" in card
    rows = [line for line in card.split("## What you guard")[1].split("## ")[0].splitlines() if line.startswith("| ")]
    guarded = [row.split(" | ")[0].lstrip("| ") for row in rows[1:]]
    assert guarded
    labels = {v.get("label", k): k for k, v in CALIBRATION["sectors"].items() if isinstance(v, dict)}
    for row, label in zip(rows[1:], guarded):
        sector = labels.get(label, label.lower())
        sensitivity, sensitivity_note = _calibration(code, "sensitivity", sector)
        barrier, barrier_note = _calibration(code, "barrier", sector)
        red_line, red_note = _calibration(code, "red_line", sector)
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert cells[1:4] == [f"{sensitivity:.2f}", f"{barrier:.2f}", f"{red_line:.2f}" if red_line < 1 else "none"]
        for what, value, note in (("sensitivity", sensitivity, sensitivity_note), ("your barrier", barrier, barrier_note)):
            if note:                                        # the figure's note, under the table
                assert f"- {label}, {what}: {value:.2f} ({note}" in card
        if red_line < 1 and red_note:
            assert f"- {label}, red line: {red_line:.2f} ({red_note}" in card


def test_japans_card_names_its_farm_barriers_and_its_main_car_markets(packs):
    """Its car markets ranked by what each partner's opening is worth to Japan in the baseline's economy:
    Vietnam's tariff of about 70% first, then the United States (2.5% on cars, 25% on trucks)."""
    card = packs["baseline"][Path("role-cards/JPN.md")]
    assert "- Rice, your barrier: 1.00 (out-of-quota duty 341 yen/kg, ad valorem equivalent 778%" in card
    assert "| Rice | 3.00 | 1.00 | 0.10 | United States |" in card   # sensitivity, barrier, red line
    assert ("| Autos (cars and light trucks) | 1.00 | Vietnam 0.90 (AJCEP; Japan-Vietnam EPA in force), "
            "United States 0.35, Australia 0.15 |") in card
    assert "- Autos (cars and light trucks), barrier of United States: 0.35 (US tariffs: 2.5% on cars, 25% on" in card
    assert "| the start | tpp | 0.307 | 0.406 | yes |" in card         # a veto under the 85% rule
    assert "[jt_2005_rice_778] Japan Times, 10 Jun 2005" in card        # its sources listed


def test_a_card_says_when_the_scenario_changes_a_figure(tmp_path):
    scenario = load_scenario("baseline").with_overrides({"countries.JPN.sensitivity.rice": 2.5})
    files = pack_files(scenario, tmp_path, range(1))
    card = files[tmp_path / "role-cards" / "JPN.md"]
    assert "| Rice | 2.50 | 1.00 | 0.10 | United States |" in card
    assert "- Rice, sensitivity: 2.50 (set by this scenario (calibration: 3))" in card


def test_cards_follow_the_scenarios_events_and_side_deals(packs):
    us = packs["baseline"][Path("role-cards/USA.md")]
    assert "From June 2015 (Congress passes trade promotion authority): your threshold becomes 10%." in us
    aus = packs["australia_japan_first"][Path("role-cards/AUS.md")]
    assert "concluded in April 2014 on stated terms: Japan opens Beef 0.45" in aus
    cptpp = packs["us_withdrawal_cptpp"][Path("role-cards/CAN.md")]
    assert "| March 2018: CPTPP signed in Santiago: new entry rule, biologics suspended | cptpp | 0.091 | 0.091 | no |" \
        in cptpp
    japan_out = packs["tpp_without_japan"][Path("role-cards/JPN.md")]
    assert "Not an original signatory: your GDP does not count towards the entry rule" in japan_out


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_answer_key_is_the_games_played_here(packs, name):
    scenario = load_scenario(name)
    record = json.loads(packs[name][Path("pack.json")])
    key = packs[name][Path("answer-key.md")]
    assert record["seeds"] == list(SEEDS)
    for seed, game in zip(SEEDS, record["games"]):
        model = TPPModel(scenario, rng=seed)
        while model.running:
            model.step()
        s = model.summary()
        assert (game["formed"], game["round"], game["signatories"], game["holdouts"], game["in_force"]) == \
               (s["formed"], s["round"], s["members"], s["holdouts"], s["in_force"])
        month = f"{scenario.round_date(s['round']):%B %Y}" if s["formed"] else "-"
        row = (f"| {seed} | {'yes' if s['formed'] else 'no'} | {month} | {len(s['members'])} | "
               f"{s['gdp_share']:.1%} | {'yes' if s['in_force'] else 'no'} | {', '.join(s['holdouts']) or 'none'} |")
        assert row in key
    formed = sum(g["formed"] for g in record["games"])
    assert f"The agreement formed in {formed} of {len(SEEDS)} games" in key


def test_teaching_notes_point_at_nothing_outside_the_repository():
    absolute = re.compile(r"(?<![\w:/.])(/(tmp|work|home|Users|root|var|opt|mnt)/|~/|[A-Za-z]:\\\\)")
    link = re.compile(r"\]\(([^)\s]+)\)")
    named = re.compile(r"`((?:[\w.-]+/)+[\w.-]+\.(?:toml|md|py|json|csv))`")
    for note in sorted((REPO / "scenarios").glob("*.md")):
        text = note.read_text(encoding="utf-8")
        assert not absolute.search(text), f"{note.name}: {absolute.search(text).group(0)}"
        for target in link.findall(text):
            if not re.match(r"^[a-z]+:", target):
                resolved = (note.parent / target.split("#")[0]).resolve()
                assert resolved.is_relative_to(REPO) and resolved.exists(), f"{note.name}: {target}"
        for path in named.findall(text):
            if not path.startswith("out/"):
                assert (REPO / path).exists() or (note.parent / path).exists(), f"{note.name}: {path}"


# ------------------------------------------------------------ the documents and the command
def test_a_document_renders_as_markdown_and_escaped_html():
    doc = Document("A **bold** title").add(
        Heading("Part"), Paragraph("Tariffs < 5% & a [link](answer-key.html) <script> `run.py`"),
        bullets("one", "two", numbered=True), table(("a", "b"), [("1|2", "3")]), Blank("Your answer:", 1))
    md = to_markdown(doc)
    assert md.startswith("# A **bold** title\n") and "1. one\n2. two" in md and "| 1\\|2 | 3 |" in md
    assert "**Your answer:**" in md
    page = to_html(doc)
    assert "<title>A bold title</title>" in page and "<h1>A <strong>bold</strong> title</h1>" in page
    assert "Tariffs &lt; 5% &amp; a <a href='answer-key.html'>link</a> &lt;script&gt; <code>run.py</code>" in page
    assert "<ol><li>one</li><li>two</li></ol>" in page and "<td>1|2</td>" in page


def test_teaching_pack_command_writes_the_pack(tmp_path, capsys):
    assert main(["teaching-pack", "tokyo_2014", "--out", str(tmp_path / "pack"), "--seeds", "2"]) == 0
    out = capsys.readouterr().out
    assert "answer key (2 games), 12 role cards" in out and "Wrote 33 files" in out
    assert (tmp_path / "pack" / "role-cards" / "JPN.html").is_file()
    assert json.loads((tmp_path / "pack" / "pack.json").read_text())["seeds"] == [0, 1]


@pytest.mark.parametrize("args, needle", [
    (["teaching-pack", "no_such_scenario"], "no_such_scenario"),
    (["teaching-pack", "--seeds", "0"], "--seeds 0"),
    (["teaching-pack", "--set", "countries.JPN.sensitivity.rice=-1"], "countries.JPN.sensitivity.rice"),
])
def test_teaching_pack_bad_input_is_one_line_and_exit_2(args, needle, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_teaching_pack_refuses_a_file_as_its_folder(tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("x")
    assert main(["teaching-pack", "--out", str(target)]) == 2
    assert "expected a folder" in capsys.readouterr().err


def test_the_packs_commands_replay_its_variant_and_its_file(tmp_path, capsys):
    """A pack made with --set, or of a scenario outside scenarios/, told the teacher to replay its games with
    `python run.py baseline --seed N`: another game. Its commands now carry the file and the --set."""
    folder = tmp_path / "my scenarios"
    folder.mkdir()
    (folder / "variant.toml").write_text((REPO / "scenarios" / "baseline.toml").read_text(encoding="utf-8"),
                                         encoding="utf-8")
    out = tmp_path / "pack"
    assert main(["teaching-pack", str(folder / "variant.toml"), "--out", str(out), "--seeds", "1",
                 "--set", "agreement.entry_rule=cptpp"]) == 0
    command = f"'{folder / 'variant.toml'}' --set agreement.entry_rule=cptpp"
    assert f"Reproduce any one with `python run.py {command} --seed N`." in (out / "answer-key.md").read_text()
    plan = (out / "lesson-plan.md").read_text()
    assert f"`python run.py play --as CODE {command}`" in plan
    assert "(its scenarios are the bundled ones, not this one)" in plan
    assert "answer key (1 game), 12 role cards" in capsys.readouterr().out      # was "(1 games)"
    assert "over 1 game (seed 0), played" in (out / "answer-key.md").read_text()
    plain = pack_files(load_scenario("baseline"), tmp_path / "plain", range(1))
    assert "Reproduce any one with `python run.py baseline --seed N`." in plain[tmp_path / "plain" / "answer-key.md"]


def test_a_teaching_note_not_in_utf8_is_one_line_and_exit_2(tmp_path, capsys):
    """A teacher's note saved by Notepad as UTF-16 beside their scenario was a UnicodeDecodeError traceback."""
    (tmp_path / "mine.toml").write_text((REPO / "scenarios" / "baseline.toml").read_text(encoding="utf-8"),
                                        encoding="utf-8")
    (tmp_path / "mine.md").write_text("## Discussion questions\n\n1. Who can block?\n", encoding="utf-16")
    out = tmp_path / "pack"
    assert main(["teaching-pack", str(tmp_path / "mine.toml"), "--seeds", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {tmp_path / 'mine.md'}: (file): expected the scenario's teaching note as UTF-8 text " \
                  "(not UTF-8)\n"
    assert not out.exists()
