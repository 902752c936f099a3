"""Headlines: what a teacher would state about a scenario, checked against runs.

A scenario file lists its headlines as data (``[[headlines]]`` with a ``claim`` in words and
a ``kind`` the game can check, such as ``no_deal_by`` a date for a pair). This module checks
a finished run against them, and plays a scenario over many seeds to say how often each
headline holds: a headline that holds in fewer than 80% of seeds is fragile, and the
teaching note must say so.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tppgame.game.outcome import final_access, final_phase_outs, rules_of_origin, rules_terms
from tppgame.game.power import entry_rule_game, membership
from tppgame.game.quota_play import QuotaMarket, quota_markets
from tppgame.game.fields import ScenarioError
from tppgame.game.scenario import HeadlineSpec, Scenario
from tppgame.game.utility import deepest_concessions
from tppgame.game.work import Work

if TYPE_CHECKING:
    from tppgame.model import TPPModel

ROBUST_SHARE = 0.8


def first_deal_round(model: TPPModel, pair: tuple[str, str], standing: bool = False) -> int | None:
    """The round the first deal between a pair closed (any track), or None. A deal reopened later (when
    a side gained the authority to commit) counts from when it first closed; with ``standing``, only
    the deals that stand count (a provisional deal that reopened is passed over)."""
    wanted = set(pair)
    deals = model.deals if standing else [*model.deals, *model.table.reopened_deals]
    rounds = [d.round for d in deals if {model.countries[d.a], model.countries[d.b]} == wanted]
    return min(rounds) if rounds else None


def _by(model: TPPModel, headline: HeadlineSpec) -> int:
    return headline.get("by", model.config.rounds)


def _formed(model: TPPModel, h: HeadlineSpec) -> bool:
    formed = model.formed_round is not None and model.formed_round <= _by(model, h) and model.last_check.formed
    return formed == h.get("expect")


def _in_force(model: TPPModel, h: HeadlineSpec) -> bool:
    """At the end, or at the end of round ``by`` when given."""
    check = model.records[h.get("by")] if h.get("by") is not None else model.last_check
    return check.in_force == h.get("expect")


def _deal_by(model: TPPModel, h: HeadlineSpec) -> bool:
    closed = first_deal_round(model, h.get("pair"), h.get("standing", False))
    return closed is not None and closed <= _by(model, h)


def _no_deal_by(model: TPPModel, h: HeadlineSpec) -> bool:
    return not _deal_by(model, h)


def _deal_order(model: TPPModel, h: HeadlineSpec) -> bool:
    standing = h.get("standing", False)
    first, then = first_deal_round(model, h.get("first"), standing), first_deal_round(model, h.get("then"), standing)
    return first is not None and (then is None or first < then)


def _signatory(model: TPPModel, h: HeadlineSpec) -> bool:
    return (h.get("country") in model.last_check.signatories) == h.get("expect")


def _holdout(model: TPPModel, h: HeadlineSpec) -> bool:
    return h.get("country") in model.last_check.holdouts


def _concession_at_least(model: TPPModel, h: HeadlineSpec) -> bool:
    concessions = model.summary()["countries"][h.get("country")]["concessions"]
    return concessions[h.get("sector")] >= h.get("at_least") - 1e-9


def _access_at_least(model: TPPModel, h: HeadlineSpec) -> bool:
    """The exporter's final access to the importer's market in a sector (package or side deal)."""
    c, k = model.countries, model.sectors
    access = final_access(model)
    value = access[c.index(h.get("exporter")), c.index(h.get("importer")), k.index(h.get("sector"))]
    return float(value) >= h.get("at_least") - 1e-9


# ------------------------------------------------------- the stylised facts' measures
# Pure functions of arrays, so that a test can check them by hand; the checks below feed them a run.

def final_concessions(model: TPPModel) -> np.ndarray:
    """[country, sector]: the most each country opened each sector to any partner at the end, by the
    agreement if it formed or by the side deals in force (what ``summary.json`` reports as concessions)."""
    return deepest_concessions(final_access(model))


def package_schedule(model: TPPModel) -> np.ndarray:
    """[country, sector]: each country's TPP schedule as signed (suspended sectors count for nothing);
    zeros when no agreement formed. Side deals are not in it."""
    if model.formed_round is None:
        return np.zeros((len(model.countries), len(model.sectors)))
    return model.agreement.in_force_schedule(model.agreement.signed_schedule)


def own_cuts(concessions: np.ndarray, barrier: np.ndarray) -> np.ndarray:
    """[country]: the cut of its own protection: the mean over sectors of concession times barrier, the
    protection it removed on average, in barrier units (opening one prohibitive sector of ten fully: 0.1)."""
    return (concessions * barrier).mean(axis=1)


def among_top(values: np.ndarray, players: np.ndarray, top: int) -> np.ndarray:
    """[country]: whether a player's value is above 0 and fewer than ``top`` players have a larger
    one (ties share a place); False for countries that are not ``players``."""
    counted = np.where(players, values, -np.inf)
    larger = (counted[None, :] > counted[:, None]).sum(axis=1)
    return players & (values > 0) & (larger < top)


def protected_sectors(barrier: np.ndarray, top: int) -> np.ndarray:
    """[country, sector]: each country's ``top`` most protected sectors by barrier (ties: the
    calibration's sector order), leaving out any it does not protect at all (barrier 0)."""
    order = np.argsort(-barrier, axis=1, kind="stable")[:, :top]
    chosen = np.zeros(barrier.shape, dtype=bool)
    np.put_along_axis(chosen, order, True, axis=1)
    return chosen & (barrier > 0)


def concedes_in_protected(concessions: np.ndarray, barrier: np.ndarray, top: int, at_least: float) -> np.ndarray:
    """[country]: whether the country concedes at least ``at_least`` in one of its ``top`` most protected
    sectors (:func:`protected_sectors`); a country that protects nothing has nothing to concede (True)."""
    chosen = protected_sectors(barrier, top)
    best = np.where(chosen, concessions, -np.inf).max(axis=1)
    return ~chosen.any(axis=1) | (best >= at_least - 1e-9)


def others_can_enter_into_force(model: TPPModel, code: str) -> bool:
    """Whether some group of the members at the end, without ``code``, meets the entry rule as it
    stands at the end (the simple game of :mod:`tppgame.game.power`)."""
    game = entry_rule_game(model.config.entry_rule, model.countries, model.members, model.original,
                           model.config.params["gdp"])
    if code not in game.players:
        return bool(game.winning.any())
    without = ~membership(len(game.players))[:, game.players.index(code)]
    return bool(game.winning[without].any())


def _formed_between(model: TPPModel, h: HeadlineSpec) -> bool:
    return model.formed_round is not None and h.get("from") <= model.formed_round <= _by(model, h)


def _veto(model: TPPModel, h: HeadlineSpec) -> bool:
    return not others_can_enter_into_force(model, h.get("country"))


def _smallest_concession(model: TPPModel, h: HeadlineSpec) -> bool:
    """Ties count: a sector conceded no more than each of the others (all at 0 holds)."""
    row = final_concessions(model)[model.countries.index(h.get("country"))]
    k = model.sectors.index
    return all(row[k(h.get("sector"))] <= row[k(other)] + 1e-9 for other in h.get("among"))


def _deeper_than_side_deal(model: TPPModel, h: HeadlineSpec) -> bool:
    c, k = model.countries.index, model.sectors.index(h.get("sector"))
    importer, exporter = c(h.get("importer")), c(h.get("exporter"))
    return bool(package_schedule(model)[importer, k] > model.side_access[exporter, importer, k] + 1e-9)


def _largest_cuts(model: TPPModel, h: HeadlineSpec) -> bool:
    cuts = own_cuts(final_concessions(model), model.config.params["barrier"])
    top = among_top(cuts, model.members, h.get("top"))
    return all(top[model.countries.index(code)] for code in h.get("countries"))


def _concedes_in_protected(model: TPPModel, h: HeadlineSpec) -> bool:
    """The country's, or else every member's (at the end)."""
    conceded = concedes_in_protected(final_concessions(model), model.config.params["barrier"], h.get("top"),
                                     h.get("at_least"))
    if h.get("country") is not None:
        return bool(conceded[model.countries.index(h.get("country"))])
    return bool(conceded[model.members].all())


def quota_market(model: TPPModel, importer: str, sector: str) -> QuotaMarket | None:
    """The game's quota market for an importer's sector: None unless quotas are in play
    (``bargaining.quotas``) and the data gives that market a tariff-rate quota."""
    if not model.config.params.get("quotas", False):
        return None
    wanted = (model.countries.index(importer), model.sectors.index(sector))
    return next((m for m in quota_markets(model.countries, model.sectors) if (m.importer, m.sector) == wanted), None)


def new_quota_share(market: QuotaMarket, access: np.ndarray) -> float:
    """The tonnes the talks added to a market's quotas, as a share of its consumption."""
    return float((market.tonnes(access) - market.before).sum()) / market.quota.consumption


def _opens_by_quota(model: TPPModel, h: HeadlineSpec) -> bool:
    """The importer opened the sector by quota (its tariff kept): quotas in play there, and some
    partner's quota grew."""
    market = quota_market(model, h.get("importer"), h.get("sector"))
    return market is not None and new_quota_share(market, final_access(model)) > 0.0


def _quota_at_most(model: TPPModel, h: HeadlineSpec) -> bool:
    """Opened by quota, and by no more new quota than ``at_most`` of the market's consumption."""
    market = quota_market(model, h.get("importer"), h.get("sector"))
    if market is None:
        return False
    share = new_quota_share(market, final_access(model))
    return 0.0 < share <= h.get("at_most") + 1e-12


def _term_between(model: TPPModel, h: HeadlineSpec) -> bool:
    """The agreement formed and its standard on a rules issue (the least a signatory binds, summary's
    ``rules_terms``) lies between ``low`` and ``high``."""
    term = rules_terms(model)[h.get("sector")]["term"]
    return term is not None and h.get("low") - 1e-9 <= term <= h.get("high") + 1e-9


def _utilisation_at_most(model: TPPModel, h: HeadlineSpec) -> bool:
    """The agreement formed, the country had a preference under the rule of origin that governs the sector
    (the signatories' rule, summary's ``rules_of_origin``, whether or not the game bargained with it), and
    at most ``at_most`` of those exports claim it."""
    for rule in rules_of_origin(model).values():
        if h.get("sector") in rule["sectors"]:
            exporter = rule["exporters"].get(h.get("country"))
            return exporter is not None and exporter["utilisation"] <= h.get("at_most") + 1e-12
    return False


def phase_out_leads(years: np.ndarray, importer: int, members: np.ndarray, at_least: int = 1,
                    exporter: int | None = None) -> bool:
    """Whether ``importer``'s phase-out in a sector (``years`` [exporter, importer] of that sector;
    towards ``exporter`` if given, else its longest towards any partner) is at least ``at_least``
    years and longer than every other member's longest in the sector."""
    own = years[:, importer]
    mine = int(own[exporter] if exporter is not None else own.max())
    others = np.delete(np.where(members[None, :], years, 0).max(axis=0), importer)
    return mine >= at_least and mine > int(others.max(initial=0))


def _longest_phase_out(model: TPPModel, h: HeadlineSpec) -> bool:
    """At the end (the agreement's schedule if it formed, else the side deals in force)."""
    c = model.countries.index
    years = final_phase_outs(model)[:, :, model.sectors.index(h.get("sector"))]
    exporter = c(h.get("exporter")) if h.get("exporter") is not None else None
    return phase_out_leads(years, c(h.get("country")), model.members, h.get("years", 1), exporter)


CHECKS: dict[str, Callable[[TPPModel, HeadlineSpec], bool]] = {
    "formed": _formed, "in_force": _in_force, "deal_by": _deal_by, "no_deal_by": _no_deal_by,
    "deal_order": _deal_order, "signatory": _signatory, "holdout": _holdout,
    "concession_at_least": _concession_at_least, "access_at_least": _access_at_least,
    "formed_between": _formed_between, "veto": _veto, "smallest_concession": _smallest_concession,
    "deeper_than_side_deal": _deeper_than_side_deal, "largest_cuts": _largest_cuts,
    "concedes_in_protected": _concedes_in_protected, "opens_by_quota": _opens_by_quota,
    "quota_at_most": _quota_at_most, "term_between": _term_between, "longest_phase_out": _longest_phase_out,
    "utilisation_at_most": _utilisation_at_most,
}


VALUED = ("formed", "in_force", "signatory")   # kinds whose ``expect`` is the value claimed


def holds(model: TPPModel, headline: HeadlineSpec) -> bool:
    """Whether a finished run bears the headline out (``expect = false`` claims the opposite)."""
    result = CHECKS[headline.kind](model, headline)
    if headline.kind not in VALUED and headline.get("expect") is False:
        return not result
    return result


@dataclass(frozen=True)
class HeadlineResult:
    """How often a headline held over a set of seeds."""

    claim: str
    held: int
    seeds: int

    @property
    def share(self) -> float:
        return self.held / self.seeds if self.seeds else 0.0

    @property
    def robust(self) -> bool:
        return self.share >= ROBUST_SHARE


def play(scenario: Scenario, seed: int, shared: Work | None = None, record: bool = True) -> TPPModel:
    """A finished game of a scenario with one seed (``shared`` and ``record``: see :class:`TPPModel`)."""
    from tppgame.model import TPPModel

    model = TPPModel(scenario, rng=seed, shared=shared, record=record)
    while model.running:
        model.step()
    return model


PLAYED_TOGETHER = 16    # seeds played side by side at a time (tppgame.experiments.lockstep)


def over_seeds(scenario: Scenario, seeds: range, record: bool = True) -> Iterator[tuple[int, TPPModel, list[bool]]]:
    """Play the scenario once per seed; yield each run, in the seeds' order as soon as it and those before
    it have finished, with which headlines it bears out (``record=False``: faster games without event
    logs, see :class:`TPPModel`). Where the games gain from it
    (:func:`tppgame.experiments.lockstep.worth_pooling`), they share work and :data:`PLAYED_TOGETHER`
    seeds are played side by side; otherwise one after another. A game that raises raises here."""
    from tppgame.experiments.lockstep import played_together, worth_pooling
    from tppgame.experiments.memo import SharedWork

    if not worth_pooling(scenario):
        for seed in seeds:
            model = play(scenario, seed, record=record)
            yield seed, model, [holds(model, h) for h in scenario.headlines]
        return
    shared, seeds = SharedWork(), list(seeds)
    for start in range(0, len(seeds), PLAYED_TOGETHER):
        group = seeds[start:start + PLAYED_TOGETHER]
        models = played_together([functools.partial(_played, scenario, seed, record) for seed in group], shared)
        for seed, model in zip(group, models):
            if isinstance(model, BaseException):
                raise model
            yield seed, model, [holds(model, h) for h in scenario.headlines]


def _played(scenario: Scenario, seed: int, record: bool, work: Work) -> TPPModel:
    return play(scenario, seed, shared=work, record=record)


def robustness(scenario: Scenario, seeds: range) -> list[HeadlineResult]:
    """The share of seeds in which each of the scenario's headlines holds."""
    counts = [0] * len(scenario.headlines)
    for _, _, verdicts in over_seeds(scenario, seeds):
        counts = [c + v for c, v in zip(counts, verdicts)]
    return [HeadlineResult(h.claim, c, len(seeds)) for h, c in zip(scenario.headlines, counts)]


def headlines_file(path: Path) -> list[dict[str, Any]]:
    """The ``[[headlines]]`` entries of a TOML file (as a scenario file writes them: claims to check over
    seeds in place of a scenario's own, such as ``benchmarks/stylised_facts.toml``). Read as any data file
    is (:func:`tppgame.game.data_files.read_toml`: never a pipe, a device or a file too big); a file that
    cannot be read, or holds no ``[[headlines]]``, or anything else, is a one-line ScenarioError naming it.
    The entries themselves are checked when a scenario takes them (:meth:`Scenario.with_headlines`)."""
    from tppgame.game.data_files import display_path, read_toml

    try:
        data = read_toml(path)
    except ScenarioError as err:            # (the reader's words are a scenario file's)
        raise ScenarioError(err.file, err.path, err.expected.replace("scenario file", "headlines file"),
                            show_got=False) from None
    entries = data.get("headlines")
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        raise ScenarioError(display_path(path), "headlines", "[[headlines]] tables, as a scenario file writes them",
                            entries)
    others = sorted(set(data) - {"headlines"})
    if others:
        raise ScenarioError(display_path(path), others[0], "only [[headlines]] tables in a headlines file",
                            show_got=False)
    return entries
