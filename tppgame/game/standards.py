"""Common standards: rules issues the agreement sets as one minimum standard that every signatory implements.

Without ``bargaining.common_standards``, a rules issue that is a sector of the game (biologics, a chapter
in play) is bargained pair by pair like a tariff: a country's concession binds a term
(:func:`tppgame.game.rules.bound_terms`) and the agreement's standard is the least any signatory binds
(:func:`tppgame.game.rules.agreement_term`). A country nobody asks about (Brunei, with no data protection
and a tiny market) then binds next to nothing, and so does the "standard".

The TPP did not work that way: its Article 18.51 (biologics) is a minimum every party implements, later
for some (Brunei, Malaysia, Peru and Vietnam had transition periods), never not at all. With an issue
named in ``bargaining.common_standards``:

* **The standard** is the term the members settle by the theory the rules of origin use
  (:func:`tppgame.game.rules.settled_term`): any member blocks a term past its red line, so the term lies
  in the range every red line allows; within it, the members' median ideal (no majority can move a
  median, Black 1948). It is settled by the group whose package is judged (the members while they
  bargain, the signatories once it forms), so what a member ratifies and what the summary reports are
  one standard. With the data file's positions the twelve settle biologics at 8 years: the US's red line
  holds the median ideal (5 years) up, and the red lines of the members that accepted no more than
  "at least 8, or 5 plus other measures" cap it.
* **Every member implements it**: its schedule in the issue's sector is at least the concession that
  binds the standard (:func:`standard_concessions`, the inverse of ``bound_terms``), 0 where its own
  term is already at or past it. Its pair talks can trade more. A member's ratification so counts what
  the standard costs it (its health budget pays the originators' premium) and what it earns its
  originators abroad (the US), and its partners count the standard as part of what it offers them.
* **Transitions** (``bargaining.standard_transitions``): a member that would not ratify with the
  standards at once implements them after the shortest transition with which it would
  (:func:`transition_years`), its cost and its partners' originators' gain discounted over it
  (:func:`transition_relief`); the standard itself does not move.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tppgame.game.rules import Issue, liberal_end, settled_term


@dataclass(frozen=True)
class CommonStandard:
    """One rules issue settled as the agreement's minimum standard among a group."""

    name: str
    sector: int                # the game's sector the issue is
    term: float                # the standard, on the issue's scale
    within_red_lines: bool     # False: the red lines left no common term (the median held between them)
    set_by: tuple[str, ...]    # members whose red line the standard sits on; () when it is the median ideal
    floor: np.ndarray          # [c]: the concession that binds the standard, 0 outside the group


def standard_concessions(term: float, status_quo: np.ndarray, end: float, rising: bool = True) -> np.ndarray:
    """[c]: the least concession with which each country binds at least ``term`` (the inverse of
    :func:`tppgame.game.rules.bound_terms`): ``(term - q) / (end - q)``, 0 where its status quo ``q`` is
    already at or past the term towards the liberal end ``end`` (the top of a rising scale, the bottom of a
    falling one), at most 1."""
    q = np.asarray(status_quo, dtype=float)
    short = q < term if rising else q > term
    gap = np.where(short, end - q, 1.0)                    # never 0 where the country falls short
    return np.where(short, np.clip((term - q) / gap, 0.0, 1.0), 0.0)


def common_standards(issues: dict[str, Issue], countries: tuple[str, ...], sectors: tuple[str, ...],
                     names: tuple[str, ...], group: np.ndarray) -> tuple[CommonStandard, ...]:
    """The issues ``names`` (each a sector of the game) settled as standards by ``group``: their terms, who
    they sit on, and the concession each member needs to implement them (none without members)."""
    on = np.asarray(group, dtype=bool)
    out = []
    for name in names:
        issue = issues[name]
        settled = settled_term(issue.ideal, issue.red_line, on)
        if settled is None:
            continue
        term, within = settled
        end, rising = liberal_end(issue)
        floor = np.where(on, standard_concessions(term, issue.status_quo, end, rising), 0.0)
        on_line = on & np.isclose(issue.red_line, term)
        out.append(CommonStandard(name, sectors.index(name), term, within,
                                  tuple(code for code, sits in zip(countries, on_line) if sits), floor))
    return tuple(out)


def standards_floor(standards: tuple[CommonStandard, ...], n: int, n_sectors: int) -> np.ndarray:
    """[c, s]: the least schedule the standards ask of each country (0 in every other sector)."""
    floor = np.zeros((n, n_sectors))
    for standard in standards:
        floor[:, standard.sector] = standard.floor
    return floor


# ------------------------------------------------------------------ transitions
def transition_years(margin: np.ndarray, cost: np.ndarray, discount: np.ndarray, longest: int) -> np.ndarray:
    """[c]: the shortest transition, in whole years (0: at once), after which each member implements the
    standards with which it would ratify (``bargaining.standard_transitions``): the least ``T`` with
    ``margin + (1 - discount**T) cost >= 0``, ``margin`` its utility over what it needs to ratify with the
    standards at once, ``cost`` what implementing them costs it, ``discount`` its yearly discount factor.
    A member that ratifies at once, or that no transition up to ``longest`` years would bring in (it holds
    out either way), gets none."""
    margin, cost = np.asarray(margin, dtype=float), np.asarray(cost, dtype=float)
    d = np.asarray(discount, dtype=float)
    short = (margin < 0) & (cost > 0)
    # discount**T <= 1 + margin / cost: T >= log(1 + margin / cost) / log(discount); a cost too small to
    # matter overflows the ratio to -inf, past any transition
    with np.errstate(over="ignore"):
        room = np.where(short, 1.0 + margin / np.where(short, cost, 1.0), 1.0)
    can = short & (room > 0) & (d < 1)
    needed = np.log(np.where(can, room, 1.0)) / np.log(np.where(can, d, 0.5))
    years = np.where(can, np.maximum(np.ceil(needed - 1e-9), 1), longest + 1)
    return np.where(years <= longest, years, 0).astype(int)


def transition_relief(years: np.ndarray, discount: np.ndarray, cost: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """[c]: how a transition changes each member's utility: it pays ``cost[j]`` (implementing the standards)
    ``years[j]`` later, a share ``1 - discount[j]**years[j]`` less in present value, and its originators get
    ``gain[k, j]`` (from ``j`` implementing them) ``years[j]`` later, a share ``1 - discount[k]**years[j]``
    less."""
    d = np.asarray(discount, dtype=float)
    own = (1.0 - d ** years) * np.asarray(cost, dtype=float)
    later = 1.0 - d[:, None] ** np.asarray(years)[None, :]               # [k, j]: k's loss per unit from j's delay
    return own - (later * np.asarray(gain, dtype=float)).sum(axis=1)
