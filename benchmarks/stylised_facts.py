"""Measure how often the model reproduces the stylised facts of the TPP talks:
python benchmarks/stylised_facts.py [SCENARIO] [--seeds N] [--first-seed K] [--set PATH=VALUE ...] [--facts FILE] [--json FILE].

The facts are scenario headlines (``benchmarks/stylised_facts.toml``, each with its source); the
scenario (default: the baseline, with any ``--set`` overrides, as ``run.py robustness`` takes them)
is played over the seeds with those headlines in place of its own, games without records sharing
their work (as ``run.py robustness`` and sweeps do). It prints, per fact, the share of seeds in which
it holds with its 95% Wilson interval (a fact is reproduced at 80% or more; over 100 seeds a share of
80% is 71-87%), then the numbers behind the facts:

* **formation**: the share of seeds the agreement forms, by year, and the median date; who holds out at
  the end of the games where it never forms; per rules issue the agreement's standard (``summary.json``'s
  ``rules_terms``, what the ``term_between`` fact reads), and for a common standard
  (``bargaining.common_standards``: :mod:`tppgame.game.standards`) whose red line it sits on;
* **Japan**: per sector its barrier, its final concession (the most it opened the sector to any
  partner, by the agreement or a side deal) and its signed TPP schedule, means over seeds; the side
  deal's beef access for Australia; how often rice is *strictly* its smallest sacred concession;
* **phase-outs**: the US's car phase-out for Japan, years by number of seeds, and the share of all
  concessions at the end that are phased out rather than made at once;
* **rules of origin**: per rule (textiles, autos), over the games that formed, the rule the signatories
  settle and whose red line it sits on, and per exporter its utilisation, the margin its partners
  granted, what it keeps net of complying and what complying costs (US$ m a year on 2013 trade),
  means over seeds; measured whether or not the game bargained with the rule
  (``bargaining.rules_of_origin``: :mod:`tppgame.game.origin_play`);
* **each country**: its mean barrier; its cut of its own protection (the mean over sectors of
  concession times barrier) and its rank among the members (1 = the largest cut); the share of seeds
  it makes one of the two largest cuts; the correlation across sectors between its concession and its
  barrier (mean over the seeds where both vary); its three most protected sectors, the most it
  concedes in them, and the share of seeds it concedes nothing there, under 0.05 there, nothing at all;
* **chapters** (the scenario's ``bargaining.chapters``, each an optional sector): per chapter and
  country its barrier, its TPP schedule and final concession (means over seeds), the share of seeds
  its schedule opens the chapter by at least 0.05, and its stake: the share of its attainable gain
  (full access to every partner) that lies in the chapter, and the share of its cost of opening
  everything fully that the chapter's opening makes (from the game's utility weights).

``--json FILE`` writes all of it as JSON, to compare two models (say a new utility against the
current one) side by side. Facts dated outside the scenario's calendar are listed as not checkable
there. Bad input: one line on stderr, exit 2.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tppgame import load_scenario
from tppgame.cli_args import EXIT_BAD_INPUT, Parser, UsageError, parse_settings, path_arg, seed_arg
from tppgame.experiments.headlines import (ROBUST_SHARE, among_top, final_concessions, headlines_file, over_seeds,
                                           own_cuts, package_schedule, protected_sectors)
from tppgame.experiments.sweep_agreement import wilson
from tppgame.game.calibration import load_calibration
from tppgame.game.fields import ScenarioError
from tppgame.game.outcome import final_access, final_phase_outs, rules_of_origin, rules_terms
from tppgame.game.scenario import Scenario
from tppgame.game.settings import weights_of

FACTS_FILE = Path(__file__).with_name("stylised_facts.toml")
SACRED = ("rice", "wheat", "beef", "pork", "dairy", "sugar")   # Japan's five sacred categories (beef and pork one)
TOP_CUTS = 2          # "the largest cuts": the two largest
TOP_PROTECTED = 3     # "its most protected sectors": its three most protected
SOMETHING = 0.05      # the concession the facts count as "something"


DATE_FIELDS = ("by_date", "from_date")   # a headline's dates, which a scenario's calendar must hold


def read_facts(facts_file: Path) -> list[dict[str, Any]]:
    """The facts file's ``[[headlines]]`` entries, as a scenario file writes them (read as ``run.py robustness
    --headlines`` reads them: :func:`tppgame.experiments.headlines.headlines_file`)."""
    try:
        return headlines_file(facts_file)
    except ScenarioError as err:
        raise UsageError(f"--facts {err}") from None


def with_facts(scenario: Scenario, facts_file: Path) -> Scenario:
    """The scenario with the facts file's ``[[headlines]]`` in place of its own (checked like any headline)."""
    return scenario.with_headlines(read_facts(facts_file), str(facts_file))


def checkable_facts(scenario: Scenario, facts_file: Path) -> tuple[Scenario, list[str]]:
    """The scenario with the facts its calendar can check in place of its headlines, and the others, each
    as its claim and why not: a fact dated outside the calendar (the agreement forming in 2015, in a
    scenario of 2014 alone) cannot be checked there, which is no fault of the file. Any other bad entry
    is the usual one-line error."""
    entries, origin = read_facts(facts_file), str(facts_file)
    try:
        return scenario.with_headlines(entries, origin), []
    except ScenarioError as err:
        if err.path.rsplit(".", 1)[-1] not in DATE_FIELDS:
            raise
    kept, skipped = [], []
    for entry in entries:
        try:
            scenario.with_headlines([entry], origin)
        except ScenarioError as err:
            if err.path.rsplit(".", 1)[-1] in DATE_FIELDS:
                skipped.append(f"{entry.get('claim', '(no claim)')}: its {err.path.rsplit('.', 1)[-1]} "
                               f"is outside this scenario's calendar ({err.expected})")
                continue
        kept.append(entry)
    if not kept:
        raise UsageError(f"--facts {facts_file}: no fact is dated within {scenario.name}'s calendar")
    return scenario.with_headlines(kept, origin), skipped


def correlation(x: np.ndarray, y: np.ndarray) -> float | None:
    """Pearson's correlation of two rows, or None where either does not vary."""
    if np.ptp(x) <= 1e-12 or np.ptp(y) <= 1e-12:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def _mean(values: Sequence[float]) -> float | None:
    return float(np.mean(values)) if len(values) else None


def measure(scenario: Scenario, seeds: range, not_in_play: Sequence[str] = ()) -> dict[str, Any]:
    """Play ``scenario`` (its headlines: the facts) over ``seeds``; the share of seeds each fact holds and
    the diagnostics (see the module's docstring), as plain data; ``not_in_play`` lists the facts left out
    (:func:`checkable_facts`)."""
    codes, sectors = scenario.countries, scenario.sectors
    n = len(seeds)
    held = np.zeros(len(scenario.headlines), dtype=int)
    years: Counter[int] = Counter()
    rounds: list[int] = []
    conc_sum = np.zeros((len(codes), len(sectors)))
    sched_sum = np.zeros((len(codes), len(sectors)))
    barrier_sum = np.zeros((len(codes), len(sectors)))
    cut, rank, top_cut = ([[] for _ in codes] for _ in range(3))
    corr: list[list[float]] = [[] for _ in codes]
    best_top = [[] for _ in codes]
    none_top, under_top, none_at_all = (np.zeros(len(codes), dtype=int) for _ in range(3))
    jaepa_beef, strict_rice = [], 0
    car_years, phased, conceded = [], 0, 0      # the US's car phase-out for Japan; concessions phased out
    jp, au = codes.index("JPN"), codes.index("AUS")
    origin: dict[str, dict[str, Any]] = {}      # per origin rule: its terms, who set them, per exporter its figures
    terms: dict[str, dict[str, Any]] = {}       # per rules issue: its standard in the formed games, who it sits on
    holdouts: Counter[str] = Counter()          # who held out at the end of a game that never formed
    beef, rice = sectors.index("beef"), sectors.index("rice")
    sacred = [sectors.index(s) for s in SACRED if s != "rice"]
    chapters = [s for s in sectors if s in load_calibration().chapters]
    opened = np.zeros((len(codes), len(sectors)), dtype=int)      # seeds a member's schedule opens a sector
    for _seed, model, verdicts in over_seeds(scenario, seeds, record=False):
        held += np.array(verdicts, dtype=int)
        if model.formed_round is not None:
            rounds.append(model.formed_round)
            years[scenario.round_date(model.formed_round).year] += 1
        conc, sched = final_concessions(model), package_schedule(model)
        barrier = model.config.params["barrier"]
        conc_sum += conc
        sched_sum += sched
        opened += (sched >= SOMETHING - 1e-9) & model.members[:, None]
        barrier_sum += barrier
        jaepa_beef.append(float(model.side_access[au, jp, beef]))
        phase_outs, access = final_phase_outs(model), final_access(model)
        car_years.append(int(phase_outs[jp, codes.index("USA"), sectors.index("autos")]))
        phased, conceded = phased + int((phase_outs > 0).sum()), conceded + int((access > 0).sum())
        strict_rice += bool(all(conc[jp, rice] < conc[jp, k] - 1e-9 for k in sacred))
        _add_origin(origin, rules_of_origin(model))
        _add_terms(terms, rules_terms(model))
        if model.formed_round is None:
            holdouts[" ".join(model.last_check.holdouts) or "nobody"] += 1
        cuts = own_cuts(conc, barrier)
        tops = among_top(cuts, model.members, TOP_CUTS)
        chosen = protected_sectors(barrier, TOP_PROTECTED)
        best = np.where(chosen, conc, -np.inf).max(axis=1)
        for k in np.flatnonzero(model.members):
            cut[k].append(float(cuts[k]))
            rank[k].append(1 + int((cuts[model.members] > cuts[k]).sum()))
            top_cut[k].append(bool(tops[k]))
            r = correlation(conc[k], barrier[k])
            if r is not None:
                corr[k].append(r)
            if chosen[k].any():
                best_top[k].append(float(best[k]))
                none_top[k] += best[k] <= 1e-9
                under_top[k] += best[k] < SOMETHING - 1e-9
            none_at_all[k] += conc[k].max() <= 1e-9
    top_names = [[sectors[s] for s in np.argsort(-barrier_sum[k], kind="stable")[:TOP_PROTECTED]
                  if barrier_sum[k, s] > 0] for k in range(len(codes))]
    median = int(statistics.median(rounds)) if rounds else None
    weights = weights_of(scenario)          # the stakes as the game values them, at the start
    gain = weights.gain.sum(axis=1)         # [i, s]: i's attainable gain by sector (each row sums to 1)
    cost = weights.cost.sum(axis=1)         # [i, s]: i's cost of opening s fully to every partner
    cost_share = cost / np.where(cost.sum(axis=1, keepdims=True) > 0, cost.sum(axis=1, keepdims=True), 1.0)

    def share(count: int | float, of: int) -> float | None:
        return float(count) / of if of else None

    return {
        "scenario": scenario.name, "seeds": [seeds.start, seeds.stop - 1], "games": n,
        "facts": [{"claim": h.claim, "kind": h.kind, "held": int(c), "share": c / n, "interval": list(wilson(c, n)),
                   "reproduced": c / n >= ROBUST_SHARE} for h, c in zip(scenario.headlines, held.tolist())],
        "not_in_play": list(not_in_play),
        "formation": {"share": len(rounds) / n, "by_year": {str(y): c / n for y, c in sorted(years.items())},
                      "median_date": scenario.round_date(median).isoformat() if median else None,
                      "holdouts_when_not_formed": {k: v / n for k, v in holdouts.most_common()}},
        "rules_terms": {name: _terms_summary(t, n) for name, t in terms.items()},
        "japan": {
            "sectors": {s: {"barrier": float(barrier_sum[jp, k] / n), "concession": float(conc_sum[jp, k] / n),
                            "tpp_schedule": float(sched_sum[jp, k] / n)} for k, s in enumerate(sectors)},
            "side_deal_beef_access_aus": _mean(jaepa_beef),
            "rice_strictly_smallest_sacred": strict_rice / n,
        },
        "phase_outs": {"us_cars_for_japan_years": dict(sorted(Counter(car_years).items())),
                       "share_of_concessions_phased_out": share(phased, conceded)},
        "rules_of_origin": _origin_means(origin),
        "countries": {code: {
            "barrier": float(barrier_sum[k].mean() / n),
            "seeds_a_member": len(cut[k]),
            "cut": _mean(cut[k]), "rank": _mean(rank[k]),
            f"in_top_{TOP_CUTS}_cuts": share(sum(top_cut[k]), len(top_cut[k])),
            "corr_concession_barrier": _mean(corr[k]), "corr_seeds": len(corr[k]),
            "most_protected": top_names[k],
            "best_in_most_protected": _mean(best_top[k]),
            "nothing_in_most_protected": share(none_top[k], len(best_top[k])),
            f"under_{SOMETHING}_in_most_protected": share(under_top[k], len(best_top[k])),
            "nothing_at_all": share(none_at_all[k], len(cut[k])),
            "concessions": {s: float(conc_sum[k, j] / n) for j, s in enumerate(sectors)},
        } for k, code in enumerate(codes)},
        "chapters": {s: {code: {
            "barrier": float(barrier_sum[k, j] / n), "tpp_schedule": float(sched_sum[k, j] / n),
            "concession": float(conc_sum[k, j] / n),
            "opens": share(opened[k, j], len(cut[k])),
            "gain_share": float(gain[k, j] / gain[k].sum()) if gain[k].sum() > 0 else 0.0,
            "cost_share": float(cost_share[k, j]),
        } for k, code in enumerate(codes)} for j, s in ((sectors.index(s), s) for s in chapters)},
    }


def _add_origin(origin: dict[str, dict[str, Any]], rules: dict[str, dict[str, Any]]) -> None:
    """Add one formed game's rules of origin (``summary.json``'s, settled by its signatories; measured
    whether or not the game bargained with them) to the tallies."""
    for name, rule in rules.items():
        tally = origin.setdefault(name, {"label": rule["label"], "games": 0, "rules": Counter(), "set_by": Counter(),
                                         "exporters": {}})
        tally["games"] += 1
        tally["rules"][rule["rule"]] += 1
        tally["set_by"][" and ".join(rule["set_by"]) or "the median ideal"] += 1
        for code, figures in rule["exporters"].items():
            for key, value in figures.items():
                tally["exporters"].setdefault(code, {}).setdefault(key, []).append(value)


def _add_terms(terms: dict[str, dict[str, Any]], issues: dict[str, dict[str, Any]]) -> None:
    """Add one game's rules terms (``summary.json``'s ``rules_terms``: the agreement's standard on each rules
    issue, None when nothing formed) to the tallies, and for a common standard whose red line it sits on."""
    for name, issue in issues.items():
        tally = terms.setdefault(name, {"terms": [], "set_by": Counter(), "transitions": {}})
        tally["terms"].append(issue["term"])
        if "common_standard" in issue:
            tally["set_by"][" ".join(issue["common_standard"]["set_by"]) or "the median ideal"] += 1
            for code, years in issue["common_standard"].get("transitions", {}).items():
                tally["transitions"].setdefault(code, []).append(years)


def _terms_summary(tally: dict[str, Any], n: int) -> dict[str, Any]:
    """A rules issue's standard over ``n`` games: the share with none (not formed, suspended), the median,
    least and most of the others, the three commonest, and for a common standard whose red line it sits on
    and who implements it after a transition (the share of games, the mean years)."""
    set_terms = [t for t in tally["terms"] if t is not None]
    return {"none": 1 - len(set_terms) / n,
            "median": float(np.median(set_terms)) if set_terms else None,
            "least": min(set_terms, default=None), "most": max(set_terms, default=None),
            "commonest": {str(k): v / n for k, v in Counter(set_terms).most_common(3)},
            "set_by": {k: v / n for k, v in tally["set_by"].most_common()},
            "transitions": {code: {"share": len(y) / n, "mean_years": float(np.mean(y))}
                            for code, y in tally["transitions"].items()}}


def _origin_means(origin: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Per origin rule over the formed games: how often each term and each setter, and per exporter the
    means of its utilisation, margin, kept margin and compliance cost."""
    return {name: {"label": t["label"], "games": t["games"],
                   "rules": {str(k): v / t["games"] for k, v in sorted(t["rules"].items())},
                   "set_by": {k: v / t["games"] for k, v in t["set_by"].most_common()},
                   "exporters": {code: {key: float(np.mean(v)) for key, v in figures.items()}
                                 for code, figures in t["exporters"].items()}}
            for name, t in origin.items()}


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def _num(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{x:+.{digits}f}" if digits == 2 and x < 0 else f"{x:.{digits}f}"


def report(out: dict[str, Any]) -> str:
    """The measurement as tables of text."""
    lines = [f"Stylised facts: {out['scenario']}, seeds {out['seeds'][0]}-{out['seeds'][1]} ({out['games']} games)",
             "", f" #  {'fact':<92} holds  95% interval"]
    for k, fact in enumerate(out["facts"], start=1):
        verdict = "" if fact["reproduced"] else f"  (under {ROBUST_SHARE:.0%})"
        low, high = fact["interval"]
        lines.append(f"{k:>2}  {fact['claim']:<92} {_pct(fact['share']):>5}  {_pct(low):>4}-{_pct(high):<4}{verdict}")
    reproduced = sum(f["reproduced"] for f in out["facts"])
    lines.append(f"reproduced (in at least {ROBUST_SHARE:.0%} of seeds): {reproduced} of {len(out['facts'])}")
    if out["not_in_play"]:
        lines += ["", "Not checkable in this scenario:"] + [f"  - {text}" for text in out["not_in_play"]]
    f = out["formation"]
    years = ", ".join(f"{y} {_pct(s)}" for y, s in f["by_year"].items()) or "never"
    lines += ["", f"Formation: in {_pct(f['share'])} of seeds ({years}); median date {f['median_date'] or '-'}"]
    if f["holdouts_when_not_formed"]:
        lines.append("  not formed, holding out at the end: "
                     + ", ".join(f"{k} {_pct(v)}" for k, v in f["holdouts_when_not_formed"].items()))
    for name, t in out.get("rules_terms", {}).items():
        if t["median"] is None:
            lines.append(f"  {name}: no standard in any seed")
            continue
        lines.append(f"  {name}, the agreement's standard: median {t['median']:g} (least {t['least']:g}, most "
                     f"{t['most']:g}; none in {_pct(t['none'])}); commonest "
                     + ", ".join(f"{k} in {_pct(v)}" for k, v in t["commonest"].items())
                     + ("; a common standard on the red line of "
                        + ", ".join(f"{k} in {_pct(v)}" for k, v in t["set_by"].items()) if t["set_by"] else ""))
        if t["transitions"]:
            lines.append("    implemented after a transition: " + ", ".join(
                f"{code} in {_pct(v['share'])} ({v['mean_years']:.1f} years on average)"
                for code, v in t["transitions"].items()))
    jp = out["japan"]
    lines += ["", "Japan, means over seeds: its barrier, its final concession (package or side deal), its TPP schedule",
              f"  {'sector':<11}{'barrier':>8}{'final':>8}{'TPP':>8}"]
    lines += [f"  {s:<11}{v['barrier']:>8.2f}{v['concession']:>8.2f}{v['tpp_schedule']:>8.2f}"
              for s, v in jp["sectors"].items()]
    lines.append(f"  side-deal beef access for Australia {_num(jp['side_deal_beef_access_aus'])}; rice strictly its "
                 f"smallest sacred concession in {_pct(jp['rice_strictly_smallest_sacred'])} of seeds")
    po = out["phase_outs"]
    lines += ["", f"Phase-outs: the US's car phase-out for Japan, years: seeds "
              + ", ".join(f"{y}: {c}" for y, c in po["us_cars_for_japan_years"].items())
              + f"; concessions phased out (not at once): {_pct(po['share_of_concessions_phased_out'])}"]
    lines += ["", "Each country, over the seeds it is a member: cut = mean over sectors of concession x barrier; "
              f"rank 1 = the largest cut; top {TOP_CUTS} = share of seeds among the {TOP_CUTS} largest;",
              "corr = correlation across sectors of its concession with its barrier (mean over seeds where both vary); "
              f"its {TOP_PROTECTED} most protected sectors, the most it concedes in them, and the share of seeds",
              f"it concedes 0 there, under {SOMETHING} there, 0 everywhere",
              f"  {'':<4}{'barrier':>8}{'cut':>7}{'rank':>6}{f'top {TOP_CUTS}':>7}{'corr':>7}  "
              f"{'most protected':<26}{'best':>6}{'0 there':>9}{f'<{SOMETHING}':>7}{'0 all':>7}"]
    for code, c in out["countries"].items():
        lines.append(f"  {code:<4}{c['barrier']:>8.2f}{_num(c['cut'], 3):>7}{_num(c['rank'], 1):>6}"
                     f"{_pct(c[f'in_top_{TOP_CUTS}_cuts']):>7}{_num(c['corr_concession_barrier']):>7}  "
                     f"{' '.join(c['most_protected']):<26}{_num(c['best_in_most_protected']):>6}"
                     f"{_pct(c['nothing_in_most_protected']):>9}{_pct(c[f'under_{SOMETHING}_in_most_protected']):>7}"
                     f"{_pct(c['nothing_at_all']):>7}")
    for rule in out.get("rules_of_origin", {}).values():
        lines += ["", f"{rule['label']}, over the {rule['games']} games that formed (the signatories' rule, measured "
                  "whether or not they bargained with it): rule "
                  + ", ".join(f"{k} in {_pct(v)}" for k, v in rule["rules"].items()) + "; set by "
                  + ", ".join(f"{k} {_pct(v)}" for k, v in rule["set_by"].items()),
                  f"  {'':<4}{'util':>6}{'margin':>9}{'kept':>9}{'comply':>9}  (means; US$ m a year on 2013 trade)"]
        lines += [f"  {code:<4}{_pct(e['utilisation']):>6}{e['margin_usd_m']:>9.1f}{e['kept_usd_m']:>9.1f}"
                  f"{e['compliance_usd_m']:>9.1f}" for code, e in rule["exporters"].items()]
    for chapter, by_country in out.get("chapters", {}).items():
        lines += ["", f"Chapter {chapter}, means over seeds: barrier, TPP schedule, final concession, share of seeds its "
                  f"schedule opens it by {SOMETHING} or more; stake: the",
                  "share of its attainable gain in the chapter, and of its cost of opening everything fully",
                  f"  {'':<4}{'barrier':>8}{'TPP':>7}{'final':>7}{'opens':>7}{'gain':>8}{'cost':>7}"]
        lines += [f"  {code:<4}{c['barrier']:>8.2f}{c['tpp_schedule']:>7.2f}{c['concession']:>7.2f}"
                  f"{_pct(c['opens']):>7}{_pct(c['gain_share']):>8}{_pct(c['cost_share']):>7}"
                  for code, c in by_country.items()]
    can = out["countries"].get("CAN")
    if can:
        lines.append(f"  Canada's mean concession: autos {can['concessions']['autos']:.2f}, "
                     f"dairy {can['concessions']['dairy']:.2f}")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = Parser(prog="benchmarks/stylised_facts.py", description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="baseline")
    parser.add_argument("--seeds", type=int, default=100, help="how many seeds (default 100)")
    parser.add_argument("--first-seed", type=seed_arg, default=0)
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="PATH=VALUE",
                        help="override a setting, e.g. --set bargaining.reciprocity=0.2 (repeatable)")
    parser.add_argument("--facts", type=path_arg("file"), default=FACTS_FILE,
                        help="the facts as [[headlines]] (default: benchmarks/stylised_facts.toml)")
    parser.add_argument("--json", type=path_arg("file"), default=None, help="also write the numbers as JSON")
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
        if args.seeds < 1:
            raise UsageError(f"--seeds {args.seeds}: expected a whole number of at least 1")
        if args.json is not None and args.json.is_dir():
            raise UsageError(f"--json {args.json}: expected a file, found a folder")
        scenario = load_scenario(args.scenario)
        overrides = parse_settings(args.settings)
        if overrides:
            scenario = scenario.with_overrides(overrides, origin="--set")
        scenario, skipped = checkable_facts(scenario, args.facts)
        started = time.perf_counter()
        out = measure(scenario, range(args.first_seed, args.first_seed + args.seeds), skipped)
        out["seconds"] = round(time.perf_counter() - started, 1)
        out["settings"] = args.settings
        print(report(out), end="")
        print(f"({out['seconds']} s)")
        if args.json is not None:
            try:
                args.json.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
            except OSError as err:
                raise UsageError(f"--json {args.json}: could not write it ({err.strerror or err})") from None
            print(f"Wrote {args.json}")
    except (UsageError, ScenarioError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


if __name__ == "__main__":
    sys.exit(main())
