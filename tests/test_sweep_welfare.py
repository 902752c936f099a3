"""Welfare as an outcome of sweeps: the report's --outcomes (indices, variance shares, Morris figures),
the glossary's words for the welfare columns, and a store written before the welfare account (store
version 2), which still reports.

Every expected number is computed here from the stored runs (themselves checked against the games
played directly in tests/test_sweep_outcomes.py), never written down.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("SALib")

from tppgame.cli import main
from tppgame.experiments.store import WELFARE_COLUMNS, WELFARE_PREFIX, ResultStore, read_runs
from tppgame.experiments.sweep import PlainProgress, build_plan, make_spec, run_chunk, run_sweep
from tppgame.experiments.sweep_report import load_sweep
from tppgame.experiments.sweep_sensitivity import outputs_of, select_outputs
from tppgame.game.glossary import outcome_label

COST = "bargaining.cost_scale"
ENDGAME = "bargaining.endgame_share"
VARY = f"{COST}=[0.02, 0.3]"      # tokyo_2014: a setting to sweep (no agreement forms at either, seed 5's runs)
# tokyo_2014: a US bar of 0.05 lets the agreement form before trade promotion authority (the package gives the US
# about 0.06), 0.3 does not; the political cost no longer moves the welfare at all once biologics is a common
# standard (no agreement at either cost, the same runs' welfare at both points)
BAR_VARY = "countries.USA.ratification_threshold=[0.05, 0.3]"
WELFARE = {c.name for c in WELFARE_COLUMNS}


def quiet() -> PlainProgress:
    import io

    return PlainProgress(1, stream=io.StringIO())


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def swept(tmp_path_factory) -> Path:
    """tokyo_2014 at two US bars x 3 replicates (6 runs)."""
    out = tmp_path_factory.mktemp("welfare") / "sweep"
    report = run_sweep(build_plan(make_spec("tokyo_2014", [BAR_VARY], reps=3, seed=5)), out, workers=1,
                       progress=quiet())
    assert (report.ok, report.failed) == (6, 0)
    return out


def eta_squared(runs: list[dict[str, Any]], column: str) -> float:
    """Between-point sum of squares over the total, over the runs' stored values of a column."""
    values = np.array([r[column] for r in runs], dtype=float)
    total = ((values - values.mean()) ** 2).sum()
    between = sum(len(group) * (group.mean() - values.mean()) ** 2
                  for point in {r["point"] for r in runs}
                  for group in [np.array([r[column] for r in runs if r["point"] == point], dtype=float)])
    return float(between / total)


def test_the_report_analyses_the_welfare_outcomes_it_is_given(swept, tmp_path, capsys):
    runs = read_runs(swept)
    chosen = ["welfare_total_usd_m", "welfare_pct_gdp_JPN"]
    for column in chosen:      # the setting moves the points' means (else the test would say nothing)
        points = {r["point"] for r in runs}
        assert len({float(np.mean([float(r[column]) for r in runs if r["point"] == p])) for p in points}) > 1
    out = tmp_path / "report"
    assert main(["sweep-report", str(swept), "--out", str(out), "--formats", "png", "--outcomes", ",".join(chosen)]) == 0
    printed = capsys.readouterr().out
    assert "explains" in printed and "of the variance of the total welfare, US$ m" in printed
    table = read_csv(out / "sensitivity.csv")
    assert [r["output"] for r in table] == chosen
    for row in table:
        assert float(row["setting_share"]) == pytest.approx(eta_squared(runs, row["output"]), rel=1e-5)
        assert float(row["S1"]) == pytest.approx(1.0)          # one setting: the points' means, all its own


def test_the_default_outcomes_add_the_welfare_aggregates_and_welfare_names_each_country(swept):
    data = load_sweep(swept)
    assert data.schema_version == 4 and set(data.measured) >= WELFARE
    names = [o.name for o in outputs_of(data)]
    assert names[:2] == ["agreement_probability", "conclusion_round"]
    assert names[2:14] == [f"utility_{c}" for c in data.countries]
    assert names[14:] == [c.name for c in WELFARE_COLUMNS]
    # the report's words read as a noun phrase after "the variance of the ...": a count says it is one
    assert {o.name: o.label for o in outputs_of(data)}["n_welfare_losers"] == "number losing welfare"
    assert [o.name for o in select_outputs(data, "welfare")] == [f"{WELFARE_PREFIX}{c}" for c in data.countries]
    assert [o.name for o in select_outputs(data, "utility_USA,welfare_min_pct_gdp,utility_USA")] == [
        "utility_USA", "welfare_min_pct_gdp"]
    assert len(select_outputs(data, "all")) == 2 + 2 * len(data.countries) + len(WELFARE_COLUMNS)


@pytest.mark.parametrize("outcomes", ["welfare_of_everyone", "", "utility_XYZ"])
def test_an_unknown_outcome_is_one_line_and_exit_2(swept, tmp_path, capsys, outcomes):
    out = tmp_path / "report"
    assert main(["sweep-report", str(swept), "--out", str(out), "--outcomes", outcomes]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: --outcomes ") and not out.exists()


def test_the_unknown_outcome_line_lists_every_outcome_whole(swept, tmp_path, capsys):
    """The list of known outcomes was cut at 400 characters, mid-name ('..., welfare_pct_g)'): the
    per-country outcomes are now one form each with their countries, and nothing is cut."""
    from tppgame.experiments.sweep_sensitivity import outcome_forms

    names = ["agreement_probability", "utility_USA", "utility_JPN", "welfare_total_usd_m",
             "welfare_pct_gdp_USA", "welfare_pct_gdp_JPN", "n_welfare_losers"]
    assert outcome_forms(names) == ["agreement_probability", "utility_XXX (XXX: USA, JPN)", "welfare_total_usd_m",
                                    "welfare_pct_gdp_XXX (XXX: USA, JPN)", "n_welfare_losers"]
    assert main(["sweep-report", str(swept), "--out", str(tmp_path / "r"), "--outcomes", "nosuch"]) == 2
    err = capsys.readouterr().err
    assert "utility_XXX (XXX: USA, JPN, " in err and err.endswith(", BRN))\n")


def test_a_morris_figure_of_a_welfare_outcome(tmp_path):
    out = tmp_path / "morris"
    plan = build_plan(make_spec("tokyo_2014", [f"{COST}=uniform(0.02, 0.3)", f"{ENDGAME}=uniform(0, 1)"],
                                design="morris", samples=2, seed=3))
    assert run_sweep(plan, out, workers=1, progress=quiet()).ok == plan.total == 6
    assert main(["sweep-report", str(out), "--formats", "png", "--outcomes", "welfare_total_usd_m"]) == 0
    figures = sorted(p.name for p in (out / "report").glob("morris_*"))
    assert figures == ["morris_welfare_total_usd_m.png"]


def test_the_glossary_words_the_welfare_columns():
    assert outcome_label("welfare_pct_gdp_JPN") == "Japan's welfare gain (% of its 2013 GDP)"
    assert outcome_label("welfare_pct_gdp_USA", unit=False) == "United States' welfare gain"
    assert outcome_label("welfare_usd_m") == "The country's welfare gain (US$ m)"
    assert outcome_label("welfare_total_usd_m") == "Welfare gain of all the countries together (US$ m)"
    for name in WELFARE:
        assert outcome_label(name) != name


# ----------------------------------------------------------------------- a store of version 2
def version_2_store(out: Path, rows: list[dict[str, Any]], plan: Any) -> Path:
    """The runs as the previous store format held them: no welfare columns, no welfare in detail."""
    columns = [c for c in plan.columns() if c.name not in WELFARE and not c.name.startswith(WELFARE_PREFIX)]
    old = [{**row, "detail": {code: {k: v for k, v in c.items() if k != "welfare"} for code, c in row["detail"].items()}}
           for row in rows]
    with ResultStore.open(out, plan.definition(), columns, meta=plan.meta()) as store:
        store._db.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
        store.add(old)
    return out


def test_a_store_of_version_2_still_reports_what_it_holds(tmp_path, capsys):
    plan = build_plan(make_spec("tokyo_2014", [VARY], reps=2, seed=11))
    rows = run_chunk(plan.scenario, [plan.run(k) for k in range(plan.total)])
    old = version_2_store(tmp_path / "v2", rows, plan)
    with ResultStore.open(tmp_path / "v3", plan.definition(), plan.columns(), meta=plan.meta()) as store:
        store.add(rows)
    data = load_sweep(old)
    assert data.schema_version == 2 and data.measured == []
    assert main(["sweep-report", str(old), "--formats", "png"]) == 0
    assert main(["sweep-report", str(tmp_path / "v3"), "--formats", "png"]) == 0
    capsys.readouterr()
    before, now = (read_csv(folder / "report" / "sensitivity.csv") for folder in (old, tmp_path / "v3"))
    assert before == [r for r in now if r["output"] not in WELFARE]    # the same, but for the welfare rows
    assert any(r["output"] in WELFARE for r in now)

    assert main(["sweep-report", str(old), "--outcomes", "welfare_total_usd_m"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "this store holds no welfare (written by an earlier version of tppgame, " \
                                   "store version 2)" in err



def test_a_welfare_figure_reads_the_outcome_in_words(tmp_path):
    """The SVG keeps each text as a comment: the title and the axis name Japan's welfare gain, capital kept."""
    import re

    from tppgame.experiments.sweep_figures import plot_morris, plot_sobol
    from tppgame.experiments.sweep_sensitivity import Effect, Index

    output = "welfare_pct_gdp_JPN"
    effects = [Effect(output, COST, 0.03, 0.02, 0.04, 0.01), Effect(output, ENDGAME, 0.006, 0.005, 0.005, 0.006)]
    indices = [Index(output, COST, 0.7, 0.1, 0.8, 0.1), Index(output, ENDGAME, 0.2, 0.1, 0.3, 0.1)]
    for plot, rows, title in ((plot_morris, effects, "Morris screening of"), (plot_sobol, indices, "Sobol indices of")):
        svg = plot(rows, output, "a sweep", tmp_path / plot.__name__, ["svg"])[0].read_text(encoding="utf-8")
        texts = " ".join(re.findall(r"<!-- (.*?) -->", svg))
        assert f"{title} Japan's welfare gain (% of its 2013 GDP)" in texts
        assert "of Japan's welfare gain" in texts or "on Japan's welfare gain" in texts
