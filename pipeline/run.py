"""The county path, the only one: crawl -> extract -> keep or replace -> store, as plain functions.

Nothing here imports Prefect; `process_county` is the entry point.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import PIPELINE_VERSION
from pipeline.assemble import FAILED_STATUSES, choose_reports, gather, plan_keep, url_identity
from pipeline.crawl.county import CrawlError, CrawlResult, FailedDocument, FetchedDocument, crawl_source
from pipeline.crawl.health import health_path, update_health
from pipeline.crawl.listings import listed_entries, load_listing, save_listing
from pipeline.crawl.pages import link_format
from pipeline.crawl.sources import Source
from pipeline.extract.cache import ResultCache
from pipeline.extract.executor import (
    Executor,
    SerialExecutor,
    Started,
    finish_started,
    records_for_documents,
    start_document,
)
from pipeline.extract.jobs import DocumentJob
from pipeline.findings.cross_year import cross_year_checks
from pipeline.findings.format import format_checks
from pipeline.findings.versions import report_versions
from pipeline.metrics.overdue import overdue_in
from pipeline.metrics.table import write_metrics
from pipeline.normalize.titles import parse_report_title
from pipeline.records import DocumentMeta, make_report_id
from pipeline.settings import CrawlSettings, Settings, today
from pipeline.store.dataset import Dataset, LocalDataset
from pipeline.store.schema import CountyRecords, ReportRecord, ReportRecords

Progress = Callable[[str], None]


@dataclass(frozen=True)
class RunContext:
    output: Path
    run_id: str
    settings: Settings = field(default_factory=Settings)
    with_nlp: bool = True
    accept_shrink: bool = False  # a person accepted that these counties list far fewer reports
    stop_at: float | None = None  # time.time() past which no county or document starts
    executor: Executor | None = field(default=None, compare=False, repr=False)  # None: serial, here
    dataset: Dataset | None = field(default=None, compare=False, repr=False)  # None: the output folder

    @property
    def crawl(self) -> CrawlSettings:
        return self.settings.crawl

    @property
    def archive_dir(self) -> Path:
        return self.output / "_archive"

    @property
    def health_path(self) -> Path:
        return health_path(self.output)

    @property
    def results(self) -> ResultCache:
        return ResultCache(self.output / "_cache")

    @property
    def store(self) -> Dataset:
        return self.dataset or LocalDataset(self.output)

    def out_of_time(self) -> bool:
        return self.stop_at is not None and time.time() >= self.stop_at

    def crawl_deadline(self) -> float | None:
        """The run's stop time as a time.monotonic() deadline for the crawler."""
        return None if self.stop_at is None else time.monotonic() + (self.stop_at - time.time())


@dataclass
class CountySummary:
    region_code: str
    region_name: str
    listing_ok: bool = True
    written: bool = False
    documents: int = 0
    reports: int = 0  # reports written for this run (kept earlier rows not counted)
    extracted: int = 0  # reports with status ok or partial
    failed: int = 0  # reports with status failed / needs_ocr / unsupported_format
    reextracted: int = 0  # documents whose extraction was not cached
    downloaded: int = 0
    checks_failed: int = 0
    kept: int = 0  # reports whose earlier rows were kept (not listed now, or failed now)
    suspect: str | None = None  # why this county's new crawl was not trusted (old rows kept)
    stopped: str | None = None  # why this county was not finished (time limit, crash)
    empty: bool = False  # its listings were read but list no report entry (not written)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # kept rows, identity collisions, superseded copies


# ---- the county path ------------------------------------------------------------------


def process_county(source: Source, ctx: RunContext, progress: Progress | None = None) -> CountySummary:
    """One county, start to end; never raises: whatever goes wrong keeps the county's old rows.

    This is what the Prefect flow (flows/), `tests/kill_target.py` and the tests run.
    """
    try:
        return county_path(source, ctx, progress or (lambda _msg: None))
    except Exception as exc:
        why = f"{disk_full(exc) or f'crashed ({type(exc).__name__}: {exc})'}; old rows kept"
        crash = CrawlResult(source.region_code, listing_ok=False, errors=[CrawlError("", "county", why)])
        with contextlib.suppress(OSError):
            update_health(ctx.health_path, source.region_code, crash)
        return not_finished(source, why)


def disk_full(exc: BaseException) -> str | None:
    """What to say when `exc` is the disk (or a quota) filling up; None for anything else."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        where = f" writing {exc.filename}" if exc.filename else ""
        return f"not written: the disk is full ({exc.strerror}{where})"
    return None


def county_path(source: Source, ctx: RunContext, say: Progress) -> CountySummary:
    if ctx.out_of_time():
        return not_finished(source, "the whole-run time limit passed before it started; old rows kept")
    early = EarlyStarts(source, ctx)
    crawl = crawl_county(source, ctx, say, early.start)
    if not crawl.listing_ok:
        update_health(ctx.health_path, source.region_code, crawl)
        return portal_down(source, crawl)
    if crawl.empty and not ctx.accept_shrink and not load_listing(ctx.output, source.region_code):
        # (a county whose last written run listed reports is judged by the shrink check in store_county)
        update_health(ctx.health_path, source.region_code, crawl)
        return empty_listing(source, crawl)
    results = extract_documents(source, crawl.documents, ctx, say, early)
    if results is None:
        update_health(ctx.health_path, source.region_code, crawl)
        return not_finished(source, "the whole-run time limit passed while extracting; old rows kept")
    summary = store_county(ctx, source, crawl, results)
    update_health(ctx.health_path, source.region_code, crawl, suspect=summary.suspect)
    return summary


def crawl_county(
    source: Source,
    ctx: RunContext,
    progress: Progress | None = None,
    on_document: Callable[[FetchedDocument], None] | None = None,
) -> CrawlResult:
    return crawl_source(source, ctx.archive_dir, ctx.crawl, progress, ctx.crawl_deadline(), on_document)


class EarlyStarts:
    """Documents handed to the executor while their county's crawl is still running.

    Counties run side by side and share the executor (a pool, a Dask cluster, or this process),
    so extraction overlaps the crawl's politeness pauses. Called from the crawl's threads.
    """

    def __init__(self, source: Source, ctx: RunContext) -> None:
        self.source, self.ctx = source, ctx
        self.started: dict[FetchedDocument, Started] = {}
        self.lock = threading.Lock()

    def start(self, doc: FetchedDocument) -> None:
        if self.ctx.out_of_time():
            return
        one = start_document(document_job(self.source, doc, self.ctx), self.executor, self.ctx.results)
        with self.lock:
            self.started.setdefault(doc, one)

    def take(self, doc: FetchedDocument) -> Started:
        """The document's started job, starting it now if the crawl did not."""
        with self.lock:
            one = self.started.pop(doc, None)
        if one is None:
            one = start_document(document_job(self.source, doc, self.ctx), self.executor, self.ctx.results)
        return one

    @property
    def executor(self) -> Executor:
        return self.ctx.executor or SerialExecutor()


def extract_documents(
    source: Source,
    documents: list[FetchedDocument],
    ctx: RunContext,
    say: Progress,
    early: EarlyStarts | None = None,
) -> list[tuple[ReportRecords, bool]] | None:
    """Every document's records (and whether cached); None when the run's time limit cut it short."""
    early = early or EarlyStarts(source, ctx)
    started = [early.take(doc) for doc in documents]  # every job under way before the first wait
    results = []
    for i, one in enumerate(started, 1):
        if ctx.out_of_time():
            return None
        results.append(finish_started(one, ctx.results))
        say(f"  {source.region_code} document {i}/{len(documents)} {results[-1][0].report.status}")
    return results


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


def document_job(source: Source, doc: FetchedDocument, ctx: RunContext) -> DocumentJob:
    meta = document_meta(source, doc)
    limits = ctx.settings.extraction
    return DocumentJob(meta, str(doc.path), doc.format, doc.content_type, ctx.run_id, ctx.with_nlp, limits)


def extract_document(source: Source, doc: FetchedDocument, ctx: RunContext) -> tuple[ReportRecords, bool]:
    """(records of the report in this document, whether its extraction was reused from the cache)."""
    return next(records_for_documents([document_job(source, doc, ctx)], SerialExecutor(), ctx.results))


def failed_report(source: Source, failed: FailedDocument, run_id: str) -> ReportRecords:
    """The reports row of a listed report whose document could not be had (status failed)."""
    agency, year = parse_report_title(failed.title)
    report_id = make_report_id(source.region_code, agency, year, "") if agency and year else None
    report = ReportRecord(
        report_id=report_id or url_identity(failed.document_url),
        region_code=source.region_code,
        region_name=source.region_name,
        agency=agency,
        year=year,
        title=failed.title,
        source_url=failed.source_url,
        document_url=failed.document_url,
        published_date=failed.published_date,
        fetched_at=None,
        extracted_at=dt.datetime.now(dt.UTC),
        content_sha256="",
        format=link_format(failed.document_url, "") or "unknown",
        template="unknown",
        status="failed",
        error=f"{failed.stage}: {failed.message}",
        pipeline_version=PIPELINE_VERSION,
        run_id=run_id,
    )
    return ReportRecords(report=report)


# ---- store and summarise ---------------------------------------------------------------


def crawl_errors(crawl: CrawlResult) -> list[str]:
    return [f"{e.stage} {e.url}: {e.message}" for e in crawl.errors]


def portal_down(source: Source, crawl: CrawlResult) -> CountySummary:
    """A county whose listing could not be read: nothing is written, its old rows stay."""
    errors = crawl_errors(crawl) or ["no listing page could be read"]
    return CountySummary(source.region_code, source.region_name, listing_ok=False, errors=errors)


def empty_listing(source: Source, crawl: CrawlResult) -> CountySummary:
    """A county whose listings were read but list no report: not written, its old rows stay."""
    return CountySummary(source.region_code, source.region_name, empty=True, errors=crawl_errors(crawl))


def not_finished(source: Source, why: str) -> CountySummary:
    return CountySummary(source.region_code, source.region_name, stopped=why, errors=[why])


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
    """Assemble the county's reports, keep what must not be lost, replace the rest, and summarise."""
    failed = [failed_report(source, f, ctx.run_id) for f in crawl.failed]
    chosen, notes = choose_reports([r for r, _ in results] + failed)
    old = ctx.store.read_county_reports(source.region_code)
    listed = listed_entries(crawl), load_listing(ctx.output, source.region_code)
    plan = plan_keep(source, [r.report for r in chosen], old, ctx.accept_shrink, listed)
    county = gather(source.region_code, [r for r in chosen if r.report.report_id not in plan.drop])
    county.checks += cross_year_checks(county)
    county.checks += format_checks(county)
    county.report_versions = report_versions(county, ctx.store, dt.datetime.now(dt.UTC))
    summary = summarise(source, crawl, county, sum(not cached for _, cached in results))
    summary.notes = notes + plan.notes
    if plan.suspect:
        summary.suspect = plan.suspect
        summary.errors.insert(0, plan.suspect)
        return summary
    ctx.store.write_county(county, frozenset(plan.keep))
    save_listing(ctx.output, source.region_code, listed[0])
    summary.kept = len(plan.keep)
    summary.written = True
    return summary


# ---- after every county: the dataset-wide metrics and the overdue sources ---------------


def finish_run(ctx: RunContext, sources: list[Source]) -> list[dict[str, object]]:
    """Rebuild the `metrics` table over the whole dataset; returns the sources overdue (as JSON)."""
    write_metrics(ctx.store)
    names = [(s.region_code, s.region_name) for s in sources]
    return [o.as_json() for o in overdue_in(ctx.store, names, today(), ctx.settings.overdue_grace_days)]
