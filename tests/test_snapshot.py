"""Saved games that branch: a game stopped at a round, saved as plain JSON, and continued.

Continued unchanged, a saved game gives byte for byte the files of the game played without a
stop (every bundled scenario, two stop rounds, two seeds, each compared with the uninterrupted
game computed here); continued with changed settings (a branch), it keeps the rounds before the
stop and goes another way after; bad saved files and options get one line and exit status 2.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tppgame import TPPModel
from tppgame.cli import main
from tppgame.game.scenario import ScenarioError, available_scenarios, load_scenario
from tppgame.game.snapshot import FORMAT, SnapshotError, read_snapshot
from tppgame.report import write_outputs

FILES = ("summary.json", "rounds.csv", "events.jsonl")
SCENARIOS = [p.stem for p in available_scenarios()]


def played(model: TPPModel) -> TPPModel:
    while model.running:
        model.step()
    return model


def files_of(model: TPPModel, folder: Path) -> dict[str, bytes]:
    write_outputs(model, folder)
    return {name: (folder / name).read_bytes() for name in FILES}


def stopped(scenario: str, seed: int, stop: int, **kwargs) -> TPPModel:
    model = TPPModel(scenario, rng=seed, **kwargs)
    while model.round < stop:
        model.step()
    return model


# ------------------------------------------------------------ continuing unchanged
@pytest.mark.parametrize("seed", [1, 29])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_a_saved_game_continued_unchanged_gives_the_uninterrupted_games_files(scenario, seed, tmp_path):
    rounds = load_scenario(scenario).rounds
    whole = files_of(played(TPPModel(scenario, rng=seed)), tmp_path / "whole")
    for stop in (1, rounds // 2 + 1):
        stopped(scenario, seed, stop).snapshot(tmp_path / f"stop{stop}.json")
        continued = played(TPPModel.from_snapshot(tmp_path / f"stop{stop}.json"))
        assert files_of(continued, tmp_path / f"from{stop}") == whole, (scenario, seed, stop)


@settings(max_examples=12, deadline=None)
@given(scenario=st.sampled_from(SCENARIOS), seed=st.integers(0, 2**32), stop=st.floats(0, 1, exclude_max=True))
def test_any_stop_of_any_game_continues_into_the_same_game(scenario, seed, stop):
    """Stopped at any round from 0 to the last but one, saved and continued: the same event log,
    summary and per-round table as the game played through."""
    rounds = load_scenario(scenario).rounds
    saved = json.loads(json.dumps(stopped(scenario, seed, int(stop * rounds)).snapshot()))   # through JSON text
    continued, whole = played(TPPModel.from_snapshot(saved)), played(TPPModel(scenario, rng=seed))
    assert continued.log.to_jsonl() == whole.log.to_jsonl()
    assert continued.summary() == whole.summary()
    assert continued.datacollector.get_model_vars_dataframe().equals(whole.datacollector.get_model_vars_dataframe())


def test_the_command_line_stops_saves_and_continues_to_the_same_files(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)   # restored after the test
    assert main(["baseline", "--seed", "5", "--quiet", "--out", "whole"]) == 0
    assert main(["baseline", "--seed", "5", "--stop-at", "2014-04", "--save", "april.json"]) == 0
    out = capsys.readouterr().out
    assert "Stopped after round 10 (April 2014); saved the game to april.json" in out
    assert "Round 11" not in out
    assert main(["--from", "april.json", "--quiet", "--out", "continued"]) == 0
    for name in FILES:
        assert (tmp_path / "continued" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name
    # a second stop from a saved game, then on to the end: still the same game
    assert main(["--from", "april.json", "--stop-at", "20", "--save", "later.json", "--quiet"]) == 0
    assert main(["--from", "later.json", "--quiet", "--out", "later"]) == 0
    assert (tmp_path / "later" / "events.jsonl").read_bytes() == (tmp_path / "whole" / "events.jsonl").read_bytes()


def test_the_saved_file_is_plain_json_naming_scenario_seed_round_and_code(tmp_path):
    model = stopped("tokyo_2014", 3, 4)
    data = model.snapshot(tmp_path / "game.json")
    assert json.loads((tmp_path / "game.json").read_text()) == data
    assert data["format"] == FORMAT and data["seed"] == 3 and data["round"] == 4
    assert data["date"] == model.config.round_date(4).isoformat()
    assert data["scenario"]["name"] == model.config.name and len(data["code"]) == 12
    assert data["state"]["events"] == len(model.log)
    assert data["moves"] == [] and data["branches"] == [] and data["negotiators"] == {}
    assert data["changed_settings"] == {}
    late = stopped("judged_indices", 3, 30).snapshot()   # after trade promotion authority (round 24)
    assert late["changed_settings"] == {"countries.USA.ratification_threshold": 0.1, "countries.USA.authority": True}
    # in the baseline the missed Maui deadline (round 25) then costs the US face: 0.1 x 0.97 (its patience).
    # Seed 2 forms in August 2015; seed 3, used before biologics was a common standard, now forms in July and
    # meets Maui, so its US bar stays at 0.1
    changed = stopped("baseline", 2, 30).snapshot()["changed_settings"]
    assert changed["countries.USA.authority"] is True
    assert changed["countries.USA.ratification_threshold"] == pytest.approx(0.097)


def test_a_game_with_a_person_seated_replays_the_players_moves(tmp_path):
    """Japan played by a person: offers, a counter-offer taken, passes, rounds settled by the player
    and by the next round; saved mid-game (and while a round waits), continued the same way."""
    def play_rounds(model: TPPModel, until: int) -> None:
        while model.round < until:
            model.step()
            r = model.round
            if not model.waiting_for_seat:
                continue
            talk = model.seat_talks[0]
            if r % 3 == 1:
                reply = model.propose(talk.label, {}, {})
                if not reply.accepted:
                    model.accept_counter(talk.label)
            elif r % 3 == 2:
                model.pass_talk(talk.label)
                model.settle()
            # r % 3 == 0: the next round's step settles it

    whole = TPPModel("baseline", rng=7, seat="JPN")
    play_rounds(whole, 12)
    model = TPPModel("baseline", rng=7, seat="JPN")
    play_rounds(model, 6)
    data = model.snapshot(tmp_path / "seat.json")
    assert data["negotiators"] == {"JPN": "person"}
    assert [m["move"] for m in data["moves"]][:3] == ["propose", "accept", "settle"]
    continued = TPPModel.from_snapshot(tmp_path / "seat.json")
    play_rounds(continued, 12)
    assert continued.log.to_jsonl() == whole.log.to_jsonl()
    assert continued.summary() == whole.summary()


def test_a_game_saved_while_a_round_waits_for_its_player_waits_again():
    model = stopped("baseline", 3, 1, seat="JPN")
    assert model.waiting_for_seat
    model.propose(model.seat_talks[0].label, {}, {})
    continued = TPPModel.from_snapshot(model.snapshot())
    assert continued.waiting_for_seat and continued.log.to_jsonl() == model.log.to_jsonl()
    with pytest.raises(SnapshotError, match="waits for its players"):
        TPPModel.from_snapshot(model.snapshot(), overrides={"countries.JPN.patience": 0.5})


def test_a_person_takes_a_seat_in_a_saved_game_and_the_seat_is_saved_too():
    """The class stops at April 2014; a student takes Japan's seat from there (its negotiator advises);
    that game, saved again and continued, replays the seat taken and the student's moves."""
    from tppgame.game.negotiators import Person

    saved = stopped("baseline", 2013, 10).snapshot()
    model = TPPModel.from_snapshot(saved)
    advisor = model.negotiators[model.config.index("JPN")]
    model.seats.take("JPN")
    seat = model.negotiators[model.config.index("JPN")]
    assert isinstance(seat, Person) and seat.advisor is advisor and model.seat == model.config.index("JPN")
    model.step()
    assert model.round == 11 and model.waiting_for_seat
    talk = model.seat_talks[0]
    model.propose(talk.label, talk.suggestion.gives, talk.suggestion.asks)
    model.settle()
    again = model.snapshot()
    assert [m["move"] for m in again["moves"]][:2] == ["take_seat", "propose"]
    continued = TPPModel.from_snapshot(again)
    assert continued.seat == model.seat and continued.log.to_jsonl() == model.log.to_jsonl()
    with pytest.raises(ValueError, match="already played by a person"):
        continued.seats.take("JPN")
    for game in (model, continued):
        game.hand_over()
        played(game)
    assert continued.log.to_jsonl() == model.log.to_jsonl()


def test_play_takes_a_seat_in_a_saved_game(tmp_path, monkeypatch, one_error_line):
    import subprocess
    import sys

    monkeypatch.chdir(tmp_path)   # restored after the test
    assert main(["baseline", "--stop-at", "2014-04", "--save", "april.json", "--quiet"]) == 0
    run_py = Path(__file__).resolve().parents[1] / "run.py"
    result = subprocess.run([sys.executable, str(run_py), "play", "--as", "JPN", "--from", "april.json"],
                            cwd=tmp_path, capture_output=True, text=True, input="auto\n", timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert "=== Round 11 (May 2014)" in result.stdout and "=== Round 10" not in result.stdout
    events = (tmp_path / "out" / "baseline-seed2013-JPN-from-round10" / "events.jsonl").read_text()
    whole = TPPModel("baseline")
    for _ in range(10):
        whole.step()
    assert events.startswith(whole.log.to_jsonl())
    assert "--as XXX: expected a country of the scenario" in one_error_line(["play", "--as", "XXX", "--from",
                                                                            "april.json"])


# ------------------------------------------------------------ branching
def test_a_branch_keeps_the_rounds_before_and_changes_what_follows():
    """From April 2014 Japan needs every gain it could get to ratify (threshold 1): no package can
    give it that, and without Japan no agreement holds 85% of the signatories' GDP, so the TPP,
    formed in the uninterrupted baseline, does not form."""
    whole = played(TPPModel("baseline"))
    assert whole.summary()["formed"]
    saved = stopped("baseline", 2013, 10).snapshot()
    branch = TPPModel.from_snapshot(saved, overrides={"countries.JPN.ratification_threshold": 1.0})
    # (later, each missed deadline's audience cost lowers every bar a little: bargaining.deadline_cost)
    assert branch.config.params["ratification_threshold"][branch.config.index("JPN")] == 1.0
    branch = played(branch)
    assert not branch.summary()["formed"]
    lines, whole_lines = branch.log.to_jsonl().splitlines(), whole.log.to_jsonl().splitlines()
    before = sum(e["round"] <= 10 for e in whole.log)
    assert lines[:before] == whole_lines[:before]
    assert json.loads(lines[before]) == {"round": 10, "kind": "branch", "label": "branch from round 10",
                                         "changes": {"countries.JPN.ratification_threshold": 1.0}}


def test_a_branched_game_saved_again_replays_its_branch():
    saved = stopped("baseline", 2013, 10).snapshot()
    branch = TPPModel.from_snapshot(saved, overrides={"countries.JPN.ratification_threshold": 1.0})
    for _ in range(5):
        branch.step()
    again = branch.snapshot()
    assert again["branches"] == [{"round": 10, "label": "branch from round 10",
                                  "set": {"countries.JPN.ratification_threshold": 1.0}}]
    assert played(TPPModel.from_snapshot(again)).log.to_jsonl() == played(branch).log.to_jsonl()


def test_a_setting_given_its_own_value_is_no_branch(tmp_path):
    saved = stopped("baseline", 2013, 10).snapshot()
    rice = load_scenario("baseline").settings["countries"]["JPN"]["sensitivity"]["rice"]
    same = played(TPPModel.from_snapshot(saved, overrides={"countries.JPN.sensitivity.rice": rice}))
    assert same.log.to_jsonl() == played(TPPModel("baseline")).log.to_jsonl()


def test_a_branch_on_the_command_line_is_in_the_story_and_the_event_log(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)   # restored after the test
    assert main(["baseline", "--stop-at", "10", "--save", "s.json", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["--from", "s.json", "--set", "countries.JPN.ratification_threshold=1", "--out", "b"]) == 0
    out = capsys.readouterr().out
    assert "(seed 2013, continued from round 10 of s.json)" in out
    assert "Branch: the saved game goes on from here with countries.JPN.ratification_threshold = 1." in out
    events = [json.loads(line) for line in (tmp_path / "b" / "events.jsonl").read_text().splitlines()]
    assert [e["round"] for e in events if e["kind"] == "branch"] == [10]
    assert json.loads((tmp_path / "b" / "summary.json").read_text())["formed"] is False


def test_a_branch_can_change_a_countrys_negotiator_by_name(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)   # restored after the test
    assert main(["tokyo_2014", "--stop-at", "4", "--save", "s.json", "--quiet"]) == 0
    assert main(["--from", "s.json", "--negotiator", "JPN=conceder", "--quiet", "--out", "b"]) == 0
    events = [json.loads(line) for line in (tmp_path / "b" / "events.jsonl").read_text().splitlines()]
    assert [(e["round"], e["changes"]) for e in events if e["kind"] == "branch"] == [
        (4, {"countries.JPN.tactic": "conceder"})]


# ------------------------------------------------------------ bad input
SAVED_TOKYO = stopped("tokyo_2014", 3, 4).snapshot()

@pytest.fixture
def saved_file(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)   # restored after the test
    stopped("baseline", 2013, 10).snapshot(tmp_path / "s.json")
    return tmp_path / "s.json"


def rewritten(path: Path, change) -> Path:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "missing.json", "missing.json: (file): expected an existing saved game file"),
    (lambda d: d, "expected a saved game: a regular JSON file"),
    (lambda d: (d / "c.json").write_text('{"format": "tppgame sa') and d / "c.json",
     "c.json: (file): expected a saved game written by run.py --save (JSON; Unterminated string"),
    (lambda d: (d / "f.json").write_text('{"a": 1}') and d / "f.json", 'f.json: format: expected a tppgame saved game'),
    (lambda d: (d / "l.json").write_text("[1, 2]") and d / "l.json", "l.json: format: expected a tppgame saved game"),
    (lambda d: rewritten(d / "s.json", lambda x: x.update(format_version=9)), "format_version: expected 1"),
    (lambda d: rewritten(d / "s.json", lambda x: x.update(round="ten")), "s.json: round: expected a value of type int"),
    (lambda d: rewritten(d / "s.json", lambda x: x.update(round=99)),
     "s.json: round: expected a round of the game (at most 40), got 99"),
    (lambda d: rewritten(d / "s.json", lambda x: x.update(seed=-1)), "s.json: seed: expected a whole number"),
    (lambda d: rewritten(d / "s.json", lambda x: x.update(seed=2**63)),          # saved by --seed before it was checked
     f"s.json: seed: expected a whole number from 0 to 2^63 - 1, got {2**63}"),
    (lambda d: rewritten(d / "s.json", lambda x: x["moves"].append({"round": 1, "move": "cheat"})), "moves[0]"),
    (lambda d: rewritten(d / "s.json", lambda x: x["scenario"]["settings"].update(rounds=0)),
     "s.json: scenario.settings: expected settings this version of tppgame can play"),
    (lambda d: rewritten(d / "s.json", lambda x: x["state"].update(events_sha256="0" * 16)),
     "s.json: state: expected the game saved at round 10; replayed, it went otherwise"),
    (lambda d: rewritten(d / "s.json", lambda x: x.update(seed=4)),
     "replayed, it went otherwise (the file has been changed since it was saved)"),
    (lambda d: rewritten(d / "s.json", lambda x: x.update(negotiators={"XXX": "person"})),
     "s.json: negotiators: expected countries of the scenario (USA, JPN,"),
    (lambda d: rewritten(d / "s.json", lambda x: x.update(branches=[{"round": 3, "label": "x", "set": {"rounds": 50}}])),
     "s.json: branches[0].set: expected settings a branch can change"),
    (lambda d: rewritten(d / "s.json", lambda x: x.update(
        branches=[{"round": 3, "label": "x", "set": {"countries.JPN.patience": "a"}}])),
     "s.json: branches[0].set: expected settings a branch can change (shock 'x': countries.JPN.patience"),
    # a field this version does not write, and the fields kept for a reader, were read without a word
    (lambda d: rewritten(d / "s.json", lambda x: x.update(comment="mine")),
     "s.json: comment: expected a field of a saved game (one of format, format_version, code, scenario,"),
    (lambda d: rewritten(d / "s.json", lambda x: x["scenario"].update(extends="baseline")),
     "s.json: scenario.extends: expected a field of a saved game (one of name, file, settings)"),
    (lambda d: rewritten(d / "s.json", lambda x: x.update(date="2016-01-01")),
     "s.json: date: expected the date of the game saved at round 10 when replayed (2014-04-01): the file has been "
     "changed since it was saved, got '2016-01-01'"),
    (lambda d: rewritten(d / "s.json", lambda x: x.update(changed_settings={"countries.JPN.patience": 0.1})),
     "s.json: changed_settings: expected the changed_settings of the game saved at round 10 when replayed"),
])
def test_a_bad_saved_file_is_one_line(saved_file, one_error_line, make, message):
    path = make(saved_file.parent)
    assert message in one_error_line(["--from", str(path)])


JSON = st.recursive(st.none() | st.booleans() | st.integers(-3, 50) | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=8)


@settings(max_examples=40, deadline=None)
@given(key=st.sampled_from(["format", "format_version", "scenario", "seed", "round", "waiting_for_players",
                            "negotiators", "moves", "branches", "state", "code"]), value=JSON)
def test_a_saved_game_with_any_field_replaced_continues_or_is_one_clean_error(key, value):
    """Whatever a field of a saved game holds, continuing it either works or raises the one-line
    ScenarioError (a SnapshotError or a setting's error), never another exception."""
    data = {**SAVED_TOKYO, key: value}
    try:
        TPPModel.from_snapshot(data)
    except ScenarioError as err:
        assert "\n" not in str(err)


def test_a_saved_file_without_the_fields_kept_for_a_reader_still_continues(saved_file):
    """A file saved before changed_settings was written (it lacks the field) continues as before."""
    rewritten(saved_file, lambda x: x.pop("changed_settings"))
    assert TPPModel.from_snapshot(saved_file).round == 10


def test_a_named_pipe_is_refused_without_waiting(tmp_path, one_error_line):
    os.mkfifo(tmp_path / "pipe.json")
    assert "expected a saved game: a regular JSON file" in one_error_line(["--from", str(tmp_path / "pipe.json")])


@pytest.mark.parametrize("args, message", [
    (["--from", "s.json", "tokyo_2014"], 'the game was saved from the scenario "Baseline'),
    (["--from", "s.json", "--seed", "4"], "--seed 4: a saved game keeps its seed (2013)"),
    (["--from", "s.json", "--set", "rounds=50"], "--set: rounds: expected a country, bargaining or agreement setting"),
    (["--from", "s.json", "--set", "headlines=[]"], "--set: headlines: expected a country, bargaining or agreement"),
    (["--from", "s.json", "--set", 'history.summary="x"'], "--set: history.summary: expected a country, bargaining"),
    (["--from", "s.json", "--set", "countries.JPN.sensitivity.rice=-1"],
     "--set: countries.JPN.sensitivity.rice: expected a number from 0 to 10, got -1"),
    # the branch applied it as a --set, and the line named --set
    (["--from", "s.json", "--negotiator", "JPN=nosuch"],
     "error: --negotiator: countries.JPN.tactic: expected a registered negotiator"),
    (["--from", "s.json", "--stop-at", "3", "--save", "x.json"], "--stop-at 3: expected a round from 11 to 39"),
    (["baseline", "--stop-at", "40", "--save", "x.json"],
     "--stop-at 40: expected a round from 1 to 39 (the game has 40), or a month from 2013-07 to 2016-09"),
    (["baseline", "--stop-at", "2013-06", "--save", "x.json"], "--stop-at 2013-06: expected a round from 1 to 39"),
    (["baseline", "--stop-at", "April", "--save", "x.json"], "--stop-at April: expected a round"),
    (["baseline", "--stop-at", "5"], "--stop-at and --save: expected both"),
    (["baseline", "--stop-at", "5", "--save", "x.json", "--out", "o"],    # --out was ignored without a word
     "--out o: a game stopped by --stop-at writes no results, only the saved game (--save FILE)"),
    (["baseline", "--save", "x.json"], "--stop-at and --save: expected both"),
    (["baseline", "--stop-at", "5", "--save", "nowhere/x.json"], "--save nowhere/x.json: could not write results"),
])
def test_bad_options_are_one_line(saved_file, one_error_line, args, message):
    assert message in one_error_line(args)
    assert not Path("x.json").exists()


def test_a_finished_game_cannot_branch_and_python_seeds_must_be_whole_numbers():
    import numpy as np

    finished = played(TPPModel("tokyo_2014")).snapshot()
    assert played(TPPModel.from_snapshot(finished)).round == 12
    with pytest.raises(SnapshotError, match="a round before the last"):
        TPPModel.from_snapshot(finished, overrides={"countries.JPN.patience": 0.5})
    with pytest.raises(ValueError, match="whole-number seed"):
        TPPModel("tokyo_2014", rng=np.random.default_rng(1)).snapshot()
    with pytest.raises(ValueError, match="record=True"):
        TPPModel("tokyo_2014", record=False).snapshot()


def test_a_negotiator_given_from_python_must_be_given_again():
    from tppgame.game.negotiators import Conceder

    saved = stopped("tokyo_2014", 3, 4, negotiators={"JPN": Conceder()}).snapshot()
    assert saved["negotiators"] == {"JPN": "python:tppgame.game.negotiators.time_dependent.Conceder"}
    with pytest.raises(SnapshotError, match=r"negotiators.JPN: expected the negotiator given from Python again"):
        TPPModel.from_snapshot(saved)
    whole = played(TPPModel("tokyo_2014", rng=3, negotiators={"JPN": Conceder()}))
    again = played(TPPModel.from_snapshot(saved, negotiators={"JPN": Conceder()}))
    assert again.log.to_jsonl() == whole.log.to_jsonl()
    assert read_snapshot(saved).seed == 3


def test_a_game_saved_with_a_persons_seat_goes_on_only_with_that_seat(tmp_path, one_error_line, monkeypatch, capsys):
    """A game saved from Python while Japan's player had round 1 before them: ``play --as USA --from``
    stopped with a traceback (two seats, which the terminal cannot play), ``play --as JPN --from`` was
    refused ("JPN is already played by a person"), and ``run.py --from`` played on with nobody moving
    for Japan (its talks passed every round), silently. Now the seat saved goes on with ``play --as JPN``."""
    import io

    from tppgame.cli import main

    model = stopped("baseline", 3, 1, seat="JPN")
    assert model.waiting_for_seat
    path = tmp_path / "seat.json"
    model.snapshot(path)
    monkeypatch.chdir(tmp_path)
    refusal = (f"error: --from {path}: the game was saved with JPN played by a person; "
               f"continue it with run.py play --as JPN --from {path}")
    assert one_error_line(["play", "--as", "USA", "--from", str(path)]) == refusal
    assert one_error_line(["--from", str(path), "--quiet"]) == refusal
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seat.json"]          # nothing written
    monkeypatch.setattr("sys.stdin", io.StringIO(""))     # no more input: Japan's negotiators play on
    assert main(["play", "--as", "jpn", "--from", str(path), "--out", str(tmp_path / "out")]) == 0
    assert "JPN -> " in capsys.readouterr().out          # the round waited for Japan's player again
    events = [json.loads(line) for line in (tmp_path / "out" / "events.jsonl").read_text().splitlines()]
    assert any(e["kind"] == "deal" and "JPN" in e["talk"] and e["round"] > 1 for e in events)


def test_a_saved_move_whose_offer_is_not_a_table_is_one_line(tmp_path, one_error_line):
    """A player's saved offer edited by hand into a list (``"gives": [1]``) stopped ``--from`` with
    AttributeError and a traceback; it is the same one line as any move the replayed game cannot make."""
    model = stopped("baseline", 3, 1, seat="JPN")
    talk = model.seat_talks[0]
    model.propose(talk.label, talk.suggestion.gives, talk.suggestion.asks)
    data = model.snapshot()
    data["moves"][0]["gives"] = [1]
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(data))
    assert one_error_line(["play", "--as", "JPN", "--from", str(path)]) == (
        f"error: {path}: moves (round 1): expected moves the replayed game can make (you give: expected sectors "
        "with their values (sector = 0 to 1), got list)")
