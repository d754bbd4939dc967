"""Ruled tables of a PDF page as cell grids, and the joining of tables continued across pages.

A page's tables come out as `Fragment`s that keep their column x-boundaries, so that a fragment on
the next page can be laid onto the same columns by position, not by index: the first fragment often
has fewer columns (its rows span the inner label columns).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from extractors.pdf_fragment import NUMBER, X_TOLERANCE, merge_bounds, to_fragment
from extractors.pdf_fragment import Fragment as Fragment  # re-exported: extractors.pdf imports it from here
from extractors.pdf_rules import cover_unprinted_blanks as cover_unprinted_blanks  # re-exported for tests
from extractors.pdf_rules import rule_only_fragments
from pipeline.schema import RawCell, RawTable

MIN_EDGES = 4
_LABEL_START = re.compile(
    r"^(?:[（(][一二三四五六七八九十\d]+[）)]|[一二三四五六七八九十]+[、.．]|\d+[.、．])"
)


def _strategy_name(page: Any) -> str:
    """'rects' when the page draws its rules only as thin filled rectangles, else 'lines'."""
    return "lines" if page.lines else "rects"


def page_fragments(page: Any, page_no: int) -> list[Fragment]:
    """Every ruled table of a page (at least 2x2 cells), top to bottom: tables with full borders
    first, then tables drawn with horizontal rules only (`rule_only_fragments`)."""
    if len(page.edges) < MIN_EDGES:
        return []
    fragments = []
    for table in page.find_tables():
        fragment = to_fragment(table, page_no, _strategy_name(page))
        if fragment is not None:
            fragments.append(fragment)
    fragments += rule_only_fragments(page, page_no, fragments)
    return sorted(fragments, key=lambda f: f.top)


# --------------------------------------------------------------------------------------
# Joining fragments across pages
# --------------------------------------------------------------------------------------


def same_extent(a: Fragment, b: Fragment) -> bool:
    return abs(a.x0 - b.x0) <= X_TOLERANCE and abs(a.x1 - b.x1) <= X_TOLERANCE


def _index(bounds: Sequence[float], x: float) -> int:
    return min(range(len(bounds)), key=lambda i: abs(bounds[i] - x))


def _regrid(
    rows: list[list[str | None]], xs: Sequence[float], bounds: Sequence[float]
) -> list[list[str | None]]:
    """Lay rows onto finer column bounds: a cell that now spans several columns keeps its text in the
    first and None (covered) in the rest."""
    width = len(bounds) - 1
    out = []
    for row in rows:
        new: list[str | None] = [None] * width
        for j, text in enumerate(row):
            new[min(_index(bounds, xs[j]), width - 1)] = text
        out.append(new)
    return out


def _is_label_continuation(text: str | None) -> bool:
    return bool(text) and not _LABEL_START.match(text or "") and not NUMBER.match(text or "")


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
        if owner is None or not above or NUMBER.match(above):
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


def append_fragment(table: Fragment, cont: Fragment) -> None:
    """Append the continuation `cont` (the next page's first table) to `table`, in place."""
    bounds = merge_bounds(table.xs, cont.xs)
    table.rows = _regrid(table.rows, table.xs, bounds)
    rows = _drop_repeated_header(table, _regrid(cont.rows, cont.xs, bounds))
    first = len(table.rows)
    table.rows.extend(rows)
    table.row_pages.extend([cont.page] * len(rows))
    if rows:
        _carry_split_labels(table.rows, first)
    table.xs = bounds
    table.pages.append(cont.page)
    table.bottom = cont.bottom


def to_raw_table(fragment: Fragment) -> RawTable:
    rows = tuple(
        tuple(RawCell(text, page) for text in row)
        for row, page in zip(fragment.rows, fragment.row_pages, strict=True)
    )
    return RawTable(rows=rows, page=fragment.page, strategy=fragment.strategy)
