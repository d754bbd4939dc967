"""The one place that owns nianbao's record types and Parquet schemas.

Two layers live here:

* what an extractor returns for one local file (`ExtractedDocument`: text blocks and raw
  table grids, in reading order, with page numbers), and
* the canonical records written to Parquet (`ReportRecord`, `SectionRecord`, `FactRecord`,
  `CheckRecord`, `DictionaryRecord`) together with the matching `pa.schema` objects.

The Parquet columns are the data contract of `shared/spec/report-format.md`: columns may be
added, never renamed or dropped without bumping `SCHEMA_VERSION`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal, get_args

import pyarrow as pa

SCHEMA_VERSION = "1"

Template = Literal["2019", "2021", "pre2019", "unknown"]
Status = Literal["ok", "partial", "needs_ocr", "unsupported_format", "failed"]
TableKey = Literal["active_disclosure", "requests", "review_litigation"]
DocFormat = Literal["pdf", "html", "docx", "doc", "wps", "ofd", "unknown"]

TEMPLATES: tuple[str, ...] = get_args(Template)
STATUSES: tuple[str, ...] = get_args(Status)
TABLE_KEYS: tuple[str, ...] = get_args(TableKey)


# --------------------------------------------------------------------------------------
# What an extractor returns: raw text and raw cell grids, no canonical keys yet.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextBlock:
    """A run of body text (tables excluded), one or more lines, as printed."""

    text: str
    page: int | None = None


@dataclass(frozen=True)
class RawCell:
    """One printed cell. `text` is None where the cell is covered by a merge."""

    text: str | None
    page: int | None = None


@dataclass(frozen=True)
class RawTable:
    """A grid of cells as printed (rows of cells, merges as None), in reading order."""

    rows: tuple[tuple[RawCell, ...], ...]
    page: int | None = None
    strategy: str = "unknown"


Block = TextBlock | RawTable


@dataclass
class ExtractedDocument:
    """Everything an extractor read from one local file, before normalisation."""

    format: DocFormat
    blocks: list[Block] = field(default_factory=list)
    title: str | None = None
    page_count: int | None = None
    # Problems that lost part of the document: each names the stage and page.
    problems: list[str] = field(default_factory=list)
    # Set when the document cannot be read at all (or has no text layer).
    status: Status | None = None

    @property
    def tables(self) -> list[RawTable]:
        return [b for b in self.blocks if isinstance(b, RawTable)]

    @property
    def text_blocks(self) -> list[TextBlock]:
        return [b for b in self.blocks if isinstance(b, TextBlock)]


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


@dataclass(frozen=True)
class CheckRecord:
    report_id: str
    year: int | None
    region_code: str
    rule: str
    passed: bool | None
    expected: float | None
    actual: float | None


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
}
COUNTY_TABLES: tuple[str, ...] = ("reports", "sections", "facts", "checks", "sentences", "entities")

# Sort order of each table's rows inside a file, so reruns give identical files.
SORT_KEYS: dict[str, tuple[str, ...]] = {
    "reports": ("year", "report_id"),
    "sections": ("year", "report_id", "section_no"),
    "facts": ("year", "report_id", "table_key", "row_key", "column_key"),
    "checks": ("year", "report_id", "rule"),
    "sentences": ("year", "report_id", "section_no", "sentence_no"),
    "entities": ("year", "report_id", "section_no", "start_char", "label"),
    "dictionary": ("template", "table_key", "row_key", "column_key"),
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
