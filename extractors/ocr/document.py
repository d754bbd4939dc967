"""A scanned document's pages read by OCR and put into the document the PDF extractor built."""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from pathlib import Path

import pypdfium2

from extractors.model import Block, ExtractedDocument, RawTable, TextBlock
from extractors.ocr.engine import OcrUnavailable, ready
from extractors.ocr.page import PageRead, PageTooCoarse, read_page
from extractors.pdf.text import Line, in_margin, is_running_header, repeated_margin_lines, title_from_lines


def read_pages(path: Path, numbers: Sequence[int], problems: list[str]) -> list[PageRead]:
    """OCR the given pages (1-based); a page that cannot be read is named in `problems` and skipped."""
    ready()  # raises OcrUnavailable before any page is rendered
    pages = []
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        for number in numbers:
            try:
                pages.append(read_page(pdf, number))
            except PageTooCoarse as exc:
                problems.append(f"page {number}: not read by OCR: {exc}")
            except Exception as exc:  # one bad page never loses the rest of the document
                problems.append(f"page {number}: OCR failed ({type(exc).__name__}: {exc})")
    finally:
        pdf.close()
    return pages


def ocr_into(document: ExtractedDocument, path: Path, numbers: Sequence[int]) -> None:
    """Read the pages `numbers` of the PDF at `path` by OCR into `document`, in page order."""
    problems: list[str] = []
    try:
        pages = read_pages(path, numbers, problems)
    except OcrUnavailable as exc:
        document.problems.append(f"ocr: not available ({exc}); pages {_listed(numbers)} not read")
        return
    _drop_running_headers(pages, document.title)
    blocks = _blocks(pages)
    read = {p.number for p in pages}
    document.problems = [p for p in document.problems if not _is_needs_ocr_note(p, read)] + problems
    document.blocks = sorted([*document.blocks, *blocks], key=lambda b: b.page or 0)
    if document.title is None and pages and pages[0].number == 1:
        document.title = _title(pages[0])


_NEEDS_OCR = re.compile(r"^page (\d+): no text layer")


def _is_needs_ocr_note(problem: str, read: set[int]) -> bool:
    match = _NEEDS_OCR.match(problem)
    return match is not None and int(match.group(1)) in read


def _listed(numbers: Sequence[int]) -> str:
    return ", ".join(str(n) for n in numbers)


def _drop_running_headers(pages: list[PageRead], title: str | None) -> None:
    """Page numbers and lines repeated in the margins of the scanned pages, and the title printed as a
    running header (on a text page the PDF extractor already dropped it)."""
    repeated = repeated_margin_lines([(p.lines, p.height) for p in pages if p.lines])
    for page in pages:
        page.lines = [
            ln
            for ln in page.lines
            if not is_running_header(ln, page.height, repeated) and not _title_header(ln, page, title)
        ]


def _title_header(line: Line, page: PageRead, title: str | None) -> bool:
    """A margin line after page 1 that prints the report's title."""
    if page.number == 1 or not title or not in_margin(line, page.height):
        return False
    return _squashed(line.text) == _squashed(title)


def _squashed(text: str) -> str:
    return "".join(text.split())


def _page_items(page: PageRead) -> list[Block]:
    """Text runs and tables of a page in reading order (a table ends the text run above it)."""
    items: list[tuple[float, Block]] = [(top, table) for top, table in page.tables]
    run: list[Line] = []
    for line in page.lines:
        if run and any(run[0].top <= top <= line.top for top, _ in page.tables):
            items.append((run[0].top, TextBlock("\n".join(ln.text for ln in run), page.number)))
            run = []
        run.append(line)
    if run:
        items.append((run[0].top, TextBlock("\n".join(ln.text for ln in run), page.number)))
    return [item for _, item in sorted(items, key=lambda pair: pair[0])]


def _blocks(pages: list[PageRead]) -> list[Block]:
    """Every page's blocks; a table that opens a page continues the table that closed the page before."""
    blocks: list[Block] = []
    ended = 0  # the page the last block ends on
    for page in pages:
        for i, item in enumerate(_page_items(page)):
            last = blocks[-1] if blocks else None
            if (
                i == 0
                and isinstance(item, RawTable)
                and isinstance(last, RawTable)
                and ended == page.number - 1
            ):
                blocks[-1] = RawTable(last.rows + item.rows, last.page, last.strategy)
            else:
                blocks.append(item)
            ended = page.number
    return blocks


def _title(page: PageRead) -> str | None:
    if not page.lines:
        return None
    first_table = min((top for top, _ in page.tables), default=page.height)
    before = [ln for ln in page.lines if ln.top < first_table]
    return title_from_lines(before, statistics.median(ln.size for ln in page.lines))
