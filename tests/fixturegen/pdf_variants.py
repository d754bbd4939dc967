"""PDF variants of the reportlab renderer: tables ruled with horizontal lines only, and tables whose
rows deviate from the template (a grid edit applied before rendering).

Built from the pieces of `tests.fixturegen.pdf`, so the text and fonts are the same as the other PDFs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.platypus import Flowable, KeepTogether, PageBreak, Paragraph, Spacer, Table

from tests.fixturegen.layout import Grid, active_grid, placed, requests_grid, review_grid, split_grid
from tests.fixturegen.model import ReportSpec
from tests.fixturegen.pdf import (
    Pages,
    PdfOptions,
    Styles,
    build_document,
    grid_to_table,
)

GridEdit = Callable[[Grid], Grid]


def _same(grid: Grid) -> Grid:
    return grid


@dataclass(frozen=True)
class VariantOptions:
    base: PdfOptions = field(default_factory=PdfOptions)
    # "grid": every border; "horizontal": only the bottom border of each cell and the top rule, as
    # Word draws a table whose borders are set to "horizontal lines only" (none inside a merged cell).
    rules: str = "grid"
    edit_requests: GridEdit = _same  # applied to the requests grid before it is drawn


def _rule_commands(grid: Grid, rules: str) -> list[tuple[Any, ...]]:
    if rules == "grid":
        return [("GRID", (0, 0), (-1, -1), 0.5, "black")]
    commands: list[tuple[Any, ...]] = [("LINEABOVE", (0, 0), (-1, 0), 0.5, "black")]
    for r, c, cell in placed(grid):
        bottom = r + cell.rowspan - 1
        commands.append(("LINEBELOW", (c, bottom), (c + cell.colspan - 1, bottom), 0.5, "black"))
    return commands


def variant_table(grid: Grid, st: Styles, pages: Pages, rules: str) -> Table:
    return grid_to_table(grid, st, pages, _rule_commands(grid, rules))


def _tables(spec: ReportSpec, no: int, st: Styles, opts: VariantOptions, pages: Pages) -> list[Flowable]:
    def draw(grid: Grid) -> Table:
        return variant_table(grid, st, pages, opts.rules)

    if no == 2:
        return [KeepTogether(draw(active_grid(spec)))]
    if no == 4:
        return [KeepTogether(draw(review_grid(spec)))]
    grid = opts.edit_requests(requests_grid(spec))
    if opts.base.split_requests_at is None:
        return [KeepTogether(draw(grid))]
    first, rest = split_grid(grid, opts.base.split_requests_at)
    return [KeepTogether(draw(first)), PageBreak(), draw(rest)]


def _story(spec: ReportSpec, st: Styles, opts: VariantOptions, pages: Pages) -> list[Flowable]:
    s0 = spec.section(0)
    out: list[Flowable] = [Paragraph(escape(s0.paragraphs[0]), st.title), Spacer(1, 8)]
    out += [Paragraph(escape(p), st.body) for p in s0.paragraphs[1:]]
    for sec in spec.sections[1:]:
        assert sec.heading is not None
        out.append(Paragraph(escape(sec.heading), st.heading))
        out += [Paragraph(escape(p), st.body) for p in sec.paragraphs]
        if sec.no in (2, 3, 4):
            out += [Spacer(1, 4), *_tables(spec, sec.no, st, opts, pages), Spacer(1, 8)]
    return out


def render_variant_pdf(spec: ReportSpec, path: Path, opts: VariantOptions) -> Pages:
    """Write the PDF; returns the 1-based page of every value cell drawn."""
    pages: Pages = {}
    build_document(spec, path, opts.base, lambda st: _story(spec, st, opts, pages))
    return pages


def variant_renderer(opts: VariantOptions) -> Callable[[ReportSpec, Path], tuple[str, str, Pages]]:
    """A renderer for `cases.CASES`: (document name, format, pages of the value cells)."""

    def render(spec: ReportSpec, folder: Path) -> tuple[str, str, Pages]:
        return "report.pdf", "pdf", render_variant_pdf(spec, folder / "report.pdf", opts)

    return render
