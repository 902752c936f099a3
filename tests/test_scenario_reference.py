"""The scenario schema written out: its JSON Schema and the settings reference page are current,
every setting has a description (and every description a setting), the baseline and every bundled
scenario pass the JSON Schema, and bad values fail it as they fail the loader."""

from __future__ import annotations

import copy
import json
import tomllib
from pathlib import Path

import jsonschema
import pytest

from tppgame.game.calibration import load_calibration
from tppgame.game.json_schema import annotated_schema, as_json, dumps, json_schema, leaves, settings_page
from tppgame.game.scenario_descriptions import descriptions

REPO = Path(__file__).resolve().parent.parent
SCHEMA_FILE = REPO / "scenarios" / "scenario.schema.json"
PAGE = REPO / "docs" / "reference" / "scenario-settings.md"
SCENARIOS = sorted((REPO / "scenarios").glob("*.toml"))
REGENERATE = "python -m tppgame.game.json_schema --json-schema scenarios/scenario.schema.json " \
             "--settings-page docs/reference/scenario-settings.md"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def read(path: Path) -> dict:
    return as_json(tomllib.loads(path.read_text(encoding="utf-8")))


def test_every_setting_has_a_description_and_every_description_a_setting():
    cal = load_calibration()
    settings = set(leaves(annotated_schema(cal), cal))
    words = descriptions()
    assert sorted(settings - set(words)) == [], "settings without a description"
    assert sorted(set(words) - settings) == [], "descriptions of no setting"
    assert all(meaning.strip() for meaning, _unit in words.values())


def test_the_committed_schema_and_page_are_current():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == dumps(json_schema()) + "\n", f"run {REGENERATE}"
    assert PAGE.read_text(encoding="utf-8") == settings_page(), f"run {REGENERATE}"



def test_the_schema_file_is_self_contained():
    refs = [line for line in SCHEMA_FILE.read_text(encoding="utf-8").splitlines() if '"$ref"' in line]
    assert refs and all('"#/$defs/' in line for line in refs), "every $ref points inside the file"


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_bundled_scenarios_validate(path, validator):
    errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(read(path))]
    assert errors == []


def test_the_calibration_settings_validate(validator):
    assert list(validator.iter_errors(as_json(load_calibration().settings))) == []


BAD = [
    ("countries.JPN.patience", -0.5),                 # below the range
    ("countries.JPN.patience", 0),                    # the range is open at 0
    ("countries.JPN.sensitivity.rice", 20),           # above 10
    ("countries.JPN.sensitivity.rce", 1.0),           # no such sector
    ("bargaining.protocol", "shouting"),              # not a protocol
    ("rounds", 2.5),                                  # not a whole number
    ("agreement.members", ["USA", "USA"]),            # a country twice
    ("agreement.conclude_without_holdouts", 1),       # not true or false
    ("calendar.start", "July 2013"),                  # not a date
    ("bargaining.colour", "blue"),                    # unknown key
]


@pytest.mark.parametrize(("dotted", "value"), BAD, ids=[f"{d}={v!r}" for d, v in BAD])
def test_a_bad_value_fails(dotted, value, validator):
    scenario = read(REPO / "scenarios" / "baseline.toml")
    node = scenario
    *parents, last = dotted.split(".")
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value
    assert not validator.is_valid(scenario)


def bad_entries() -> list[tuple[str, dict]]:
    return [
        ("events", {"kind": "summit", "date": "2014-04-24"}),                               # a summit needs pairs
        ("events", {"kind": "join", "round": 3, "date": "2014-04-24", "country": "KOR"}),   # round and date; no KOR
        ("events", {"kind": "eclipse", "round": 3}),                                        # unknown kind
        ("events", {"kind": "join", "round": 3, "country": "CAN", "pairs": [["USA", "JPN"]]}),  # pairs on a join
        ("side_deals", {"parties": ["AUS", "JPN"], "kind": "standalone", "terms": {"JPN": {"beef": 0.5}}}),
        ("headlines", {"claim": "x", "kind": "holdout"}),                                   # needs a country
    ]


@pytest.mark.parametrize(("table", "entry"), bad_entries(), ids=lambda v: v if isinstance(v, str) else "")
def test_a_bad_entry_fails(table, entry, validator):
    scenario = read(REPO / "scenarios" / "baseline.toml")
    scenario[table] = [*copy.deepcopy(scenario.get(table, [])), entry]
    assert not validator.is_valid(scenario)


def test_the_command_writes_the_schema(tmp_path):
    from tppgame.game.json_schema import main

    assert main(["--json-schema", str(tmp_path / "s.json")]) == 0
    assert json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))["$schema"].endswith("2020-12/schema")
