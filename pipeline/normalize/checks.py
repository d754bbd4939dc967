"""The identities a correct report satisfies (spec: "Identities"), checked, never enforced.

A failed check is a finding about the published report; numbers are never "fixed".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pipeline.normalize.template import (
    APPLICANT_COLUMNS,
    REQUEST_COLUMNS,
    REQUEST_ROWS,
    REVIEW_ROWS,
    result_rows,
)

CellKey = tuple[str, str, str]  # (table_key, row_key, column_key)
TOLERANCE = 1e-6


@dataclass(frozen=True)
class Check:
    rule: str
    passed: bool | None
    expected: float | None
    actual: float | None


def _sum(values: Mapping[CellKey, float | None], keys: Iterable[CellKey]) -> float | None:
    total = 0.0
    for key in keys:
        value = values.get(key)
        if value is None:
            return None
        total += value
    return total


def _check(rule: str, expected: float | None, actual: float | None) -> Check:
    if expected is None or actual is None:
        return Check(rule, None, expected, actual)
    return Check(rule, abs(expected - actual) <= TOLERANCE, expected, actual)


def request_checks(values: Mapping[CellKey, float | None], template: str) -> list[Check]:
    def cell(row: str, col: str) -> CellKey:
        return ("requests", row, col)

    checks: list[Check] = []
    results = result_rows(template)
    for col, _ in REQUEST_COLUMNS:
        checks.append(
            _check(
                f"requests.balance.{col}",
                _sum(values, [cell("new", col), cell("carried_over", col)]),
                _sum(values, [cell("processed_total", col), cell("carried_forward", col)]),
            )
        )
        checks.append(
            _check(
                f"requests.processed_total.{col}",
                _sum(values, [cell(r, col) for r in results]),
                values.get(cell("processed_total", col)),
            )
        )
    for row, _ in REQUEST_ROWS[template]:
        checks.append(
            _check(
                f"requests.row_total.{row}",
                _sum(values, [cell(row, c) for c in APPLICANT_COLUMNS]),
                values.get(cell(row, "total")),
            )
        )
    return checks


def review_checks(values: Mapping[CellKey, float | None]) -> list[Check]:
    parts = ("upheld", "corrected", "other", "pending")
    return [
        _check(
            f"review_litigation.total.{row}",
            _sum(values, [("review_litigation", row, p) for p in parts]),
            values.get(("review_litigation", row, "total")),
        )
        for row, _ in REVIEW_ROWS
    ]


def run_checks(values: Mapping[CellKey, float | None], template: str, tables: set[str]) -> list[Check]:
    """Every identity of the spec that applies to the tables found."""
    checks: list[Check] = []
    if "requests" in tables and template in ("2019", "2021"):
        checks += request_checks(values, template)
    if "review_litigation" in tables:
        checks += review_checks(values)
    return checks
