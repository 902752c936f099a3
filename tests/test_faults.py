"""Faults while writing results: a full disk (simulated, never filled) and a closed terminal.

The project's rule: one line on stderr naming the folder or option and what went wrong, exit
status 2 (130 for Ctrl-C, 129 for a hang-up in ``play``); no traceback, no half-written results.
"""

import errno
import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import tppgame.report as report
from tppgame.cli import main

ROOT = Path(__file__).resolve().parents[1]
FILES = ("rounds.csv", "events.jsonl", "summary.json")


def fail_on_write(monkeypatch, number: int, err: int = errno.ENOSPC) -> None:
    """The ``number``-th temporary file written by the report fails as the disk would (1 = the first)."""
    real, calls = report._temporary_copy, []

    def copy(path, text):
        calls.append(path)
        if len(calls) == number:
            raise OSError(err, os.strerror(err), str(path))
        return real(path, text)
    monkeypatch.setattr(report, "_temporary_copy", copy)


@pytest.mark.parametrize("err", [errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS])
def test_a_full_disk_while_writing_run_results_is_one_line_and_leaves_none_of_the_files(tmp_path, capsys,
                                                                                      monkeypatch, err):
    out = tmp_path / "out"
    fail_on_write(monkeypatch, 2, err)                 # rounds.csv is written, events.jsonl fails
    assert main(["baseline", "--quiet", "--out", str(out)]) == 2
    stderr = capsys.readouterr().err
    assert stderr.splitlines() == [f"error: --out {out}: could not write results ({os.strerror(err)})"]
    assert list(out.iterdir()) == []                   # no file of the set, no temporary file


def test_a_failed_write_keeps_the_previous_complete_set(tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    assert main(["baseline", "--quiet", "--out", str(out), "--seed", "1"]) == 0
    before = {name: (out / name).read_bytes() for name in FILES}
    fail_on_write(monkeypatch, 3)                      # the third file fails: the first two are not replaced
    assert main(["baseline", "--quiet", "--out", str(out), "--seed", "2"]) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert {p.name for p in out.iterdir()} == set(FILES)
    assert {name: (out / name).read_bytes() for name in FILES} == before


def test_a_failed_rename_puts_the_previous_set_back(tmp_path, monkeypatch):
    paths = [tmp_path / name for name in FILES]
    for p in paths:
        p.write_text("old " + p.name)
    real, calls = os.replace, []

    def replace(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real(src, dst)
    monkeypatch.setattr(report.os, "replace", replace)
    with pytest.raises(OSError):
        report.write_files({p: "new" for p in paths})
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)
    assert [p.read_text() for p in paths] == ["old " + p.name for p in paths]


def test_an_interrupt_while_writing_leaves_no_partial_set(tmp_path, monkeypatch):
    """A second Ctrl-C while the files are written: none of them is there."""
    real, calls = report._temporary_copy, []

    def copy(path, text):
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(path, text)
    monkeypatch.setattr(report, "_temporary_copy", copy)
    with pytest.raises(KeyboardInterrupt):
        report.write_files({tmp_path / name: "x" for name in FILES})
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_while_writing_play_results(tmp_path, capsys, monkeypatch):
    def no_more_input(prompt=""):
        raise EOFError                                 # end of input: the agent plays the seat to the end
    monkeypatch.setattr("builtins.input", no_more_input)
    out = tmp_path / "play"
    fail_on_write(monkeypatch, 2)
    assert main(["play", "--as", "JPN", "--seed", "3", "--out", str(out)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: --out {out}: could not write results (No space left on device)"]
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("command", [["compare", "baseline", "tokyo_2014"], ["robustness", "tokyo_2014", "--seeds", "2"]])
def test_a_full_disk_while_writing_compare_and_robustness_tables(tmp_path, capsys, monkeypatch, command):
    out = tmp_path / "table.csv"
    fail_on_write(monkeypatch, 1)
    assert main([*command, "--out", str(out)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: --out {out}: could not write results (No space left on device)"]
    assert list(tmp_path.iterdir()) == []


def test_closing_the_terminal_during_play_keeps_the_game_so_far(tmp_path):
    """A hang-up (SIGHUP) at a prompt ends the game like Ctrl-C: the round is finished, its
    results written, exit 129."""
    prompt = "[? for help]: "
    out = tmp_path / "hung-up"
    proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "play", "--as", "JPN", "--seed", "3",
                             "--out", str(out)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        seen = ""
        while not seen.endswith(prompt):               # wait for the first prompt
            char = proc.stdout.read(1)
            assert char, f"the game ended before its first prompt: {seen[-500:]}"
            seen += char
        proc.send_signal(signal.SIGHUP)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 129, stderr
    assert "hung up: the game so far follows" in stdout and "Traceback" not in stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["rounds"] == 1 and not summary["formed"]
    assert {p.name for p in out.iterdir()} == set(FILES)
