"""A table as found on one PDF page (`Fragment`), and the column tolerance and boundary merging that the
table finders and the joining of tables across pages share (numbers are told by `extractors.numbers`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from extractors.pdf.text import clean_cell_text

X_TOLERANCE = 4.0  # pdfplumber snaps nearby rules (3 pt), so one border can move ~2.5 pt between pages


@dataclass
class Fragment:
    """One table as found on one page: texts (None = covered by a merge) on column boundaries `xs`,
    and the page each cell is printed on (`cell_pages`, the same shape as `rows`)."""

    page: int
    xs: list[float]
    rows: list[list[str | None]]
    pages: list[int]
    top: float
    bottom: float
    strategy: str
    cell_pages: list[list[int]] = field(default_factory=list)

    @property
    def x0(self) -> float:
        return self.xs[0]

    @property
    def x1(self) -> float:
        return self.xs[-1]


def _column_bounds(table: Any) -> list[float]:
    xs = sorted({float(cell[0]) for cell in table.cells})
    return [*xs, float(table.bbox[2])]


def to_fragment(table: Any, page_no: int, strategy: str, min_rows: int = 2) -> Fragment | None:
    rows = [[clean_cell_text(text) for text in row] for row in table.extract()]
    if len(rows) < min_rows or not rows or (len(rows) > 1 and max(len(r) for r in rows) < 2):
        return None  # a framed paragraph, not a table: its text stays body text
    return Fragment(
        page=page_no,
        xs=_column_bounds(table),
        rows=rows,
        pages=[page_no],
        top=float(table.bbox[1]),
        bottom=float(table.bbox[3]),
        strategy=strategy,
        cell_pages=[[page_no] * len(row) for row in rows],
    )


def merge_bounds(a: Sequence[float], b: Sequence[float]) -> list[float]:
    merged: list[float] = []
    for x in sorted([*a, *b]):
        if merged and x - merged[-1] <= X_TOLERANCE:
            continue
        merged.append(x)
    return merged
