"""Serial, process pool and a real Dask LocalCluster give the same rows; lost workers are transient."""

from __future__ import annotations

import dataclasses
import os
import signal
import time
from pathlib import Path

import pyarrow as pa

from pipeline.crawl.sources import load_sources
from pipeline.extract.cache import ResultCache
from pipeline.extract.executor import (
    Pending,
    SerialExecutor,
    default_workers,
    make_executor,
    outcome_of,
    records_for_documents,
)
from pipeline.extract.jobs import DocumentJob
from pipeline.extract.pool import PoolExecutor, PoolPending
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
    for count in (1, 2):  # one worker is a pool too: the whole document job stays bounded
        pool = make_executor(count)
        try:
            assert isinstance(pool, PoolExecutor) and pool.workers == count
        finally:
            pool.close()
    assert 1 <= default_workers() <= (os.cpu_count() or 1)


def wait_until_running(pending: Pending) -> None:
    assert isinstance(pending, PoolPending)
    for _ in range(600):
        if pending.deadline is not None:
            return
        time.sleep(0.05)
    raise AssertionError("the job never started")


def test_a_killed_pool_worker_fails_its_document_transiently_and_the_pool_goes_on(tmp_path: Path) -> None:
    pool = PoolExecutor(1)
    cache = ResultCache(tmp_path / "_cache")
    pdf = fixture_jobs("run")[0]
    try:
        pending = pool.submit(pdf)
        wait_until_running(pending)
        pid = pool.sandboxes[0].pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)  # the worker running the job: killed, as the OOM killer would
        lost = outcome_of(pdf, pending)
        assert lost.transient and lost.records.report.status == "failed"
        assert "worker died (exit code -9)" in (lost.records.report.error or "")
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


def test_more_than_twice_the_recycle_limit_goes_through_the_real_pool(tmp_path: Path) -> None:
    """Workers retire every 2 documents while 12 are queued (the CPython pool stranded them here)."""
    cache = ResultCache(tmp_path / "_cache")
    first = [r for r, _ in records_for_documents(fixture_jobs("warm"), SerialExecutor(), cache)]
    assert [r.report.status for r in first] == ["ok", "ok", "ok"]
    jobs = [
        dataclasses.replace(job, run_id=f"run-{i}", extraction=cache.extraction(job.meta.content_sha256))
        for i in range(4)
        for job in fixture_jobs("run")
    ]
    pool = PoolExecutor(2, documents_per_worker=2)
    try:
        pending = [pool.submit(job) for job in jobs]
        outcomes = [p.result(timeout=600) for p in pending]  # a stranded queue fails here, not hangs
    finally:
        pool.close()
    assert [o.records.report.status for o in outcomes] == ["ok"] * 12
    assert [o.records.report.run_id for o in outcomes] == [job.run_id for job in jobs]
    assert pool.workers_started >= 6  # 12 documents, 2 a worker: every worker was replaced


def test_a_job_past_its_limit_fails_alone_and_the_queued_jobs_go_on(tmp_path: Path) -> None:
    """The limit bounds the whole job: normalising and NLP too, not only the extraction."""
    cache = ResultCache(tmp_path / "_cache")
    warm = fixture_jobs("warm")[1]
    list(records_for_documents([warm], SerialExecutor(), cache))
    extracted = cache.extraction(warm.meta.content_sha256)
    assert extracted is not None
    slow = dataclasses.replace(warm, extraction=extracted, limits=ExtractionLimits(document_seconds=0.0001))
    pool = PoolExecutor(1)
    try:
        jobs = [slow, *fixture_jobs("run")]
        pending = [pool.submit(job) for job in jobs]  # all queued before the first one ends
        outcomes = [outcome_of(job, p) for job, p in zip(jobs, pending, strict=True)]
    finally:
        pool.close()
    stopped = outcomes[0]
    assert stopped.transient and stopped.records.report.status == "failed"
    assert "per-document time limit" in (stopped.records.report.error or "")
    assert [o.records.report.status for o in outcomes[1:]] == ["ok", "ok", "ok"]


def test_a_pool_job_at_its_memory_cap_fails_alone(tmp_path: Path) -> None:
    starved = fixture_jobs("run", ExtractionLimits(worker_memory_bytes=1))[0]
    pool = PoolExecutor(1)
    try:
        jobs = [starved, *fixture_jobs("run")]
        outcomes = [outcome_of(job, pool.submit(job)) for job in jobs]
    finally:
        pool.close()
    assert outcomes[0].transient and outcomes[0].records.report.status == "failed"
    assert [o.records.report.status for o in outcomes[1:]] == ["ok", "ok", "ok"]


def test_closing_the_pool_cancels_the_jobs_not_started() -> None:
    pool = PoolExecutor(1)
    pending = [pool.submit(job) for job in fixture_jobs("run") * 3]
    wait_until_running(pending[0])
    pool.close()
    assert pending[0].future.done() and not pending[0].future.cancelled()
    assert all(p.future.cancelled() for p in pending[2:])


def test_a_dask_job_past_its_limit_is_stopped_whole_nlp_included(tmp_path: Path) -> None:
    """On Dask too the limit bounds the whole job: a cached extraction leaves only normalising, checks
    and NLP, and those are stopped at the limit in the worker's sandbox."""
    cache = ResultCache(tmp_path / "_cache")
    warm = fixture_jobs("warm")[1]
    list(records_for_documents([warm], SerialExecutor(), cache))
    slow = dataclasses.replace(
        warm,
        extraction=cache.extraction(warm.meta.content_sha256),
        limits=ExtractionLimits(document_seconds=0.0001),
    )
    dask = make_executor(1, "local")
    try:
        stopped, ok = (outcome_of(job, dask.submit(job)) for job in (slow, fixture_jobs("run")[1]))
    finally:
        dask.close()
    assert stopped.transient and "per-document time limit" in (stopped.records.report.error or "")
    assert ok.records.report.status == "ok"
