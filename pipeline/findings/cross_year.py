"""Checks across two consecutive years of one body's reports, written on the later year's report.

A pure function of one county's records: nothing is filled in; a missing input makes `passed` null.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.normalize.checks import TOLERANCE
from pipeline.normalize.template import REQUEST_COLUMNS
from pipeline.normalize.text import fold
from pipeline.store.schema import CheckRecord, CountyRecords, FactRecord, ReportRecord

CellKey = tuple[str, str, str]
IN_FORCE_ROWS = ("regulations", "normative_documents")
TABLE_TEMPLATES = frozenset({"2019", "2021"})


@dataclass(frozen=True)
class YearReport:
    """One report with its cells, keyed (table_key, row_key, column_key)."""

    report: ReportRecord
    cells: dict[CellKey, FactRecord]

    def value(self, key: CellKey) -> tuple[float | None, str | None]:
        """(value, None) or (None, why it is missing)."""
        fact = self.cells.get(key)
        year = self.report.year
        if fact is None:
            return None, f"{year}: {'.'.join(key)} not in the report"
        if fact.value is None:
            return None, f"{year}: {'.'.join(key)} printed {fact.raw!r}, not a number"
        return fact.value, None


def body_key(report: ReportRecord) -> tuple[str, str] | None:
    """(region_code, agency as one body) or None when the agency or year is unknown."""
    agency = report.agency_normalized or (fold(report.agency) if report.agency else None)
    if not agency or report.year is None:
        return None
    return report.region_code, agency


def consecutive_pairs(county: CountyRecords) -> list[tuple[YearReport, YearReport]]:
    """(earlier, later) for every body with reports for two consecutive years (one report a year)."""
    facts: dict[str, dict[CellKey, FactRecord]] = {}
    for f in county.facts:
        if f.row_key != "unmapped":
            facts.setdefault(f.report_id, {})[(f.table_key, f.row_key, f.column_key)] = f
    by_body: dict[tuple[tuple[str, str], int], list[YearReport]] = {}
    for r in county.reports:
        key = body_key(r)
        if key is not None and r.year is not None:
            by_body.setdefault((key, r.year), []).append(YearReport(r, facts.get(r.report_id, {})))
    pairs = []
    for (key, year), later in sorted(by_body.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        earlier = by_body.get((key, year - 1), [])
        if len(later) == 1 and len(earlier) == 1:
            pairs.append((earlier[0], later[0]))
    return pairs


def signed_sum(parts: Iterable[tuple[YearReport, CellKey, int]]) -> tuple[float | None, list[str]]:
    """Sum of sign * value over the parts, or None with the reasons a part is missing."""
    total, missing = 0.0, []
    for report, key, sign in parts:
        value, why = report.value(key)
        if why is not None:
            missing.append(why)
        else:
            total += sign * (value or 0.0)
    return (None if missing else total), missing


def check_record(
    rule: str,
    earlier: YearReport,
    later: YearReport,
    parts: list[tuple[YearReport, CellKey, int]],
    actual: CellKey,
) -> CheckRecord:
    expected, missing = signed_sum(parts)
    printed, why = later.value(actual)
    if why is not None:
        missing.append(why)
    passed = None if missing else abs((expected or 0.0) - (printed or 0.0)) <= TOLERANCE
    r = later.report
    return CheckRecord(
        report_id=r.report_id,
        year=r.year,
        region_code=r.region_code,
        rule=rule,
        passed=passed,
        expected=expected,
        actual=printed,
        note="; ".join(missing) or None,
        other_report_id=earlier.report.report_id,
    )


def carried_over_checks(earlier: YearReport, later: YearReport) -> list[CheckRecord]:
    """This year's 上年结转 = last year's 结转下年度继续办理, per applicant column."""
    if not {earlier.report.template, later.report.template} <= TABLE_TEMPLATES:
        return []
    return [
        check_record(
            f"cross_year.requests.carried_over.{col}",
            earlier,
            later,
            [(earlier, ("requests", "carried_forward", col), 1)],
            ("requests", "carried_over", col),
        )
        for col, _ in REQUEST_COLUMNS
    ]


def in_force_checks(earlier: YearReport, later: YearReport) -> list[CheckRecord]:
    """Last year's 现行有效 + this year's 本年制发 − 本年废止 = this year's 现行有效 (template 2021)."""
    if earlier.report.template != "2021" or later.report.template != "2021":
        return []
    out = []
    for row in IN_FORCE_ROWS:
        parts = [
            (earlier, ("active_disclosure", row, "in_force"), 1),
            (later, ("active_disclosure", row, "issued"), 1),
            (later, ("active_disclosure", row, "repealed"), -1),
        ]
        rule = f"cross_year.active_disclosure.{row}.in_force"
        out.append(check_record(rule, earlier, later, parts, ("active_disclosure", row, "in_force")))
    return out


def cross_year_checks(county: CountyRecords) -> list[CheckRecord]:
    """Every cross-year check for the county's consecutive-year report pairs."""
    out: list[CheckRecord] = []
    for earlier, later in consecutive_pairs(county):
        out += carried_over_checks(earlier, later)
        out += in_force_checks(earlier, later)
    return out
