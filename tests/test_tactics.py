"""Negotiation tactics: how much a side demands as the deadline nears.

A side's aspiration runs from its best attainable utility (``best``) at the start of talks
down to its reservation (``reserve``) at the deadline. With ``best = 1`` and ``reserve = 0``,
the aspiration of a time-dependent tactic at progress ``t`` is ``1 - t ** (1 / beta)``:
at mid-talks (t = 0.5) Boulware (beta 0.2) still demands 1 - 0.5 ** 5 = 0.96875,
linear (beta 1) 0.5 and a conceder (beta 5) 1 - 0.5 ** 0.2 = 0.1294...
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tppgame.tactics import TACTICS, Boulware, Conceder, Linear, TalkView, TitForTat, tactic_for

NAN = float("nan")


def view(best=1.0, reserve=0.0, progress=0.5, beta=1.0, previous=NAN, received_gain=NAN) -> TalkView:
    """A one-talk view with scalar inputs."""
    arr = lambda v: np.array([v], dtype=float)  # noqa: E731
    return TalkView(arr(best), arr(reserve), arr(progress), arr(beta), arr(previous), arr(received_gain))


def demand(tactic, **kwargs) -> float:
    return float(tactic.aspiration(view(**kwargs))[0])


# --------------------------------------------------------------- time-dependent
def test_mid_talks_boulware_holds_firm_linear_halves_conceder_gives_ground():
    """At mid-talks, Boulware (beta 0.2) demands most, linear half the range, a conceder (beta 5) least."""
    boulware = demand(Boulware(), beta=0.2)
    linear = demand(Linear(), beta=1.0)
    conceder = demand(Conceder(), beta=5.0)
    assert boulware == pytest.approx(1 - 0.5**5)
    assert linear == pytest.approx(0.5)
    assert conceder == pytest.approx(1 - 0.5**0.2)
    assert boulware > linear > conceder


@pytest.mark.parametrize("tactic, beta", [(Boulware(), 0.2), (Linear(), 1.0), (Conceder(), 5.0)])
def test_talks_open_at_best_and_end_at_reserve(tactic, beta):
    """At the start of talks a side demands its best (0.8); at the deadline its reservation (0.3)."""
    assert demand(tactic, best=0.8, reserve=0.3, progress=0.0, beta=beta) == pytest.approx(0.8)
    assert demand(tactic, best=0.8, reserve=0.3, progress=1.0, beta=beta) == pytest.approx(0.3)


def test_linear_concedes_the_same_amount_every_round():
    """Linear: over ten equal steps from 0.8 to 0.3, each step lowers the demand by 0.05."""
    progress = np.linspace(0, 1, 11)
    asp = Linear().aspiration(TalkView(np.full(11, 0.8), np.full(11, 0.3), progress, np.ones(11),
                                       np.full(11, NAN), np.full(11, NAN)))
    np.testing.assert_allclose(np.diff(asp), -0.05)


def test_progress_beyond_the_deadline_is_treated_as_the_deadline():
    """After the deadline (progress > 1) a side stays at its reservation; before the start, at its best."""
    assert demand(Linear(), best=0.8, reserve=0.3, progress=1.7) == pytest.approx(0.3)
    assert demand(Linear(), best=0.8, reserve=0.3, progress=-0.5) == pytest.approx(0.8)


def test_a_side_whose_best_is_below_its_reserve_demands_its_reserve():
    """If the partner cannot give it even its reservation, a side still never demands less than it."""
    assert demand(Linear(), best=0.1, reserve=0.3, progress=0.5) == pytest.approx(0.3)


def test_each_row_is_an_independent_talk():
    """Aspirations are computed row by row: three talks with different figures, one call."""
    v = TalkView(np.array([1.0, 0.8, 0.5]), np.array([0.0, 0.3, 0.5]), np.array([0.5, 0.0, 1.0]),
                 np.array([1.0, 0.2, 5.0]), np.full(3, NAN), np.full(3, NAN))
    np.testing.assert_allclose(Linear().aspiration(v), [0.5, 0.8, 0.5])


# --------------------------------------------------------------- tit-for-tat
def test_tit_for_tat_opens_like_linear():
    """Before any exchange (no previous demand or no partner move), tit-for-tat demands what linear would."""
    for previous, received in [(NAN, NAN), (0.9, NAN), (NAN, 0.1)]:
        assert demand(TitForTat(), best=0.8, reserve=0.2, progress=0.25, previous=previous,
                      received_gain=received) == pytest.approx(demand(Linear(), best=0.8, reserve=0.2, progress=0.25))


def test_tit_for_tat_reciprocates_the_partners_last_concession():
    """The partner's last offer improved by 0.1: tit-for-tat lowers its demand from 0.7 to 0.6, whatever the clock."""
    for progress in (0.1, 0.5, 0.9):
        assert demand(TitForTat(), best=0.9, reserve=0.2, progress=progress, previous=0.7,
                      received_gain=0.1) == pytest.approx(0.6)


def test_tit_for_tat_does_not_concede_when_the_partner_hardens():
    """If the partner's last offer was worse than the one before, tit-for-tat keeps its demand."""
    assert demand(TitForTat(), previous=0.7, received_gain=-0.2) == pytest.approx(0.7)
    assert demand(TitForTat(), previous=0.7, received_gain=0.0) == pytest.approx(0.7)


def test_tit_for_tat_never_goes_below_reserve():
    """A large concession by the partner is matched only down to the reservation (0.5)."""
    assert demand(TitForTat(), reserve=0.5, previous=0.6, received_gain=0.4) == pytest.approx(0.5)


# --------------------------------------------------------------- registry
def test_tactics_are_found_by_their_scenario_names():
    """A scenario names tactics boulware, linear, conceder and tit_for_tat."""
    assert set(TACTICS) == {"boulware", "linear", "conceder", "tit_for_tat"}
    assert isinstance(tactic_for("boulware"), Boulware)
    assert isinstance(tactic_for("tit_for_tat"), TitForTat)
    assert tactic_for("linear").classifier == {"time_dependent": True, "reciprocal": False}
    assert tactic_for("tit_for_tat").classifier == {"time_dependent": False, "reciprocal": True}


# --------------------------------------------------------------- properties
talk_views = st.builds(
    lambda best, gap, progress, beta, previous, received: dict(
        best=best, reserve=best - gap, progress=progress, beta=beta, previous=previous, received_gain=received),
    best=st.floats(-1.0, 1.0),
    gap=st.floats(-0.5, 1.0),          # a negative gap: best below reserve
    progress=st.floats(-0.5, 1.5),
    beta=st.floats(0.05, 20.0),
    previous=st.one_of(st.just(NAN), st.floats(-1.0, 1.0)),
    received=st.one_of(st.just(NAN), st.floats(-1.0, 1.0)),
)


@settings(max_examples=100, deadline=None)
@given(talk_views, st.sampled_from(sorted(TACTICS)))
def test_aspiration_is_never_below_reserve(inputs, name):
    """Whatever the tactic, clock or partner's moves, a side never demands less than its reservation."""
    asp = demand(tactic_for(name), **inputs)
    assert np.isfinite(asp)
    assert asp >= inputs["reserve"]


@settings(max_examples=100, deadline=None)
@given(talk_views)
def test_time_dependent_aspiration_stays_between_reserve_and_best(inputs):
    """A time-dependent tactic demands something between reserve and best, falling as time passes."""
    lo, hi = min(inputs["best"], inputs["reserve"]), max(inputs["best"], inputs["reserve"])
    for tactic in (Boulware(), Linear(), Conceder()):
        asp = demand(tactic, **inputs)
        assert lo - 1e-12 <= asp <= hi + 1e-12
        later = demand(tactic, **{**inputs, "progress": inputs["progress"] + 0.1})
        assert later <= asp + 1e-12


@settings(max_examples=100, deadline=None)
@given(st.floats(0.01, 0.99), st.floats(0.05, 0.95), st.floats(1.05, 20.0))
def test_boulware_concedes_less_than_linear_than_conceder(progress, beta_low, beta_high):
    """Strictly inside the talks, a lower beta always means a higher demand."""
    boulware = demand(Boulware(), progress=progress, beta=beta_low)
    linear = demand(Linear(), progress=progress, beta=1.0)
    conceder = demand(Conceder(), progress=progress, beta=beta_high)
    assert boulware >= linear >= conceder
