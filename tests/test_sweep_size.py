"""Sweeps too big to play: a billion replicates, a range of a billion values, a grid of a billion points
or a sampled design of as many. Each filled the memory before the first run (a set of every run's
index, a tuple of every value, an array of every sample: a hang, then a store left behind); each is
now one line on stderr and exit status 2, before any store is made. So are a sweep file's empty table
given as a setting's SPEC (dropped: the sweep ran without it) and its ``out`` too long for the system."""

from __future__ import annotations

import pytest

from tppgame.cli import main
from tppgame.experiments.sweep_design import MOST_RUNS

BILLION = str(10**9)


@pytest.mark.parametrize("args, message", [
    (["--vary", "countries.JPN.beta=[1,2]", "--reps", BILLION],
     f"--reps {BILLION}: 2 points x {BILLION} reps = {2 * 10**9} runs; expected at most {MOST_RUNS}"),
    (["--vary", f"countries.JPN.beta=0:10:{BILLION}"],
     f"--vary countries.JPN.beta=0:10:{BILLION}: expected a count of at most {MOST_RUNS} values"),
    (["--vary", "countries.JPN.beta=0:10:1000", "--vary", "countries.USA.beta=0:10:1000",
      "--vary", "countries.CAN.beta=0:10:1000"],
     f"--vary: the grid's 1000 x 1000 x 1000 values are {BILLION} points: expected at most {MOST_RUNS}"),
    (["--vary", "countries.JPN.beta=uniform(1, 10)", "--design", "lhs", "--samples", BILLION],
     f"--samples {BILLION}: a lhs design of {BILLION} points; expected at most {MOST_RUNS}"),
    (["--vary", "countries.JPN.beta=uniform(1, 10)", "--design", "sobol", "--samples", str(2**22)],
     f"--samples {2**22}: a sobol design of {4 * 2**22} points"),
])
def test_a_sweep_past_the_most_runs_is_refused_before_any_store(args, message, tmp_path, capsys):
    out = tmp_path / "sweep"
    assert main(["sweep", "baseline", *args, "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [f"error: {message}"] or (
        len(captured.err.splitlines()) == 1 and message in captured.err), captured.err
    assert captured.out == "" and not out.exists()


def test_a_tournament_of_a_billion_reps_is_refused(tmp_path, capsys):
    assert main(["tournament", "--negotiators", "linear", "--reps", BILLION, "--out", str(tmp_path / "t")]) == 2
    assert f"--reps {BILLION}: 1 point x {BILLION} reps" in capsys.readouterr().err
    assert not (tmp_path / "t").exists()


@pytest.mark.parametrize("body, message", [
    # an empty table was flattened to nothing: the sweep ran one point, the setting not varied, exit 0
    ('[vary]\n"countries.JPN.beta" = {}\n', "vary.countries.JPN.beta: expected a list [a, b, ...], a range"),
    ('[vary]\n"countries.JPN.beta" = [1, 2]\n[set]\ncountries = {}\n',
     "countries: expected a path to a single setting, not a whole table"),
    # a name past the system's limit: an OSError traceback (File name too long)
    (f'out = "{"a" * 300}"\n[vary]\n"countries.JPN.beta" = [1, 2]\n',
     "out: expected a folder name the system accepts"),
])
def test_a_sweep_file_value_the_sweep_cannot_use_is_one_line(body, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)              # the default out folder, out/sweep-baseline, would be here
    file = tmp_path / "sweep.toml"
    file.write_text(f'scenario = "baseline"\n{body}')
    assert main(["sweep", str(file)]) == 2
    captured = capsys.readouterr()
    assert len(captured.err.splitlines()) == 1 and message in captured.err, captured.err
    assert captured.out == "" and sorted(p.name for p in tmp_path.iterdir()) == ["sweep.toml"]
