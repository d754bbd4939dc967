"""The disclosure metrics of one report, from its printed cells (formulas: docs/metrics.md).

A formula change bumps its version in FORMULAS; the version is written beside every value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pipeline.metrics.deadlines import days_late, report_deadline
from pipeline.normalize.template import REQUEST_ROWS, REVIEW_ROWS
from pipeline.normalize.text import is_blank_cell

CellKey = tuple[str, str, str]  # (table_key, row_key, column_key)
Cells = Mapping[CellKey, tuple[float | None, str | None]]  # value, raw as printed

# metric -> formula version
FORMULAS: dict[str, str] = {
    "requests.disclosed_rate": "1",
    "requests.denied_rate": "1",
    "requests.unable_rate": "1",
    "requests.new_change": "1",
    "review_litigation.corrected_rate": "1",
    "timeliness.days_late": "1",
}
PROCESSED: CellKey = ("requests", "processed_total", "total")
NEW: CellKey = ("requests", "new", "total")
RESULT_GROUPS = ("upheld", "corrected", "other")


@dataclass(frozen=True)
class ReportFacts:
    """What the metrics of one report read: its row in `reports` and its cells."""

    report_id: str
    region_code: str
    year: int | None
    template: str
    agency: str | None
    published_date: dt.date | None
    cells: Cells


@dataclass(frozen=True)
class Value:
    metric: str
    value: float | None
    numerator: float | None
    denominator: float | None
    deadline_basis: str | None = None


def cell_sum(cells: Cells, keys: Iterable[CellKey]) -> float | None:
    """The sum of these cells; a blank or dash reads 0; None when one is missing or prints text."""
    total = 0.0
    for key in keys:
        if key not in cells:
            return None
        value, raw = cells[key]
        if value is None and not is_blank_cell(raw):
            return None
        total += value or 0.0
    return total


def ratio(metric: str, numerator: float | None, denominator: float | None, minus_one: bool = False) -> Value:
    if numerator is None or denominator is None or denominator == 0:
        return Value(metric, None, numerator, denominator)
    return Value(metric, numerator / denominator - (1.0 if minus_one else 0.0), numerator, denominator)


def request_rows(template: str, prefix: str) -> list[CellKey]:
    rows = REQUEST_ROWS.get(template, REQUEST_ROWS["2021"])
    return [("requests", r, "total") for r, _ in rows if r.startswith(prefix)]


def request_rates(r: ReportFacts) -> list[Value]:
    processed = cell_sum(r.cells, [PROCESSED])
    disclosed = [("requests", "granted", "total"), ("requests", "partially_granted", "total")]
    return [
        ratio("requests.disclosed_rate", cell_sum(r.cells, disclosed), processed),
        ratio("requests.denied_rate", cell_sum(r.cells, request_rows(r.template, "denied.")), processed),
        ratio("requests.unable_rate", cell_sum(r.cells, request_rows(r.template, "unable.")), processed),
    ]


def new_change(r: ReportFacts, previous: ReportFacts | None) -> Value:
    new = cell_sum(r.cells, [NEW])
    return ratio("requests.new_change", new, cell_sum(previous.cells, [NEW]) if previous else None, True)


def corrected_rate(r: ReportFacts) -> Value:
    groups = [row for row, _ in REVIEW_ROWS]
    corrected = cell_sum(r.cells, [("review_litigation", g, "corrected") for g in groups])
    decided = cell_sum(r.cells, [("review_litigation", g, c) for g in groups for c in RESULT_GROUPS])
    return ratio("review_litigation.corrected_rate", corrected, decided)


def timeliness(r: ReportFacts) -> Value:
    deadline = report_deadline(r.agency, r.year)
    return Value("timeliness.days_late", days_late(r.published_date, deadline), None, None, deadline.basis)


def report_metrics(r: ReportFacts, previous: ReportFacts | None) -> list[Value]:
    """Every metric of one report; `previous` is the same body's report of the year before."""
    return [*request_rates(r), new_change(r, previous), corrected_rate(r), timeliness(r)]
