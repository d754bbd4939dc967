"""The one place that owns nianbao's record types (one per Parquet table) and their Parquet schemas.

What an extractor returns (raw text blocks and cell grids) lives in `extractors.model`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal, get_args

import pyarrow as pa

from extractors.model import Status

# The Parquet columns are the data contract of `shared/spec/report-format.md`: columns may be
# added, never renamed or dropped without bumping SCHEMA_VERSION.
SCHEMA_VERSION = "1"

Template = Literal["2019", "2021", "pre2019", "unknown"]
TableKey = Literal["active_disclosure", "requests", "review_litigation"]

TEMPLATES: tuple[str, ...] = get_args(Template)
STATUSES: tuple[str, ...] = get_args(Status)
TABLE_KEYS: tuple[str, ...] = get_args(TableKey)


# --------------------------------------------------------------------------------------
# Canonical records: one class per Parquet table.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRecord:
    report_id: str
    region_code: str
    region_name: str | None
    agency: str | None
    year: int | None
    title: str | None
    source_url: str | None
    document_url: str | None
    published_date: dt.date | None
    fetched_at: dt.datetime | None
    extracted_at: dt.datetime
    content_sha256: str
    format: str
    template: Template
    status: Status
    error: str | None
    pipeline_version: str
    run_id: str
    page_count: int | None = None
    # The agency as one body is named every year (the printed `agency` is kept as printed).
    agency_normalized: str | None = None


@dataclass(frozen=True)
class SectionRecord:
    report_id: str
    year: int | None
    region_code: str
    section_no: int
    heading: str | None
    text: str
    tokens: tuple[str, ...] = ()


@dataclass(frozen=True)
class FactRecord:
    report_id: str
    year: int | None
    region_code: str
    table_key: TableKey
    row_key: str
    column_key: str
    value: float | None
    raw: str
    unit: str | None
    page: int | None
    raw_label: str | None = None
    strategy: str | None = None
    # How sure the reader was of `raw` (0–1); set by OCR, null for text layers.
    confidence: float | None = None


@dataclass(frozen=True)
class CheckRecord:
    report_id: str
    year: int | None
    region_code: str
    rule: str
    passed: bool | None
    expected: float | None
    actual: float | None
    # Input cells printed blank or as a dash and read as 0 for this check.
    assumed_zero: int = 0
    # Why `passed` is null, or what else a reader needs to judge the finding.
    note: str | None = None
    # The other report a cross-year check compares with.
    other_report_id: str | None = None
    # The sentence a prose-against-table check read its number from.
    sentence: str | None = None


@dataclass(frozen=True)
class SentenceRecord:
    report_id: str
    year: int | None
    region_code: str
    section_no: int
    sentence_no: int
    text: str


@dataclass(frozen=True)
class EntityRecord:
    report_id: str
    year: int | None
    region_code: str
    section_no: int
    label: str
    text: str
    start_char: int
    end_char: int


@dataclass(frozen=True)
class ReportVersionRecord:
    """One content of a report as it was published (a report changed after publication has several)."""

    report_id: str
    region_code: str
    version: int  # 1 = the first content archived
    content_sha256: str
    first_seen: dt.datetime  # when these bytes were first downloaded
    last_seen: dt.datetime  # the last run that found them on the portal
    # `table.row.column` of each cell whose value differs from the previous version's.
    changed_cells: tuple[str, ...] = ()


@dataclass(frozen=True)
class MetricRecord:
    """One disclosure metric of one report (formulas and versions: docs/metrics.md)."""

    report_id: str
    region_code: str
    year: int | None
    template: str
    metric: str
    value: float | None  # null when the denominator is 0 or an input is unreadable
    numerator: float | None
    denominator: float | None
    formula_version: str
    province_percentile: float | None = None  # 0-100 among the province's reports of the year (>= 5)
    deadline_basis: str | None = None  # timeliness.days_late: which deadline applied and why


@dataclass(frozen=True)
class DictionaryRecord:
    template: str
    table_key: str
    row_key: str
    column_key: str
    label: str


UTC_TS = pa.timestamp("us", tz="UTC")

REPORTS_SCHEMA = pa.schema(
    [
        ("report_id", pa.string()),
        ("region_code", pa.string()),
        ("region_name", pa.string()),
        ("agency", pa.string()),
        ("year", pa.int32()),
        ("title", pa.string()),
        ("source_url", pa.string()),
        ("document_url", pa.string()),
        ("published_date", pa.date32()),
        ("fetched_at", UTC_TS),
        ("extracted_at", UTC_TS),
        ("content_sha256", pa.string()),
        ("format", pa.string()),
        ("template", pa.string()),
        ("status", pa.string()),
        ("error", pa.string()),
        ("pipeline_version", pa.string()),
        ("run_id", pa.string()),
        ("page_count", pa.int32()),
        ("agency_normalized", pa.string()),
    ]
)

SECTIONS_SCHEMA = pa.schema(
    [
        ("report_id", pa.string()),
        ("year", pa.int32()),
        ("region_code", pa.string()),
        ("section_no", pa.int8()),
        ("heading", pa.string()),
        ("text", pa.string()),
        ("tokens", pa.list_(pa.string())),
    ]
)

FACTS_SCHEMA = pa.schema(
    [
        ("report_id", pa.string()),
        ("year", pa.int32()),
        ("region_code", pa.string()),
        ("table_key", pa.string()),
        ("row_key", pa.string()),
        ("column_key", pa.string()),
        ("value", pa.float64()),
        ("raw", pa.string()),
        ("unit", pa.string()),
        ("page", pa.int32()),
        ("raw_label", pa.string()),
        ("strategy", pa.string()),
        ("confidence", pa.float64()),
    ]
)

CHECKS_SCHEMA = pa.schema(
    [
        ("report_id", pa.string()),
        ("year", pa.int32()),
        ("region_code", pa.string()),
        ("rule", pa.string()),
        ("passed", pa.bool_()),
        ("expected", pa.float64()),
        ("actual", pa.float64()),
        ("assumed_zero", pa.int32()),
        ("note", pa.string()),
        ("other_report_id", pa.string()),
        ("sentence", pa.string()),
    ]
)

SENTENCES_SCHEMA = pa.schema(
    [
        ("report_id", pa.string()),
        ("year", pa.int32()),
        ("region_code", pa.string()),
        ("section_no", pa.int8()),
        ("sentence_no", pa.int32()),
        ("text", pa.string()),
    ]
)

ENTITIES_SCHEMA = pa.schema(
    [
        ("report_id", pa.string()),
        ("year", pa.int32()),
        ("region_code", pa.string()),
        ("section_no", pa.int8()),
        ("label", pa.string()),
        ("text", pa.string()),
        ("start_char", pa.int32()),
        ("end_char", pa.int32()),
    ]
)

REPORT_VERSIONS_SCHEMA = pa.schema(
    [
        ("report_id", pa.string()),
        ("region_code", pa.string()),
        ("version", pa.int32()),
        ("content_sha256", pa.string()),
        ("first_seen", UTC_TS),
        ("last_seen", UTC_TS),
        ("changed_cells", pa.list_(pa.string())),
    ]
)

METRICS_SCHEMA = pa.schema(
    [
        ("report_id", pa.string()),
        ("region_code", pa.string()),
        ("year", pa.int32()),
        ("template", pa.string()),
        ("metric", pa.string()),
        ("value", pa.float64()),
        ("numerator", pa.float64()),
        ("denominator", pa.float64()),
        ("formula_version", pa.string()),
        ("province_percentile", pa.float64()),
        ("deadline_basis", pa.string()),
    ]
)

DICTIONARY_SCHEMA = pa.schema(
    [
        ("template", pa.string()),
        ("table_key", pa.string()),
        ("row_key", pa.string()),
        ("column_key", pa.string()),
        ("label", pa.string()),
    ]
)

# Table name -> (record type, Parquet schema). Every table but `dictionary` is per county.
TABLES: dict[str, tuple[type, pa.Schema]] = {
    "reports": (ReportRecord, REPORTS_SCHEMA),
    "sections": (SectionRecord, SECTIONS_SCHEMA),
    "facts": (FactRecord, FACTS_SCHEMA),
    "checks": (CheckRecord, CHECKS_SCHEMA),
    "sentences": (SentenceRecord, SENTENCES_SCHEMA),
    "entities": (EntityRecord, ENTITIES_SCHEMA),
    "dictionary": (DictionaryRecord, DICTIONARY_SCHEMA),
    "report_versions": (ReportVersionRecord, REPORT_VERSIONS_SCHEMA),
    "metrics": (MetricRecord, METRICS_SCHEMA),  # one file for the dataset: metrics/metrics.parquet
}
COUNTY_TABLES: tuple[str, ...] = (
    "reports",
    "sections",
    "facts",
    "checks",
    "sentences",
    "entities",
    "report_versions",
)

# Sort order of each table's rows inside a file, so reruns give identical files.
SORT_KEYS: dict[str, tuple[str, ...]] = {
    "reports": ("year", "report_id"),
    "sections": ("year", "report_id", "section_no"),
    "facts": ("year", "report_id", "table_key", "row_key", "column_key"),
    "checks": ("year", "report_id", "rule"),
    "sentences": ("year", "report_id", "section_no", "sentence_no"),
    "entities": ("year", "report_id", "section_no", "start_char", "label"),
    "dictionary": ("template", "table_key", "row_key", "column_key"),
    "report_versions": ("report_id", "version"),
    "metrics": ("year", "report_id", "metric"),
}


@dataclass
class CountyRecords:
    """All canonical rows of one county, the unit that storage replaces atomically."""

    region_code: str
    reports: list[ReportRecord] = field(default_factory=list)
    sections: list[SectionRecord] = field(default_factory=list)
    facts: list[FactRecord] = field(default_factory=list)
    checks: list[CheckRecord] = field(default_factory=list)
    sentences: list[SentenceRecord] = field(default_factory=list)
    entities: list[EntityRecord] = field(default_factory=list)
    report_versions: list[ReportVersionRecord] = field(default_factory=list)

    def table(self, name: str) -> list[object]:
        rows: list[object] = list(getattr(self, name))
        return rows


@dataclass
class ReportRecords:
    """The canonical rows of one report (before they are gathered per county)."""

    report: ReportRecord
    sections: list[SectionRecord] = field(default_factory=list)
    facts: list[FactRecord] = field(default_factory=list)
    checks: list[CheckRecord] = field(default_factory=list)
    sentences: list[SentenceRecord] = field(default_factory=list)
    entities: list[EntityRecord] = field(default_factory=list)
