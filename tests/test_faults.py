"""Faults while writing results: a full disk (simulated, never filled; /dev/full under standard output)
and a store of another version.

The project's rule: one line on stderr naming the folder or option and what went wrong, exit
status 2; no traceback, no half-written results. (A hang-up during ``play``: tests/test_play.py.)
"""

import errno
import io
import os
import sqlite3
import sys

import pytest

import tppgame.experiments.code_version as code_versions
import tppgame.experiments.store as store_module
from tppgame import report
from tppgame.cli import main
from tppgame.experiments.store import read_runs

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


def test_a_folder_in_a_files_place_leaves_the_set_as_it_was(tmp_path, capsys):
    """A folder named power.json where run.py power --out writes: the rename onto it failed, and putting
    things back tried to delete the folder as a file, which raised before the temporary files were
    removed: .power.json.XXXX and .power.csv.XXXX stayed in the folder."""
    (tmp_path / "power.json").mkdir()
    (tmp_path / "power.csv").write_text("old")
    assert main(["power", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"error: --out {tmp_path}: could not write results (Is a directory)\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["power.csv", "power.json"]
    assert (tmp_path / "power.csv").read_text() == "old" and (tmp_path / "power.json").is_dir()


def test_a_pipe_in_a_files_place_is_refused_and_kept(tmp_path, capsys):
    """A pipe named power.json where run.py power --out writes was replaced by a regular file, exit 0."""
    os.mkfifo(tmp_path / "power.json")
    (tmp_path / "power.csv").write_text("old")
    assert main(["power", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (f"error: --out {tmp_path}: could not write results (power.json is a pipe, "
                                       "socket or device, not a regular file)\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["power.csv", "power.json"]
    assert (tmp_path / "power.csv").read_text() == "old" and (tmp_path / "power.json").is_fifo()


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
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))   # end of input: the agent plays the seat to the end
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


# ------------------------------------------------------------------ the sweep store
TINY = ["sweep", "tokyo_2014", "--vary", "countries.JPN.sensitivity.rice=[1.0, 2.5]", "--seed", "11", "--workers", "1"]
FULL = "database or disk is full"


class _Connection:
    """A SQLite connection whose statements starting with ``fail_on`` fail as on a full disk."""

    def __init__(self, db, fail_on):
        self._db, self._fail_on = db, fail_on

    def _check(self, sql):
        if sql.lstrip().startswith(self._fail_on):
            raise sqlite3.OperationalError(FULL)

    def execute(self, sql, *args):
        self._check(sql)
        return self._db.execute(sql, *args)

    def executemany(self, sql, *args):
        self._check(sql)
        return self._db.executemany(sql, *args)

    def __getattr__(self, name):
        return getattr(self._db, name)


def errors(stderr: str) -> list[str]:
    """What a sweep says on stderr apart from its progress lines."""
    return [line for line in stderr.splitlines() if not line.startswith("sweep: ")]


def full_disk_on(monkeypatch, fail_on: str) -> None:
    real = sqlite3.connect
    monkeypatch.setattr(store_module.sqlite3, "connect", lambda *a, **k: _Connection(real(*a, **k), fail_on))


def test_a_sound_store_on_a_full_disk_is_not_called_not_a_sweep_store(tmp_path, capsys, monkeypatch):
    out = tmp_path / "sweep"
    assert main([*TINY, "--out", str(out)]) == 0
    capsys.readouterr()
    full_disk_on(monkeypatch, "PRAGMA journal_mode")
    assert main([*TINY, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [f"error: --out {out}: cannot open the sweep store sweep.sqlite ({FULL})"]
    monkeypatch.undo()
    assert len(read_runs(out)) == 2                    # the store is untouched


def test_a_full_disk_while_storing_runs_is_one_line(tmp_path, capsys, monkeypatch):
    out = tmp_path / "sweep"
    full_disk_on(monkeypatch, "INSERT OR REPLACE INTO runs")
    assert main([*TINY, "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert errors(captured.err) == [
        (f"error: --out {out}: could not store runs in sweep.sqlite ({FULL}); the runs stored before are kept: "
         "run the same command again to resume")]
    assert not out.exists()                            # a store that holds no run is not left behind


def test_a_full_disk_while_exporting_keeps_the_store(tmp_path, capsys, monkeypatch):
    out = tmp_path / "sweep"

    def full_open(path, *args, **kwargs):
        if str(path).endswith(".tmp"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return open(path, *args, **kwargs)
    monkeypatch.setattr(store_module, "open", full_open, raising=False)
    assert main([*TINY, "--out", str(out)]) == 2
    assert errors(capsys.readouterr().err) == [
        f"error: --out {out}: could not write runs.csv (No space left on device); the runs are kept in sweep.sqlite"]
    monkeypatch.undo()
    assert len(read_runs(out)) == 2
    assert not list(out.glob("*.tmp")) and not (out / "runs.csv").exists()


def test_a_store_of_another_code_version_is_resumed_only_with_mix_versions(tmp_path, capsys, monkeypatch):
    out = tmp_path / "sweep"
    assert main([*TINY, "--out", str(out)]) == 0
    old = code_versions.code_version()
    with sqlite3.connect(out / "sweep.sqlite") as db:  # as if the sweep had been stopped after one run
        db.execute("DELETE FROM runs WHERE run_index = 1")
        assert dict(db.execute("SELECT run_index, code_version FROM versions")) == {0: old, 1: old}
    capsys.readouterr()
    monkeypatch.setattr(code_versions, "source_fingerprint", lambda: "edited000000")
    new = code_versions.code_version()
    assert main([*TINY, "--out", str(out)]) == 2
    assert errors(capsys.readouterr().err) == [
        (f"error: --out {out}: holds 1 run of {old}, not of this code ({new}): resuming would mix results of two "
         "versions; use another --out folder, or --mix-versions to resume all the same")]
    assert len(read_runs(out)) == 1
    assert main([*TINY, "--out", str(out), "--mix-versions"]) == 0
    stdout = capsys.readouterr().out
    assert f"note: the store mixes runs of 2 versions of the code (--mix-versions): 1 of {old}, 1 of {new}" in stdout
    with sqlite3.connect(out / "sweep.sqlite") as db:
        assert dict(db.execute("SELECT run_index, code_version FROM versions")) == {0: old, 1: new}


def test_the_code_version_is_the_package_version_and_a_fingerprint_of_its_source():
    from tppgame import __version__

    version, fingerprint = code_versions.code_version(), code_versions.source_fingerprint()
    assert version == f"{__version__}+{fingerprint}" and len(fingerprint) == 12
    assert int(fingerprint, 16) >= 0


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full, a device that is always full")
@pytest.mark.parametrize("argv", [["list"], ["power"], ["baseline", "--quiet", "--out", "{out}"]])
def test_printing_into_a_full_disk_is_one_line_not_a_traceback(argv, tmp_path):
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "out"
    with open("/dev/full", "w") as full:                     # as `run.py ... > log.txt` on a full disk
        result = subprocess.run([sys.executable, str(root / "run.py"), *(a.format(out=out) for a in argv)],
                                cwd=root, stdout=full, stderr=subprocess.PIPE, text=True, timeout=300,
                                stdin=subprocess.DEVNULL)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: standard output: could not write what the command prints (No space left on device)"]
    assert not out.exists()          # the game's table is printed before its files: none are written


@pytest.mark.parametrize("argv", [["list"], ["baseline", "--quiet", "--out", "{out}"]])
def test_a_closed_standard_output_is_one_line_not_a_silent_success(argv, tmp_path):
    """run.py list >&-: Python starts with sys.stdout None and print() drops everything, so the command
    used to print nothing and exit 0. It is refused in one line before anything runs (no files either)."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "out"
    command = " ".join([f"'{sys.executable}'", "run.py", *(a.format(out=out) for a in argv)])
    result = subprocess.run(f"{command} >&-", shell=True, cwd=root, stderr=subprocess.PIPE, text=True,
                            timeout=300, stdin=subprocess.DEVNULL)
    assert result.returncode == 2
    assert result.stderr.splitlines() == ["error: standard output: expected an open standard output for what the "
                                          "command prints, found it closed (> /dev/null discards it)"]
    assert not out.exists()
