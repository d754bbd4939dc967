"""Serial, process pool and a real Dask LocalCluster give the same rows; lost workers are transient."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pyarrow as pa

from pipeline.crawl.sources import load_sources
from pipeline.extract.cache import ResultCache
from pipeline.extract.executor import (
    Pending,
    PoolExecutor,
    SerialExecutor,
    default_workers,
    make_executor,
    outcome_of,
    records_for_documents,
)
from pipeline.extract.jobs import DocumentJob
from pipeline.run import RunContext, process_county
from pipeline.settings import ExtractionLimits
from tests.conftest import write_sources
from tests.document_jobs import county_tables, fixture_jobs

# Each cold run extracts afresh, so extracted_at is the time of that run; run ids differ by design.
PER_RUN = ("run_id", "extracted_at")


def cold_tables(executor_name: str, tmp_path: Path) -> dict[str, pa.Table]:
    executor = (
        make_executor(2, "local")
        if executor_name == "dask"
        else make_executor(1 if executor_name == "serial" else 2)
    )
    try:
        cache = ResultCache(tmp_path / executor_name / "_cache")
        records = [r for r, _ in records_for_documents(fixture_jobs("run"), executor, cache)]
    finally:
        executor.close()
    assert [r.report.status for r in records] == ["ok", "ok", "ok"]
    return county_tables(records, drop=PER_RUN)


def test_pool_and_dask_write_the_rows_a_serial_run_writes(tmp_path: Path) -> None:
    serial = cold_tables("serial", tmp_path)
    assert serial["facts"].num_rows > 100 and serial["sentences"].num_rows > 10
    for name in ("pool", "dask"):
        other = cold_tables(name, tmp_path)
        for table, rows in serial.items():
            assert other[table].equals(rows), f"{name}: {table} differs from the serial run"


def test_make_executor_picks_the_kind() -> None:
    assert isinstance(make_executor(1), SerialExecutor)
    pool = make_executor(2)
    try:
        assert isinstance(pool, PoolExecutor) and pool.workers == 2
    finally:
        pool.close()
    assert 1 <= default_workers() <= (os.cpu_count() or 1)


def test_a_killed_pool_worker_fails_its_document_transiently_and_the_pool_goes_on(tmp_path: Path) -> None:
    pool = PoolExecutor(1)
    cache = ResultCache(tmp_path / "_cache")
    pdf = fixture_jobs("run")[0]
    try:
        pending = pool.submit(pdf)
        for pid in list(pool._pool._processes):  # the worker running the job: killed, as the OOM killer would
            os.kill(pid, signal.SIGKILL)
        lost = outcome_of(pdf, pending)
        assert lost.transient and lost.records.report.status == "failed"
        assert "worker running this document was lost" in (lost.records.report.error or "")
        again = [r for r, _ in records_for_documents([pdf], pool, cache)]
    finally:
        pool.close()
    assert again[0].report.status == "ok"


def test_time_limit_kill_is_transient_and_not_cached(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "_cache")
    job: DocumentJob = fixture_jobs("run", ExtractionLimits(document_seconds=0.0001))[0]
    ((records, reused),) = records_for_documents([job], SerialExecutor(), cache)
    assert records.report.status == "failed" and not reused
    assert "time limit" in (records.report.error or "") and "retried next run" in (records.report.error or "")
    assert cache.records(job) is None and cache.extraction(job.meta.content_sha256) is None
    assert cache.attempts(job.meta.content_sha256) == 1


def test_an_extraction_that_dies_at_its_memory_cap_is_transient(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "_cache")
    job = fixture_jobs("run", ExtractionLimits(worker_memory_bytes=1))[0]  # cannot even load PDFium
    ((records, _),) = records_for_documents([job], SerialExecutor(), cache)
    assert records.report.status == "failed"
    assert cache.records(job) is None and cache.attempts(job.meta.content_sha256) == 1


def test_the_command_line_passes_workers_dask_and_work_to_the_flow() -> None:
    from pipeline.cli import build_parser, scale_params

    args = build_parser().parse_args(
        ["run", "--sources", "s.yaml", "--output", "s3://bucket/prefix", "--workers", "3", "--dask", "local"]
    )
    assert args.output == "s3://bucket/prefix"  # a string: a Path would fold the // away
    assert scale_params(args) == {"workers": 3, "dask": "local"}
    serve = build_parser().parse_args(["serve", "--sources", "s.yaml", "--work", "/tmp/w"])
    assert scale_params(serve) == {"work": "/tmp/w"}


class RecordingExecutor(SerialExecutor):
    """The serial executor, noting each job it is handed in a shared event list."""

    def __init__(self, events: list[str]) -> None:
        self.events = events

    def submit(self, job: DocumentJob) -> Pending:
        self.events.append(f"submit {job.meta.document_url}")
        return super().submit(job)


def test_documents_reach_the_executor_while_their_county_is_still_crawled(
    demo_portal: str, tmp_path: Path
) -> None:
    events: list[str] = []
    source = next(
        s for s in load_sources(write_sources(tmp_path / "s.yaml", demo_portal)) if s.region_code == "370323"
    )
    ctx = RunContext(tmp_path / "output", "run-1", executor=RecordingExecutor(events))
    summary = process_county(source, ctx, events.append)
    assert summary.written and summary.reports == 4
    crawl_end = next(i for i, e in enumerate(events) if e.startswith("fetched 4 documents"))
    submitted = [i for i, e in enumerate(events) if e.startswith("submit ")]
    assert len(submitted) == 4
    assert submitted[0] < crawl_end, "no document was handed over before the crawl ended"
