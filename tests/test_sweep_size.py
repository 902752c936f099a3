"""Sweeps too big to play: a billion replicates, a range of a billion values, a grid of a billion points
or a sampled design of as many. Each filled the memory before the first run (a set of every run's
index, a tuple of every value, an array of every sample: a hang, then a store left behind); each is
now one line on stderr and exit status 2, before any store is made."""

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
