"""The result store of a parameter sweep: one SQLite database in the sweep's out folder.

Every finished run is a row of the ``runs`` table, committed as soon as its batch comes back
from a worker (WAL journal), so a sweep killed at any moment, even with ``kill -9``, keeps every
run it had stored; running the same sweep again skips those. The ``meta`` table holds the sweep's
definition: a different sweep in the same folder is refused. The ``versions`` table holds the
version of the code each run was played with: a store holding runs of another version is not
resumed unless mixing is asked for. A disk that is full (or read-only, or failing) is reported as
such, in one line (a StoreError), never as a store that is not one. ``runs.csv`` and ``runs.parquet``
are tidy exports of the ``runs`` table (one row per run, ordered by run index), written in
batches so memory stays flat however large the sweep.
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:        # no advisory locks (Windows): two sweeps in one folder are not caught
    fcntl = None  # type: ignore[assignment]

DB_NAME = "sweep.sqlite"
CSV_NAME = "runs.csv"
PARQUET_NAME = "runs.parquet"
SCHEMA_VERSION = 4        # 2: the outcome's date, ratifying and hold-outs, deal rounds and per-country detail;
                          # 3: each country's welfare gain (per country, in detail) and the welfare aggregates;
                          # 4: each deal's date (deal_dates)
KINDS = ("int", "float", "bool", "str", "json")
EXPORT_BATCH = 5000
VERSIONS_TABLE = "CREATE TABLE versions (run_index INTEGER PRIMARY KEY, code_version TEXT NOT NULL)"


class StoreError(ValueError):
    """The out folder cannot hold this sweep (another sweep's store, a file in the way, in use, a full disk)."""


def _disk_reason(err: sqlite3.OperationalError) -> str:
    """SQLite's reason for an error of the disk or of the file (full, read-only, I/O error), in its words."""
    return str(err) or type(err).__name__


@dataclass(frozen=True)
class Column:
    """A column of the runs table and of its exports: a name and a kind (int, float, bool, str, json)."""

    name: str
    kind: str


# Columns every sweep has; parameter columns (named by dotted setting path) go after ``params``,
# the welfare aggregates after the outcome columns (store version 3), a ``utility_XXX`` and a
# ``welfare_pct_gdp_XXX`` column per country, and three JSON columns last: ``deal_rounds`` and
# ``deal_dates`` (the round each closed deal closed in, by pair and track, and the date of that
# round: store version 4) and ``detail`` (per country: utility, outside option, would ratify,
# member, signatory, concession per sector and welfare account; the long table is built from it at
# export, :mod:`tppgame.experiments.sweep_long`).
KEY_COLUMNS = (Column("run_index", "int"), Column("point", "int"), Column("rep", "int"),
               Column("seed", "int"), Column("status", "str"), Column("error", "str"),
               Column("params", "json"))
OUTCOME_COLUMNS = (Column("formed", "bool"), Column("round", "int"), Column("members", "str"),
                   Column("n_members", "int"), Column("gdp_share", "float"), Column("in_force", "bool"),
                   Column("date", "str"), Column("ratifying", "str"), Column("n_ratifying", "int"),
                   Column("holdouts", "str"), Column("n_holdouts", "int"))
# the welfare account of the outcome (tppgame.game.welfare) summed up over the scenario's countries:
# the sum of their gains and of the agreement's members' (0 when none formed), in US$ m, the
# smallest gain in % of a country's 2013 GDP, and how many countries lose
WELFARE_COLUMNS = (Column("welfare_total_usd_m", "float"), Column("welfare_members_usd_m", "float"),
                   Column("welfare_min_pct_gdp", "float"), Column("n_welfare_losers", "int"))
WELFARE_PREFIX = "welfare_pct_gdp_"      # + a country code: that country's gain, % of its 2013 GDP
DETAIL_COLUMNS = (Column("deal_rounds", "json"), Column("deal_dates", "json"), Column("detail", "json"))
RESERVED = frozenset(c.name for c in KEY_COLUMNS + OUTCOME_COLUMNS + WELFARE_COLUMNS + DETAIL_COLUMNS)


def kind_of(values: Iterable[Any]) -> str:
    """The column kind that holds all these values: bool, int, float, str, else json."""
    values = list(values)
    if values and all(isinstance(v, bool) for v in values):
        return "bool"
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "int"
    if values and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return "float"
    if values and all(isinstance(v, str) for v in values):
        return "str"
    return "json"


def table_columns(param_columns: Sequence[Column], countries: Sequence[str]) -> list[Column]:
    """All columns of the runs table, in order."""
    for column in param_columns:
        if column.name in RESERVED or column.name.startswith(("utility_", WELFARE_PREFIX)):
            raise StoreError(f"{column.name}: a varied setting cannot be named like a result column")
    return [*KEY_COLUMNS, *param_columns, *OUTCOME_COLUMNS, *WELFARE_COLUMNS,
            *(Column(f"utility_{code}", "float") for code in countries),
            *(Column(f"{WELFARE_PREFIX}{code}", "float") for code in countries), *DETAIL_COLUMNS]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _to_sql(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "json":
        return json.dumps(value)
    if kind == "bool":
        return int(bool(value))
    if kind == "float":
        return float(value)
    return value


def from_sql(value: Any, kind: str, decode_json: bool = False) -> Any:
    """A stored value back as Python (JSON columns stay text unless ``decode_json``)."""
    if value is None:
        return None
    if kind == "json" and decode_json:
        return json.loads(value)
    if kind == "bool":
        return bool(value)
    if kind == "float":
        return float(value)
    return value


class ResultStore:
    """The runs of one sweep in ``DIR/sweep.sqlite``; open with :meth:`open`."""

    def __init__(self, folder: Path, connection: sqlite3.Connection, columns: list[Column], lock: Any):
        self.folder = folder
        self.path = folder / DB_NAME
        self.columns = columns
        self._db = connection
        self._lock = lock
        self.created = False    # this opening created the store (a new sweep)
        self.added = 0          # runs stored since it was opened
        self.code_version: str | None = None      # recorded with each run stored, when given at opening
        self.versions: dict[str, int] = {}        # runs stored per code version when opened ("unrecorded": before versions)
        names = ", ".join(_quote(c.name) for c in columns)
        # a run's row replaces the one of the same index: a failed run retried (a run is the same
        # game wherever it plays, so nothing else is ever stored twice)
        self._insert = f"INSERT OR REPLACE INTO runs ({names}) VALUES ({', '.join('?' * len(columns))})"

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, folder: Path, definition: Mapping[str, Any], columns: Sequence[Column],
             meta: Mapping[str, Any] | None = None, code_version: str | None = None,
             mix_versions: bool = False) -> ResultStore:
        """Open the store in ``folder`` for a sweep: create it, or resume it if it holds the same sweep.

        With ``code_version``, each run stored is recorded with it, and a store holding runs of
        another version is refused unless ``mix_versions``. Raises StoreError (one line) when the
        folder holds a different sweep or runs of another version, is a file, is in use, or the
        disk cannot be written.
        """
        folder = Path(folder)
        if folder.exists() and not folder.is_dir():
            raise StoreError(f"--out {folder}: expected a folder, found a file")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            lock = open(folder / (DB_NAME + ".lock"), "w")   # noqa: SIM115 - held while the store is open
        except OSError as err:
            raise StoreError(f"--out {folder}: cannot create the folder ({err.strerror or err})") from None
        try:
            if fcntl is not None:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            raise StoreError(f"--out {folder}: another sweep is running in this folder") from None
        try:
            db = sqlite3.connect(folder / DB_NAME, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")     # in WAL mode: a committed run survives a killed process
            store = cls(folder, db, list(columns), lock)
            store.code_version = code_version
            store._prepare(dict(definition), dict(meta or {}))
            store._check_versions(mix_versions)
        except sqlite3.OperationalError as err:       # a full disk, a read-only folder, an I/O error
            lock.close()
            raise StoreError(f"--out {folder}: cannot open the sweep store {DB_NAME} ({_disk_reason(err)})") from None
        except sqlite3.DatabaseError as err:
            lock.close()
            raise StoreError(f"--out {folder}: {DB_NAME} is not a sweep store ({err})") from None
        except StoreError:
            lock.close()
            raise
        return store

    def _prepare(self, definition: dict[str, Any], meta: dict[str, Any]) -> None:
        text = json.dumps(definition, sort_keys=True)
        tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "meta" in tables:
            stored = dict(self._db.execute("SELECT key, value FROM meta"))
            version = stored.get("schema_version")
            if version != json.dumps(SCHEMA_VERSION):
                raise StoreError(f"--out {self.folder}: holds a sweep stored by another version of tppgame (store "
                                 f"version {version}, this one writes {SCHEMA_VERSION}: more outcome columns); "
                                 "use another --out folder, or remove this one to start again")
            if stored.get("definition") != text:
                raise StoreError(f"--out {self.folder}: holds a different sweep "
                                 f"({_difference(stored.get('definition'), definition)}); "
                                 "use another --out folder, or remove this one to start again")
            if "versions" not in tables:    # a store made before runs were recorded with their version
                self._db.execute(VERSIONS_TABLE)
            return
        if tables:
            raise StoreError(f"--out {self.folder}: {DB_NAME} holds other tables, not a sweep store")
        columns = ", ".join(f"{_quote(c.name)}" + (" INTEGER PRIMARY KEY" if c.name == "run_index" else "")
                            for c in self.columns)
        rows = {"definition": text, "schema_version": json.dumps(SCHEMA_VERSION),
                "columns": json.dumps([[c.name, c.kind] for c in self.columns]),
                **{key: json.dumps(value) for key, value in meta.items()}}
        self._db.execute("BEGIN IMMEDIATE")
        self._db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        self._db.execute(f"CREATE TABLE runs ({columns})")
        self._db.execute(VERSIONS_TABLE)
        self._db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", rows.items())
        self._db.execute("COMMIT")
        self.created = True

    def _check_versions(self, mix_versions: bool) -> None:
        """Count the stored runs per code version; refuse runs of another version unless mixing."""
        self.versions = dict(self._db.execute(
            "SELECT COALESCE(v.code_version, 'unrecorded'), COUNT(*) FROM runs LEFT JOIN versions AS v "
            "USING (run_index) GROUP BY 1 ORDER BY 2 DESC, 1"))
        others = {v: n for v, n in self.versions.items() if v != self.code_version}
        if self.code_version is None or not others or mix_versions:
            return
        held = ", ".join(f"{n} run{'s' * (n != 1)} of {v}" for v, n in others.items())
        raise StoreError(f"--out {self.folder}: holds {held}, not of this code ({self.code_version}): resuming "
                         "would mix results of two versions; use another --out folder, or --mix-versions to "
                         "resume all the same")

    # ------------------------------------------------------------------ writing
    def add(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Store finished runs in one transaction (committed on return), each with the code version;
        returns how many. A full disk raises StoreError (the runs stored before are kept)."""
        values = [tuple(_to_sql(row.get(c.name), c.kind) for c in self.columns) for row in rows]
        if values:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    self._db.executemany(self._insert, values)
                    if self.code_version is not None:
                        at = [c.name for c in self.columns].index("run_index")
                        self._db.executemany("INSERT OR REPLACE INTO versions (run_index, code_version) VALUES (?, ?)",
                                             [(v[at], self.code_version) for v in values])
                    self._db.execute("COMMIT")
                except BaseException:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise
            except sqlite3.OperationalError as err:
                raise StoreError(f"--out {self.folder}: could not store runs in {DB_NAME} ({_disk_reason(err)}); "
                                 f"the runs stored before are kept: run the same command again to resume") from None
        self.added += len(values)
        return len(values)

    # ------------------------------------------------------------------ reading
    def done(self) -> set[int]:
        """The run indices already stored (finished or failed)."""
        return {row[0] for row in self._db.execute("SELECT run_index FROM runs")}

    def failed(self) -> set[int]:
        """The run indices stored as failed (run again with ``sweep --retry-failed``)."""
        return {row[0] for row in self._db.execute("SELECT run_index FROM runs WHERE status != 'ok'")}

    def counts(self) -> dict[str, int]:
        """Runs stored: ``ok``, ``failed``, and ``formed`` among the ok ones."""
        ok, failed, formed = self._db.execute(
            "SELECT COALESCE(SUM(status = 'ok'), 0), COALESCE(SUM(status != 'ok'), 0), "
            "COALESCE(SUM(status = 'ok' AND formed), 0) FROM runs").fetchone()
        return {"ok": ok, "failed": failed, "formed": formed}

    def failures(self, limit: int = 3) -> list[tuple[str, int]]:
        """The commonest errors of failed runs, with how many runs each."""
        return list(self._db.execute(
            "SELECT error, COUNT(*) AS n FROM runs WHERE status != 'ok' GROUP BY error "
            "ORDER BY n DESC, error LIMIT ?", (limit,)))

    def meta(self) -> dict[str, Any]:
        """The meta table, values decoded from JSON."""
        return {key: json.loads(value) for key, value in self._db.execute("SELECT key, value FROM meta")}

    def batches(self, size: int = EXPORT_BATCH, names: Sequence[str] | None = None) -> Iterator[list[tuple[Any, ...]]]:
        """The runs ordered by run index, ``size`` rows at a time, as Python values per column: every
        column, or those ``names`` (in that order)."""
        kind_of_column = {c.name: c.kind for c in self.columns}
        names = [c.name for c in self.columns] if names is None else list(names)
        cursor = self._db.execute(f"SELECT {', '.join(map(_quote, names))} FROM runs ORDER BY run_index")
        kinds = [kind_of_column[name] for name in names]
        while rows := cursor.fetchmany(size):
            yield [tuple(from_sql(v, k) for v, k in zip(row, kinds)) for row in rows]

    # ------------------------------------------------------------------ exports
    def export_csv(self, path: Path | None = None) -> Path:
        """Write the runs table as a tidy CSV (true/false, empty for none); returns its path."""
        return write_csv(Path(path or self.folder / CSV_NAME), self.columns, self.batches())

    def export_parquet(self, path: Path | None = None) -> Path:
        """Write the runs table as Parquet (pyarrow), in row groups; returns its path."""
        return write_parquet(Path(path or self.folder / PARQUET_NAME), self.columns, self.batches())

    def close(self) -> None:
        """Close the database and release the folder."""
        self._db.close()
        self._lock.close()

    def discard(self, remove_folder: bool = False) -> None:
        """Close and delete this store (one that holds no run), and its folder when asked and empty."""
        self.close()
        for name in (DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm", DB_NAME + ".lock"):
            (self.folder / name).unlink(missing_ok=True)
        if remove_folder:
            try:
                self.folder.rmdir()
            except OSError:
                pass     # something else is in it now: leave the folder

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_csv(path: Path, columns: Sequence[Column], batches: Iterable[list[tuple[Any, ...]]]) -> Path:
    """Write rows (batches of tuples, one value per column) as a tidy CSV (true/false, empty for
    none), through a temporary file; returns its path."""
    tmp = path.with_name(path.name + ".tmp")
    # the csv module already writes None as empty and floats (NaN and infinity too) as Python does:
    # only booleans need words, and only bool columns hold them, so the other cells pass untouched
    flags = [k for k, c in enumerate(columns) if c.kind == "bool"]
    with export_or_fail(path, tmp), open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([c.name for c in columns])
        for batch in batches:
            writer.writerows([_bool_words(row, flags) for row in batch] if flags else batch)
    os.replace(tmp, path)
    return path


@contextmanager
def export_or_fail(path: Path, tmp: Path) -> Iterator[None]:
    """An export's temporary file is removed if it cannot be written whole; a disk error (full,
    read-only, failing) becomes one line naming the folder, the file and the system's reason."""
    try:
        yield
    except BaseException as err:
        tmp.unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise StoreError(f"--out {path.parent}: could not write {path.name} ({err.strerror or err}); "
                             f"the runs are kept in {DB_NAME}") from None
        raise


def arrow_schema(columns: Sequence[Column]) -> Any:
    """The Arrow schema of some columns (pyarrow must be installed)."""
    import pyarrow as pa

    types = {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(), "str": pa.string(), "json": pa.string()}
    return pa.schema([pa.field(c.name, types[c.kind]) for c in columns])


def write_parquet(path: Path, columns: Sequence[Column], batches: Iterable[list[tuple[Any, ...]]]) -> Path:
    """Write rows (batches of tuples) as Parquet (pyarrow), a row group per batch; returns its path."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = arrow_schema(columns)
    tmp = path.with_name(path.name + ".tmp")
    with export_or_fail(path, tmp), pq.ParquetWriter(tmp, schema) as writer:
        written = False
        for batch in batches:
            if not batch:
                continue
            values = list(zip(*batch))
            writer.write_batch(pa.record_batch([pa.array(col, type=f.type) for col, f in zip(values, schema)],
                                               schema=schema))
            written = True
        if not written:
            writer.write_table(schema.empty_table())
    os.replace(tmp, path)
    return path


def _bool_words(row: Sequence[Any], flags: Sequence[int]) -> list[Any]:
    """A row with its booleans (in the columns ``flags``) as true/false."""
    out = list(row)
    for k in flags:
        if isinstance(out[k], bool):
            out[k] = "true" if out[k] else "false"
    return out


def _difference(stored: str | None, new: Mapping[str, Any]) -> str:
    """Which part of the sweep definition differs, in a few words."""
    try:
        old = json.loads(stored or "{}")
    except json.JSONDecodeError:
        return "an unreadable definition"
    for key in [*new, *(k for k in old if k not in new)]:
        if old.get(key) != new.get(key):
            return f"{key} differs: {_short(old.get(key))} there, {_short(new.get(key))} here"
    return "another definition"


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def read_runs(folder: Path) -> list[dict[str, Any]]:
    """All runs of the store in ``folder`` as dicts, ordered by run index (for tests and reports)."""
    db = sqlite3.connect(f"file:{Path(folder) / DB_NAME}?mode=ro", uri=True)
    try:
        columns = [Column(n, k) for n, k in json.loads(
            db.execute("SELECT value FROM meta WHERE key = 'columns'").fetchone()[0])]
        names = ", ".join(_quote(c.name) for c in columns)
        return [{c.name: from_sql(v, c.kind) for c, v in zip(columns, row)}
                for row in db.execute(f"SELECT {names} FROM runs ORDER BY run_index")]
    finally:
        db.close()
