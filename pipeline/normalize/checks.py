"""The identities a correct report satisfies (spec: "Identities"), checked, never enforced."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

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
    assumed_zero: int = 0
    note: str | None = None


@dataclass
class _Total:
    """A sum over input cells, with what it had to assume and what it could not read."""

    value: float = 0.0
    assumed_zero: int = 0
    unreadable: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unfilled: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Inputs:
    values: Mapping[CellKey, float | None]
    blanks: Collection[CellKey]
    unfilled: Collection[CellKey] = frozenset()  # blank totals that are no zero (`unfilled_totals`)

    def total(self, keys: Iterable[CellKey]) -> _Total:
        total = _Total()
        for key in keys:
            name = ".".join(key[1:])
            if key not in self.values:
                total.missing.append(name)
            elif (value := self.values[key]) is not None:
                total.value += value
            elif key in self.unfilled:
                total.unfilled.append(name)
            elif key in self.blanks:
                total.assumed_zero += 1
            else:
                total.unreadable.append(name)
        return total


def _check(rule: str, expected: _Total, actual: _Total) -> Check:
    assumed = expected.assumed_zero + actual.assumed_zero
    unreadable = expected.unreadable + actual.unreadable
    missing = expected.missing + actual.missing
    unfilled = expected.unfilled + actual.unfilled
    if unreadable or missing or unfilled:
        why = [f"text in {', '.join(unreadable)}"] if unreadable else []
        why += [f"not found: {', '.join(missing)}"] if missing else []
        why += [f"总计 left blank beside numbers (not read as 0): {', '.join(unfilled)}"] if unfilled else []
        return Check(rule, None, None, None, assumed, "; ".join(why))
    note = f"{assumed} cell(s) printed blank or as a dash read as 0" if assumed else None
    passed = abs(expected.value - actual.value) <= TOLERANCE
    return Check(rule, passed, expected.value, actual.value, assumed, note)


def _request_rows(values: Mapping[CellKey, float | None], template: str) -> tuple[list[str], list[str]]:
    """(every row, the result rows summed by processed_total) as this report printed them: a 2021
    report that prints （六）其他处理 as one row (`other`) is checked with that row for its three."""
    rows = [k for k, _ in REQUEST_ROWS[template]]
    results = list(result_rows(template))
    split = [k for k in rows if k.startswith("other.")]
    printed_as_one = any(k[1] == "other" for k in values) and not any(k[1] in split for k in values)
    if split and printed_as_one:
        rows = [k for k in rows if k not in split[1:]]
        rows[rows.index(split[0])] = "other"
        results = [k for k in results if k not in split[1:]]
        results[results.index(split[0])] = "other"
    return rows, results


def request_checks(inputs: _Inputs, template: str) -> list[Check]:
    def cells(rows: Iterable[str], col: str) -> list[CellKey]:
        return [("requests", r, col) for r in rows]

    rows, results = _request_rows(inputs.values, template)
    checks: list[Check] = []
    for col, _ in REQUEST_COLUMNS:
        checks.append(
            _check(
                f"requests.balance.{col}",
                inputs.total(cells(["new", "carried_over"], col)),
                inputs.total(cells(["processed_total", "carried_forward"], col)),
            )
        )
        checks.append(
            _check(
                f"requests.processed_total.{col}",
                inputs.total(cells(results, col)),
                inputs.total(cells(["processed_total"], col)),
            )
        )
    for row in rows:
        checks.append(
            _check(
                f"requests.row_total.{row}",
                inputs.total([("requests", row, c) for c in APPLICANT_COLUMNS]),
                inputs.total([("requests", row, "total")]),
            )
        )
    return checks


def review_checks(inputs: _Inputs) -> list[Check]:
    parts = ("upheld", "corrected", "other", "pending")
    return [
        _check(
            f"review_litigation.total.{row}",
            inputs.total([("review_litigation", row, p) for p in parts]),
            inputs.total([("review_litigation", row, "total")]),
        )
        for row, _ in REVIEW_ROWS
    ]


def _blank_beside_numbers(
    values: Mapping[CellKey, float | None], blanks: Collection[CellKey], total: CellKey, parts: list[CellKey]
) -> bool:
    return total in blanks and any(values.get(k) for k in parts)


def unfilled_totals(
    values: Mapping[CellKey, float | None], blanks: Collection[CellKey], template: str
) -> set[CellKey]:
    """Total cells a report left blank where its parts print numbers: the publisher did not fill
    its totals in, a blank there is no zero. A 总计 cell left blank beside parts that are not all
    zero, a （七）总计 cell left blank over result rows that are not; and when a table's whole 总计
    column is blank while its other cells are not all zero, every cell of that column."""
    unfilled: set[CellKey] = set()
    request_rows = sorted({k[1] for k in values if k[0] == "requests"})
    review_rows = sorted({k[1] for k in values if k[0] == "review_litigation"})
    tables = (
        ("requests", request_rows, APPLICANT_COLUMNS),
        ("review_litigation", review_rows, ("upheld", "corrected", "other", "pending")),
    )
    for table, rows, parts in tables:
        totals = [(table, r, "total") for r in rows if (table, r, "total") in values]
        every_part = [(table, r, c) for r in rows for c in parts]
        if totals and all(t in blanks for t in totals) and any(values.get(k) for k in every_part):
            unfilled.update(totals)
        for r in rows:
            if _blank_beside_numbers(values, blanks, (table, r, "total"), [(table, r, c) for c in parts]):
                unfilled.add((table, r, "total"))
    if template in ("2019", "2021"):
        _, results = _request_rows(values, template)
        for col in [*APPLICANT_COLUMNS, "total"]:
            cells = [("requests", r, col) for r in results]
            if _blank_beside_numbers(values, blanks, ("requests", "processed_total", col), cells):
                unfilled.add(("requests", "processed_total", col))
    return unfilled


def run_checks(
    values: Mapping[CellKey, float | None],
    template: str,
    tables: set[str],
    blanks: Collection[CellKey] = (),
) -> list[Check]:
    """Every identity of the spec that applies to the tables found. `values` holds the cells read
    (None: no number); `blanks` those of them printed blank or as a dash, read as 0.

    A failed check is a finding about the published report; numbers are never "fixed". Many
    publishers print a dash or leave a cell blank for zero: such cells are read as 0 for a check and
    counted in its `assumed_zero`, so a total that fails even then is a finding and the others can be
    filtered. A check whose inputs print text, or were not found, stays `passed = None` and says why
    in `note`.
    """
    inputs = _Inputs(values, frozenset(blanks), unfilled_totals(values, frozenset(blanks), template))
    checks: list[Check] = []
    if "requests" in tables and template in ("2019", "2021"):
        checks += request_checks(inputs, template)
    if "review_litigation" in tables:
        checks += review_checks(inputs)
    return checks
