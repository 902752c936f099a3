"""Both directions of some talks stacked side by side, and the row operations the frontier's blocks share.

A pair's terms (:class:`tppgame.game.frontier.PairTerms`) describe each side receiving and conceding;
:class:`StackedTerms` lays a's concessions to b and b's to a side by side (rows x 2S) with the ratios of the
efficient concession precomputed, so one pass of array arithmetic (or one compiled loop,
:mod:`tppgame.game.kernels`) gives a whole deal. The helpers take and replace rows of such blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from tppgame.game.kernels import stack_square

if TYPE_CHECKING:
    from tppgame.game.frontier import PairTerms


@dataclass(frozen=True, eq=False)
class StackedTerms:
    """Both directions of some talks side by side (columns: a's concessions to b, then b's to a),
    with the ratios of :func:`tppgame.game.utility.efficient_concession` precomputed, so that one pass
    of array arithmetic gives a whole deal. Every array is rows x 2S."""

    w: np.ndarray            # receiver's gain weight
    p: np.ndarray            # receiver's precedent weight
    base: np.ndarray         # receiver's current access
    rival: np.ndarray        # receiver's best rival's access
    c: np.ndarray            # giver's cost coefficient
    own: np.ndarray          # what the giver has already granted
    own_cost: np.ndarray     # own ** gamma
    base_floor: np.ndarray   # min(base, rival)
    high: np.ndarray         # concession where the receiver closes a gap to a rival, at weight 1
    low: np.ndarray          # concession beyond the rival's access, at weight 1
    ceiling: np.ndarray      # red line (or what is already granted, if more)
    ahead: np.ndarray        # the receiver already has more access than the giver granted here
    ordered: bool            # low <= high everywhere (true of any calibration: precedent >= 0)

    @classmethod
    def of(cls, terms: PairTerms) -> StackedTerms:
        """Stack a pair's terms; ``high`` and ``low`` are the concessions at equal weights (for the cost
        exponent 2, in one compiled pass over the terms side by side: the same numbers, to the bit)."""
        if terms._compiled and terms.w_a.ndim == 2:
            return cls._of_block(*stack_square(terms._side_by_side()))

        def both(x: np.ndarray, y: np.ndarray) -> np.ndarray:
            return np.concatenate([x, y], axis=-1)

        # receiver of a->b concessions is b; giver is a (and the reverse for b->a)
        w, p = both(terms.w_b, terms.w_a), both(terms.p_b, terms.p_a)
        base, rival = both(terms.base_b, terms.base_a), both(terms.rival_b, terms.rival_a)
        c, own, cap = both(terms.c_a, terms.c_b), both(terms.own_a, terms.own_b), both(terms.cap_a, terms.cap_b)
        gamma = terms.gamma
        positive = c > 0
        safe = np.where(positive, gamma * c, 1.0)
        big = 1e12
        high, low = np.where(positive, (w + p) / safe, big), np.where(positive, w / safe, big)
        if gamma != 2.0:
            power = 1.0 / (gamma - 1.0)
            high, low = high**power, low**power
        high, low = np.where(w + p > 0, high, 0.0), np.where(w > 0, low, 0.0)
        numbers = np.stack([w, p, base, rival, c, own, own**gamma, np.minimum(base, rival), high, low,
                            np.maximum(cap, own)])
        return cls._of_block(numbers, base > own, bool((low <= high).all()))

    @classmethod
    def _of_block(cls, numbers: np.ndarray, ahead: np.ndarray, ordered: bool) -> StackedTerms:
        """Stacked terms whose arrays of numbers are the layers of one block (arrays x rows x 2S), so that
        taking or replacing rows is one pass over the block rather than one per array."""
        stacked = object.__new__(cls)       # the fields set as the frozen dataclass's __init__ sets them, faster
        stacked.__dict__.update(zip(STACK_NUMBERS, numbers), ahead=ahead, ordered=ordered, _numbers=numbers)
        return stacked

    def _block(self) -> np.ndarray:
        """The arrays of numbers as one block (arrays x rows x 2S): the one they are layers of, if any."""
        numbers = self.__dict__.get("_numbers")
        return np.stack([getattr(self, k) for k in STACK_NUMBERS]) if numbers is None else numbers

    def rows(self, index: np.ndarray) -> StackedTerms:
        """The stacked terms of some rows (every entry is per row, so slicing is the same as restacking)."""
        # np.take keeps each layer contiguous (indexing [:, index] would lay the result out rows first)
        index = np.asarray(index)
        positions = np.flatnonzero(index) if index.dtype == bool else index
        return StackedTerms._of_block(np.take(self._block(), positions, axis=1), self.ahead[index], self.ordered)

    def with_rows(self, index: np.ndarray, part: StackedTerms) -> StackedTerms:
        """A copy with the rows at ``index`` replaced by ``part``'s (in order)."""
        numbers = self._block().copy()
        numbers[:, index] = part._block()
        return StackedTerms._of_block(numbers, put(self.ahead, index, part.ahead), self.ordered and part.ordered)


STACK_NUMBERS = ("w", "p", "base", "rival", "c", "own", "own_cost", "base_floor", "high", "low", "ceiling")


def put(whole: np.ndarray, index: np.ndarray, new: np.ndarray) -> np.ndarray:
    """A copy of ``whole`` with the rows at ``index`` replaced by ``new``'s."""
    out = whole.copy()
    out[index] = new
    return out


def side_by_side(arrays: Sequence[np.ndarray]) -> np.ndarray:
    """Arrays with one row per talk (1-D or rows x k) side by side in one new block, rows x columns."""
    return np.concatenate([a if a.ndim == 2 else a[:, None] for a in arrays], axis=1)


def put_rows(whole: object, part: object, names: Sequence[str], index: np.ndarray,
              block: np.ndarray | None = None, part_block: np.ndarray | None = None,
              ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Copies of ``whole``'s arrays ``names`` (numbers, one row per talk) with the rows at ``index``
    replaced by ``part``'s, made as one block: one copy and one assignment in all, rather than one
    of each per array (``block``, ``part_block``: ``whole``'s and ``part``'s arrays already side by
    side). Returns the block and each array as a view of it."""
    block = side_by_side([getattr(whole, k) for k in names]) if block is None else block.copy()
    block[index] = side_by_side([getattr(part, k) for k in names]) if part_block is None else part_block
    views, start = {}, 0
    for k in names:
        like = getattr(whole, k)         # shaped as part's (whole's are at hand; a part's may be made when read)
        if like.ndim == 1:
            views[k], start = block[:, start], start + 1
        else:
            views[k], start = block[:, start:start + like.shape[1]], start + like.shape[1]
    return block, views


def rows_first(u_a: np.ndarray, u_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Utilities computed points x rows, returned rows x points (contiguous, as callers index rows)."""
    return np.ascontiguousarray(u_a.T), np.ascontiguousarray(u_b.T)


@lru_cache(maxsize=8)
def first_half(n: int) -> np.ndarray:
    """Mask of the first ``n`` of ``2n`` stacked columns (a's concessions to b)."""
    return np.arange(2 * n) < n
