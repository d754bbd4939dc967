"""What the readers' page shows, read from an output folder (Parquet tables and run state)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from pipeline.crawl.registry import current_code

Row = dict[str, Any]
# (table_key, row_key, column_key) of the numbers the trends follow.
RECEIVED = ("requests", "new", "total")
PROCESSED = ("requests", "processed_total", "total")
GRANTED = ("requests", "granted", "total")
REVIEW = ("review_litigation", "review", "total")
LAWSUITS = (
    ("review_litigation", "litigation_direct", "total"),
    ("review_litigation", "litigation_after_review", "total"),
)


def read_table(output: Path, table: str, columns: list[str] | None = None) -> list[Row]:
    """Every county file of one table, as rows; a requested column a file lacks is left out of its rows.

    Columns may be added to the schema, so a file need not hold every column the reader asks for.
    """
    rows: list[Row] = []
    for path in sorted((output / table).glob("*.parquet")):
        names = pq.read_schema(path).names
        wanted = None if columns is None else [c for c in columns if c in names]
        rows += pq.read_table(path, columns=wanted).to_pylist()
    return rows


@dataclass
class YearNumbers:
    """One year's sums over the reports that print each number."""

    reports: int = 0
    received: float = 0.0
    processed: float = 0.0
    granted: float = 0.0
    reviews: float = 0.0
    lawsuits: float = 0.0

    @property
    def granted_share(self) -> float | None:
        return self.granted / self.processed if self.processed else None


@dataclass
class Dataset:
    reports: list[Row]
    failing: list[Row]  # failed checks joined with their report, newest first
    trends: dict[int, YearNumbers]
    county_trends: dict[str, dict[int, YearNumbers]]
    health: dict[str, Any] = field(default_factory=dict)
    last_run: dict[str, Any] | None = None
    metrics: list[Row] = field(default_factory=list)  # the metrics table
    versions: list[Row] = field(default_factory=list)  # the report_versions table


def cells_by_report(output: Path) -> dict[str, dict[tuple[str, str, str], float]]:
    keys = {RECEIVED, PROCESSED, GRANTED, REVIEW, *LAWSUITS}
    out: dict[str, dict[tuple[str, str, str], float]] = defaultdict(dict)
    for f in read_table(output, "facts", ["report_id", "table_key", "row_key", "column_key", "value"]):
        key = (f["table_key"], f["row_key"], f["column_key"])
        if key in keys and f["value"] is not None:
            out[f["report_id"]][key] = f["value"]
    return out


def add_report(numbers: YearNumbers, cells: dict[tuple[str, str, str], float]) -> None:
    numbers.reports += 1
    numbers.received += cells.get(RECEIVED, 0.0)
    if PROCESSED in cells and GRANTED in cells:  # the share only over reports that print both
        numbers.processed += cells[PROCESSED]
        numbers.granted += cells[GRANTED]
    numbers.reviews += cells.get(REVIEW, 0.0)
    numbers.lawsuits += sum(cells.get(k, 0.0) for k in LAWSUITS)


def trends(reports: list[Row], cells: dict[str, dict[tuple[str, str, str], float]]) -> tuple[Any, Any]:
    """Per year for the whole dataset, and per county (by today's code)."""
    overall: dict[int, YearNumbers] = defaultdict(YearNumbers)
    county: dict[str, dict[int, YearNumbers]] = defaultdict(lambda: defaultdict(YearNumbers))
    for r in reports:
        if r["year"] is None or r["report_id"] not in cells:
            continue
        add_report(overall[r["year"]], cells[r["report_id"]])
        add_report(county[current_code(r["region_code"])][r["year"]], cells[r["report_id"]])
    return dict(sorted(overall.items())), {c: dict(sorted(y.items())) for c, y in sorted(county.items())}


def failing_checks(output: Path, reports: list[Row]) -> list[Row]:
    by_id = {r["report_id"]: r for r in reports}
    failed = [
        dict(c, report=by_id.get(c["report_id"], {}), other=by_id.get(c.get("other_report_id") or "", {}))
        for c in read_table(output, "checks")
        if c["passed"] is False
    ]
    return sorted(failed, key=newest_first)


def newest_first(check: Row) -> tuple[int, str, str, str]:
    report = check["report"]
    published = report.get("published_date")
    return (
        -(check["year"] or 0),
        "" if published is None else str(published),
        check["report_id"],
        check["rule"],
    )


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def load_dataset(output: Path) -> Dataset:
    reports = read_table(output, "reports")
    overall, county = trends(reports, cells_by_report(output))
    return Dataset(
        reports=reports,
        failing=failing_checks(output, reports),
        trends=overall,
        county_trends=county,
        health=read_json(output / "_state" / "health.json") or {},
        last_run=read_json(output / "_state" / "last_run.json"),
        metrics=read_table(output, "metrics"),
        versions=read_table(output, "report_versions"),
    )
