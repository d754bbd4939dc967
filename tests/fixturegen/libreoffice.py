"""A Word-like PDF: the generator's DOCX converted by LibreOffice (`soffice --headless`).

Dev-only: LibreOffice (libreoffice-writer-nogui, fonts-noto-cjk) and poppler's `pdftotext` are needed
to (re)build it, and its output is not byte-reproducible, so an existing report.pdf is kept unless
NIANBAO_REBUILD_LIBREOFFICE=1. The golden file comes from the spec; each cell's page is where
`pdftotext` (not our extractor) finds the cell's row label, or the review row's 15 numbers, on exactly
one page; otherwise null.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from pipeline.normalize.template import ACTIVE_BLOCKS, REQUEST_ROWS, REVIEW_COLUMNS, REVIEW_ROWS
from tests.fixturegen.docx import render_docx
from tests.fixturegen.expected import case_json, write_json
from tests.fixturegen.layout import _item_label
from tests.fixturegen.model import CellKey, ReportSpec
from tests.fixturegen.specs import GAOQING, SpecArgs, build_spec
from tests.fixturegen.values import NumberStyle

CASE = "pdf-2021-libreoffice"
SPEC = SpecArgs(GAOQING, "高青县自然资源局", 2022, "2021", seed=13, style=NumberStyle(request_zero="0"))
_WS = re.compile(r"\s+")


def docx_to_pdf(docx: Path, pdf: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["soffice", "--headless", f"-env:UserInstallation=file://{tmp}/profile",
             "--convert-to", "pdf", "--outdir", tmp, str(docx)],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
        shutil.move(Path(tmp) / (docx.stem + ".pdf"), pdf)


def page_lines(pdf: Path) -> list[list[str]]:
    """The non-empty lines of each page as pdftotext prints them (cells come out one per line)."""
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True)
    pages = out.stdout.decode("utf-8").split("\f")
    return [[_WS.sub("", line) for line in page.splitlines() if line.strip()] for page in pages]


def label_page(label: str, pages: list[list[str]]) -> int | None:
    """The one page printing the longest prefix of `label` that is printed at all (a wrapped label
    comes out over several lines, interleaved with other cells)."""
    texts = ["".join(lines) for lines in pages]
    label = _WS.sub("", label)
    for n in range(len(label), 2, -1):
        hits = [i + 1 for i, text in enumerate(texts) if label[:n] in text]
        if hits:
            return hits[0] if len(hits) == 1 else None
    return None


def run_page(raws: list[str], pages: list[list[str]]) -> int | None:
    """The one page whose lines hold `raws` one after another."""
    n = len(raws)
    hits = [
        i + 1 for i, lines in enumerate(pages) if any(lines[j : j + n] == raws for j in range(len(lines)))
    ]
    return hits[0] if len(hits) == 1 else None


def row_labels(spec: ReportSpec) -> dict[tuple[str, str], str]:
    """(table_key, row_key) -> the label printed in the row's own cell."""
    labels = {("requests", r): _item_label(label) for r, label in REQUEST_ROWS[spec.template]}
    labels[("requests", "granted")] = "（一）予以公开"
    labels[("requests", "processed_total")] = "（七）总计"
    for _, rows, _ in ACTIVE_BLOCKS[spec.template]:
        labels |= {("active_disclosure", r): label for r, label in rows}
    return labels


def find_pages(spec: ReportSpec, pages: list[list[str]]) -> dict[CellKey, int | None]:
    review = [spec.cells[("review_litigation", r, c)].raw for r, _ in REVIEW_ROWS for c, _ in REVIEW_COLUMNS]
    labels = row_labels(spec)
    found: dict[CellKey, int | None] = {}
    for key in spec.cells:
        if key[0] == "review_litigation":
            found[key] = run_page(review, pages)
        else:
            found[key] = label_page(labels[key[:2]], pages)
    return found


def write_libreoffice_case(root: Path) -> None:
    folder = root / CASE
    pdf = folder / "report.pdf"
    if pdf.exists() and os.environ.get("NIANBAO_REBUILD_LIBREOFFICE") != "1":
        return
    if shutil.which("soffice") is None or shutil.which("pdftotext") is None:
        print(f"skipped {CASE}: needs soffice and pdftotext")
        return
    folder.mkdir(parents=True, exist_ok=True)
    spec = build_spec(SPEC)
    with tempfile.TemporaryDirectory() as tmp:
        docx = Path(tmp) / "report.docx"
        render_docx(spec, docx)
        docx_to_pdf(docx, pdf)
    pages = find_pages(spec, page_lines(pdf))
    write_json(folder / "expected.json", case_json(CASE, "report.pdf", spec, "pdf", pages, None))  # type: ignore[arg-type]
