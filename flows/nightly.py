"""Prefect flows: `nightly` (every source) and `county` (one county on demand).

The tasks are thin wrappers over `pipeline.run`; orchestration adds retries, concurrency
and the summary artifact, no logic.
"""

from __future__ import annotations

import contextlib
import sys
import uuid
from pathlib import Path
from typing import Annotated, Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import get_run_context
from prefect.futures import PrefectFuture
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.tasks import exponential_backoff
from pydantic import Field

from pipeline.crawl.county import CrawlResult
from pipeline.crawl.health import update_health
from pipeline.crawl.sources import Source, load_sources, select_sources
from pipeline.records import dictionary_records
from pipeline.run import (
    CountySummary,
    RunContext,
    crawl_county,
    extract_document,
    portal_down,
    store_county,
)
from pipeline.settings import CrawlSettings, Settings
from pipeline.store.parquet import clean_stale_staging, output_lock, write_dictionary
from pipeline.store.schema import ReportRecords
from pipeline.summary import RunSummary

CRAWL_WORKERS = 4


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
    with contextlib.suppress(Exception):  # outside a run the stderr line is enough
        get_run_logger().debug(message)


@task(
    name="crawl",
    retries=2,
    retry_delay_seconds=exponential_backoff(backoff_factor=2),
    retry_jitter_factor=0.5,
    cache_policy=NO_CACHE,
)
def crawl_task(source: Source, ctx: RunContext) -> CrawlResult:
    return crawl_county(source, ctx, progress)


@task(name="extract", cache_policy=NO_CACHE)
def extract_task(source: Source, doc: Any, ctx: RunContext) -> tuple[ReportRecords, bool]:
    return extract_document(source, doc, ctx)


@task(name="store", cache_policy=NO_CACHE)
def store_task(
    ctx: RunContext, source: Source, crawl: CrawlResult, results: list[tuple[ReportRecords, bool]]
) -> CountySummary:
    return store_county(ctx, source, crawl, results)


def county_step(source: Source, crawl_future: PrefectFuture[CrawlResult], ctx: RunContext) -> CountySummary:
    """Extract and store one county; any failure here stays inside this county."""
    try:
        crawl = crawl_future.result()
    except Exception as exc:
        return CountySummary(
            source.region_code, source.region_name, listing_ok=False, errors=[f"crawl: {exc}"]
        )
    update_health(ctx.health_path, source.region_code, crawl)
    if not crawl.listing_ok:
        return portal_down(source, crawl)
    try:
        results = []
        for i, doc in enumerate(crawl.documents, 1):
            results.append(extract_task(source, doc, ctx))
            progress(
                f"  {source.region_code} document {i}/{len(crawl.documents)} {results[-1][0].report.status}"
            )
        return store_task(ctx, source, crawl, results)
    except Exception as exc:
        return CountySummary(source.region_code, source.region_name, errors=[f"extract/store: {exc!r}"])


def current_run_id() -> str:
    try:
        return str(get_run_context().flow_run.id)  # type: ignore[union-attr]
    except Exception:
        return uuid.uuid4().hex


def run_sources(
    sources_file: str, output: str, counties: list[str] | None, offline: bool = False
) -> RunSummary:
    """Crawl every selected source concurrently, then extract and store county by county."""
    sources = [s for s in select_sources(load_sources(Path(sources_file)), counties) if not s.paused]
    settings = Settings(crawl=CrawlSettings(offline=True)) if offline else Settings()
    ctx = RunContext(Path(output).resolve(), current_run_id(), settings)
    summary = RunSummary(ctx.run_id, str(ctx.output))
    with output_lock(ctx.output):
        clean_stale_staging(ctx.output)
        write_dictionary(ctx.output, dictionary_records())
        futures = {s.region_code: crawl_task.submit(s, ctx) for s in sources}
        for i, source in enumerate(sources, 1):
            county = county_step(source, futures[source.region_code], ctx)
            summary.counties.append(county)
            failures = sum(c.failed + (not c.written) for c in summary.counties)
            progress(
                f"[{i}/{len(sources)} counties] {source.region_code} {source.region_name}: "
                f"{county.reports} reports, {county.failed} failed; failures so far {failures}"
            )
    publish_artifact(summary)
    return summary


def publish_artifact(summary: RunSummary) -> None:
    try:
        create_table_artifact(
            key="nightly-summary", table=summary.table_rows(), description="nianbao run summary"
        )
    except Exception as exc:  # the artifact is a convenience; the data is already written
        progress(f"could not publish the summary artifact: {exc}")


@flow(name="nightly", task_runner=ThreadPoolTaskRunner(max_workers=CRAWL_WORKERS))  # type: ignore[arg-type]
def nightly(
    sources: str, output: str = "output", counties: list[str] | None = None, offline: bool = False
) -> dict[str, Any]:
    """Every source in the sources file (or only `counties`): crawl, extract, store.

    `offline` rebuilds from the archive alone: no request leaves the machine.
    """
    return run_sources(sources, output, counties, offline).to_dict()


@flow(name="county", task_runner=ThreadPoolTaskRunner(max_workers=CRAWL_WORKERS))  # type: ignore[arg-type]
def county(
    region_code: Annotated[str, Field(pattern=r"^\d{6}$")], sources: str, output: str = "output"
) -> dict[str, Any]:
    """One county on demand: replaces exactly that county's rows in every table."""
    return run_sources(sources, output, [region_code]).to_dict()
