"""Scheduled events: the registry of kinds, what each kind says in the story, and a new kind
added as one class.

Scenarios are written next to a copy of the bundled baseline in a temporary folder and
extend it, as in tests/test_scenario.py.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tppgame import TPPModel
from tppgame.game.events import KINDS, Event, narration
from tppgame.game.fields import Check, text
from tppgame.game.json_schema import json_schema, settings_page
from tppgame.game.scenario_descriptions import descriptions
from tppgame.report import narrate
from tppgame.game.scenario import BUNDLED_SCENARIOS, ScenarioError, load_scenario

NAMES = {"USA": "United States", "JPN": "Japan", "CAN": "Canada"}


def scenario_file(folder: Path, name: str, events: str) -> Path:
    """``name``.toml extending a copy of the baseline in ``folder``, with the given [[events]]."""
    shutil.copy(BUNDLED_SCENARIOS / "baseline.toml", folder / "baseline.toml")
    path = folder / f"{name}.toml"
    path.write_text('extends = "baseline"\n' + events, encoding="utf-8")
    return path


# ------------------------------------------------------------------ the registry
def test_the_registry_lists_exactly_the_five_kinds():
    """deadline and summit (after the talks), join, withdraw and shock (before them)."""
    assert list(KINDS) == ["deadline", "summit", "join", "withdraw", "shock"]
    assert [kind for kind, event in KINDS.items() if event.at_start] == ["join", "withdraw", "shock"]


def test_an_unknown_kind_is_a_one_line_error_naming_file_path_and_known_kinds(tmp_path):
    """The second [[events]] entry of moon.toml has kind "moon landing": the message points at
    events[1].kind and lists the five kinds a scenario can use."""
    path = scenario_file(tmp_path, "moon", '[[events]]\nkind = "deadline"\nround = 3\n'
                                           '[[events]]\nkind = "moon landing"\nround = 4\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert "\n" not in message
    assert "moon.toml" in message
    assert message.endswith(": events[1].kind: expected one of deadline, summit, join, withdraw, shock, "
                            "got 'moon landing'")


def test_each_kind_builds_its_own_event_from_the_baseline():
    """The baseline's TPA event is a shock holding its settings (the US bar and the negotiator's
    authority); Obama's visit a summit of USA and JPN."""
    by_label = {e.label: e for e in load_scenario("baseline").events}
    tpa = by_label["Congress passes trade promotion authority"]
    assert (tpa.kind, tpa.round, tpa.changes) == ("shock", 24, (("countries.USA.ratification_threshold", 0.10),
                                                                ("countries.USA.authority", True)))
    visit = by_label["Obama's state visit to Tokyo"]
    assert (visit.kind, visit.round, visit.pairs) == ("summit", 10, (("USA", "JPN"),))


# ----------------------------------------------------------------- the story
NARRATIONS = {
    "deadline missed": ({"round": 25, "kind": "deadline", "label": "Maui ministerial", "event": "deadline",
                         "met": False, "pairs": []},
                        "Deadline missed: Maui ministerial."),
    "summit met": ({"round": 10, "kind": "deadline", "label": "Obama's state visit to Tokyo", "event": "summit",
                    "met": True, "pairs": [["JPN", "USA"]]},
                   "Summit met: Obama's state visit to Tokyo."),
    "join": ({"round": 3, "kind": "join", "country": "JPN", "label": "Japan joins"},
             "Event: Japan joins the talks (Japan joins)."),
    "withdraw": ({"round": 43, "kind": "withdraw", "country": "USA", "label": "US withdrawal"},
                 "Event: United States withdraws (US withdrawal)."),
    "shock": ({"round": 24, "kind": "shock", "label": "Congress passes trade promotion authority",
               "changes": {"countries.USA.ratification_threshold": 0.1}},
              "Event: Congress passes trade promotion authority (countries.USA.ratification_threshold = 0.1)."),
    "skipped": ({"round": 2, "kind": "event_skipped", "event": "withdraw", "label": "maybe", "probability": 0.25},
                "Did not happen this time: maybe (chance 25%)."),
}


@pytest.mark.parametrize("entry, sentence", NARRATIONS.values(), ids=NARRATIONS.keys())
def test_each_kind_narrates_its_log_entry(entry, sentence):
    assert narration(entry, NAMES) == sentence


def test_entries_no_event_wrote_are_not_narrated_here():
    """An offer belongs to the talks, not to a scheduled event."""
    assert narration({"round": 1, "kind": "offer", "talk": "USA-JPN"}, NAMES) is None


# ------------------------------------------------------- a new kind in one class
@pytest.fixture
def summit_cancelled() -> Iterator[type[Event]]:
    """A new kind, "summit_cancelled", written as a newcomer would: defining the class registers
    it; it leaves the registry again after the test."""

    @dataclass(frozen=True, kw_only=True)
    class SummitCancelled(Event):
        """A planned summit is called off before the round's talks: only the story changes."""

        kind = "summit_cancelled"
        at_start = True
        needs = {"summit": "the label of the summit called off"}
        meanings = {"summit": ("the label of the summit called off", "")}
        summit: str

        @classmethod
        def schema(cls, countries: tuple[str, ...]) -> dict[str, Check]:
            return {"summit": text}

        def happen(self, model: TPPModel) -> None:
            model.log.add(model.round_now(), "summit_cancelled", label=self.label, summit=self.summit)

        @classmethod
        def narrate(cls, entry: Mapping[str, Any], names: Mapping[str, str]) -> str:
            return f"Called off: {entry['summit']} ({entry['label']})."

    try:
        yield SummitCancelled
    finally:
        del KINDS["summit_cancelled"]


CANCELLED = ('[[events]]\nkind = "summit_cancelled"\nround = 5\nlabel = "Tokyo visit postponed"\n'
             'summit = "Obama\'s state visit to Tokyo"\n')


def test_a_new_kind_is_parsed_and_fires_at_the_start_of_its_round(tmp_path, summit_cancelled):
    """One class is all a new kind needs: the scenario names it, and in round 5 (November 2013) it
    is the first thing that happens, before the round's talks, and the story tells of it."""
    path = scenario_file(tmp_path, "cancelled", CANCELLED)
    event = [e for e in load_scenario(path).events if e.kind == "summit_cancelled"]
    assert event == [summit_cancelled(round=5, label="Tokyo visit postponed", summit="Obama's state visit to Tokyo")]
    model = TPPModel(path, rng=0)
    for _ in range(5):
        model.step()
    assert model.log.of_kind("summit_cancelled") == [
        {"round": 5, "kind": "summit_cancelled", "label": "Tokyo visit postponed",
         "summit": "Obama's state visit to Tokyo"}]
    assert model.log.in_round(5)[0]["kind"] == "summit_cancelled"
    assert "  Called off: Obama's state visit to Tokyo (Tokyo visit postponed)." in list(narrate(model))


def test_a_new_kind_checks_its_own_keys(tmp_path, summit_cancelled):
    """Without the summit it cancels, the entry is refused, naming the key and what was expected."""
    path = scenario_file(tmp_path, "vague", '[[events]]\nkind = "summit_cancelled"\nround = 5\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value).endswith(": events[0].summit: expected the label of the summit called off")


def test_a_new_kind_describes_its_keys_in_the_settings_reference_and_the_json_schema(summit_cancelled):
    """The settings page and the JSON Schema are written from the registry: the new kind's key gets
    the words its class gives it, prefixed with the kind, and the kinds' list names it. Nothing
    else is edited (its key had no description in scenario_descriptions.py, and writing the page
    stopped with a KeyError)."""
    page = settings_page().splitlines()
    assert "| `events[].summit` | `summit_cancelled`: the label of the summit called off | — | text | — |" in page
    kinds = next(line for line in page if line.startswith("| `events[].kind` |"))
    assert "`shock`, `summit_cancelled` |" in kinds
    entry = json_schema()["properties"]["events"]["items"]
    assert entry["properties"]["summit"]["description"] == "`summit_cancelled`: the label of the summit called off"
    assert "summit_cancelled" in entry["properties"]["kind"]["enum"]


def test_kinds_that_share_a_key_share_its_description():
    """pairs: deadline's words, which summit inherits; country: join's and withdraw's."""
    assert descriptions()["events[].pairs"] == ("`deadline`, `summit`: the pairs it applies to (a summit's pairs "
                                                "meet)", "pairs of country codes")
    assert descriptions()["events[].country"] == ("`join`, `withdraw`: the country that joins or leaves",
                                                  "country code")


def test_a_kind_must_say_what_its_keys_mean():
    """A key without words would leave the settings reference without a row: refused when the class is defined."""
    with pytest.raises(TypeError, match=r"event kind 'silent' must say what its keys mean .*: pair, by"):
        @dataclass(frozen=True, kw_only=True)
        class Silent(Event):
            kind = "silent"
            at_start = True
            meanings = {"country": ("the country", "country code")}

            @classmethod
            def schema(cls, countries: tuple[str, ...]) -> dict[str, Check]:
                return {"pair": text, "by": text, "country": text}

    assert "silent" not in KINDS


def test_a_kind_must_have_a_new_name_and_a_time():
    """A second "join", or a kind that does not say whether it fires before or after the talks, is refused."""
    with pytest.raises(TypeError, match="already registered"):
        @dataclass(frozen=True, kw_only=True)
        class AnotherJoin(Event):
            kind = "join"
            at_start = True

    with pytest.raises(TypeError, match="at_start"):
        @dataclass(frozen=True, kw_only=True)
        class Whenever(Event):
            kind = "whenever"

    assert list(KINDS) == ["deadline", "summit", "join", "withdraw", "shock"]
