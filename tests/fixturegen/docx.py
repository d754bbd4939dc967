"""Renders a ReportSpec as a .docx with python-docx: headings as paragraphs, merged-cell tables."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from tests.fixturegen.layout import Grid, active_grid, placed, requests_grid, review_grid
from tests.fixturegen.model import ReportSpec

FIXED_TIME = dt.datetime(2024, 1, 15, 9, 0, 0)
ZIP_TIME = (2024, 1, 15, 9, 0, 0)


def set_font(run: object, size: float, bold: bool = False) -> None:
    run.font.name = "宋体"  # type: ignore[attr-defined]
    run.font.size = Pt(size)  # type: ignore[attr-defined]
    run.bold = bold  # type: ignore[attr-defined]
    run._element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")  # type: ignore[attr-defined]


def add_grid(doc: object, grid: Grid) -> None:
    table = doc.add_table(rows=len(grid.rows), cols=grid.ncols)  # type: ignore[attr-defined]
    table.style = "Table Grid"
    for r, c, cell in placed(grid):
        target = table.cell(r, c)
        if cell.rowspan > 1 or cell.colspan > 1:
            target = target.merge(table.cell(r + cell.rowspan - 1, c + cell.colspan - 1))
        paragraph = target.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if cell.label else WD_ALIGN_PARAGRAPH.CENTER
        set_font(paragraph.add_run(cell.text), 9)


def build_document(spec: ReportSpec) -> object:
    doc = Document()
    s0 = spec.section(0)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(title.add_run(s0.paragraphs[0]), 18, bold=True)
    for p in s0.paragraphs[1:]:
        set_font(doc.add_paragraph().add_run(p), 12)
    tables = {2: active_grid, 3: requests_grid, 4: review_grid}
    for sec in spec.sections[1:]:
        assert sec.heading is not None
        set_font(doc.add_paragraph().add_run(sec.heading), 14, bold=True)
        for p in sec.paragraphs:
            set_font(doc.add_paragraph().add_run(p), 12)
        if spec.template != "pre2019" and sec.no in tables:
            add_grid(doc, tables[sec.no](spec))
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = spec.title, spec.agency, spec.agency
    props.created = props.modified = props.last_printed = FIXED_TIME
    props.revision = 1
    return doc


def with_fixed_zip_times(data: bytes) -> bytes:
    """python-docx stamps zip members with the current time; rewrite them with a fixed one."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def render_docx(spec: ReportSpec, path: Path) -> None:
    buf = io.BytesIO()
    build_document(spec).save(buf)  # type: ignore[attr-defined]
    path.write_bytes(with_fixed_zip_times(buf.getvalue()))
