"""What a side can work out of its talks under private information, where the partner's utility is hidden.

Under ``bargaining.information = "private"`` a negotiator knows its own utility (its gains, its
costs, its reservation), the public positions of both sides (the sectors on the table, each side's
red lines and what each already grants) and the partner's offers; it does not know the partner's
gain or cost weights, so neither the partner's reservation nor the pair's efficient frontier.
:class:`tppgame.game.negotiators.Talks` then answers ``best`` and ``efficient`` from this module:

* :func:`private_best`: its utility if the partner conceded everything on the table up to the
  partner's red lines while it conceded nothing: the most it could hope for, not a point the
  partner is known to accept;
* :func:`private_efficient`: the deal that gives it its target and is efficient for the pair *as
  it estimates the partner*: an :data:`Estimate` of the partner's gain and cost weights per sector
  stands in for the partner's side of the pair's terms (uniform, :func:`uniform_estimate`, unless
  the negotiator brings its own, as :mod:`tppgame.game.negotiators.opponent_model` does).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tppgame.game.frontier import TERMS_FIELDS, THETA_GRID, PairTerms, reach

if TYPE_CHECKING:
    from tppgame.game.negotiators.base import Talks

# (gain, cost), each rows x sectors: what the partner is taken to gain per unit of access the
# deciding side gives it, and the coefficient of its own political cost of conceding (as in the
# pair's terms: cost = coefficient x concession ** gamma), per sector.
Estimate = tuple[np.ndarray, np.ndarray]


def private_best(talks: Talks) -> np.ndarray:
    """Its utility if the partner conceded everything on the table up to the partner's (public)
    red lines and it conceded nothing beyond what it already grants."""
    return talks.utility(np.zeros_like(talks.partner_red_line), talks.partner_red_line)


def own_weights(talks: Talks) -> Estimate:
    """Its own (gain, cost) weights per sector (rows x sectors): what it gains per unit of the
    partner's concessions and its own cost coefficients of conceding."""
    terms = talks.inp.summary.terms
    return talks._pick(terms.w_a, terms.w_b), talks._pick(terms.c_a, terms.c_b)


def uniform_estimate(talks: Talks) -> Estimate:
    """The estimate that knows nothing of the partner: every sector on the table weighs the same
    for it, and on average as much as for the deciding side itself (its mean gain weight and mean
    cost coefficient over the sectors on the table); sectors off the table weigh nothing."""
    return scaled_estimate(talks, talks.on_table.astype(float), talks.on_table.astype(float))


def scaled_estimate(talks: Talks, gain_share: np.ndarray, cost_share: np.ndarray) -> Estimate:
    """An estimate from shares over the sectors (rows x sectors, any positive scale): each share
    vector is rescaled to sum, over the sectors on the table, to what the deciding side's own
    weights sum to there (a partner like itself in size, unlike it in which sectors matter)."""
    table = talks.on_table
    gain, cost = own_weights(talks)
    out = []
    for share, own in ((gain_share, gain), (cost_share, cost)):
        share = np.where(table, np.maximum(share, 0.0), 0.0)
        total = share.sum(axis=1, keepdims=True)
        count = table.sum(axis=1, keepdims=True)
        share = np.where(total > 0, share / np.where(total > 0, total, 1.0),
                         table / np.maximum(count, 1))          # nothing known: uniform
        out.append(share * np.where(table, own, 0.0).sum(axis=1, keepdims=True))
    return out[0], out[1]


def estimated_terms(talks: Talks, estimate: Estimate) -> PairTerms:
    """The pair's terms with the partner's gain and cost weights replaced by ``estimate`` and no
    precedent term for it: its own side, and the public facts (access already granted and held,
    red lines), as they are."""
    terms = talks.inp.summary.terms
    gain, cost = estimate
    partner_is_b = talks.side_is_a[:, None]
    fields = {k: getattr(terms, k) for k in TERMS_FIELDS}
    for side, mine in (("b", True), ("a", False)):
        here = partner_is_b if mine else ~partner_is_b
        fields[f"w_{side}"] = np.where(here, gain, fields[f"w_{side}"])
        fields[f"p_{side}"] = np.where(here, 0.0, fields[f"p_{side}"])
        fields[f"c_{side}"] = np.where(here, cost, fields[f"c_{side}"])
    return PairTerms(**fields, gamma=terms.gamma)


def private_efficient(talks: Talks, target: np.ndarray,
                      estimate: Estimate | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(a's concessions, b's concessions) of the deal that gives the deciding side at least
    ``target`` (and at least its reservation) on the pair's frontier as it estimates the partner
    (:func:`estimated_terms`; ``estimate`` None: :func:`uniform_estimate`).

    Its own utility on that frontier is exact, since its own side of the terms is; the partner's
    is a guess. Where even its best point does not reach the level, the deal is that best point.
    """
    terms = estimated_terms(talks, uniform_estimate(talks) if estimate is None else estimate)
    side = talks.side_is_a
    rows = len(side)
    u_a, u_b = terms.frontier(np.broadcast_to(THETA_GRID, (rows, len(THETA_GRID))))
    table = np.where(side[:, None], u_a, u_b[:, ::-1])
    level = np.maximum(np.asarray(target, dtype=float), talks.reserve)
    theta, _ = reach(terms, table, side, level, steps=6, safe=True, bisect=True)
    return terms.deal_at(theta)
