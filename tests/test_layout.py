"""The package's layout is its architecture: these tests hold the import rules.

* ``tppgame/game/``: the mechanics; imports nothing from ``tppgame`` outside ``game/`` (a name used
  only in type hints, under ``if TYPE_CHECKING:``, may come from ``tppgame.model``: an event's effect
  is typed by the model it acts on).
* ``tppgame/model.py``, ``agents.py`` and ``report.py``: Mesa's model and agents, and the report of a
  played game; import only the game (and each other).
* ``tppgame/experiments/`` and ``tppgame/classroom/`` build on the game and the model and never
  import each other.
* Only ``run.py`` and the package's entry point import ``tppgame.cli``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "tppgame"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imports(path: Path) -> tuple[set[str], set[str]]:
    """The tppgame modules a file imports at run time, and those it names only for type hints."""
    tree = ast.parse(path.read_text())
    typing_only: set[str] = set()
    runtime: set[str] = set()

    def visit(node: ast.AST, typing: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                names = {child.module} | {f"{child.module}.{a.name}" for a in child.names}
            elif isinstance(child, ast.Import):
                names = {a.name for a in child.names}
            else:
                visit(child, typing or _type_checking_block(child))
                continue
            found = {n for n in names if n == "tppgame" or n.startswith("tppgame.")}
            (typing_only if typing else runtime).update(found)

    visit(tree, False)
    return runtime, typing_only - runtime


def files(*folders: str) -> list[Path]:
    """The modules in these folders of the package, subpackages included (none: the top level's)."""
    return sorted(p for f in folders for p in (PACKAGE / f).rglob("*.py")) if folders else sorted(PACKAGE.glob("*.py"))


def within(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_the_package_has_the_three_rooms():
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and not p.name.startswith("__")} == \
        {"game", "experiments", "classroom"}
    assert {p.name for p in files()} >= {"model.py", "agents.py", "app.py"}


@pytest.mark.parametrize("path", files("game"), ids=lambda p: p.name)
def test_the_game_imports_nothing_outside_the_game(path):
    runtime, typing_only = imports(path)
    outside = {n for n in runtime if n != "tppgame.game" and not within(n, "tppgame.game")}
    assert not outside, f"{module_name(path)} imports {sorted(outside)}"
    assert {n for n in typing_only if not within(n, "tppgame.game", "tppgame.model")} == set()


@pytest.mark.parametrize("name", ["model.py", "agents.py", "report.py"])
def test_the_model_its_agents_and_the_report_import_only_the_game(name):
    runtime, _ = imports(PACKAGE / name)
    allowed = ("tppgame.game", "tppgame.model", "tppgame.agents")
    assert {n for n in runtime if not within(n, *allowed)} == set()


@pytest.mark.parametrize("path", files("experiments"), ids=lambda p: p.name)
def test_experiments_never_import_the_classroom(path):
    runtime, typing_only = imports(path)
    assert not {n for n in runtime | typing_only if within(n, "tppgame.classroom", "tppgame.cli")}


@pytest.mark.parametrize("path", files("classroom"), ids=lambda p: p.name)
def test_the_classroom_never_imports_the_experiments(path):
    runtime, typing_only = imports(path)
    assert not {n for n in runtime | typing_only if within(n, "tppgame.experiments", "tppgame.cli")}


def test_the_rules_catch_a_wrong_import(tmp_path):
    """The checker itself: a game module importing the memo is seen."""
    bad = tmp_path / "bad.py"
    bad.write_text("from typing import TYPE_CHECKING\nimport numpy\nfrom tppgame.experiments.memo import SharedWork\n"
                   "if TYPE_CHECKING:\n    from tppgame.model import TPPModel\n"
                   "def later():\n    from tppgame.classroom import play\n")
    runtime, typing_only = imports(bad)
    assert runtime == {"tppgame.experiments.memo", "tppgame.experiments.memo.SharedWork", "tppgame.classroom",
                       "tppgame.classroom.play"}
    assert typing_only == {"tppgame.model", "tppgame.model.TPPModel"}


def test_no_module_is_much_over_six_hundred_lines():
    long = {module_name(p): n for p in PACKAGE.rglob("*.py") if (n := len(p.read_text().splitlines())) > 650}
    assert not long, long


def test_the_model_class_reads_like_the_round_in_about_three_hundred_lines():
    source = (PACKAGE / "model.py").read_text()
    tree = ast.parse(source)
    (model,) = [node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "TPPModel"]
    assert model.end_lineno - model.lineno + 1 <= 320
    step = next(node for node in model.body if isinstance(node, ast.FunctionDef) and node.name == "step")
    assert step.end_lineno - step.lineno + 1 <= 6        # meet, then settle
