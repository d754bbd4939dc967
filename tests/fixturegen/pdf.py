"""Renders a ReportSpec as a born-digital PDF with reportlab, recording each value cell's page."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table

from tests.fixturegen.layout import Grid, active_grid, placed, requests_grid, review_grid, split_grid
from tests.fixturegen.model import CellKey, ReportSpec

WQY_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
FONTS = {"stsong": "STSong-Light", "ttf": "WQYZenHei"}
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 36.0, 64.0, 56.0

Pages = dict[CellKey, int]


@dataclass(frozen=True)
class PdfOptions:
    font: str = "stsong"  # "stsong" (built-in CID font, not embedded) or "ttf" (embedded subset)
    fake_bold: bool = False  # headings drawn twice, 0.25 pt apart
    header_footer: bool = False  # running header and "— N —" footer
    split_requests_at: int | None = None  # grid row where a page break cuts the requests table


def register_font(kind: str) -> str:
    name = FONTS[kind]
    if name not in pdfmetrics.getRegisteredFontNames():
        if kind == "ttf":
            pdfmetrics.registerFont(TTFont(name, str(WQY_PATH), subfontIndex=0))
        else:
            pdfmetrics.registerFont(UnicodeCIDFont(name))
    return name


class KeyedParagraph(Paragraph):  # type: ignore[misc]
    """A table cell paragraph that notes the page it is drawn on."""

    def __init__(self, text: str, style: ParagraphStyle, key: CellKey, pages: Pages) -> None:
        super().__init__(text, style)
        self.fixture_key = key
        self.fixture_pages = pages

    def drawOn(self, canvas: Any, x: float, y: float, _sW: float = 0) -> None:
        self.fixture_pages[self.fixture_key] = canvas.getPageNumber()
        super().drawOn(canvas, x, y, _sW)


class FakeBoldHeading(Flowable):  # type: ignore[misc]
    """A heading some exporters fake-bold by drawing the same text twice, slightly offset."""

    def __init__(self, text: str, font: str, size: float) -> None:
        super().__init__()
        self.text, self.font, self.size = text, font, size

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return avail_width, self.size * 2

    def draw(self) -> None:
        self.canv.setFont(self.font, self.size)
        for dx in (0.0, 0.25):
            self.canv.drawString(dx, self.size * 0.6, self.text)


class Styles:
    def __init__(self, font: str) -> None:
        self.font = font
        self.title = ParagraphStyle("title", fontName=font, fontSize=16, leading=26, alignment=TA_CENTER)
        self.body = ParagraphStyle(
            "body", fontName=font, fontSize=11, leading=19, firstLineIndent=22, wordWrap="CJK"
        )
        self.heading = ParagraphStyle("heading", fontName=font, fontSize=12.5, leading=24, wordWrap="CJK")
        self.cell = ParagraphStyle(
            "cell", fontName=font, fontSize=8, leading=10, alignment=TA_CENTER, wordWrap="CJK"
        )
        self.label = ParagraphStyle("label", parent=self.cell, alignment=TA_LEFT)


FULL_GRID: tuple[tuple[Any, ...], ...] = (("GRID", (0, 0), (-1, -1), 0.5, "black"),)


def grid_to_table(
    grid: Grid, st: Styles, pages: Pages, rules: Sequence[tuple[Any, ...]] = FULL_GRID
) -> Table:
    """A reportlab table of the grid, drawn with `rules` (every border by default)."""
    data: list[list[Any]] = [["" for _ in range(grid.ncols)] for _ in grid.rows]
    commands: list[tuple[Any, ...]] = [
        *rules,
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]
    for r, c, cell in placed(grid):
        style = st.label if cell.label else st.cell
        text = escape(cell.text)
        data[r][c] = KeyedParagraph(text, style, cell.key, pages) if cell.key else Paragraph(text, style)
        if cell.rowspan > 1 or cell.colspan > 1:
            commands.append(("SPAN", (c, r), (c + cell.colspan - 1, r + cell.rowspan - 1)))
    return Table(data, colWidths=list(grid.col_widths), style=commands)


def table_flowables(spec: ReportSpec, no: int, st: Styles, opts: PdfOptions, pages: Pages) -> list[Flowable]:
    if no == 2:
        return [KeepTogether(grid_to_table(active_grid(spec), st, pages))]
    if no == 4:
        return [KeepTogether(grid_to_table(review_grid(spec), st, pages))]
    grid = requests_grid(spec)
    if opts.split_requests_at is None:
        return [KeepTogether(grid_to_table(grid, st, pages))]
    first, rest = split_grid(grid, opts.split_requests_at)
    return [KeepTogether(grid_to_table(first, st, pages)), PageBreak(), grid_to_table(rest, st, pages)]


def story(spec: ReportSpec, st: Styles, opts: PdfOptions, pages: Pages) -> list[Flowable]:
    s0 = spec.section(0)
    out: list[Flowable] = [Paragraph(escape(s0.paragraphs[0]), st.title), Spacer(1, 8)]
    out += [Paragraph(escape(p), st.body) for p in s0.paragraphs[1:]]
    for sec in spec.sections[1:]:
        assert sec.heading is not None
        if opts.fake_bold:
            out.append(FakeBoldHeading(sec.heading, st.font, 12.5))
        else:
            out.append(Paragraph(escape(sec.heading), st.heading))
        out += [Paragraph(escape(p), st.body) for p in sec.paragraphs]
        if spec.template != "pre2019" and sec.no in (2, 3, 4):
            out += [Spacer(1, 4), *table_flowables(spec, sec.no, st, opts, pages), Spacer(1, 8)]
    return out


def running_header_footer(title: str, font: str) -> Any:
    def draw(canvas: Any, doc: Any) -> None:
        width, height = A4
        canvas.saveState()
        canvas.setFont(font, 9)
        canvas.drawCentredString(width / 2, height - 40, title)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_X, height - 46, width - MARGIN_X, height - 46)
        canvas.drawCentredString(width / 2, 30, f"— {canvas.getPageNumber()} —")
        canvas.restoreState()

    return draw


def build_document(
    spec: ReportSpec, path: Path, opts: PdfOptions, flowables: Callable[[Styles], list[Flowable]]
) -> None:
    """Lay out an A4 report with the spec's metadata, font and (optional) running header/footer."""
    font = register_font(opts.font)
    doc = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=spec.title,
        author=spec.agency,
        creator="nianbao fixturegen",
        invariant=1,
    )
    on_page = running_header_footer(spec.title, font) if opts.header_footer else (lambda c, d: None)
    doc.build(flowables(Styles(font)), onFirstPage=on_page, onLaterPages=on_page)


def render_pdf(spec: ReportSpec, path: Path, opts: PdfOptions) -> Pages:
    """Write the PDF; returns the 1-based page of every value cell."""
    pages: Pages = {}
    build_document(spec, path, opts, lambda st: story(spec, st, opts, pages))
    missing = set(spec.cells) - set(pages)
    if missing:
        raise RuntimeError(f"{path}: no page recorded for {len(missing)} cells, e.g. {sorted(missing)[:3]}")
    return pages
