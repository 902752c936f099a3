"""The plurilateral agreement as the game goes: the check after every round, the signed text once
it forms, and the end game (what members will give up to bring hold-outs in).

Each round the package is assembled from the bilateral deals among the members (see
:mod:`tppgame.game.agreement`); the members who would ratify it, the hold-outs, the package
talks still open and whether the rest could conclude without the hold-outs are recorded.
The agreement forms once no package talk with a zone of agreement is open and nobody holds out
(or, where the scenario allows it, the rest conclude without the hold-outs). Once formed, the
signed text stands: members who leave lose its access, the others keep their schedules.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import TYPE_CHECKING

import numpy as np

from tppgame.game.agreement import (AgreementCheck, RestOfGroup, cheapest_offer, conclude_without,
                                    entry_into_force, extend_package, gdp_share, needed_to_ratify, offers_too_little,
                                    ratifies, wanted_of)
from tppgame.game.phase_out import yearly_discount
from tppgame.game.rules import load_rules
from tppgame.game.standards import (CommonStandard, common_standards, standards_floor, transition_relief,
                                    transition_years)

if TYPE_CHECKING:
    from tppgame.model import TPPModel


def all_close(x: np.ndarray, y: np.ndarray) -> bool:
    """``np.allclose(x, y)`` with its default tolerances, for float arrays: the same test as
    ``np.isclose`` makes, without its set-up, which costs more than the test on a dozen countries."""
    return bool(((np.abs(x - y) <= 1e-08 + 1e-05 * np.abs(y)) & np.isfinite(y) | (x == y)).all())


class Plurilateral:
    """The agreement's state in one game, and the check that updates it after each round."""

    def __init__(self, model: TPPModel):
        self.model = model
        n, s = len(model.countries), len(model.sectors)
        self.formed_round: int | None = None
        self.signatories = np.zeros(n, dtype=bool)
        self.signed_by = np.zeros(n, dtype=bool)      # the signatories when it formed (members who leave stay)
        self.signed_schedule = np.zeros((n, s))
        self.holdout_mask = np.zeros(n, dtype=bool)   # members holding out of the package as it stands
        self.endgame_relief = np.zeros(n)             # what each member will give up to bring one in
        self.pays_all = np.zeros(n, dtype=bool)       # members refused for offering too little, paying in all talks
        self.offers = np.zeros((n, s))                # buy-in offers: what refused members added to their schedules
        self.records: list[AgreementCheck] = []
        self._check_key: tuple | None = None
        self.last_check: AgreementCheck | None = None
        # what the checks work out again and again in one game, by the exact inputs (see _ratifying,
        # assembled, _cheapest): the same answers, computed once
        self._world: tuple = (None, None, None)   # the weights, side access and outside options they hold for
        self._known: dict[tuple, tuple[np.ndarray, ...] | np.ndarray] = {}
        self._deals: list | None = None
        self._assembled_of: dict[bytes, tuple[int, object, np.ndarray]] = {}
        self._offers_of: dict[tuple, np.ndarray | None] = {}
        self._floors: dict[tuple, np.ndarray] = {}

    def check(self) -> AgreementCheck:
        """The plurilateral check after a round, kept as the last check and in the records.

        Nothing in it changes unless a deal, member or setting did, so an unchanged world
        repeats the last record under the new round number.
        """
        m = self.model
        key = (m.version, m.table.summary_version, self.formed_round, m.round >= 1)
        if key == self._check_key:
            check = dataclasses.replace(self.last_check, round=m.round)
            self.records.append(check)
        else:
            check = self._check()
            self._check_key = (m.version, m.table.summary_version, self.formed_round, m.round >= 1)
        self.last_check = check
        return check

    def in_force_schedule(self, schedule: np.ndarray) -> np.ndarray:
        """The schedules that would apply: suspended provisions (sectors) count for nothing."""
        suspended = self.model.config.params["suspended"]
        return np.where(suspended[None, :], 0.0, schedule) if suspended.any() else schedule

    def _accepting(self, schedule: np.ndarray, group: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Who in ``group`` would ratify these schedules (from the shared memo, if any), and be
        accepted by its partners: a member offering nothing is refused (:meth:`_refused`)."""
        return self._judged(schedule, group)[:3]

    def _judged(self, schedule: np.ndarray, group: np.ndarray,
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`_accepting`'s answer with the members refused for offering nothing beside it."""
        ok, utility, access = self._ratifying(schedule, group)
        refused = self._refused(schedule, group)
        return ok & ~refused, utility, access, refused

    def _ratifying(self, schedule: np.ndarray, group: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Who in ``group`` would ratify these schedules, with utilities and access (:meth:`_at_once`), each
        member implementing the common standards after the transition it needs, if the scenario grants
        them (``bargaining.standard_transitions``, :meth:`transitions`)."""
        judged = self._at_once(schedule, group)
        if not self.model.config.params["standard_transitions"]:
            return judged
        key = ("later", schedule.tobytes(), group.tobytes())     # remembered like _at_once's answers
        known = self._in_this_world().get(key)
        if known is None:
            ok, utility, access = known = judged
            years, relief = self.transitions(schedule, group, utility)
            if years.any():
                m, w = self.model, self.model.weights
                utility = utility + relief
                ok = ratifies(w, group, utility, m.outside, self._needed(group))
                ok.flags.writeable = utility.flags.writeable = False
                known = (ok, utility, access)
            self._known[key] = known
        return known

    def transitions(self, schedule: np.ndarray, group: np.ndarray,
                    utility: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """[c]: the transition, in whole years, after which each member of ``group`` implements the common
        standards in these schedules, the shortest with which it would ratify (0: at once; at most
        ``bargaining.max_phase_out``), and what the transitions change in each member's utility
        (:func:`tppgame.game.standards.transition_years`, :func:`tppgame.game.standards.transition_relief`).
        A standard counts where it sets a member's schedule (its deals gave less); ``utility``: the
        members' utilities with the standards at once (:meth:`_at_once`'s, if not given)."""
        n = len(group)
        floor = self.standards_minimum(group)
        if floor is None:
            return np.zeros(n, dtype=int), np.zeros(n)
        if utility is None:
            utility = self._at_once(schedule, group)[1]
        margin = np.where(group, self.margin(utility, group), 0.0)
        if not (margin < 0).any():          # every member ratifies with the standards at once: no transition
            return np.zeros(n, dtype=int), np.zeros(n)
        implemented = np.where((floor > 0) & (np.abs(schedule - floor) <= 1e-12), floor, 0.0)
        cost, gain = self._standards_worth(implemented, group)
        params = self.model.config.params
        discount = yearly_discount(params["patience"], self.model.config.months_per_round)
        years = transition_years(margin, cost, discount, params["max_phase_out"])
        return years, transition_relief(years, discount, cost, gain)

    def margin(self, utility: np.ndarray, group: np.ndarray) -> np.ndarray:
        """[c]: each country's utility above what it needs to ratify ``group``'s package (its outside option
        plus :meth:`_needed`; :func:`tppgame.game.agreement.ratifies` tests the same), the margin the end
        game and the transitions work with."""
        return utility - self.model.outside - self._needed(group)

    def _needed(self, group: np.ndarray) -> np.ndarray:
        """:func:`tppgame.game.agreement.needed_to_ratify` of ``group``, remembered like :meth:`_ratifying`
        (a shock replaces the weights, so a new threshold starts afresh)."""
        key = ("needed", group.tobytes())
        needed = self._in_this_world().get(key)
        if needed is None:
            needed = self._known[key] = needed_to_ratify(self.model.weights, group)
        return needed

    def _standards_worth(self, implemented: np.ndarray, group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """[j]: what implementing ``implemented`` (the standards where they set a member's schedule) costs
        each member j of ``group`` towards the others, and [k, j]: what k gains from j implementing them;
        remembered like :meth:`_ratifying` (many packages differ only where no standard binds)."""
        key = ("standards worth", implemented.tobytes(), group.tobytes())
        known = self._in_this_world().get(key)
        if known is None:
            w, n = self.model.weights, len(group)
            others = (group[:, None] & group[None, :] & ~np.eye(n, dtype=bool)).astype(float)
            known = self._known[key] = (np.einsum("jks,jk,js->j", w.cost, others, implemented ** w.gamma),
                                        np.einsum("kjs,kj,js->kj", w.gain, others, implemented))
        return known

    def _at_once(self, schedule: np.ndarray, group: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Who in ``group`` would ratify these schedules, with utilities and access (the model's
        ``work.accepting``), remembered for the game while the weights, side deals and outside options
        stay the same objects (the model replaces them, never changes them in place): a check asks
        again about the package it judged before, after a buy-in or in :func:`conclude_without`. The
        arrays are read-only, as a sweep's memo gives them."""
        m = self.model
        key = ("ratify", schedule.tobytes(), group.tobytes())
        known = self._in_this_world().get(key)
        if known is None:
            known = m.work.accepting(m.weights, schedule, group, m.side_access, m.outside)
            for array in known:
                array.flags.writeable = False
            self._known[key] = known
        return known

    def _in_this_world(self) -> dict[tuple, tuple[np.ndarray, ...] | np.ndarray]:
        """The answers of :meth:`_ratifying`, :meth:`_refused` and :meth:`_wanted` remembered since the
        model last replaced its weights, side deals or outside options (emptied then)."""
        m, (weights, side_access, outside) = self.model, self._world
        if m.weights is not weights or m.side_access is not side_access or m.outside is not outside:
            self._world, self._known = (m.weights, m.side_access, m.outside), {}
        return self._known

    def _refused(self, schedule: np.ndarray, group: np.ndarray) -> np.ndarray:
        """Members of ``group`` their partners refuse for offering nothing in these schedules
        (:func:`tppgame.game.agreement.gives_nothing`), judged by the partners they have talks with;
        remembered like :meth:`_ratifying`, by the partners and the reciprocity asked too."""
        m = self.model
        partners, reciprocity = m.table.partners(), m.config.params["reciprocity"]
        key = ("refuse", schedule.tobytes(), group.tobytes(), partners.tobytes(), float(reciprocity))
        known = self._in_this_world().get(key)
        if known is None:
            wanted = self._wanted(group, partners)
            known = self._known[key] = offers_too_little(wanted, schedule, group, reciprocity)
            known.flags.writeable = False
        return known

    def _wanted(self, group: np.ndarray, partners: np.ndarray) -> np.ndarray:
        """:func:`tppgame.game.agreement.wanted_of` in the model's weights, remembered like
        :meth:`_ratifying` (read-only)."""
        key = ("want", group.tobytes(), partners.tobytes())
        known = self._in_this_world().get(key)
        if known is None:
            known = self._known[key] = wanted_of(self.model.weights, group, partners)
            known.flags.writeable = False
        return known

    def _package(self, group: np.ndarray) -> np.ndarray:
        return self.in_force_schedule(self._schedules(group))

    def _schedules(self, group: np.ndarray) -> np.ndarray:
        """Each member's schedule: the most it gave in the group's package deals, or in a buy-in offer, and at
        least what the group's common standards ask of it."""
        schedule = self.assembled(group)
        schedule = np.maximum(schedule, self.offers) if self.offers.any() else schedule.copy()
        floor = self.standards_minimum(group)
        return schedule if floor is None else np.maximum(schedule, floor, out=schedule)

    def standards_minimum(self, group: np.ndarray) -> np.ndarray | None:
        """[c, s]: the least schedule the common standards settled by ``group`` ask of each of its members
        (``bargaining.common_standards``, :mod:`tppgame.game.standards`); None without standards. Kept per
        group and list of standards."""
        names = self.model.config.params["common_standards"]
        if not names:
            return None
        group = self._settling(group)
        key = (names, group.tobytes())
        floor = self._floors.get(key)
        if floor is None:
            m = self.model
            floor = self._floors[key] = standards_floor(self.standards(group), len(m.countries), len(m.sectors))
            floor.flags.writeable = False
        return floor

    def standards(self, group: np.ndarray) -> tuple[CommonStandard, ...]:
        """The common standards (``bargaining.common_standards``) settled by ``group`` (by those who signed,
        once the agreement formed: :meth:`_settling`): each term, who it sits on and what each member
        implements (:func:`tppgame.game.standards.common_standards`)."""
        m = self.model
        issues = load_rules().select(m.countries).issues
        return common_standards(issues, m.countries, m.sectors, m.config.params["common_standards"],
                                self._settling(group))

    def _settling(self, group: np.ndarray) -> np.ndarray:
        """Who settles the standards of ``group``'s package: the group itself while the agreement is
        negotiated, those who signed it once it formed (the signed text stands: a member leaving does not
        reopen its standards)."""
        return self.signed_by if self.formed_round is not None else group

    def assembled(self, group: np.ndarray) -> np.ndarray:
        """:func:`tppgame.game.agreement.assemble_package` of the game's deals within ``group`` (read it,
        do not change it): kept per group and brought up to date with the deals closed since
        (:func:`tppgame.game.agreement.extend_package`). The model only appends to its list of deals,
        or replaces the list when deals reopen, which starts afresh (so does a list whose last deal
        seen is no longer where it was)."""
        m = self.model
        deals = m.deals
        if self._deals is not deals:
            self._deals, self._assembled_of = deals, {}
        key = group.tobytes()
        count, last, schedule = self._assembled_of.get(key, (0, None, None))
        if schedule is None or count > len(deals) or (count and deals[count - 1] is not last):
            count, schedule = 0, np.zeros((len(m.countries), len(m.sectors)))
        if count < len(deals) or key not in self._assembled_of:
            extend_package(schedule, deals[count:], group)
            self._assembled_of[key] = (len(deals), deals[-1] if deals else None, schedule)
        return schedule

    def _cheapest(self, *inputs: np.ndarray | float) -> np.ndarray | None:
        """:func:`tppgame.game.agreement.cheapest_offer` of these inputs, remembered for the game by their
        exact values: a member refused round after round is offered the same search's answer."""
        key = tuple(x.tobytes() if isinstance(x, np.ndarray) else float(x) for x in inputs)
        if key not in self._offers_of:
            offer = cheapest_offer(*inputs)
            if offer is not None:
                offer.flags.writeable = False
            self._offers_of[key] = offer
        return self._offers_of[key]

    def _buy_in(self, group: np.ndarray, package: np.ndarray, refused: np.ndarray) -> bool:
        """Buy-in offers (``bargaining.buy_in``): each member its partners refuse for offering too little
        adds to its schedule the cheapest opening that gives them what reciprocity asks
        (:func:`tppgame.game.agreement.cheapest_offer`, its cost to every other member of the group, up to
        its red lines), if it would still ratify the package with it; otherwise it stays refused. Returns
        whether anyone offered."""
        m = self.model
        w, reciprocity = m.weights, m.config.params["reciprocity"]
        wanted = self._wanted(group, m.table.partners())
        others = (group[None, :] & ~np.eye(len(group), dtype=bool)).astype(float)
        offered = False
        for j in np.flatnonzero(refused & group):
            needed = reciprocity * wanted[j].sum() * (1 + 1e-6) + 1e-12
            # up to its red lines; a suspended provision counts for nothing, so it is not offered
            cap = np.where(m.config.params["suspended"], package[j], w.red_line[j])
            offer = self._cheapest(wanted[j], np.einsum("ks,k->s", w.cost[j], others[j]), w.gamma, package[j], cap,
                                   needed)
            if offer is None:
                continue
            trial = package.copy()
            trial[j] = offer
            ok, _, _ = self._ratifying(self.in_force_schedule(trial), group)
            if ok[j]:
                m.log.add(m.round, "buy_in", country=m.countries[j],
                          gives={s: round(float(x), 4) for s, x, was in zip(m.sectors, offer, package[j]) if x > was})
                self.offers[j] = np.maximum(self.offers[j], offer)
                package, offered = trial, True
                m.changed({int(j)})
        return offered

    def _check(self) -> AgreementCheck:
        m = self.model
        names, gdp = m.countries, m.config.params["gdp"]

        def codes(mask: np.ndarray) -> list[str]:
            return [names[i] for i in np.flatnonzero(mask)]

        n = len(names)
        if self.formed_round is None:
            group = m.members.copy()
            package = self._package(group)
            ok, utility, access, refused = self._judged(package, group)
            if (m.config.params["buy_in"] and m.round >= 1 and refused.any()
                    and self._buy_in(group, package, refused)):
                package = self._package(group)
                ok, utility, access, refused = self._judged(package, group)
            holdouts = group & ~ok
            margin = self.margin(utility, group)
            if self._update_endgame(holdouts, margin, refused) and not holdouts.any() and m.round >= 1:
                m.table.refresh()      # offers made only to bring hold-outs in lapse now
            open_pairs = m.table.open_pairs(group)
            if m.record and holdouts.any() and not m.config.conclude_without_holdouts:
                # the game does not need them: worked out if the story is told
                rest, rest_could, rest_of_group = None, False, self._rest_later(group, holdouts)
            else:
                rest, rest_could = self._rest(group, holdouts)
                rest_of_group = RestOfGroup(codes(rest), rest_could)
            formed_now = m.round >= 1 and not open_pairs and not holdouts.any() and group.sum() >= 2
            if not formed_now and rest_could and m.config.conclude_without_holdouts:
                formed_now, group = True, rest
                ok, utility, access = self._accepting(self._package(group), group)
                refused = np.zeros(n, dtype=bool)
            if formed_now:
                self.formed_round = m.round
                self.signatories = group.copy()
                self.signed_by = group.copy()
                self.signed_schedule = self._schedules(group)
                m.log.add(m.round, "agreement_formed", signatories=codes(group),
                          gdp_share=gdp_share(group, m.original, gdp))
        else:
            # The signed text stands: members who leave lose its access, the others keep their schedules.
            # Contributions were judged while the package was negotiated: each member now ratifies or not
            # on what the text gives it.
            group = self.signatories & m.members
            ok, utility, access = self._ratifying(self.in_force_schedule(self.signed_schedule), group)
            holdouts, open_pairs, rest_of_group = group & ~ok, [], RestOfGroup(codes(group & ok), False)
            refused = np.zeros(n, dtype=bool)
        formed = self.formed_round is not None
        ratifying = self.signatories & m.members & ok if formed else ok & group
        in_force = formed and entry_into_force(m.config.entry_rule, ratifying, m.original, gdp)
        check = AgreementCheck(
            round=m.round, members=codes(m.members), accepting=codes(ok & group), holdouts=codes(holdouts),
            open_pairs=open_pairs, complete=not open_pairs, rest_of_group=rest_of_group,
            refused=codes(refused & group),
            formed=formed, signatories=codes(self.signatories & m.members) if formed else [],
            gdp_share=gdp_share(ratifying, m.original, gdp), in_force=bool(in_force),
            utility=dict(zip(names, map(float, utility))), outside_option=dict(zip(names, map(float, m.outside))),
            access=access,
        )
        self.records.append(check)
        return check

    def _rest(self, group: np.ndarray, holdouts: np.ndarray) -> tuple[np.ndarray, bool]:
        """The members who would still ratify without the hold-outs (the largest stable group,
        :func:`tppgame.game.agreement.conclude_without`), and whether they could conclude alone (two or more,
        no talk among them with a zone of agreement open). The game needs them only where the scenario lets
        the rest conclude (``agreement.conclude_without_holdouts``); otherwise a game that keeps records works
        them out when its story reads them (:meth:`_rest_later`: its status line says it), and a game without
        records (a sweep's, which stores only the outcome) records none and False."""
        m = self.model
        if not holdouts.any():
            return group, False
        if not (m.record or m.config.conclude_without_holdouts):
            return np.zeros_like(group), False
        start = group & ~holdouts
        return self._rest_found(start, m.round >= 1, m.table.open_ends(start))

    def _rest_found(self, start: np.ndarray, could_meet: bool, open_now: list[tuple[int, int]],
                    ) -> tuple[np.ndarray, bool]:
        """:func:`tppgame.game.agreement.conclude_without` from ``start``, and whether the rest could conclude
        alone: two or more, in a round where they could meet, and none of the talks still open with a zone of
        agreement (``open_now``, among ``start``) between two of them."""
        rest = conclude_without(self._accepting, self._package, start)
        return rest, bool(could_meet and rest.sum() >= 2 and not any(rest[a] and rest[b] for a, b in open_now))

    def _rest_later(self, group: np.ndarray, holdouts: np.ndarray) -> RestOfGroup:
        """:meth:`_rest` for a game that keeps records only for its story: worked out when first read, in
        the world of this check (:meth:`_as_it_stands`), whatever the game did since."""
        start, could_meet, names = group & ~holdouts, self.model.round >= 1, self.model.countries
        still, open_now = self._as_it_stands(), self.model.table.open_ends(start)

        def worked_out() -> tuple[list[str], bool]:
            rest, alone = still._rest_found(start, could_meet, open_now)
            return [names[i] for i in np.flatnonzero(rest)], alone

        return RestOfGroup.worked_out_later(worked_out)

    def _as_it_stands(self) -> Plurilateral:
        """A copy of this plurilateral that answers as this one would now, whatever the game does next: its
        model is a still picture of what the ratification checks read (:class:`_StillModel`) and its
        buy-in offers, which later checks add to in place, are copied. What it works out goes into the
        same memo of answers, which holds by the exact inputs and the world they were found in."""
        still = copy.copy(self)
        still.model = _StillModel(self.model)
        still.offers = self.offers.copy()
        return still

    def _update_endgame(self, holdouts: np.ndarray, margin: np.ndarray, refused: np.ndarray) -> bool:
        """End-game linkage: when members hold out, each other member will give up, in its talks
        with the hold-outs, up to ``endgame_share`` of its margin above what it needs to ratify,
        spread over the hold-outs it still negotiates with. A member its partners refuse for
        offering too little (``refused``) but which would ratify otherwise gives up the same share
        of its own margin, spread over all its open package talks, to offer more. Returns whether
        anything changed."""
        m = self.model
        share, n = m.config.params["endgame_share"], len(m.countries)
        partners = np.zeros(n)
        a, b = m.table.ends[m.table.package_open].T
        if holdouts.any():       # each other member's undecided package talks with the hold-outs
            hold_a, hold_b = holdouts[a], holdouts[b]
            partners = (np.bincount(a[hold_b & ~hold_a], minlength=n)
                        + np.bincount(b[hold_a & ~hold_b], minlength=n)).astype(float)
        payers = m.members & ~holdouts & (partners > 0)
        relief = np.where(payers, share * np.maximum(margin, 0.0) / np.maximum(partners, 1), 0.0)
        pays_all = refused & (margin > 0)
        if pays_all.any():       # a refused member's own undecided package talks with members that have a stake
            live = m.table.has_stake[m.table.package_open] & m.members[a] & m.members[b]
            own = (np.bincount(a[live], minlength=n) + np.bincount(b[live], minlength=n)).astype(float)
            pays_all &= own > 0
            relief = np.where(pays_all, share * margin / np.maximum(own, 1), relief)
        if ((holdouts != self.holdout_mask).any() or (pays_all != self.pays_all).any()
                or not all_close(relief, self.endgame_relief)):
            m.changed({int(i) for i in np.flatnonzero(holdouts | self.holdout_mask | pays_all | self.pays_all)})
            self.holdout_mask, self.endgame_relief, self.pays_all = holdouts.copy(), relief, pays_all
            return True
        return False

    def relief(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """What side ``a`` of talks between ``a`` and ``b`` (arrays of countries) gives up of its
        reservation: its end-game relief where ``b`` holds out or ``a`` offers more to be accepted."""
        return self.endgame_relief[a] * (self.holdout_mask[b] | self.pays_all[a])


class _StillModel:
    """What the ratification checks read of a model, as it stood: the objects the model replaces rather
    than changes (its settings, weights, side access and outside options, and its work), its deals
    so far, and which package partners may ask something of each other (:meth:`Table.partners`)."""

    __slots__ = ("config", "countries", "deals", "outside", "sectors", "side_access", "table", "weights", "work")

    def __init__(self, model: TPPModel):
        self.config, self.weights, self.work = model.config, model.weights, model.work
        self.side_access, self.outside = model.side_access, model.outside
        self.deals = tuple(model.deals)
        self.countries, self.sectors = model.countries, model.sectors
        self.table = _StillPartners(model.table.partners())


class _StillPartners:
    """A table's package partners as they stood (all a ratification check reads of the table)."""

    __slots__ = ("_partners",)

    def __init__(self, partners: np.ndarray):
        partners.flags.writeable = False
        self._partners = partners

    def partners(self) -> np.ndarray:
        return self._partners
