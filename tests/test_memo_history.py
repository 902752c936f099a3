"""The sweep memo keys a meeting without the history inputs of a side whose negotiator cannot read
them (the time-dependent rule): the same meeting reached by another history is found, and its answer
is still the protocol's own to the last bit; a negotiator that reads them keeps them in the key."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from test_bargaining import session_input
from test_frontier_reuse import random_terms
from tppgame.experiments.memo import SharedWork, history_keys, reads_no_history
from tppgame.game.frontier import FrontierSummary
from tppgame.game.negotiators import Boulware, Conceder, Linear, Mirror, OpponentModel, TimeDependent, TitForTat
from tppgame.game.protocols import PROTOCOLS

FIELDS = ("theta", "x_ab", "x_ba", "u_a", "u_b", "aspiration_proposer", "aspiration_responder", "accepted",
          "responder_yes")


class Late(Linear):
    """A linear negotiator of a user's, that asks for more the more its partner conceded last."""

    name = "late_linear"

    def demand(self, talks):
        return super().demand(talks) + np.nan_to_num(talks.received_gain) * 0.5


class Chatty(Boulware):
    """A Boulware negotiator that watches the meetings (nothing it answers depends on it here)."""

    def observe(self, talks, moves):
        pass


def test_only_the_time_dependent_rule_reads_no_history():
    assert all(reads_no_history(cls) for cls in (TimeDependent, Boulware, Linear, Conceder))
    # tit-for-tat answers the partner's last concession; the mirror and the opponent model learn;
    # a subclass that decides or watches in its own way may read anything
    assert not any(reads_no_history(cls) for cls in (TitForTat, Mirror, OpponentModel, Late, Chatty))


def with_history(inp, previous, gain):
    """The same meetings after another history: each side's previous demand and received gain."""
    rows = len(inp.proposer_is_a)
    return dataclasses.replace(inp, previous_a=np.full(rows, previous[0]), previous_b=np.full(rows, previous[1]),
                               received_gain_a=np.full(rows, gain[0]), received_gain_b=np.full(rows, gain[1]))


@pytest.mark.parametrize("protocol", sorted(PROTOCOLS))
def test_a_meeting_reached_by_another_history_is_found_when_no_side_reads_it(protocol):
    work, rule = SharedWork(), PROTOCOLS[protocol]()
    summary = work.summary(random_terms(4, seed=31), np.full(4, 0.15), np.full(4, 0.2))
    first = session_input(summary, [True, False, True, False], tactic=("linear", "boulware", "conceder", "linear"),
                          progress=0.6)
    for inp in (first, with_history(first, (0.4, 0.3), (0.02, 0.05)), with_history(first, (0.5, np.nan), (0.0, 0.1))):
        mine, theirs = work.session(rule, inp), rule.session(inp)
        for name in FIELDS:
            np.testing.assert_array_equal(getattr(mine, name), getattr(theirs, name), err_msg=name)
    assert (work.sessions.hits, work.sessions.misses) == (8, 4)     # computed once, found twice


def test_a_side_that_reads_history_keeps_it_in_the_key():
    work, rule = SharedWork(), PROTOCOLS["alternating"]()
    summary = work.summary(random_terms(2, seed=32), np.full(2, 0.1), np.full(2, 0.1))
    first = session_input(summary, [True, False], tactic="tit_for_tat", progress=0.5)
    later = with_history(first, (0.45, 0.4), (0.03, 0.01))
    mine, theirs = work.session(rule, later), rule.session(later)
    work.session(rule, first)
    assert (work.sessions.hits, work.sessions.misses) == (0, 4)
    np.testing.assert_array_equal(mine.aspiration_proposer, theirs.aspiration_proposer)
    # tit-for-tat's demand follows the history: the two meetings answer differently
    assert not np.array_equal(mine.aspiration_proposer, rule.session(first).aspiration_proposer)


def test_history_is_left_out_side_by_side():
    summary = FrontierSummary.build(random_terms(2, seed=33), np.full(2, 0.1), np.full(2, 0.1))
    inp = with_history(session_input(summary, [True, True], tactic=("linear", "tit_for_tat")), (0.4, 0.3), (0.02, 0.05))
    mixed = dataclasses.replace(inp, negotiator_b=(TitForTat(), Linear()))
    previous_a, gain_a, previous_b, gain_b = history_keys(mixed)
    # side a: linear in row 0 (left out), tit-for-tat in row 1 (kept); side b the other way round
    np.testing.assert_array_equal(previous_a, [0.0, 0.4])
    np.testing.assert_array_equal(gain_a, [0.0, 0.02])
    np.testing.assert_array_equal(previous_b, [0.3, 0.0])
    np.testing.assert_array_equal(gain_b, [0.05, 0.0])
