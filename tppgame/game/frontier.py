"""A pair's deals and their efficient frontier.

A bilateral deal between countries ``a`` and ``b`` is a pair of concession vectors over
sectors: what ``a`` opens to ``b`` and what ``b`` opens to ``a``. Offers are always
efficient for the pair: for a weight ``theta`` on ``a``'s utility (``1 - theta`` on
``b``'s), each side concedes, sector by sector, until its partner's marginal gain equals
its own marginal political cost (so a side concedes first where its partner gains most
per unit of its own cost). Sweeping ``theta`` from 0 to 1 traces the pair's Pareto
frontier (:class:`FrontierSummary` samples it); a negotiator picks the point that gives
it its demand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from tppgame.game.kernels import (FALSE_POSITION, SAFE_BISECTION, deals_square, frontier_square, utilities_square,
                                  zone_found)
from tppgame.game.search import THETA_GRID, clamp, reach
from tppgame.game.solutions import (kalai_smorodinsky_solution, nash_solution, rubinstein_solution,
                                   weighted_nash_solution)
from tppgame.game.stacked import StackedTerms, first_half, put, put_rows, rows_first, side_by_side
from tppgame.game.utility import pair_gain

# How far below its reservation a deal may leave a side and still count as meeting it (rounding)
RESERVE_TOLERANCE = 1e-12



@dataclass(frozen=True, eq=False)
class PairTerms:
    """What each side of some talks (rows) gains and pays, per sector (columns).

    ``*_a`` describe side ``a`` receiving from ``b`` (its gain weights, precedent weights,
    current access and best rival's access in ``b``'s market) and conceding to ``b`` (its
    cost coefficients, the access ``b`` already has in ``a``'s market, and its red lines as
    a cap); ``*_b`` the same for ``b``.
    """

    w_a: np.ndarray
    p_a: np.ndarray
    base_a: np.ndarray
    rival_a: np.ndarray
    c_a: np.ndarray
    own_a: np.ndarray
    cap_a: np.ndarray
    w_b: np.ndarray
    p_b: np.ndarray
    base_b: np.ndarray
    rival_b: np.ndarray
    c_b: np.ndarray
    own_b: np.ndarray
    cap_b: np.ndarray
    gamma: float

    def rows(self, index: np.ndarray) -> PairTerms:
        """The terms of some rows. Each field (and the stack, see ``_stack``) is sliced from these terms
        when first read: a meeting the memo knows by its frontier's number reads none of them."""
        return PairTerms._made_later(self.gamma, (self, index), None)

    @staticmethod
    def concat(parts: Sequence[PairTerms]) -> PairTerms:
        """The rows of several terms one after the other; each field is joined when first read."""
        return PairTerms._made_later(parts[0].gamma, None, tuple(parts))

    @staticmethod
    def _made_later(gamma: float, rows_of: tuple[PairTerms, np.ndarray] | None,
                    parts: tuple[PairTerms, ...] | None) -> PairTerms:
        terms = object.__new__(PairTerms)
        terms.__dict__.update(gamma=gamma, _rows_of=rows_of, _parts=parts)
        return terms

    def __getattr__(self, name: str) -> np.ndarray:
        """A field of terms made by :meth:`rows` or :meth:`concat`, made from the terms they came from
        when first read."""
        if name not in TERMS_FIELDS or "_parts" not in self.__dict__:
            raise AttributeError(name)
        rows_of, parts = self.__dict__["_rows_of"], self.__dict__["_parts"]
        value = self.__dict__[name] = (getattr(rows_of[0], name)[rows_of[1]] if rows_of is not None
                                       else np.concatenate([getattr(p, name) for p in parts]))
        return value

    def _stacked_as(self, stack: StackedTerms) -> PairTerms:
        """These terms with their stack already made (from the rows of another's, which is cheaper than
        stacking again); it goes where the ``_stack`` cached_property keeps its value."""
        self.__dict__["_stack"] = stack
        return self

    def same_rows(self, index: np.ndarray, other: PairTerms) -> np.ndarray:
        """Per row of ``other``: whether it is the same as this one's row at ``index``, field for field
        (every field's row compared at once, all of them side by side)."""
        same = (self._side_by_side()[index] == other._side_by_side()).all(axis=-1)
        same &= self.gamma == other.gamma
        return same

    def _side_by_side(self) -> np.ndarray:
        """Every field side by side (rows x fields' columns): the block the fields are views of, where
        :meth:`FrontierSummary.with_rows` made them so, else one made when first asked for and kept (for
        rows taken from other terms, those rows of the others' block) and read, not changed."""
        block = self.__dict__.get("_block")
        if block is None:
            rows_of = self.__dict__.get("_rows_of")
            block = self.__dict__["_block"] = (rows_of[0]._side_by_side()[rows_of[1]] if rows_of is not None
                                               else side_by_side([getattr(self, k) for k in TERMS_FIELDS]))
        return block

    @cached_property
    def _stack(self) -> StackedTerms:
        """The stacked terms; for rows taken from other terms, their rows of the others' stack
        (cheaper than stacking again, and made only when needed)."""
        source = self.__dict__.get("_rows_of")
        return StackedTerms.of(self) if source is None else source[0]._stack.rows(source[1])

    def _concessions(self, theta: np.ndarray) -> np.ndarray:
        """Efficient concessions (stacked columns) for weights ``theta`` on a, given as rows or as
        points x rows; shape [points x] rows x 2S. Points come first so that each per-talk array
        broadcasts over whole rows x 2S blocks, which numpy does much faster than over rows x 1 x 2S."""
        st = self._stack
        n = self.w_a.shape[-1]
        t = clamp(np.asarray(theta, dtype=float), 1e-12, 1.0 - 1e-12)[..., None]
        ratio = (1.0 - t) / t                       # alpha / beta for a's concessions
        weight = np.where(first_half(n), ratio, 1.0 / ratio)   # receiver's gain against giver's cost
        scale = weight ** (1.0 / (self.gamma - 1.0)) if self.gamma != 2.0 else weight
        high, low = scale * st.high, scale * st.low
        if st.ordered:
            # with low <= high, "high if high <= rival, else low if low >= rival, else rival" is
            # max(low, min(high, rival)): the same numbers in fewer passes
            z = np.maximum(low, np.minimum(high, st.rival, out=high), out=low)
        else:
            z = np.where(high <= st.rival, high, np.where(low >= st.rival, low, st.rival))
        z = np.minimum(np.maximum(z, st.own, out=z), st.ceiling, out=z)
        if self._receiver_ahead:
            # Where the receiver already has more access than the giver has granted in this track
            # (a side deal), conceding up to that access costs and gains nothing: go past it only
            # if the whole step pays, else stay put.
            reached = np.maximum(z, st.base)
            gain = st.w * (reached - st.base) + st.p * (np.minimum(reached, st.rival) - st.base_floor)
            cost = st.c * (z**self.gamma - st.own_cost)
            z = np.where(st.ahead & ((z <= st.base) | (weight * gain <= cost)), st.own, z)
        return z

    @property
    def _compiled(self) -> bool:
        """Whether the compiled loops (:mod:`tppgame.game.kernels`) give these terms' frontier: for the cost
        exponent 2 (numpy's power for others is not a loop's to the bit), a weight per row."""
        return self.gamma == 2.0

    @property
    def _rows(self) -> int:
        """How many talks (rows) the terms hold, read from the stack the loops use."""
        return self._stack._block().shape[1]

    @cached_property
    def _receiver_ahead(self) -> bool:
        return bool(self._stack.ahead.any())

    def _utilities_stacked(self, z: np.ndarray, granted: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(u_a, u_b) of stacked concessions ``z``; ``granted``: z is known to be at least ``own``
        everywhere (as every efficient deal is), so the floor at ``own`` can be skipped."""
        st = self._stack                  # z: [points x] rows x 2S, as from _concessions
        n = self.w_a.shape[-1]
        reached = np.maximum(z, st.base)
        # gain and cost side by side in one block, so that one reduction sums each half of each (the
        # same sums, term for term, as summing the halves one by one); the same operations in the same
        # order as ``w * (reached - base) + p * (min(reached, rival) - base_floor)`` and
        # ``c * (given ** gamma - own_cost)``, written in place
        block = np.empty((2, *reached.shape))
        gain, cost = block[0], block[1]
        np.multiply(st.w, np.subtract(reached, st.base, out=gain), out=gain)
        floor = np.subtract(np.minimum(reached, st.rival, out=reached), st.base_floor, out=reached)
        np.add(gain, np.multiply(st.p, floor, out=floor), out=gain)
        given = z if granted else np.maximum(z, st.own)
        np.multiply(st.c, np.subtract(given**self.gamma, st.own_cost, out=cost), out=cost)
        sums = np.add.reduce(block.reshape(*block.shape[:-1], 2, n), axis=-1)   # [gain, cost] x .. x halves
        return sums[0, ..., 1] - sums[1, ..., 0], sums[0, ..., 0] - sums[1, ..., 1]

    def deal_at(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The efficient deal (a's concessions, b's concessions) for weight ``theta`` on a.

        For each sector and direction, the giver concedes until the receiver's marginal gain
        (weighted ``theta`` or ``1 - theta``) equals its own marginal cost: see
        :func:`tppgame.game.utility.efficient_concession`.
        """
        z = self._stacked_deal(np.asarray(theta, dtype=float))
        n = z.shape[-1] // 2
        return z[..., :n], z[..., n:]

    def _stacked_deal(self, theta: np.ndarray) -> np.ndarray:
        """:meth:`deal_at`'s concessions stacked (a's to b, then b's to a)."""
        if self._compiled and theta.shape == (self._rows,):   # the compiled loop: the same numbers
            st = self._stack
            return deals_square(st._block(), st.ahead, st.ordered, theta)
        return self._concessions(theta) if theta.ndim < 2 else np.moveaxis(self._concessions(theta.T), 0, 1)

    def utilities(self, x_ab: np.ndarray, x_ba: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each side's utility from a deal, relative to no deal in this round."""
        z = np.concatenate([x_ab, x_ba], axis=-1)
        points = z[None] if z.ndim < 3 else np.moveaxis(z, 1, 0)          # [points x] rows x 2S
        if self._compiled and points.ndim == 3 and points.shape[1:] == self._stack._block().shape[1:]:
            u_a, u_b = utilities_square(self._stack._block(), points)      # the compiled loop: the same numbers
        else:
            u_a, u_b = self._utilities_stacked(points)
        return (u_a[0], u_b[0]) if z.ndim < 3 else rows_first(u_a, u_b)

    def frontier(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Utilities (u_a, u_b) at the efficient deals for ``theta`` (rows[ x points])."""
        theta = np.asarray(theta, dtype=float)
        if self._compiled and theta.ndim <= 2 and theta.shape[0] == self._rows:   # the compiled loop
            st = self._stack
            if theta.ndim < 2:
                u_a, u_b = frontier_square(st._block(), st.ahead, st.ordered, theta[None])
                return u_a[0], u_b[0]
            return rows_first(*frontier_square(st._block(), st.ahead, st.ordered, theta.T))
        if theta.ndim < 2:
            return self._utilities_stacked(self._concessions(theta), granted=True)
        return rows_first(*self._utilities_stacked(self._concessions(theta.T), granted=True))

    def stakes(self, efficient: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """What each side stands to gain from the other, the yardstick of its reservation.

        By default (``bargaining.stake = "free_trade"``) the other's full liberalisation of the
        sectors on the table. Red lines do not shrink that stake: a side's reservation is measured
        against what free trade would give it, so a partner's red lines can leave it short of what
        it can ratify. With ``efficient`` (``"efficient"``) the stake is what the other opens at
        the pair's efficient deal with equal weights (theta 0.5): in each sector the opening at
        which the receiver's marginal gain meets the giver's marginal cost, within the red lines.
        A government then measures what it must bring home against what the partner could open
        while the pair gains, not against an opening that costs the partner more than it gives.
        """
        # on the stacked terms (receivers b, then a, as the concessions a's, then b's): one pass for both
        # sides, and each half summed as a row of its own, so the same sums as side by side
        st = self._stack
        rows, n = st.w.shape[0], st.w.shape[-1] // 2
        z = self._stacked_deal(np.full(rows, 0.5)) if efficient else np.ones_like(st.w)
        gain = pair_gain(z, st.w, st.p, st.base, st.rival)
        sums = np.add.reduce(gain.reshape(rows, 2, n), axis=-1)
        return sums[:, 1].copy(), sums[:, 0].copy()


@dataclass(frozen=True)
class _Zone:
    """Where each side's reservation is first met on a pair's frontier (rows), and the zone between."""

    theta_best_a: np.ndarray
    theta_best_b: np.ndarray
    best_a: np.ndarray
    best_b: np.ndarray
    ok_a: np.ndarray
    ok_b: np.ndarray
    zopa: np.ndarray
    unsure: np.ndarray     # crossings past each other within overlapping brackets: search more finely

    def with_rows(self, index: np.ndarray, part: _Zone) -> _Zone:
        fields = {}
        for name in self.__dataclass_fields__:
            column = getattr(self, name).copy()
            column[index] = getattr(part, name)
            fields[name] = column
        return _Zone(**fields)


def _zone(terms: PairTerms, u_a: np.ndarray, u_b: np.ndarray, reserve_a: np.ndarray, reserve_b: np.ndarray,
          steps: int = 4, bisect: bool = False) -> _Zone:
    """The crossings of each side's reservation on the frontier sampled as ``u_a``, ``u_b`` (rows x grid).

    b's best is the smallest theta at which a gets its reservation, a's best the largest for b; both
    searches run as one over the rows twice (a's, then b's), each row its own search (:func:`reach`).
    Reservations are met within the tolerance the protocols accept a deal with (RESERVE_TOLERANCE),
    so a zone reported empty never holds a deal that closes.

    Each crossing is returned on its side's safe end of the final bracket, so in a zone thinner than
    the brackets the two may pass each other. The zone is then surely empty if the brackets
    themselves do not overlap (a falls short of its reservation at every theta where b still gets its
    own) or if a supporting line of the frontier proves it (:func:`_beyond_every_line`); otherwise the
    row is ``unsure`` and must be searched more finely (:meth:`FrontierSummary.build`), also where one
    of the two points meets both reservations (the zone holds it but can be wider). Once a search
    cannot narrow it further, a point that meets both reservations is taken as the whole zone."""
    rows = len(reserve_a)
    if terms._compiled and terms._rows == rows:        # the compiled loops: the same searches and zone, to the bit
        st = terms._stack
        return _Zone(*zone_found(st._block(), st.ahead, st.ordered, u_a, u_b, reserve_a - RESERVE_TOLERANCE,
                                 reserve_b - RESERVE_TOLERANCE, THETA_GRID, steps,
                                 SAFE_BISECTION if bisect else FALSE_POSITION))
    twice = np.concatenate([np.arange(rows), np.arange(rows)])
    both = terms.rows(twice)
    theta_best, ok, short = reach(both, np.concatenate([u_a, u_b[:, ::-1]]), np.arange(2 * rows) < rows,
                                  np.concatenate([reserve_a, reserve_b]) - RESERVE_TOLERANCE, steps=steps,
                                  bisect=bisect, short_end=True)
    at_a, at_b = both.frontier(theta_best)
    theta_best_b, theta_best_a, ok_a, ok_b = theta_best[:rows], theta_best[rows:], ok[:rows], ok[rows:]
    # a falls short of its reservation up to (and at) a_short; b falls short from b_short on
    a_short, b_short = short[:rows], short[rows:]
    # both sides' utilities at both crossings, as rows of the twice-stacked terms (b's best first)
    ua_at_b, ua_at_a, ub_at_b, ub_at_a = at_a[:rows], at_a[rows:], at_b[:rows], at_b[rows:]
    inverted = theta_best_b > theta_best_a
    b_point = inverted & (ub_at_b >= reserve_b - RESERVE_TOLERANCE)   # a surely gets its reservation there
    a_point = inverted & ~b_point & (ua_at_a >= reserve_a - RESERVE_TOLERANCE)
    unsure = ok_a & ok_b & inverted & (a_short < b_short)
    if unsure.any():
        # the frontier's supporting lines may prove the zone empty at once: see _beyond_every_line
        thetas = np.concatenate([np.broadcast_to(THETA_GRID, u_a.shape), theta_best.reshape(2, rows).T], axis=1)
        on_a = np.concatenate([u_a, ua_at_b[:, None], ua_at_a[:, None]], axis=1)
        on_b = np.concatenate([u_b, ub_at_b[:, None], ub_at_a[:, None]], axis=1)
        unsure &= ~_beyond_every_line(thetas, on_a, on_b, reserve_a - RESERVE_TOLERANCE,
                                      reserve_b - RESERVE_TOLERANCE)
    return _Zone(theta_best_a=np.where(b_point, theta_best_b, theta_best_a),
                 theta_best_b=np.where(a_point, theta_best_a, theta_best_b),
                 best_a=np.where(b_point, ua_at_b, ua_at_a), best_b=np.where(a_point, ub_at_a, ub_at_b),
                 ok_a=ok_a, ok_b=ok_b, zopa=ok_a & ok_b & (~inverted | b_point | a_point), unsure=unsure)


def _beyond_every_line(theta: np.ndarray, u_a: np.ndarray, u_b: np.ndarray, level_a: np.ndarray,
                       level_b: np.ndarray) -> np.ndarray:
    """Per row: whether no deal at all gives a at least ``level_a`` and b at least ``level_b``, proved by
    the frontier's points ``u_a``, ``u_b`` at weights ``theta`` (rows x points).

    The efficient deal at weight ``theta`` maximises ``theta u_a + (1 - theta) u_b`` over every deal, so
    no deal lies beyond the line through it with that normal: a deal giving a at least ``level_a``
    gives b at most ``(theta u_a + (1 - theta) u_b - theta level_a) / (1 - theta)``. Where one point's
    line keeps b below ``level_b`` (by more than rounding), both levels together are out of reach."""
    inner = theta < 1.0
    most_b = np.where(inner, (theta * u_a + (1.0 - theta) * u_b - theta * level_a[:, None])
                      / np.where(inner, 1.0 - theta, 1.0), np.inf)
    scale = np.abs(u_a).max(axis=1) + np.abs(u_b).max(axis=1)
    return (most_b.min(axis=1) < level_b - 1e-9 * scale)


TERMS_FIELDS = tuple(k for k in PairTerms.__dataclass_fields__ if k != "gamma")   # the per-row arrays


@dataclass(frozen=True)
class FrontierSummary:
    """A pair's frontier sampled on the theta grid, with each side's reservation and best."""

    terms: PairTerms
    u_a: np.ndarray          # rows x grid, rising in theta
    u_b: np.ndarray          # rows x grid, falling in theta
    reserve_a: np.ndarray
    reserve_b: np.ndarray
    stake_a: np.ndarray      # the most each side could gain from the other
    stake_b: np.ndarray
    best_a: np.ndarray       # a's best utility that b could accept
    best_b: np.ndarray
    theta_best_a: np.ndarray
    theta_best_b: np.ndarray
    zopa: np.ndarray         # a zone of agreement exists
    # per row: a number naming its exact inputs in a memo (tppgame.experiments.memo), NaN where none does
    memo_id: np.ndarray

    @classmethod
    def build(cls, terms: PairTerms, threshold_a: np.ndarray, threshold_b: np.ndarray,
              relief_a: np.ndarray | float = 0.0, relief_b: np.ndarray | float = 0.0,
              efficient_stake: bool = False) -> FrontierSummary:
        """Sample the frontier; each side's reservation is its threshold times its stake (at free
        trade, or at the pair's efficient deal with ``efficient_stake``: :meth:`PairTerms.stakes`),
        less any relief (what it will give up in this talk to bring a hold-out into the agreement)."""
        rows = len(threshold_a)
        u_a, u_b = terms.frontier(np.broadcast_to(THETA_GRID, (rows, len(THETA_GRID))))
        stake_a, stake_b = terms.stakes(efficient_stake)
        reserve_a, reserve_b = threshold_a * stake_a - relief_a, threshold_b * stake_b - relief_b
        found = _zone(terms, u_a, u_b, reserve_a, reserve_b)
        # A zone thinner than the brackets (at a sharp bend of the frontier, where it is steep) leaves
        # both refined crossings past each other: search those rows again by bisection, which narrows
        # the brackets on both sides until the crossings are in order or the zone is surely empty.
        unsure = found.unsure
        if unsure.any():
            index = np.flatnonzero(unsure)
            again = _zone(terms.rows(index), u_a[index], u_b[index], reserve_a[index], reserve_b[index],
                          steps=40, bisect=True)
            found = found.with_rows(index, again)
        theta_best_a, theta_best_b, best_a, best_b, zopa = (found.theta_best_a, found.theta_best_b,
                                                            found.best_a, found.best_b, found.zopa)
        return cls(terms, u_a, u_b, reserve_a, reserve_b, stake_a, stake_b, best_a, best_b,
                   theta_best_a, theta_best_b, zopa, np.full(rows, np.nan))

    def rows(self, index: np.ndarray) -> FrontierSummary:
        fields = self.__dict__
        return FrontierSummary._made({k: fields[k][index] for k in _SUMMARY_ARRAYS}, fields["terms"].rows(index))

    @staticmethod
    def _made(arrays: dict[str, np.ndarray], terms: PairTerms) -> FrontierSummary:
        """A summary of these fields, set as the frozen dataclass's ``__init__`` sets them (without its cost:
        a meeting takes rows of the summaries several times a round)."""
        summary = object.__new__(FrontierSummary)
        summary.__dict__.update(arrays, terms=terms)
        return summary

    @staticmethod
    def placeholder(like: FrontierSummary, rows: int) -> FrontierSummary:
        """A summary of ``rows`` empty talks shaped like ``like``, to be filled with :meth:`with_rows`.

        Its reservations are NaN, so that :meth:`unchanged` never takes an empty row for a built one
        (and so are its memo ids: no memo knows an empty row).
        """
        def blank(arr: np.ndarray) -> np.ndarray:
            return np.zeros((rows, *arr.shape[1:]), dtype=arr.dtype)

        terms = PairTerms(**{k: blank(getattr(like.terms, k)) for k in TERMS_FIELDS}, gamma=like.terms.gamma)
        fields = {k: blank(getattr(like, k)) for k in FrontierSummary.__dataclass_fields__ if k != "terms"}
        fields["reserve_a"][:] = fields["reserve_b"][:] = fields["memo_id"][:] = np.nan
        return FrontierSummary(terms=terms, **fields)

    def with_rows(self, index: np.ndarray, part: FrontierSummary) -> FrontierSummary:
        """A copy with the talks at ``index`` replaced by ``part``'s rows (in order)."""
        block, fields = put_rows(self.terms, part.terms, TERMS_FIELDS, index, self.terms._side_by_side(),
                                  part.terms._side_by_side())
        terms = PairTerms(**fields, gamma=part.terms.gamma)
        terms.__dict__["_block"] = block          # the fields are views of it: same_rows compares it whole
        if "_stack" in self.terms.__dict__ and "_stack" in part.terms.__dict__:   # both stacked already
            terms._stacked_as(self.terms._stack.with_rows(index, part.terms._stack))
        _, numbers = put_rows(self, part, _SUMMARY_NUMBERS, index)
        return FrontierSummary(terms=terms, zopa=put(self.zopa, index, part.zopa), **numbers)

    def unchanged(self, index: np.ndarray, terms: PairTerms, threshold_a: np.ndarray, threshold_b: np.ndarray,
                  relief_a: np.ndarray | float = 0.0, relief_b: np.ndarray | float = 0.0) -> np.ndarray:
        """Per row of ``terms``: whether :meth:`build` would give this summary's row at ``index`` again
        (the same terms, so the same frontier and stakes, and the same reservations from them)."""
        same = self.terms.same_rows(index, terms)
        same &= threshold_a * self.stake_a[index] - relief_a == self.reserve_a[index]
        same &= threshold_b * self.stake_b[index] - relief_b == self.reserve_b[index]
        return same

    @staticmethod
    def concat(parts: list[FrontierSummary]) -> FrontierSummary:
        """Stack the rows of several summaries (talks from different worlds negotiated together)."""
        terms = PairTerms.concat([p.terms for p in parts])
        fields = {k: np.concatenate([getattr(p, k) for p in parts])
                  for k in FrontierSummary.__dataclass_fields__ if k != "terms"}
        return FrontierSummary(terms=terms, **fields)

    def theta_for(self, proposer_is_a: np.ndarray, target: np.ndarray) -> np.ndarray:
        """The efficient point giving the proposer (a or b) about ``target``, as theta on a.

        Bracketed on the sampled frontier and narrowed by bisection on the exact one, so a higher
        target never gets the proposer less; the deal is the exact efficient point at that theta.
        """
        table = np.where(proposer_is_a[:, None], self.u_a, self.u_b[:, ::-1])
        theta, _ = reach(self.terms, table, proposer_is_a, target, steps=4, safe=False, bisect=True)
        return theta

    def proposal(self, proposer_is_a: np.ndarray, target: np.ndarray) -> np.ndarray:
        """Theta of the offer a proposer makes for ``target``: :meth:`theta_for`, but never asking
        for less than its own reservation point, where a zone of agreement exists."""
        theta = self.theta_for(proposer_is_a, target)
        return np.where(self.zopa, np.where(proposer_is_a, np.maximum(theta, self.theta_best_b),
                                            np.minimum(theta, self.theta_best_a)), theta)

    def nash(self, weight: np.ndarray | float | None = None, points: int = 257, keep: int = 4) -> np.ndarray:
        """Theta of the Nash bargaining solution with the reservations as disagreement point
        (with ``weight``, a's per row: the asymmetric one; ``points`` and ``keep``: the coarse grid's
        size and how many of its peaks are narrowed; see :func:`~tppgame.game.solutions.nash_solution`)."""
        return nash_solution(self.terms.frontier, self.reserve_a, self.reserve_b, self.theta_best_b,
                             self.theta_best_a, rows=len(self.reserve_a), weight=weight, points=points,
                             keep=keep)

    def weighted_nash(self, weight: np.ndarray) -> np.ndarray:
        """Theta of the asymmetric Nash point (a's ``weight`` per row, reservations as disagreement
        point), from its first-order condition on the frontier of weighted-sum optima
        (:func:`~tppgame.game.solutions.weighted_nash_solution`): the same point :meth:`nash` searches
        for on a grid, found exactly and in a few evaluations."""
        weight = np.asarray(weight, dtype=float)
        if weight.shape != self.reserve_a.shape:          # one weight for every row
            weight = np.broadcast_to(weight, self.reserve_a.shape)
        return weighted_nash_solution(self.terms.frontier, self.reserve_a, self.reserve_b, weight,
                                      self.theta_best_b, self.theta_best_a, THETA_GRID, self.u_a, self.u_b)

    def rubinstein(self, patience_a: np.ndarray, patience_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Thetas of Rubinstein's equilibrium offers on the pair's frontier, with the reservations as
        disagreement point: (a proposing first, b proposing first)
        (:func:`~tppgame.game.solutions.rubinstein_solution`)."""
        return rubinstein_solution(self.terms.frontier, self.reserve_a, self.reserve_b, patience_a, patience_b,
                                   self.theta_best_b, self.theta_best_a, rows=len(self.reserve_a))

    def safe_point(self, side_is_a: np.ndarray, level: np.ndarray) -> np.ndarray:
        """Theta of the efficient point that gives the side (a or b, per row) at least ``level``
        and no more than needed (as far as bisection on the exact frontier narrows it)."""
        table = np.where(side_is_a[:, None], self.u_a, self.u_b[:, ::-1])
        theta, _ = reach(self.terms, table, side_is_a, level, steps=4, safe=True, bisect=True)
        return theta

    def kalai_smorodinsky(self) -> np.ndarray:
        """Theta of the Kalai-Smorodinsky solution (ideal point: each side's best)."""
        return kalai_smorodinsky_solution(self.terms.frontier, self.reserve_a, self.reserve_b,
                                          self.best_a, self.best_b, self.theta_best_b, self.theta_best_a,
                                          rows=len(self.reserve_a))


_SUMMARY_NUMBERS = tuple(k for k in FrontierSummary.__dataclass_fields__ if k not in ("terms", "zopa"))
_SUMMARY_ARRAYS = tuple(k for k in FrontierSummary.__dataclass_fields__ if k != "terms")
