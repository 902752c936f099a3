"""The final record of a game: formed or not, when, who signed and would ratify, the GDP share
against the entry-into-force rule, and per country its utility against its outside option, its
concession per sector and its welfare account (what ``summary.json`` holds)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from tppgame.game.power import PowerIndices, power_at
from tppgame.game.economy import load_economy
from tppgame.game.origin_play import origin_rules, origin_summary
from tppgame.game.phase_out import access_years
from tppgame.game.quota_play import quota_markets, quota_welfare, tariff_access
from tppgame.game.quotas import add_accounts
from tppgame.game.rules import agreement_term, bound_terms, liberal_end, load_rules
from tppgame.game.utility import deepest_concessions
from tppgame.game.welfare import WelfareAccount, country_welfare, welfare

if TYPE_CHECKING:
    from tppgame.model import TPPModel


def signed_mask(model: TPPModel) -> np.ndarray:
    """[c]: the countries that signed the agreement (none while it has not formed)."""
    check = model.last_check
    if not check.formed:
        return np.zeros(len(model.countries), dtype=bool)
    return np.array([c in check.signatories for c in model.countries])


def power_now(model: TPPModel) -> PowerIndices:
    """The players' power under the entry rule in force (:mod:`tppgame.game.power`). The players are
    those whose ratification counts: the signatories still members once the agreement formed, else
    the members."""
    players = signed_mask(model) if model.last_check.formed else model.members
    return power_at(model.config.entry_rule, model.countries, players, model.original,
                    model.config.params["gdp"])
def final_access(model: TPPModel) -> np.ndarray:
    """Access [exporter, importer, sector] as the game stands: the agreement's if it formed, else
    the side deals in force (what the summary's concessions and welfare are of)."""
    check = model.last_check
    return check.access if check.formed else model.side_access


def final_phase_outs(model: TPPModel) -> np.ndarray:
    """[exporter, importer, sector]: the phase-out in years (0: at once) of every concession in the
    access the game stands at (:func:`final_access`), each pair's settled by
    :func:`tppgame.game.phase_out.access_years` with the weights in force at the end. Where a common
    standard sets a signatory's schedule (its deals gave less: ``bargaining.common_standards``), the
    concession is the standard's, and it applies after the signatory's transition
    (:func:`standard_timing`; 0, at once, without ``bargaining.standard_transitions``), towards every
    partner alike: the pair's own length would say something the text does not."""
    params = model.config.params
    access = final_access(model)
    years = access_years(model.weights, params["patience"], model.config.months_per_round,
                         params["max_phase_out"], access, params["phase_out_floor"])
    timing = standard_timing(model)
    if timing is None:
        return years
    at_floor, transition = timing
    return np.where(at_floor[None, :, :] & (access > 0), transition[None, :, None], years)


def standard_timing(model: TPPModel) -> tuple[np.ndarray, np.ndarray] | None:
    """Where the agreement's common standards set a signatory's schedule, [c, s] (its deals gave less than
    the standard asks), and each country's transition before it implements them, in years [c] (0: at
    once); None where the agreement has not formed or sets no standard. The transitions are those
    ``summary.json``'s ``rules_terms`` reports (:meth:`tppgame.game.plurilateral.Plurilateral.transitions`)."""
    agreement, signed = model.agreement, signed_mask(model)
    if not signed.any():
        return None
    floor = agreement.standards_minimum(signed)
    if floor is None:
        return None
    schedule = agreement.in_force_schedule(agreement.signed_schedule)
    at_floor = signed[:, None] & (floor > 0) & (np.abs(schedule - floor) <= 1e-12)
    if model.config.params["standard_transitions"]:
        transition = agreement.transitions(schedule, signed)[0]
    else:
        transition = np.zeros(len(model.countries), dtype=int)
    return at_floor, transition


def phase_outs(model: TPPModel) -> dict[str, Any]:
    """What ``summary.json`` says of phase-outs: in the agreement (if it formed), per conceder,
    partner and sector, the years each concession phased out takes (every other one is at once);
    per side deal, each side's concessions and their years (0: at once), settled when it closed."""
    agreement: dict[str, dict[str, dict[str, int]]] = {}
    if model.last_check.formed:
        years = final_phase_outs(model)
        phased = np.nonzero(years > 0)
        for k, j, s, n in zip(*(i.tolist() for i in phased), years[phased].tolist()):
            partners = agreement.setdefault(model.countries[j], {})
            partners.setdefault(model.countries[k], {})[model.sectors[s]] = n
    side = [{"label": d.label, "kind": d.kind,
             "years": {model.countries[d.a]: d.years[0], model.countries[d.b]: d.years[1]}}
            for d in model.deals if d.kind != "tpp"]
    return {"agreement": agreement, "side_deals": side}


def welfare_of(model: TPPModel, access: np.ndarray) -> WelfareAccount:
    """The welfare account (:mod:`tppgame.game.welfare`) of ``access`` [exporter, importer, sector]
    in the model's world: its agreements in force before the talks and its 2013 GDP. With quotas in
    play (``bargaining.quotas``), the quota markets' account is their quotas' (:mod:`tppgame.game.quota_play`)."""
    params = model.config.params
    economy = load_economy().select(model.countries, model.sectors)
    if not params.get("quotas", False):
        return welfare(economy, access, params["fta"], params["gdp"])
    markets = quota_markets(model.countries, model.sectors)
    tariffs = welfare(economy, tariff_access(access, markets), params["fta"], params["gdp"])
    return add_accounts(tariffs, quota_welfare(markets, access, params["gdp"]))


def summary(model: TPPModel) -> dict[str, Any]:
    """The final record: formed, round, members, GDP share, in force, and per country
    its utility against its outside option, its concession per sector and its welfare account
    (of the agreement if it formed, else of the side deals in force)."""
    check = model.last_check
    formed = check.formed
    countries = {}
    access = final_access(model)
    own = deepest_concessions(access)
    account = welfare_of(model, access)
    for k, code in enumerate(model.countries):
        utility = check.utility[code] if formed else check.outside_option[code]
        countries[code] = {
            "name": model.config.params["names"][code],
            "member": bool(model.members[k]),
            "signatory": code in check.signatories,
            "utility": round(utility, 6),
            "outside_option": round(check.outside_option[code], 6),
            "concessions": {s: round(float(v), 4) for s, v in zip(model.sectors, own[k])},
            "welfare": country_welfare(account, k),
        }
    return {
        "scenario": model.config.name,
        "scenario_file": model.config.file,
        "seed": model.run_seed,
        "rounds": model.round,
        # False for a game stopped before its end (run.py play's q, a Ctrl-C, --stop-at): its "no
        # agreement" means none yet
        "finished": not model.running,
        "formed": formed,
        "round": model.formed_round,
        "date": model.config.round_date(model.formed_round).isoformat() if formed else None,
        "members": check.signatories,
        "ratifying": [c for c in check.signatories if c in check.accepting],
        "gdp_share": round(check.gdp_share, 6) if formed else 0.0,
        "entry_rule": model.config.entry_rule.describe(),
        "in_force": check.in_force,
        "holdouts": check.holdouts,
        "power": power_now(model).as_dict(),
        "side_deals": [
            {"label": d.label, "kind": d.kind, "round": d.round,
             "parties": [model.countries[d.a], model.countries[d.b]]}
            for d in model.deals if d.kind != "tpp"
        ],
        "rules_terms": rules_terms(model),
        **({"rules_of_origin": rules_of_origin(model)} if model.config.params.get("rules_of_origin") else {}),
        # what members refused for offering too little opened to buy their way in (bargaining.buy_in)
        "buy_in": {code: {sector: round(float(v), 4) for sector, v in zip(model.sectors, row) if v > 0}
                   for code, row in zip(model.countries, model.agreement.offers) if row.any()},
        "countries": countries,
        "phase_outs": phase_outs(model),
    }


def rules_of_origin(model: TPPModel) -> dict[str, dict[str, Any]]:
    """Per origin rule (``bargaining.rules_of_origin``): the rule the signatories settle, who it sits on,
    each signatory exporter's utilisation and kept margin, and the in-zone suppliers' gain
    (:func:`tppgame.game.origin_play.origin_summary`); empty when no agreement formed."""
    if not model.last_check.formed:
        return {}
    signed = signed_mask(model)
    issues = load_rules().select(model.countries).issues
    rules = origin_rules(issues, model.countries, model.sectors, signed)
    economy = load_economy().select(model.countries, model.sectors)
    return origin_summary(rules, model.countries, economy, model.config.params["fta"], final_access(model), signed)


def rules_terms(model: TPPModel) -> dict[str, dict[str, Any]]:
    """Per rules issue that is a sector of the game (biologics, a chapter in play): the term each
    signatory binds by the agreement's schedule as signed (:func:`tppgame.game.rules.bound_terms`) and
    the agreement's standard, the least liberal of them; ``term`` is None when no agreement formed or
    the sector is suspended. ``at_most`` marks an issue whose scale falls as it opens (procurement
    thresholds): its standard is the most any signatory binds. An issue that is a common standard
    (``bargaining.common_standards``, :mod:`tppgame.game.standards`) has the term the signatories settle,
    which each of them binds at least, with ``common_standard``: whether it respects every red line,
    whose red line it sits on and, with ``bargaining.standard_transitions``, the signatories that implement
    the standards after a transition, in years."""
    issues = load_rules().select(model.countries).issues
    agreement, signed = model.agreement, signed_mask(model)
    suspended = model.config.params["suspended"]
    standards = {standard.name: standard for standard in agreement.standards(signed)} if signed.any() else {}
    # bargaining.standard_transitions: who implements the standards after a transition, in years
    timing = standard_timing(model) if standards else None
    later = {} if timing is None else {code: int(y) for code, y in zip(model.countries, timing[1]) if y > 0}
    out = {}
    for s, sector in enumerate(model.sectors):
        issue = issues.get(sector)
        if issue is None:
            continue
        end, rising = liberal_end(issue)
        bound = bound_terms(agreement.signed_schedule[:, s], issue.status_quo, end, rising)
        standard = standards.get(sector)
        term = None if suspended[s] else standard.term if standard else agreement_term(bound, signed, rising)
        out[sector] = {
            "label": issue.label, "unit": issue.unit, "suspended": bool(suspended[s]),
            "term": None if term is None else round(term, 4),
            "bound": {code: round(float(bound[k]), 4) for k, code in enumerate(model.countries) if signed[k]},
        }
        if not rising:
            out[sector]["at_most"] = True
        if standard:
            out[sector]["common_standard"] = {"within_red_lines": standard.within_red_lines,
                                              "set_by": list(standard.set_by)}
            if model.config.params["standard_transitions"]:
                out[sector]["common_standard"]["transitions"] = later
    return out
