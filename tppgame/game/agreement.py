"""The plurilateral check: the package assembled from bilateral deals, who accepts it,
whether the rest could conclude without the hold-outs, and the entry-into-force rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from tppgame.game.scenario import EntryRule
from tppgame.game.side_deals import ClosedDeal
from tppgame.game.utility import Weights, attainable_gain, package_access, world_utility


def assemble_package(deals: list[ClosedDeal], group: np.ndarray, n: int, s: int) -> np.ndarray:
    """Each country's schedule [country, sector]: the most it conceded in any package deal within ``group``.

    Bilateral market-access deals are multilateralised: a country has one schedule, open to
    every member, as in the TPP's common tariff schedules.
    """
    return extend_package(np.zeros((n, s)), deals, group)


def extend_package(schedule: np.ndarray, deals: list[ClosedDeal], group: np.ndarray) -> np.ndarray:
    """``schedule`` (changed in place and returned) raised by ``deals``' concessions within ``group``, one
    deal after another: a package assembled from a list's first deals is brought up to date with the
    deals appended since by the very operations :func:`assemble_package` makes on the whole list."""
    chosen = [deal for deal in deals if deal.kind != "standalone" and group[deal.a] and group[deal.b]]
    if chosen:      # the most of each country's concessions, all deals at once (a maximum is exact in any order)
        givers = np.array([deal.a for deal in chosen] + [deal.b for deal in chosen])
        np.maximum.at(schedule, givers, np.array([deal.x_ab for deal in chosen] + [deal.x_ba for deal in chosen]))
    return schedule


def entry_into_force(rule: EntryRule, signatories: np.ndarray, original: np.ndarray, gdp: np.ndarray) -> bool:
    """Whether ``signatories`` (who ratify) meet the rule, GDP shares taken over the original signatories."""
    count = int(signatories.sum())
    needed = rule.min_signatories
    if rule.signatory_fraction is not None:
        needed = min(needed, int(np.ceil(rule.signatory_fraction * int(original.sum()))))
    share = gdp_share(signatories, original, gdp)
    return count >= needed and share >= rule.min_gdp_share - 1e-12


def gdp_share(group: np.ndarray, original: np.ndarray, gdp: np.ndarray) -> float:
    """The group's share of the original signatories' combined 2013 GDP."""
    total = gdp[original].sum()
    return float(gdp[group & original].sum() / total) if total > 0 else 0.0


@dataclass
class AgreementCheck:
    """The record of one round's plurilateral check."""

    round: int
    members: list[str]
    accepting: list[str]
    holdouts: list[str]
    open_pairs: list[tuple[str, str]]
    complete: bool
    rest_of_group: RestOfGroup   # who would ratify without the hold-outs, and whether they could conclude alone
    formed: bool
    signatories: list[str]
    gdp_share: float
    in_force: bool
    refused: list[str] = field(default_factory=list)   # members refused for offering nothing (reciprocity)
    utility: dict[str, float] = field(default_factory=dict)
    outside_option: dict[str, float] = field(default_factory=dict)
    access: np.ndarray | None = None   # [exporter, importer, sector] with the package as it stands

    @property
    def rest(self) -> list[str]:
        """Who would ratify without the hold-outs (:attr:`rest_of_group`; none worked out in a game without
        records whose scenario does not let the rest conclude: ``Plurilateral._rest``)."""
        return self.rest_of_group.members

    @property
    def rest_could_conclude(self) -> bool:
        """Whether the rest could conclude without the hold-outs (:attr:`rest_of_group`)."""
        return self.rest_of_group.could_conclude


class RestOfGroup:
    """Who in a check's group would still ratify without its hold-outs, and whether they could conclude
    alone, known at once or worked out when first read. A check the game itself needs them for (a
    scenario that lets the rest conclude) knows them at once; a game that keeps records only for its
    story (the status line says it) works them out when the story is told, from the state the check
    saw (``Plurilateral._rest``): a game whose story nobody reads never pays for the search."""

    __slots__ = ("_could", "_later", "_members")

    def __init__(self, members: list[str] | None = None, could_conclude: bool = False,
                 later: Callable[[], tuple[list[str], bool]] | None = None):
        self._members, self._could, self._later = members, could_conclude, later

    @classmethod
    def worked_out_later(cls, later: Callable[[], tuple[list[str], bool]]) -> RestOfGroup:
        """Members and whether they could conclude, from ``later()`` when first read (once)."""
        return cls(later=later)

    def _settled(self) -> None:
        if self._later is not None:
            (self._members, self._could), self._later = self._later(), None

    @property
    def members(self) -> list[str]:
        self._settled()
        return self._members or []

    @property
    def could_conclude(self) -> bool:
        self._settled()
        return self._could

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RestOfGroup):
            return NotImplemented
        return (self.members, self.could_conclude) == (other.members, other.could_conclude)

    def __repr__(self) -> str:
        state = "not yet worked out" if self._later is not None else f"{self._members!r}, {self._could!r}"
        return f"RestOfGroup({state})"


def accepting(weights: Weights, schedule: np.ndarray, group: np.ndarray, side_access: np.ndarray,
              outside: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Who in ``group`` would ratify a package (each member's ``schedule``), with their utilities.

    A member ratifies when its gain over its outside option reaches its ratification
    threshold times what it could attain from the group (the two-level game).
    """
    access = package_access(schedule, group, side_access)
    utility = world_utility(weights, access)
    return ratifies(weights, group, utility, outside), utility, access


def needed_to_ratify(weights: Weights, group: np.ndarray) -> np.ndarray:
    """[c]: the gain over its outside option each country needs to ratify ``group``'s package: its
    ratification threshold times what it could attain from the group (every other member open to it)."""
    return weights.threshold * attainable_gain(weights, group)


def ratifies(weights: Weights, group: np.ndarray, utility: np.ndarray, outside: np.ndarray,
             needed: np.ndarray | None = None) -> np.ndarray:
    """[c]: the members of ``group`` whose ``utility`` beats their outside option by what they need to ratify
    (:func:`needed_to_ratify`, unless given), to within rounding."""
    needed = needed_to_ratify(weights, group) if needed is None else needed
    return group & (utility - outside >= needed - 1e-12)


def gives_nothing(weights: Weights, schedule: np.ndarray, group: np.ndarray, partners: np.ndarray,
                  reciprocity: float = 0.0) -> np.ndarray:
    """Members of ``group`` whose partners refuse them for offering (next to) nothing: reciprocity.

    A member's partners judge its whole contribution, its own ``schedule`` open to them all. What
    they want from it is, per sector of its own protection, what they would gain from its full
    opening (``weights.gain[k, j, s]`` summed over the members ``k`` it has something to negotiate
    with, ``partners[j, k]``); its schedule must give them more than ``reciprocity`` times that in
    all, or it does not get their access for free and counts as not ratifying until it offers
    more. A member nobody asks anything of is not judged.
    """
    return offers_too_little(wanted_of(weights, group, partners), schedule, group, reciprocity)


def offers_too_little(wanted: np.ndarray, schedule: np.ndarray, group: np.ndarray, reciprocity: float) -> np.ndarray:
    """:func:`gives_nothing` from what each member's partners want of it (:func:`wanted_of`), which does
    not depend on the schedules judged."""
    total = wanted.sum(axis=1)
    offered = (wanted * schedule).sum(axis=1)
    return group & (total > 0) & (offered <= reciprocity * total + 1e-12 * total)


def wanted_of(weights: Weights, group: np.ndarray, partners: np.ndarray) -> np.ndarray:
    """[j, s]: what the members of ``group`` that member ``j`` negotiates with (``partners[j, k]``) would
    gain from its full opening of each sector: what its partners want from it (:func:`gives_nothing`)."""
    asked = partners & group[None, :] & group[:, None]
    return np.einsum("kjs,jk->js", weights.gain, asked.astype(float))


def cheapest_offer(wanted: np.ndarray, cost: np.ndarray, gamma: float, floor: np.ndarray, cap: np.ndarray,
                   needed: float) -> np.ndarray | None:
    """[s]: the schedule, from ``floor`` up to ``cap`` (its red lines), that gives partners ``needed`` of
    what they want (``sum(wanted * x) >= needed``) at the least cost ``sum(cost * x**gamma)``; None when
    even the red lines give less.

    With a convex cost (``gamma > 1``) the cheapest schedule equalises the marginal cost per unit the
    partners gain: ``gamma cost_s x_s**(gamma - 1) = mu wanted_s`` (clipped to ``[floor, cap]``), so
    ``x_s = (mu wanted_s / (gamma cost_s))**(1 / (gamma - 1))``; ``mu`` is found by regula falsi. A
    sector that costs nothing and that partners want opens to its cap.
    """
    wanted, cost = np.asarray(wanted, dtype=float), np.asarray(cost, dtype=float)
    floor, cap = np.asarray(floor, dtype=float), np.maximum(np.asarray(cap, dtype=float), floor)
    if float((wanted * cap).sum()) < needed:
        return None
    if float((wanted * floor).sum()) >= needed:
        return floor.copy()
    free = (cost <= 0) & (wanted > 0)
    priced, power = cost > 0, 1.0 / (gamma - 1.0)
    divisor = np.where(priced, gamma * cost, 1.0)   # a sector without a price takes ``unpriced`` instead
    unpriced = np.zeros_like(wanted)
    if power != 1.0:      # (x ** 1.0 is x: the quadratic cost skips the power)
        unpriced **= power
    unpriced = np.where(free, cap, unpriced)

    def schedule(mu: float) -> np.ndarray:
        ratio = mu * wanted
        ratio /= divisor
        if power != 1.0:
            ratio **= power
        x = np.where(priced, ratio, unpriced)
        np.maximum(x, floor, out=x)
        return np.minimum(x, cap, out=x)

    # a near-free sector's ratio may overflow: it opens to its cap (and an unpriced one's is not used)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _cheapest(schedule, wanted, needed)


def _cheapest(schedule: Callable[[float], np.ndarray], wanted: np.ndarray, needed: float) -> np.ndarray:
    """The schedule at (within 1e-12 of the bar past) the least ``mu`` whose schedule gives ``needed``:
    the bracket is doubled until it holds the bar, then narrowed by :func:`_first_past`."""
    def short(mu: float) -> float:             # how far the schedule at mu falls short of the bar (< 0: past it)
        return needed - float((wanted * schedule(mu)).sum())

    low, high = 0.0, 1.0
    while short(high) > 0 and high < 1e300:
        high *= 2.0
    return schedule(_first_past(short, low, high, 1e-12 * needed))


def _first_past(short: Callable[[float], float], low: float, high: float, tolerance: float) -> float:
    """A ``mu`` in ``[low, high]`` past the bar (``short(mu) <= 0``) by at most ``tolerance`` (``low``
    itself if it is past), for ``short`` falling in ``mu`` with ``short(high) <= 0``: regula falsi, Illinois
    variant (an end kept twice has its value halved), a few evaluations where bisection takes fifty;
    ``high`` stays past the bar throughout."""
    f_low, f_high, kept = short(low), short(high), 0
    if f_low <= 0:
        return low
    for _ in range(200):
        if f_high >= -tolerance or high - low <= 1e-15 * high:
            break
        mid = high - f_high * (high - low) / (f_high - f_low) if f_high != f_low else low
        if not low < mid < high:                 # a flat stretch or rounding: fall back to halving
            mid = 0.5 * (low + high)
            if not low < mid < high:
                break
        f_mid = short(mid)
        if f_mid > 0:
            low, f_low = mid, f_mid
            f_high, kept = (f_high / 2, kept) if kept == 1 else (f_high, 1)
        else:
            high, f_high = mid, f_mid
            f_low, kept = (f_low / 2, kept) if kept == -1 else (f_low, -1)
    return high


Accepting = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]


def conclude_without(accept: Accepting, package_of: Callable[[np.ndarray], np.ndarray],
                     group: np.ndarray) -> np.ndarray:
    """Drop members who would not ratify until everyone left does (the rest's largest stable group).

    ``package_of(group)`` gives the schedules the group's own deals make; ``accept(schedule, group)``
    is :func:`accepting` in the world as it stands.
    """
    current = group.copy()
    while current.any():
        ok, _, _ = accept(package_of(current), current)
        if (ok == current).all():
            break
        current = ok
    return current
