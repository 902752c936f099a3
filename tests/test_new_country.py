"""A thirteenth country in data alone, step by step as docs/how-to/add-a-country.md says.

A copy of the package in a temporary folder (the game's data files are the package's) gets South
Korea (KOR) one data file at a time; Japan's figures stand in for Korea's, since the steps are
what is tested, not the data. Before each step a game stops with the one line the page shows;
after the last, the baseline in which KOR joins in round 1 plays its first round, KOR a member. Each game runs
in its own process, as ``python -c`` in the folder that holds the copy (no code is edited).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PAGE = REPO / "docs" / "how-to" / "add-a-country.md"
DATA = Path("tppgame") / "game" / "data"
# the tables the page lists, per file: KOR gets Japan's under its own code
TABLES = {
    "calibration.toml": r"countries\.JPN(\.export_interest|\.barrier|\.sensitivity|\.red_line)?",
    "economy.toml": r"(trade\.sector_shares|tariffs|output)\.JPN",
    "rules.toml": r"issues\.\w+\.countries\.JPN",
}
SEOUL = 'KOR = { value = [37.57, 126.98], judgment = "Seoul: latitude and longitude in degrees" }'
JOINS = ('extends = "baseline"\nname = "Korea joins"\n\n[[events]]\nkind = "join"\nround = 1\n'
         'label = "South Korea joins the talks"\ncountry = "KOR"\n')
# the command line's answer (its one error line, or round 1 played and saved), then round 1 from Python:
# the members after it, and the names
PLAY = """import json, sys
from tppgame import TPPModel
from tppgame.cli import main
code = main(["korea_joins", "--quiet", "--stop-at", "1", "--save", "round1.json"])
if code == 0:
    model = TPPModel("korea_joins")
    model.step()
    print(json.dumps({c: [model.config.params["names"][c], bool(member)]
                      for c, member in zip(model.countries, model.members.tolist())}))
sys.exit(code)
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A folder with a copy of the package and of the baseline, and a scenario in which KOR joins in round 1."""
    root = tmp_path_factory.mktemp("thirteen")
    shutil.copytree(REPO / "tppgame", root / "tppgame", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "scenarios").mkdir()
    shutil.copy(REPO / "scenarios" / "baseline.toml", root / "scenarios")
    (root / "scenarios" / "korea_joins.toml").write_text(JOINS, encoding="utf-8")
    return root


def add_korea(folder: Path, name: str) -> None:
    """KOR in one data file of the copy: each table of Japan's that the page lists, copied under KOR
    right after Japan's (and, in the economy, a capital)."""
    path = folder / DATA / name
    lines = path.read_text(encoding="utf-8").split("\n")
    out: list[str] = []
    k = 0
    while k < len(lines):
        end = k + 1
        if re.fullmatch(rf"\[{TABLES[name]}\]", lines[k]):
            while end < len(lines) and not lines[end].startswith("["):
                end += 1
            body = lines[k:end]
            out += body + [re.sub(r"\bJPN\b", "KOR", body[0])]
            out += [line.replace('name = "Japan"', 'name = "South Korea"') for line in body[1:]]
        else:
            out.append(lines[k])
            if lines[k].startswith("JPN = { value = [35.68"):     # Tokyo, in [trade.capitals]
                out.append(SEOUL)
        k = end
    path.write_text("\n".join(out), encoding="utf-8")


def play(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", PLAY], cwd=folder, capture_output=True, text=True, timeout=600)


def test_korea_in_data_alone_step_by_step(folder):
    """Each error the steps meet is one line the page shows, word for word; then KOR plays."""
    page = PAGE.read_text(encoding="utf-8")
    met = []
    for step in ("calibration.toml", "economy.toml", "rules.toml", None):
        game = play(folder)
        if step is None:
            assert game.returncode == 0, game.stderr
            break
        assert game.returncode == 2 and len(game.stderr.splitlines()) == 1, game.stderr
        met.append(game.stderr.strip())
        add_korea(folder, step)
    assert met[0] == ("error: scenarios/korea_joins.toml: events[0].country: expected one of USA, JPN, CAN, MEX, "
                      "AUS, NZL, CHL, PER, SGP, MYS, VNM, BRN, got 'KOR'")
    assert met[1].startswith("error: tppgame/game/data/economy.toml: ") and ".KOR" in met[1]
    assert met[2] == ("error: tppgame/game/data/rules.toml: issues.biologics.countries.KOR: expected a table of "
                      "positions for every country")
    assert [line for line in met[1:] if line not in page] == []
    members = json.loads(game.stdout.splitlines()[-1])
    assert members["KOR"] == ["South Korea", True] and members["JPN"] == ["Japan", True] and len(members) == 13


def test_a_scenario_cannot_add_a_country(tmp_path, one_error_line):
    """The countries are the calibration's: a scenario's [countries.KOR] is the page's first line."""
    shutil.copy(REPO / "scenarios" / "baseline.toml", tmp_path)
    path = tmp_path / "korea.toml"
    path.write_text('extends = "baseline"\n\n[countries.KOR]\nname = "South Korea"\n', encoding="utf-8")
    line = one_error_line([str(path), "--quiet", "--out", str(tmp_path / "out")])
    expected = ("countries.KOR: expected a known key (USA, JPN, CAN, MEX, AUS, NZL, CHL, PER, SGP, MYS, VNM, BRN), "
                "got 'KOR'")
    assert line == f"error: {path}: {expected}"
    assert f"error: scenarios/korea.toml: {expected}" in PAGE.read_text(encoding="utf-8")
