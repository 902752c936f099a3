"""Negotiators: how a country bargains in its bilateral talks.

A country's negotiator decides, for the talks it holds in a round (NegMAS's "controller"
shape: all of one country's parallel talks in one call), four things:

* :meth:`Negotiator.demand`: the utility it asks for in each talk;
* :meth:`Negotiator.propose`: the offer it makes where it proposes (what it gives, what it asks);
* :meth:`Negotiator.respond`: whether it accepts the partner's offer where it responds;
* :meth:`Negotiator.observe`: what it learns from the round's meetings (learning negotiators).

It sees its talks through :class:`Talks`: its own utility of any terms, its reservation (what
it needs to ratify the deal at home), its red lines, progress towards the deadline that applies
and the rounds left to it, and the history of offers in each talk. Everything is an array with
one row per talk, so a negotiator answers for all of its talks at once.

A subclass overrides the per-country methods; the class methods :meth:`Negotiator.demands`,
:meth:`Negotiator.proposals` and :meth:`Negotiator.responses` then ask each instance for its
rows, and check its answers (shape, finite, in [0, 1], within its red lines): a negotiator that
raises or answers out of bounds is stopped with a :class:`NegotiatorError` naming it, the country
and the talk. The built-in negotiators (time-dependent Boulware, linear and conceder, after
Faratin, Sierra and Jennings 1998, relative tit-for-tat, and the mirror of :mod:`.adaptive`, which
concedes as the partner does and never looks at the clock) override the class methods to answer
for every country of their class in one array pass, which gives the same numbers to the last bit
as asking country by country, because every rule works element by element along the rows. The
built-in ``opponent_model`` (:class:`OpponentModel`) learns, talk by talk, which sectors its partner
cares about from the partner's offers, and offers where it estimates the partner gains most.

Under private information (``bargaining.information = "private"``) a negotiator sees its own
utility and the partner's offers only: :meth:`Talks.partner_utility` refuses, and :attr:`Talks.best`
and :meth:`Talks.efficient` work from its own utility and an estimate of the partner
(:mod:`tppgame.game.negotiators.private`).

Negotiators are chosen by registered name in scenarios (``tactic = "boulware"``), with
``--negotiator JPN=NAME`` on the command line, or as objects from Python
(``TPPModel("baseline", negotiators={"JPN": MyNegotiator()})``). Third-party packages register
theirs through the ``tppgame.negotiators`` entry-point group; :func:`register` does the same
from Python.
"""

from tppgame.game.negotiators.adaptive import Mirror
from tppgame.game.negotiators.base import (Move, Negotiator, NegotiatorError, Talks, accepts, ask, checked_bools,
                                           checked_numbers, checked_offer)
from tppgame.game.negotiators.opponent_model import OpponentModel, SectorModel
from tppgame.game.negotiators.person import Person
from tppgame.game.negotiators.private import Estimate, uniform_estimate
from tppgame.game.negotiators.registry import (BUILT_IN, ENTRY_POINT_GROUP, chosen_negotiators, make_negotiator,
                                               negotiator_names, register, registered, takes_beta, unregister)
from tppgame.game.negotiators.time_dependent import Boulware, Conceder, Linear, TimeDependent, TitForTat

__all__ = ["BUILT_IN", "ENTRY_POINT_GROUP", "Boulware", "Conceder", "Estimate", "Linear", "Mirror", "Move",
           "Negotiator", "NegotiatorError", "OpponentModel", "Person", "SectorModel", "Talks", "TimeDependent",
           "TitForTat", "accepts", "ask", "checked_bools", "checked_numbers", "checked_offer", "chosen_negotiators",
           "make_negotiator", "negotiator_names", "register", "registered", "takes_beta", "uniform_estimate",
           "unregister"]
