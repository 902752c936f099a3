"""What a sweep stores of each game beyond the outcome (date, ratifying, hold-outs, deal rounds,
per-country detail, welfare), the long table built from it, and events that set a swept setting again."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from tppgame.cli import main
from tppgame.experiments import sweep
from tppgame.experiments.store import ResultStore, StoreError, read_runs
from tppgame.experiments.sweep import PlainProgress, build_plan, make_spec, run_sweep
from tppgame.game.utility import attainable_gain
from tppgame.model import TPPModel

ROOT = Path(__file__).resolve().parents[1]
RICE = "countries.JPN.sensitivity.rice"
THRESHOLD = "countries.USA.ratification_threshold"
TPA = "Congress passes trade promotion authority"
WARNING = (f'sweep: warning: {THRESHOLD} is set again by the event "{TPA}" (round 24, starting 2015-06-01): '
           f'{THRESHOLD} = 0.1 from then on in every run; --drop-event "{TPA}" plays without it, and '
           f'"after:{TPA}:{THRESHOLD}" varies the value it sets')


def quiet() -> PlainProgress:
    return PlainProgress(1, stream=io.StringIO())


@pytest.fixture(scope="module")
def swept(tmp_path_factory) -> tuple[Path, sweep.SweepPlan]:
    """The baseline with two values of Japan's rice sensitivity x 2 replicates (4 runs)."""
    out = tmp_path_factory.mktemp("outcomes")
    plan = build_plan(make_spec("baseline", [f"{RICE}=[1.0, 2.0]"], reps=2, seed=3))
    report = run_sweep(plan, out, workers=1, progress=quiet())
    assert (report.ok, report.failed) == (4, 0)
    return out, plan


def played(row: dict) -> TPPModel:
    """The game of a stored run, played here on its own with the run's seed and settings."""
    model = TPPModel("baseline", rng=row["seed"], overrides=json.loads(row["params"]))
    while model.running:
        model.step()
    return model


def test_the_store_holds_the_new_columns_of_the_game_played_directly(swept):
    out, _ = swept
    for row in read_runs(out):
        model = played(row)
        summary = model.summary()
        assert row["date"] == summary["date"] and row["round"] == summary["round"]
        assert row["ratifying"] == (" ".join(summary["ratifying"]) or None)
        assert row["n_ratifying"] == len(summary["ratifying"])
        assert row["holdouts"] == (" ".join(summary["holdouts"]) or None)
        assert row["n_holdouts"] == len(summary["holdouts"])
        closed = {f"{model.countries[min(d.a, d.b)]}-{model.countries[max(d.a, d.b)]} {d.kind}": d.round
                  for d in model.deals}
        assert json.loads(row["deal_rounds"]) == closed
        # each deal's date is the first day of its round's month in the run's calendar
        dates = {key: model.config.round_date(r).isoformat() for key, r in closed.items()}
        assert json.loads(row["deal_dates"]) == dates
        detail = json.loads(row["detail"])
        assert list(detail) == list(model.countries)
        check = model.last_check
        for code, c in summary["countries"].items():
            stored = dict(detail[code])
            needs = {k: stored.pop(k) for k in ("package_utility", "needed_to_ratify", "refused")}
            assert stored == {"utility": c["utility"], "outside_option": c["outside_option"],
                              "would_ratify": code in summary["ratifying"], "member": c["member"],
                              "signatory": c["signatory"], "concessions": c["concessions"],
                              "welfare": c["welfare"]}
            assert needs["package_utility"] == round(check.utility[code], 6)
            assert needs["refused"] == (code in check.refused)


def test_each_run_holds_what_each_country_needed_to_ratify_and_whether_it_would(swept):
    """needed_to_ratify is the country's ratification threshold times what it could attain from the group
    (the signatories here, as every stored baseline run forms), and a signatory would ratify exactly when
    the package's gain over its outside option reaches it: the stored numbers agree with would_ratify."""
    out, _ = swept
    for row in read_runs(out):
        model = played(row)
        detail = json.loads(row["detail"])
        assert row["formed"]
        group = np.array([c in row["members"].split() for c in model.countries])
        attainable = attainable_gain(model.weights, group)
        for k, code in enumerate(model.countries):
            c = detail[code]
            if not group[k]:
                assert c["needed_to_ratify"] is None
                continue
            assert c["needed_to_ratify"] == pytest.approx(model.weights.threshold[k] * attainable[k], abs=1e-6)
            reaches = c["package_utility"] - c["outside_option"] >= c["needed_to_ratify"] - 2e-6
            assert c["would_ratify"] == (reaches and not c["refused"])
            assert c["package_utility"] == c["utility"]                   # formed: the agreement's


def test_each_run_holds_each_countrys_welfare_gain_as_the_game_reports_it(swept):
    """The welfare columns are the game's own summary welfare (played here with the run's seed): each
    country's % of GDP, and the sums, the minimum and the losers taken over its accounts."""
    out, _ = swept
    for row in read_runs(out):
        summary = played(row).summary()
        accounts = {code: c["welfare"] for code, c in summary["countries"].items()}
        for code, account in accounts.items():
            assert row[f"welfare_pct_gdp_{code}"] == account["percent_gdp"]
            assert json.loads(row["detail"])[code]["welfare"]["total_usd_m"] == account["total_usd_m"]
        usd = {code: a["total_usd_m"] for code, a in accounts.items()}
        assert row["welfare_total_usd_m"] == pytest.approx(sum(usd.values()), abs=1e-9)
        assert row["welfare_members_usd_m"] == pytest.approx(sum(usd[c] for c in summary["members"]), abs=1e-9)
        assert row["welfare_min_pct_gdp"] == min(a["percent_gdp"] for a in accounts.values())
        assert row["n_welfare_losers"] == sum(1 for v in usd.values() if v < 0)
        if not summary["formed"]:
            assert row["welfare_members_usd_m"] == 0.0


def test_a_baseline_run_by_hand(swept):
    """Read off one run: the agreement forms, on the date of its round, and the Japan-Australia
    EPA's round is stored under its pair and track."""
    out, _ = swept
    row = read_runs(out)[0]
    assert row["formed"] and row["date"] == str(TPPModel("baseline").config.round_date(row["round"]))
    assert "JPN-AUS standalone" in json.loads(row["deal_rounds"])
    assert row["n_holdouts"] + row["n_ratifying"] <= 12


def test_the_long_table_has_a_row_per_run_country_and_sector(swept):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    out, plan = swept
    runs = read_runs(out)
    countries, sectors = plan.scenario.countries, plan.scenario.sectors
    from_csv, from_parquet = pd.read_csv(out / "runs_long.csv"), pd.read_parquet(out / "runs_long.parquet")
    # 12 countries x the ten sectors and the services chapter
    assert len(from_csv) == len(runs) * len(countries) * len(sectors) == 4 * 12 * 11
    assert list(from_csv.columns) == ["run_index", "point", "rep", "seed", RICE, "country", "sector", "concession",
                                      "utility", "outside_option", "would_ratify", "member", "signatory",
                                      "package_utility", "needed_to_ratify", "refused",
                                      "welfare_pct_gdp", "welfare_usd_m"]
    pd.testing.assert_frame_equal(from_csv, from_parquet, check_dtype=False)
    assert from_csv[["run_index", "country", "sector"]].drop_duplicates().shape[0] == len(from_csv)
    for run in runs:
        detail = json.loads(run["detail"])
        mine = from_csv[from_csv["run_index"] == run["run_index"]]
        assert (mine[RICE] == run[RICE]).all() and (mine["seed"] == run["seed"]).all()
        for code in ("USA", "JPN"):
            for sector in ("rice", "autos"):
                cell = mine[(mine["country"] == code) & (mine["sector"] == sector)].iloc[0]
                assert cell["concession"] == detail[code]["concessions"][sector]
                assert cell["utility"] == run[f"utility_{code}"]
                assert cell["outside_option"] == detail[code]["outside_option"]
                assert bool(cell["would_ratify"]) == (code in (run["ratifying"] or "").split())
        for code in countries:      # a country's welfare, the same on each of its sector rows
            rows = mine[mine["country"] == code]
            assert set(rows["welfare_pct_gdp"]) == {detail[code]["welfare"]["percent_gdp"]}
            assert set(rows["welfare_usd_m"]) == {detail[code]["welfare"]["total_usd_m"]}


@pytest.mark.parametrize("version", [1, 2, 3])
def test_a_store_of_an_earlier_version_is_refused_in_one_line(tmp_path, version):
    plan = build_plan(make_spec("tokyo_2014", [f"{RICE}=[1.0]"], seed=1))
    with ResultStore.open(tmp_path / "old", plan.definition(), plan.columns(), meta=plan.meta()) as store:
        store._db.execute(f"UPDATE meta SET value = '{version}' WHERE key = 'schema_version'")
    with pytest.raises(StoreError) as err:
        ResultStore.open(tmp_path / "old", plan.definition(), plan.columns())
    message = str(err.value)
    assert "\n" not in message and f"store version {version}, this one writes 4" in message
    assert message.endswith("use another --out folder, or remove this one to start again")


# ----------------------------------------------------------------------- events that set a swept setting
def test_the_baseline_threshold_is_named_with_the_tpa_event():
    said: list[str] = []
    plan = build_plan(make_spec("baseline", [f"{THRESHOLD}=[0.1, 0.3]"]), say=said.append)
    assert said == [WARNING] and plan.warnings == (WARNING,)
    assert build_plan(make_spec("baseline", fixed=[(THRESHOLD, 0.2)])).warnings == (WARNING,)   # --set too


def test_the_warning_does_not_say_the_events_value_plays_when_the_sweep_sets_it_after_the_event():
    """Swept with after:TPA:THRESHOLD too (or that fixed by --set), the warning said 'THRESHOLD = 0.1 from
    then on in every run', though each run plays the value the sweep gives after the event (0.1 or 0.3)."""
    after = f"after:{TPA}:{THRESHOLD}"
    expected = (f'sweep: warning: {THRESHOLD} is set again by the event "{TPA}" (round 24, starting 2015-06-01): '
                f"from then on each run plays the value the sweep gives \"{after}\", not {THRESHOLD}'s; "
                f'--drop-event "{TPA}" plays without it')
    assert build_plan(make_spec("baseline", [f"{THRESHOLD}=[0.1, 0.3]", f"{after}=[0.1, 0.3]"])).warnings == (
        expected,)
    assert build_plan(make_spec("baseline", [f"{THRESHOLD}=[0.1, 0.3]"], fixed=[(after, 0.3)])).warnings == (
        expected,)


def test_the_report_repeats_the_warning_of_a_setting_an_event_sets_again(tmp_path):
    """The store keeps the plan's warning, so the report of a sweep of the US threshold (which explains
    nothing after June 2015, whatever its value) says why in its notes; a sweep without one says nothing."""
    from test_sweep_report import write_store

    from tppgame.experiments.sweep_report import make_report

    plan = build_plan(make_spec("baseline", [f"{THRESHOLD}=[0.1, 0.3]"], reps=2))
    write_store(tmp_path / "tpa", plan, lambda p, rep: {"formed": rep == 0})
    notes = [line for line in make_report(tmp_path / "tpa", formats="png").lines if "overrides" in line]
    assert notes == ["  - an event overrides a swept setting, so read its indices with this in mind: "
                     + WARNING.removeprefix("sweep: warning: ")]
    plain = build_plan(make_spec("baseline", [f"{RICE}=[1.0, 2.0]"], reps=2))
    write_store(tmp_path / "rice", plain, lambda p, rep: {"formed": rep == 0})
    assert not any("overrides" in line for line in make_report(tmp_path / "rice", formats="png").lines)


@pytest.mark.parametrize("vary", [f"{RICE}=[1.0, 2.0]", "countries.JPN.ratification_threshold=[0.1, 0.3]"])
def test_a_setting_no_event_touches_is_not_named(vary):
    said: list[str] = []
    plan = build_plan(make_spec("baseline", [vary]), say=said.append)
    assert said == [] and plan.warnings == ()


def test_dropping_the_event_is_not_warned_and_the_cli_warns_before_any_run(tmp_path, capsys):
    plan = build_plan(make_spec("baseline", [f"{THRESHOLD}=[0.1, 0.3]"], drop_events=[TPA]))
    assert plan.warnings == () and TPA not in [e.label for e in plan.scenario.events]
    assert plan.definition()["drop_events"] == [TPA]
    out = tmp_path / "warned"
    assert main(["sweep", "baseline", "--vary", f"{THRESHOLD}=[0.3]", "--workers", "1", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines()[0] == WARNING        # before any run's progress line
    assert build_plan(make_spec("tokyo_2014", [f"{THRESHOLD}=[0.3]"])).warnings == ()   # no shock there


def test_drop_event_plays_the_games_of_the_scenario_without_it(tmp_path):
    text = (ROOT / "scenarios" / "baseline.toml").read_text(encoding="utf-8")
    start = text.index('[[events]]\nkind = "shock"')
    end = text.index("[[events]]", start + 1)
    assert TPA in text[start:end]
    without = tmp_path / "baseline_without_tpa.toml"
    without.write_text(text[:start] + text[end:], encoding="utf-8")
    out = tmp_path / "dropped"
    assert main(["sweep", "baseline", "--vary", f"{THRESHOLD}=[0.1, 0.3]", "--reps", "2", "--seed", "5",
                 "--drop-event", TPA, "--workers", "1", "--out", str(out)]) == 0
    rows = read_runs(out)
    assert len(rows) == 4
    for row in rows:
        model = TPPModel(str(without), rng=row["seed"], overrides={THRESHOLD: row[THRESHOLD]})
        while model.running:
            model.step()
        expected = sweep.outcome(model.summary(), model)
        json_columns = ("detail", "deal_rounds", "deal_dates")
        assert {k: json.loads(row[k]) if k in json_columns else row[k] for k in expected} == expected


def test_an_unknown_event_label_is_one_line_and_exit_2(tmp_path, capsys):
    out = tmp_path / "unknown"
    code = main(["sweep", "baseline", "--vary", f"{THRESHOLD}=[0.1]", "--drop-event", "Congress passes TPA",
                 "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and not out.exists()
    assert err.startswith("error: --drop-event Congress passes TPA: no event of this scenario has this label "
                          '(its events: "Singapore ministerial: the end-2013 target"; ')
    assert f'"{TPA}"' in err
