"""Every example in docs/ runs, and every page and link in docs/ can be reached.

The rules for code blocks in ``docs/**/*.md`` (fenced with three backticks at the start of a line):

* Each page runs in a working directory of its own (a pytest tmp dir) that looks like a checkout:
  it holds a copy of the repository's ``scenarios/*.toml``, so a scenario an example writes to
  ``scenarios/NAME.toml`` can ``extends = "baseline"`` (which names a file in the same folder) and
  be run by name. A page's blocks run there one after another, in page order, so a later block can
  read what an earlier one wrote (``out/...``).
* ``python`` blocks are executed in one namespace per page, with that directory as the current
  directory. A failure names the page and the block's number (1 is the page's first code block).
* ``console`` and ``bash`` blocks: every line starting with ``$ `` is a command, and every command
  must be ``python run.py ...``. It runs as ``[sys.executable, <repo>/run.py, ...]`` (the arguments
  split like a shell would, continuation lines ending in ``\\`` joined) in the page's directory, so
  default and relative ``--out`` folders land there, never in the repository; it must exit 0. The
  lines under a command, up to the next command, are output it must print: each one that is not
  blank and not ``...`` must be a line of its stdout (compared without leading and trailing spaces),
  in the order shown. A console or bash block without any command fails the test.
* ``toml`` blocks are parsed with tomllib; one with ``title="PATH"`` in its info string is also
  written to PATH in the page's directory when its turn comes.
* A block whose info string holds ``skip-test: REASON`` is not run (only for what cannot run here,
  such as serving the dashboard); the reason is required.
* Blocks of other languages (``text``) are shown only.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

import tppgame.game.negotiators.registry as negotiator_registry

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
RUN_PY = REPO / "run.py"

FENCE = re.compile(r"^```(.*)$")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
TITLE = re.compile(r'title="([^"]+)"')


@dataclass
class Block:
    number: int         # 1 for the page's first code block
    line: int           # line of the opening fence
    language: str
    info: str
    text: str

    @property
    def skip_reason(self) -> str | None:
        if "skip-test" not in self.info:
            return None
        reason = self.info.split("skip-test", 1)[1].lstrip(":").strip()
        return reason


def blocks_of(page: Path) -> list[Block]:
    """The fenced code blocks of a page, in order."""
    blocks: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    k = 0
    while k < len(lines):
        opening = FENCE.match(lines[k])
        if opening is None:
            k += 1
            continue
        info = opening.group(1).strip()
        end = k + 1
        while end < len(lines) and lines[end].rstrip() != "```":
            end += 1
        assert end < len(lines), f"{page.relative_to(REPO)}:{k + 1}: a code block is never closed"
        blocks.append(Block(len(blocks) + 1, k + 1, info.split()[0] if info else "", info,
                            "\n".join(lines[k + 1:end]) + "\n"))
        k = end + 1
    return blocks


def commands_of(block: Block) -> list[tuple[str, list[str]]]:
    """The ``$ `` commands of a console block, each with the output lines shown under it."""
    commands: list[tuple[str, list[str]]] = []
    pending = ""
    for raw in block.text.splitlines():
        if pending:
            pending += " " + raw.strip()
        elif raw.startswith("$ "):
            pending = raw[2:].strip()
        else:
            if commands and raw.strip() and raw.strip() != "...":
                commands[-1][1].append(raw.strip())
            continue
        if pending.endswith("\\"):
            pending = pending[:-1].rstrip()
            continue
        commands.append((pending, []))
        pending = ""
    return commands


def page_id(page: Path) -> str:
    return str(page.relative_to(DOCS))


def _where(page: Path, block: Block) -> str:
    return f"{page.relative_to(REPO)}, block {block.number} (line {block.line})"


def _run_command(page: Path, block: Block, command: str, expected: list[str], cwd: Path) -> None:
    words = shlex.split(command)
    assert words[:2] == ["python", "run.py"], \
        f"{_where(page, block)}: a command in docs must be `python run.py ...`, got `{command}`"
    done = subprocess.run([sys.executable, str(RUN_PY), *words[2:]], cwd=cwd, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, (f"{_where(page, block)}: `{command}` exited {done.returncode}\n"
                                  f"stderr:\n{done.stderr[-2000:]}")
    printed = [line.strip() for line in done.stdout.splitlines()]
    at = 0
    for want in expected:
        try:
            at = printed.index(want, at) + 1
        except ValueError:
            pytest.fail(f"{_where(page, block)}: `{command}` did not print, in the order shown:\n  {want}\n"
                        f"stdout:\n{done.stdout[-3000:]}")


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_examples_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "scenarios").mkdir()
    for scenario in (REPO / "scenarios").glob("*.toml"):
        shutil.copy(scenario, tmp_path / "scenarios" / scenario.name)
    monkeypatch.chdir(tmp_path)
    # a page may register negotiators (the how-to does): they go with the page, not into later tests
    monkeypatch.setattr(negotiator_registry, "_REGISTERED", dict(negotiator_registry._REGISTERED))
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for block in blocks_of(page):
        if "skip-test" in block.info:
            assert block.skip_reason, f"{_where(page, block)}: skip-test needs a reason (skip-test: WHY)"
            continue
        if block.language == "python":
            code = compile(block.text, f"{page.relative_to(REPO)} block {block.number}", "exec")
            try:
                exec(code, namespace)
            except Exception as err:   # name the page and block; the traceback follows
                raise AssertionError(f"{_where(page, block)}: {type(err).__name__}: {err}") from err
        elif block.language in ("console", "bash"):
            commands = commands_of(block)
            assert commands, f"{_where(page, block)}: a {block.language} block with no `$ python run.py` command"
            for command, expected in commands:
                _run_command(page, block, command, expected, tmp_path)
        elif block.language == "toml":
            try:
                tomllib.loads(block.text)
            except tomllib.TOMLDecodeError as err:
                pytest.fail(f"{_where(page, block)}: not valid TOML ({err})")
            title = TITLE.search(block.info)
            if title:
                target = tmp_path / title.group(1)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(block.text, encoding="utf-8")


def _links(page: Path) -> list[str]:
    """The link targets of a page, outside code blocks and inline code."""
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    text = re.sub(r"`[^`\n]*`", "", text)
    return LINK.findall(text)


def _local(target: str) -> bool:
    return not re.match(r"^[a-z][a-z0-9+.-]*:", target) and not target.startswith("#")


def test_pages_found() -> None:
    assert DOCS / "index.md" in PAGES
    assert len(PAGES) >= 2


def test_every_page_is_linked_from_the_index() -> None:
    index = DOCS / "index.md"
    linked = {(index.parent / t.split("#")[0]).resolve() for t in _links(index) if _local(t)}
    missing = [page_id(p) for p in PAGES if p != index and p.resolve() not in linked]
    assert not missing, f"pages not linked from docs/index.md: {missing}"


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_relative_links_resolve_inside_the_repository(page: Path) -> None:
    bad = []
    for target in _links(page):
        if not _local(target):
            continue
        path = (page.parent / target.split("#")[0]).resolve()
        if not path.is_relative_to(REPO):
            bad.append(f"{target} (outside the repository)")
        elif not path.exists():
            bad.append(f"{target} (no such file)")
    assert not bad, f"{page.relative_to(REPO)}: broken links: {bad}"
