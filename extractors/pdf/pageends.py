"""Tables cut by a page end as a browser prints them: the rules a page end leaves out, a table row
alone on its page, and the text a cut cell sets under its table's last rule."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from extractors.pdf.fragment import Fragment
from extractors.pdf.text import clean_cell_text, is_page_number

SNAP = 3.0  # pt: pdfplumber's snap/join tolerance; a vertical rule this far past the top rule is normal
MAX_LABEL_COLUMN = 200.0  # pt: how far left of a table a merged label column's rule may stand


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
                added.append(h_line(left, x1, y))
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
    return [h_line(x0, x1, y) for y in (top, bottom) if not _ruled_across(edges, y, x0, x1)]


def boxed_cell(page: Any, page_no: int, edges: Sequence[dict[str, Any]], strategy: str) -> Fragment | None:
    """A table's one-cell row ruled all round (a block title "第二十条第（一）项" alone at a page's
    foot), which pdfplumber's finder never returns: a one-row fragment, if text sits inside."""
    row = _widest_row(edges, 2)
    if row is None or not _has_text(page, *row):
        return None
    x0, top, x1, bottom = row
    if not (_ruled_across(edges, top, x0, x1) and _ruled_across(edges, bottom, x0, x1)):
        return None
    text = clean_cell_text(page.crop((x0, top, x1, bottom)).extract_text())
    return Fragment(page_no, [x0, x1], [[text]], [page_no], top, bottom, strategy, [[page_no]])


def h_line(x0: float, x1: float, y: float) -> dict[str, Any]:
    return {"object_type": "line", "x0": x0, "x1": x1, "top": y, "bottom": y, "width": x1 - x0, "height": 0.0}


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
