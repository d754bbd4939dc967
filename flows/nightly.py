"""Prefect flows: `nightly` (every source) and `county` (one county on demand)."""

from __future__ import annotations

import contextlib
import dataclasses
import sys
import time
import uuid
from pathlib import Path
from typing import Annotated, Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import get_run_context
from prefect.futures import PrefectFuture
from prefect.task_runners import ThreadPoolTaskRunner
from pydantic import Field

from pipeline.crawl.sources import Source, load_sources, select_sources
from pipeline.extract.executor import make_executor
from pipeline.records import dictionary_records
from pipeline.run import CountySummary, RunContext, disk_full, finish_run, not_finished, process_county
from pipeline.settings import CrawlSettings, Settings
from pipeline.store.dataset import open_dataset
from pipeline.store.parquet import clean_stale_staging, output_lock
from pipeline.summary import RunSummary, write_last_run
from pipeline.watchdog import watched

# Counties side by side: mostly waiting on their portals (politeness per host) or on the pool.
COUNTY_WORKERS = 16


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
    with contextlib.suppress(Exception):  # outside a run the stderr line is enough
        get_run_logger().debug(message)


@task(name="county", cache_policy=NO_CACHE)
def county_task(source: Source, ctx: RunContext) -> CountySummary:
    """The county path production runs and the tests call: `pipeline.run.process_county`.

    One task per county wraps it; orchestration adds concurrency and the summary artifact, no logic.
    """
    return process_county(source, ctx, progress)


def county_result(source: Source, future: PrefectFuture[CountySummary]) -> CountySummary:
    try:
        return future.result()
    except Exception as exc:  # Prefect itself failed the task: the county's old rows stay
        return not_finished(source, f"crashed ({type(exc).__name__}: {exc}); old rows kept")


def current_run_id() -> str:
    try:
        return str(get_run_context().flow_run.id)  # type: ignore[union-attr]
    except Exception:
        return uuid.uuid4().hex


def run_context(
    output: str, offline: bool, accept_shrink: bool, run_seconds: float | None, work: str | None = None
) -> RunContext:
    """`output` is a folder or s3://bucket/prefix; archive, caches and lock stay in a local folder."""
    settings = Settings(crawl=CrawlSettings(offline=True)) if offline else Settings()
    limit = settings.run_seconds if run_seconds is None else run_seconds
    stop_at = time.time() + limit if limit else None
    dataset, local = open_dataset(output, Path(work) if work else None)
    return RunContext(local, current_run_id(), settings, True, accept_shrink, stop_at, dataset=dataset)


def run_sources(
    sources_file: str,
    output: str,
    counties: list[str] | None,
    offline: bool = False,
    accept_shrink: bool = False,
    run_seconds: float | None = None,
    workers: int | None = None,
    dask: str | None = None,
    work: str | None = None,
) -> RunSummary:
    """Every selected county through `process_county`, counties side by side, under the output lock.

    Documents become records on `dask` (a scheduler address, or "local") or in a pool of
    `workers` sandboxed processes (default: from cores and memory)."""
    sources = [s for s in select_sources(load_sources(Path(sources_file)), counties) if not s.paused]
    ctx = run_context(output, offline, accept_shrink, run_seconds, work)
    summary = RunSummary(ctx.run_id, output if output.startswith("s3://") else str(ctx.output))
    limit = ctx.settings.run_seconds if run_seconds is None else run_seconds
    with watched(limit), output_lock(ctx.output), ctx.store.lock():
        clean_stale_staging(ctx.output)
        write_dictionary(ctx)
        ctx = dataclasses.replace(ctx, executor=make_executor(workers, dask))
        try:
            run_counties(sources, ctx, summary)
        finally:
            ctx.executor.close()  # type: ignore[union-attr]
        try:
            summary.overdue = finish_run(ctx, sources)
        except Exception as exc:  # the counties are written; the metrics wait for the next run
            progress(f"metrics and overdue sources not rebuilt: {type(exc).__name__}: {exc}")
        try:
            write_last_run(summary, ctx.health_path.parent)
        except OSError as exc:  # the data is written; only the page's summary is missing
            progress(f"could not write last_run.json: {disk_full(exc) or exc}")
    publish_artifact(summary)
    return summary


def write_dictionary(ctx: RunContext) -> None:
    """The shared dictionary table; a full disk here is said once, and each county says it again."""
    try:
        ctx.store.write_dictionary(dictionary_records())
    except OSError as exc:
        full = disk_full(exc)
        if full is None:
            raise
        progress(f"dictionary {full}")


def run_counties(sources: list[Source], ctx: RunContext, summary: RunSummary) -> None:
    futures = [(s, county_task.submit(s, ctx)) for s in sources]
    for i, (source, future) in enumerate(futures, 1):
        county = county_result(source, future)
        summary.counties.append(county)
        failures = sum(c.failed + (not c.written) for c in summary.counties)
        progress(
            f"[{i}/{len(sources)} counties] {source.region_code} {source.region_name}: "
            f"{county.reports} reports, {county.failed} failed; failures so far {failures}"
        )


def publish_artifact(summary: RunSummary) -> None:
    try:
        create_table_artifact(
            key="nightly-summary", table=summary.table_rows(), description="nianbao run summary"
        )
    except Exception as exc:  # the artifact is a convenience; the data is already written
        progress(f"could not publish the summary artifact: {exc}")


@flow(name="nightly", task_runner=ThreadPoolTaskRunner(max_workers=COUNTY_WORKERS))  # type: ignore[arg-type]
def nightly(
    sources: str,
    output: str = "output",
    counties: list[str] | None = None,
    offline: bool = False,
    accept_shrink: bool = False,
    run_seconds: float | None = None,
    workers: int | None = None,
    dask: str | None = None,
    work: str | None = None,
) -> dict[str, Any]:
    """Every source in the sources file (or only `counties`): crawl, extract, store.

    `offline` rebuilds from the archive alone: no request leaves the machine. `accept_shrink`
    lets the named counties list far fewer reports than the dataset holds. `run_seconds`
    overrides the whole-run time limit. `workers` / `dask` say where documents become records;
    `output` may be s3://bucket/prefix, with the local state in `work`.
    """
    return run_sources(
        sources, output, counties, offline, accept_shrink, run_seconds, workers, dask, work
    ).to_dict()


@flow(name="county", task_runner=ThreadPoolTaskRunner(max_workers=COUNTY_WORKERS))  # type: ignore[arg-type]
def county(
    region_code: Annotated[str, Field(pattern=r"^\d{6}$")],
    sources: str,
    output: str = "output",
    accept_shrink: bool = False,
    workers: int | None = None,
    dask: str | None = None,
    work: str | None = None,
    run_seconds: float | None = None,
) -> dict[str, Any]:
    """One county on demand: replaces exactly that county's rows in every table."""
    summary = run_sources(
        sources,
        output,
        [region_code],
        accept_shrink=accept_shrink,
        run_seconds=run_seconds,
        workers=workers,
        dask=dask,
        work=work,
    )
    return summary.to_dict()
