"""The debrief of a finished game and the comparison of several games (tppgame.classroom.debrief,
tppgame.classroom.debrief_compare, ``run.py debrief``).

Every expectation is computed here from the game itself (its summary, event log, last check and
frontiers), never written down: the game's numbers may change, the debrief must still tell them.
"""

from __future__ import annotations

import csv
import errno
import html
import io
import json
import os
import re
from pathlib import Path

import numpy as np
import pypdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tppgame import report
from tppgame.classroom.debrief import (CURVE, DEAL_COLUMNS, country_outcomes, deal_points, debrief_document,
                                       debrief_files, deadline_rows, history_blocks, outcome_lines, surplus_share,
                                       timeline)
from tppgame.classroom.debrief_compare import GameRecord, comparison_rows
from tppgame.classroom.documents import Bullets, Document, Figure, Paragraph, table, to_html
from tppgame.classroom.game_text import debrief_markdown
from tppgame.cli import main
from tppgame.game.events import narration
from tppgame.game.scenario import load_scenario
from tppgame.model import TPPModel

SEED = 1
REPO = Path(__file__).resolve().parent.parent


def finished(scenario: str = "baseline", seed: int = SEED) -> TPPModel:
    model = TPPModel(scenario, rng=seed)
    while model.running:
        model.step()
    return model


@pytest.fixture(scope="module")
def game() -> TPPModel:
    return finished()


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    """``run.py debrief baseline --seed 1 --out DIR``'s folder."""
    out = tmp_path_factory.mktemp("debrief") / "room-a"
    assert main(["debrief", "baseline", "--seed", str(SEED), "--room", "Room A", "--out", str(out)]) == 0
    return out


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


# ------------------------------------------------------------ what happened
def standing_deals(model: TPPModel) -> list[dict]:
    """The event log's entry of each deal that closed and was not reopened after (a package deal
    closed without the US's authority reopens when trade promotion authority passes), in the order
    they closed."""
    standing: list[dict] = []
    for e in model.log.of_kind("deal", "reopened"):
        if e["kind"] == "deal":
            standing.append(e)
        else:
            standing = [d for d in standing if d["talk"] != e["talk"]]
    return standing


def test_the_deals_listed_are_the_deals_the_game_closed(game, written):
    """The deals table lists the deals the game closed and kept, as the log has them: in the baseline
    (seed 1) five US deals closed before trade promotion authority reopen when it passes and close
    again; only their last closing is listed (the timeline tells both). (Seven before biologics was
    a common standard: US-Chile and US-Peru now close only after TPA.)"""
    kept = standing_deals(game)
    closed = [(e["talk"], e["round"], e["a"], e["b"]) for e in kept]
    assert closed, "the baseline game closes deals"
    reopened = {e["talk"] for e in game.log.of_kind("reopened")}
    assert len(reopened) == 5 and len(closed) == len(game.log.of_kind("deal")) - 5
    assert [(d.talk, d.round, d.a, d.b) for d in deal_points(game)] == closed
    rows = read_csv(written / "deals.csv")
    assert tuple(rows[0]) == DEAL_COLUMNS
    assert [(r["talk"], int(r["round"]), r["a"], r["b"]) for r in rows] == closed
    # what each side opened, as the log has it
    for row, entry in zip(rows, kept):
        opened = dict(item.rsplit(" ", 1) for item in row["a_gives"].split("; ") if item)
        assert {s: float(v) for s, v in opened.items()} == pytest.approx(entry["a_gives"].as_dict(), abs=1e-4)
    lines = [line for _, _, line in timeline(game)]
    for talk, *_ in closed:
        times = 2 if talk in reopened else 1
        assert sum(line.startswith(f"Deal: {talk} closed") for line in lines) == times, talk
    # the outcome counts the deals the table lists, and says how many more reopened
    said = next(line for line in outcome_lines(game) if " closed" in line)
    assert said.startswith(f"{len(closed)} deals closed (besides 5 closed without the authority to commit, ")


def test_the_timeline_names_every_deadline_shock_and_the_agreement(game):
    names = game.config.params["names"]
    lines = {(r, line) for r, _, line in timeline(game)}
    scheduled = game.log.of_kind("deadline", "shock", "join", "withdraw")
    assert any(e["kind"] == "deadline" for e in scheduled)
    for entry in scheduled:
        sentence = narration(entry, names)
        if sentence is not None:
            assert (entry["round"], sentence) in lines, sentence
    formed = game.log.of_kind("agreement_formed")
    assert [r for r, line in lines if line.startswith("AGREEMENT FORMED")] == [e["round"] for e in formed]
    reviewed = game.log.of_kind("deadline")
    assert [(row[1], row[3]) for row in deadline_rows(game)] == [
        (e["label"], "met" if e["met"] else "missed") for e in reviewed]
    months = {r: m for r, m, _ in timeline(game)}
    assert all(months[r] == f"{game.config.round_date(r):%B %Y}" for r in months)


def test_each_countrys_row_equals_the_summary(game, written):
    summary, check = game.summary(), game.last_check
    rows = {r["country"]: r for r in read_csv(written / "outcomes.csv")}
    assert list(rows) == list(summary["countries"])
    for code, c in summary["countries"].items():
        row = rows[code]
        assert float(row["utility"]) == c["utility"] and float(row["outside_option"]) == c["outside_option"]
        assert row["signatory"] == str(c["signatory"]) and row["member"] == str(c["member"])
        assert {s: float(row[f"concession_{s}"]) for s in game.sectors} == c["concessions"]
        welfare = c.get("welfare")
        if isinstance(welfare, dict):
            assert float(row["welfare_total_usd_m"]) == welfare["total_usd_m"]
        else:
            assert not any(key.startswith("welfare") for key in row)
        assert (row["status"] == "holds out") == (code in check.holdouts)
    # what each needs to ratify is the check's own test: it would ratify exactly when the package reaches it
    for o in country_outcomes(game):
        assert o.would_ratify == (o.code in check.accepting)
        if o.needs is not None:
            assert o.would_ratify == (o.package - o.needs >= -1e-9), o.code
    if summary["formed"]:
        assert [o.code for o in country_outcomes(game) if o.signatory and o.would_ratify] == summary["ratifying"]


def test_every_deal_lies_on_or_inside_its_frontier_and_the_nash_point_on_it(game):
    drawn = [(d, deal) for d, deal in zip(deal_points(game), game.deals) if deal.frontier is not None]
    assert drawn
    theta = np.linspace(0.0, 1.0, 4001)
    for point, deal in drawn:
        u_a, u_b = (v[0] for v in deal.frontier.terms.frontier(theta[None, :]))
        scale = max(np.ptp(u_a), np.ptp(u_b))
        tolerance = 1e-3 * scale

        def beyond(p: tuple[float, float], u_a: np.ndarray = u_a, u_b: np.ndarray = u_b) -> float:
            """How far the frontier reaches past p (>= 0: p is on or inside; 0: on it)."""
            return float(np.max(np.minimum(u_a - p[0], u_b - p[1])))

        assert beyond(point.utility) >= -tolerance, point.talk
        if point.nash is None:
            assert not deal.frontier.zopa[0]
            continue
        assert abs(beyond(point.nash)) <= tolerance, point.talk        # on the frontier
        r_a, r_b = point.reserve
        # the largest Nash product over the stretch of frontier the game searches (between each
        # side's best point as the frontier's summary places them), within the tolerance
        lo, hi = sorted((float(deal.frontier.theta_best_b[0]), float(deal.frontier.theta_best_a[0])))
        searched = (theta >= lo) & (theta <= hi)
        zone = searched & (u_a >= r_a - tolerance) & (u_b >= r_b - tolerance)
        if zone.any():
            best = np.max(np.clip(u_a[zone] - r_a, 0, None) * np.clip(u_b[zone] - r_b, 0, None))
            nash = (point.nash[0] - r_a) * (point.nash[1] - r_b)
            assert nash >= best * (1 - 1e-3) - tolerance ** 2, point.talk
        # Kalai-Smorodinsky: equal shares of each side's best gain
        best_a, best_b = float(deal.frontier.best_a[0]), float(deal.frontier.best_b[0])
        shares = [(point.ks[0] - r_a) / (best_a - r_a), (point.ks[1] - r_b) / (best_b - r_b)]
        assert shares[0] == pytest.approx(shares[1], abs=1e-3), point.talk
        assert point.curve[0].shape == CURVE.shape


def test_the_handout_shows_room_students_figures_and_history(game):
    doc = debrief_document(game, room="Room 3", students={"JPN": ["Aiko", "Ben"]})
    page = to_html(doc)
    assert "Debrief: " in page and "Room 3" in page and "Aiko, Ben" in page
    # nothing fetched: no script, stylesheet, image or frame; url() only of the figures' own #ids
    assert not re.search(r"<(script|link|img|iframe)\b|\bsrc=|@import|url\((?!#)", page)
    figures = [b for b in doc.blocks if isinstance(b, Figure)]
    negotiated = sum(d.frontier is not None for d in game.deals)
    assert len(figures) == 1 + -(-negotiated // 6)          # the outcomes, then six deals a figure
    assert all(f.png.startswith(b"\x89PNG") and f.svg[f.svg.find("<svg"):] in page for f in figures)
    # the history is the teaching note's "What happened" section, not a copy
    note = (REPO / "scenarios" / "baseline.md").read_text(encoding="utf-8")
    first = re.search(r"^## What happened\s+- \*\*(.+?)\*\*", note, flags=re.M).group(1)
    history = history_blocks(load_scenario("baseline"))
    assert any(isinstance(b, Bullets) and b.items[0].startswith(f"**{first}**") for b in history)
    assert f"<strong>{html.escape(first)}</strong>" in page


def test_the_pdf_is_a_real_pdf_naming_every_country(game, written):
    data = (written / "debrief.pdf").read_bytes()
    assert data.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 3
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    for code, c in game.summary()["countries"].items():
        assert f"{c['name']} ({code})" in text, code
    assert "Each deal against its frontier" in text and "Room A" in text
    # the same game gives the same PDF, byte for byte
    again = written.parent / "again"
    assert main(["debrief", "baseline", "--seed", str(SEED), "--room", "Room A", "--out", str(again)]) == 0
    assert (again / "debrief.pdf").read_bytes() == data


def test_the_folder_holds_the_games_own_files(game, written):
    assert sorted(p.name for p in written.iterdir()) == sorted(
        ["debrief.html", "debrief.pdf", "outcomes.csv", "deals.csv", "summary.json", "events.jsonl", "rounds.csv",
         "room.json"])
    assert json.loads((written / "summary.json").read_text()) == json.loads(json.dumps(game.summary()))
    assert (written / "events.jsonl").read_text() == game.log.to_jsonl()


# ------------------------------------------------------------ all or none, bad input
def test_a_failed_write_leaves_none_of_the_files(tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    real, calls = report._temporary_copy, []

    def copy(path, text):
        calls.append(path)
        if len(calls) == 2:        # the PDF
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(path, text)
    monkeypatch.setattr(report, "_temporary_copy", copy)
    assert main(["debrief", "tokyo_2014", "--out", str(out)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: --out {out}: could not write the files (No space left on device)"]
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("args, message", [
    (["debrief", "no_such_scenario"], "scenarios/no_such_scenario.toml"),
    (["debrief", "--seed", "-1"], "--seed"),
    (["debrief", "--set", "nonsense"], "--set nonsense: expected PATH=VALUE"),
    (["debrief", "--set", "countries.XXX.patience=0.5"], "countries.XXX"),
    (["debrief", "--compare", "ONE"], "--compare ONE: expected at least two folders"),
    (["debrief", "--compare", "EMPTY", "EMPTY2"], "expected summary.json in it"),
    (["debrief", "--compare", "MISSING", "EMPTY"], "expected a folder of a game's results"),
    (["debrief", "--compare", "BROKEN", "BROKEN"], "is not valid JSON"),
    (["debrief", "--compare", "LIST", "LIST"], "LIST/summary.json: expected a game's summary with scenario"),
    (["debrief", "baseline", "--compare", "EMPTY", "EMPTY2"], "--compare: reads games already played"),
    # edited or foreign files: each was a traceback (RecursionError, AttributeError, KeyError) from the page
    (["debrief", "--compare", "DEEP", "DEEP"], "DEEP: summary.json or events.jsonl is not valid JSON"),
    (["debrief", "--compare", "NUMBERS", "NUMBERS"],
     "NUMBERS/summary.json: countries: expected a table of country code = {utility, outside_option: numbers}"),
    (["debrief", "--compare", "DEAL", "DEAL"],
     "DEAL/events.jsonl: expected each deal and reopening with its talk and round"),
    (["debrief", "--compare", "REOPEN", "REOPEN"],        # the comparison drops the deal a reopening names
     "REOPEN/events.jsonl: expected each deal and reopening with its talk and round"),
    (["debrief", "--out", "FILE"], "expected a folder, found a file"),
    # an empty room name was taken as none, and a line break broke the handout's title
    (["debrief", "--room", ""], "argument --room: expected the room's name on one line, got ''"),
    (["debrief", "--room", "  "], "argument --room: expected the room's name on one line, got '  '"),
    (["debrief", "--room", "Room\nA"], "argument --room: expected the room's name on one line, got 'Room\\nA'"),
    # the same game twice, compared with itself, was accepted
    (["debrief", "--compare", "GAME", "GAME"], "error: --compare GAME: given twice; give each folder once"),
    (["debrief", "--compare", "ROOM", "GAME"], 'ROOM/room.json: expected {"room": the room\'s name or null}'),
    (["debrief", "--compare", "GAME", "EMPTY2/../GAME/"],
     "error: --compare EMPTY2/../GAME: given twice (as GAME); give each folder once"),
])
def test_bad_input_is_one_line_and_exit_2(args, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("EMPTY", "EMPTY2", "BROKEN", "LIST", "DEEP", "NUMBERS", "DEAL", "GAME", "REOPEN", "ROOM"):
        Path(name).mkdir()
    game = '{"scenario": "s", "formed": false, "members": [], "countries": {"JPN": %s}}'
    for name, summary, events in (("DEEP", "[" * 5000 + "]" * 5000, ""), ("NUMBERS", game % "1", ""),
                                  ("DEAL", game % '{"utility": 1, "outside_option": 0}', '{"kind": "deal"}'),
                                  ("GAME", game % '{"utility": 1, "outside_option": 0}', ""),
                                  ("ROOM", game % '{"utility": 1, "outside_option": 0}', ""),
                                  ("REOPEN", game % '{"utility": 1, "outside_option": 0}',
                                   '{"kind": "deal", "talk": "A-B", "round": 3}\n{"kind": "reopened", "round": 9}')):
        Path(name, "summary.json").write_text(summary)
        Path(name, "events.jsonl").write_text(events)
    Path("LIST/summary.json").write_text("[]")
    Path("LIST/events.jsonl").write_text("")
    Path("BROKEN/summary.json").write_text("{not json")
    Path("BROKEN/events.jsonl").write_text("")
    Path("ROOM/room.json").write_text('{"room": 7}')
    Path("FILE").write_text("a file")
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(args) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.startswith("error: ") and message in err, err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before      # nothing written


# ------------------------------------------------------------ comparing games
def test_the_comparison_over_two_seeds(tmp_path, capsys):
    folders = [tmp_path / f"seed{seed}" for seed in (1, 2)]
    for seed, folder in zip((1, 2), folders):      # run.py's own outputs
        assert main(["baseline", "--seed", str(seed), "--quiet", "--out", str(folder)]) == 0
    out = tmp_path / "class"
    assert main(["debrief", "--compare", *map(str, folders), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["comparison.csv", "comparison.html"]
    rows = read_csv(out / "comparison.csv")
    assert [r["game"] for r in rows] == ["seed1", "seed2"]
    for row, folder in zip(rows, folders):
        summary = json.loads((folder / "summary.json").read_text())
        events = [json.loads(line) for line in (folder / "events.jsonl").read_text().splitlines()]
        assert row["formed"] == str(summary["formed"]) and row["seed"] == str(summary["seed"])
        assert row["date"] == (summary["date"] or "")
        group = "signatory" if summary["formed"] else "member"
        members = [c for c, v in summary["countries"].items() if v[group]]
        assert row["members"].split() == members
        gains = {c: summary["countries"][c]["utility"] - summary["countries"][c]["outside_option"] for c in members}
        assert gains[row["gained_most"]] == max(gains.values())
        assert gains[row["gained_least"]] == min(gains.values())
        # the deals that stand, as the handout and the game (model.deals) count them: a deal reopened when the US
        # gained its authority is not counted twice (seed 1 reopens five)
        reopened = sum(e["kind"] == "reopened" for e in events)
        assert int(row["deals_closed"]) == sum(e["kind"] == "deal" for e in events) - reopened
        assert reopened and f"{row['deals_closed']} deals closed (besides {reopened} closed without" in " ".join(
            outcome_lines(finished(seed=int(row["seed"]))))
    page = (out / "comparison.html").read_text()
    assert "seed1" in page and "seed2" in page and html.escape("Each country's gain over its outside option") in page
    # a class server's models give the same rows as the folders
    models = [GameRecord.of_model(f"seed{seed}", finished(seed=seed)) for seed in (1, 2)]
    assert comparison_rows(models) == comparison_rows([GameRecord.of_folder(f) for f in folders])


def test_the_outcome_counts_the_signatories_it_formed_with_not_those_left():
    """us_withdrawal_cptpp (seed 2013): the twelve formed the agreement in August 2015 and the United States
    withdrew in January 2017. The debrief said it 'formed in round 26 (August 2015) among 11 signatories'."""
    model = finished("us_withdrawal_cptpp", seed=2013)
    assert [len(e["signatories"]) for e in model.log.of_kind("agreement_formed")] == [12]
    assert "USA" not in model.summary()["members"]
    assert outcome_lines(model)[0].startswith(
        "The agreement formed in round 26 (August 2015) among 12 signatories; 11 at the end: Japan, Canada,")
    assert "among 12 signatories: United States, Japan," in outcome_lines(finished(seed=2013))[0]
    assert "formed in round 26 (August 2015), 11 signatories at the end," in debrief_markdown(model)   # the dashboard


def test_a_game_without_deals_has_an_empty_deal_table(tmp_path):
    model = TPPModel("tokyo_2014", rng=1)
    model.step()                      # one round: nothing closes yet
    assert not model.log.of_kind("deal")
    files = debrief_files(model, tmp_path)
    assert files[tmp_path / "deals.csv"] == ",".join(DEAL_COLUMNS) + "\n"
    assert "No deal closed in this game." in files[tmp_path / "debrief.html"]


def test_the_share_of_the_surplus_by_hand():
    assert surplus_share((3.0, 2.0), (1.0, 1.0)) == pytest.approx(2 / 3)
    assert surplus_share((1.0, 5.0), (1.0, 1.0)) == 0.0            # the first side got just what it needed
    assert surplus_share((0.5, 1.0), (1.0, 1.5)) is None            # no joint gain to share
    assert surplus_share(None, (1.0, 1.0)) is None


def test_without_its_extra_the_debrief_says_what_to_install(tmp_path, capsys, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "reportlab" else real(name, *a))
    assert main(["debrief", "tokyo_2014", "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == ("error: the debrief needs its extra (reportlab missing): "
                                       "pip install -e \".[debrief]\"\n")
    assert not (tmp_path / "out").exists()


def test_the_comparison_names_each_game_by_the_room_its_debrief_was_written_for(written, tmp_path, capsys):
    """``debrief --room "Room A"`` writes room.json, and the comparison's rows name the game "Room A", not
    its folder (room-a); a folder ``run.py`` wrote, or a debrief without --room, keeps its folder's name."""
    assert json.loads((written / "room.json").read_text(encoding="utf-8")) == {"room": "Room A"}
    unnamed = tmp_path / "room-b"
    plain = tmp_path / "seed2"
    assert main(["debrief", "tokyo_2014", "--seed", "2", "--out", str(unnamed)]) == 0
    assert json.loads((unnamed / "room.json").read_text(encoding="utf-8")) == {"room": None}
    assert main(["tokyo_2014", "--seed", "2", "--quiet", "--out", str(plain)]) == 0
    out = tmp_path / "class"
    assert main(["debrief", "--compare", str(written), str(unnamed), str(plain), "--out", str(out)]) == 0
    assert [r["game"] for r in read_csv(out / "comparison.csv")] == ["Room A", "room-b", "seed2"]
    assert "Room A: formed" in capsys.readouterr().out


def test_games_in_folders_of_the_same_name_are_told_apart_by_their_paths(tmp_path, capsys):
    folders = [tmp_path / room / "game" for room in ("room-a", "room-b")]
    for seed, folder in zip((1, 2), folders):
        assert main(["tokyo_2014", "--seed", str(seed), "--quiet", "--out", str(folder)]) == 0
    out = tmp_path / "class"
    assert main(["debrief", "--compare", *map(str, folders), "--out", str(out)]) == 0
    assert [r["game"] for r in read_csv(out / "comparison.csv")] == list(map(str, folders))


words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789.-%", min_size=1, max_size=14)
cells = st.lists(words, min_size=0, max_size=6).map(" ".join)


@given(st.integers(1, 8).flatmap(lambda n: st.tuples(st.lists(cells, min_size=n, max_size=n),
                                                     st.lists(st.lists(cells, min_size=n, max_size=n), max_size=5))))
@settings(max_examples=60, deadline=None)
def test_pdf_table_columns_fill_the_page_and_never_break_a_word(table_cells):
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from tppgame.classroom.pdf import BOLD_FONT, TABLE_SIZE, _column_widths, _fonts

    _fonts()
    header, rows = table_cells
    block = table(header, rows)
    width = 480.0
    widths = _column_widths(block, width)
    assert sum(widths) == pytest.approx(width)
    longest = [max([stringWidth(w, BOLD_FONT, TABLE_SIZE) for c in (h, *(r[k] for r in rows)) for w in c.split()]
                   + [0.0]) for k, h in enumerate(header)]
    if sum(longest) + 7.0 * len(header) <= width:          # the words fit: none is broken
        assert all(w >= need + 7.0 - 1e-6 for w, need in zip(widths, longest))


def test_a_game_where_every_gain_is_the_same_names_nobody_as_gaining_most(tmp_path, capsys):
    # tokyo_2014, seed 2013: no agreement, each member keeps its outside option (every gain 0); the
    # comparison said "gained most VNM +0.000, least AUS +0.000", picked by their codes
    failed, formed = finished("tokyo_2014", 2013), finished("baseline", 2013)
    assert not failed.summary()["formed"] and formed.summary()["formed"]
    assert {v["utility"] - v["outside_option"] for v in failed.summary()["countries"].values()} == {0.0}
    games = [GameRecord.of_model("tokyo", failed), GameRecord.of_model("baseline", formed)]
    none, some = comparison_rows(games)
    assert (none["gained_most"], none["gained_most_gain"], none["gained_least"], none["gained_least_gain"]) == (
        "", None, "", None)
    assert some["gained_most"] == "NZL" and some["gained_least"] == "BRN"
    folders = []
    for name, model in (("tokyo", failed), ("baseline", formed)):
        report.write_files(debrief_files(model, tmp_path / name))
        folders.append(str(tmp_path / name))
    assert main(["debrief", "--compare", *folders, "--out", str(tmp_path / "class")]) == 0
    assert "tokyo: no agreement; 12 members; 31 deals; gained most -, least -" in capsys.readouterr().out
    assert "VNM +0.000" not in (tmp_path / "class" / "comparison.html").read_text()


def test_a_game_still_playing_is_compared_as_not_yet_formed():
    """A room compared as it stands (the class server's page) or a game stopped with q: its agreement has
    not formed *yet*, which the page says, where it said "no" as for a game played to its end."""
    from tppgame.classroom.debrief_compare import comparison_document

    stopped = TPPModel("tokyo_2014", rng=1)
    for _ in range(3):
        stopped.step()
    games = [GameRecord.of_model("Room A", stopped), GameRecord.of_model("Room B", finished("tokyo_2014", 1))]
    rows = comparison_rows(games)
    assert [(r["formed"], r["finished"]) for r in rows] == [(False, False), (False, True)]
    page = to_html(comparison_document(games))
    assert "not yet (round 3)" in page and ">no<" in page


def test_chinese_japanese_and_korean_names_print_in_the_pdf():
    """A room named 三班 or a student named 田中, 김민수 or さくら printed as empty boxes (DejaVu Sans has no
    glyph for them; the text extracted as NULs). They are now set in ReportLab's standard CJK fonts."""
    from tppgame.classroom.pdf import to_pdf

    doc = Document("Debrief: Baseline, 三班").add(Paragraph("Japan (JPN): 田中 さくら; Korea: 김민수; **Ü**"))
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(to_pdf(doc))).pages)
    assert "\x00" not in text
    assert "Japan (JPN): 田中 さくら; Korea: 김민수; Ü" in text and "Debrief: Baseline, 三班" in text
    fonts = {str(font.get_object()["/BaseFont"]) for page in pypdf.PdfReader(io.BytesIO(to_pdf(doc))).pages
             for font in page["/Resources"]["/Font"].values()}
    assert {"/STSong-Light", "/HeiseiKakuGo-W5", "/HYGothic-Medium"} <= fonts    # Chinese, Japanese (kana), Korean


def test_a_teaching_note_not_in_utf8_is_one_line_and_exit_2(tmp_path, capsys):
    """run.py debrief of a scenario whose note (NAME.md beside it) was saved as UTF-16 was a UnicodeDecodeError
    traceback after the game; and a note beside a scenario outside scenarios/ was cited as scenarios/NAME.md."""
    (tmp_path / "mine.toml").write_text((REPO / "scenarios" / "baseline.toml").read_text(encoding="utf-8"),
                                        encoding="utf-8")
    note = (REPO / "scenarios" / "baseline.md").read_text(encoding="utf-8")
    (tmp_path / "mine.md").write_text(note, encoding="utf-16")
    out = tmp_path / "debrief"
    assert main(["debrief", str(tmp_path / "mine.toml"), "--out", str(out)]) == 2
    assert capsys.readouterr().err == (f"error: {tmp_path / 'mine.md'}: (file): expected the scenario's teaching "
                                       "note as UTF-8 text (not UTF-8)\n")
    assert not out.exists()
    (tmp_path / "mine.md").write_text(note, encoding="utf-8")
    blocks = history_blocks(load_scenario(tmp_path / "mine.toml"))
    assert f"From the scenario's teaching note, `{tmp_path / 'mine.md'}`, where" in blocks[-1].text
