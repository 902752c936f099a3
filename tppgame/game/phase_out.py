"""Phase-outs: how many years a concession the game agrees takes to reach its full depth.

A two-stage deal. The depth of each concession is bargained first, as the talks do (the split
between the sides is in the depth); the schedule is then settled by efficient bargaining: the
pair picks the length that maximises their joint value, since whatever one side loses by it the
depth has already been traded for.

A cut ``c`` phased out over ``T`` years goes in ``T`` equal annual stages, the first on entry into
force, whole from year ``T`` on (the TPP's own staging; ``T = 1`` is a cut at once, reported as 0).

* The **exporter's gain** ``g c`` (its utility weight ``gain[k, j, s]`` times the cut) is delayed:
  its present value is ``a(T) g c``, with ``a(T)`` the present-value factor of the staging at the
  exporter's yearly discount factor ``d`` (its per-round ``patience`` raised to the rounds in a year),
  the mean discount over the ``T`` stages::

      a(T) = (1 + d + ... + d^(T-1)) / T = (1 - d^T) / (T (1 - d)),   a(1) = 1

  (:func:`tppgame.game.quotas.linear_phase_out_factor` at the rate ``1/d - 1``).
* The **importer's political cost** is an adjustment cost of each year's cut, convex like its
  cost of a concession (``cost[j, k, s]`` times the cut to the power ``gamma``, the
  ``cost_exponent`` > 1): ``T`` stages of ``c / T`` cost ``T k (c / T)^gamma = k c^gamma
  T^(1 - gamma)``, so spreading a cut lowers it.

The pair's joint value of ``T`` stages is ``V(T) = a(T) g c - k c^gamma T^(1-gamma)`` and the
phase-out is the ``T`` in 1..``longest`` that maximises it, the shortest on a tie: at once when the
cut is 0 or spreading saves nothing. The length never shortens as the importer's cost rises;
whether a cut is phased out at all never switches off as the exporter grows more patient, but the
length itself can shorten when the cut costs the importer more at once than it is worth to the
exporter (see ``docs/explanation/phase-outs.md``). A commitment made before the talks (a scenario's
``phase_out_floors``, such as the US's, in Japan's entry agreement of April 2013, to phase out its car
tariffs over the longest staging of the talks) is a floor under that length (:func:`with_floor`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from tppgame.game.utility import Weights

if TYPE_CHECKING:
    from tppgame.game.scenario import Scenario

MONTHS_PER_YEAR = 12
# the longest phase-out a schedule allows when a scenario does not set ``bargaining.max_phase_out``:
# the TPP's own longest, the US tariffs on Japan's cars and trucks, at their MFN rates until year 30
# (PIIE, "How Quickly Are Tariffs Eliminated in the TPP?", 2 Dec 2015,
# https://piie.com/research/piie-charts/how-quickly-are-tariffs-eliminated-tpp)
LONGEST_PHASE_OUT = 30


def yearly_discount(patience: np.ndarray | float, months_per_round: int) -> np.ndarray:
    """The yearly discount factor of a per-round ``patience``: raised to the rounds in a year."""
    return np.asarray(patience, dtype=float) ** (MONTHS_PER_YEAR / months_per_round)


def delay_share(discount: np.ndarray | float, years: np.ndarray | int) -> np.ndarray:
    """``a(T)``: the present value of a cut in ``years`` equal annual stages, the first on entry into
    force, as a share of the same cut at once (1 for 0 or 1 years), at the yearly ``discount``
    factor in (0, 1]; computed without cancellation near 1 (a discount of 1 counts no delay)."""
    d = np.asarray(discount, dtype=float)
    t = np.maximum(np.asarray(years, dtype=float), 1.0)
    log_d = np.log(d)
    discounted = log_d != 0
    safe = np.where(discounted, log_d, -1.0)
    return np.where(discounted, np.expm1(t * safe) / (t * np.expm1(safe)), 1.0)


def phase_out_years(cut: np.ndarray, gain: np.ndarray, cost: np.ndarray, discount: np.ndarray,
                    gamma: float, longest: int) -> np.ndarray:
    """The phase-out of each cut in whole years (0 = at once, else 2 to ``longest``), element by element.

    ``cut`` (0..1) the concession's depth, ``gain`` the exporter's utility weight of the access,
    ``cost`` the importer's political cost coefficient, ``discount`` the exporter's yearly discount
    factor (0, 1], ``gamma`` > 1 the cost's exponent, ``longest`` the longest phase-out a schedule
    allows. All broadcast together; returns an int array of their common shape.
    """
    cut, gain, cost, discount = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (cut, gain, cost, discount)))
    years = np.arange(1, longest + 1).reshape((-1,) + (1,) * cut.ndim)
    return _best_length(gain * cut, cost * cut**gamma, delay_share(discount, years),
                        years.astype(float) ** (1.0 - gamma))


def _best_length(value: np.ndarray, burden: np.ndarray, shares: np.ndarray, spread: np.ndarray) -> np.ndarray:
    """The shortest number of stages whose joint value ``shares * value - burden * spread`` is the
    best, up to rounding (``shares`` and ``spread``: a(T) and T^(1-gamma) for T = 1, 2, ... along the
    first axis; ``value`` and ``burden``: the gain and the cost at once), as years (0 = at once)."""
    joint = shares * value - burden * spread
    # a cut of 0 has nothing at stake: every length ties, and the shortest, at once, is taken
    close = joint >= joint.max(axis=0) - 1e-12 * (np.abs(value) + np.abs(burden))
    chosen = close.argmax(axis=0) + 1
    return np.where(chosen > 1, chosen, 0)


def with_floor(years: np.ndarray, cut: np.ndarray, floor: np.ndarray, longest: int) -> np.ndarray:
    """``years`` (phase-outs, 0 = at once) raised to ``floor`` (the fewest years committed to, 0 for none,
    ``inf`` for the longest) wherever there is a cut (``cut`` above 1e-6, the concessions a deal reports),
    never beyond ``longest``; all broadcast together."""
    floor = np.minimum(floor, longest)
    return np.where((cut > 1e-6) & (floor > years), floor, years).astype(int)


@lru_cache(maxsize=32)
def _stage_table(discounts: tuple[float, ...], gamma: float, longest: int) -> tuple[np.ndarray, np.ndarray]:
    """a(T) per country [country, T] and T^(1-gamma) [T], for T = 1..``longest``: what every deal
    of a game shares (made once per set of settings)."""
    years = np.arange(1, longest + 1, dtype=float)
    return delay_share(np.array(discounts)[:, None], years[None, :]), years ** (1.0 - gamma)


def deal_years(weights: Weights, scenario: Scenario, a: int, b: int, x_ab: np.ndarray,
               x_ba: np.ndarray) -> tuple[dict[str, int], dict[str, int]]:
    """The phase-outs of a closed deal, per side: ``{sector: years}`` for each sector the side opens
    (``x_ab``: what ``a`` opens to ``b``). Each side's cut is valued with its partner's gain
    ``gain[partner, conceder]`` and patience and its own cost of opening to that partner
    ``cost[conceder, partner]`` (:func:`phase_out_years`, both sides in one pass), at least as long as a
    commitment made before the talks (the scenario's ``phase_out_floor``, :func:`with_floor`)."""
    params = scenario.params
    discounts = yearly_discount(params["patience"], scenario.months_per_round)
    longest = params.get("max_phase_out", LONGEST_PHASE_OUT)
    shares, spread = _stage_table(tuple(discounts.tolist()), weights.gamma, longest)
    conceders, partners = [a, b], [b, a]
    cut = np.stack([x_ab, x_ba])                                     # [side, sector]
    years = _best_length(weights.gain[partners, conceders] * cut,
                         weights.cost[conceders, partners] * cut**weights.gamma,
                         shares[partners].T[:, :, None], spread[:, None, None])
    floor = params.get("phase_out_floor")
    if floor is not None:
        years = with_floor(years, cut, floor[conceders, partners], longest)
    of_a, of_b = ({s: n for s, n, c in zip(scenario.sectors, row, side) if c > 1e-6}
                  for row, side in zip(years.tolist(), cut.tolist()))
    return of_a, of_b


class DealYears:
    """A closed deal's phase-outs (:func:`deal_years`), settled when first read with the weights and
    settings in force when the deal closed: a game that keeps no records may never read them, and
    then pays nothing for them."""

    __slots__ = ("_inputs", "_years")

    def __init__(self, weights: Weights, scenario: Scenario, a: int, b: int, x_ab: np.ndarray, x_ba: np.ndarray):
        self._inputs: tuple | None = (weights, scenario, a, b, x_ab, x_ba)
        self._years: tuple[dict[str, int], dict[str, int]] | None = None

    @property
    def sides(self) -> tuple[dict[str, int], dict[str, int]]:
        """``{sector: years}`` for what ``a`` opens, then for what ``b`` opens."""
        if self._years is None:
            self._years, self._inputs = deal_years(*self._inputs), None
        return self._years

    @property
    def settled(self) -> bool:
        """Whether the lengths have been worked out (they are once read)."""
        return self._years is not None

    def side(self, k: int) -> SideYears:
        """Side ``k``'s phase-outs (0: ``a``'s) as an event log value, read when the log is."""
        return SideYears(self, k)


class SideYears:
    """One side's phase-outs in a deal's event log entry: ``as_dict()`` reads them (as the log's
    other per-sector values do, :class:`tppgame.game.eventlog.SectorValues`)."""

    __slots__ = ("deal", "k")

    def __init__(self, deal: DealYears, k: int):
        self.deal, self.k = deal, k

    def as_dict(self) -> dict[str, int]:
        return self.deal.sides[self.k]

    def __eq__(self, other: object) -> bool:
        return self.as_dict() == (other.as_dict() if isinstance(other, SideYears) else other)

    def __repr__(self) -> str:
        return f"SideYears({self.as_dict()})"


def access_years(weights: Weights, patience: np.ndarray, months_per_round: int, longest: int,
                 access: np.ndarray, floor: np.ndarray | None = None) -> np.ndarray:
    """[exporter, importer, sector]: the phase-out of every concession in ``access`` (an agreement's
    schedule as the exporters have it): each pair settles its own length, as :func:`phase_out_years`
    with the exporter's patience, at least as long as ``floor`` [importer, exporter, sector] (the
    scenario's ``phase_out_floor``: commitments made before the talks, :func:`with_floor`)."""
    cost = np.swapaxes(weights.cost, 0, 1)               # cost[importer, exporter] as [exporter, importer]
    shares, spread = _stage_table(tuple(yearly_discount(patience, months_per_round).tolist()), weights.gamma, longest)
    years = _best_length(weights.gain * access, cost * access**weights.gamma,
                         shares.T[:, :, None, None], spread[:, None, None, None])
    return years if floor is None else with_floor(years, access, np.swapaxes(floor, 0, 1), longest)
