"""The PDF extractor: body text outside tables, ruled tables as cell grids, title and problems."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pdfplumber

from extractors.model import Block, ExtractedDocument, TextBlock
from extractors.pdf.pageends import take_overflow
from extractors.pdf.tables import (
    Fragment,
    append_fragment,
    page_fragments,
    same_extent,
    to_raw_table,
)
from extractors.pdf.text import (
    Line,
    clean_line,
    fake_bold_duplicates,
    is_background_fill,
    is_invisible_graphic,
    is_running_header,
    median_size,
    repeated_margin_lines,
    title_from_lines,
    unreadable_chars,
)
from extractors.pdf.webpage import cut_report

UNREADABLE_SHARE = 0.05  # above this share of (cid:)/U+FFFD glyphs a page's text is dropped


@dataclass
class PageContent:
    """What one page gave, before running headers are known (they need every page)."""

    number: int
    height: float
    lines: list[Line] = field(default_factory=list)
    tables: list[Fragment] = field(default_factory=list)
    lone_rows: list[Fragment] = field(default_factory=list)  # one-row tables: kept only if they join
    has_text: bool = False
    has_images: bool = False


def extract(path: Path, content_type: str | None = None) -> ExtractedDocument:
    """Read one local PDF. Never raises for a bad document: status 'failed' says why.

    Each page is parsed once (pdfplumber's `page.chars`), text and tables are read from the same
    page object, and the page is closed at once so memory stays flat however long the document is.
    Tables continued on the next page are joined into one grid by column x-positions
    (`extractors.pdf.tables`).
    """
    problems: list[str] = []
    try:
        pages = _read_pages(path, problems)
    except Exception as exc:  # pdfminer raises many unrelated types for broken files
        return ExtractedDocument(format="pdf", problems=[*problems, _open_failure(exc)], status="failed")
    document = _assemble(pages, problems)
    scanned = [p.number for p in pages if not p.has_text and p.has_images]
    if scanned:  # pages that are only an image: read by OCR (extractors.ocr), only those pages
        from extractors.ocr import ocr_into

        ocr_into(document, path, scanned)
    if pages and not any(p.has_text for p in pages) and not document.blocks:
        document.status = "needs_ocr"
        document.problems.append("text: no page has a text layer (page images only), needs OCR")
    elif not pages:
        document.status = "failed"
        document.problems.append("open: the PDF has no pages")
    return document


def _open_failure(exc: Exception) -> str:
    """Why the file could not be read, naming the stage."""
    cause = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
    name = type(cause).__name__
    if name == "PDFPasswordIncorrect" or "encrypt" in str(cause).lower():
        return "open: the PDF is encrypted and needs a password"
    if name == "PSEOF":
        return f"open: the PDF is truncated ({name}: {cause})"
    return f"open: not a readable PDF, corrupt or another format ({name}: {cause})"


def _read_pages(path: Path, problems: list[str]) -> list[PageContent]:
    pages = []
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            try:
                pages.append(_read_page(page, number, problems))
            except Exception as exc:  # one bad page never loses the rest of the document
                problems.append(f"page {number}: could not be read ({type(exc).__name__}: {exc})")
                pages.append(PageContent(number=number, height=float(page.height)))
            finally:
                page.close()
    return pages


def _visible_page(page: Any) -> Any:
    """The page without invisible graphics and fake-bold duplicate glyphs (only filtered if needed)."""
    dropped = fake_bold_duplicates(page.chars)
    dropped |= {id(obj) for obj in (*page.rects, *page.lines, *page.curves) if _no_rule(obj)}
    if not dropped:
        return page
    return page.filter(lambda obj: id(obj) not in dropped)


def _no_rule(obj: dict[str, Any]) -> bool:
    return is_invisible_graphic(obj) or is_background_fill(obj)


def _read_page(page: Any, number: int, problems: list[str]) -> PageContent:
    content = PageContent(number=number, height=float(page.height), has_images=bool(page.images))
    chars = page.chars
    if not chars:
        if content.has_images:
            problems.append(f"page {number}: no text layer (image only), needs OCR")
        return content
    content.has_text = True
    bad = unreadable_chars(chars)
    if bad > UNREADABLE_SHARE * len(chars):
        problems.append(f"page {number}: text is (cid:…) glyph codes, not readable")
        return content
    if bad:
        problems.append(f"page {number}: {bad} glyphs are (cid:…) codes, dropped")
    visible = _visible_page(page)
    if bad:
        visible = visible.filter(lambda o: o.get("object_type") != "char" or not _is_bad_glyph(o))
    content.tables, content.lone_rows = page_fragments(visible, number)
    if content.tables or content.lone_rows:
        take_overflow(visible, max([*content.tables, *content.lone_rows], key=lambda t: t.bottom))
    content.lines = _text_lines_outside(visible, content.tables)
    return content


def _is_bad_glyph(char: dict[str, Any]) -> bool:
    text: str = char["text"]
    return text.startswith("(cid:") or "\ufffd" in text


LINE_TOLERANCE_SHARE = 0.3  # of the largest glyph size: glyphs of one line set in two fonts sit apart
LINE_TOLERANCE_MAX = 8.0


def _line_tolerance(chars: list[dict[str, Any]]) -> float:
    """How far apart (pt) the tops of glyphs on one line may be: 3 (pdfplumber's default), more on a
    page with large type, where a heading's Latin digits sit several points lower than its CJK
    glyphs ("沭阳县发展和改革局2023年…": DejaVu digits 5.7 pt below WenQuanYi at 24 pt)."""
    largest = max((float(c["size"]) for c in chars), default=0.0)
    return min(max(3.0, LINE_TOLERANCE_SHARE * largest), LINE_TOLERANCE_MAX)


def _text_lines_outside(page: Any, tables: list[Fragment]) -> list[Line]:
    boxes = [(t.x0, t.top, t.x1, t.bottom) for t in tables]

    def outside(obj: dict[str, Any]) -> bool:
        if obj.get("object_type") != "char":
            return True
        cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)

    text_page = page.filter(outside) if boxes else page
    lines = []
    for raw in text_page.extract_text_lines(return_chars=True, y_tolerance=_line_tolerance(text_page.chars)):
        text = clean_line(raw["text"])
        if text:
            size = median_size(raw["chars"])
            lines.append(Line(text=text, top=float(raw["top"]), bottom=float(raw["bottom"]), size=size))
    return lines


# --------------------------------------------------------------------------------------
# Putting the pages together
# --------------------------------------------------------------------------------------


def _assemble(pages: list[PageContent], problems: list[str]) -> ExtractedDocument:
    repeated = repeated_margin_lines([(p.lines, p.height) for p in pages if p.lines])
    for page in pages:
        page.lines = [ln for ln in page.lines if not is_running_header(ln, page.height, repeated)]
    adopt_lone_rows(pages)
    pending: list[TextBlock | Fragment] = []
    open_table: Fragment | None = None  # the last table, if nothing but headers followed it
    for page in pages:
        for i, item in enumerate(_page_items(page)):
            if isinstance(item, Fragment):
                if open_table is not None and i == 0 and same_extent(open_table, item):
                    append_fragment(open_table, item)
                else:
                    open_table = item
                    pending.append(item)
            else:
                open_table = None
                pending.append(TextBlock(text="\n".join(item), page=page.number))
    blocks: list[Block] = [to_raw_table(b) if isinstance(b, Fragment) else b for b in pending]
    web = cut_report(blocks)  # a web page printed to PDF: the report without the site around it
    if web is not None:
        _drop_pages_after(web.last_page, pages, problems)
        return ExtractedDocument(
            format="pdf",
            blocks=web.blocks,
            title=web.title,
            page_count=len(pages),
            problems=problems,
            metadata=web.metadata,
        )
    return ExtractedDocument(
        format="pdf", blocks=blocks, title=_title(pages), page_count=len(pages), problems=problems
    )


def _tops(page: PageContent, leave_out: Fragment | None = None) -> tuple[float, float]:
    """(top of the first, bottom of the last) of the page's tables and lines, `leave_out`'s lines
    not counted."""
    lines = [ln for ln in page.lines if leave_out is None or not _in_band(ln, leave_out)]
    tops = [*(t.top for t in page.tables), *(ln.top for ln in lines)]
    bottoms = [*(t.bottom for t in page.tables), *(ln.bottom for ln in lines)]
    return min(tops, default=float("inf")), max(bottoms, default=float("-inf"))


def _in_band(line: Line, row: Fragment) -> bool:
    return row.top - 1 <= (line.top + line.bottom) / 2 <= row.bottom + 1


def _ends_with_table_like(page: PageContent | None, row: Fragment) -> bool:
    """The page ends with a table on `row`'s columns."""
    if page is None or not page.tables:
        return False
    last = max(page.tables, key=lambda t: t.bottom)
    return last.bottom >= _tops(page)[1] - 1 and same_extent(last, row)


def _starts_with_table_like(page: PageContent | None, row: Fragment) -> bool:
    """The page starts with a table on `row`'s columns."""
    if page is None or not page.tables:
        return False
    first = min(page.tables, key=lambda t: t.top)
    return first.top <= _tops(page)[0] + 1 and same_extent(row, first)


def adopt_lone_rows(pages: list[PageContent]) -> None:
    """A table's first row alone at the foot of a page, or its last row alone at the head of the
    next one (a printed page end cut the table there), is a one-row table, which the extractor
    leaves out of the tables (a table has two rows): taken in when the table on the other side of
    the page end lies on the same columns; else its text stays body text."""
    for k, page in enumerate(pages):
        before = pages[k - 1] if k > 0 else None
        after = pages[k + 1] if k + 1 < len(pages) else None
        for row in page.lone_rows:
            first, last = _tops(page, leave_out=row)
            if (row.top <= first and _ends_with_table_like(before, row)) or (
                row.bottom >= last and _starts_with_table_like(after, row)
            ):
                page.lines = [ln for ln in page.lines if not _in_band(ln, row)]
                page.tables = sorted([*page.tables, row], key=lambda t: t.top)


def _drop_pages_after(last: int | None, pages: list[PageContent], problems: list[str]) -> None:
    """Pages after the site footer of a printed web page hold no report: their problems (an image of
    a broken frame, no text) are not the report's, and they are never sent to OCR."""
    if last is None:
        return
    for page in pages:
        if page.number > last:
            page.has_images = False
            problems[:] = [p for p in problems if not p.startswith(f"page {page.number}:")]


def _page_items(page: PageContent) -> list[Fragment | list[str]]:
    """Text runs (lists of lines) and tables of a page, in reading order."""
    items: list[tuple[float, Fragment | list[str]]] = [(t.top, t) for t in page.tables]
    run: list[str] = []
    run_top = 0.0
    for line in page.lines:
        if run and any(run_top <= t.top <= line.top for t in page.tables):
            items.append((run_top, run))
            run = []
        if not run:
            run_top = line.top
        run.append(line.text)
    if run:
        items.append((run_top, run))
    items.sort(key=lambda pair: pair[0])
    return [item for _, item in items]


def _title(pages: list[PageContent]) -> str | None:
    first = next((p for p in pages if p.lines), None)
    if first is None or first.number != 1:
        return None
    before_table = [ln for ln in first.lines if not any(t.top < ln.top for t in first.tables)]
    body_size = statistics.median(ln.size for ln in first.lines)
    return title_from_lines(before_table, body_size)
