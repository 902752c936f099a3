"""Printable documents for a class, written once and rendered twice: as Markdown (to edit or paste)
and as a self-contained HTML page (to print or project; no request leaves the page).

A document is a title and a list of blocks: headings, paragraphs, bullet lists, numbered lists,
tables, fields to fill in and figures (drawn beforehand, as SVG for the page and PNG for print; a
PDF renderer is in :mod:`tppgame.classroom.pdf`). Text is plain; ``**bold**``, backticks around code and ``[a link](target)``
are the inline marks both renderers understand.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

BOLD = re.compile(r"\*\*(.+?)\*\*")
LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
CODE = re.compile(r"`([^`]+)`")


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]
    numbered: bool = False


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Blank:
    """A question with room for a written answer (a line in Markdown, a box on paper)."""

    prompt: str
    lines: int = 2


@dataclass(frozen=True)
class Figure:
    """A drawn figure: SVG for the HTML page, PNG for print (the same drawing), with its caption."""

    svg: str
    png: bytes
    caption: str


Block = Heading | Paragraph | Bullets | Table | Blank | Figure


@dataclass
class Document:
    title: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> Document:
        self.blocks.extend(blocks)
        return self


def bullets(*items: str, numbered: bool = False) -> Bullets:
    return Bullets(tuple(items), numbered)


def table(header: tuple[str, ...] | list[str], rows: list[tuple[str, ...]] | list[list[str]]) -> Table:
    return Table(tuple(header), tuple(tuple(str(c) for c in r) for r in rows))


# ------------------------------------------------------------ Markdown
def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(doc: Document) -> str:
    """The document as Markdown (GitHub tables)."""
    out = [f"# {doc.title}", ""]
    for block in doc.blocks:
        if isinstance(block, Heading):
            out += [f"{'#' * block.level} {block.text}", ""]
        elif isinstance(block, Paragraph):
            out += [block.text, ""]
        elif isinstance(block, Bullets):
            out += [f"{k + 1}. {item}" if block.numbered else f"- {item}" for k, item in enumerate(block.items)]
            out.append("")
        elif isinstance(block, Table):
            out.append("| " + " | ".join(map(_md_cell, block.header)) + " |")
            out.append("|" + "---|" * len(block.header))
            out += ["| " + " | ".join(map(_md_cell, row)) + " |" for row in block.rows]
            out.append("")
        elif isinstance(block, Blank):
            out += [f"**{block.prompt}**", ""] + ["_" * 72 + "  " for _ in range(block.lines)] + [""]
        elif isinstance(block, Figure):
            out += [f"*Figure: {block.caption}* (in the HTML and PDF versions)", ""]
    return "\n".join(out).rstrip() + "\n"


# ------------------------------------------------------------ HTML
STYLE = """
body { font-family: Georgia, 'Times New Roman', serif; max-width: 50em; margin: 2em auto; padding: 0 1em;
       line-height: 1.45; color: #111; }
h1 { font-size: 1.7em; border-bottom: 2px solid #333; padding-bottom: .2em; }
h2 { font-size: 1.3em; margin-top: 1.4em; }
h3 { font-size: 1.1em; }
table { border-collapse: collapse; margin: .6em 0 1em; }
th, td { border: 1px solid #999; padding: .25em .55em; text-align: left; vertical-align: top; }
th { background: #eee; }
code { font-family: 'DejaVu Sans Mono', monospace; font-size: .9em; background: #f2f2f2; padding: 0 .2em; }
.blank { border: 1px solid #999; margin: .3em 0 1em; }
figure { margin: .6em 0 1.2em; } figure svg { max-width: 100%; height: auto; }
figcaption { font-size: .95em; color: #333; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; }
               table, .blank, figure { break-inside: avoid; } }
"""


def _inline(text: str) -> str:
    marked = CODE.sub(r"<code>\1</code>", BOLD.sub(r"<strong>\1</strong>", html.escape(text)))
    return LINK.sub(r"<a href='\2'>\1</a>", marked)


def to_html(doc: Document) -> str:
    """The document as one self-contained HTML page (inline style, nothing fetched)."""
    body: list[str] = [f"<h1>{_inline(doc.title)}</h1>"]
    for block in doc.blocks:
        if isinstance(block, Heading):
            level = min(max(block.level, 2), 6)
            body.append(f"<h{level}>{_inline(block.text)}</h{level}>")
        elif isinstance(block, Paragraph):
            body.append(f"<p>{_inline(block.text)}</p>")
        elif isinstance(block, Bullets):
            tag = "ol" if block.numbered else "ul"
            body.append(f"<{tag}>" + "".join(f"<li>{_inline(i)}</li>" for i in block.items) + f"</{tag}>")
        elif isinstance(block, Table):
            head = "".join(f"<th>{_inline(h)}</th>" for h in block.header)
            rows = "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in row) + "</tr>" for row in block.rows)
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        elif isinstance(block, Blank):
            body.append(f"<p><strong>{_inline(block.prompt)}</strong></p>"
                        f"<div class='blank' style='height:{1.6 * block.lines:.1f}em'></div>")
        elif isinstance(block, Figure):
            svg = block.svg[block.svg.find("<svg"):]        # inline: no XML prologue or doctype
            body.append(f"<figure>{svg}<figcaption>{_inline(block.caption)}</figcaption></figure>")
    title = html.escape(BOLD.sub(r"\1", doc.title))
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>{title}</title><style>{STYLE}</style></head>\n<body>\n"
            + "\n".join(body) + "\n</body></html>\n")
