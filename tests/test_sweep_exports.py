"""The long table's rows are built column by column, a batch ending at a run's end; the store reads
only the columns asked for. Checked against the rows made one by one from each run's detail."""

from __future__ import annotations

import json

import pytest
from test_sweep import quiet, small_plan

from tppgame.experiments.store import ResultStore, read_runs
from tppgame.experiments.sweep import run_sweep
from tppgame.experiments.sweep_long import KEYS, long_batches, long_column_batches, long_columns


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    plan = small_plan()
    out = tmp_path_factory.mktemp("exports")
    run_sweep(plan, out, workers=1, progress=quiet())
    opened = ResultStore.open(out, plan.definition(), plan.columns(), meta=plan.meta())
    yield opened
    opened.close()


def rows_one_by_one(folder) -> list[tuple]:
    """The long table as its definition reads: per run, per country, per sector, one row."""
    out = []
    for run in read_runs(folder):
        key = tuple(run[k] for k in (*KEYS, *json.loads(run["params"])))
        for code, c in json.loads(run["detail"]).items():
            welfare = c["welfare"]
            facts = (c["utility"], c["outside_option"], c["would_ratify"], c["member"], c["signatory"],
                     c["package_utility"], c["needed_to_ratify"], c["refused"],
                     welfare["percent_gdp"], welfare["total_usd_m"])
            out.extend((*key, code, sector, value, *facts) for sector, value in c["concessions"].items())
    return out


def test_the_long_rows_are_those_of_each_runs_detail_in_batches_ending_at_a_run(store):
    expected = rows_one_by_one(store.folder)
    per_run = len(expected) // 12
    assert per_run == 12 * 11              # 12 countries x the ten sectors and the services chapter
    batches = list(long_batches(store, size=250))
    assert [row for batch in batches for row in batch] == expected
    # a batch closes at the first run's end past 250 rows: 2 runs (264 rows), 6 times
    assert [len(batch) for batch in batches] == [2 * per_run] * 6
    columns = list(long_column_batches(store, size=250))
    assert all(len(batch) == len(long_columns(store)) for batch in columns)
    assert [list(zip(*batch)) for batch in columns] == batches


def test_the_store_reads_only_the_columns_asked_for_in_that_order(store):
    every = [row for batch in store.batches() for row in batch]
    names = [c.name for c in store.columns]
    picked = [row for batch in store.batches(5, ["seed", "run_index", "formed"]) for row in batch]
    assert picked == [(row[names.index("seed")], row[names.index("run_index")], row[names.index("formed")])
                      for row in every]
    assert all(isinstance(row[2], bool) for row in picked)   # decoded by the column's kind
