"""The official table layouts as grids of merged cells, shared by every renderer.

A grid row lists only the cells that start in it (as in HTML); `placed()` gives each
cell's (row, column). Value cells carry their canonical key so renderers can record pages.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pipeline.normalize.template import ACTIVE_BLOCKS, REQUEST_COLUMNS, REQUEST_ROWS, REVIEW_COLUMNS
from tests.fixturegen.model import CellKey, ReportSpec

REQUESTS_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


@dataclass(frozen=True)
class GridCell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    key: CellKey | None = None
    label: bool = False  # a row label (left-aligned) rather than a header or number


GridRow = tuple[GridCell, ...]


@dataclass(frozen=True)
class Grid:
    table_key: str
    rows: tuple[GridRow, ...]
    col_widths: tuple[float, ...]  # points, summing to the A4 text width
    header_rows: int = 0

    @property
    def ncols(self) -> int:
        return len(self.col_widths)


def placed(grid: Grid) -> list[tuple[int, int, GridCell]]:
    """(row, col, cell) for every cell, columns resolved against the spans above."""
    taken: set[tuple[int, int]] = set()
    out: list[tuple[int, int, GridCell]] = []
    for r, row in enumerate(grid.rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            out.append((r, c, cell))
            taken |= {(r + i, c + j) for i in range(cell.rowspan) for j in range(cell.colspan)}
            c += cell.colspan
    return out


def value(spec: ReportSpec, key: CellKey) -> GridCell:
    return GridCell(spec.cells[key].raw, key=key)


# ---- active_disclosure ------------------------------------------------------------------


def _column_label(spec: ReportSpec, col: str, label: str) -> str:
    if col == "procurement_amount" and spec.procurement_unit_in_header:
        return f"{label}（万元）"
    return label


def active_grid(spec: ReportSpec) -> Grid:
    rows: list[GridRow] = []
    for block, brows, cols in ACTIVE_BLOCKS[spec.template]:
        rows.append((GridCell(block, colspan=4),))
        pad = 3 - len(cols)  # the last column spans what the block does not use
        spans = [1] * (len(cols) - 1) + [1 + pad]
        header = [
            GridCell(_column_label(spec, c, lab), colspan=s) for (c, lab), s in zip(cols, spans, strict=True)
        ]
        rows.append((GridCell("信息内容"), *header))
        for r, rlabel in brows:
            cells = [
                replace(value(spec, ("active_disclosure", r, c)), colspan=s)
                for (c, _), s in zip(cols, spans, strict=True)
            ]
            rows.append((GridCell(rlabel, label=True), *cells))
    return Grid("active_disclosure", tuple(rows), (163.0, 120.0, 120.0, 120.0))


# ---- requests -----------------------------------------------------------------------------

_GROUPS = {
    "denied": "（三）不予公开",
    "unable": "（四）无法提供",
    "not_processed": "（五）不予处理",
    "other": "（六）其他处理",
}


def _item_label(label: str) -> str:
    """The printed text of a row's own label cell ("（三）不予公开 1.属于国家秘密" -> "1.属于国家秘密")."""
    return label.split(" ", 1)[-1]


def requests_grid(spec: ReportSpec) -> Grid:
    t = spec.template
    cols = [c for c, _ in REQUEST_COLUMNS]
    header: list[GridRow] = [
        (GridCell(REQUESTS_NOTE, rowspan=3, colspan=3), GridCell("申请人情况", colspan=7)),
        (GridCell("自然人", rowspan=2), GridCell("法人或其他组织", colspan=5), GridCell("总计", rowspan=2)),
        tuple(GridCell(lab) for _, lab in REQUEST_COLUMNS[1:6]),
    ]
    row_keys = [r for r, _ in REQUEST_ROWS[t]]
    labels = dict(REQUEST_ROWS[t])
    n_result = row_keys.index("processed_total") - row_keys.index("granted") + 1
    body: list[GridRow] = []
    for r in row_keys:
        vals = tuple(value(spec, ("requests", r, c)) for c in cols)
        group = r.split(".")[0] if "." in r else None
        members = [k for k in row_keys if group and k.startswith(f"{group}.")]
        if r in ("new", "carried_over", "carried_forward"):
            lead: tuple[GridCell, ...] = (GridCell(labels[r], colspan=3, label=True),)
        elif group is None:
            lead = (GridCell(_item_label(labels[r]) if r == "granted" else labels[r], colspan=2, label=True),)
        elif r == members[0]:
            lead = (
                GridCell(_GROUPS[group], rowspan=len(members), label=True),
                GridCell(_item_label(labels[r]), label=True),
            )
        else:
            lead = (GridCell(labels[r], label=True),)
        if r == "granted":
            lead = (GridCell("三、本年度办理结果", rowspan=n_result, label=True), *lead)
        body.append((*lead, *vals))
    widths = (52.0, 58.0, 120.0) + (41.9,) * 7
    return Grid("requests", tuple(header + body), widths, header_rows=3)


# ---- review_litigation ------------------------------------------------------------------


def review_grid(spec: ReportSpec) -> Grid:
    outcome = tuple(GridCell(lab) for _, lab in REVIEW_COLUMNS)
    rows: tuple[GridRow, ...] = (
        (GridCell("行政复议", colspan=5), GridCell("行政诉讼", colspan=10)),
        (
            *(replace(c, rowspan=2) for c in outcome),
            GridCell("未经复议直接起诉", colspan=5),
            GridCell("复议后起诉", colspan=5),
        ),
        outcome + outcome,
        tuple(
            value(spec, ("review_litigation", r, c))
            for r in ("review", "litigation_direct", "litigation_after_review")
            for c, _ in REVIEW_COLUMNS
        ),
    )
    return Grid("review_litigation", rows, (34.9,) * 15, header_rows=3)


def split_grid(grid: Grid, at: int) -> tuple[Grid, Grid]:
    """Cut a grid before row `at`, as a page break does: spans crossing the cut are truncated,
    and the next part gets an empty cell for the rest of each span (no repeated header)."""
    first: list[list[GridCell]] = [list(row) for row in grid.rows[:at]]
    second: list[list[GridCell]] = [[] for _ in grid.rows[at:]]
    cont: list[tuple[int, GridCell]] = []
    for r, c, cell in placed(grid):
        if r < at < r + cell.rowspan:
            i = first[r].index(cell)
            first[r][i] = replace(cell, rowspan=at - r)
            cont.append((c, GridCell("", rowspan=r + cell.rowspan - at, colspan=cell.colspan, label=True)))
        elif r >= at:
            second[r - at].append(cell)
    second[0] = [cell for _, cell in sorted(cont, key=lambda x: x[0])] + second[0]
    return (
        replace(grid, rows=tuple(tuple(r) for r in first)),
        replace(grid, rows=tuple(tuple(r) for r in second), header_rows=0),
    )
