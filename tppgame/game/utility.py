"""Utility functions over sector concessions, for all countries and sectors at once.

A country gains from the access its partners give it (weighted by its export interest,
the partner's barrier and market size, and by less where an agreement already exists),
pays a convex domestic political cost for the access it gives (weighted by the sector's
sensitivity and barrier, and by how strong an exporter of that sector the partner is:
opening rice to the US costs Japan more than opening it to Brunei), and loses when a
rival exporter obtains better access to the same market than it has (the precedent
term). Gains are normalised so that full access to every partner's market is worth 1.

Access arrays are indexed [exporter, importer, sector]: ``access[k, j, s]`` is how far
importer ``j`` has opened sector ``s`` to exporter ``k`` (0 = today's protection).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Weights:
    """Everything the utility functions need, derived once from a scenario's figures."""

    gain: np.ndarray          # [i, j, s]: value to i of full access to j's market in s
    precedent: np.ndarray     # [i, j, s]: loss to i per unit a rival's access in j exceeds its own
    cost: np.ndarray          # [i, k, s]: political cost coefficient of i opening s to exporter k
    gamma: float              # convexity of the cost
    rival: np.ndarray         # [k, s]: exporter k counts as a rival in s
    red_line: np.ndarray      # [i, s]: most-acceptable concession
    threshold: np.ndarray     # [i]: ratification threshold (share of attainable gains)
    market: np.ndarray        # [j]: GDP share, the market-size weight
    # [k, i, j, s]: value to k, neither i nor j, of j's full access to i (in-zone suppliers under rules
    # of origin, tppgame.game.origin_play); None: nobody gains from others' access
    bystander: np.ndarray | None = None


def make_weights(params: dict[str, Any]) -> Weights:
    """Turn a scenario's figures into utility weights (pure; called again after a shock).

    These are the ``judgment`` payoff's weights: access and its cost valued from the calibration's
    indices (export interest, barrier, sensitivity). :func:`tppgame.game.settings.weights_for`
    chooses between them and the ``political_economy`` payoff's (:mod:`tppgame.game.political`).
    """
    interest = params["export_interest"]
    barrier = params["barrier"]
    market = params["gdp"] / params["gdp"].sum()
    n = len(market)
    off_diagonal = ~np.eye(n, dtype=bool)
    # raw[i, j, s] = interest of exporter i * barrier of importer j * size of j
    raw = interest[:, None, :] * barrier[None, :, :] * market[None, :, None] * off_diagonal[:, :, None]
    potential = raw.sum(axis=(1, 2))
    scale = np.where(potential > 0, potential, 1.0)[:, None, None]
    discount = 1.0 - params["existing_agreement_discount"] * params["fta"]
    # exporter k's share of the competition i's producers would face in s from all partners
    competitors = interest[None, :, :] * off_diagonal[:, :, None]
    total = competitors.sum(axis=1, keepdims=True)
    share = np.divide(competitors, total, out=np.zeros_like(competitors), where=total > 0)
    return Weights(
        gain=raw * discount[:, :, None] / scale,
        precedent=params["precedent_weight"] * raw / scale,
        cost=params["cost_scale"] * (params["sensitivity"] * barrier)[:, None, :] * share,
        gamma=float(params["cost_exponent"]),
        rival=interest >= params["precedent_min_interest"],
        red_line=params["red_line"],
        threshold=params["ratification_threshold"],
        market=market,
    )


# --------------------------------------------------------------- whole world
def package_access(schedule: np.ndarray, group: np.ndarray, side_access: np.ndarray) -> np.ndarray:
    """Access [exporter, importer, sector]: each member's package schedule, open to every other
    member of ``group`` (one TPP schedule per country), on top of side deals in force."""
    inside = group[:, None] & group[None, :]
    np.fill_diagonal(inside, False)      # nobody gives itself access
    access = np.where(inside[:, :, None], schedule[None, :, :], 0.0)
    return np.maximum(access, side_access, out=access)


def deepest_concessions(access: np.ndarray) -> np.ndarray:
    """[j, s]: the most importer ``j`` has opened sector ``s`` to any partner."""
    return access.max(axis=0)


def best_rival_access(access: np.ndarray, rival: np.ndarray) -> np.ndarray:
    """[i, j, s]: the best access any rival exporter k != i has in j's market for s."""
    counted = np.where(rival[:, None, :], access, 0.0)        # [k, j, s]
    n = access.shape[0]
    if n < 2:
        return np.zeros_like(access)
    leader = counted.argmax(axis=0)                              # [j, s]: the first exporter with the most
    first = counted.max(axis=0)
    is_leader = np.arange(n)[:, None, None] == leader[None, :, :]
    second = np.where(is_leader, -np.inf, counted).max(axis=0)   # the most any other exporter has
    return np.where(is_leader, second[None], first[None])


def rival_gap(access: np.ndarray, rival: np.ndarray) -> np.ndarray:
    """[i, j, s]: how far i's access in j's market for s falls short of the best rival's
    (``max(best_rival_access - access, 0)``), to the bit.

    Where access is finite and never negative the best rival's access can stand at the most any
    rival has for every exporter: the leader the two differ on has at least that access itself (or,
    if it is no rival, nobody has any) and falls short of nothing either way, and ``np.maximum`` of a
    zero of either sign and ``0.0`` is ``0.0``. Other access takes :func:`best_rival_access`."""
    if access.shape[0] < 2 or not (access.min() >= 0.0 and access.max() < np.inf):
        return np.maximum(best_rival_access(access, rival) - access, 0.0)
    first = np.where(rival[:, None, :], access, 0.0).max(axis=0)
    return np.maximum(first[None] - access, 0.0)


def world_utility(weights: Weights, access: np.ndarray) -> np.ndarray:
    """Each country's utility given who has which access in whose market."""
    gain = np.einsum("ijs,ijs->i", weights.gain, access)
    # cost[i, k, s] weighs access[k, i, s]: what i has opened to k
    cost = np.einsum("iks,kis->i", weights.cost, access**weights.gamma)
    gap = rival_gap(access, weights.rival)
    precedent = np.einsum("ijs,ijs->i", weights.precedent, gap)
    if weights.bystander is not None:
        gain = gain + np.einsum("kijs,ijs->k", weights.bystander, access)
    return gain - cost - precedent


def attainable_gain(weights: Weights, group: np.ndarray) -> np.ndarray:
    """[i]: what i would gain if every other member of ``group`` opened fully to it (free trade)."""
    mask = group[None, :, None] & group[:, None, None]
    return np.where(mask, weights.gain, 0.0).sum(axis=(1, 2))


# ------------------------------------------------------------------ one pair
def pair_gain(z: np.ndarray, w: np.ndarray, p: np.ndarray, base: np.ndarray, rival: np.ndarray) -> np.ndarray:
    """Receiver's gain, per sector, from a concession ``z`` above the access ``base`` it already has.

    ``w`` values access, ``p`` is the precedent weight: access that closes the gap to the
    best rival (``rival``) is worth ``w + p`` per unit, access beyond it ``w``.
    """
    reached = np.maximum(z, base)
    return w * (reached - base) + p * (np.minimum(reached, rival) - np.minimum(base, rival))


def pair_cost(z: np.ndarray, c: np.ndarray, own: np.ndarray, gamma: float) -> np.ndarray:
    """Giver's political cost, per sector, of opening to ``z`` a market the partner already has ``own`` of."""
    return c * (np.maximum(z, own) ** gamma - own**gamma)


def efficient_concession(alpha: np.ndarray, beta: np.ndarray, w: np.ndarray, p: np.ndarray,
                         rival: np.ndarray, c: np.ndarray, own: np.ndarray, cap: np.ndarray,
                         gamma: float) -> np.ndarray:
    """The concession maximising ``alpha * receiver gain - beta * giver cost`` per sector.

    Access the partner already has (``own``) costs nothing to confirm; beyond it the giver
    concedes until the receiver's marginal gain (higher while it closes a gap to a rival)
    equals its marginal cost, never past ``cap`` (its red line).
    """
    denom = beta * gamma * c
    positive = denom > 0
    safe = np.where(positive, denom, 1.0)
    # with no cost the giver concedes as far as the receiver gains anything: to the cap
    high = np.where(positive, alpha * (w + p) / safe, np.where(w + p > 0, np.inf, 0.0))
    low = np.where(positive, alpha * w / safe, np.where(w > 0, np.inf, 0.0))
    if gamma != 2.0:
        power = 1.0 / (gamma - 1.0)
        high, low = high**power, low**power
    z = np.where(high <= rival, high, np.where(low >= rival, low, rival))
    z = np.where((alpha <= 0) | (w + p <= 0), 0.0, z)
    return np.minimum(np.maximum(z, own), np.maximum(cap, own))
