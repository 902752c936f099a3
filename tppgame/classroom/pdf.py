"""A document (:mod:`tppgame.classroom.documents`) as a printable PDF, made with ReportLab alone.

ReportLab installs from PyPI with pip and needs no system library or browser, so a teacher's
machine prints handouts offline. The text is set in DejaVu Sans, the TrueType font matplotlib
ships (so a PDF reader can extract the text); a character DejaVu has no glyph for (a Chinese,
Japanese or Korean name of a room or a student) is set in one of ReportLab's standard CJK fonts
(referenced, not embedded: PDF readers supply them), so it prints rather than as an empty box.
Figures are their PNG drawings scaled to the page's width. The same document always
gives the same bytes (ReportLab's invariant mode: no creation date or random id in the file).
"""

from __future__ import annotations

import html
import io
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from tppgame.classroom.documents import (BOLD, CODE, LINK, Blank, Bullets, Document, Figure, Heading, Paragraph,
                                         Table)

FONT, BOLD_FONT, MONO_FONT = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSansMono"
# ReportLab's standard CJK fonts, for the characters DejaVu lacks: Korean, Japanese, then Chinese (any other Han)
HANGUL_FONT, KANA_FONT, HAN_FONT = "HYGothic-Medium", "HeiseiKakuGo-W5", "STSong-Light"
HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
KANA = re.compile("[\u3040-\u30ff\u31f0-\u31ff\uff65-\uff9f]")
BODY_SIZE = 10          # points: readable on paper
TABLE_SIZE = 8.5        # points: tables with a column per sector still fit the page's width


class PdfUnavailable(RuntimeError):
    """ReportLab or matplotlib's fonts are missing (the ``debrief`` extra is not installed)."""


@lru_cache(maxsize=1)
def _fonts() -> None:
    """Register matplotlib's DejaVu fonts with ReportLab, once."""
    try:
        import matplotlib
        from reportlab.lib.fonts import addMapping
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont
    except ImportError as err:
        raise PdfUnavailable(f"the PDF needs its extra: pip install -e \".[debrief]\" ({err.name} is missing)") from None
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    for name in (FONT, BOLD_FONT, MONO_FONT):
        pdfmetrics.registerFont(TTFont(name, str(folder / f"{name}.ttf")))
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, BOLD_FONT)
    addMapping(FONT, 0, 1, FONT)
    addMapping(FONT, 1, 1, BOLD_FONT)
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    for name in (HANGUL_FONT, KANA_FONT, HAN_FONT):     # no bold face: bold text in them is set as it is
        pdfmetrics.registerFont(UnicodeCIDFont(name))
        for bold, italic in ((0, 0), (1, 0), (0, 1), (1, 1)):
            addMapping(name, bold, italic, name)


@lru_cache(maxsize=1)
def _has_glyph() -> frozenset[int]:
    """The characters DejaVu Sans has a glyph for."""
    from reportlab.pdfbase import pdfmetrics

    _fonts()
    return frozenset(pdfmetrics.getFont(FONT).face.charToGlyph)


def fallback_font(char: str) -> str | None:
    """The CJK font a character DejaVu lacks is set in; None where DejaVu has it (or no font here has)."""
    if ord(char) in _has_glyph() or not char.isprintable():
        return None
    if HANGUL.match(char):
        return HANGUL_FONT
    if KANA.match(char):
        return KANA_FONT
    return HAN_FONT if unicodedata.category(char)[0] in "LNPS" and ord(char) >= 0x2e80 else None


def _fallbacks(marked: str) -> str:
    """ReportLab markup with each run of characters DejaVu lacks wrapped in its CJK font."""
    return "".join(f"<font face='{font}'>{run}</font>" if font != FONT else run for font, run in _font_runs(marked))


def inline(text: str) -> str:
    """A document's inline marks (``**bold**``, backticks, ``[text](url)``) as ReportLab's paragraph markup."""
    marked = BOLD.sub(r"<b>\1</b>", _fallbacks(html.escape(text, quote=False)))
    marked = CODE.sub(rf"<font face='{MONO_FONT}'>\1</font>", marked)
    return LINK.sub(r"<a href='\2' color='#1a4f9c'>\1</a>", marked)


def _styles() -> dict[str, object]:
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle("body", fontName=FONT, fontSize=BODY_SIZE, leading=BODY_SIZE * 1.35, spaceAfter=5)
    return {
        "title": ParagraphStyle("title", parent=body, fontName=BOLD_FONT, fontSize=17, leading=21, spaceAfter=10),
        2: ParagraphStyle("h2", parent=body, fontName=BOLD_FONT, fontSize=13, leading=16, spaceBefore=10,
                          spaceAfter=5),
        3: ParagraphStyle("h3", parent=body, fontName=BOLD_FONT, fontSize=11, leading=14, spaceBefore=6),
        "body": body,
        "cell": ParagraphStyle("cell", parent=body, fontSize=TABLE_SIZE, leading=TABLE_SIZE * 1.25, spaceAfter=0),
        "caption": ParagraphStyle("caption", parent=body, fontSize=9, leading=11.5, textColor="#333333"),
    }


def _column_widths(block: Table, width: float) -> list[float]:
    """Column widths that fill ``width``: each column gets at least its longest word (so no word is
    broken), and the room left goes to the columns whose text would wrap, in proportion to how
    much wider their widest cell is (up to 45 characters' worth)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    pad, cap = 7.0, stringWidth("n" * 45, FONT, TABLE_SIZE)   # padding, then the widest a cell asks for
    shortest, wanted = [], []
    for k in range(len(block.header)):
        cells = [LINK.sub(r"\1", c) for c in (block.header[k], *(row[k] if k < len(row) else "" for row in block.rows))]
        word = max(stringWidth(w, BOLD_FONT, TABLE_SIZE) for c in cells for w in [*c.split(), ""])
        shortest.append(word + pad)
        wanted.append(max(min(max(stringWidth(c, FONT, TABLE_SIZE) for c in cells), cap), word) + pad)
    spare = width - sum(shortest)
    extra = [w - s for w, s in zip(wanted, shortest)]
    if spare <= 0:              # even the words do not fit: shrink every column alike
        return [width * s / sum(shortest) for s in shortest]
    if sum(extra) <= spare:     # everything fits on one line: share what is left alike
        return [w + (spare - sum(extra)) * w / sum(wanted) for w in wanted]
    return [s + spare * e / sum(extra) for s, e in zip(shortest, extra)]


def _table(block: Table, width: float, styles: dict) -> object:
    from reportlab.platypus import Paragraph as P
    from reportlab.platypus import Table as T
    from reportlab.platypus import TableStyle

    head = [P(f"<b>{inline(h)}</b>", styles["cell"]) for h in block.header]
    rows = [[P(inline(c), styles["cell"]) for c in row] for row in block.rows]
    table = T([head, *rows], colWidths=_column_widths(block, width), repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, "#999999"),
        ("BACKGROUND", (0, 0), (-1, 0), "#eeeeee"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))
    return table


def _figure(block: Figure, width: float, styles: dict) -> object:
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image, KeepTogether
    from reportlab.platypus import Paragraph as P

    pixels_w, pixels_h = ImageReader(io.BytesIO(block.png)).getSize()
    scale = min(width / pixels_w, 0.62 * 842 / pixels_h)        # at most about two thirds of an A4 page high
    image = Image(io.BytesIO(block.png), width=pixels_w * scale, height=pixels_h * scale)
    image.hAlign = "LEFT"
    return KeepTogether([image, P(inline(block.caption), styles["caption"])])


def _font_runs(text: str) -> list[tuple[str, str]]:
    """(font, characters) runs of plain text: DejaVu's, and the CJK fonts' for what it lacks."""
    runs: list[tuple[str, str]] = []
    for char in text:
        font = fallback_font(char) or FONT
        runs[-1:] = [(font, runs[-1][1] + char)] if runs and runs[-1][0] == font else [*runs[-1:], (font, char)]
    return runs


def to_pdf(doc: Document) -> bytes:
    """The document as an A4 PDF: title, blocks in order, the title and page number at each page's foot."""
    _fonts()
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import cm
    from reportlab.platypus import CondPageBreak, KeepTogether, ListFlowable, ListItem, SimpleDocTemplate, Spacer
    from reportlab.platypus import Paragraph as P
    from reportlab.platypus import Table as T

    styles = _styles()
    buffer = io.BytesIO()
    plain_title = re.sub(r"\*\*(.+?)\*\*", r"\1", doc.title)
    template = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=1.8 * cm, rightMargin=1.8 * cm,
                                 topMargin=1.6 * cm, bottomMargin=1.8 * cm, title=plain_title,
                                 author="tppgame", invariant=1)
    width = template.width
    story: list[object] = [P(inline(doc.title), styles["title"])]
    for block in doc.blocks:
        if isinstance(block, Heading):     # never alone at a page's foot: a new page if under 4 cm are left
            story += [CondPageBreak(4 * cm), P(inline(block.text), styles[min(max(block.level, 2), 3)])]
        elif isinstance(block, Paragraph):
            story.append(P(inline(block.text), styles["body"]))
        elif isinstance(block, Bullets):
            items = [ListItem(P(inline(item), styles["body"])) for item in block.items]
            story.append(ListFlowable(items, bulletType="1" if block.numbered else "bullet", start=None if
                                      block.numbered else "•", bulletFontName=FONT, bulletFontSize=BODY_SIZE,
                                      leftIndent=14))
        elif isinstance(block, Table):
            story += [_table(block, width, styles), Spacer(1, 6)]
        elif isinstance(block, Blank):
            box = T([[""]], colWidths=[width], rowHeights=[BODY_SIZE * 1.6 * block.lines])
            box.setStyle([("BOX", (0, 0), (-1, -1), 0.5, "#999999")])
            story.append(KeepTogether([P(f"<b>{inline(block.prompt)}</b>", styles["body"]), box, Spacer(1, 8)]))
        elif isinstance(block, Figure):
            story.append(_figure(block, width, styles))

    def footer(canvas: object, document: object) -> None:
        canvas.saveState()
        x = template.leftMargin
        for font, run in _font_runs(plain_title[:110]):
            canvas.setFont(font, 8)
            canvas.drawString(x, 1.0 * cm, run)
            x += canvas.stringWidth(run, font, 8)
        canvas.drawRightString(A4[0] - template.rightMargin, 1.0 * cm, f"page {document.page}")
        canvas.restoreState()

    template.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
