"""The `metrics` table: every report's metrics, with its percentile among its province's reports.

Rebuilt over the whole dataset at the end of each run (percentiles compare counties), as one file:
`metrics/metrics.parquet`.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections import defaultdict
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.metrics.formulas import FORMULAS, CellKey, ReportFacts, Value, report_metrics
from pipeline.store.parquet import to_arrow
from pipeline.store.schema import MetricRecord

MIN_PEERS = 5  # fewer reports of a province and year: no percentile
REPORT_COLUMNS = ["report_id", "region_code", "year", "template", "agency", "agency_normalized"]
FACT_COLUMNS = ["report_id", "table_key", "row_key", "column_key", "value", "raw"]


class Readable(Protocol):
    def read_every_county(
        self, name: str, columns: list[str], where: pc.Expression | None = None
    ) -> pa.Table: ...


def body(r: dict[str, Any]) -> str | None:
    name = r.get("agency_normalized") or r.get("agency")
    return str(name) if name else None


def cells_of_reports(store: Readable) -> dict[str, dict[CellKey, tuple[float | None, str | None]]]:
    """The cells the formulas read: the requests table's total column and the review table."""
    table, column = pc.field("table_key"), pc.field("column_key")
    wanted = ((table == "requests") & (column == "total")) | (table == "review_litigation")
    cells: dict[str, dict[CellKey, tuple[float | None, str | None]]] = defaultdict(dict)
    for f in store.read_every_county("facts", FACT_COLUMNS, wanted).to_pylist():
        cells[f["report_id"]][(f["table_key"], f["row_key"], f["column_key"])] = (f["value"], f["raw"])
    return cells


def load_reports(store: Readable) -> list[ReportFacts]:
    reports = store.read_every_county("reports", [*REPORT_COLUMNS, "published_date"]).to_pylist()
    cells = cells_of_reports(store)
    return [
        ReportFacts(
            r["report_id"],
            r["region_code"],
            r["year"],
            r["template"],
            body(r),
            r["published_date"],
            cells.get(r["report_id"], {}),
        )
        for r in reports
        if r["year"] is not None
    ]


def percentile_rank(value: float, peers: list[float]) -> float:
    """100 × (peers below + half the peers equal) / peers: the mid-rank percentile, 0-100.

    `peers` must be sorted."""
    below = bisect.bisect_left(peers, value)
    equal = bisect.bisect_right(peers, value) - below
    return 100.0 * (below + 0.5 * equal) / len(peers)


def with_percentiles(records: list[MetricRecord]) -> list[MetricRecord]:
    """Each value's percentile among the values of the same metric, province and year (>= 5 of them)."""
    peers: dict[tuple[str, int | None, str], list[float]] = defaultdict(list)
    for m in records:
        if m.value is not None:
            peers[(m.region_code[:2], m.year, m.metric)].append(m.value)
    for values in peers.values():
        values.sort()
    out = []
    for m in records:
        group = peers[(m.region_code[:2], m.year, m.metric)]
        rank = percentile_rank(m.value, group) if m.value is not None and len(group) >= MIN_PEERS else None
        out.append(dataclasses.replace(m, province_percentile=rank))
    return out


def record(r: ReportFacts, v: Value) -> MetricRecord:
    return MetricRecord(
        r.report_id,
        r.region_code,
        r.year,
        r.template,
        v.metric,
        v.value,
        v.numerator,
        v.denominator,
        FORMULAS[v.metric],
        None,
        v.deadline_basis,
    )


def metric_records(reports: list[ReportFacts]) -> list[MetricRecord]:
    """Every report's metrics; the same body's report of the year before gives `new_change`."""
    by_body = {(r.region_code, r.agency, r.year): r for r in reports if r.agency}
    out = []
    for r in reports:
        previous = by_body.get((r.region_code, r.agency, (r.year or 0) - 1)) if r.agency else None
        out += [record(r, v) for v in report_metrics(r, previous)]
    return with_percentiles(out)


class MetricsStore(Readable, Protocol):
    def write_metrics(self, table: pa.Table) -> None: ...


def write_metrics(store: MetricsStore) -> int:
    """Rebuild the metrics file from the dataset's reports and facts; returns the rows written."""
    table = to_arrow("metrics", metric_records(load_reports(store)))
    store.write_metrics(table)
    return int(table.num_rows)
