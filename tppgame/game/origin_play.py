"""Rules of origin in play: the usable part of a preference, and the rule as a term the members settle.

With ``bargaining.rules_of_origin = true`` (and the ``political_economy`` payoff), each origin issue of
``data/rules.toml`` (textiles' yarn-forward, autos' regional value content) governs the preferences
of the game's sectors it lists (``textiles``; ``autos`` and ``auto_parts``):

* **The rule** is the term the members settle (:func:`tppgame.game.rules.settled_term`): the members'
  median ideal, held inside the range every member's red line allows (consensus: any member can block
  a term past its red line; within that range no majority can move the median). With the file's
  positions, textiles settle at 0.9, the US's red line (yarn-forward softened by a short-supply list),
  and autos at 0.45, Canada's and Mexico's red lines (the TPP's 45% net-cost content). Governments
  bargain over tariffs expecting the rule of the whole table (every country of the game); the
  agreement's rule, in ``summary.json``, is the same theory over those who sign.
* **The exporter's preference** from a partner's cut ``m`` (the tariff it faced, ``t0``, at a full
  opening; ``a t0`` at a concession ``a``) is what it can use: an exporter ``i`` whose in-zone share of
  inputs is ``z_i`` pays a mean compliance cost ``c_i = max(0, x - z_i) input_share premium``; firms'
  costs spread on ``[0, 2 c_i]``, those below the margin comply, so its utilisation is
  ``u = min(1, m / 2c)`` and it keeps ``u m - spent`` of the margin ``m``, ``spent`` being what
  compliers pay for dearer in-zone inputs (:func:`tppgame.game.rules.preference_split`).
* **In the government's payoff** (:mod:`tppgame.game.political`), a full opening's exporter surplus is
  scaled by the usable share ``(u m - spent) / m``; the importer's side (its triangle, what it pays, its
  producers' loss) by ``u``, since only the imports that claim the preference enter at the lower tariff;
  and every country ``k``'s in-zone suppliers gain ``supplier_share_k keep X spent`` (``X`` the pair's
  2013 trade). The exporter and the importer count their own suppliers' gain in the pair's talk (the
  importer's lowers its cost of opening: yarn-forward makes the US textile opening pay its spinners);
  the other members count theirs in the whole agreement (:attr:`tppgame.game.utility.Weights.bystander`).

Only the ``political_economy`` payoff has the trade and margins in US$ that a compliance cost is a
share of; the ``judgment`` payoff's indices have none, so the setting needs ``political_economy``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tppgame.game.economy import Economy
from tppgame.game.rules import Issue, compliance_cost, preference_split, settled_term
from tppgame.game.welfare import baseline_tariffs


@dataclass(frozen=True)
class OriginRule:
    """One origin issue settled among members: the term and who it sits on."""

    name: str
    issue: Issue               # over the game's countries
    sectors: np.ndarray        # indices of the game's sectors it governs
    term: float
    within_red_lines: bool
    set_by: tuple[str, ...]    # members whose red line the term sits on; () when it is the median ideal

    def cost(self) -> np.ndarray:
        """[i]: each exporter's mean compliance cost under the rule (share of the export's value)."""
        p = self.issue.parameters
        return compliance_cost(self.term, self.issue.figures["in_zone"], p["input_share"], p["premium"])


def origin_rules(issues: dict[str, Issue], countries: tuple[str, ...], sectors: tuple[str, ...],
                 members: np.ndarray) -> tuple[OriginRule, ...]:
    """The origin issues that govern a sector of the game, each at the term ``members`` settle (none
    when nobody is a member)."""
    rules = []
    for name, issue in issues.items():
        governed = np.array([sectors.index(s) for s in issue.sectors if s in sectors], dtype=int)
        settled = settled_term(issue.ideal, issue.red_line, members) if issue.kind == "origin" else None
        if not governed.size or settled is None:
            continue
        term, within = settled
        on_line = np.asarray(members, dtype=bool) & np.isclose(issue.red_line, term)
        rules.append(OriginRule(name, issue, governed, term, within,
                                tuple(code for code, on in zip(countries, on_line) if on)))
    return tuple(rules)


@dataclass(frozen=True)
class OriginSplit:
    """Per unit of exports ``[i, j, s]`` under the rules: the share claiming the preference, the share of
    the margin the exporter keeps, and what compliers spend on dearer in-zone inputs; and per country and
    sector ``[k, s]`` the share of that spending its suppliers keep as surplus (``supplier_share x keep``)."""

    utilisation: np.ndarray
    usable: np.ndarray
    spent: np.ndarray
    suppliers: np.ndarray


def origin_split(margin: np.ndarray, rules: tuple[OriginRule, ...]) -> OriginSplit:
    """The split of every margin ``[i, j, s]`` under ``rules`` (a sector no rule governs: used in full,
    nothing spent), in one array pass."""
    n, _, n_sectors = margin.shape
    cost = np.zeros((n, n_sectors))
    suppliers = np.zeros((n, n_sectors))
    for rule in rules:
        cost[:, rule.sectors] = rule.cost()[:, None]
        suppliers[:, rule.sectors] = (rule.issue.figures["supplier_share"] * rule.issue.parameters["keep"])[:, None]
    u, net, spent = preference_split(margin, np.broadcast_to(cost[:, None, :], margin.shape))
    usable = np.divide(net, margin, out=np.ones_like(net), where=margin > 0)
    return OriginSplit(u, usable, spent, suppliers)


def supplier_gains(split: OriginSplit, trade: np.ndarray) -> np.ndarray:
    """[k, i, j, s]: what country ``k``'s in-zone suppliers gain when ``j`` grants ``i`` the margins of
    ``split``: their share of the spending ``trade x spent`` (US$ bn)."""
    return split.suppliers[:, None, None, :] * (trade * split.spent)[None]


def full_margins(economy: Economy, fta: np.ndarray) -> np.ndarray:
    """[i, j, s]: the margin a full opening gives, the tariff each exporter faced before (0 on the diagonal)."""
    t0 = baseline_tariffs(economy.tariff, economy.coverage, np.asarray(fta, dtype=float))
    return np.where(np.eye(len(economy.countries), dtype=bool)[:, :, None], 0.0, t0)


def origin_summary(rules: tuple[OriginRule, ...], countries: tuple[str, ...], economy: Economy,
                   fta: np.ndarray, access: np.ndarray, signed: np.ndarray) -> dict[str, dict]:
    """What ``summary.json`` says of each origin rule (``rules`` settled by the signatories ``signed``):
    the rule and who it sits on, and per signatory exporter with a preference in a governed sector from
    another signatory, its utilisation (share of those exports that claim the preference), the margin on
    them, what it keeps net of compliance and what complying costs, in US$ m a year on 2013 trade; and
    what each country's in-zone suppliers gain."""
    on = np.asarray(signed, dtype=bool)
    pair = (on[:, None] & on[None, :])[:, :, None]
    margin = np.where(pair, np.clip(access, 0.0, 1.0) * full_margins(economy, fta), 0.0)
    split = origin_split(margin, rules)
    out: dict[str, dict] = {}
    for rule in rules:
        x = np.zeros_like(margin)
        x[:, :, rule.sectors] = economy.trade[:, :, rule.sectors]
        eligible = np.where(margin > 0, x, 0.0)
        exports = eligible.sum(axis=(1, 2))
        claimed = (eligible * split.utilisation).sum(axis=(1, 2))
        gross = (x * margin).sum(axis=(1, 2))
        kept = (x * margin * split.usable).sum(axis=(1, 2))
        spent = (x * split.spent).sum(axis=(1, 2))
        gains = split.suppliers[:, rule.sectors[0]] * spent.sum()
        out[rule.name] = {
            "label": rule.issue.label, "unit": rule.issue.unit, "sectors": [economy.sectors[s] for s in rule.sectors],
            "rule": round(rule.term, 4), "within_red_lines": rule.within_red_lines, "set_by": list(rule.set_by),
            "exporters": {code: {"utilisation": round(float(claimed[k] / exports[k]), 4),
                                 "margin_usd_m": round(float(gross[k]) * 1000.0, 3),
                                 "kept_usd_m": round(float(kept[k]) * 1000.0, 3),
                                 "compliance_usd_m": round(float(spent[k]) * 1000.0, 3)}
                          for k, code in enumerate(countries) if exports[k] > 0},
            "suppliers_usd_m": {code: round(float(gains[k]) * 1000.0, 3)
                                for k, code in enumerate(countries) if gains[k] > 0},
        }
    return out
