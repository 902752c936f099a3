"""The command line's ``run.py power SCENARIO``: each member's power under the entry-into-force
rule (normalised Banzhaf index, Shapley–Shubik index, veto), as the scenario starts and after
each scheduled event that changes the members or the rule (:mod:`tppgame.game.power`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from tppgame.cli_args import Parser, UsageError, parse_settings, path_arg
from tppgame.game.power import Stage, power_stages
from tppgame.game.scenario import Scenario, load_scenario


def build_power_parser() -> Parser:
    """The options of ``run.py power``."""
    parser = Parser(prog="run.py power",
                     description="Each member's power under the scenario's entry-into-force rule: normalised "
                                 "Banzhaf and Shapley-Shubik indices and veto players, computed exactly over all "
                                 "coalitions, as the scenario starts and after each event that changes the "
                                 "members or the rule.")
    parser.add_argument("scenario", nargs="?", default="baseline",
                        help="scenario name in scenarios/ (default: baseline) or path to a TOML file")
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="PATH=VALUE",
                        help="override a scenario setting, e.g. --set agreement.entry_rule=cptpp (repeatable)")
    parser.add_argument("--json", action="store_true", help="print the indices as JSON instead of the tables")
    parser.add_argument("--out", type=path_arg("folder"), default=None,
                        help="also write power.json and power.csv to this folder")
    return parser


def power(argv: Sequence[str]) -> int:
    """``run.py power [SCENARIO] [--set PATH=VALUE ...] [--json] [--out DIR]``."""
    from tppgame.report import csv_text, write_files

    args = build_power_parser().parse_args(list(argv))
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        raise UsageError(f"--out {args.out}: expected a folder, found a file")
    scenario = load_scenario(args.scenario)
    overrides = parse_settings(args.settings)
    if overrides:
        scenario = scenario.with_overrides(overrides, origin="--set")
    stages = power_stages(scenario)
    record = power_record(scenario, stages)
    text = json.dumps(record, indent=2) + "\n"
    print(text if args.json else power_text(scenario, stages), end="")
    if args.out is not None:
        json_path, csv_path = args.out / "power.json", args.out / "power.csv"
        try:      # both or neither
            write_files({json_path: text, csv_path: csv_text(power_rows(record))})
        except OSError as err:
            raise UsageError(f"--out {args.out}: could not write results ({err.strerror or err})") from None
        if not args.json:
            print(f"\nWrote {json_path}, {csv_path}")
    return 0


def _when(scenario: Scenario, stage: Stage) -> str:
    if stage.label is None:
        return "As the scenario starts"
    chance = f" (if it happens: chance {stage.probability:.0%})" if stage.probability < 1 else ""
    return f"From round {stage.round} ({scenario.round_date(stage.round):%B %Y}), {stage.label}{chance}"


def power_text(scenario: Scenario, stages: list[Stage]) -> str:
    """The tables a reader sees: per stage the rule in words, then per member its GDP share as the
    rule counts it, its Banzhaf and Shapley-Shubik index and whether it holds a veto."""
    names = scenario.params["names"]
    lines = [f"Power under the entry rule: {scenario.name}", ""]
    for stage in stages:
        power, n = stage.power, len(stage.players)
        lines.append(f"{_when(scenario, stage)}:")
        lines.append(f"Rule ({stage.rule.name}): {stage.rule.describe()}.")
        lines.append(f"{n} members; {power.winning_coalitions} of the {2 ** n} coalitions of them can bring "
                     "the agreement into force.")
        if not power.decisive:
            lines.append("No ratification decides anything: nobody has power under this rule "
                         "(the indices are undefined).")
            lines.append("")
            continue
        width = max(len(f"{code} {names[code]}") for code in stage.players)
        lines.append("")
        lines.append(f"{'country':<{width}}  GDP share  Banzhaf  Shapley-Shubik  veto")
        for k, code in enumerate(stage.players):
            share = f"{stage.gdp_share[k]:.1%}" if code in scenario.original_signatories else "n/c"
            lines.append(f"{code + ' ' + names[code]:<{width}}  {share:>9}  {power.banzhaf[k]:7.3f}  "
                         f"{power.shapley_shubik[k]:14.3f}  {'yes' if power.veto[k] else 'no'}")
        vetoes = [names[code] for code in power.veto_players]
        lines.append("")
        lines.append(f"Veto players: {', '.join(vetoes) if vetoes else 'none'}.")
        if any(code not in scenario.original_signatories for code in stage.players):
            lines.append("n/c: not an original signatory; its ratification counts, its GDP does not.")
        lines.append("")
    return "\n".join(lines)


def power_record(scenario: Scenario, stages: list[Stage]) -> dict[str, Any]:
    """The machine-readable record: per stage the rule, the counts and per player its indices
    (rounded, and exact as fractions "p/q"); null indices when nobody can meet the rule."""
    names = scenario.params["names"]
    out = []
    for stage in stages:
        power, rule = stage.power, stage.rule
        rounded = power.as_dict()
        players = {}
        for k, code in enumerate(stage.players):
            players[code] = {
                "name": names[code],
                "gdp_share": round(float(stage.gdp_share[k]), 6),
                "swings": int(power.swings[k]),
                **rounded[code],
                "banzhaf_exact": str(power.banzhaf_exact[k]) if power.decisive else None,
                "shapley_shubik_exact": str(power.shapley_shubik_exact[k]) if power.decisive else None,
            }
        out.append({
            "round": stage.round, "date": scenario.round_date(max(stage.round, 1)).isoformat(),
            "event": stage.label, "probability": stage.probability,
            "rule": {"name": rule.name, "description": rule.describe(), "min_signatories": rule.min_signatories,
                     "min_gdp_share": rule.min_gdp_share, "signatory_fraction": rule.signatory_fraction},
            "coalitions": 2 ** len(stage.players), "winning_coalitions": power.winning_coalitions,
            "decisive": power.decisive, "veto_players": power.veto_players, "players": players,
        })
    return {"scenario": scenario.name, "scenario_file": scenario.file, "stages": out}


def power_rows(record: dict[str, Any]) -> list[dict[str, Any]]:
    """One CSV row per stage and player."""
    return [{"round": stage["round"], "event": stage["event"] or "", "rule": stage["rule"]["name"], "country": code,
             "gdp_share": p["gdp_share"], "banzhaf": p["banzhaf"], "shapley_shubik": p["shapley_shubik"],
             "veto": p["veto"]}
            for stage in record["stages"] for code, p in stage["players"].items()]
