"""Revised reports: a report whose document changed after it was first archived keeps every version.

`reports` and `facts` hold the latest version; `report_versions` lists each content the report had,
when it was first and last seen, and which cells changed from the version before.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from typing import Any, Protocol

from pipeline.store.schema import CountyRecords, FactRecord, ReportRecord, ReportVersionRecord

FAILED = frozenset({"failed", "needs_ocr", "unsupported_format"})
CellValue = tuple[float | None, str | None]


class Held(Protocol):
    def read_county_rows(self, name: str, region_code: str) -> list[dict[str, Any]]: ...


def version_of(row: dict[str, Any]) -> ReportVersionRecord:
    return ReportVersionRecord(
        row["report_id"],
        row["region_code"],
        int(row["version"]),
        row["content_sha256"],
        row["first_seen"],
        row["last_seen"],
        tuple(row["changed_cells"] or ()),
    )


def cell_values(rows: list[dict[str, Any]] | list[FactRecord]) -> dict[str, CellValue]:
    """`table.row.column` -> (value, raw) of one report's facts (unmapped rows by their label)."""
    out: dict[str, CellValue] = {}
    for f in rows:
        d = f if isinstance(f, dict) else dataclasses.asdict(f)
        row = d["row_key"] if d["row_key"] != "unmapped" else f"unmapped[{d['raw_label']}]"
        out[f"{d['table_key']}.{row}.{d['column_key']}"] = (d["value"], d["raw"])
    return out


def changed_cells(before: dict[str, CellValue], after: dict[str, CellValue]) -> tuple[str, ...]:
    """Cells whose value differs (a number, or the text when neither is a number), or that one lacks."""

    def same(a: CellValue | None, b: CellValue | None) -> bool:
        if a is None or b is None:
            return a is b
        return a[0] == b[0] if a[0] is not None or b[0] is not None else a[1] == b[1]

    return tuple(sorted(k for k in before.keys() | after.keys() if not same(before.get(k), after.get(k))))


def next_history(
    report: ReportRecord,
    history: list[ReportVersionRecord],
    changed: tuple[str, ...],
    seen: dt.datetime,
) -> list[ReportVersionRecord]:
    """The report's versions once this run's content is added (or the latest's last_seen moved on)."""
    if history and history[-1].content_sha256 == report.content_sha256:
        last = history[-1]
        return [*history[:-1], dataclasses.replace(last, last_seen=seen)]
    first_seen = report.fetched_at or seen
    number = history[-1].version + 1 if history else 1
    sha = report.content_sha256
    new = ReportVersionRecord(report.report_id, report.region_code, number, sha, first_seen, seen, changed)
    return [*history, new]


def report_versions(county: CountyRecords, store: Held, seen: dt.datetime) -> list[ReportVersionRecord]:
    """Every version of the county's reports in this run (kept reports carry theirs as they are)."""
    held: dict[str, list[ReportVersionRecord]] = defaultdict(list)
    for row in store.read_county_rows("report_versions", county.region_code):
        held[row["report_id"]].append(version_of(row))
    changed_ids = {
        r.report_id
        for r in county.reports
        if held.get(r.report_id) and held[r.report_id][-1].content_sha256 != r.content_sha256
    }
    old_facts = old_cells(store, county.region_code, changed_ids)
    new_facts: dict[str, list[FactRecord]] = defaultdict(list)
    for f in county.facts:
        if f.report_id in changed_ids:
            new_facts[f.report_id].append(f)
    out: list[ReportVersionRecord] = []
    for r in county.reports:
        history = sorted(held.get(r.report_id, []), key=lambda v: v.version)
        if not r.content_sha256 or r.status in FAILED:
            out += history  # nothing read this time: the versions stay as they were
            continue
        changed = changed_cells(old_facts.get(r.report_id, {}), cell_values(new_facts[r.report_id]))
        out += next_history(r, history, changed, seen)
    return out


def old_cells(store: Held, region_code: str, report_ids: set[str]) -> dict[str, dict[str, CellValue]]:
    """The cells the dataset holds now (the previous version's) of these reports."""
    if not report_ids:
        return {}
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in store.read_county_rows("facts", region_code):
        if f["report_id"] in report_ids:
            rows[f["report_id"]].append(f)
    return {rid: cell_values(facts) for rid, facts in rows.items()}
