"""The documentation site (mkdocs.yml) builds offline with ``mkdocs build --strict``: a page per
page of docs/, the Python API rendered from docstrings, and nothing loaded from the internet."""

from __future__ import annotations

import html
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mkdocs", reason="the docs extra is not installed (pip install -e '.[docs]')")
pytest.importorskip("mkdocstrings_handlers.python", reason="mkdocstrings-python is not installed")

from tppgame.game.negotiators.base import Negotiator, Talks  # noqa: E402
from tppgame.model import TPPModel  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
PAGES = sorted((REPO / "docs").rglob("*.md"))
# a script, style, font, image or frame taken from elsewhere: src= or a <link href=>, or url(...) / @import in CSS
REMOTE_TAG = re.compile(r"<(?:script|img|iframe|source|audio|video|embed)\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//"
                        r"|<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//", re.IGNORECASE)
REMOTE_CSS = re.compile(r"url\(\s*[\"']?(?:https?:)?//|@import\s+[\"']?(?:url\()?[\"']?(?:https?:)?//", re.IGNORECASE)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--clean", "-q",
                             "-f", str(REPO / "mkdocs.yml"), "-d", str(out)],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return out


def test_every_page_is_built(site: Path) -> None:
    assert (site / "index.html").is_file()
    missing = [str(p.relative_to(REPO / "docs")) for p in PAGES
               if not (site / p.relative_to(REPO / "docs")).with_suffix(".html").is_file()]
    assert missing == []


def test_every_page_is_in_the_nav() -> None:
    nav = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    assert [str(p.relative_to(REPO / "docs")) for p in PAGES if f" {p.relative_to(REPO / 'docs')}" not in nav] == []


def first_sentence(cls: type) -> str:
    return inspect.getdoc(cls).split("\n\n")[0].split(". ")[0].split("\n")[0]


@pytest.mark.parametrize("obj", [TPPModel, Negotiator, Talks], ids=lambda c: c.__name__)
def test_the_api_page_renders_the_docstrings(site: Path, obj: type) -> None:
    page = (site / "reference" / "api.html").read_text(encoding="utf-8")
    assert f'id="{obj.__module__}.{obj.__name__}"' in page
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert " ".join(first_sentence(obj).split()) in " ".join(text.split())


def test_the_settings_page_is_built(site: Path) -> None:
    page = (site / "reference" / "scenario-settings.html").read_text(encoding="utf-8")
    assert "countries.CODE.patience" in page


def test_nothing_is_loaded_from_the_internet(site: Path) -> None:
    remote = []
    for path in site.rglob("*"):
        if path.suffix in (".html", ".css", ".js") and not path.name.endswith(".map"):
            text = path.read_text(encoding="utf-8", errors="replace")
            pattern = REMOTE_CSS if path.suffix == ".css" else REMOTE_TAG
            remote += [f"{path.relative_to(site)}: {m.group(0)}" for m in pattern.finditer(text)]
            if path.suffix == ".html":
                remote += [f"{path.relative_to(site)}: {m.group(0)}" for style in re.findall(r"<style[^>]*>(.*?)</style>",
                                                                                             text, re.S)
                           for m in REMOTE_CSS.finditer(style)]
    assert remote == []


def test_links_out_of_docs_become_repository_paths(site: Path) -> None:
    page = (site / "index.html").read_text(encoding="utf-8")
    assert "<code>tppgame/game/data/calibration.toml</code>" in page
    assert 'href="../README.md"' not in page
