"""Ruled tables of a PDF page as cell grids, and the joining of tables continued across pages."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from extractors.model import RawCell, RawTable
from extractors.numbers import is_number_or_dash
from extractors.pdf.fragment import X_TOLERANCE, merge_bounds, to_fragment
from extractors.pdf.fragment import Fragment as Fragment  # re-exported: extractors.pdf imports it from here
from extractors.pdf.rules import cover_unprinted_blanks as cover_unprinted_blanks  # re-exported for tests
from extractors.pdf.rules import rule_only_fragments
from extractors.pdf.text import clean_cell_text, is_page_number

MIN_EDGES = 4
SNAP = 3.0  # pt: pdfplumber's snap/join tolerance; a vertical rule this far past the top rule is normal
# pt: how far past a table's first (last) rule a row that a page break left without its rule above
# (below) may reach
MAX_UNRULED_ROW = 400.0
MAX_LABEL_COLUMN = 200.0  # pt: how far left of a table a merged label column's rule may stand
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
    if not tables and (box := boxed_cell(page, page_no, edges)) is not None:
        lone.append(box)
    return sorted(fragments, key=lambda f: f.top), lone


OVERFLOW_LINES = 3  # text lines a cut cell may print below its table's last rule


def take_overflow(page: Any, fragment: Fragment) -> None:
    """Text a cut cell prints below its table's last rule at a page end, into that cell, in place.

    Where a printed page ends inside a row, Chromium draws the row's rules to the page end of the
    row but sets the cell's last lines under them ("三、本年" in the table, "度办" below it). Lines
    right under the page's lowest table, made only of glyphs inside its columns, and with nothing
    under them, are the ends of the last row's cells: each glyph goes to the cell of its column
    (the merged cell it belongs to when that cell is covered), and the fragment reaches down to them.
    """
    chars = [c for c in page.chars if float(c["top"]) > fragment.bottom - 1]
    if not chars:
        return
    size = max(float(c["size"]) for c in chars)
    band = [c for c in chars if float(c["top"]) < fragment.bottom + OVERFLOW_LINES * size * 1.5]
    if len(band) < len(chars) or not all(fragment.x0 < float(c["x0"]) < fragment.x1 for c in band):
        return  # more text follows (the table is no page end), or the lines run outside the table
    if min(float(c["top"]) for c in band) > fragment.bottom + 2 * size or _runs_across(band, fragment.xs):
        return  # a heading or a paragraph after the table, not the end of its cells
    if any(is_page_number(line) for line in _line_texts(band)):
        return  # the page's number under a table that ends at the page foot
    for column, text in _column_texts(band, fragment.xs).items():
        row, col = _owner_cell(fragment.rows, column)
        fragment.rows[row][col] = (fragment.rows[row][col] or "") + text
    fragment.bottom = max(float(c["bottom"]) for c in band)


def _column_of(char: dict[str, Any], xs: Sequence[float]) -> int:
    middle = (float(char["x0"]) + float(char["x1"])) / 2
    return max(0, min(len(xs) - 2, sum(1 for x in xs[1:-1] if x <= middle)))


def _runs_across(chars: Sequence[dict[str, Any]], xs: Sequence[float]) -> bool:
    """True when a run of text crosses a column bound: glyphs set close together (a line of body
    text) on both sides of it; a cell's text keeps its padding off the rules."""
    ordered = sorted(chars, key=lambda c: (round(float(c["top"])), float(c["x0"])))
    return any(
        round(float(a["top"])) == round(float(b["top"]))
        and _column_of(a, xs) != _column_of(b, xs)
        and float(b["x0"]) - float(a["x1"]) < SNAP
        for a, b in itertools.pairwise(ordered)
    )


def _line_texts(chars: Sequence[dict[str, Any]]) -> list[str]:
    lines: dict[int, list[dict[str, Any]]] = {}
    for c in chars:
        lines.setdefault(round(float(c["top"])), []).append(c)
    return ["".join(c["text"] for c in sorted(line, key=lambda c: float(c["x0"]))) for line in lines.values()]


def _column_texts(chars: Sequence[dict[str, Any]], xs: Sequence[float]) -> dict[int, str]:
    texts: dict[int, str] = {}
    for c in sorted(chars, key=lambda c: (round(float(c["top"])), float(c["x0"]))):
        column = _column_of(c, xs)
        texts[column] = texts.get(column, "") + c["text"]
    return {j: clean_cell_text(t) or "" for j, t in texts.items()}


def _owner_cell(rows: list[list[str | None]], col: int) -> tuple[int, int]:
    """The last row's cell at `col`, or the merged cell covering it (above, else to the left)."""
    last = len(rows) - 1
    for i in range(last, -1, -1):
        if rows[i][col] is not None:
            return i, col
    for j in range(col, -1, -1):
        if rows[last][j] is not None:
            return last, j
    return last, col


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
    return _h_line(x0, x1, y)


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


SAME_RULE = 1.5  # pt: vertical segments this close in x are one rule (a border drawn as a thin rect)


def vertical_runs(edges: Sequence[dict[str, Any]]) -> list[tuple[float, float, float]]:
    """(x, top, bottom) of every vertical rule: segments at one x drawn end to end joined."""
    runs: list[tuple[float, float, float]] = []
    segments = sorted(
        (float(e["x0"]), float(e["top"]), float(e["bottom"])) for e in edges if e["orientation"] == "v"
    )
    groups: list[list[tuple[float, float, float]]] = []
    for seg in segments:
        if groups and seg[0] - groups[-1][-1][0] <= SAME_RULE:
            groups[-1].append(seg)
        else:
            groups.append([seg])
    for group in groups:
        x = group[0][0]
        for _, top, bottom in sorted(group, key=lambda s: s[1]):
            if runs and runs[-1][0] == x and top <= runs[-1][2] + SNAP:
                runs[-1] = (x, runs[-1][1], max(runs[-1][2], bottom))
            else:
                runs.append((x, top, bottom))
    return runs


def _ruled_across(edges: Sequence[dict[str, Any]], y: float, x0: float, x1: float) -> bool:
    """True when horizontal rules at y cover x0..x1 without a gap."""
    spans = sorted(
        (float(e["x0"]), float(e["x1"]))
        for e in edges
        if e["orientation"] == "h" and abs(float(e["top"]) - y) <= SNAP
    )
    reach = x0 + SNAP
    for start, end in spans:
        if start > reach:
            break
        reach = max(reach, end)
    return reach >= x1 - SNAP


def closing_rules(edges: Sequence[dict[str, Any]], tables: Sequence[Any]) -> list[dict[str, Any]]:
    """Rules closing merged cells that a printed page end cut open.

    A merged label cell ("三、本年度办理结果") cut by a page end has its column rules but no rule below
    it on the page it starts on (above it on the page it ends on), so pdfplumber leaves the cell out,
    or starts the table one column in, and the label falls out of the table as body text. A table's
    top (bottom) rule is drawn across the table and on to the left to the vertical rules that start
    (end) where the table does, wherever the page leaves it open."""
    runs = vertical_runs(edges)
    added = []
    for table in tables:
        x0, top, x1, bottom = (float(v) for v in table.bbox)
        beside = [
            r for r in runs if x0 - MAX_LABEL_COLUMN <= r[0] < x0 - SNAP and r[2] > top and r[1] < bottom
        ]
        for y, end in ((top, 1), (bottom, 2)):
            left = min([x0, *(r[0] for r in beside if abs(r[end] - y) <= SNAP)])
            if not _ruled_across(edges, y, left, x1):
                added.append(_h_line(left, x1, y))
    return added


MIN_ROW_RULES = 3  # column rules a row without horizontal rules needs to be read as a table row


def _widest_row(edges: Sequence[dict[str, Any]], least: int) -> tuple[float, float, float, float] | None:
    """(x0, top, x1, bottom) of the most vertical rules (at least `least`) that start and end at the
    same heights: the column rules of one table row."""
    groups: dict[tuple[int, int], list[tuple[float, float, float]]] = {}
    for run in (r for r in vertical_runs(edges) if r[2] - r[1] > 2 * SNAP):  # not a corner's stub
        groups.setdefault((round(run[1] / SNAP), round(run[2] / SNAP)), []).append(run)
    rows = [g for g in groups.values() if len(g) >= least]
    if not rows:
        return None
    row = max(rows, key=len)
    return min(r[0] for r in row), min(r[1] for r in row), max(r[0] for r in row), max(r[2] for r in row)


def _has_text(page: Any, x0: float, top: float, x1: float, bottom: float) -> bool:
    return any(top < float(c["top"]) < bottom and x0 < float(c["x0"]) < x1 for c in page.chars)


def unruled_row_rules(page: Any, edges: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """A page that one tall table row fills, cut open by the page ends above and below (a label that
    wraps over a whole printed page): its column rules all start and end at the same heights, and
    no rule closes it. Horizontal lines where those rules start and end, if text sits between."""
    row = _widest_row(edges, MIN_ROW_RULES)
    if row is None or not _has_text(page, *row):
        return []
    x0, top, x1, bottom = row
    return [_h_line(x0, x1, y) for y in (top, bottom) if not _ruled_across(edges, y, x0, x1)]


def boxed_cell(page: Any, page_no: int, edges: Sequence[dict[str, Any]]) -> Fragment | None:
    """A table's one-cell row ruled all round (a block title "第二十条第（一）项" alone at a page's
    foot), which pdfplumber's finder never returns: a one-row fragment, if text sits inside."""
    row = _widest_row(edges, 2)
    if row is None or not _has_text(page, *row):
        return None
    x0, top, x1, bottom = row
    if not (_ruled_across(edges, top, x0, x1) and _ruled_across(edges, bottom, x0, x1)):
        return None
    text = clean_cell_text(page.crop((x0, top, x1, bottom)).extract_text())
    return Fragment(page_no, [x0, x1], [[text]], [page_no], top, bottom, _strategy_name(page), [[page_no]])


def _h_line(x0: float, x1: float, y: float) -> dict[str, Any]:
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
