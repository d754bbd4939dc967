"""Text helpers shared by the HTML and DOCX extractors, and the "textgrid" table reader."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from extractors.model import RawCell, RawTable
from extractors.textnorm import is_blank, is_cjk, normalize_spaces


def join_fragments(fragments: Iterable[str]) -> str:
    """Join the lines of one cell: nothing next to a CJK character, a space between Latin/digit runs.

    Chinese text has no spaces between words, so a line wrap inside a cell must not become a space
    (spaces as in `extractors.textnorm`).
    """
    out = ""
    for fragment in (normalize_spaces(f) for f in fragments):
        if not fragment:
            continue
        if out and not is_cjk(out[-1]) and not is_cjk(fragment[0]):
            out += " "
        out += fragment
    return out


# ---- textgrid ---------------------------------------------------------------------------

CELL_MARK = "\t"


@dataclass
class _GridParse:
    rows: list[list[str]]
    end: int  # index of the first line after the grid


def _parse_grid(lines: Sequence[str], start: int) -> _GridParse:
    rows: list[list[str]] = []
    row: list[list[str]] = []
    cell: list[str] | None = None
    i = start
    while i < len(lines):
        line = lines[i]
        if line.startswith(CELL_MARK):
            cell = [line[len(CELL_MARK) :]]
            row.append(cell)
        elif is_blank(line):
            if row:
                rows.append([join_fragments(c) for c in row])
            row, cell = [], None
        elif cell is not None:
            cell.append(line)  # a long cell wrapped onto the next line
        else:
            break  # text after a blank line: the table is over
        i += 1
    if row:
        rows.append([join_fragments(c) for c in row])
    return _GridParse(rows, i)


def _looks_like_grid(rows: list[list[str]]) -> bool:
    return len(rows) >= 2 and max(len(r) for r in rows) >= 2


def split_textgrids(lines: Sequence[str]) -> list[str | RawTable]:
    """Lines of text -> the same lines with every tab-laid-out table replaced by a RawTable.

    The layout: each cell starts a new line with a tab, long cells wrap onto further lines, a blank
    line ends a row; pages whose table survives only as text use it (see `shared/seeds/`).
    Rows are as printed (a row holds the cells of one printed row, so rows may differ in length);
    a cell that is empty in the text is an empty string.
    """
    out: list[str | RawTable] = []
    i = 0
    while i < len(lines):
        if not lines[i].startswith(CELL_MARK):
            out.append(lines[i])
            i += 1
            continue
        parsed = _parse_grid(lines, i)
        if _looks_like_grid(parsed.rows):
            rows = tuple(tuple(RawCell(text) for text in r) for r in parsed.rows)
            out.append(RawTable(rows=rows, page=None, strategy="html-textgrid"))
        else:
            out.extend(lines[i : parsed.end])
        i = parsed.end
    return out


# ---- span expansion ---------------------------------------------------------------------


@dataclass(frozen=True)
class SpanCell:
    text: str
    rowspan: int = 1
    colspan: int = 1


def build_grid(rows: Sequence[Sequence[SpanCell]], strategy: str) -> RawTable:
    """Place spanning cells into a rectangular grid: text in the top-left cell, None where covered.

    Positions no cell reaches (short rows) are empty strings.
    """
    taken: dict[tuple[int, int], str | None] = {}
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            taken[(r, c)] = cell.text
            for dr in range(max(1, cell.rowspan)):
                for dc in range(max(1, cell.colspan)):
                    # Overlapping spans (broken markup) never overwrite another cell's text.
                    taken.setdefault((r + dr, c + dc), None)
            c += max(1, cell.colspan)
    n_rows = len(rows)
    n_cols = max((c + 1 for (r, c) in taken if r < n_rows), default=0)
    grid = tuple(tuple(RawCell(taken.get((r, c), "")) for c in range(n_cols)) for r in range(n_rows))
    return RawTable(rows=grid, page=None, strategy=strategy)


def build_grid_from_rows(rows: Sequence[Sequence[RawCell]], strategy: str) -> RawTable:
    """Rows already expanded (covered cells None) -> a rectangular RawTable, short rows padded with ""."""
    width = max((len(r) for r in rows), default=0)
    grid = tuple(tuple(r) + (RawCell(""),) * (width - len(r)) for r in rows)
    return RawTable(rows=grid, page=None, strategy=strategy)
