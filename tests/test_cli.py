"""The command line as a user runs it: the story, the table, the files, and bad input."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tppgame.cli import host_warning, main
from tppgame.cli_args import parse_setting
from tppgame.experiments.headlines import PLAYED_TOGETHER

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONHASHSEED": "random"}
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *args], cwd=cwd, capture_output=True,
                          text=True, env=env, stdin=subprocess.DEVNULL, timeout=300)


@pytest.fixture(scope="module")
def baseline_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("baseline")
    result = run_cli("--out", str(out))
    return result, out


def test_default_run_tells_the_story_and_ends_with_the_table(baseline_run):
    result, _ = baseline_run
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "Round 1 (July 2013)" in text
    assert "Summit met: Obama's state visit to Tokyo." in text        # a provisional deal (seed 2013)
    assert "Deadline missed: Singapore ministerial: the end-2013 target." in text
    assert "Event: Congress passes trade promotion authority" in text
    assert "Reopened: US-Japan bilateral deal (binding only within the TPP)" in text
    assert "Offer: Brunei, refused for offering too little, opens services" in text
    assert "Deal: Japan-Australia EPA closed (a side deal, in force from now on)" in text
    assert "AGREEMENT FORMED" in text
    assert "Outcome: agreement formed in round" in text
    assert "Entry into force" in text
    for name in ("United States", "Japan", "Vietnam", "Brunei"):
        assert name in text.split("Outcome:")[1]


def test_outputs_are_written(baseline_run):
    _, out = baseline_run
    summary = json.loads((out / "summary.json").read_text())
    assert isinstance(summary["formed"], bool)
    assert summary["round"] is None or isinstance(summary["round"], int)
    assert set(summary["countries"]) == {"USA", "JPN", "CAN", "MEX", "AUS", "NZL", "CHL", "PER", "SGP", "MYS",
                                         "VNM", "BRN"}
    for country in summary["countries"].values():
        assert {"utility", "outside_option", "concessions"} <= set(country)
        assert len(country["concessions"]) == 11          # the ten sectors and the services chapter
    assert {"gdp_share", "in_force", "members"} <= set(summary)
    rows = (out / "rounds.csv").read_text().splitlines()
    assert rows[0].startswith("round,date,country,member,accepts,utility,outside_option")
    assert len(rows) == 1 + 41 * 12
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    kinds = {e["kind"] for e in events}
    assert {"offer", "accept", "reject", "deal", "deadline", "shock", "agreement_formed"} <= kinds


def test_same_seed_gives_byte_identical_files_in_separate_processes(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    assert run_cli("--seed", "11", "--quiet", "--out", str(first)).returncode == 0
    assert run_cli("--seed", "11", "--quiet", "--out", str(second)).returncode == 0
    for name in ("rounds.csv", "events.jsonl", "summary.json"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_set_overrides_a_setting(tmp_path, capsys):
    code = main(["--quiet", "--out", str(tmp_path), "--set", "bargaining.protocol=\"nash\"",
                 "--set", "countries.JPN.sensitivity.rice=2.5"])
    assert code == 0
    assert "Outcome:" in capsys.readouterr().out


@pytest.mark.parametrize("args, needle", [
    (["nosuch"], "nosuch.toml: (file): expected an existing scenario file"),
    (["--set", "countries.JPN.sensitivity.rice=-1"], "countries.JPN.sensitivity.rice: expected a number from 0 to 10"),
    (["--set", "countries.XXX.tactic=\"linear\""], "countries.XXX: expected a known setting"),
    (["--set", "bargaining.protocol=\"haggle\""], "bargaining.protocol: expected one of alternating"),
    (["--set", "nonsense"], "expected PATH=VALUE"),
    (["--set", " =5"], "error: --set  =5: expected PATH=VALUE"),   # was '--set: (file): expected a known setting'
    (["--seed", "-3"], "--seed: expected a whole number from 0 to 2^63 - 1, got '-3'"),
    (["--seed", "x"], "--seed: expected a whole number from 0 to 2^63 - 1, got 'x'"),
    # the scenario's seed setting said 'from 0 to 9.22337e+18', a rounder number than the largest seed
    (["--set", "seed=-3"], "--set: seed: expected a whole number from 0 to 2^63 - 1, got -3"),
])
def test_bad_input_is_one_line_and_exit_2(args, needle, tmp_path):
    result = run_cli(*args, "--out", str(tmp_path / "o"))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert needle in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args, needle", [
    # a seed the scenario's seed setting refuses was played, saved and exported (2^63 and beyond)
    (["--seed", str(2**63)], f"--seed: expected a whole number from 0 to 2^63 - 1, got '{2**63}'"),
    (["compare", "baseline", "tokyo_2014", "--seed", "1" + "0" * 22], "--seed: expected a whole number from 0"),
    (["compare", "baseline", "tokyo_2014", "--seeds", "0"], "--seeds 0: expected a whole number from 1 to 10000"),
    (["play", "--as", "JPN", "--seed", str(2**64)], "--seed: expected a whole number from 0 to 2^63 - 1"),
    (["robustness", "baseline", "--seeds", "2", "--first-seed", str(2**63 - 1)],
     f"--first-seed {2**63 - 1} --seeds 2: expected seeds up to 2^63 - 1, the last would be {2**63}"),
    (["teaching-pack", "--seeds", "2", "--first-seed", str(2**63 - 1)], "expected seeds up to 2^63 - 1"),
    # a billion seeds: robustness built the list of them in memory before playing the first
    (["robustness", "baseline", "--seeds", str(10**9)], f"--seeds {10**9}: expected a whole number from 1 to 10000"),
])
def test_seeds_beyond_what_a_game_accepts_are_refused_before_any_game(args, needle, tmp_path):
    out = tmp_path / "o"
    result = run_cli(*args, "--out", str(out))
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and needle in result.stderr, result.stderr
    assert not out.exists()


def test_bad_scenario_file_names_file_path_and_expectation(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "baseline"\nrounds = "ten"\n')
    (tmp_path / "baseline.toml").write_text((ROOT / "scenarios" / "baseline.toml").read_text())
    result = run_cli(str(bad), "--out", str(tmp_path / "o"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {bad}: rounds: expected a whole number from 1 to 1000, got 'ten'"


def test_out_pointing_at_a_file_is_refused(tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("x")
    result = run_cli("--out", str(target))
    assert result.returncode == 2
    assert "expected a folder" in result.stderr


def test_parse_setting_reads_toml_values():
    assert parse_setting("a.b=2.5") == ("a.b", 2.5)
    assert parse_setting("a.b=true") == ("a.b", True)
    assert parse_setting('a.b="x"') == ("a.b", "x")
    assert parse_setting("a.b=boulware") == ("a.b", "boulware")


def _no_constants(name: str) -> None:
    raise AssertionError(f"events.jsonl holds {name}, which is not JSON")


def test_event_log_is_strict_json_under_a_benchmark_protocol(tmp_path):
    """The Nash protocol has no aspirations (NaN inside the game): the file says null, not NaN."""
    out = tmp_path / "nash"
    result = run_cli("--set", 'bargaining.protocol="nash"', "--quiet", "--out", str(out))
    assert result.returncode == 0, result.stderr
    offers = [json.loads(line, parse_constant=_no_constants)
              for line in (out / "events.jsonl").read_text().splitlines()]
    offers = [e for e in offers if e["kind"] == "offer"]
    assert offers and all(e["aspiration_responder"] is None for e in offers)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST", "::1", "127.0.0.2"])
def test_dashboard_on_this_computer_only_gets_no_warning(host):
    assert host_warning(host) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.5", "classroom.example.org", "localhost.evil"])
def test_dashboard_reachable_from_other_machines_gets_a_one_line_warning(host):
    warning = host_warning(host)
    assert warning == (f"warning: --host {host}: the dashboard is reachable from other machines on the network, "
                       "without a password (--host 127.0.0.1 keeps it to this computer)")
    assert "\n" not in warning


COMMAND_NAMES = ("run", "list", "play", "compare", "robustness", "sweep", "sweep-report", "tournament", "dashboard",
                 "power", "teaching-pack", "debrief", "help")


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["help"]])
def test_top_level_help_lists_every_command_with_a_line(args):
    result = run_cli(*args)
    assert result.returncode == 0 and result.stderr == ""
    listed = result.stdout.split("\ncommands:\n")[1].splitlines()
    for name in COMMAND_NAMES:
        assert any(line.split()[:1] == [name] and len(line.split()) > 2 for line in listed), name


def test_help_for_a_command_and_for_an_unknown_one(capsys):
    with pytest.raises(SystemExit) as done:
        main(["help", "sweep"])
    assert done.value.code == 0 and capsys.readouterr().out.startswith("usage: run.py sweep")
    assert main(["help", "bogus"]) == 2
    assert capsys.readouterr().err == ("error: help bogus: expected one command of run, list, compare, robustness, "
                                       "sweep, sweep-report, tournament, play, dashboard, power, teaching-pack, debrief, classroom, help\n")
    for argv in (["help", "help"], ["help", "--help"]):     # help is a command it lists: "help help" was refused
        assert main(argv) == 0 and capsys.readouterr().out.startswith("usage: run.py [COMMAND]")


def test_an_unknown_word_is_neither_a_scenario_nor_a_command():
    result = run_cli("bogus")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == ("error: scenarios/bogus.toml: (file): expected an existing "
                             "scenario file (nor is it a command: run.py --help lists them)\n")


@pytest.mark.parametrize("command, kind", [([], "folder"), (["compare", "tokyo_2014", "baseline"], "file"),
                                           (["robustness", "tokyo_2014"], "file"), (["play", "--as", "JPN"], "folder"),
                                           (["sweep", "tokyo_2014"], "folder"), (["tournament"], "folder"),
                                           (["sweep-report", "somewhere"], "folder"), (["power"], "folder"),
                                           (["teaching-pack"], "folder"), (["debrief"], "folder")])
def test_an_empty_out_name_is_refused(command, kind, tmp_path, capsys):
    assert main([*command, "--out", ""]) == 2
    prog = " ".join(["run.py", *command[:1]])
    assert capsys.readouterr().err == f"error: {prog}: argument --out: expected a {kind} name, got an empty one ('')\n"
    assert not list(tmp_path.iterdir())


def test_output_files_follow_the_umask(tmp_path):
    previous = os.umask(0o027)
    try:
        out = tmp_path / "masked"
        assert main(["tokyo_2014", "--quiet", "--out", str(out)]) == 0
        assert main(["compare", "tokyo_2014", "tpp_without_japan", "--out", str(tmp_path / "c.csv")]) == 0
    finally:
        os.umask(previous)
    for path in [*out.iterdir(), tmp_path / "c.csv"]:
        assert path.stat().st_mode & 0o777 == 0o640, path


# The robustness command in a process of its own, each finished game counted in a file (the test
# waits for the second group of seeds played side by side to begin finishing before it presses Ctrl-C).
COUNTING = """
import sys
from pathlib import Path
import tppgame.experiments.headlines as headlines
from tppgame.cli import main
real_play, counter = headlines.play, Path(sys.argv[1])
def play(*args, **kwargs):
    model = real_play(*args, **kwargs)
    counter.write_text(str(int(counter.read_text() or 0) + 1) if counter.exists() else "1")
    return model
headlines.play = play
raise SystemExit(main(sys.argv[2:]))
"""


def test_ctrl_c_during_robustness_keeps_the_seeds_that_finished(tmp_path):
    import signal
    import time

    counter, out = tmp_path / "games", tmp_path / "robust.csv"
    proc = subprocess.Popen([sys.executable, "-c", COUNTING, str(counter), "robustness", "tokyo_2014",
                             "--seeds", "5000", "--out", str(out)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 120
        # the counter moves when a game ends, before its row is kept; the seeds are played PLAYED_TOGETHER
        # at a time, the next group only once every row of the last is kept: past one group, that many are
        while not counter.exists() or int(counter.read_text() or 0) <= PLAYED_TOGETHER:
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.poll() else ""
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130 and stderr == ""
    kept = out.read_text().splitlines()[1:]
    assert len(kept) >= PLAYED_TOGETHER and [int(line.split(",")[0]) for line in kept] == list(range(len(kept)))
    lines = stdout.splitlines()
    assert lines[1] == (f"interrupted after {len(kept)} of 5000 seeds: PARTIAL results for the seeds that finished")
    assert lines[2] == f"Tokyo talks and the April 2014 deadline: seeds 0-{len(kept) - 1}"
    assert lines[-1] == f"Wrote {out} (partial: {len(kept)} of 5000 seeds)"


@pytest.mark.parametrize("second", ["baseline", "scenarios/baseline.toml"])
def test_compare_refuses_the_same_scenario_twice(second, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    out = tmp_path / "c.csv"
    assert main(["compare", "baseline", second, "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [f"error: compare baseline {second}: expected two different scenarios, "
                                         "both are scenarios/baseline.toml"]
    assert captured.out == "" and not out.exists()


def test_compare_keeps_a_column_each_for_two_files_of_the_same_name(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    other = tmp_path / "baseline.toml"        # another scenario file named baseline.toml: a column was lost
    other.write_text((ROOT / "scenarios" / "baseline.toml").read_text().replace('name = "', 'name = "Other ', 1))
    out = tmp_path / "c.csv"
    assert main(["compare", "baseline", str(other), "--seed", "3", "--out", str(out)]) == 0
    assert out.read_text().splitlines()[0] == f"measure,scenarios/baseline.toml,{other}"


def test_compare_says_when_each_run_ends(tmp_path, capsys):
    """baseline against tokyo_2014: the second stops in June 2014, so its 'formed: no' is the end of its
    calendar, not a failure of the talks; the table and the CSV say each run's last month."""
    out = tmp_path / "c.csv"
    assert main(["compare", "baseline", "tokyo_2014", "--seed", "7", "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[3].split() == ["formed", "yes", "no"]
    assert lines[4].split() == ["last_month", "October", "2016", "June", "2014"]
    assert out.read_text().splitlines()[1:3] == ["formed,True,False", "last_month,October 2016,June 2014"]


def test_compare_refuses_a_folder_as_out_before_playing(tmp_path, capsys):
    assert main(["compare", "baseline", "tokyo_2014", "--out", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [f"error: --out {tmp_path}: expected a file, found a folder"]
    assert captured.out == ""            # no game played, no table printed


@pytest.mark.parametrize("command", [["compare", "baseline", "tokyo_2014", "--out"],
                                     ["robustness", "tokyo_2014", "--seeds", "1", "--out"],
                                     ["tokyo_2014", "--stop-at", "2", "--save"]])
def test_a_results_file_named_as_a_folder_or_under_a_file_is_refused_before_playing(tmp_path, capsys, command):
    """'--save games/' wrote a file named games (the slash dropped); a file under a file (a.txt/r.csv) played
    every game, then said 'could not write results (File exists)'."""
    option = command[-1]
    assert main([*command, f"{tmp_path}/games/"]) == 2
    assert capsys.readouterr().err.endswith(f"argument {option}: expected a file name, got a folder's "
                                            f"('{tmp_path}/games/' ends with /)\n")
    (tmp_path / "a.txt").write_text("")
    assert main([*command, str(tmp_path / "a.txt" / "r.csv")]) == 2
    captured = capsys.readouterr()
    assert captured.err == (f"error: {option} {tmp_path / 'a.txt' / 'r.csv'}: expected a file in a folder, but "
                            f"{tmp_path / 'a.txt'} is a file\n") and captured.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


@pytest.mark.parametrize("command", [["compare", "baseline", "tokyo_2014", "--out"],
                                     ["robustness", "tokyo_2014", "--seeds", "1", "--out"],
                                     ["tokyo_2014", "--stop-at", "2", "--save"]])
def test_a_pipe_or_device_as_a_results_file_is_refused_not_replaced(tmp_path, capsys, command):
    """A results file named by a pipe (or a device such as /dev/full) was replaced by a regular file: the
    results are written beside it and renamed onto it (run as root, --save /dev/full replaced the device)."""
    pipe = tmp_path / "results"
    os.mkfifo(pipe)
    assert main([*command, str(pipe)]) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [f"error: {command[-1]} {pipe}: expected a regular file, found a pipe, "
                                         "socket or device"]
    assert captured.out == "" and pipe.is_fifo() and sorted(tmp_path.iterdir()) == [pipe]


@pytest.mark.parametrize("args, needle", [
    (["--set", "countries.JPN.beta=1", "--set", "countries.JPN.beta=2"],
     "--set countries.JPN.beta: given twice; give each setting once"),
    (["power", "--set", "agreement.entry_rule=tpp", "--set", "agreement.entry_rule = cptpp"],
     "--set agreement.entry_rule: given twice"),
    (["--negotiator", "JPN=linear", "--negotiator", "JPN=conceder"],
     "--negotiator JPN=conceder: JPN's negotiator is chosen twice"),
    (["--set", "countries.JPN.tactic=conceder", "--negotiator", "JPN=linear"],
     "--negotiator JPN=linear: JPN's negotiator is chosen twice (by --negotiator or --set countries.JPN.tactic)"),
])
def test_a_setting_given_twice_is_refused_not_silently_the_last(args, needle, tmp_path, capsys):
    out = tmp_path / "o"
    assert main([*args, "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [f"error: {needle}"] or (len(captured.err.splitlines()) == 1
                                                                 and needle in captured.err), captured.err
    assert captured.out == "" and not out.exists()


LONG = "a" * 300       # longer than any file system's name (255 bytes): each look at it raised ENAMETOOLONG


@pytest.mark.parametrize("argv, option", [
    (["--out", "{long}"], "run.py: argument --out: expected a folder name"),
    (["--stop-at", "3", "--save", "{long}.json"], "run.py: argument --save: expected a file name"),
    (["compare", "baseline", "tokyo_2014", "--out", "{long}.csv"], "run.py compare: argument --out"),
    (["robustness", "baseline", "--out", "{long}.csv"], "run.py robustness: argument --out"),
    (["power", "--out", "{long}"], "run.py power: argument --out"),
    (["sweep", "baseline", "--vary", "countries.JPN.beta=[1]", "--out", "{long}"], "run.py sweep: argument --out"),
    (["sweep-report", "{long}"], "run.py sweep-report: argument DIR: expected a folder name"),
    (["classroom", "--db", "{long}"], "run.py classroom: argument --db: expected a file name"),
    (["{long}.toml"], "{long}.toml: (file): expected a readable scenario file (File name too long)"),
    ([LONG], f"{LONG}.toml: (file): expected a readable scenario file (File name too long)"),
])
def test_a_name_too_long_for_the_system_is_one_line(argv, option, tmp_path, capsys):
    long = str(tmp_path / LONG)
    assert main([arg.format(long=long) for arg in argv]) == 2
    captured = capsys.readouterr()
    assert len(captured.err.splitlines()) == 1 and option.format(long=long) in captured.err, captured.err
    assert captured.out == "" and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv, option", [
    (["robustness", "{own}/tokyo_2014.toml", "--seeds", "1", "--out", "{own}/tokyo_2014.toml"], "--out"),
    (["robustness", "{own}/tokyo_2014.toml", "--seeds", "1", "--out", "{own}/baseline.toml"], "--out"),  # it extends
    (["compare", "{own}/tokyo_2014.toml", "tpp_without_japan", "--out", "{own}/baseline.toml"], "--out"),
    (["{own}/tokyo_2014.toml", "--stop-at", "3", "--save", "{own}/tokyo_2014.toml"], "--save"),
])
def test_results_never_replace_a_scenario_file_the_command_reads(argv, option, tmp_path, capsys):
    own = tmp_path / "scenarios"        # a teacher's own scenarios: the results were written over them
    own.mkdir()
    for name in ("baseline.toml", "tokyo_2014.toml"):
        (own / name).write_bytes((ROOT / "scenarios" / name).read_bytes())
    before = {p.name: p.read_bytes() for p in own.iterdir()}
    target = argv[-1].format(own=own)
    assert main([arg.format(own=own) for arg in argv]) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [f"error: {option} {target}: expected a results file, not a scenario file "
                                         "the command reads (the results would replace it)"]
    assert captured.out == "" and {p.name: p.read_bytes() for p in own.iterdir()} == before


def test_results_never_replace_a_teaching_note_beside_a_scenario_the_command_reads(tmp_path, capsys):
    """robustness --out scenarios/baseline.md wrote its CSV over the baseline's teaching note."""
    own = tmp_path / "scenarios"
    own.mkdir()
    for name in ("baseline.toml", "tokyo_2014.toml", "baseline.md"):
        (own / name).write_bytes((ROOT / "scenarios" / name).read_bytes())
    before = {p.name: p.read_bytes() for p in own.iterdir()}
    assert main(["robustness", str(own / "tokyo_2014.toml"), "--seeds", "1", "--out", str(own / "baseline.md")]) == 2
    assert capsys.readouterr().err.splitlines() == [f"error: --out {own / 'baseline.md'}: expected a results file, "
                                                    "not a scenario's teaching note (the results would replace it)"]
    assert {p.name: p.read_bytes() for p in own.iterdir()} == before


def test_on_a_terminal_the_story_is_wrapped_to_its_width_and_a_file_keeps_a_sentence_a_line(tmp_path, capsys,
                                                                                           monkeypatch):
    """A status line of some 370 characters ran off an 80-column terminal; on a terminal every line of the
    story now fits its width (words whole, continuation lines indented two more), and says the same words;
    printed to a file or a pipe (as here without the terminal) a sentence stays on one line."""
    from tppgame.cli_args import wrapped

    assert wrapped("   Deal: A opens rice 0.10, beef 0.20", 20) == ["   Deal: A opens", "     rice 0.10, beef", "     0.20"]
    assert wrapped("short", 20) == ["short"] and wrapped("x" * 50, None) == ["x" * 50]
    assert main(["tokyo_2014", "--seed", "1", "--out", str(tmp_path / "plain")]) == 0
    plain = capsys.readouterr().out
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setattr("shutil.get_terminal_size", lambda fallback=(100, 24): os.terminal_size((80, 24)))
    assert main(["tokyo_2014", "--seed", "1", "--out", str(tmp_path / "tty")]) == 0
    shown = capsys.readouterr().out
    story, told = (text.split("\n\n")[1] for text in (plain, shown))       # the rounds, before the final table
    assert max(len(line) for line in story.splitlines()) > 100
    assert max(len(line) for line in told.splitlines()) <= 80
    assert " ".join(story.split()) == " ".join(told.split())                # the same words, in order


def test_compare_over_seeds_gives_each_difference_seed_by_seed_with_its_interval(tmp_path, capsys):
    """``compare --seeds 3``: both scenarios play seeds 5, 6, 7; each utility's difference is the mean of the
    three games' differences with its t-interval (t(0.975, 2) = 4.303), as the games played one by one give."""
    import csv
    import math

    from scipy.stats import t

    from tppgame.experiments.headlines import play
    from tppgame.game.scenario import load_scenario

    out = tmp_path / "c.csv"
    assert main(["compare", "tokyo_2014", "tpp_without_japan", "--seeds", "3", "--seed", "5", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("Same seeds (5-7, 3) for both: each measure's mean")
    with open(out, newline="", encoding="utf-8") as handle:
        rows = {r["measure"]: r for r in csv.DictReader(handle)}
    assert list(rows["formed"]) == ["measure", "tokyo_2014", "tpp_without_japan", "difference", "low", "high", "seeds"]
    games = [[play(load_scenario(name), seed).summary() for seed in (5, 6, 7)]
             for name in ("tokyo_2014", "tpp_without_japan")]
    for code in ("USA", "AUS"):
        gaps = [b["countries"][code]["utility"] - a["countries"][code]["utility"] for a, b in zip(*games)]
        half = t.ppf(0.975, 2) * float(np.std(gaps, ddof=1)) / math.sqrt(3)
        row = rows[f"utility {code}"]
        assert float(row["difference"]) == pytest.approx(np.mean(gaps))
        assert (float(row["low"]), float(row["high"])) == pytest.approx((np.mean(gaps) - half, np.mean(gaps) + half))
        assert row["seeds"] == "3"
        noise = np.mean(gaps) - half <= 0 <= np.mean(gaps) + half
        line = next(line for line in printed.splitlines() if line.startswith(f"utility {code} "))
        assert line.endswith(" noise") == noise
    assert rows["formed"]["tokyo_2014"] == str(np.mean([g["formed"] for g in games[0]]))
    assert rows["last_month"]["tokyo_2014"] == "June 2014"          # the same in every seed: no count


def test_a_fragile_headline_whose_interval_reaches_the_bar_is_not_called_surely_fragile():
    """7 of 10 seeds (Wilson 40% to 89%) read 'FRAGILE (holds in fewer than 80% of seeds)' as flatly as 0 of 30
    (0% to 11%), while 8 of 10 (49% to 94%) said the seeds were too few to be sure; tokyo_2014's headline 2,
    marked FRAGILE on seeds 0-9, holds in 88% of seeds 0-99."""
    from tppgame.cli import _verdict
    from tppgame.experiments.sweep_agreement import wilson

    low, high = wilson(7, 10)
    assert (round(low, 2), round(high, 2)) == (0.40, 0.89)
    assert _verdict(0.7, low, high, 0.8) == ("FRAGILE in these seeds, too few to be sure (holds in fewer than 80% "
                                             "of them; the interval reaches above 80%)")
    assert _verdict(0.0, *wilson(0, 30), 0.8) == "FRAGILE (holds in fewer than 80% of seeds)"
    assert _verdict(0.8, *wilson(8, 10), 0.8) == ("robust in these seeds, too few to be sure (the interval reaches "
                                                  "below 80%)")
    assert _verdict(0.9, *wilson(90, 100), 0.8) == "robust"


def test_a_name_the_terminals_encoding_lacks_is_escaped_not_a_traceback(tmp_path):
    """Standard output in ASCII (a C locale without Python's UTF-8 mode): a scenario named 'Ünï' stopped the
    story with a UnicodeEncodeError traceback, exit 1, before any file was written."""
    shutil.copy(ROOT / "scenarios" / "baseline.toml", tmp_path)
    (tmp_path / "uni.toml").write_text('extends = "baseline"\nname = "Ünï"\n', encoding="utf-8")
    result = subprocess.run([sys.executable, str(ROOT / "run.py"), str(tmp_path / "uni.toml"), "--out",
                             str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONIOENCODING": "ascii"}, stdin=subprocess.DEVNULL)
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith("\\xdcn\\xef  (seed 2013)") and (tmp_path / "out" / "summary.json").is_file()


def test_a_ctrl_c_while_the_libraries_load_exits_130_without_a_traceback(tmp_path):
    """A Ctrl-C in the second run.py spends importing mesa and numpy printed a traceback of the imports
    (exit status 1 by Python's own handler). A stand-in mesa that is interrupted as it loads shows it."""
    (tmp_path / "mesa").mkdir()
    (tmp_path / "mesa" / "__init__.py").write_text("raise KeyboardInterrupt\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    result = subprocess.run([sys.executable, str(ROOT / "run.py"), "--out", str(tmp_path / "out")], cwd=ROOT,
                            capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=300)
    assert (result.returncode, result.stderr, result.stdout) == (130, "interrupted\n", "")
    assert not (tmp_path / "out").exists()


def test_a_byte_the_terminals_encoding_lacks_is_read_as_a_word_play_does_not_know(tmp_path):
    """Standard input in ASCII: 'café' typed at play's prompt ended it with a UnicodeDecodeError traceback, exit 1."""
    result = subprocess.run([sys.executable, str(ROOT / "run.py"), "play", "--as", "JPN", "--out", str(tmp_path)],
                            cwd=ROOT, capture_output=True, timeout=300, input="café\nq\n".encode(),
                            env={**os.environ, "PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0 and result.stderr == b""
    assert b"! 'caf\\ufffd\\ufffd': expected 'give SECTOR=NUMBER" in result.stdout
    assert (tmp_path / "summary.json").is_file()
