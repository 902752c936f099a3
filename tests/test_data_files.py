"""Reading the project's TOML files and checking their sourced figures (tppgame.game.data_files).

Each check by hand: a good figure's value and recorded origin, every kind of bad figure with its
exact one-line message, the tables by sector and by country, and the file itself (a syntax error,
bytes that are not UTF-8, a missing file, a folder) named as :func:`display_path` shows it.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from tppgame.game.data_files import (
    display_path,
    figure,
    per_country,
    per_sector,
    read_sourced,
    read_toml,
    required_text,
    sub_table,
)
from tppgame.game.fields import ScenarioError

SOURCES = {"wto": "WTO, Tariff Profiles 2014"}


def message(call) -> str:
    """The one-line message of the ScenarioError ``call()`` raises."""
    with pytest.raises(ScenarioError) as err:
        call()
    text = str(err.value)
    assert "\n" not in text
    return text


# ------------------------------------------------------------------ one figure
def test_a_sourced_figure_gives_its_value_and_records_its_source():
    figures: dict[str, str] = {}
    assert figure({"value": 7.78, "source": "wto", "note": "rice"}, "f.toml", "tariffs.JPN.rice", SOURCES, 0, 10,
                  figures) == 7.78
    assert figures == {"tariffs.JPN.rice": "wto"}


def test_a_judgment_or_a_method_is_recorded_with_its_text_and_a_list_is_checked_element_by_element():
    figures: dict[str, str] = {}
    assert figure({"value": [1, 5, 10], "judgment": "staging as signed"}, "f.toml", "years", SOURCES, 0, 100,
                  figures) == [1, 5, 10]
    assert figure({"value": 0, "method": "gravity"}, "f.toml", "flow", SOURCES, 0, 1, figures) == 0
    assert figures == {"years": "judgment: staging as signed", "flow": "method: gravity"}


def test_a_figure_at_either_end_of_its_range_is_accepted():
    figures: dict[str, str] = {}
    assert figure({"value": 0.0, "source": "wto"}, "f.toml", "a", SOURCES, 0, 1, figures) == 0.0
    assert figure({"value": 1, "source": "wto"}, "f.toml", "b", SOURCES, 0, 1, figures) == 1


BAD_FIGURES = [
    (3.0, "f.toml: t.x: expected a table {value = ..., source, judgment or method = ...}, got 3.0"),
    (None, "f.toml: t.x: expected a table {value = ..., source, judgment or method = ...}, got None"),
    ({"value": 1, "source": "wto", "units": "t", "cite": "x"},
     "f.toml: t.x.cite: expected only value, source, judgment, method, note"),
    ({"value": 1}, "f.toml: t.x: expected exactly one of source, judgment or method"),
    ({"value": 1, "source": "wto", "judgment": "mine"}, "f.toml: t.x: expected exactly one of source, judgment or method"),
    ({"value": 1, "judgment": "  "}, "f.toml: t.x.judgment: expected a non-empty text, got '  '"),
    ({"value": 1, "method": 4}, "f.toml: t.x.method: expected a non-empty text, got 4"),
    ({"value": 1, "source": "nowhere"},
     "f.toml: t.x.source: expected an id defined in [sources] (here or in calibration.toml), got 'nowhere'"),
    ({"source": "wto"}, "f.toml: t.x.value: expected a value"),
    ({"value": 11, "source": "wto"}, "f.toml: t.x.value: expected a number from 0 to 10, got 11"),
    ({"value": -0.5, "source": "wto"}, "f.toml: t.x.value: expected a number from 0 to 10, got -0.5"),
    ({"value": True, "source": "wto"}, "f.toml: t.x.value: expected a number from 0 to 10, got True"),
    ({"value": "3", "source": "wto"}, "f.toml: t.x.value: expected a number from 0 to 10, got '3'"),
    ({"value": float("nan"), "source": "wto"}, "f.toml: t.x.value: expected a number from 0 to 10, got nan"),
    ({"value": [1, 20, 30], "source": "wto"}, "f.toml: t.x.value: expected a number from 0 to 10, got 20"),
    ({"value": {"a": 1}, "source": "wto"}, "f.toml: t.x.value: expected a number from 0 to 10, got a table"),
]


@pytest.mark.parametrize("value, expected", BAD_FIGURES)
def test_a_bad_figure_stops_with_one_line_naming_the_file_the_setting_and_what_was_expected(value, expected):
    assert message(lambda: figure(value, "f.toml", "t.x", SOURCES, 0, 10, {})) == expected


def test_a_range_is_shown_as_the_data_writes_it():
    assert message(lambda: figure({"value": 0, "source": "wto"}, "f.toml", "e", SOURCES, 1e-6, 20, {})) == (
        "f.toml: e.value: expected a number from 1e-06 to 20, got 0")


# ------------------------------------------------------------------ tables and texts
def test_a_required_table_and_a_missing_one():
    assert sub_table({"trade": {"flows": {}}}, "trade", "f.toml") == {"flows": {}}
    assert message(lambda: sub_table({}, "trade", "f.toml")) == "f.toml: trade: expected a table, got None"
    assert message(lambda: sub_table({"trade": [1]}, "trade", "f.toml")) == "f.toml: trade: expected a table, got a list"


def test_a_required_text():
    assert required_text({"kind": "origin"}, "kind", "f.toml", "issues.autos") == "origin"
    assert message(lambda: required_text({"kind": ""}, "kind", "f.toml", "issues.autos")) == (
        "f.toml: issues.autos.kind: expected a non-empty text, got ''")
    assert message(lambda: required_text({}, "label", "f.toml", "issues.autos")) == (
        "f.toml: issues.autos.label: expected a non-empty text, got None")


SECTORS = ("rice", "wheat", "beef")


def test_a_table_by_sector_is_an_array_in_the_sectors_order():
    figures: dict[str, str] = {}
    table = {"beef": {"value": 0.385, "source": "wto"}, "rice": {"value": 7.78, "judgment": "specific duty"},
             "wheat": {"value": 0.0, "method": "none"}}
    out = per_sector(table, "tariffs.JPN", "f.toml", SECTORS, SOURCES, 0, 10, figures)
    assert out.tolist() == [7.78, 0.0, 0.385]
    assert figures == {"tariffs.JPN.rice": "judgment: specific duty", "tariffs.JPN.wheat": "method: none",
                       "tariffs.JPN.beef": "wto"}


def test_an_incomplete_table_by_sector_fills_the_default_where_allowed():
    out = per_sector({"wheat": {"value": 0.5, "source": "wto"}}, "coverage.JPN", "f.toml", SECTORS, SOURCES, 0, 1, {},
                     complete=False, default=0.25)
    assert np.array_equal(out, [0.25, 0.5, 0.25])


def test_a_bad_table_by_sector():
    full = {s: {"value": 1.0, "source": "wto"} for s in SECTORS}
    assert message(lambda: per_sector({**full, "steel": full["rice"]}, "t.JPN", "f.toml", SECTORS, SOURCES, 0, 10,
                                      {})) == "f.toml: t.JPN.steel: expected a sector (rice, wheat, beef)"
    assert message(lambda: per_sector({"rice": full["rice"]}, "t.JPN", "f.toml", SECTORS, SOURCES, 0, 10, {})) == (
        "f.toml: t.JPN.wheat: expected a figure for every sector")
    assert message(lambda: per_sector({"rice": {"value": 11, "source": "wto"}}, "t.JPN", "f.toml", SECTORS, SOURCES,
                                      0, 10, {}, complete=False)) == (
        "f.toml: t.JPN.rice.value: expected a number from 0 to 10, got 11")


def test_a_table_by_country_takes_country_tables_and_texts_beside_them():
    per_country({"method": "shares of each exporter's total", "USA": {}, "JPN": {}}, "trade.sector_shares", "f.toml",
                ("USA", "JPN"))
    assert message(lambda: per_country({"USA": {}, "XYZ": {}}, "tariffs", "f.toml", ("USA", "JPN"))) == (
        "f.toml: tariffs.XYZ: expected a country code (USA, JPN)")


# ------------------------------------------------------------------ the file
@pytest.fixture
def here(tmp_path: Path, monkeypatch) -> Path:
    """A working folder, so files in it are named relative to it."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_file_is_named_relative_to_the_working_folder_else_as_given(here, tmp_path_factory):
    (here / "data").mkdir()
    assert display_path(here / "data" / "f.toml") == os.path.join("data", "f.toml")
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "f.toml"
    assert display_path(elsewhere) == str(elsewhere)
    os.symlink("user@host.42:1700000000", here / ".#f.toml")      # an editor's lock file: a dangling link
    assert display_path(here / ".#f.toml") == str(here / ".#f.toml")


def test_a_toml_file_is_read_and_each_read_is_a_fresh_copy(here):
    (here / "f.toml").write_text('[tariffs.JPN]\nrice = { value = 7.78, source = "wto" }\n')
    first = read_toml(Path("f.toml"))
    assert first == {"tariffs": {"JPN": {"rice": {"value": 7.78, "source": "wto"}}}}
    first["tariffs"].clear()
    assert read_toml(Path("f.toml"))["tariffs"]["JPN"]["rice"]["value"] == 7.78
    (here / "f.toml").write_text("[tariffs]\n")
    os.utime(here / "f.toml", ns=(1, 1))                           # a changed file is read again
    assert read_toml(Path("f.toml")) == {"tariffs": {}}


BAD_FILES = [
    ("a = \n", "f.toml: (file): expected valid TOML (Invalid value (at line 1, column 5))"),
    ("a = 1\na = 2\n", "f.toml: (file): expected valid TOML (Cannot overwrite a value (at line 2, column 6))"),
    (b"a = '\xff'\n", "f.toml: (file): expected a UTF-8 text file"),
]


@pytest.mark.parametrize("content, expected", BAD_FILES)
def test_a_file_that_is_not_toml_stops_with_one_line_naming_it(here, content, expected):
    path = here / "f.toml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    assert message(lambda: read_toml(Path("f.toml"))) == expected


def test_a_missing_file_and_a_folder(here):
    assert message(lambda: read_toml(Path("none.toml"))) == "none.toml: (file): expected an existing scenario file"
    (here / "folder.toml").mkdir()
    assert message(lambda: read_toml(Path("folder.toml"))) == "folder.toml: (file): expected a TOML file, not a folder"


def test_a_data_files_own_sources(here):
    (here / "f.toml").write_text('[sources]\nwto = "WTO, Tariff Profiles 2014"\n\n[discount]\nrate = 1\n')
    assert read_sourced(Path("f.toml")) == ("f.toml", {"sources": SOURCES, "discount": {"rate": 1}}, SOURCES)
    (here / "g.toml").write_text("[discount]\nrate = 1\n")
    assert read_sourced(Path("g.toml"))[2] == {}
    (here / "h.toml").write_text("[sources]\nwto = 2014\n")
    assert message(lambda: read_sourced(Path("h.toml"))) == (
        "h.toml: sources: expected a table of id = citation strings, got a table")
