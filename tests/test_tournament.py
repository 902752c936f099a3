"""Tournaments: negotiators in countries' seats on the sweep engine, their measures, the ranking
with confidence intervals, resuming after kill -9, and bad input."""

from __future__ import annotations

import csv
import io
import json
import math
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import t

from tppgame.cli import main
from tppgame.experiments.headlines import play
from tppgame.experiments.store import read_runs
from tppgame.experiments.sweep import run_seed
from tppgame.experiments.tournament import (SeatMetrics, default_negotiators, deal_benchmarks,
                                            plan_tournament, run_tournament)
from tppgame.experiments.tournament_report import ranking_columns, write_report
from tppgame.game.frontier import FrontierSummary
from tppgame.game.negotiators import BUILT_IN, Linear, register, unregister
from tppgame.game.scenario import load_scenario
from tppgame.game.solutions import nash_distance
from test_bargaining import make_terms
from test_sweep import kill_once_stored

ROOT = Path(__file__).resolve().parents[1]


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """Mirror and linear in Japan's seat of the baseline, 3 replicates, one worker."""
    out = tmp_path_factory.mktemp("small")
    tournament = plan_tournament(["baseline"], ["mirror", "linear"], ["JPN"], reps=3, out=out)
    done = run_tournament(tournament, workers=1, stream=io.StringIO())
    assert (done.played, done.failed) == (6, 0)
    return tournament, write_report(tournament)


# --------------------------------------------------------------------- measures
def test_a_deal_at_the_nash_point_is_at_distance_0_and_one_at_a_sides_best_is_measured_in_the_unit_zone():
    """The zone scaled to a unit square: each side's gain over its reservation divided by its best gain
    in the zone. At a's best (b at its reservation) the deal is (1, 0), the Nash point (g_a, g_b) / best."""
    frontier = FrontierSummary.build(make_terms(), np.array([0.2]), np.array([0.2]))
    terms = frontier.terms
    x_ab, x_ba = terms.deal_at(frontier.nash())
    at_nash = deal_benchmarks(frontier, x_ab[0], x_ba[0])
    n_a, n_b = (float(v[0]) for v in terms.utilities(x_ab, x_ba))
    r_a, r_b = float(frontier.reserve_a[0]), float(frontier.reserve_b[0])
    best_a, best_b = float(frontier.best_a[0]), float(frontier.best_b[0])
    assert at_nash["nash_distance"] == pytest.approx(0.0, abs=1e-9)
    assert at_nash["joint_gain"] == pytest.approx((n_a - r_a) + (n_b - r_b))
    x_ab, x_ba = terms.deal_at(frontier.theta_best_a)           # a's best: b at its reservation
    u_a, u_b = (float(v[0]) for v in terms.utilities(x_ab, x_ba))
    assert u_b == pytest.approx(r_b, abs=1e-6) and u_a == pytest.approx(best_a, abs=1e-9)
    expected = math.hypot((best_a - n_a) / (best_a - r_a), (n_b - r_b) / (best_b - r_b))
    assert deal_benchmarks(frontier, x_ab[0], x_ba[0])["nash_distance"] == pytest.approx(expected, abs=1e-5)
    assert 0.0 < expected < math.sqrt(2.0)


def test_the_distance_stays_bounded_in_a_thin_zone():
    """A zone whose gains are a millionth of the normal ones: a deal at one side's best is as far from
    the Nash point as in a wide zone of the same shape (it was dozens of Nash gains away when scaled
    by the Nash point's gains)."""
    assert nash_distance((1e-6, 0.0), (0.0, 0.0), (0.5e-6, 0.5e-6), (1e-6, 1e-6)) == pytest.approx(math.hypot(0.5, 0.5))
    assert nash_distance((1.0, 0.0), (0.0, 0.0), (0.5, 0.5), (1.0, 1.0)) == pytest.approx(math.hypot(0.5, 0.5))
    assert nash_distance((1.0, 0.0), (0.0, 0.0), (0.5, 0.5), (1.0, 0.0)) is None      # no zone for b


def test_the_seat_measures_of_a_game_played_directly(small):
    """Each stored game is the game played on its own with the sweep's seed, and its measures read
    from that game by hand: gain, talks met, deals, agreement rate, mean deal round."""
    tournament, report = small
    games = read_csv(report.games_csv)
    assert [(g["negotiator"], g["rep"]) for g in games] == [(n, str(r)) for n in ("mirror", "linear") for r in range(3)]
    base = load_scenario("baseline")
    for k, g in enumerate(games):
        assert int(g["seed"]) == run_seed(base.seed, k % 3)   # replicate r of every negotiator: the same seed
        model = play(base.with_overrides({"countries.JPN.tactic": g["negotiator"]}), int(g["seed"]))
        japan = model.summary()["countries"]["JPN"]
        i = model.config.index("JPN")
        met = [t for t in model.talks if i in (t.a, t.b) and t.meetings and t.fixed_terms is None]
        deals = [d for d in model.deals if i in (d.a, d.b) and d.frontier is not None]
        assert float(g["gain"]) == pytest.approx(japan["utility"] - japan["outside_option"], abs=1e-9)
        assert (int(g["talks_met"]), int(g["deals"])) == (len(met), len(deals))
        assert float(g["agreement_rate"]) == pytest.approx(len(deals) / len(met))
        assert float(g["deal_round"]) == pytest.approx(np.mean([d.round for d in deals]))
        assert g["formed"] == ("true" if model.summary()["formed"] else "false")
        details = json.loads(g["deal_details"])
        assert [d["round"] for d in details] == [d.round for d in deals]
        # a deal whose frontier had no Nash gains over the reservations has no distance (None): left out
        known = [d["nash_distance"] for d in details if d["nash_distance"] is not None]
        assert float(g["nash_distance"]) == pytest.approx(np.mean(known))
        assert SeatMetrics("JPN")(model)["seat_deals"] == len(deals)
        assert float(g["welfare_pct_gdp"]) == japan["welfare"]["percent_gdp"]     # the game's own account
        assert float(g["welfare_usd_m"]) == japan["welfare"]["total_usd_m"]


def test_the_ranking_table_has_its_columns_means_and_t_intervals(small):
    tournament, report = small
    ranking, games = read_csv(report.ranking_csv), read_csv(report.games_csv)
    assert list(ranking[0]) == ranking_columns()
    assert {r["negotiator"] for r in ranking} == {"mirror", "linear"} and len(ranking) == 2
    assert sorted(int(r["rank"]) for r in ranking) == [1, 2]
    assert float(ranking[0]["gain_mean"]) >= float(ranking[1]["gain_mean"])
    for r in ranking:
        gains = [float(g["gain"]) for g in games if g["negotiator"] == r["negotiator"]]
        half = t.ppf(0.975, 2) * np.std(gains, ddof=1) / math.sqrt(3)
        assert float(r["gain_mean"]) == pytest.approx(np.mean(gains))
        assert (float(r["gain_lo"]), float(r["gain_hi"])) == pytest.approx((np.mean(gains) - half, np.mean(gains) + half))
        assert (r["games"], r["failed"], r["scenario"], r["seat"]) == ("3", "0", "baseline", "JPN")
        for name in ("gain", "formed", "agreement_rate", "deal_round", "nash_distance", "joint_gain"):
            assert float(r[f"{name}_lo"]) <= float(r[f"{name}_mean"]) <= float(r[f"{name}_hi"])
    import pyarrow.parquet as pq

    assert pq.read_table(tournament.out / "ranking.parquet").column_names == ranking_columns()
    assert pq.read_table(tournament.out / "games.parquet").num_rows == 6
    assert "mirror" in report.summary.read_text()
    # paper-ready, as a sweep report's figures: PNG at 300 dpi and PDF beside it
    from test_sweep_figures import png_dpi

    png, pdf = report.plots
    assert (png.name, pdf.name) == ("ranking.png", "ranking.pdf") and png.stat().st_size > 10_000
    assert png_dpi(png) == pytest.approx(300, abs=1) and pdf.read_bytes().startswith(b"%PDF")


def test_the_ranking_figure_labels_each_axis_in_words_with_its_unit_and_plots_the_tables_means():
    """The panels had a title but no axis label, so a reader could not tell the unit of a gain or a distance."""
    from tppgame.experiments.tournament_report import AXES, PLOTTED, ranking_figure

    means = {"gain": 0.25, "agreement_rate": 0.75, "nash_distance": 0.125, "joint_gain": 0.03}
    rows = [{"scenario": "baseline", "seat": "JPN", "negotiator": "linear",
             **{f"{m}_{end}": means[m] + shift for m in PLOTTED for end, shift in (("mean", 0), ("lo", -0.01),
                                                                                     ("hi", 0.01))}}]
    figure = ranking_figure(rows)
    labels = [ax.get_xlabel() for ax in figure.axes[:len(PLOTTED)]]
    assert labels == [AXES[m] for m in PLOTTED]
    assert labels[0] == "seat's utility less its outside option (utility)"
    assert labels[1] == "deals closed / talks met (share, 0 to 1)"
    plotted = [float(ax.lines[0].get_xdata()[0]) for ax in figure.axes[:len(PLOTTED)]]
    assert plotted == [means[m] for m in PLOTTED]


def test_the_second_is_behind_the_first_by_the_gap_paired_seed_by_seed(small):
    """Every negotiator plays the same seeds (replicate r: child r of the sweep seed), and the ranking
    gives the second its gap to the first as the mean of the three seeds' differences with their
    t-interval, and the summary says whether that interval excludes 0."""
    tournament, report = small
    ranking, games = read_csv(report.ranking_csv), read_csv(report.games_csv)
    seeds = {n: [g["seed"] for g in games if g["negotiator"] == n] for n in ("mirror", "linear")}
    assert seeds["mirror"] == seeds["linear"]
    first, second = ranking
    assert (first["leader"], first["behind_leader"], second["leader"]) == (first["negotiator"], "", first["negotiator"])
    gain = {(g["negotiator"], g["rep"]): float(g["gain"]) for g in games}
    gaps = [gain[first["negotiator"], str(r)] - gain[second["negotiator"], str(r)] for r in range(3)]
    half = t.ppf(0.975, 2) * np.std(gaps, ddof=1) / math.sqrt(3)
    assert float(second["behind_leader"]) == pytest.approx(np.mean(gaps))
    assert (float(second["behind_leader_lo"]), float(second["behind_leader_hi"])) == pytest.approx(
        (np.mean(gaps) - half, np.mean(gaps) + half))
    verdict = ("not distinguishable" if np.mean(gaps) - half <= 0 <= np.mean(gaps) + half else "distinguishable")
    assert f"behind {first['negotiator']} (paired, " in report.summary.read_text()
    assert f"): {verdict} from seed noise" in report.summary.read_text()


def test_paired_gap_by_hand():
    """Gaps 0.1, 0.2, 0.3 over the replicates both have (replicate 3 of the leader has no partner): mean
    0.2, s = 0.1, t(0.975, 2) = 4.303, half 0.2484: -0.0484 to 0.4484."""
    from tppgame.experiments.tournament_report import gap_words, paired_gap

    mean, low, high, n = paired_gap({0: 1.0, 1: 1.0, 2: 1.0, 3: 9.0}, {0: 0.9, 1: 0.8, 2: 0.7})
    assert n == 3 and mean == pytest.approx(0.2)
    assert (low, high) == pytest.approx((0.2 - 0.24841, 0.2 + 0.24841), abs=1e-5)
    row = {"leader": "linear", "behind_leader": mean, "behind_leader_lo": low, "behind_leader_hi": high}
    assert gap_words(row) == "; 0.2000 behind linear (paired, -0.0484 to 0.4484): not distinguishable from seed noise"
    assert gap_words({**row, "behind_leader_lo": 0.01}).endswith(": distinguishable from seed noise")
    assert gap_words({**row, "behind_leader": 0.0, "behind_leader_lo": 0.0, "behind_leader_hi": 0.0}) == (
        "; the same gain as linear in every seed")


def test_rerunning_a_finished_tournament_plays_nothing(small):
    tournament, _ = small
    again = run_tournament(tournament, workers=1, stream=io.StringIO())
    assert (again.played, again.stored_before) == (0, 6)


def test_pooled_rows_average_each_replicate_over_the_seats_first(tmp_path):
    tournament = plan_tournament(["tokyo_2014"], ["mirror", "conceder"], ["JPN", "AUS"], reps=2, out=tmp_path)
    run_tournament(tournament, workers=1, stream=io.StringIO())
    report = write_report(tournament)
    ranking, games = read_csv(report.ranking_csv), read_csv(report.games_csv)
    pooled = [r for r in ranking if r["seat"] == "all"]
    assert [r["scenario"] for r in pooled] == ["all", "all"] and len(ranking) == 6
    for r in pooled:
        per_rep = [np.mean([float(g["agreement_rate"]) for g in games
                            if g["negotiator"] == r["negotiator"] and g["rep"] == str(rep)]) for rep in range(2)]
        assert float(r["agreement_rate_mean"]) == pytest.approx(np.mean(per_rep))


def test_the_default_line_up_is_every_registered_negotiator_built_in_ones_first():
    assert default_negotiators() == tuple(BUILT_IN)
    assert {"mirror", "opponent_model"} <= set(default_negotiators())

    class Newcomer(Linear):
        name = "newcomer_test"

    register(Newcomer)
    try:
        assert default_negotiators() == (*BUILT_IN, "newcomer_test")
    finally:
        unregister("newcomer_test")


# --------------------------------------------------------------------- bad input
@pytest.mark.parametrize("args, message", [
    (["--negotiators", "mirror,nobody"], r"--negotiators mirror,nobody: expected registered negotiators .* got nobody"),
    (["--seats", "JPN,XXX"], r"--seats JPN,XXX: XXX is not a country of baseline"),
    (["--reps", "0"], r"--reps 0: expected a whole number of at least 1"),
    (["--negotiators", "mirror,,linear"], r"expected names separated by commas"),
    (["nowhere_scenario"], r"nowhere_scenario"),
    (["--workers", "0"], r"--workers 0: expected a whole number of at least 1"),     # the folder was made first
    (["--scheduler", "tcp://127.0.0.1:1"], r"--scheduler: only with --engine dask"),
])
def test_bad_input_is_one_line_and_exit_2(args, message, tmp_path, capsys):
    assert main(["tournament", *args, "--out", str(tmp_path / "t")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert __import__("re").search(message, err), err
    assert not (tmp_path / "t").exists()      # no folder made for a tournament that is refused


@pytest.mark.parametrize("existing", [False, True])
def test_an_engine_that_cannot_start_leaves_no_folder_behind(tmp_path, capsys, existing):
    """A scheduler the tournament cannot reach: the out folder (or, in an existing one, the games folder)
    with an empty store per seat stayed behind after the one-line error."""
    pytest.importorskip("dask.distributed")
    out = tmp_path / "t"
    if existing:
        out.mkdir()
    assert main(["tournament", "--negotiators", "mirror", "--reps", "1", "--engine", "dask", "--scheduler", "nowhere",
                 "--out", str(out)]) == 2
    assert capsys.readouterr().err.startswith("error: --scheduler nowhere: could not connect")
    assert list(tmp_path.iterdir()) == ([out] if existing else []) and (not existing or list(out.iterdir()) == [])


def test_an_unwritable_out_is_one_line_and_exit_2(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    for out, message in ((blocker, "expected a folder, found a file"), (blocker / "sub", "cannot write there")):
        assert main(["tournament", "--negotiators", "mirror", "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"--out {out}: {message}" in err


def test_a_different_tournament_in_the_same_folder_is_refused(small, capsys):
    tournament, _ = small
    assert main(["tournament", "--negotiators", "mirror,boulware", "--reps", "3", "--out", str(tournament.out)]) == 2
    assert "holds a different sweep" in capsys.readouterr().err


# --------------------------------------------------------------------- kill -9 and resume
def stored(out: Path) -> int:
    count = 0
    for db_path in out.glob("games/*/*/sweep.sqlite"):
        try:
            db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=0.1)
            try:
                count += db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
            finally:
                db.close()
        except sqlite3.Error:
            pass
    return count


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_a_tournament_killed_with_sigkill_resumes_to_the_table_of_an_uninterrupted_one(tmp_path):
    out = tmp_path / "killed"
    args = ["tournament", "--negotiators", "mirror,linear,boulware,conceder", "--seats", "JPN,USA", "--reps", "25",
            "--workers", "2", "--out", str(out)]
    total = 4 * 2 * 25
    workers = kill_once_stored(args, lambda: stored(out), 12)
    before = stored(out)
    assert 12 <= before < total, before
    deadline = time.monotonic() + 10             # the pool's processes do not outlive the tournament
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]

    result = subprocess.run([sys.executable, str(ROOT / "run.py"), *args], cwd=ROOT, capture_output=True, text=True,
                            stdin=subprocess.DEVNULL, timeout=300)
    assert result.returncode == 0, result.stderr
    assert f"games: {total - before} played now, {before} from before; 0 failed" in result.stdout
    for seat in ("JPN", "USA"):                                   # every game exactly once
        assert [r["run_index"] for r in read_runs(out / "games" / "baseline" / seat)] == list(range(100))

    whole = plan_tournament(["baseline"], ["mirror", "linear", "boulware", "conceder"], ["JPN", "USA"], reps=25,
                            out=tmp_path / "whole")
    run_tournament(whole, workers=2, stream=io.StringIO())
    write_report(whole)
    for name in ("games.csv", "ranking.csv"):
        assert (out / name).read_text() == (tmp_path / "whole" / name).read_text()


def test_a_tournament_of_another_code_version_is_resumed_only_with_mix_versions(tmp_path, capsys, monkeypatch):
    """Games stored by another version of the code are not mixed with new ones unless asked."""
    import tppgame.experiments.code_version as code_versions

    args = ["tournament", "tokyo_2014", "--negotiators", "linear", "--seats", "JPN", "--reps", "1",
            "--workers", "1", "--out", str(tmp_path / "t")]
    assert main(args) == 0
    capsys.readouterr()
    monkeypatch.setattr(code_versions, "source_fingerprint", lambda: "edited000000")
    assert main(args) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "resuming would mix results of two versions" in errors[0]
    assert main([*args, "--mix-versions"]) == 0
