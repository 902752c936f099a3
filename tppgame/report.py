"""Reports: the round-by-round story in plain words, the final table, and output files."""

from __future__ import annotations

import csv
import errno
import io
import json
import math
import os
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tppgame.game.events import narration

if TYPE_CHECKING:
    from tppgame.model import TPPModel

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


def month_label(model: TPPModel, round_number: int) -> str:
    """The month a round stands for, in words: 'April 2014'."""
    return month_name(model.config.round_date(round_number).isoformat())


def month_name(iso_date: str) -> str:
    """'2014-04-01' as 'April 2014'."""
    year, month = iso_date.split("-")[:2]
    return f"{MONTHS[int(month) - 1]} {year}"


def main_concessions(values: dict[str, float], top: int = 3, years: dict[str, int] | None = None) -> str:
    """The largest concessions in a deal, as words: 'beef 0.52, pork 0.40, dairy 0.27'; with
    ``years`` (phase-outs), those phased out say over how long: 'beef 0.52 over 16 years'."""
    if not values:
        return "nothing new"
    values = {k: v for k, v in values.items() if v >= 0.005}     # what shows at two decimals
    if not values:
        return "nothing new"
    ranked = sorted(values.items(), key=lambda kv: -kv[1])[:top]
    more = len(values) - len(ranked)
    spread = {s: f" over {n} years" for s, n in (years or {}).items() if n > 0}
    text = ", ".join(f"{sector.replace('_', ' ')} {value:.2f}{spread.get(sector, '')}" for sector, value in ranked)
    return text + (f" and {more} more" if more > 0 else "")


def _values(entry: Any) -> dict[str, float]:
    return entry.as_dict() if hasattr(entry, "as_dict") else dict(entry)


def narrate(model: TPPModel) -> Iterator[str]:
    """The history of a finished (or running) game, one paragraph per eventful round.

    Quiet rounds are folded into one line, so that a class can read the story aloud.
    """
    for first, last, lines in story(model):
        if not lines:
            yield _quiet(model, first, last)
            continue
        yield f"Round {first} ({month_label(model, first)}):"
        for line in lines:
            yield f"  {line}"


def story(model: TPPModel) -> Iterator[tuple[int, int, list[str]]]:
    """The story of a game as ``(first round, last round, sentences)``: an eventful round (first ==
    last) with its sentences, ending with the agreement's status; a stretch of quiet rounds (nothing
    happened and the status stayed the same) with no sentences."""
    names = model.config.params["names"]
    by_round: dict[int, list[dict[str, Any]]] = {}
    for entry in model.log:
        by_round.setdefault(entry["round"], []).append(entry)
    quiet_from = None
    previous = None
    schedules: dict[str, dict[str, float]] = {}
    for check in model.records[1:]:
        r = check.round
        lines = list(_round_lines(model, by_round.get(r, []), names, schedules))
        status = _status_line(check)
        changed = previous is None or status != previous
        if lines or changed:
            if quiet_from is not None:
                yield quiet_from, r - 1, []
                quiet_from = None
            yield r, r, [*lines, status]
        elif quiet_from is None:
            quiet_from = r
        previous = status
    if quiet_from is not None and model.records:
        yield quiet_from, model.records[-1].round, []


def round_lines(model: TPPModel, round_number: int) -> list[str]:
    """What happened in one finished round, in plain sentences, ending with the agreement status."""
    names = model.config.params["names"]
    schedules: dict[str, dict[str, float]] = {}
    for entry in model.log.of_kind("deal"):
        if entry["round"] < round_number:
            _new_in_schedule(schedules, entry)
    lines = list(_round_lines(model, model.log.in_round(round_number), names, schedules))
    check = next((c for c in reversed(model.records) if c.round == round_number), None)
    return lines + ([_status_line(check)] if check is not None else [])


def _quiet(model: TPPModel, first: int, last: int) -> str:
    span = f"Round {first}" if first == last else f"Rounds {first}-{last}"
    when = month_label(model, first) if first == last else f"{month_label(model, first)} to {month_label(model, last)}"
    return f"{span} ({when}): talks go on; nothing changes."


def _new_in_schedule(schedules: dict[str, dict[str, float]], deal: dict[str, Any]) -> tuple[dict, dict]:
    """What each side of a deal opens beyond what it had already opened (to every member, in the TPP's
    common schedules; to this partner, in a side deal) and beyond what the agreement's common standards
    ask of it (``bargaining.common_standards``: every member implements them, deal or none), and the
    schedules updated with it."""
    new = []
    for side, partner, gives, standard in ((deal["a"], deal["b"], deal["a_gives"], deal.get("a_standard")),
                                           (deal["b"], deal["a"], deal["b_gives"], deal.get("b_standard"))):
        key = side if deal["track"] != "standalone" else f"{side} to {partner} (side deal)"
        before = schedules.setdefault(key, {})
        _raise(before, _values(standard or {}))
        values = _values(gives)
        new.append({s: v for s, v in values.items() if v >= before.get(s, 0.0) + 0.005})
        _raise(before, values)
    return new[0], new[1]


def _raise(schedule: dict[str, float], values: dict[str, float]) -> None:
    """``schedule`` (sector -> concession) raised, in place, to at least ``values``."""
    for sector, value in values.items():
        schedule[sector] = max(schedule.get(sector, 0.0), value)


def _round_lines(model: TPPModel, entries: list[dict[str, Any]], names: dict[str, str],
                 schedules: dict[str, dict[str, float]]) -> Iterator[str]:
    """Plain sentences for a round's log entries: deals (what each side opens that it had not opened
    before: ``schedules`` holds what it had) and the agreement here, scheduled events in the words
    of their kinds (:func:`tppgame.game.events.narration`); offers and replies say nothing."""
    for e in entries:
        kind = e["kind"]
        if kind == "deal":
            a, b = e["a"], e["b"]
            what = {"standalone": " (a side deal, in force from now on)",
                    "conditional": " (binding only if the TPP forms)", "tpp": ""}[e["track"]]
            new_a, new_b = _new_in_schedule(schedules, e)
            years = [_values(e.get(key) or {}) for key in ("a_years", "b_years")]
            yield (f"Deal: {e['talk']} closed{what}. {names[a]} opens {main_concessions(new_a, years=years[0])}; "
                   f"{names[b]} opens {main_concessions(new_b, years=years[1])}.")
        elif kind == "reopened":
            who = " and ".join(names[c] for c in e["authority"])
            yield (f"Reopened: {e['talk']}, closed before {who} had the authority to commit its government; "
                   "the partners may now offer what they held back.")
        elif kind == "buy_in":
            yield (f"Offer: {names[e['country']]}, refused for offering too little, opens "
                   f"{main_concessions(e['gives'])} to every member to be accepted.")
        elif kind == "agreement_formed":
            yield (f"AGREEMENT FORMED among {len(e['signatories'])} countries holding {e['gdp_share']:.1%} "
                   "of the original signatories' 2013 GDP.")
        else:
            line = narration(e, names)
            if line is not None:
                yield line


def _status_line(check: Any) -> str:
    if check.formed:
        force = "could enter into force" if check.in_force else "could NOT enter into force"
        return (f"Agreement: formed; {len(check.signatories)} signatories, of which {len(check.accepting)} would "
                f"ratify, holding {check.gdp_share:.1%} of 2013 GDP; {force}.")
    parts = [f"Agreement: not yet; {_who_would_ratify(check)}"]
    if check.open_pairs:
        pairs = ", ".join(f"{a}-{b}" for a, b in check.open_pairs[:4])
        more = len(check.open_pairs) - 4
        count = len(check.open_pairs)
        parts.append(f"{count} {'talk' if count == 1 else 'talks'} with a zone of agreement still open "
                     f"({pairs}{' ...' if more > 0 else ''})")
    refused = getattr(check, "refused", [])
    if refused:
        parts.append(f"the partners refuse {', '.join(refused)} for offering too little in their own protected sectors")
    if check.holdouts:
        parts.append("the rest could conclude without them" if check.rest_could_conclude
                     else "the rest could not conclude without them")
    return "; ".join(parts) + "."


def _who_would_ratify(check: Any) -> str:
    """Who would ratify the package so far, in few words: the shorter list is named, and why the
    others would not. Members the partners refuse (for offering too little) are among those who do
    not ratify, but not because the package gives them too little: the status line says why."""
    members, yes, no = len(check.members), check.accepting, check.holdouts
    refused = set(getattr(check, "refused", []))
    short = [c for c in no if c not in refused]          # the package gives them less than they need

    def why(all_of_them: str) -> str:
        """Why the package falls short, naming the short ones unless they are all the hold-outs."""
        if not short:
            return ""
        return f" (it gives {all_of_them if len(short) == len(no) else ', '.join(short) + ' less than they need'})"

    if not yes:
        return f"none of the {members} members would ratify the package so far{why('each less than it needs')}"
    if not no:
        return f"all {members} members would ratify the package so far"
    if len(yes) < len(no):
        return (f"only {', '.join(yes)} of {members} members would ratify the package so far"
                f"{why('the others less than they need')}")
    return (f"{len(yes)} of {members} members would ratify the package so far; not {', '.join(no)}"
            f"{why('them less than they need')}")


def _abbreviation(sector: str, width: int) -> str:
    """A sector's name in ``width`` letters for a column head: the first word's first letters and the
    second word's first (auto_parts: ``autop`` or ``autp``), so no two heads of the game's sectors agree."""
    words = sector.split("_")
    if len(words) == 1:
        return sector[:width]
    return words[0][:width - 1] + words[1][:1]


def _concession_cell(value: float, width: int) -> str:
    """A concession in a column ``width`` wide: two decimals, or whole per cents in three columns."""
    return f"{value * 100:>{width}.0f}" if width == 3 else f"{value:>{width}.2f}"


def final_table(summary: dict[str, Any], sectors: tuple[str, ...]) -> str:
    """The final record as a table a class can read: outcome line, then one row per country."""
    out = io.StringIO()
    if summary["formed"]:
        ratifying = summary["ratifying"]
        out.write(f"Outcome: agreement formed in round {summary['round']} ({month_name(summary['date'])}); "
                  f"{len(summary['members'])} signatories at the end, of which {len(ratifying)} would ratify, "
                  f"holding {summary['gdp_share']:.1%} of the original signatories' 2013 GDP.\n")
        out.write(f"Entry into force ({summary['entry_rule']}): {'yes' if summary['in_force'] else 'no'}.\n")
    else:
        finished = summary.get("finished", True)      # (a summary.json written before the key existed: finished)
        if finished:
            out.write(f"Outcome: no agreement formed in {summary['rounds']} rounds.")
        else:
            out.write(f"Outcome: no agreement yet: the game was stopped after round {summary['rounds']}, before "
                      "its end.")
        if summary["holdouts"]:
            out.write(f" Hold-outs {'at the end' if finished else 'when it stopped'}: " + ", ".join(summary["holdouts"])
                      + ".")
        out.write("\n")
    out.write(welfare_line(summary) + "\n")
    for line in terms_lines(summary):
        out.write(line + "\n")
    # fits 100 columns: five letters and two decimals up to ten sectors, four up to twelve, then three
    # letters and whole per cents up to fifteen
    width = 5 if len(sectors) <= 10 else 4 if len(sectors) <= 12 else 3
    short = [_abbreviation(s, width) for s in sectors]
    header = (f"{'Country':<13} {'Sig':>3} {'Util':>6} {'Outsd':>6} {'Gain':>6}  "
              + " ".join(f"{s:>{width}}" for s in short))
    out.write("\n" + header + "\n" + "-" * len(header) + "\n")
    for code, c in summary["countries"].items():
        gain = c["utility"] - c["outside_option"]
        row = (f"{c['name'][:13]:<13} {'yes' if c['signatory'] else 'no':>3} {c['utility']:>6.3f} "
               f"{c['outside_option']:>6.3f} {gain:>+6.3f}  "
               + " ".join(_concession_cell(c["concessions"][s], width) for s in sectors))
        out.write(row + "\n")
    scale = ("0 (today's\nprotection) to 1 (free trade)" if width > 3
             else "0 (today's\nprotection) to 100 (free trade) in per cent")
    out.write("\nUtil: utility (1 = full access to every partner's market); Outsd: outside option (status\n"
              f"quo plus side deals in force); sectors, by their first letters: concession from {scale}, "
              "the deepest to any partner.\n")
    out.write(welfare_table(summary))
    return out.getvalue()


def welfare_line(summary: dict[str, Any]) -> str:
    """The outcome's welfare in one sentence: what all the countries gain together, who gains most
    and least in % of its GDP, and how many lose (the account of the agreement if it formed, else of
    the side deals in force)."""
    countries = summary["countries"].values()
    total = sum(c["welfare"]["total_usd_m"] for c in countries)
    ranked = sorted(countries, key=lambda c: c["welfare"]["percent_gdp"])
    if all(c["welfare"]["total_usd_m"] == 0 for c in countries):
        return "Welfare: nothing changes (no concession in force)."
    low, high = ranked[0], ranked[-1]
    losers = sum(c["welfare"]["total_usd_m"] < 0 for c in countries)
    what = "the agreement" if summary["formed"] else "the side deals in force"
    lose = {0: "nobody loses", 1: "1 country loses"}.get(losers, f"{losers} countries lose")
    return (f"Welfare of {what}: US$ {total:+,.0f} m a year for the {len(ranked)} countries together; most "
            f"{high['name']} ({high['welfare']['percent_gdp']:+.3f}% of its GDP), least {low['name']} "
            f"({low['welfare']['percent_gdp']:+.3f}%); {lose}.")


def terms_lines(summary: dict[str, Any]) -> list[str]:
    """One sentence per rules issue the agreement sets a standard on (``summary['rules_terms']``): the
    standard, the least any signatory binds, and who binds it; nothing when no agreement formed."""
    lines = []
    names = {code: c["name"] for code, c in summary["countries"].items()}
    for issue in summary.get("rules_terms", {}).values():
        if issue["suspended"]:
            lines.append(f"{issue['label']}: suspended.")
        elif issue["term"] is not None:
            digits = 2 if issue["term"] <= 1 and all(v <= 1 for v in issue["bound"].values()) else 1
            bound, who = ("at most", "the most") if issue.get("at_most") else ("at least", "the least")
            standard = issue.get("common_standard")
            if standard is not None:      # bargaining.common_standards: settled, then implemented by all
                sits = sits_on([names[c] for c in standard["set_by"]], standard["within_red_lines"])
                later = ", ".join(f"{names[c]} after {y} year{'s' if y > 1 else ''}"
                                  for c, y in standard.get("transitions", {}).items())
                lines.append(f"{issue['label']}: {bound} {issue['term']:.{digits}f} {issue['unit']}, the common "
                             f"standard every signatory implements ({sits})" + (f"; {later}." if later else "."))
                continue
            least = [names[code] for code, term in issue["bound"].items() if abs(term - issue["term"]) < 1e-9]
            lines.append(f"{issue['label']}: {bound} {issue['term']:.{digits}f} {issue['unit']} ({who} a "
                         f"signatory binds: {', '.join(least)}).")
    return lines + origin_lines(summary)


def sits_on(setters: list[str], within_red_lines: bool) -> str:
    """Where a settled term sits, in words: on whose red line (the names given), or the members' median ideal;
    and whether it lies past some red line (no common term respected them all)."""
    who = (f"the red line of {' and '.join(filter(None, [', '.join(setters[:-1]), setters[-1]]))}" if setters
           else "the members' median ideal")
    return who if within_red_lines else who + ", past some red line"


def origin_lines(summary: dict[str, Any], shown: int = 3) -> list[str]:
    """One sentence per rule of origin the signatories settled (``summary['rules_of_origin']``): the rule,
    whose red line it sits on (or the median ideal), and the utilisation of the ``shown`` exporters with
    the largest preference margins."""
    lines = []
    names = {code: c["name"] for code, c in summary["countries"].items()}
    for issue in summary.get("rules_of_origin", {}).values():
        who = sits_on([names[c] for c in issue["set_by"]], issue["within_red_lines"])
        largest = sorted(issue["exporters"].items(), key=lambda kv: -kv[1]["margin_usd_m"])[:shown]
        used = ", ".join(f"{names[code]} {e['utilisation']:.0%}" for code, e in largest)
        lines.append(f"{issue['label']}: {issue['rule']:.2f} ({who}); share of exports claiming the "
                     f"preference: {used or 'no preference granted'}.")
    return lines


def welfare_table(summary: dict[str, Any]) -> str:
    """Each country's welfare account (``summary['countries'][code]['welfare']``) as a table:
    the gain in % of its 2013 GDP and in US$ m, and the terms that sum to it."""
    out = io.StringIO()
    header = (f"{'Welfare':<13} {'%GDP':>8} {'US$ m':>9}  {'exports':>8} {'erosion':>8} {'effic':>8} "
              f"{'ToT':>8} {'revenue':>8}")
    out.write("\n" + header + "\n" + "-" * len(header) + "\n")
    for c in summary["countries"].values():
        w = c["welfare"]
        out.write(f"{c['name'][:13]:<13} {w['percent_gdp']:>+8.4f} {w['total_usd_m']:>+9.1f}  "
                  f"{w['exports_usd_m']:>+8.1f} {w['erosion_usd_m']:>+8.1f} {w['efficiency_usd_m']:>+8.1f} "
                  f"{w['terms_of_trade_usd_m']:>+8.1f} {w['tariff_revenue_usd_m']:>+8.1f}\n")
    out.write("\nWelfare of the outcome (the agreement if formed, else the side deals in force) in the\n"
              "sectors in play, from 2013 trade and tariffs (a chapter's by its tariff equivalent):\n"
              "US$ m = exports + erosion + effic (efficiency) + ToT (terms of trade); revenue (the change\n"
              "in tariff revenue) is a transfer inside effic + ToT, shown, not added. See\n"
              "docs/explanation/welfare.md.\n")
    return out.getvalue()


def round_rows(model: TPPModel) -> list[dict[str, Any]]:
    """One row per round and country: the plurilateral check and each country's position, with the
    welfare (% of 2013 GDP) the package as it stood that round would give if in force."""
    from tppgame.game.outcome import welfare_of

    rows = []
    for check in model.records:
        package = welfare_of(model, check.access).percent_gdp if check.access is not None else None
        for k, code in enumerate(model.countries):
            rows.append({
                "round": check.round,
                "date": model.config.round_date(max(check.round, 1)).isoformat() if check.round else
                model.config.start.isoformat(),
                "country": code,
                "member": code in check.members,
                "accepts": code in check.accepting,
                "utility": round(check.utility[code], 6),
                "outside_option": round(check.outside_option[code], 6),
                "formed": check.formed,
                "gdp_share": round(check.gdp_share, 6),
                "in_force": check.in_force,
                "open_talks": len(check.open_pairs),
                "package_welfare_pct_gdp": round(float(package[k]), 6) if package is not None else "",
            })
    return rows


def _umask() -> int:
    """The process's umask (read by setting it and setting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _temporary_copy(path: Path, text: str | bytes) -> Path:
    """``text`` (or bytes) in a temporary file beside ``path`` (removed again if it cannot be written
    whole), with the mode an ordinary file gets (0o666 less the umask; mkstemp's own file is readable
    by its owner only)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        binary = isinstance(text, bytes)
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")) as handle:
            handle.write(text)
        os.chmod(tmp, 0o666 & ~_umask())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """Ctrl-C and a hang-up wait until the block is done (the main thread only; elsewhere nothing changes)."""
    names = [name for name in ("SIGINT", "SIGHUP") if hasattr(signal, name)]
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    before = {}
    for name in names:
        number = getattr(signal, name)
        handler = signal.getsignal(number)
        if handler is not None:       # a handler set outside Python is left alone
            before[number] = signal.signal(number, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)
        for number in caught:
            signal.raise_signal(number)


def write_files(files: dict[Path, str] | dict[Path, bytes] | dict[Path, str | bytes]) -> None:
    """Write several files (text, or bytes such as a PDF's) all or none: each to a temporary file
    first, then all renamed into place.

    When one cannot be written (a full disk, say) or the writing is interrupted, the temporary
    files are removed and the files already there (a previous complete set) are left as they were.
    A pipe, socket or device in a file's place is refused before anything is written (the rename
    would replace it with a regular file).
    """
    for path in files:
        if path.exists() and not path.is_file() and not path.is_dir():
            raise OSError(errno.EEXIST, f"{path.name} is a pipe, socket or device, not a regular file")
    temporaries: list[Path] = []
    try:
        for path, text in files.items():
            temporaries.append(_temporary_copy(path, text))
    except BaseException:
        for tmp in temporaries:
            tmp.unlink(missing_ok=True)
        raise
    with _interrupts_held():
        _rename_all(list(zip(temporaries, files)))


def _rename_all(moves: list[tuple[Path, Path]]) -> None:
    """Rename each temporary file onto its path; if one rename fails, put back the files replaced
    before it (kept as hard links while renaming) and remove the temporary files."""
    backups: dict[Path, Path | None] = {}     # the paths replaced so far, with their old file's link
    backup: Path | None = None
    try:
        for tmp, path in moves:
            backup = None
            if path.exists():
                backup = tmp.with_name(tmp.name + ".old")
                try:
                    os.link(path, backup)
                except OSError:
                    backup = None            # no hard links here: the old file cannot be put back
            os.replace(tmp, path)            # a folder in the file's place: refused, nothing of it touched
            backups[path], backup = backup, None
    except BaseException:
        for path, old in backups.items():
            if old is not None:
                os.replace(old, path)
            else:
                path.unlink(missing_ok=True)
        for tmp, _ in moves:
            tmp.unlink(missing_ok=True)
        if backup is not None:               # the link to the file the failed rename would have replaced
            backup.unlink(missing_ok=True)
        raise
    finally:
        for backup in backups.values():
            if backup is not None:
                backup.unlink(missing_ok=True)


def _atomic_write(path: Path, text: str) -> None:
    """Write a file whole or not at all (never a half-written result)."""
    write_files({path: text})


def csv_text(rows: list[dict[str, Any]]) -> str:
    """Rows of dicts as the text of a CSV file."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    """Rows of dicts as a CSV file, written whole or not at all."""
    _atomic_write(path, csv_text(rows))


def _finite(value: Any) -> Any:
    """The summary as strict JSON holds it: a number that is not finite (none should be) becomes null."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def output_files(model: TPPModel, out_dir: Path) -> dict[Path, str]:
    """rounds.csv, events.jsonl and summary.json of a game, path -> text (nothing written yet)."""
    return {out_dir / "rounds.csv": csv_text(round_rows(model)),
            out_dir / "events.jsonl": model.log.to_jsonl(),
            out_dir / "summary.json": json.dumps(_finite(model.summary()), indent=2, allow_nan=False) + "\n"}


def write_outputs(model: TPPModel, out_dir: Path) -> list[Path]:
    """Write rounds.csv, events.jsonl and summary.json, all three or none (:func:`write_files`);
    return their paths."""
    files = output_files(model, out_dir)
    write_files(files)
    return list(files)
