"""The local engine's start-up: while a pool's workers start, the sweep's own process plays runs,
which are stored like the workers' (the same rows), dropped when the workers cannot start, and a
Ctrl-C in that time stops the pool and leaves no store."""

from __future__ import annotations

import gc
import threading
from concurrent.futures import Future

import pytest
from test_sweep import SMALL, quiet, reference, small_plan  # noqa: F401 - reference: a fixture

from tppgame.cli import main
from tppgame.experiments import sweep, sweep_runs
from tppgame.experiments.store import read_runs
from tppgame.experiments.sweep import run_sweep


def test_play_while_plays_one_run_at_a_time_and_hands_back_the_rest_of_the_chunk():
    plan = small_plan()
    chunks = iter([[plan.run(0), plan.run(1), plan.run(2), plan.run(3)], [plan.run(4)]])
    answers = iter([True, True, True, False])
    rows, rest = sweep.play_while(lambda: next(answers), plan.scenario, chunks)
    assert [r["run_index"] for r in rows] == [0, 1, 2]          # asked three times "still starting?": yes
    assert rest == [plan.run(3)]                                 # the rest of the begun chunk, for the workers
    assert next(chunks) == [plan.run(4)]                         # the next chunk was not taken
    assert not sweep_runs._POINTS and gc.get_freeze_count() == 0  # memo and frozen start-up handed back
    assert rows == sweep.run_chunk(plan.scenario, [plan.run(k) for k in range(3)])
    sweep.forget_points()


def test_play_while_stops_when_the_runs_run_out():
    plan = small_plan()
    rows, rest = sweep.play_while(lambda: True, plan.scenario, iter([[plan.run(10)], [plan.run(11)]]))
    assert [r["run_index"] for r in rows] == [10, 11] and rest == []


class SlowStartPool:
    """A stand-in for a process pool whose workers take a while to start: each submission waits for
    ``ready``, then plays its chunk at once (in the thread that submits); after ``shutdown`` it
    takes no more, as a real pool."""

    ready: threading.Event
    shut_down: bool

    def __init__(self, *args, **kwargs):
        pass

    def submit(self, fn, chunk):
        assert type(self).ready.wait(60)
        if type(self).shut_down:
            raise RuntimeError("cannot schedule new futures after shutdown")
        future: Future = Future()
        future.set_result(sweep.run_chunk(small_plan().scenario, chunk))
        return future

    def shutdown(self, **kwargs):
        type(self).shut_down = True


@pytest.fixture()
def slow_start(monkeypatch):
    """A slow-starting pool class and the run indices this (the main) thread played, in order; the
    pool is ready once this thread has begun ``pool.after`` runs (never, by default)."""
    pool = type("Pool", (SlowStartPool,), {"ready": threading.Event(), "shut_down": False, "after": None})
    here: list[int] = []
    real_run_chunk = sweep.run_chunk

    def run_chunk(base, runs):
        if threading.current_thread() is threading.main_thread():
            here.extend(r.index for r in runs)
            if pool.after is not None and len(here) >= pool.after:
                pool.ready.set()
        return real_run_chunk(base, runs)

    monkeypatch.setattr(sweep, "ProcessPoolExecutor", pool)
    monkeypatch.setattr(sweep, "run_chunk", run_chunk)
    yield pool, here
    pool.shut_down = True
    pool.ready.set()       # a submission left waiting ends, and takes nothing


def test_runs_played_while_the_workers_start_are_stored_like_theirs(slow_start, reference, tmp_path):
    pool, here = slow_start
    pool.after = 3
    report = run_sweep(small_plan(), tmp_path / "two", workers=2, chunk_size=2, progress=quiet())
    assert (report.ok, report.ran) == (12, 12)
    # the first 2 x 2 chunks of 2 runs went to the pool; this process played from run 8 on while it started
    assert len(here) >= 3 and here == list(range(8, 8 + len(here)))
    assert read_runs(tmp_path / "two") == reference
    assert pool.shut_down


def test_workers_that_cannot_start_keep_none_of_the_runs_played_meanwhile(monkeypatch, slow_start, tmp_path, capsys):
    pool, here = slow_start
    pool.after = 2

    def submit(self, fn, chunk):
        assert type(self).ready.wait(60)
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(pool, "submit", submit)
    out = tmp_path / "unstarted"
    assert main(["sweep", *SMALL, "--workers", "2", "--out", str(out)]) == 2
    assert capsys.readouterr().err == ("error: sweep: the worker processes could not start (BrokenPipeError: [Errno 32] "
                                       f"Broken pipe); {sweep.NO_GUARD_HINT}\n")
    assert len(here) >= 2 and not out.exists()          # played here, then dropped with the store
    assert pool.shut_down


def test_ctrl_c_while_the_workers_start_stops_the_pool_and_leaves_no_store(monkeypatch, slow_start, tmp_path):
    pool, here = slow_start
    real_play = sweep_runs.play

    def play(*args, **options):
        if len(here) >= 2:
            raise KeyboardInterrupt
        return real_play(*args, **options)

    monkeypatch.setattr(sweep_runs, "play", play)
    out = tmp_path / "interrupted"
    with pytest.raises(KeyboardInterrupt):
        run_sweep(small_plan(), out, workers=2, chunk_size=1, progress=quiet())
    assert len(here) == 2 and pool.shut_down and not out.exists()
    assert not sweep_runs._POINTS and gc.get_freeze_count() == 0


def test_runs_played_while_the_workers_start_count_as_there_before_the_progress(slow_start, tmp_path, capsys):
    """They came in no time: counted as the progress's start, not in its rate and time left."""
    pool, here = slow_start
    pool.after = 3
    report = run_sweep(small_plan(), tmp_path / "progress", workers=2, chunk_size=2)
    lines = capsys.readouterr().err.splitlines()
    assert report.ran == 12 and len(here) >= 3
    assert lines[0] == f"sweep: {len(here)}/12 runs stored; {12 - len(here)} to go"
    assert lines[-1].startswith("sweep: 12/12 runs (100%), ")
