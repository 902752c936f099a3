"""The NegMAS bridge: a NegMAS negotiator plays a country's talks (tppgame.game.negotiators.negmas_bridge).

The hand-checkable case of the outcome space: three sectors (rice, beef, autos), rice and autos
on the table, the side's red lines 0.3 in rice and 1 in autos, levels 0, 0.5 and 1. NegMAS sees
four issues: ``gives rice`` (only 0: 0.5 is past the red line), ``gives autos`` (0, 0.5, 1),
``asks rice`` and ``asks autos`` (0, 0.5, 1 each). The outcome (0, 0.5, 1, 0.5) gives nothing in
rice and 0.5 in autos, and asks 1 in rice and 0.5 in autos; beef, off the table, is 0 both ways.
"""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

negmas = pytest.importorskip("negmas")     # an extra: tppgame[negmas] (in tppgame[all])

from negmas import AspirationNegotiator, BoulwareTBNegotiator  # noqa: E402

from test_bargaining import make_terms, session_input  # noqa: E402
from tppgame import TPPModel  # noqa: E402
from tppgame.game.frontier import FrontierSummary  # noqa: E402
from tppgame.experiments.memo import SharedWork  # noqa: E402
from tppgame.game.negotiators.negmas_bridge import NegmasNegotiator, OutcomeMapping  # noqa: E402
from tppgame.game.negotiators import Linear, Talks  # noqa: E402
from tppgame.game.protocols import AlternatingOffers  # noqa: E402


def test_importing_tppgame_does_not_import_negmas():
    code = "import sys, tppgame, tppgame.game.negotiators, tppgame.cli; print('negmas' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


# --------------------------------------------------------------- the outcome space
def test_an_outcome_maps_to_what_the_side_gives_and_asks_and_back():
    mapping = OutcomeMapping(("rice", "beef", "autos"), np.array([True, False, True]), np.array([0.3, 0.0, 1.0]),
                             levels=(0.0, 0.5, 1.0))
    assert [issue.name for issue in mapping.issues] == ["gives rice", "gives autos", "asks rice", "asks autos"]
    assert [list(issue.all) for issue in mapping.issues] == [[0.0], [0.0, 0.5, 1.0], [0.0, 0.5, 1.0], [0.0, 0.5, 1.0]]
    assert mapping.outcome_space.cardinality == 1 * 3 * 3 * 3
    gives, asks = mapping.to_arrays((0.0, 0.5, 1.0, 0.5))
    np.testing.assert_array_equal(gives, [0.0, 0.0, 0.5])
    np.testing.assert_array_equal(asks, [1.0, 0.0, 0.5])
    assert mapping.to_outcome(gives, asks) == (0.0, 0.5, 1.0, 0.5)
    assert mapping.to_outcome(np.array([0.2, 0.9, 0.35]), np.array([0.1, 0.9, 0.0])) == (0.2, 0.35, 0.1, 0.0)
    with pytest.raises(ValueError, match="include 0"):
        OutcomeMapping(("rice",), np.array([True]), np.array([1.0]), levels=(0.5, 1.0))


# --------------------------------------------------------------- one talk
def one_talk(proposer_is_a: bool, negotiator_a, negotiator_b, history=()):
    """tests/test_bargaining.py's hand-made pair as one talk 'AAA-BBB' over rice and beef."""
    summary = FrontierSummary.build(make_terms(), np.array([0.2]), np.array([0.2]))
    inp = session_input(summary, [proposer_is_a], progress=0.3)
    talk = SimpleNamespace(label="AAA-BBB", sectors=np.array([True, True]), rounds_left=5, history=list(history))
    return type(inp)(**{**inp.__dict__, "negotiator_a": (negotiator_a,), "negotiator_b": (negotiator_b,),
                        "talks": (talk,), "a": np.array([0]), "b": np.array([1]), "names": ("AAA", "BBB"),
                        "sectors": ("rice", "beef")})


def test_what_negmas_proposes_is_worth_to_the_side_what_its_ufun_said():
    """NegMAS's negotiator (side a) proposes to a built-in linear one: the game values the offer
    exactly as the ufun NegMAS saw did, and the offer is on NegMAS's grid of levels."""
    bridge = NegmasNegotiator(AspirationNegotiator)
    inp = one_talk(True, bridge, Linear())
    result = AlternatingOffers().session(inp)
    session = bridge.sessions["AAA-BBB"]
    offer = session.last_proposal
    assert offer is not None and set(offer) <= set(bridge.levels)
    assert result.u_a[0] == pytest.approx(session.negotiator.ufun(offer), abs=1e-12)
    assert session.negotiator.ufun.reserved_value == pytest.approx(inp.summary.reserve_a[0])
    # the additive tables NegMAS's inverters search agree with the game's utility everywhere
    rng = np.random.default_rng(0)
    for outcome in (tuple(rng.choice(bridge.levels, size=4)) for _ in range(20)):
        gives, asks = session.mapping.to_arrays(outcome)
        talks = Talks(inp, np.array([True]))
        expected = talks.utility(gives[None], asks[None])[0]
        additive = session.ufun._bias + sum(f(v) for f, v in zip(session.ufun.values, outcome))
        assert session.ufun(outcome) == pytest.approx(expected, abs=1e-12)
        assert additive == pytest.approx(expected, abs=1e-12)


def test_negmas_answers_an_offer_as_its_ufun_and_the_red_lines_say():
    """As responder (side b), NegMAS accepts an offer that gives it all it could want, rejects one
    that gives it nothing, and rejects whatever takes it past its red line."""
    def answer(x_ab, x_ba, red_line_b=None):
        bridge = NegmasNegotiator(AspirationNegotiator)
        inp = one_talk(True, Linear(), bridge)
        if red_line_b is not None:
            inp = type(inp)(**{**inp.__dict__, "red_line_b": np.array([red_line_b])})
        talks = Talks(inp, np.array([False]))
        mine, theirs = talks.orient(np.array([x_ab]), np.array([x_ba]))
        return bool(bridge.respond(talks, mine, theirs, np.array([0.0]))[0])

    assert answer([1.0, 1.0], [0.0, 0.0])
    assert not answer([0.0, 0.0], [1.0, 1.0])
    assert not answer([1.0, 1.0], [0.0, 0.5], red_line_b=[1.0, 0.2])


# --------------------------------------------------------------- a whole game
class Watched(NegmasNegotiator):
    """Records every offer it makes and every offer it accepts, with its red lines then."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.given: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []   # (red line, gives, asks)

    def propose(self, talks, demand):
        gives, asks = super().propose(talks, demand)
        self.given.append((talks.red_line, gives, asks))
        return gives, asks

    def respond(self, talks, mine, theirs, demand):
        yes = super().respond(talks, mine, theirs, demand)
        self.given.append((talks.red_line[yes], mine[yes], theirs[yes]))
        return yes


@pytest.mark.parametrize("cls", [AspirationNegotiator, BoulwareTBNegotiator])
def test_a_negmas_japan_plays_the_baseline_to_the_end_within_its_red_lines(cls):
    japan = Watched(cls)
    model = TPPModel("baseline", negotiators={"JPN": japan}, rng=0, shared=SharedWork())
    while model.running:            # a contract check that fired would raise NegotiatorError here
        model.step()
    jpn = model.config.index("JPN")
    assert not model.running and model.steps > 0
    assert sum(1 for d in model.deals if jpn in (d.a, d.b)) >= 1
    assert japan.sessions and japan.given
    for red_line, gives, asks in japan.given:
        assert ((0.0 <= gives) & (gives <= 1.0)).all() and ((0.0 <= asks) & (asks <= 1.0)).all()
        assert (gives <= red_line + 1e-12).all()
    for talk in model.talks:
        if jpn in (talk.a, talk.b):
            for move in talk.history:
                assert 0.0 <= min(move.x_ab.min(), move.x_ba.min()) and max(move.x_ab.max(), move.x_ba.max()) <= 1.0
    assert model.shared is None        # a NegMAS negotiator keeps state: the memo is turned off


@pytest.mark.parametrize("levels", [(0.5, 1.0), (0.0, 2.0), (0.0, float("nan")), ("low", "high"), ()])
def test_bad_levels_are_refused_when_the_negotiator_is_made(levels):
    """NegmasNegotiator(cls, levels=(0.5, 1)) was taken, and the game failed at Japan's first meeting with
    "demand() raised ValueError" in talk JPN-PER; (0, nan) and ("low", "high") failed the same way."""
    with pytest.raises(ValueError, match=r"levels must lie in \[0, 1\] and include 0"):
        NegmasNegotiator(AspirationNegotiator, levels=levels)
    assert NegmasNegotiator(AspirationNegotiator, levels=[1, 0, 0.5, 0]).levels == (0.0, 0.5, 1.0)


def test_a_negmas_answer_that_is_not_a_response_stops_the_game_naming_it():
    """A NegMAS negotiator whose respond() returned "yes" (or True) was taken as rejecting every offer: the
    game went on with the bug unseen. It now stops with a NegotiatorError naming the answer."""
    from negmas.sao import SAONegotiator
    from tppgame.game.negotiators.base import NegotiatorError

    class SaysYes(SAONegotiator):
        def propose(self, state, dest=None):
            return None

        def respond(self, state, source=None):
            return "yes"

    model = TPPModel("baseline", rng=1, negotiators={"JPN": NegmasNegotiator(SaysYes)})
    with pytest.raises(NegotiatorError, match=r"respond\(\) raised TypeError: negmas:SaysYes: respond\(\) "
                                              r"returned 'yes', expected a NegMAS ResponseType"):
        while model.running:
            model.step()
