"""The county pipeline as plain functions: crawl -> extract -> assemble -> store.

Prefect tasks (flows/) wrap exactly these functions; nothing here imports Prefect.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.crawl.county import CrawlResult, FetchedDocument, crawl_source
from pipeline.crawl.health import health_path
from pipeline.crawl.sources import Source
from pipeline.extract.worker import cached_extract
from pipeline.findings.cross_year import cross_year_checks
from pipeline.records import DocumentMeta, build_report
from pipeline.settings import CrawlSettings, Settings
from pipeline.store.parquet import write_county
from pipeline.store.schema import CountyRecords, ReportRecords

FAILED_STATUSES = frozenset({"failed", "needs_ocr", "unsupported_format"})
_STATUS_RANK = {"ok": 0, "partial": 1, "needs_ocr": 2, "unsupported_format": 3, "failed": 4}

Progress = Callable[[str], None]


@dataclass(frozen=True)
class RunContext:
    output: Path
    run_id: str
    settings: Settings = field(default_factory=Settings)
    with_nlp: bool = True

    @property
    def crawl(self) -> CrawlSettings:
        return self.settings.crawl

    @property
    def archive_dir(self) -> Path:
        return self.output / "_archive"

    @property
    def cache_dir(self) -> Path:
        return self.output / "_cache" / "extract"

    @property
    def health_path(self) -> Path:
        return health_path(self.output)


@dataclass
class CountySummary:
    region_code: str
    region_name: str
    listing_ok: bool = True
    written: bool = False
    documents: int = 0
    reports: int = 0
    extracted: int = 0  # reports with status ok or partial
    failed: int = 0  # reports with status failed / needs_ocr / unsupported_format
    reextracted: int = 0  # documents whose extraction was not cached
    downloaded: int = 0
    checks_failed: int = 0
    errors: list[str] = field(default_factory=list)


def crawl_county(source: Source, ctx: RunContext, progress: Progress | None = None) -> CrawlResult:
    return crawl_source(source, ctx.archive_dir, ctx.crawl, progress)


def document_meta(source: Source, doc: FetchedDocument) -> DocumentMeta:
    return DocumentMeta(
        region_code=source.region_code,
        region_name=source.region_name,
        content_sha256=doc.sha256,
        format=doc.format,
        listed_title=doc.title,
        source_url=doc.source_url,
        document_url=doc.document_url,
        published_date=doc.published_date,
        fetched_at=doc.fetched_at,
        fetch_error=doc.error,
    )


def extract_document(source: Source, doc: FetchedDocument, ctx: RunContext) -> tuple[ReportRecords, bool]:
    """(records of the report in this document, whether it came from the extraction cache)."""
    extracted, extracted_at, cached = cached_extract(
        doc.path, doc.sha256, ctx.cache_dir, doc.format, doc.content_type, ctx.settings.extraction
    )
    records = build_report(extracted, document_meta(source, doc), ctx.run_id, extracted_at, ctx.with_nlp)
    return records, cached


def _preference(r: ReportRecords) -> tuple[int, int, str]:
    # Latest publication first, then the best-read copy, then a stable tie-break.
    published = r.report.published_date or dt.date.min
    return (-published.toordinal(), _STATUS_RANK[r.report.status], r.report.content_sha256)


def assemble_county(region_code: str, reports: list[ReportRecords]) -> CountyRecords:
    """One report per report_id (the same report shown inline and attached, or re-published)."""
    chosen: dict[str, ReportRecords] = {}
    for r in sorted(reports, key=_preference):
        chosen.setdefault(r.report.report_id, r)
    county = CountyRecords(region_code)
    for r in chosen.values():
        county.reports.append(r.report)
        county.sections += r.sections
        county.facts += r.facts
        county.checks += r.checks
        county.sentences += r.sentences
        county.entities += r.entities
    return county


def crawl_errors(crawl: CrawlResult) -> list[str]:
    return [f"{e.stage} {e.url}: {e.message}" for e in crawl.errors]


def portal_down(source: Source, crawl: CrawlResult) -> CountySummary:
    """A county whose listing could not be read: nothing is written, its old rows stay."""
    errors = crawl_errors(crawl) or ["no listing page could be read"]
    return CountySummary(source.region_code, source.region_name, listing_ok=False, errors=errors)


def summarise(source: Source, crawl: CrawlResult, county: CountyRecords, reextracted: int) -> CountySummary:
    summary = CountySummary(source.region_code, source.region_name, listing_ok=crawl.listing_ok)
    summary.documents = len(crawl.documents)
    summary.downloaded = crawl.documents_downloaded
    summary.reextracted = reextracted
    summary.reports = len(county.reports)
    summary.failed = sum(r.status in FAILED_STATUSES for r in county.reports)
    summary.extracted = summary.reports - summary.failed
    summary.checks_failed = sum(c.passed is False for c in county.checks)
    summary.errors = crawl_errors(crawl)
    summary.errors += [
        f"{r.status} {r.document_url or r.report_id}: {r.error}" for r in county.reports if r.status != "ok"
    ]
    return summary


def store_county(
    ctx: RunContext, source: Source, crawl: CrawlResult, results: list[tuple[ReportRecords, bool]]
) -> CountySummary:
    """Assemble the county's reports, replace its rows in every table, and summarise."""
    county = assemble_county(source.region_code, [r for r, _ in results])
    county.checks += cross_year_checks(county)
    write_county(ctx.output, county)
    summary = summarise(source, crawl, county, sum(not cached for _, cached in results))
    summary.written = True
    return summary


def process_county(source: Source, ctx: RunContext, progress: Progress | None = None) -> CountySummary:
    """The whole county path without Prefect (what the flow does, step by step)."""
    say = progress or (lambda _msg: None)
    crawl = crawl_county(source, ctx, progress)
    if not crawl.listing_ok:
        return portal_down(source, crawl)
    results = []
    for i, doc in enumerate(crawl.documents, 1):
        results.append(extract_document(source, doc, ctx))
        say(f"  {source.region_code} document {i}/{len(crawl.documents)} {results[-1][0].report.status}")
    return store_county(ctx, source, crawl, results)
