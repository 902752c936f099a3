"""Parameter sweeps: many games of one scenario over a design of settings, with replicate seeds.

``python run.py sweep SCENARIO --vary PATH=SPEC ... --reps R --out DIR`` (or a sweep file) is
turned into a :class:`SweepPlan`: a design (a full grid of listed values, a Latin hypercube, a
Sobol/Saltelli sample of distributions, or Morris trajectories for elementary-effects screening)
whose every point is checked against the scenario before any run starts, times ``R`` replicates.
Run ``index = point * R + rep`` gets the seed :func:`run_seed` derives from the one sweep seed
with numpy's ``SeedSequence``, so a table never depends on the engine, the number of workers or
the order runs finish in.

Runs go out in chunks to an engine — in this process (one worker), a local process pool, or
Dask distributed — and come back as rows the :mod:`tppgame.experiments.store` commits as they arrive, so a
killed sweep resumes where it stopped when the same command is run again.

The sweep's design (SPEC syntax, grids and sampled designs) is in :mod:`tppgame.experiments.sweep_design`,
its plan (seeds, sweep files) in :mod:`tppgame.experiments.sweep_plan`, and its progress lines in
:mod:`tppgame.experiments.sweep_progress`, a run and a chunk of runs in :mod:`tppgame.experiments.sweep_runs`;
this module runs the plan, and their names are importable from here too.
"""

from __future__ import annotations

import gc
import math
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from tppgame.experiments.code_version import code_version
from tppgame.experiments.store import ResultStore, StoreError
from tppgame.experiments.sweep_long import export_long
from tppgame.experiments.sweep_design import (DESIGNS, Design, Distribution, SweepError, Values, linspace_values,
                                              make_design, parse_spec, parse_vary)
from tppgame.experiments.sweep_plan import (RunSpec, SweepPlan, SweepSpec, build_plan, load_sweep_file, make_spec,
                                            run_seed)
from tppgame.experiments.sweep_progress import BarProgress, PlainProgress, Progress, make_progress
from tppgame.experiments.sweep_runs import (deal_dates, deal_rounds, forget_points, outcome, prepared_point, run_chunk,
                                            same_point, welfare_columns)
from tppgame.game.scenario import Scenario

ENGINES = ("local", "dask")
MAX_CHUNK = 32            # runs per task at most (about 2 s of baseline games)
IN_FLIGHT_PER_WORKER = 2  # tasks handed out per worker at a time: one running, one queued
# local worker processes per core at most: a typo (--workers 1000 for 10) could start a process per chunk, each
# with Mesa and the game loaded (some 150 MB), far past what the computer holds
MOST_WORKERS_PER_CORE = 8
DASK_CONNECT_TIMEOUT = "10s"


class EngineError(RuntimeError):
    """An engine failed while running (a worker process died, a Dask task was lost)."""


# What a process pool raises when its workers cannot start or die: a broken pool, or a pipe to a
# worker or the forkserver closed (a BrokenPipeError here is never the sweep's own output closed).
WORKER_FAULTS = (BrokenProcessPool, BrokenPipeError, ConnectionError, EOFError)
NO_GUARD_HINT = ('nothing was run (a script that starts a sweep needs its code under if __name__ == "__main__": '
                 "workers import the script)")


def worker_bootstrapping() -> bool:
    """Whether this process is a pool worker still importing the main script (one without the guard)."""
    return bool(getattr(multiprocessing.current_process(), "_inheriting", False))


def _fault(err: BaseException) -> str:
    text = str(err).splitlines()[0][:200] if str(err) else ""
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def chunks_of(plan: SweepPlan, skip: set[int], size: int, workers: int = 0) -> Iterator[list[RunSpec]]:
    """The runs not yet stored, in index order, ``size`` at a time (replicates of a point together).
    With ``workers``, the last chunks are smaller (at most a quarter of the runs left per worker),
    so that the workers finish together, not one idle while another plays a whole chunk."""
    left = plan.total - sum(1 for index in skip if index < plan.total)     # no set of every index
    chunk: list[RunSpec] = []
    target = tail_size(size, left, workers)
    for index in range(plan.total):
        if index in skip:
            continue
        chunk.append(plan.run(index))
        if len(chunk) == target:
            yield chunk
            left -= len(chunk)
            chunk, target = [], tail_size(size, left, workers)
    if chunk:
        yield chunk


def tail_size(size: int, left: int, workers: int) -> int:
    """The next chunk's size with ``left`` runs to hand out: ``size``, or near the end a quarter of
    what is left per worker (at least 1); always ``size`` without ``workers``."""
    return min(size, max(1, math.ceil(left / (4 * workers)))) if workers else size


def auto_chunk(pending: int, workers: int) -> int:
    """Runs per task: about 16 tasks per worker, at most MAX_CHUNK runs each."""
    return max(1, min(MAX_CHUNK, math.ceil(pending / (16 * workers))))


# --------------------------------------------------------------------- engines
Batches = Iterator[list[dict[str, Any]]]


def _one_blas_thread() -> Any:
    """Limit BLAS to one thread (each worker is one core: no oversubscription), when threadpoolctl is there."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return nullcontext()
    return threadpool_limits(limits=1)


@contextmanager
def start_up_left_alone() -> Iterator[None]:
    """Leave the objects that exist now (the libraries imported, the scenario) out of the garbage
    collector's full passes while the games play (``gc.freeze``), and hand them all back after
    (``gc.unfreeze``). They live as long as the process, yet each full pass walked all of them
    again: about 2 ms of a 30 ms baseline game in a sweep. The games themselves are the same: the
    collector decides nothing in them."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


_WORKER_BASE: Scenario | None = None


def _init_worker(base: Scenario, main_pid: int) -> None:
    """Process-pool worker set-up: the scenario once per worker, one BLAS thread, Ctrl-C left to the
    main process, and an end when the main process is gone (killed with -9, say)."""
    global _WORKER_BASE
    _WORKER_BASE = base
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _one_blas_thread()
    gc.freeze()      # as start_up_left_alone: the worker's start-up lives as long as the worker
    threading.Thread(target=_exit_without, args=(main_pid,), name="sweep-watchdog", daemon=True).start()


def _exit_without(main_pid: int, every: float = 0.5) -> None:
    """Poll the sweep's main process; end this worker at once when it no longer exists."""
    while True:
        time.sleep(every)
        try:
            os.kill(main_pid, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:
            pass


def _run_chunk_in_worker(runs: list[RunSpec]) -> list[dict[str, Any]]:
    assert _WORKER_BASE is not None
    return run_chunk(_WORKER_BASE, runs)


def _pool_context() -> multiprocessing.context.BaseContext:
    """forkserver where there is one (workers start from a server that has imported the game), else spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["tppgame.experiments.preload"])
        return context
    return multiprocessing.get_context("spawn")


def local_engine(base: Scenario, chunks: Iterator[list[RunSpec]], workers: int) -> Batches:
    """Run chunks in this process (one worker) or a process pool; yield each chunk's rows as it finishes.

    The first batch comes once the engine is ready (the pool's workers started): empty, or the runs
    this process played while a pool's workers started (about a second: the forkserver imports Mesa
    and the game; :func:`play_while`), which are dropped if the workers cannot start. A new chunk is
    handed out only after the caller has taken (and stored) a finished one.
    """
    if workers == 1:
        yield []
        try:
            with _one_blas_thread(), start_up_left_alone():
                for chunk in chunks:
                    yield run_chunk(base, chunk)
        finally:
            forget_points()     # the memo goes with the sweep: this process (a notebook, say) goes on
        return
    first = list(islice(chunks, IN_FLIGHT_PER_WORKER * workers))
    pool = ProcessPoolExecutor(workers, mp_context=_pool_context(), initializer=_init_worker,
                               initargs=(base, os.getpid()))
    starting: Future = Future()     # the first chunks' futures, once the workers started
    try:
        threading.Thread(target=_submit_all, args=(pool, first, starting), name="sweep-start", daemon=True).start()
        played, unplayed = play_while(lambda: not starting.done(), base, chunks)
        running: set[Future] = set()
        try:
            running.update(starting.result())       # the workers are up
            for future in running:
                if future.done():
                    future.result()
            if unplayed:                            # the rest of the chunk this process had begun
                running.add(pool.submit(_run_chunk_in_worker, unplayed))
        except WORKER_FAULTS as err:
            raise EngineError(f"the worker processes could not start ({_fault(err)}); {NO_GUARD_HINT}") from None
        yield played

        def hand_out() -> None:
            while len(running) < IN_FLIGHT_PER_WORKER * workers and (chunk := next(chunks, None)) is not None:
                running.add(pool.submit(_run_chunk_in_worker, chunk))

        while running:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                running.discard(future)
                try:
                    rows = future.result()
                except WORKER_FAULTS as err:
                    raise EngineError(f"a worker process died ({_fault(err)}); the runs finished so far are "
                                      "stored: run the same command again to resume") from None
                yield rows
            try:
                hand_out()
            except WORKER_FAULTS as err:
                raise EngineError(f"a worker process died ({_fault(err)}); the runs finished so far are "
                                  "stored: run the same command again to resume") from None
    finally:
        # a start still under way (stopped by Ctrl-C, say) ends first: the pool's submissions and its
        # shutdown hold the same lock; the submissions after it fail into ``starting``, unread
        pool.shutdown(wait=True, cancel_futures=True)


def _submit_all(pool: ProcessPoolExecutor, chunks: list[list[RunSpec]], done: Future) -> None:
    """Hand the first chunks to a new pool (its workers start on the first submissions: they wait for
    the forkserver) and set ``done`` to their futures, or to the error that stopped them."""
    try:
        done.set_result([pool.submit(_run_chunk_in_worker, chunk) for chunk in chunks])
    except BaseException as err:   # noqa: BLE001 - handed to the sweep's thread, which says what failed
        done.set_exception(err)


def play_while(busy: Callable[[], bool], base: Scenario,
               chunks: Iterator[list[RunSpec]]) -> tuple[list[dict[str, Any]], list[RunSpec]]:
    """Play runs of the next chunks in this process, one at a time, as long as ``busy()`` (the
    workers are starting: a core would idle); return their rows and the rest of the chunk begun,
    for the workers. The memo of these games goes when they end."""
    rows: list[dict[str, Any]] = []
    chunk: list[RunSpec] = []
    try:
        with _one_blas_thread(), start_up_left_alone():
            while busy() and (chunk or (chunk := next(chunks, []))):
                rows.extend(run_chunk(base, chunk[:1]))
                chunk = chunk[1:]
    finally:
        forget_points()
    return rows, chunk


def dask_engine(base: Scenario, chunks: Iterator[list[RunSpec]], workers: int,
                scheduler: str | None = None) -> Batches:
    """Run chunks on Dask distributed: the cluster at ``scheduler``, or a LocalCluster of ``workers``
    processes on 127.0.0.1; the scenario is scattered to every worker once. The first batch is
    empty (connected, ready)."""
    try:
        import logging

        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise SweepError("--engine dask needs dask[distributed]: pip install 'tppgame[sweep]'") from None
    cluster = client = None
    try:
        if scheduler:
            try:
                client = Client(scheduler, timeout=DASK_CONNECT_TIMEOUT)
            except (OSError, TimeoutError, ValueError) as err:
                raise SweepError(f"--scheduler {scheduler}: could not connect ({err})") from None
        else:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                   dashboard_address=None, silence_logs=logging.ERROR)
            client = Client(cluster)
        slots = IN_FLIGHT_PER_WORKER * max(len(client.scheduler_info().get("workers", {})), workers, 1)
        shared = client.scatter(base, broadcast=True)
        in_flight = as_completed()
        yield []

        def hand_out(count: int) -> None:
            for _ in range(count):
                chunk = next(chunks, None)
                if chunk is None:
                    return
                in_flight.add(client.submit(run_chunk, shared, chunk, pure=False))

        hand_out(slots)
        for future in in_flight:
            try:
                rows = future.result()
            except Exception as err:   # noqa: BLE001 - a lost worker, a cluster gone
                raise EngineError(f"a Dask task failed ({type(err).__name__}: {err}); the runs finished so far "
                                  "are stored: run the same command again to resume") from None
            future.release()
            yield rows
            hand_out(1)
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


# --------------------------------------------------------------------- the sweep
@dataclass(frozen=True)
class SweepReport:
    """What a sweep did: runs in the store, how many ran now, failures and where the exports are."""

    out: Path
    total: int
    ran: int
    resumed: int
    ok: int
    failed: int
    formed: int
    failures: list[tuple[str, int]]
    csv: Path
    parquet: Path | None
    long_csv: Path | None = None        # the long table: run x country x sector (sweep_long)
    long_parquet: Path | None = None
    versions: dict[str, int] | None = None    # runs per code version, when the store mixes versions

    @property
    def formed_share(self) -> float:
        return self.formed / self.ok if self.ok else 0.0


def default_out(plan: SweepPlan) -> Path:
    """``out/sweep-SCENARIO`` when no --out is given."""
    return Path("out") / f"sweep-{Path(plan.scenario.file).stem}"


def check_engine(workers: int | None, engine: str, scheduler: str | None, chunk_size: int | None = None) -> int:
    """The engine options checked (SweepError, one line), and the workers to start (default: every core).
    A sweep checks them as it starts; a tournament before it makes its folder (nothing left behind)."""
    cores = os.cpu_count() or 1
    workers = cores if workers is None else workers
    if workers < 1:
        raise SweepError(f"--workers {workers}: expected a whole number of at least 1")
    if workers > MOST_WORKERS_PER_CORE * cores and not scheduler:    # a remote cluster's workers are its own
        raise SweepError(f"--workers {workers}: expected at most {MOST_WORKERS_PER_CORE * cores} "
                         f"({MOST_WORKERS_PER_CORE} per core of this computer's {cores}): each worker is a process "
                         "of its own with the game loaded")
    if chunk_size is not None and chunk_size < 1:
        raise SweepError(f"--chunk {chunk_size}: expected a whole number of at least 1")
    if engine not in ENGINES:
        raise SweepError(f"--engine {engine}: expected one of {', '.join(ENGINES)}")
    if scheduler and engine != "dask":
        raise SweepError("--scheduler: only with --engine dask")
    return workers


def run_sweep(plan: SweepPlan, out: Path | None = None, *, workers: int | None = None, engine: str = "local",
              scheduler: str | None = None, chunk_size: int | None = None,
              progress: Progress | None = None,
              on_start: Callable[[SweepPlan, int], None] | None = None,
              retry_failed: bool = False, mix_versions: bool = False) -> SweepReport:
    """Run the plan's runs not yet in the store at ``out``, storing each batch as it arrives;
    then export CSV and Parquet and report. ``on_start(plan, stored)`` is called once the store
    is open and the engine ready, before the first run is stored (some may have been played while a
    pool started). With ``retry_failed``, runs stored as failed are run again (their new rows replace
    the old). A store this call created is removed again when the sweep stops (an engine that cannot
    start, say) before any run was stored. A store holding runs of another version of the code
    (:func:`code_version`) is refused unless ``mix_versions``; then the report gives the runs per
    version."""
    if worker_bootstrapping():
        raise EngineError(f"a sweep started while a worker process imported its script; {NO_GUARD_HINT}")
    workers = check_engine(workers, engine, scheduler, chunk_size)
    out = Path(out or plan.spec.out or default_out(plan))
    new_folder = not out.exists()
    try:
        store = ResultStore.open(out, plan.definition(), plan.columns(), meta=plan.meta(),
                                 code_version=code_version(), mix_versions=mix_versions)
    except StoreError as err:
        raise SweepError(str(err)) from None
    try:
        with store:
            return _run_into(store, plan, out, workers, engine, scheduler, chunk_size, progress, on_start,
                             retry_failed)
    except StoreError as err:       # a full disk while storing runs or writing the tables
        if store.created and not store.added:
            store.discard(remove_folder=new_folder)
        raise SweepError(str(err)) from None
    except BaseException:
        if store.created and not store.added:   # stopped before any run was stored: no empty store is left
            store.discard(remove_folder=new_folder)
        raise


def _run_into(store: ResultStore, plan: SweepPlan, out: Path, workers: int, engine: str, scheduler: str | None,
              chunk_size: int | None, progress: Progress | None,
              on_start: Callable[[SweepPlan, int], None] | None, retry_failed: bool) -> SweepReport:
    done = store.done()
    if retry_failed:
        done -= store.failed()
    pending = plan.total - len(done)
    # chunks of the size asked for, or of auto_chunk's, smaller towards the end across several workers
    chunks = (chunks_of(plan, done, chunk_size) if chunk_size else
              chunks_of(plan, done, auto_chunk(pending, workers), workers if workers > 1 else 0))
    if pending == 0:
        batches: Batches = iter([[]])    # nothing left to run: no pool, no cluster
    elif engine == "local":
        batches = local_engine(plan.scenario, chunks, workers)
    else:
        batches = dask_engine(plan.scenario, chunks, workers, scheduler)
    ran = 0
    try:
        # the engine is up (a cluster connected) before anything is said, with the runs it played
        # while it started, if any: stored at once, and counted as there before the progress, whose
        # rate and time left come from the runs that follow (not from a batch that took no time)
        early = next(batches)
        if on_start is not None:
            on_start(plan, len(done))
        ran = store.add(early)
        early_failed = sum(row["status"] != "ok" for row in early)
        bar = progress or make_progress(plan.total, len(done) + ran)
        try:
            bar.update(ran if progress else 0, early_failed)
            for rows in batches:
                store.add(rows)
                ran += len(rows)
                bar.update(len(rows), sum(row["status"] != "ok" for row in rows))
        finally:
            bar.close()
    finally:
        getattr(batches, "close", lambda: None)()
    counts = store.counts()
    csv_path = store.export_csv()
    long_csv, long_parquet = export_long(store)
    try:
        parquet_path: Path | None = store.export_parquet()
    except ImportError:
        parquet_path = None
    versions = dict(store.versions)
    if ran and store.code_version is not None:
        versions[store.code_version] = versions.get(store.code_version, 0) + ran
    return SweepReport(out, plan.total, ran, len(done), counts["ok"], counts["failed"], counts["formed"],
                       store.failures(), csv_path, parquet_path, long_csv, long_parquet,
                       versions if len(versions) > 1 else None)


def report_lines(report: SweepReport) -> list[str]:
    """The closing summary: runs done and failed, share formed, why runs failed, where the tables are."""
    stored = report.ok + report.failed
    lines = [f"runs: {stored} of {report.total} stored ({report.ran} run now, {report.resumed} from before); "
             f"{report.failed} failed"]
    if report.ok:
        lines.append(f"agreement formed in {report.formed_share:.1%} of runs ({report.formed} of {report.ok})")
    for error, count in report.failures:
        lines.append(f"  failed ({count} run{'s' if count != 1 else ''}): {error}")
    if report.versions:
        lines.append("note: the store mixes runs of " + str(len(report.versions)) + " versions of the code "
                     "(--mix-versions): " + ", ".join(f"{n} of {v}" for v, n in report.versions.items()))
    exports = str(report.csv) + (f" and {report.parquet}" if report.parquet else
                                 " (Parquet skipped: pip install 'tppgame[sweep]' for pyarrow)")
    lines.append(f"wrote {exports}; store {report.out / 'sweep.sqlite'}")
    if report.long_csv is not None:
        long = str(report.long_csv) + (f" and {report.long_parquet}" if report.long_parquet else "")
        lines.append(f"wrote {long}: one row per run x country x sector")
    return lines


__all__ = ["SweepError", "EngineError", "Values", "Distribution", "Design", "SweepSpec", "SweepPlan", "RunSpec",
           "SweepReport", "parse_vary", "parse_spec", "make_design", "run_seed", "build_plan", "make_spec",
           "load_sweep_file", "run_chunk", "run_sweep", "report_lines", "outcome", "welfare_columns", "deal_rounds",
           "deal_dates", "prepared_point", "forget_points", "same_point",
           "DESIGNS", "linspace_values", "Progress", "PlainProgress", "BarProgress", "make_progress"]
