"""Power under the entry-into-force rule: how much each member's ratification decides whether
the agreement can enter into force.

The rule (:class:`~tppgame.game.scenario.EntryRule`) makes a *simple game* among the members:
a coalition (a set of members who ratify) *wins* when it meets the rule, exactly as
:func:`tppgame.game.agreement.entry_into_force` decides it. Over all ``2**n`` coalitions:

- a member **swings** a coalition ``S`` it is not in when ``S`` loses and ``S`` with it wins:
  its ratification is what brings the agreement into force;
- the **normalised Banzhaf index** of a member is its number of swings over all members'
  swings: its share of the moments where one ratification decides;
- the **Shapley–Shubik index** of a member is the share of the ``n!`` orders in which the
  members could ratify where it is the *pivot* (the one whose ratification first meets the
  rule). It is counted exactly from swings by size: a swing into a coalition of ``k`` members
  is the pivot in ``k! (n - k - 1)!`` orders (the ``k`` before it in any order, the rest after);
- a **veto player** is in every winning coalition: without it nothing can enter into force.

Both indices sum to 1 over the members whenever some coalition wins and some loses (the game
is *decisive*); when no coalition of the members can meet the rule (the eleven after the US
withdrawal under the TPP's 85% rule) nobody has power and the indices are undefined (NaN here,
``null`` in JSON). Coalitions are bitmasks (bit ``k`` for the ``k``-th player) and every count is
an integer over numpy arrays, so the indices are exact; :attr:`PowerIndices.banzhaf_exact` and
:attr:`PowerIndices.shapley_shubik_exact` give them as fractions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from math import ceil, factorial
from typing import Any

import numpy as np

from tppgame.game.events import Join, Shock, Withdraw
from tppgame.game.scenario import EntryRule, Scenario

MAX_PLAYERS = 22   # 2**22 coalitions (4 million) stay fast; the game has 12 countries


@lru_cache(maxsize=8)
def membership(n: int) -> np.ndarray:
    """``[2**n, n]`` booleans: row ``mask`` says which players are in coalition ``mask`` (bit ``k``: player ``k``).

    Read-only (shared by every game of ``n`` players)."""
    if not 0 <= n <= MAX_PLAYERS:
        raise ValueError(f"power indices: expected at most {MAX_PLAYERS} players, got {n}")
    masks = np.arange(1 << n, dtype=np.int64)
    table = ((masks[:, None] >> np.arange(n, dtype=np.int64)) & 1).astype(bool)
    table.flags.writeable = False
    return table


@dataclass(frozen=True)
class SimpleGame:
    """A simple game: ``winning[mask]`` says whether coalition ``mask`` (bit ``k``: ``players[k]``) wins."""

    players: tuple[str, ...]
    winning: np.ndarray

    def __post_init__(self) -> None:
        if self.winning.shape != (1 << len(self.players),):
            raise ValueError(f"power indices: expected {1 << len(self.players)} coalitions for "
                             f"{len(self.players)} players, got {self.winning.shape}")


def weighted_game(players: Sequence[str], weights: Sequence[float], quota: float) -> SimpleGame:
    """The weighted majority game ``[quota; weights]``: a coalition wins when its weight reaches the quota."""
    w = np.asarray(weights, dtype=float)
    return SimpleGame(tuple(players), membership(len(w)) @ w >= quota)


def entry_rule_game(rule: EntryRule, codes: Sequence[str], players: np.ndarray, original: np.ndarray,
                    gdp: np.ndarray) -> SimpleGame:
    """The entry rule as a simple game among ``players`` (a mask over the countries ``codes``).

    A coalition wins when it meets ``rule`` as :func:`tppgame.game.agreement.entry_into_force`
    counts it: at least the rule's number of ratifications (or, for the CPTPP, the stated fraction
    of the ``original`` signatories, whichever is smaller), holding at least its share of the
    original signatories' 2013 GDP (a member that is no original signatory adds none).
    """
    return _entry_rule_game(rule, tuple(codes), tuple(map(bool, players)), tuple(map(bool, original)),
                            tuple(map(float, gdp)))


@lru_cache(maxsize=64)
def _entry_rule_game(rule: EntryRule, codes: tuple[str, ...], players: tuple[bool, ...],
                     original: tuple[bool, ...], gdp: tuple[float, ...]) -> SimpleGame:
    on = [k for k, p in enumerate(players) if p]
    inside = membership(len(on))
    counted = np.array([gdp[k] if original[k] else 0.0 for k in on])
    total = sum(g for g, o in zip(gdp, original) if o)
    share = inside @ counted / total if total > 0 else np.zeros(len(inside))
    needed = rule.min_signatories
    if rule.signatory_fraction is not None:
        needed = min(needed, ceil(rule.signatory_fraction * sum(original)))
    winning = (inside.sum(axis=1) >= needed) & (share >= rule.min_gdp_share - 1e-12)
    winning.flags.writeable = False
    return SimpleGame(tuple(codes[k] for k in on), winning)


def swings_by_size(game: SimpleGame) -> np.ndarray:
    """``[n, n]`` integers: how many coalitions of ``k`` others player ``i`` swings (losing without it, winning with it)."""
    n = len(game.players)
    inside = membership(n)
    sizes = inside.sum(axis=1)
    masks = np.arange(1 << n, dtype=np.int64)
    counts = np.zeros((n, max(n, 1)), dtype=np.int64)
    for i in range(n):
        without = masks[~inside[:, i]]
        swing = game.winning[without | (1 << i)] & ~game.winning[without]
        counts[i] = np.bincount(sizes[without[swing]], minlength=n)[:n]
    return counts


@dataclass(frozen=True)
class PowerIndices:
    """Each player's power in a simple game.

    ``swings[i]``: coalitions player ``i`` swings (the raw Banzhaf count); ``banzhaf``: swings over
    all players' swings; ``shapley_shubik``: the share of orderings in which ``i`` is the pivot;
    ``veto``: ``i`` is in every winning coalition (False for all when none wins);
    ``winning_coalitions``: how many of the ``2**n`` coalitions win.
    """

    players: tuple[str, ...]
    swings: np.ndarray
    banzhaf_exact: tuple[Fraction, ...] | None
    shapley_shubik_exact: tuple[Fraction, ...] | None
    veto: np.ndarray
    winning_coalitions: int

    @property
    def decisive(self) -> bool:
        """Whether some ratification decides (some coalition wins and some loses): the indices are defined."""
        return self.banzhaf_exact is not None

    @property
    def banzhaf(self) -> np.ndarray:
        """The normalised Banzhaf index per player (NaN when the game is not decisive)."""
        return _floats(self.banzhaf_exact, len(self.players))

    @property
    def shapley_shubik(self) -> np.ndarray:
        """The Shapley–Shubik index per player (NaN when the game is not decisive)."""
        return _floats(self.shapley_shubik_exact, len(self.players))

    @property
    def veto_players(self) -> list[str]:
        return [p for p, v in zip(self.players, self.veto) if v]

    def as_dict(self, digits: int = 6) -> dict[str, dict[str, Any]]:
        """Per player ``{"banzhaf", "shapley_shubik", "veto"}``, indices rounded (None when undefined)."""
        def value(x: float) -> float | None:
            return None if np.isnan(x) else round(float(x), digits)

        return {p: {"banzhaf": value(b), "shapley_shubik": value(s), "veto": bool(v)}
                for p, b, s, v in zip(self.players, self.banzhaf, self.shapley_shubik, self.veto)}


def _floats(exact: tuple[Fraction, ...] | None, n: int) -> np.ndarray:
    return np.full(n, np.nan) if exact is None else np.array([float(x) for x in exact])


def power_indices(game: SimpleGame) -> PowerIndices:
    """Banzhaf and Shapley–Shubik indices and veto players of ``game``, exactly."""
    n = len(game.players)
    counts = swings_by_size(game)
    swings = counts.sum(axis=1)
    total = int(swings.sum())
    wins = int(game.winning.sum())
    veto = np.zeros(n, dtype=bool)
    if wins:
        inside = membership(n)
        veto = np.array([not game.winning[~inside[:, i]].any() for i in range(n)], dtype=bool)
    if total == 0:
        return PowerIndices(game.players, swings, None, None, veto, wins)
    orders = [factorial(k) * factorial(n - k - 1) for k in range(n)]
    pivots = [sum(int(c) * w for c, w in zip(counts[i], orders)) for i in range(n)]
    return PowerIndices(game.players, swings, tuple(Fraction(int(s), total) for s in swings),
                        tuple(Fraction(p, factorial(n)) for p in pivots), veto, wins)


def gdp_shares(players: np.ndarray, original: np.ndarray, gdp: np.ndarray) -> np.ndarray:
    """Each player's share of the original signatories' 2013 GDP, the weight the rule counts (0 for others)."""
    total = gdp[original].sum()
    return np.where(original, gdp, 0.0)[players] / total if total > 0 else np.zeros(int(players.sum()))


@dataclass(frozen=True)
class Stage:
    """The entry rule and the members from one round on, with the power it gives them.

    ``round`` 0 and ``label`` None: as the scenario starts; otherwise the scheduled event
    (with its ``probability``) that changed the members or the rule.
    """

    round: int
    label: str | None
    probability: float
    rule: EntryRule
    players: tuple[str, ...]
    gdp_share: np.ndarray
    power: PowerIndices


def power_at(rule: EntryRule, codes: Sequence[str], players: np.ndarray, original: np.ndarray,
             gdp: np.ndarray) -> PowerIndices:
    """The power indices of ``players`` under ``rule``, remembered for the last few sets of players
    (every game's summary asks, the games of a scenario end with few different sets, and the
    indices count all ``2**n`` coalitions). Its arrays are read-only: games share them."""
    return _power_at(rule, tuple(codes), tuple(map(bool, players)), tuple(map(bool, original)),
                     tuple(map(float, gdp)))


@lru_cache(maxsize=64)
def _power_at(rule: EntryRule, codes: tuple[str, ...], players: tuple[bool, ...], original: tuple[bool, ...],
              gdp: tuple[float, ...]) -> PowerIndices:
    found = power_indices(_entry_rule_game(rule, codes, players, original, gdp))
    found.swings.flags.writeable = found.veto.flags.writeable = False
    return found


def power_stages(scenario: Scenario) -> list[Stage]:
    """The members' power as the scenario starts, then after each scheduled event that changes
    the members (join, withdraw) or the entry rule (a shock setting ``agreement.*``), in round order.

    Events are taken as they are written: one with a probability below 1 may not happen in a game
    (its stage says so through ``probability``).
    """
    codes, gdp = scenario.countries, scenario.params["gdp"]
    original = np.array([c in scenario.original_signatories for c in codes])
    members = np.array([c in scenario.members for c in codes])
    config = scenario

    def stage(round_number: int, label: str | None, probability: float) -> Stage:
        rule = config.entry_rule
        return Stage(round_number, label, probability, rule, tuple(c for c, m in zip(codes, members) if m),
                     gdp_shares(members, original, gdp), power_at(rule, codes, members, original, gdp))

    stages = [stage(0, None, 1.0)]
    for event in sorted(scenario.events, key=lambda e: e.round):
        if isinstance(event, Join | Withdraw):
            members = members.copy()
            members[codes.index(event.country)] = isinstance(event, Join)
        elif isinstance(event, Shock) and any(k.startswith("agreement.") for k, _ in event.changes):
            before = config.entry_rule
            config = config.with_overrides(dict(event.changes), origin=f"shock '{event.label}'")
            if config.entry_rule == before:
                continue
        else:
            continue
        stages.append(stage(event.round, event.label, event.probability))
    return stages
