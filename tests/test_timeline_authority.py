"""The authority study of the timeline page (docs/explanation/timeline.md, "Trade promotion authority
as authority"): its variant scenarios (titled blocks on the page, the one copy of them) load, every
sweep file of scenarios/sweeps/timeline/authority/ checks against them, and a small sweep run with the
project's sweep tool bears out the page's central claims on a few seeds."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tppgame.cli import main
from tppgame.experiments.memo import SharedWork
from tppgame.experiments.sweep_plan import build_plan, load_sweep_file
from tppgame.game.scenario import load_scenario
from tppgame.model import TPPModel

REPO = Path(__file__).resolve().parent.parent
PAGE = REPO / "docs" / "explanation" / "timeline.md"
SWEEPS = sorted((REPO / "scenarios" / "sweeps" / "timeline" / "authority").glob("*.toml"))
TPA = "Congress passes trade promotion authority"
BLOCK = re.compile(r'```toml title="(scenarios/tpa_authority[^"]*)"\n(.*?)```', re.DOTALL)


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory like a checkout, with the page's variant scenarios saved in scenarios/."""
    (tmp_path / "scenarios").mkdir()
    for scenario in (REPO / "scenarios").glob("*.toml"):
        shutil.copy(scenario, tmp_path / "scenarios" / scenario.name)
    found = BLOCK.findall(PAGE.read_text(encoding="utf-8"))
    assert {name for name, _ in found} == {"scenarios/tpa_authority.toml", "scenarios/tpa_authority_2014.toml",
                                          "scenarios/tpa_authority_2016.toml"}
    for name, text in found:
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_authority_sweeps_are_found() -> None:
    assert {path.stem for path in SWEEPS} >= {"held_back", "no_tpa_held_back", "deadline_cost", "japan_beef",
                                               "no_tpa_japan_beef", "tpa_2014", "tpa_2016", "no_deadlines"}


@pytest.mark.parametrize("path", SWEEPS, ids=lambda p: p.stem)
def test_each_authority_sweep_checks_against_its_variant(path: Path, checkout: Path) -> None:
    """Every point is a valid setting of its variant (checked before any run), 30 seeds a point, its
    own out folder; the no-TPA sweeps drop the TPA event, which gives the US its authority."""
    spec = load_sweep_file(path)
    plan = build_plan(spec)
    assert spec.scenario.startswith("scenarios/tpa_authority") and plan.reps == 30 and plan.seed == 2013
    assert spec.out == Path("out/timeline/authority") / path.stem
    assert len(plan.design) >= 2
    usa = plan.scenario.index("USA")
    assert not plan.scenario.params["authority"][usa]
    gives = [e for e in plan.scenario.events if e.label == TPA]
    if path.stem.startswith("no_tpa"):
        assert not gives
    else:
        assert [dict(e.changes) for e in gives] == [{"countries.USA.authority": True}]


def formed_share(out: Path) -> dict[float, float]:
    runs = pd.read_csv(out / "runs.csv")
    return runs.groupby("bargaining.deadline_cost")["formed"].mean().to_dict()


def test_without_tpa_the_agreement_forms_once_missed_deadlines_cost_something(checkout: Path) -> None:
    """Three seeds a point (the 30-seed sweep: 0% without the audience cost, 93% with K = 1): without
    TPA, partners holding back a quarter never give the US enough by the end of 2016; once each missed
    deadline costs the governments a month's delay, the bars come down and it forms."""
    out = checkout / "out" / "small"
    assert main(["sweep", str(REPO / "scenarios/sweeps/timeline/authority/no_tpa_deadline_cost.toml"),
                 "--reps", "3", "--workers", "1", "--out", str(out)]) in (0, None)
    share = formed_share(out)
    assert share[0] == 0.0
    assert share[1] > 0.0 and share[3] == 1.0


def test_the_variant_plays_the_same_with_shared_work_and_without_records(checkout: Path) -> None:
    """Sweeps play with a memo shared between games and without records: the variant's reopened deals
    and audience costs must come out as in a full game played alone (seeds 0-2)."""
    scenario, work = load_scenario("scenarios/tpa_authority.toml"), SharedWork()
    for seed in range(3):
        alone = TPPModel(scenario, rng=seed)
        lean = TPPModel(scenario, rng=seed, shared=work, record=False)
        for model in (alone, lean):
            while model.running:
                model.step()
        assert json_of(lean.summary()) == json_of(alone.summary()), seed
        assert [(d.label, d.round) for d in lean.deals] == [(d.label, d.round) for d in alone.deals]
    assert work.frontiers.hits > 0


def json_of(summary: dict) -> str:
    return json.dumps(summary, sort_keys=True, default=str)
