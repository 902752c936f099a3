"""A page comparing several games of one class: the rooms (groups) that played the same scenario.

Each game is read from its final record and its event log, either from a finished model
(:meth:`GameRecord.of_model`, what a class server holds) or from the ``summary.json`` and
``events.jsonl`` that ``run.py`` and ``run.py debrief`` write (:meth:`GameRecord.of_folder`). The
comparison has one row per game (formed?, when, members, who gained most and least over its
outside option, deals closed) and one table of each country's gain game by game, as an HTML page
and a CSV file.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tppgame.classroom.documents import Document, Heading, Paragraph, table, to_html

if TYPE_CHECKING:
    from tppgame.model import TPPModel


# the room's name a debrief was written for (``run.py debrief --room``): {"room": "Room A"} or {"room": null}
ROOM_FILE = "room.json"


class GameFolderError(ValueError):
    """A folder that holds no readable game (no summary.json or events.jsonl, or bad JSON)."""


@dataclass(frozen=True)
class GameRecord:
    """One finished game: its label (the room's name, or the folder's), final record and closed deals."""

    label: str
    summary: dict[str, Any]
    deals: list[dict[str, Any]]        # the event log's "deal" entries that stand, in order (standing_deals)

    @classmethod
    def of_model(cls, label: str, model: TPPModel) -> GameRecord:
        """A finished model's record (as its files would hold it)."""
        events = [json.loads(line) for line in model.log.to_jsonl().splitlines()]
        return cls(label, json.loads(json.dumps(model.summary())), standing_deals(events))

    @classmethod
    def of_folder(cls, folder: Path, label: str | None = None) -> GameRecord:
        """The game in a folder ``run.py`` (or ``run.py debrief``) wrote: summary.json and events.jsonl."""
        if not folder.is_dir():
            raise GameFolderError(f"{folder}: expected a folder of a game's results (summary.json, events.jsonl)")
        files = {name: folder / name for name in ("summary.json", "events.jsonl")}
        for name, path in files.items():
            if not path.is_file():
                raise GameFolderError(f"{folder}: expected {name} in it (the folder run.py --out writes)")
        try:
            summary = json.loads(files["summary.json"].read_text(encoding="utf-8"))
            events = [json.loads(line) for line in files["events.jsonl"].read_text(encoding="utf-8").splitlines()
                      if line.strip()]
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as err:   # (or nested too deep)
            raise GameFolderError(f"{folder}: summary.json or events.jsonl is not valid JSON ({err})"[:300]) from None
        needed = ("scenario", "formed", "members", "countries")
        if not isinstance(summary, dict) or any(key not in summary for key in needed):
            raise GameFolderError(f"{files['summary.json']}: expected a game's summary with {', '.join(needed)}")
        _check_summary(summary, files["summary.json"])
        entries = [e for e in events if isinstance(e, dict) and e.get("kind") in ("deal", "reopened")]
        if not all(isinstance(e.get("talk"), str) and isinstance(e.get("round"), int) for e in entries):
            raise GameFolderError(f"{files['events.jsonl']}: expected each deal and reopening with its talk and round")
        return cls(label or room_name(folder) or folder.name, summary, standing_deals(entries))

    def gains(self) -> dict[str, float]:
        """Each country's utility over its outside option at the end."""
        return {c: v["utility"] - v["outside_option"] for c, v in self.summary["countries"].items()}

    def row(self) -> dict[str, Any]:
        """The game's row of the comparison (comparison.csv)."""
        s = self.summary
        members = [c for c, v in s["countries"].items() if v.get("signatory" if s["formed"] else "member")]
        gains = {c: g for c, g in self.gains().items() if c in members}
        # where every gain is the same (no agreement: each member keeps its outside option), nobody
        # gained most or least: naming the first or last by code would tell a class otherwise
        differ = len(set(gains.values())) > 1
        most = max(gains, key=lambda c: (gains[c], c)) if differ else ""
        least = min(gains, key=lambda c: (gains[c], c)) if differ else ""
        return {
            "game": self.label, "scenario": s["scenario"], "seed": s.get("seed"), "formed": s["formed"],
            # False for a game stopped or still playing (a room compared as it stands): "not yet", not "no"
            "finished": s.get("finished", True),
            "round": s.get("round") if s["formed"] else None, "date": s.get("date") if s["formed"] else None,
            "members": " ".join(members), "gdp_share": s.get("gdp_share"), "in_force": s.get("in_force"),
            "holdouts": " ".join(s.get("holdouts", [])),
            "gained_most": most, "gained_most_gain": round(gains[most], 6) if most else None,
            "gained_least": least, "gained_least_gain": round(gains[least], 6) if least else None,
            "deals_closed": len(self.deals),
            "side_deals": "; ".join(d["label"] for d in s.get("side_deals", [])),
        }


def standing_deals(events: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The event log's deals that stand, in order: a deal closed without the authority to commit and
    reopened when it came (a "reopened" entry naming its talk) no longer counts, as in the game's own
    count (``model.deals``, rounds.csv's deals_closed) and the debrief's."""
    deals: list[dict[str, Any]] = []
    for entry in events:
        if entry.get("kind") == "deal":
            deals.append(entry)
        elif entry.get("kind") == "reopened":
            deals = [d for d in deals if d["talk"] != entry["talk"]]
    return deals


def room_name(folder: Path) -> str | None:
    """The room's name a debrief folder was written for (its room.json), or None where it has none (a folder
    ``run.py`` wrote, or a debrief without ``--room``)."""
    path = folder / ROOM_FILE
    if not path.is_file():
        return None
    try:
        room = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        room = None                          # not JSON: refused below like JSON of the wrong shape
    if not isinstance(room, dict) or not (room.get("room") is None or isinstance(room.get("room"), str)):
        raise GameFolderError(f"{path}: expected {{\"room\": the room's name or null}}")
    return room.get("room") or None


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# What the comparison reads of a summary.json, key by key: what it must be, and the check
SUMMARY_FIELDS: dict[str, tuple[str, Any]] = {
    "formed": ("true or false", lambda v: isinstance(v, bool)),
    "countries": ("a table of country code = {utility, outside_option: numbers}", lambda v: isinstance(v, dict) and all(
        isinstance(c, dict) and _number(c.get("utility")) and _number(c.get("outside_option")) for c in v.values())),
    "date": ("an ISO date or null", lambda v: v is None or isinstance(v, str)),
    "gdp_share": ("a number or null", lambda v: v is None or _number(v)),
    "holdouts": ("a list of country codes", lambda v: isinstance(v, list) and all(isinstance(c, str) for c in v)),
    "side_deals": ("a list of {label: text}", lambda v: isinstance(v, list) and all(
        isinstance(d, dict) and isinstance(d.get("label"), str) for d in v)),
}


def _check_summary(summary: dict[str, Any], path: Path) -> None:
    """A summary.json the comparison can read (an edited or foreign one is one line naming its key, not a
    traceback from deep in the page)."""
    for key, (expected, ok) in SUMMARY_FIELDS.items():
        if key in summary and not ok(summary[key]):
            raise GameFolderError(f"{path}: {key}: expected {expected}")


def comparison_rows(games: Sequence[GameRecord]) -> list[dict[str, Any]]:
    """comparison.csv: one row per game."""
    return [g.row() for g in games]


def comparison_document(games: Sequence[GameRecord], title: str | None = None) -> Document:
    """The comparison page: one row per game, then each country's gain game by game."""
    scenarios = sorted({g.summary["scenario"] for g in games})
    doc = Document(title or f"Comparing {len(games)} games: {', '.join(scenarios)}")
    formed = sum(g.summary["formed"] for g in games)
    doc.add(Paragraph(f"The agreement formed in {formed} of {len(games)} games. Gain: utility at the end minus the "
                      "outside option (the status quo plus side deals in force), on the game's scale; most and "
                      "least among the signatories (the members, where no agreement formed; none where every gain is the "
                      "same)."))
    rows = []
    for g in games:
        r = g.row()
        when = r["date"][:7] if r["date"] else "-"
        state = "yes" if r["formed"] else "no" if r["finished"] else f"not yet (round {g.summary.get('rounds')})"
        rows.append((g.label, state, when, str(len(r["members"].split())),
                     f"{r['gdp_share']:.1%}" if r["formed"] and r["gdp_share"] is not None else "-",
                     r["holdouts"] or "none",
                     f"{r['gained_most']} {r['gained_most_gain']:+.3f}" if r["gained_most"] else "-",
                     f"{r['gained_least']} {r['gained_least_gain']:+.3f}" if r["gained_least"] else "-",
                     str(r["deals_closed"])))
    doc.add(Heading("Game by game"), table(("game", "formed", "month", "members", "GDP share", "hold-outs",
                                            "gained most", "gained least", "deals closed"), rows))
    codes: list[str] = []
    for g in games:
        codes += [c for c in g.summary["countries"] if c not in codes]
    gain_rows = [(c, *(f"{g.gains()[c]:+.3f}" if c in g.gains() else "-" for g in games)) for c in codes]
    doc.add(Heading("Each country's gain over its outside option"),
            table(("country", *(g.label for g in games)), gain_rows))
    deal_rows = [(g.label, "; ".join(f"{d['talk']} (round {d['round']})" for d in g.deals) or "none") for g in games]
    doc.add(Heading("The deals each game closed"), table(("game", "deals"), deal_rows))
    return doc


def comparison_files(games: Sequence[GameRecord], out_dir: Path, title: str | None = None) -> dict[Path, str]:
    """comparison.html and comparison.csv, path -> text (nothing written yet)."""
    from tppgame.report import csv_text

    return {out_dir / "comparison.html": to_html(comparison_document(games, title)),
            out_dir / "comparison.csv": csv_text(comparison_rows(games))}
