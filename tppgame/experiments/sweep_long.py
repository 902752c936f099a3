"""The long table of a sweep: one row per run x country x sector, built at export from each run's
``detail`` column (:func:`tppgame.experiments.sweep.outcome`), written beside ``runs.csv`` and
``runs.parquet`` as ``runs_long.csv`` and ``runs_long.parquet``.

Each row holds the run's key (``run_index``, ``point``, ``rep``, ``seed``), its varied settings,
then ``country``, ``sector`` and the country's ``concession`` in that sector (its deepest
opening: what its schedule gives, 0 to 1), and the country's ``utility``, ``outside_option``,
``would_ratify`` (among those who would ratify the agreement: false for all when none formed), ``member`` (of the talks),
``signatory`` (of the agreement), ``package_utility`` and ``needed_to_ratify`` (what the last package
gives it and the gain over its outside option it needed to ratify: empty outside the group judged and
in stores written before them), ``refused`` (its partners refused it for offering too little) and its
welfare gain, ``welfare_pct_gdp`` (% of its 2013 GDP) and ``welfare_usd_m`` (US$ m): per-country
values, the same on each of its sector rows (empty for a store written before the welfare
account). Failed runs have no rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import repeat
from pathlib import Path
from typing import Any

from tppgame.experiments.store import (
    EXPORT_BATCH,
    Column,
    ResultStore,
    arrow_schema,
    export_or_fail,
    write_csv,
    write_parquet,
)

LONG_CSV, LONG_PARQUET = "runs_long.csv", "runs_long.parquet"
KEYS = ("run_index", "point", "rep", "seed")
COUNTRY_COLUMNS = (Column("country", "str"), Column("sector", "str"), Column("concession", "float"),
                   Column("utility", "float"), Column("outside_option", "float"), Column("would_ratify", "bool"),
                   Column("member", "bool"), Column("signatory", "bool"), Column("package_utility", "float"),
                   Column("needed_to_ratify", "float"), Column("refused", "bool"), Column("welfare_pct_gdp", "float"),
                   Column("welfare_usd_m", "float"))
NO_WELFARE = {"percent_gdp": None, "total_usd_m": None}


def _parameters(store: ResultStore) -> list[Column]:
    names = [c.name for c in store.columns]
    if "params" not in names or "formed" not in names:
        return []
    return store.columns[names.index("params") + 1:names.index("formed")]


def long_columns(store: ResultStore) -> list[Column]:
    """The long table's columns: the run's key, its varied settings, then country and sector values."""
    by_name = {c.name: c for c in store.columns}
    return [by_name[k] for k in KEYS] + _parameters(store) + list(COUNTRY_COLUMNS)


def long_column_batches(store: ResultStore, size: int = EXPORT_BATCH) -> Iterator[list[list[Any]]]:
    """The long table's rows, in run index, country and sector order, about ``size`` at a time, each
    batch as one list per column of :func:`long_columns` (a run's values repeated over its rows:
    Arrow takes columns, and no row is made only to be taken apart again)."""
    names = [c.name for c in store.columns]
    if "detail" not in names:
        return
    wanted = [*KEYS, *(c.name for c in _parameters(store)), "detail"]
    width = len(wanted) - 1 + len(COUNTRY_COLUMNS)
    columns: list[list[Any]] = [[] for _ in range(width)]
    for batch in store.batches(size, wanted):
        for *key, detail in batch:
            if detail is None:
                continue
            for code, c in json.loads(detail).items():
                concessions = c["concessions"]
                welfare = c.get("welfare") or NO_WELFARE
                rows = len(concessions)
                for column, value in zip(columns, (*key, code)):
                    column.extend(repeat(value, rows))
                columns[len(key) + 1].extend(concessions)
                columns[len(key) + 2].extend(concessions.values())
                for column, value in zip(columns[len(key) + 3:], (
                        c["utility"], c["outside_option"], c["would_ratify"], c["member"], c["signatory"],
                        c.get("package_utility"), c.get("needed_to_ratify"), c.get("refused"),
                        welfare["percent_gdp"], welfare["total_usd_m"])):
                    column.extend(repeat(value, rows))
            if len(columns[0]) >= size:
                yield columns
                columns = [[] for _ in range(width)]
    if columns[0]:
        yield columns


def long_batches(store: ResultStore, size: int = EXPORT_BATCH) -> Iterator[list[tuple[Any, ...]]]:
    """The long table's rows as tuples, in run index, country and sector order, about ``size`` at a time."""
    for columns in long_column_batches(store, size):
        yield list(zip(*columns))


def export_long_csv(store: ResultStore, path: Path | None = None) -> Path:
    """Write the long table as CSV beside the runs table; returns its path."""
    return write_csv(Path(path or store.folder / LONG_CSV), long_columns(store), long_batches(store))


def export_long_parquet(store: ResultStore, path: Path | None = None) -> Path:
    """Write the long table as Parquet (pyarrow) beside the runs table; returns its path."""
    return write_parquet(Path(path or store.folder / LONG_PARQUET), long_columns(store), long_batches(store))


def export_long(store: ResultStore) -> tuple[Path, Path | None]:
    """Write the long table as CSV and Parquet beside the runs table; returns their paths (no Parquet
    without pyarrow). With pyarrow the rows are gathered once into an Arrow table and both files are
    written from it by Arrow's own writers: the long table has a hundred and twenty rows a run, which
    the csv module would format cell by cell."""
    try:
        import pyarrow as pa
        import pyarrow.csv as arrow_csv
        import pyarrow.parquet as pq
    except ImportError:
        return export_long_csv(store), None
    schema = arrow_schema(long_columns(store))
    batches = [pa.record_batch([pa.array(col, type=f.type) for col, f in zip(columns, schema)], schema=schema)
               for columns in long_column_batches(store)]
    table = pa.Table.from_batches(batches, schema=schema) if batches else schema.empty_table()
    paths = (store.folder / LONG_CSV, store.folder / LONG_PARQUET)
    for path, write in zip(paths, (
            lambda tmp: arrow_csv.write_csv(table, tmp, arrow_csv.WriteOptions(quoting_style="needed")),
            lambda tmp: pq.write_table(table, tmp))):
        tmp = path.with_name(path.name + ".tmp")
        with export_or_fail(path, tmp):
            write(tmp)
        tmp.replace(path)
    return paths
