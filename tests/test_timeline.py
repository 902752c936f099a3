"""The timeline study (docs/explanation/timeline.md): its sweep files stay valid, and the page's
central claims about what decides the date still hold for its model's own seed. The study was made
on the judged-indices model (the scenario judged_indices, the baseline before it played the economy).

If a change to the game makes one of the claims below fail, the page's tables and judged_indices'
teaching note ("What decides the date") need measuring again, not only this test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tppgame.experiments.sweep_plan import build_plan, load_sweep_file
from tppgame.model import TPPModel

REPO = Path(__file__).resolve().parent.parent
SWEEPS = sorted((REPO / "scenarios" / "sweeps" / "timeline").glob("*.toml"))
TPA = "Congress passes trade promotion authority"
TPA_BAR = f"after:{TPA}:countries.USA.ratification_threshold"


def formed_round(**overrides: float) -> int | None:
    """The round the judged-indices model (seed 2013; the page's study was made on it) forms the
    agreement in, with these settings."""
    model = TPPModel("judged_indices", overrides=overrides or None, record=False)
    while model.running:
        model.step()
    return model.formed_round


def test_the_timeline_sweeps_are_found() -> None:
    names = {path.stem for path in SWEEPS}
    assert {"tpa_vote", "no_tpa", "japan_beef", "protocol", "capacity", "no_deadlines"} <= names


@pytest.mark.parametrize("path", SWEEPS, ids=lambda p: p.stem)
def test_each_timeline_sweep_checks_against_the_judged_indices_model(path: Path) -> None:
    """Every point of every file is a valid setting of the judged-indices model, the page's (checked
    before any run), with 30 seeds a point and its own out folder, as the page says."""
    spec = load_sweep_file(path)
    plan = build_plan(spec)
    assert spec.scenario == "judged_indices" and plan.reps == 30 and plan.seed == 2013
    assert spec.out == Path("out/timeline") / path.stem
    assert len(plan.design) >= 2
    if "no_tpa" in path.stem:
        assert spec.drop_events == (TPA,)


def test_the_date_waits_for_trade_promotion_authority() -> None:
    """Seed 2013: the agreement forms in November 2015 (round 29), five months after TPA (round
    24); if TPA sets the bar the US had before it (0.30), nothing forms by October 2016."""
    assert formed_round() == 29
    assert formed_round(**{TPA_BAR: 0.30}) is None


def test_only_a_lower_us_bar_before_tpa_forms_it_earlier() -> None:
    """A US bar of 0.10 from the start (TPA from the start) forms the agreement before June 2015;
    a cheaper Japanese beef opens the US-Japan zone earlier, but the package still waits for TPA."""
    early = formed_round(**{"countries.USA.ratification_threshold": 0.10})
    assert early is not None and early < 24
    beef = formed_round(**{"countries.JPN.sensitivity.beef": 0.5})
    assert beef is not None and 24 <= beef < 29
