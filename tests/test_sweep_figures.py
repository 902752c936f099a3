"""Paper-ready sweep figures: the glossary's labels, file formats at 300 dpi, Morris and Sobol plots,
and scenario discovery by PRIM (the EMA Workbench's).

Stores are synthetic (a real plan, outcomes written through the store's API, as in
tests/test_sweep_report.py), so the reports are quick and their numbers known.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("SALib")
from test_sweep_report import COST, ENDGAME, PROTOCOL, plan_of, read_csv, write_store

from tppgame.cli import main
from tppgame.experiments.sweep_discovery import prim, summary_line
from tppgame.experiments.sweep_data import ReportError
from tppgame.experiments.sweep_report import make_report
from tppgame.game.glossary import label, outcome_label, setting_label


# ----------------------------------------------------------------------- the glossary
def test_labels_are_words_with_units_from_the_descriptions():
    assert setting_label("countries.JPN.sensitivity.rice") == (
        "Japan's domestic political cost of fully opening rice (0 = nobody objects, 1 = ordinary lobby, "
        "3 = near-untouchable)")
    assert setting_label(COST) == "Scale of the political cost of opening a sector (share of the full-access gain)"
    assert setting_label("countries.USA.ratification_threshold", unit=False) == (
        "Share of the attainable gains United States needs to ratify")
    assert setting_label("events[0].probability") == "Chance the event happens (probability)"
    assert setting_label("no.such.path") == "no.such.path"
    assert outcome_label("utility_JPN") == "Japan's utility (utility)"
    assert label("formed") == "Agreement formed (1 = yes, 0 = no)"


def test_a_description_that_names_its_payoff_or_lists_its_values_is_labelled_in_words():
    # the reference opens these with the payoff they apply to, or with what each value means; the
    # label was that name ("Political_economy (weight)", "Full", "Standalone")
    assert setting_label("bargaining.lobby_weight") == (
        "Extra weight on organised producers per unit of sensitivity or export interest, beyond welfare (weight)")
    assert setting_label("bargaining.information") == "What a negotiator knows of its partner's utility"
    assert setting_label("side_deals[0].kind") == "Whether the side deal stands whatever happens to the TPP"
    assert setting_label("headlines[0].first", unit=False) == "The pair that closes first"
    from tppgame.game.scenario_descriptions import DESCRIPTIONS
    for key in DESCRIPTIONS:       # no label opens with a payoff's, a kind's or a value's name
        words = setting_label(key.replace("CODE", "JPN").replace("SECTOR", "rice"), unit=False)
        assert "_" not in words.split()[0] and not words.startswith(("Full", "False", "With ")), (key, words)


# ----------------------------------------------------------------------- formats and resolution
def png_dpi(path: Path) -> float:
    """The resolution in a PNG's pHYs chunk (pixels per metre -> per inch)."""
    data = path.read_bytes()
    at = data.index(b"pHYs")
    x, y, unit = struct.unpack(">IIB", data[at + 4:at + 13])
    assert unit == 1 and x == y
    return x * 0.0254


@pytest.fixture(scope="module")
def small_grid(tmp_path_factory) -> Path:
    """2 x 2 points x 2 reps: agreement exactly where the cost is high."""
    plan = plan_of([f"{COST}=[0.1, 0.4]", f"{ENDGAME}=[0, 1]"], reps=2)
    return write_store(tmp_path_factory.mktemp("grid"), plan, lambda p, rep: {"formed": p[COST] > 0.2})


def test_report_writes_png_at_300_dpi_and_pdf_by_default(small_grid, tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["sweep-report", str(small_grid), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    pngs = sorted(p.stem for p in out.glob("*.png"))
    assert pngs == sorted(p.stem for p in out.glob("*.pdf"))
    assert "agreement_bargaining_cost_scale" in pngs and "heatmap_bargaining_cost_scale__bargaining_endgame_share" in pngs
    assert not list(out.glob("*.svg"))
    for png in out.glob("*.png"):
        assert png_dpi(png) == pytest.approx(300, abs=0.5)
    for pdf in out.glob("*.pdf"):
        assert pdf.read_bytes()[:5] == b"%PDF-"
    assert str(out / "agreement_bargaining_cost_scale.pdf") in printed


def test_svg_only_and_an_unknown_format_is_one_line_and_exit_2(small_grid, tmp_path, capsys):
    out = tmp_path / "svg"
    make_report(small_grid, out, "svg")
    assert {p.suffix for p in out.iterdir() if p.stem.startswith("agreement_")} == {".svg"}
    assert main(["sweep-report", str(small_grid), "--out", str(tmp_path / "x"), "--formats", "png,gif"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith("error: ") and "unknown format gif" in captured.err


# ----------------------------------------------------------------------- Morris and Sobol figures
@pytest.mark.parametrize("design, samples, other", [("morris", 4, "sobol"), ("sobol", 8, "morris")])
def test_morris_plot_and_sobol_bars_for_small_sweeps(design, samples, other, tmp_path):
    """4 Morris trajectories (12 runs) or 8 Saltelli base samples (48 runs) of two settings."""
    plan = plan_of([f"{COST}=uniform(0, 1)", f"{ENDGAME}=uniform(0, 1)"], design=design, samples=samples)
    write_store(tmp_path / "sweep", plan, lambda p, rep: {"formed": p[COST] > 0.5, "round": 2,
                                                          "utility_USA": p[COST]})
    report = make_report(tmp_path / "sweep", formats="png,pdf")
    names = {p.name for p in report.files}
    assert {f"{design}_agreement_probability.png", f"{design}_agreement_probability.pdf",
            f"{design}_conclusion_round.png"} <= names
    assert not any(n.startswith(f"{other}_") for n in names)
    heading = [line for line in report.lines if line.startswith("indices against noise")]
    assert heading == ([] if design == "morris" else [
        "indices against noise (the 95% interval of ST, the whole effect; an interval that reaches down to 0: not "
        "distinguishable from noise):"])


# ----------------------------------------------------------------------- scenario discovery
def test_prim_finds_the_box_where_the_agreement_forms():
    """Agreement exactly where x > 0.6 and y < 0.3, z irrelevant: the box found is that one."""
    rng = np.random.default_rng(1)
    x, y, z = rng.random(1000), rng.random(1000), rng.choice(["a", "b"], 1000)
    result = prim({"x": x, "y": y, "z": z}, (x > 0.6) & (y < 0.3))
    limits = {lim.setting: lim for lim in result.box.limits}
    assert limits["x"].low == pytest.approx(0.6, abs=0.03) and limits["x"].high > 0.97
    assert limits["y"].high == pytest.approx(0.3, abs=0.03) and limits["y"].low < 0.03
    assert not limits["z"].restricted and limits["x"].restricted and limits["y"].restricted
    assert result.box.density > 0.95 and result.box.coverage > 0.9
    assert result.box.mass == pytest.approx(np.mean((x > 0.6) & (y < 0.3)), abs=0.02)
    assert "the agreement forms in" in summary_line(result, {"x": "X"})
    assert prim({"x": x}, np.zeros(1000, dtype=bool)).box is None


def test_each_limit_of_the_box_has_its_quasi_p_value_and_chance_is_named():
    """The box of the test above is no chance: every limit's quasi-p-value (Bryant and Lempert's binomial
    test) is tiny. Agreements that fall at random (half the runs, nothing to do with x or y) still give a
    box, and the line names its limits as not distinguishable from chance."""
    rng = np.random.default_rng(1)
    x, y = rng.random(1000), rng.random(1000)
    real = prim({"x": x, "y": y}, (x > 0.6) & (y < 0.3))
    assert all(lim.quasi_p < 1e-20 for lim in real.box.limits)
    assert summary_line(real, {}).endswith("; every limit's quasi-p-value is below 0.05 (none looks like chance)")
    rng = np.random.default_rng(2)
    x, y = rng.random(60), rng.random(60)
    chance = prim({"x": x, "y": y}, rng.random(60) < 0.5)
    restricted = [lim for lim in chance.box.limits if lim.restricted]
    assert [lim.setting for lim in restricted] == ["x", "y"] and all(lim.quasi_p > 0.05 for lim in restricted)
    line = summary_line(chance, {"x": "Setting X", "y": "Setting Y"})
    assert line.endswith("not distinguishable from chance (quasi-p-value above 0.05): the limits on "
                         f"Setting X ({restricted[0].quasi_p:.2g}), Setting Y ({restricted[1].quasi_p:.2g})")


def test_a_box_that_restricts_nothing_is_no_box_and_the_densest_peel_is_named():
    """The chosen box was the whole space (the densest peel, 0.91, within 0.02 of all the runs' 0.90), and
    the line read "the agreement forms in 90% of the runs where no setting restricted (peeling raised the
    density nowhere) (density)": peeling had raised it, by less than the tolerance."""
    from tppgame.experiments.sweep_discovery import Box, Discovery, Limit

    whole = Box((Limit("x", 0.0, 1.0),), coverage=1.0, density=0.9, mass=1.0, step=0)
    peeled = Box((Limit("x", 0.1, 1.0, restricted=True, quasi_p=0.4),), coverage=0.91, density=0.91, mass=0.9, step=1)
    line = summary_line(Discovery(whole, [whole, peeled], runs=100, formed=90), {})
    assert line == ("scenario discovery (PRIM, alpha 0.05, minimum mass 0.05, 100 runs): no box of settings: the "
                    "agreement forms in 90.0% of all the runs, and no restriction of the settings raises that by "
                    "more than 0.02 (the densest box of the peeling, 91.0% in 90% of the runs, is within 0.02 of it)")
    assert summary_line(Discovery(whole, [whole], runs=100, formed=90), {}).endswith(
        "raises that by more than 0.02 (peeling raised the density nowhere)")


def test_discovery_needs_the_ema_workbench_and_says_so_in_one_line_before_writing(small_grid, tmp_path, monkeypatch):
    import importlib.util
    real_find = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "ema_workbench" else
                        real_find(name, *a))
    with pytest.raises(ReportError) as err:
        make_report(small_grid, tmp_path / "r", formats="png")
    assert str(err.value) == ("sweep-report's scenario discovery (two or more settings) needs the EMA Workbench: "
                              "pip install 'tppgame[sweep]'")
    assert not (tmp_path / "r").exists()


def test_discovery_table_and_line_of_a_grid_report(small_grid, tmp_path):
    report = make_report(small_grid, tmp_path / "r", formats="png")
    table = read_csv(tmp_path / "r" / "discovery.csv")
    assert list(table[0]) == ["setting", "label", "low", "high", "values", "restricted", "quasi_p", "coverage",
                              "density", "mass"]
    rows = {r["setting"]: r for r in table}
    assert (rows[COST]["low"], rows[COST]["high"], rows[COST]["restricted"]) == ("0.4", "0.4", "yes")
    assert rows[ENDGAME]["restricted"] == "no"
    assert float(rows[COST]["density"]) == 1.0 and float(rows[COST]["coverage"]) == 1.0
    line = next(x for x in report.lines if x.startswith("scenario discovery"))
    assert "scale of the political cost of opening a sector (share of the full-access gain) = 0.4" in line


def test_no_discovery_for_one_setting(tmp_path):
    plan = plan_of([f'{PROTOCOL}=["alternating", "nash"]'])
    write_store(tmp_path / "s", plan, lambda p, rep: {"formed": p[PROTOCOL] == "nash"})
    report = make_report(tmp_path / "s", formats="png")
    assert report.discovery is None and not (tmp_path / "s" / "report" / "discovery.csv").exists()


# ----------------------------------------------------------------------- titles and labels that fit
US_BAR = "countries.USA.ratification_threshold"


@pytest.mark.parametrize("design, vary, samples", [
    ("grid", [f"{US_BAR}=[0.1, 0.3]", f"{ENDGAME}=[0, 0.5]"], None),
    ("sobol", [f"{US_BAR}=uniform(0.05, 0.4)", f"{ENDGAME}=uniform(0, 1)"], 4),
    ("morris", [f"{US_BAR}=uniform(0.05, 0.4)", f"{ENDGAME}=uniform(0, 1)", f"{COST}=uniform(0.05, 0.3)"], 2)])
def test_every_text_of_every_figure_fits_and_names_keep_their_capitals(design, vary, samples, tmp_path, monkeypatch):
    """Titles, subtitles, axis labels and legends lie inside the figure (a long design line under the title, the
    Sobol axis label and the discovery subtitle were cut off at the edges), and a setting's label keeps its
    country's name in the title: "... the attainable gains United States needs to ratify", not "united states"."""
    import tppgame.experiments.sweep_figures as sweep_figures
    import tppgame.experiments.sweep_report as sweep_report

    figures = []
    original = sweep_figures.save

    def keep(figure, stem, formats):
        figures.append((stem.name, figure))
        return original(figure, stem, formats)

    monkeypatch.setattr(sweep_figures, "save", keep)
    monkeypatch.setattr(sweep_report, "save", keep)
    options = {"design": design, **({"samples": samples} if samples else {})}
    plan = plan_of(vary, reps=2, **options)
    write_store(tmp_path / "sweep", plan, lambda p, rep: {"formed": p[ENDGAME] > 0.2, "round": 3 + rep,
                                                          "utility_USA": p[ENDGAME] + rep / 10})
    make_report(tmp_path / "sweep", formats="png")
    names = {name for name, _ in figures}
    assert {f"agreement_{US_BAR.replace('.', '_')}", "discovery_trajectory", "discovery_box"} <= names
    assert design == "grid" or f"{design}_conclusion_round" in names
    for name, figure in figures:
        figure.canvas.draw()                                                # the layout at the renderer's dpi
        drawn = figure.get_tightbbox(figure.canvas.get_renderer())          # all that is drawn, in inches
        width, height = figure.get_size_inches()
        assert (drawn.x0 >= -0.01 and drawn.y0 >= -0.01 and drawn.x1 <= width + 0.01
                and drawn.y1 <= height + 0.01), (name, drawn.bounds, (width, height))
    curve = dict(figures)[f"agreement_{US_BAR.replace('.', '_')}"]
    title = " ".join(curve.axes[0].get_title().split())
    assert "against share of the attainable gains United States needs to ratify" in title


def test_the_discovery_box_figure_draws_the_box_within_each_settings_range(small_grid, tmp_path, monkeypatch):
    """The small grid forms exactly where the cost is 0.4 (of 0.1 and 0.4): the box keeps the top of the
    cost's range (a blue mark at 1 on the 0-to-1 scale) and the whole endgame share (grey, 0 to 1)."""
    import matplotlib.colors

    import tppgame.experiments.sweep_figures as sweep_figures

    figures = {}
    original = sweep_figures.save
    monkeypatch.setattr(sweep_figures, "save", lambda figure, stem, formats: figures.setdefault(stem.name, figure)
                        and original(figure, stem, formats))
    report = make_report(small_grid, tmp_path / "r", formats="png")
    assert tmp_path / "r" / "discovery_box.png" in report.files
    ax = figures["discovery_box"].axes[0]
    blue, grey = (matplotlib.colors.to_rgba(c) for c in ("tab:blue", "tab:grey"))
    bars = [(round(b.get_y() + b.get_height() / 2), b.get_x(), b.get_x() + b.get_width(), b.get_facecolor())
            for b in ax.patches]
    assert [(row, low, high) for row, low, high, colour in bars if colour == blue] == [
        (0, pytest.approx(0.995), pytest.approx(1.005))]
    assert [(row, low, high) for row, low, high, colour in bars if colour == grey] == [(1, 0.0, 1.0)]
    assert "density 100%, coverage 100%, mass 50%" in ax.get_title()


def test_a_morris_report_with_replicates_tests_each_setting_against_seed_noise(tmp_path):
    """USA's utility is the cost (on its 0-1 range) plus 0.1 in the second replicate: the cost's elementary
    effects are all 1, the endgame share's all 0. Within each point the two runs differ by 0.1 (variance
    0.005 on 1 df), so an effect from noise alone has variance 2 x 0.005 / 2 / (4/9) = 0.01125 and mu*
    about sqrt(2 / pi x 0.01125) = 0.0846; the cost's F is 1 / 0.01125 = 88.9, the endgame share's 0."""
    plan = plan_of([f"{COST}=uniform(0, 1)", f"{ENDGAME}=uniform(0, 1)"], design="morris", samples=4, reps=2)
    write_store(tmp_path / "sweep", plan, lambda p, rep: {"formed": True, "round": 2,
                                                          "utility_USA": p[COST] + rep / 10})
    lines = make_report(tmp_path / "sweep", formats="png", outcomes="utility_USA").lines
    at = lines.index("Morris effects against seed noise (F test of each setting's elementary effects against the "
                     "variance within the points; p >= 0.05: not distinguishable from seed noise):")
    assert lines[at + 1:at + 3] == [
        f"  {COST} on the utility of USA: mu* 1, seed noise alone about 0.0846 (F = 88.9 on 4 and 12 df, "
        "p < 0.001): beyond seed noise",
        f"  {ENDGAME} on the utility of USA: mu* 0, seed noise alone about 0.0846 (F = 0 on 4 and 12 df, "
        "p = 1.00): not distinguishable from seed noise"]


def test_the_sobol_figure_marks_what_the_seeds_noise_alone_gives_st(tmp_path, monkeypatch):
    """The report judges a Sobol ST with replicates against the seeds' noise, not 0; the figure drew only 0,
    so an ST bar whose interval lay above 0 but reached the noise read as an effect. A dashed line marks it."""
    from tppgame.experiments import sweep_figures
    from tppgame.experiments.sweep_sensitivity import Index

    drawn = []
    monkeypatch.setattr(sweep_figures, "save", lambda figure, stem, formats: drawn.append(figure) or [])
    rows = [Index("utility_USA", COST, 0.1, 0.2, 0.6, 0.3)]
    sweep_figures.plot_sobol(rows, "utility_USA", "a sweep", tmp_path / "s", ["png"], floor=0.443)
    sweep_figures.plot_sobol(rows, "utility_USA", "a sweep", tmp_path / "t", ["png"])
    marked = [[(line.get_xdata()[0], line.get_label()) for line in figure.axes[0].lines
               if line.get_linestyle() == "--"] for figure in drawn]
    assert marked == [[(0.443, "ST from the seeds' noise alone (0.443)")], []]
