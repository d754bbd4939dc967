"""Numbers for every canonical cell of a template, and the strings they are printed as.

The numbers satisfy the identities of the spec (requests: new + carried_over = processed_total
+ carried_forward per column, processed_total = sum of result rows, total = sum of applicant
columns; review_litigation total = sum of the other four) unless a spec asks to break one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from pipeline.normalize.template import (
    ACTIVE_BLOCKS,
    APPLICANT_COLUMNS,
    REQUEST_ROWS,
    REVIEW_COLUMNS,
    REVIEW_ROWS,
    canonical_cells,
    result_rows,
)
from tests.fixturegen.model import Cell, CellKey

NULL_RAWS = frozenset({"", "—", "/", "-", "－", "——"})
_FULLWIDTH = str.maketrans("0123456789+-.", "０１２３４５６７８９＋－．")


@dataclass(frozen=True)
class NumberStyle:
    """How one publisher prints numbers."""

    zero: str = "0"  # zero counts in active_disclosure and review_litigation
    request_zero: str = "0"  # zero counts in the requests table
    fullwidth_tables: frozenset[str] = frozenset()  # tables printed with full-width digits
    thousands_space: bool = False  # 1234 printed "1 234"
    unsigned_change: bool = False  # 本年增/减 printed "3" instead of "+3"


def count_cell(n: int, zero: str, style: NumberStyle, table_key: str) -> Cell:
    if n == 0:
        return Cell(zero, None if zero.strip() in NULL_RAWS else 0.0)
    raw = str(n)
    if style.thousands_space and n >= 1000:
        raw = f"{n // 1000} {n % 1000:03d}"
    return Cell(_maybe_fullwidth(raw, style, table_key), float(n))


def change_cell(n: int, style: NumberStyle) -> Cell:
    raw = "0" if n == 0 else (str(n) if style.unsigned_change and n > 0 else f"{n:+d}")
    return Cell(_maybe_fullwidth(raw, style, "active_disclosure"), float(n))


def amount_cell(x: float, style: NumberStyle) -> Cell:
    raw = f"{x:g}" if x else "0"
    return Cell(_maybe_fullwidth(raw, style, "active_disclosure"), float(x))


def _maybe_fullwidth(raw: str, style: NumberStyle, table_key: str) -> str:
    return raw.translate(_FULLWIDTH) if table_key in style.fullwidth_tables else raw


def active_numbers(template: str, rng: random.Random) -> dict[tuple[str, str], float]:
    """Plausible numbers for the active_disclosure table, keyed (row_key, column_key)."""
    out: dict[tuple[str, str], float] = {}
    for _, rows, cols in ACTIVE_BLOCKS[template]:
        for r, _ in rows:
            for c, _ in cols:
                out[(r, c)] = _active_number(r, c, rng)
    return out


def _active_number(row: str, col: str, rng: random.Random) -> float:
    if col in ("fee_amount", "procurement_amount"):
        return rng.choice([0.0, 12.5, 3.76, 158.2, 46.05, 1203.5])
    if col == "change":
        return float(rng.choice([0, 0, 1, 3, -2, -1]))
    if col in ("total_published", "in_force"):
        return float(rng.choice([0, 4, 27, 136, 1234]))
    if row in ("penalty", "licensing") and col == "decisions":
        return float(rng.choice([0, 18, 356, 2047]))
    return float(rng.choice([0, 0, 1, 2, 5, 9]))


def request_numbers(template: str, rng: random.Random) -> dict[tuple[str, str], int]:
    """A consistent requests table: each applicant column's requests spread over the result rows."""
    results = result_rows(template)
    out: dict[tuple[str, str], int] = {}
    for col in APPLICANT_COLUMNS:
        scale = 30 if col == "natural_person" else (4 if col == "commercial" else 1)
        new, carried_over = rng.randint(0, scale), rng.randint(0, max(1, scale // 10))
        carried_forward = rng.randint(0, min(2, new + carried_over))
        processed = new + carried_over - carried_forward
        spread = dict.fromkeys(results, 0)
        for _ in range(processed):
            spread[_weighted_result(results, rng)] += 1
        out |= {("new", col): new, ("carried_over", col): carried_over}
        out |= {(r, col): n for r, n in spread.items()}
        out |= {("processed_total", col): processed, ("carried_forward", col): carried_forward}
    for row, _ in REQUEST_ROWS[template]:
        out[(row, "total")] = sum(out[(row, c)] for c in APPLICANT_COLUMNS)
    return out


def _weighted_result(results: tuple[str, ...], rng: random.Random) -> str:
    common = ["granted"] * 6 + ["partially_granted"] * 2 + ["unable.not_held"] * 2
    return rng.choice([*common, *results])


def review_numbers(rng: random.Random) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for row, _ in REVIEW_ROWS:
        parts = [rng.choice([0, 0, 0, 1, 2]) for _ in range(4)]
        out |= {(row, c): n for (c, _), n in zip(REVIEW_COLUMNS, parts, strict=False)}
        out[(row, "total")] = sum(parts)
    return out


def make_cells(template: str, seed: int, style: NumberStyle) -> dict[CellKey, Cell]:
    """Every canonical cell of `template`, printed in `style`."""
    rng = random.Random(seed)
    cells: dict[CellKey, Cell] = {}
    for (r, c), x in active_numbers(template, rng).items():
        if c == "change":
            cells[("active_disclosure", r, c)] = change_cell(int(x), style)
        elif c in ("fee_amount", "procurement_amount"):
            cells[("active_disclosure", r, c)] = amount_cell(x, style)
        else:
            cells[("active_disclosure", r, c)] = count_cell(int(x), style.zero, style, "active_disclosure")
    for (r, c), n in request_numbers(template, rng).items():
        cells[("requests", r, c)] = count_cell(n, style.request_zero, style, "requests")
    for (r, c), n in review_numbers(rng).items():
        cells[("review_litigation", r, c)] = count_cell(n, style.zero, style, "review_litigation")
    assert set(cells) == set(canonical_cells(template))
    return {k: cells[k] for k in canonical_cells(template)}


def break_total(cells: dict[CellKey, Cell], key: CellKey, style: NumberStyle) -> float:
    """Publish `key` one higher than its parts add up to; returns the sum it should have been."""
    old = cells[key]
    should = old.value or 0.0
    cells[key] = count_cell(int(should) + 1, style.zero, style, key[0])
    return should
