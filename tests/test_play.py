"""Play mode: a person negotiates for Japan at the terminal (tppgame.classroom.play and ``run.py play``).

The judged-indices game (the old baseline, on which the script's replies were observed) with seed
3: in round 1 Japan's talks with the US, Canada, Australia and New Zealand meet, none with a zone
of agreement, so the partners say no to modest offers and counter with their reservation; a
generous offer to New Zealand is accepted.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tppgame import TPPModel
from tppgame.cli import main
from tppgame.classroom.play import HELP, play

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = "judged_indices"      # the old baseline's game: the script below was written against it
PROMPT = "[? for help]: "
US_TALK = "US-Japan bilateral deal (binding only within the TPP)"
GENEROUS_TO_NZL = "give beef=0.3 autos=1 auto_parts=1 textiles=1 biologics=1 ask autos=1"

# Round 1, talk by talk: US (offer, no, take the counter), Canada (two bad offers, help, the
# suggested offer, leave the counter), Australia (table, pass), New Zealand (accepted offer).
ROUND_1 = [
    "give rice=0.1 ask autos=0.4", "a",
    "give rice=0.5", "give rice=lots", "?", "s", "p",
    "t", "p",
    GENEROUS_TO_NZL,
]


def run_play(*args: str, script: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONHASHSEED": "random"}
    return subprocess.run([sys.executable, str(ROOT / "run.py"), "play", SCENARIO, *args], cwd=ROOT, capture_output=True,
                          text=True, env=env, input="".join(line + "\n" for line in script), timeout=120)


def scripted(lines: list[str]):
    """An ``ask`` that answers prompts from ``lines``, then reports end of input; and what it was asked."""
    prompts: list[str] = []
    pending = list(lines)

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        if not pending:
            raise EOFError
        return pending.pop(0)

    return ask, prompts


def in_process(lines: list[str], **kwargs) -> tuple[TPPModel, list[str], list[str]]:
    model = TPPModel(SCENARIO, rng=3, seat="JPN", **kwargs)
    ask, prompts = scripted(lines)
    said: list[str] = []
    play(model, ask=ask, say=said.append)
    return model, prompts, said


# ------------------------------------------------------------------ the real command
@pytest.fixture(scope="module")
def session(tmp_path_factory):
    out = tmp_path_factory.mktemp("play")
    result = run_play("--as", "JPN", "--seed", "3", "--out", str(out), script=[*ROUND_1, "auto"])
    return result, out


def test_play_answers_each_command(session):
    result, _ = session
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.startswith("You negotiate for Japan (JPN) in 'Judged indices: the talks valued by judgment'.")
    assert "=== Round 1 (July 2013): 4 of your talks meet" in text
    assert f"-- {US_TALK}: you (Japan) and United States" in text
    # the US says no, with its counter-offer, which Japan takes although it is short of what Japan needs
    assert ("  Your offer: JPN opens rice 0.10; USA opens autos 0.40  -> JPN +0.1471, USA -0.0066\n"
            "  United States says no: it could not get that deal ratified at home.\n"
            "  Their counter-offer: JPN opens rice 0.10, wheat 0.30,") in text
    assert "  Deal: JPN opens rice 0.10, wheat 0.30," in text
    assert "  Note: this gives you -0.0058, short of the +0.1026 you need: your parliament may not ratify" in text
    # bad offers: one line with '!', then the same prompt again
    assert ("  ! you give: rice 0.50 is past your red line (0.10)\n"
            f"JPN -> CAN, your offer {PROMPT}  ! 'rice=lots': expected SECTOR=NUMBER, for example beef=0.4\n"
            f"JPN -> CAN, your offer {PROMPT}" + HELP) in text
    assert "  Canada says no: it could not get that deal ratified at home." in text
    assert f"JPN -> CAN, take the counter-offer (a), or leave it (p) {PROMPT}  You leave their counter-offer." in text
    assert f"JPN -> AUS, your offer {PROMPT}  sector      your red line  AUS red line" in text
    assert f"JPN -> AUS, your offer {PROMPT}  No offer this round." in text
    assert "  New Zealand accepts. Deal closed." in text
    # one prompt per command: after 'auto' nobody asks again
    assert text.count(PROMPT) == len(ROUND_1) + 1
    assert "Round 1 (July 2013):\n  Deal: US-Japan bilateral deal" in text


def test_play_ends_with_the_table_and_writes_the_results(session):
    result, out = session
    text = result.stdout
    assert "Outcome:" in text
    assert "Country       Sig   Util  Outsd   Gain" in text
    assert text.rstrip().endswith(f"Wrote {out / 'rounds.csv'}, {out / 'events.jsonl'}, {out / 'summary.json'}")
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["countries"]) >= {"JPN", "USA", "NZL"}
    rows = (out / "rounds.csv").read_text().splitlines()
    assert len(rows) == 1 + 41 * 12                         # rounds 0-40: the agent played to the end
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    mine = [e for e in events if e["kind"] == "offer" and e["proposer"] == "JPN" and e["round"] == 1]
    assert [e["responder"] for e in mine] == ["USA", "CAN", "NZL"]
    assert (mine[0]["gives"], mine[0]["asks"]) == ({"rice": 0.1}, {"autos": 0.4})
    assert mine[1]["gives"]["wheat"] == 0.0839 and mine[1]["asks"]["autos"] == 0.3415   # the suggested offer
    assert (mine[2]["gives"], mine[2]["asks"]) == (
        {"beef": 0.3, "autos": 1.0, "auto_parts": 1.0, "textiles": 1.0, "biologics": 1.0}, {"autos": 1.0})
    replies = [(e["kind"], e["by"], e.get("proposer")) for e in events
               if e["round"] == 1 and e["kind"] in ("accept", "no_offer") and "JPN" in (e["by"], e.get("proposer"))]
    assert replies == [("accept", "JPN", "USA"), ("no_offer", "JPN", None), ("accept", "NZL", "JPN")]
    deals = {(e["a"], e["b"]) for e in events if e["kind"] == "deal" and e["round"] == 1}
    assert {("USA", "JPN"), ("JPN", "NZL")} <= deals


def test_end_of_input_hands_over_to_the_agent(tmp_path):
    result = run_play("--as", "JPN", "--seed", "3", "--out", str(tmp_path), script=["p"])
    assert result.returncode == 0, result.stderr
    assert "(no more input: your negotiators play the rest of the game)" in result.stdout
    assert result.stdout.count(PROMPT) == 2
    assert len((tmp_path / "rounds.csv").read_text().splitlines()) == 1 + 41 * 12


def test_q_stops_early_and_still_writes_the_results(tmp_path):
    result = run_play("--as", "JPN", "--seed", "3", "--out", str(tmp_path), script=["p", "q"])
    assert result.returncode == 0, result.stderr
    assert "You stopped the game after round 1." in result.stdout
    assert "Round 2" not in result.stdout
    assert result.stdout.count(PROMPT) == 2
    assert "Country       Sig   Util" in result.stdout
    rows = (tmp_path / "rounds.csv").read_text().splitlines()
    assert len(rows) == 1 + 2 * 12                          # rounds 0 and 1
    events = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]
    assert max(e["round"] for e in events) == 1
    assert [e["by"] for e in events if e["kind"] == "no_offer"] == ["JPN"] * 4   # one passed, three left
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert (summary["formed"], summary["finished"], summary["rounds"]) == (False, False, 1)
    # the table says the game was stopped, not that the talks failed over a whole game
    assert "Outcome: no agreement yet: the game was stopped after round 1, before its end." in result.stdout
    assert "no agreement formed in 1 rounds" not in result.stdout


@pytest.mark.parametrize("args, message", [
    (["--as", "XXX"], "error: --as XXX: expected a country of the scenario (USA, JPN, CAN, MEX, AUS, NZL, CHL, "
                      "PER, SGP, MYS, VNM, BRN)"),
    ([], "error: run.py play: the following arguments are required: --as"),
])
def test_bad_play_arguments_get_one_line_and_exit_2(tmp_path, capsys, args, message):
    assert main(["play", *args, "--out", str(tmp_path / "out")]) == 2
    out, err = capsys.readouterr()
    assert err.splitlines() == [message] and out == ""
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ in process
def test_in_process_play_follows_the_script():
    model, prompts, said = in_process([*ROUND_1, "auto"])
    assert prompts[:3] == ["JPN -> USA, your offer [? for help]: ",
                           "JPN -> USA, take the counter-offer (a), or leave it (p) [? for help]: ",
                           "JPN -> CAN, your offer [? for help]: "]
    assert len(prompts) == len(ROUND_1) + 1
    assert "  United States says no: it could not get that deal ratified at home." in said
    assert sum(line.startswith("  ! ") for line in said) == 2
    assert HELP in said
    assert "  New Zealand accepts. Deal closed." in said
    assert model.seat is None and not model.running and model.round == 40
    japan = {(d.round, frozenset((model.countries[d.a], model.countries[d.b]))) for d in model.deals}
    assert {(1, frozenset(("USA", "JPN"))), (1, frozenset(("JPN", "NZL")))} <= japan


def test_a_command_that_does_not_fit_gets_an_error_and_the_prompt_again():
    model, prompts, said = in_process(["a", "", "p", "s", "give autos=1", "", "q"])
    errors = [line for line in said if line.startswith("  ! ")]
    assert errors == ["  ! USA has made no counter-offer to take in US-Japan bilateral deal (binding only within "
                      "the TPP) this round",
                      "  ! you have already made your offer in JPN-CAN TPP market access this round (take their "
                      "counter-offer, "
                      "or finish the round)"]
    # USA: 'a' refused, '' asks again, 'p' passes; CAN: 's' then another offer refused, '' leaves the counter
    assert [p.split(",")[0] for p in prompts] == ["JPN -> USA"] * 3 + ["JPN -> CAN"] * 3 + ["JPN -> AUS"]
    assert "  You leave their counter-offer." in said
    assert "\nYou stopped the game after round 1." in said
    assert model.round == 1 and not model.waiting_for_seat and model.running


@pytest.mark.parametrize("answer", ["y", "", "?"])
def test_an_endless_stream_of_answers_that_move_nothing_hands_over_instead_of_asking_forever(answer):
    # `yes | run.py play --as JPN` printed millions of refusals and never ended
    from tppgame.classroom.play import MOST_IDLE_ANSWERS

    model = TPPModel(SCENARIO, rng=3, seat="JPN")
    prompts: list[str] = []

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        assert len(prompts) <= MOST_IDLE_ANSWERS, "asked past the limit"
        return answer

    said: list[str] = []
    play(model, ask=ask, say=said.append)
    assert len(prompts) == MOST_IDLE_ANSWERS
    assert (f"\n({MOST_IDLE_ANSWERS} answers in a row were not moves, as if no one were typing: your negotiators "
            "play the rest of the game)") in said
    assert model.seat is None and not model.running


def test_stopping_at_the_first_prompt_passes_every_talk():
    model, prompts, said = in_process(["quit"])
    assert len(prompts) == 1
    assert [e["by"] for e in model.log.of_kind("no_offer")] == ["JPN"] * 4
    assert [r.round for r in model.records] == [0, 1]


def test_auto_at_the_first_prompt_lets_the_agent_play_the_whole_game():
    handed, _, said = in_process(["auto"])
    assert not any(line.startswith("\n=== Round 2") for line in said)
    assert handed.round == 40 and handed.seat is None
    japan_offers = [e for e in handed.log.of_kind("offer") if e["round"] == 1 and "JPN" in (e["proposer"],
                                                                                          e["responder"])]
    assert {e["responder"] if e["proposer"] == "JPN" else e["proposer"] for e in japan_offers} == {
        "USA", "CAN", "AUS", "NZL"}


def test_the_same_script_gives_the_same_game():
    first, _, said_first = in_process([*ROUND_1, "p", "p", "p", "p", "auto"])
    second, _, said_second = in_process([*ROUND_1, "p", "p", "p", "p", "auto"])
    assert said_first == said_second
    assert first.log.to_jsonl() == second.log.to_jsonl()


def test_passing_every_talk_of_a_round_with_two_talks_with_one_partner_moves_on():
    # seed 3, round 9: JPN-SGP, JPN-AUS (TPP), Japan-Australia EPA, US-Japan; rounds 1-8 have four talks each
    model, prompts, said = in_process(["p"] * (9 * 4) + ["q"])
    assert "\nYou stopped the game after round 10." in said


@pytest.mark.parametrize("signal_name, status, said", [
    ("SIGINT", 130, "interrupted after round 1: the game so far follows"),
    ("SIGHUP", 129, "hung up: the game so far follows"),          # the terminal closed
])
def test_ctrl_c_or_a_hang_up_keeps_the_game_so_far(tmp_path, signal_name, status, said):
    """Ctrl-C at a prompt ends the game like q: the round is finished, its results written, exit 130;
    closing the terminal (SIGHUP) does the same with exit 129."""
    import signal

    out = tmp_path / "interrupted"
    proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "play", "--as", "JPN", "--seed", "3",
                             "--out", str(out)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        seen = ""
        while not seen.endswith(PROMPT):                  # wait for the first prompt
            char = proc.stdout.read(1)
            assert char, f"the game ended before its first prompt: {seen[-500:]}"
            seen += char
        proc.send_signal(getattr(signal, signal_name))
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == status, stderr
    assert said in stdout
    assert "Traceback" not in stderr
    assert {p.name for p in out.iterdir()} == {"rounds.csv", "events.jsonl", "summary.json"}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["rounds"] == 1 and not summary["formed"]
