"""A setting as it stands after a named scheduled event: ``after:LABEL:PATH`` in ``--set`` and
``--vary`` replaces the value the shock labelled LABEL gives the setting PATH.

In the baseline, the US needs 30% of the attainable gains to ratify until Congress passes trade
promotion authority (round 24, June 2015), and 10% from then on: ``--set THRESHOLD=...`` changes
the first, ``--set after:TPA:THRESHOLD=...`` the second. (The baseline's missed deadlines lower the
bar further; the bar before and after the event is checked on judged_indices, the old baseline's
games, where TPA is the only change.)
"""

from __future__ import annotations

import io
import json

import pytest

from tppgame import TPPModel
from tppgame.cli import main
from tppgame.experiments.store import read_runs
from tppgame.experiments.sweep import PlainProgress, build_plan, make_spec, run_sweep
from tppgame.game.glossary import setting_label
from tppgame.game.scenario import ScenarioError, load_scenario

THRESHOLD = "countries.USA.ratification_threshold"
TPA = "Congress passes trade promotion authority"
AFTER = f"after:{TPA}:{THRESHOLD}"


def usa_threshold(model: TPPModel) -> float:
    return float(model.config.params["ratification_threshold"][model.config.index("USA")])


def test_the_value_after_the_event_changes_and_the_value_before_does_not():
    """On judged_indices, where nothing but TPA moves the US bar (the baseline's missed deadlines do too)."""
    baseline = load_scenario("judged_indices")
    changed = baseline.with_overrides({AFTER: 0.4}, origin="--set")
    (tpa,) = [e for e in changed.events if e.label == TPA]
    assert tpa.changes == ((THRESHOLD, 0.4), ("countries.USA.authority", True)) and tpa.round == 24
    assert changed.params["ratification_threshold"][changed.index("USA")] == 0.30   # before the event: as it was
    model = TPPModel(changed)
    for _ in range(23):
        model.step()
    assert usa_threshold(model) == 0.30
    model.step()
    assert usa_threshold(model) == 0.4
    assert baseline.with_overrides({AFTER: 0.4, THRESHOLD: 0.2}).params["ratification_threshold"][0] == 0.2


def test_run_logs_the_event_with_the_value_given(tmp_path, capsys):
    assert main(["baseline", "--quiet", "--out", str(tmp_path), "--set", f"{AFTER}=0.4"]) == 0
    shocks = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()
              if '"shock"' in line]
    # the missed deadlines' audience costs are shocks of their own, logged under their own labels
    assert [shock for shock in shocks if shock["label"] == TPA] == [
        {"round": 24, "kind": "shock", "label": TPA, "changes": {THRESHOLD: 0.4, "countries.USA.authority": True}}]


def test_a_sweep_varies_the_value_after_the_event(tmp_path):
    plan = build_plan(make_spec("baseline", [f"{AFTER}=[0.1, 0.4]"], reps=1, seed=3))
    assert plan.warnings == ()              # the event itself sets it: nothing sets it again later
    report = run_sweep(plan, tmp_path, workers=1, progress=PlainProgress(1, stream=io.StringIO()))
    assert (report.ok, report.failed) == (2, 0)
    rows = read_runs(tmp_path)
    assert sorted(row[AFTER] for row in rows) == [0.1, 0.4]
    for row in rows:
        model = TPPModel("baseline", rng=row["seed"], overrides={AFTER: row[AFTER]})
        while model.running:
            model.step()
        assert row["formed"] == model.summary()["formed"] and row["round"] == model.summary()["round"]


def test_the_warning_for_the_plain_setting_names_the_way_to_the_value_after():
    (line,) = build_plan(make_spec("baseline", [f"{THRESHOLD}=[0.2, 0.3]"])).warnings
    assert line.endswith(f'--drop-event "{TPA}" plays without it, and "{AFTER}" varies the value it sets')


def test_an_axis_label_says_after_which_event():
    assert setting_label(AFTER) == (f"Share of the attainable gains United States needs to ratify after {TPA} "
                                    "(share, 0 = none, 1 = all)")


@pytest.mark.parametrize("setting, message", [
    (f"after:Congress passes TPA:{THRESHOLD}=0.4",
     (f"--set: after:Congress passes TPA:{THRESHOLD}: expected the label of a scheduled event after 'after:' "
      '(this scenario\'s events: "Singapore ministerial: the end-2013 target"; ')),
    (f"after:Singapore ministerial: the end-2013 target:{THRESHOLD}=0.4",   # a label with a colon
     ('expected a setting the event "Singapore ministerial: the end-2013 target" sets (a deadline event sets no '
      "setting; ")),
    (f"after:{TPA}:countries.JPN.ratification_threshold=0.4",
     f'expected a setting the event "{TPA}" sets (it sets {THRESHOLD}, countries.USA.authority; '),
    (f"{AFTER}=7", f"--set (after:{TPA}): {THRESHOLD}: expected a number from 0 to 1, got 7"),
    (f"after:{THRESHOLD}=0.4", "expected after:EVENT LABEL:SETTING.PATH, for example"),
])
def test_bad_targets_are_one_line(one_error_line, setting, message):
    assert message in one_error_line(["baseline", "--quiet", "--set", setting])


def test_a_bad_target_in_a_sweep_is_one_line_before_any_run(tmp_path, one_error_line):
    out = tmp_path / "sweep"
    error = one_error_line(["sweep", "baseline", "--vary", f"after:{TPA}:countries.JPN.patience=[0.5, 0.9]",
                            "--out", str(out)])
    assert f'expected a setting the event "{TPA}" sets' in error and not out.exists()


def test_a_dropped_event_cannot_be_targeted():
    with pytest.raises(ScenarioError, match="expected the label of a scheduled event"):
        load_scenario("baseline").without_events([TPA]).with_overrides({AFTER: 0.4})


def test_a_branch_of_a_saved_game_cannot_target_an_event(tmp_path, monkeypatch, one_error_line):
    monkeypatch.chdir(tmp_path)   # restored after the test
    assert main(["baseline", "--stop-at", "5", "--save", "s.json", "--quiet"]) == 0
    assert "a branch keeps the saved game's rounds, calendar, seed, events" in one_error_line(
        ["--from", "s.json", "--set", f"{AFTER}=0.4"])


def test_a_sweep_file_takes_the_path_as_a_quoted_key(tmp_path):
    spec_file = tmp_path / "after_tpa.toml"
    spec_file.write_text(f'scenario = "baseline"\n[vary]\n"{AFTER}" = [0.1, 0.4]\n[set]\n"{THRESHOLD}" = 0.2\n',
                         encoding="utf-8")
    plan = build_plan(make_spec(str(spec_file)))
    assert [dict(plan.run(k).overrides) for k in range(plan.total)] == [{AFTER: 0.1}, {AFTER: 0.4}]
    assert plan.scenario.params["ratification_threshold"][plan.scenario.index("USA")] == 0.2


def test_an_event_dropped_twice_is_refused_not_dropped_once(tmp_path, one_error_line):
    """--drop-event X --drop-event X (or a sweep file's drop_events listing X twice) was taken as one: like a
    --set given twice, it is refused in one line before any store is made."""
    out = tmp_path / "sweep"
    assert one_error_line(["sweep", "baseline", "--vary", f"{THRESHOLD}=[0.1, 0.4]", "--drop-event", TPA,
                           "--drop-event", TPA, "--out", str(out)]) == (
        f"error: --drop-event {TPA}: given twice; give each label once")
    spec_file = tmp_path / "twice.toml"
    spec_file.write_text(f'scenario = "baseline"\ndrop_events = ["{TPA}", "{TPA}"]\n'
                         f'[vary]\n"{THRESHOLD}" = [0.1, 0.4]\n', encoding="utf-8")
    assert one_error_line(["sweep", str(spec_file), "--out", str(out)]).startswith(
        f"error: {spec_file}: drop_events: expected a list of event labels, each once, got")
    assert not out.exists()


def test_a_single_run_warns_of_a_set_setting_an_event_sets_again(tmp_path, capsys):
    """A sweep of the US threshold warns that the trade promotion authority shock sets it again in June 2015;
    run.py baseline --set of it played 0.3 until then and 0.1 after, in silence. Now one line, as the sweep's,
    and none when the after: path of the event is set too."""
    assert main(["baseline", "--quiet", "--set", f"{THRESHOLD}=0.3", "--out", str(tmp_path / "a")]) == 0
    assert capsys.readouterr().err == (
        f'warning: --set {THRESHOLD}: the event "{TPA}" (round 24, starting 2015-06-01) sets {THRESHOLD} = 0.1 '
        f'from then on; --set "after:{TPA}:{THRESHOLD}=VALUE" changes the value it sets\n')
    assert main(["baseline", "--quiet", "--set", f"{THRESHOLD}=0.3", "--set", f"after:{TPA}:{THRESHOLD}=0.2",
                 "--out", str(tmp_path / "b")]) == 0
    assert capsys.readouterr().err == ""
