"""Hostile scenario files: editors' lock files beside the scenarios, files that are not files
(folders, pipes, devices, loops of links), files far too big, ``extends`` reaching outside the
scenario's folder, lists nested too deeply for the TOML parser, a byte-order mark, an empty
name, and a label dropped twice. Each gets one line on stderr naming the file, and exit status 2; never a
traceback or a hang.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import tppgame.game.scenario as scenario_module
from tppgame.cli import main
from tppgame.game.scenario import BUNDLED_SCENARIOS, available_scenarios, load_scenario


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A scenarios folder holding a copy of the baseline and the lock and backup files editors leave."""
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    shutil.copy(BUNDLED_SCENARIOS / "baseline.toml", scenarios / "baseline.toml")
    os.symlink("teacher@laptop.4242:1700000000", scenarios / ".#baseline.toml")    # Emacs: a dangling link
    (scenarios / "#baseline.toml#").write_text("half = [")                          # Emacs auto-save
    (scenarios / "baseline.toml~").write_text("rounds = 'ten'")                    # a backup
    (scenarios / ".#tokyo.toml").write_text("not toml at all = = =")               # a lock file as a file
    return scenarios


# ---------------------------------------------------------------- 1. editors' lock files
def test_lock_files_beside_the_scenarios_do_not_stop_a_game(folder, monkeypatch, capsys):
    """A teacher editing the baseline in Emacs: the lock file beside it does not stop the game."""
    monkeypatch.chdir(folder.parent)
    assert main(["baseline", "--quiet", "--out", str(folder.parent / "out")]) == 0
    assert load_scenario(folder / "baseline.toml").name == load_scenario("baseline").name


def test_list_skips_lock_and_backup_files(folder, monkeypatch, capsys):
    monkeypatch.setattr(scenario_module, "BUNDLED_SCENARIOS", folder)
    assert [p.name for p in available_scenarios()] == ["baseline.toml"]
    assert main(["list"]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("baseline")


def test_a_lock_file_is_not_a_scenario_name(folder, monkeypatch, one_error_line):
    monkeypatch.chdir(folder.parent)
    assert one_error_line([".#baseline", "--quiet"]) == (
        "error: .#baseline: (file): expected a scenario name (editors' lock and backup files such as .#x.toml, "
        "#x.toml# and x.toml~ are not scenarios)")


def test_a_scenario_cannot_extend_a_backup_file(folder, one_error_line):
    (folder / "mine.toml").write_text('extends = "baseline.toml~"\n')
    assert one_error_line([str(folder / "mine.toml")]) == (
        f"error: {folder / 'mine.toml'}: extends: expected the name of a scenario file in the same folder "
        "(no folder part), got 'baseline.toml~'")


# ---------------------------------------------------------------- 2. files that are not scenario files
def test_a_folder_named_like_a_scenario(tmp_path, one_error_line):
    (tmp_path / "x.toml").mkdir()
    assert one_error_line([str(tmp_path / "x.toml")]) == (
        f"error: {tmp_path / 'x.toml'}: (file): expected a TOML file, not a folder")


def test_an_unreadable_scenario_file(tmp_path, one_error_line, monkeypatch):
    """A file the user may not read (mode 000 for anyone but root; CI runs as root, so the refusal
    of the operating system is what is simulated here: os.open raising PermissionError)."""
    locked = tmp_path / "locked.toml"
    shutil.copy(BUNDLED_SCENARIOS / "baseline.toml", locked)
    real_open = os.open

    def refusing(path, *args, **kwargs):
        if str(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing)
    assert one_error_line([str(locked)]) == (
        f"error: {locked}: (file): expected a readable scenario file (Permission denied)")


def test_a_loop_of_symbolic_links(tmp_path, one_error_line):
    os.symlink("loop.toml", tmp_path / "loop.toml")
    assert one_error_line([str(tmp_path / "loop.toml")]) == (
        f"error: {tmp_path / 'loop.toml'}: (file): expected a scenario file, not a loop of symbolic links")


def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path, one_error_line):
    os.mkfifo(tmp_path / "pipe.toml")
    assert one_error_line([str(tmp_path / "pipe.toml")]) == (
        f"error: {tmp_path / 'pipe.toml'}: (file): expected a regular TOML file, not a pipe, socket or device")


def test_a_device_is_refused_without_reading_it(one_error_line):
    assert one_error_line(["/dev/zero"]) == (
        "error: /dev/zero: (file): expected a regular TOML file, not a pipe, socket or device")


def test_a_file_far_too_big_for_a_scenario(tmp_path, one_error_line):
    huge = tmp_path / "huge.toml"
    with open(huge, "wb") as handle:
        handle.truncate(50_000_000)          # sparse: 50 MB of nothing, never read
    assert one_error_line([str(huge)]) == (
        f"error: {huge}: (file): expected a scenario file of at most 1 MB (this one has 50000000 bytes)")


# ---------------------------------------------------------------- 3. extends stays in the folder
@pytest.mark.parametrize("parent", ["../baseline", "/etc/passwd", "sub/baseline", ".."])
def test_extends_names_a_file_in_the_same_folder_only(tmp_path, one_error_line, parent):
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "sub").mkdir()
    shutil.copy(BUNDLED_SCENARIOS / "baseline.toml", tmp_path / "baseline.toml")
    shutil.copy(BUNDLED_SCENARIOS / "baseline.toml", inner / "sub" / "baseline.toml")
    (inner / "mine.toml").write_text(f'extends = "{parent}"\n')
    assert one_error_line([str(inner / "mine.toml")]) == (
        f"error: {inner / 'mine.toml'}: extends: expected the name of a scenario file in the same folder "
        f"(no folder part), got '{parent}'")


@pytest.mark.parametrize("setting", ['extends="tokyo_2014"', 'drop_events=["Obama\'s state visit to Tokyo"]',
                                     'drop_side_deals=["x"]'])
def test_file_only_settings_cannot_be_set_on_the_command_line(setting, one_error_line):
    name = setting.split("=")[0]
    assert one_error_line(["--quiet", "--set", setting]) == (
        f"error: --set: {name}: expected a setting of the game (extends, drop_events, drop_side_deals only make "
        "sense in a scenario file)")


# ---------------------------------------------------------------- nesting too deep for the TOML parser
DEEP = "[" * 3000 + "]" * 3000     # valid TOML, but deeper than Python's recursion limit lets tomllib go


@pytest.mark.parametrize("where", ["scenario", "sweep file", "--set", "--vary"])
def test_lists_nested_too_deeply_are_one_line_not_a_recursion_error(where, tmp_path, one_error_line):
    deep = tmp_path / "deep.toml"
    if where == "scenario":
        deep.write_text(f"name = 'deep'\nx = {DEEP}\n")
        argv = ["power", str(deep)]
    elif where == "sweep file":
        deep.write_text(f"scenario = 'baseline'\n[vary]\n'countries.JPN.sensitivity.rice' = {DEEP}\n")
        argv = ["sweep", str(deep), "--out", str(tmp_path / "sweep")]
    elif where == "--set":
        argv = ["power", "--set", f"countries.JPN.sensitivity.rice={DEEP}"]
    else:
        argv = ["sweep", "baseline", "--vary", f"countries.JPN.sensitivity.rice={DEEP}", "--out", str(tmp_path / "s")]
    line = one_error_line(argv)
    if where in ("scenario", "sweep file"):
        assert line == f"error: {deep}: (file): expected valid TOML (arrays or tables nested too deeply)"
    else:
        assert "countries.JPN.sensitivity.rice" in line and "expected" in line
    assert not (tmp_path / "sweep").exists() and not (tmp_path / "s").exists()


@pytest.mark.parametrize("where", ["scenario", "headlines file"])
def test_dotted_keys_nested_too_deeply_are_one_line_not_a_recursion_error(where, tmp_path, one_error_line):
    """a.a.a... = 1 with 5,000 parts: tomllib builds it without recursion, and copying the tables then raised a
    RecursionError traceback."""
    deep = tmp_path / "deep.toml"
    deep.write_text("name = 'deep'\n" + ".".join(["a"] * 5000) + " = 1\n")
    argv = ["power", str(deep)] if where == "scenario" else ["robustness", "tokyo_2014", "--headlines", str(deep),
                                                                  "--out", str(tmp_path / "r.csv")]
    assert one_error_line(argv) == f"error: {deep}: (file): expected valid TOML (arrays or tables nested too deeply)"
    assert sorted(tmp_path.iterdir()) == [deep]


@pytest.mark.parametrize("argv", [["run", ""], ["run", "", "--quiet"], ["play", "--as", "JPN", ""], ["debrief", ""],
                                  ["power", " "], ["robustness", ""], ["compare", "", "baseline"],
                                  ["sweep", "", "--vary", "countries.JPN.beta=[1]"], ["tournament", ""], ["teaching-pack", ""]])
def test_an_empty_scenario_name_is_not_the_baseline_nor_the_current_folder(argv, tmp_path, one_error_line):
    # run, play and debrief played the baseline for an empty name; the others called it "." a folder
    line = one_error_line([*argv, "--out", str(tmp_path / "out")])
    assert line.endswith(": (file): expected a scenario name or the path of a TOML file, not an empty one")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("body", ['extends = "baseline"\nname = "Saved with a BOM"\n',
                                  'scenario = "baseline"\n[vary]\n"countries.JPN.beta" = [1, 2]\n'])
def test_a_byte_order_mark_is_named_not_an_invalid_statement(body, folder, one_error_line):
    bom = folder / "bom.toml"          # Notepad's "UTF-8 with BOM"; tomllib: "Invalid statement (at line 1, column 1)"
    bom.write_bytes(b"\xef\xbb\xbf" + body.encode())
    line = one_error_line(["sweep" if body.startswith("scenario") else "power", str(bom),
                           "--out", str(folder / "out")])
    assert line == (f"error: {bom}: (file): expected valid TOML (a byte-order mark at the start, as editors write "
                    "for 'UTF-8 with BOM': save the file as plain UTF-8)")
    assert not (folder / "out").exists()


@pytest.mark.parametrize("key, label", [("drop_events", "Congress passes trade promotion authority"),
                                        ("drop_side_deals", "Japan-Australia EPA")])
def test_a_label_dropped_twice_in_a_file_is_one_line(key, label, folder, one_error_line):
    """As the same --drop-event given twice is refused: the second would drop nothing."""
    twice = folder / "twice.toml"
    twice.write_text(f'extends = "baseline"\nname = "Twice"\n{key} = ["{label}", "{label}"]\n')
    assert one_error_line([str(twice), "--quiet", "--out", str(folder / "out")]) == (
        f"error: {twice}: {key}[1]: expected each label once (it is also {key}[0]), got '{label}'")
    assert not (folder / "out").exists()


def test_first_repeat_names_the_earlier_place_and_the_repeat():
    """Every list a user names things in once (settings, labels, folders, negotiators) is checked by one
    function: where the first repeated item is, and where it was first given."""
    from tppgame.game.fields import first_repeat

    assert first_repeat([]) is None
    assert first_repeat(["a", "b", "c"]) is None
    assert first_repeat(["a", "b", "a", "b"]) == (0, 2)
    assert first_repeat(["a", "b", "b", "a"]) == (1, 2)


def test_a_seed_is_a_whole_number_from_0_to_2_63_minus_1_wherever_it_is_read():
    """One definition of the seeds a game accepts: a scenario's seed, --seed, a sweep's seed, a saved game
    and a class room each check it (and say it in the words of fields.SEEDS)."""
    from tppgame.game.fields import SEED_MAX, SEEDS, is_seed

    assert SEED_MAX == 9223372036854775807 and SEEDS == "a whole number from 0 to 2^63 - 1"
    assert is_seed(0) and is_seed(2013) and is_seed(SEED_MAX)
    assert not any(is_seed(v) for v in (-1, SEED_MAX + 1, True, False, 1.0, "7", None))
