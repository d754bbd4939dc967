"""Ruled tables of a PDF page as cell grids, and the joining of tables continued across pages."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from extractors.model import RawCell, RawTable
from extractors.numbers import is_number_or_dash
from extractors.pdf.fragment import X_TOLERANCE, merge_bounds, to_fragment
from extractors.pdf.fragment import Fragment as Fragment  # re-exported: extractors.pdf imports it from here
from extractors.pdf.pageends import (
    MAX_LABEL_COLUMN,
    SNAP,
    boxed_cell,
    closing_rules,
    h_line,
    unruled_row_rules,
)
from extractors.pdf.rules import cover_unprinted_blanks as cover_unprinted_blanks  # re-exported for tests
from extractors.pdf.rules import rule_only_fragments

MIN_EDGES = 4
# pt: how far past a table's first (last) rule a row that a page break left without its rule above
# (below) may reach
MAX_UNRULED_ROW = 400.0
T = TypeVar("T")
_LABEL_START = re.compile(
    r"^(?:[（(][一二三四五六七八九十\d]+[）)]|[一二三四五六七八九十]+[、.．]|\d+[.、．])"
)


def _strategy_name(page: Any) -> str:
    """'rects' when the page draws its rules only as thin filled rectangles, else 'lines'."""
    return "lines" if page.lines else "rects"


def page_fragments(page: Any, page_no: int) -> tuple[list[Fragment], list[Fragment]]:
    """Every ruled table of a page (at least 2x2 cells), top to bottom: tables with full borders
    first, then tables drawn with horizontal rules only (`rule_only_fragments`); and apart, the
    ruled tables of one row (a table's first or last row alone on a page, kept only if it joins)."""
    edges = page.edges
    if len(edges) < MIN_EDGES:
        return [], []
    tables = page.find_tables()
    added = [
        r for r in (missing_top_rule(page, edges, tables), missing_bottom_rule(page, edges, tables)) if r
    ]
    added += closing_rules(edges, tables) if tables else unruled_row_rules(page, edges)
    if added:
        tables = page.find_tables({"explicit_horizontal_lines": added})
    fragments: list[Fragment] = []
    lone: list[Fragment] = []
    for table in tables:
        fragment = to_fragment(table, page_no, _strategy_name(page), min_rows=1)
        if fragment is not None:
            (fragments if len(fragment.rows) > 1 else lone).append(fragment)
    fragments += rule_only_fragments(page, page_no, fragments)
    if not tables and (box := boxed_cell(page, page_no, edges, _strategy_name(page))) is not None:
        lone.append(box)
    return sorted(fragments, key=lambda f: f.top), lone


def missing_top_rule(
    page: Any, edges: Sequence[dict[str, Any]], tables: Sequence[Any]
) -> dict[str, Any] | None:
    """The rule a table continued from the previous page lacks above its first row (pdfplumber #720):
    when column rules of the page's top table reach up to a row's height above its first horizontal
    rule and text sits in between, a horizontal line where those rules start; else None."""
    if not tables:
        return None
    table = min(tables, key=lambda t: t.bbox[1])
    x0, top, x1, _ = (float(v) for v in table.bbox)
    columns = {float(x) for cell in table.cells for x in (cell[0], cell[2])}
    risers = [
        e
        for e in edges
        if e["orientation"] == "v"
        and top - MAX_UNRULED_ROW <= float(e["top"]) < top - SNAP <= float(e["bottom"])
        and any(abs(float(e["x0"]) - x) <= X_TOLERANCE for x in columns)
    ]
    if len(risers) < 2:
        return None
    y = min(float(e["top"]) for e in risers)
    x0 = min(
        [x0]
        + [
            float(e["x0"])
            for e in edges
            if e["orientation"] == "v"
            and x0 - MAX_LABEL_COLUMN <= float(e["x0"]) < x0
            and abs(float(e["top"]) - y) <= SNAP
            and float(e["bottom"]) >= top - SNAP
        ]
    )
    if not any(
        y < (float(c["top"]) + float(c["bottom"])) / 2 < top
        and x0 <= (float(c["x0"]) + float(c["x1"])) / 2 <= x1
        for c in page.chars
    ):
        return None
    return h_line(x0, x1, y)


def missing_bottom_rule(
    page: Any, edges: Sequence[dict[str, Any]], tables: Sequence[Any]
) -> dict[str, Any] | None:
    """The rule a table cut by the page end lacks below its last row (the producer draws it on the
    next page, or not at all): when the page's lowest column rules reach down past every table
    found (by up to a row's height below the last horizontal rule across them) and text sits in
    that open row, a horizontal line where those rules end; else None. A table whose only rows are
    open that way (a header cut at the page foot) is found by it too."""
    verticals = [e for e in edges if e["orientation"] == "v"]
    if not verticals:
        return None
    y = max(float(e["bottom"]) for e in verticals)
    if any(y <= float(t.bbox[3]) + SNAP for t in tables):
        return None  # a table found ends where the rules do: nothing is open
    fallers = [e for e in verticals if abs(float(e["bottom"]) - y) <= SNAP]
    x0, x1 = min(float(e["x0"]) for e in fallers), max(float(e["x0"]) for e in fallers)
    across = [
        float(e["top"])
        for e in edges
        if e["orientation"] == "h"
        and float(e["top"]) < y - SNAP
        and float(e["x0"]) < x1
        and float(e["x1"]) > x0
    ]
    if len(fallers) < 2 or not across or y - max(across) > MAX_UNRULED_ROW:
        return None
    last = max(across)
    if not any(
        last < (float(c["top"]) + float(c["bottom"])) / 2 < y
        and x0 <= (float(c["x0"]) + float(c["x1"])) / 2 <= x1
        for c in page.chars
    ):
        return None
    return {"object_type": "line", "x0": x0, "x1": x1, "top": y, "bottom": y, "width": x1 - x0, "height": 0.0}


# --------------------------------------------------------------------------------------
# Joining fragments across pages
# --------------------------------------------------------------------------------------


MIN_SHARED_BOUNDS = 3  # column bounds a narrower continuation must share with the table it continues


def same_extent(a: Fragment, b: Fragment) -> bool:
    """True when `b` lies on `a`'s columns: the same outer edges, or the same right edge and a left
    edge on one of `a`'s column bounds with more bounds shared (the columns left of it hold merged
    labels running on from the previous page, drawn without rules, so pdfplumber starts the table
    one column in)."""
    if abs(a.x1 - b.x1) > X_TOLERANCE:
        return False
    if abs(a.x0 - b.x0) <= X_TOLERANCE:
        return True
    shared = sum(any(abs(x - y) <= X_TOLERANCE for y in a.xs) for x in b.xs)
    on_a_bound = any(abs(b.x0 - y) <= X_TOLERANCE for y in a.xs)
    return b.x0 > a.x0 and on_a_bound and shared >= MIN_SHARED_BOUNDS + 1


def _index(bounds: Sequence[float], x: float) -> int:
    return min(range(len(bounds)), key=lambda i: abs(bounds[i] - x))


def _regrid(
    rows: list[list[T]], xs: Sequence[float], bounds: Sequence[float], fill: Callable[[list[T]], T]
) -> list[list[T]]:
    """Lay rows onto finer column bounds: a cell that now spans several columns keeps its value in the
    first and `fill(row)` in the rest (None, covered, for texts; the row's page for pages)."""
    width = len(bounds) - 1
    out = []
    for row in rows:
        new = [fill(row)] * width
        for j, value in enumerate(row):
            new[min(_index(bounds, xs[j]), width - 1)] = value
        out.append(new)
    return out


def _covered(row: list[str | None]) -> str | None:
    return None


def _first_page(row: list[int]) -> int:
    return row[0]


def _is_label_continuation(text: str | None) -> bool:
    return bool(text) and not _LABEL_START.match(text or "") and not is_number_or_dash(text)


def _owner_above(rows: list[list[str | None]], start: int, col: int) -> int | None:
    for i in range(start, -1, -1):
        if rows[i][col] is not None:
            return i
    return None


def _carry_split_labels(rows: list[list[str | None]], first: int) -> None:
    """A merged label cut by the page break ('（四）无' | '法提供'): move the continued text up into the
    cell it continues and leave the continuation None, so the caller fills the label downward."""
    for col, text in enumerate(rows[first]):
        if not _is_label_continuation(text):
            continue
        owner = _owner_above(rows, first - 1, col)
        above = rows[owner][col] if owner is not None else None
        if owner is None or not above or is_number_or_dash(above):
            continue
        if not _LABEL_START.match(above):
            continue  # only a numbered group label is ever split mid-word by a page break
        rows[owner][col] = above + (text or "")
        rows[first][col] = None


def _drop_repeated_header(table: Fragment, rows: list[list[str | None]]) -> list[list[str | None]]:
    n = 0
    while n < len(rows) and n < len(table.rows) and any(rows[n]) and rows[n] == table.rows[n]:
        n += 1
    return rows[n:]


def _is_number(text: str | None) -> bool:
    return is_number_or_dash(text)


def is_cut_row(upper: list[str | None], lower: list[str | None]) -> bool:
    """A row cut by the page break: the upper half prints only labels, the lower half only numbers,
    every label left of every number (a header row above numbers fails this: it prints above them)."""
    labels = [j for j, text in enumerate(upper) if text]
    numbers = [j for j, text in enumerate(lower) if text]
    return (
        bool(labels and numbers)
        and not any(_is_number(upper[j]) for j in labels)
        and all(_is_number(lower[j]) for j in numbers)
        and max(labels) < min(numbers)
    )


def _join_cut_row(table: Fragment, rows: list[list[str | None]], pages: list[list[int]]) -> None:
    """Fill the table's last row (the upper half) with the numbers of `rows[0]` and drop that row."""
    upper, upper_pages = table.rows[-1], table.cell_pages[-1]
    for j, text in enumerate(rows[0]):
        if text:
            upper[j], upper_pages[j] = text, pages[0][j]
    del rows[0], pages[0]


def append_fragment(table: Fragment, cont: Fragment) -> None:
    """Append the continuation `cont` (the next page's first table) to `table`, in place.

    Fragments keep their column x-boundaries, so `cont` is laid onto the same columns by position,
    not by index: the first fragment often has fewer columns (its rows span the inner label columns).

    Page breaks handled: a continuation with no rule above its first row (pdfplumber #720: the row
    would be lost, so `missing_top_rule` adds a rule where the vertical rules start); a merged label
    printed half on each page; a row cut in two with its labels above the break and its numbers below
    (joined back). Not handled: a cut row whose two halves both print text in the same column (a
    wrapped label continued below the break beside numbers printed above it) stays two rows, because
    it cannot be told apart from two rows with blank cells; and a rule-only table ("explicit")
    continued without a rule above its first row loses that row into the body text.
    """
    bounds = merge_bounds(table.xs, cont.xs)
    table.rows = _regrid(table.rows, table.xs, bounds, _covered)
    table.cell_pages = _regrid(table.cell_pages, table.xs, bounds, _first_page)
    rows = _drop_repeated_header(table, _regrid(cont.rows, cont.xs, bounds, _covered))
    pages = _regrid(cont.cell_pages, cont.xs, bounds, _first_page)[len(cont.rows) - len(rows) :]
    if rows and table.rows and is_cut_row(table.rows[-1], rows[0]):
        _join_cut_row(table, rows, pages)
    first = len(table.rows)
    table.rows.extend(rows)
    table.cell_pages.extend(pages)
    if rows:
        _carry_split_labels(table.rows, first)
    table.xs = bounds
    table.pages.append(cont.page)
    table.bottom = cont.bottom


def to_raw_table(fragment: Fragment) -> RawTable:
    rows = tuple(
        tuple(RawCell(text, page) for text, page in zip(row, pages, strict=True))
        for row, pages in zip(fragment.rows, fragment.cell_pages, strict=True)
    )
    return RawTable(rows=rows, page=fragment.page, strategy=fragment.strategy)
