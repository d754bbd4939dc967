"""Where documents become records: in this process, a pool of worker processes, or a Dask cluster."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Protocol

from extractors.model import ExtractedDocument
from pipeline.extract.cache import ResultCache
from pipeline.extract.jobs import DocumentJob, DocumentOutcome, finish_document
from pipeline.records import build_report
from pipeline.store.schema import ReportRecords

# A worker process holds the extractors, spaCy and jieba (~0.4 GiB) plus one document's
# extraction: well under 0.5 GiB for a text layer, ~1 GiB while OCR reads a scanned page
# (capped by ExtractionLimits.worker_memory_bytes).
WORKER_MEMORY_BUDGET = 3 * 1024**3 // 2


class ExecutorUnavailable(RuntimeError):
    """The executor asked for cannot run documents: the run does not start."""


class DaskUnavailable(ExecutorUnavailable):
    """The Dask scheduler named by --dask could not be reached."""


class DaemonicWorkers(ExecutorUnavailable):
    """The cluster's workers are daemonic processes, which cannot start the extraction sandbox."""


class Pending(Protocol):
    def result(self, timeout: float | None = None) -> DocumentOutcome: ...


class Executor(Protocol):
    """Runs `finish_document` on jobs; `submit` returns at once.

    Every executor runs the same `finish_document` on the same jobs, so the rows are the same
    whichever runs them. Workers only compute (the coordinator, `records_for_documents`, reads and
    writes the caches), and each extracts every document in its own sandboxed child process with
    the per-document time and memory limits (`pipeline.extract.worker`).
    """

    def submit(self, job: DocumentJob) -> Pending: ...

    def close(self) -> None: ...


def _available_memory() -> int | None:
    try:
        with open("/proc/meminfo") as fh:
            fields = dict(line.split(":", 1) for line in fh)
        return int(fields["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        return None


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def default_workers() -> int:
    """As many workers as cores, fewer when memory would not hold them."""
    memory = _available_memory()
    by_memory = usable_cores() if memory is None else max(1, memory // WORKER_MEMORY_BUDGET)
    return max(1, min(usable_cores(), by_memory))


class SerialExecutor:
    """Each document in this process, one at a time (extraction still in a sandboxed child)."""

    _one_at_a_time = threading.Lock()  # threads of one process never share the NLP models

    def submit(self, job: DocumentJob) -> Pending:
        future: Future[DocumentOutcome] = Future()
        with self._one_at_a_time:
            future.set_result(finish_document(job))
        return future

    def close(self) -> None:
        pass


def _lost(job: DocumentJob, exc: BaseException) -> DocumentOutcome:
    """A job whose worker was lost (pool broken, Dask worker killed): a transient failure."""
    problem = f"extract: the worker running this document was lost ({type(exc).__name__}: {exc})"
    doc = ExtractedDocument(format="unknown", status="failed", problems=[problem])
    records = build_report(doc, job.meta, job.run_id, dt.datetime.now(dt.UTC), with_nlp=False)
    return DocumentOutcome(records, None, transient=True)


def outcome_of(job: DocumentJob, pending: Pending) -> DocumentOutcome:
    try:
        return pending.result(timeout=max_job_seconds(job))
    except Exception as exc:  # BrokenProcessPool, KilledWorker, a lost connection
        return _lost(job, exc)


Started = tuple[DocumentJob, ReportRecords | Pending, bool]


def start_document(job: DocumentJob, executor: Executor, cache: ResultCache) -> Started:
    """The job answered from the caches, or handed to the executor (returns at once)."""
    cached = cache.records(job)
    if cached is not None:
        return job, cached, True
    extraction = cache.extraction(job.meta.content_sha256)
    job = dataclasses.replace(job, extraction=extraction)
    return job, executor.submit(job), extraction is not None


def finish_started(started: Started, cache: ResultCache) -> tuple[ReportRecords, bool]:
    """(records, reused): waits for the executor and caches what it made.

    `reused` is true when the extraction was not redone (records or extraction cached).
    """
    job, result, reused = started
    if isinstance(result, ReportRecords):
        return result, reused
    return cache.save(job, outcome_of(job, result)), reused


def records_for_documents(
    jobs: Iterable[DocumentJob], executor: Executor, cache: ResultCache
) -> Iterator[tuple[ReportRecords, bool]]:
    """(records, reused) per job, in job order; every job is submitted before the first wait."""
    started = [start_document(job, executor, cache) for job in jobs]
    for one in started:
        yield finish_started(one, cache)


def read_bytes_for(job: DocumentJob) -> DocumentJob:
    """The job with its document's bytes inside, for a worker on another machine."""
    if job.extraction is not None:
        return job  # nothing to extract
    return dataclasses.replace(job, content=Path(job.path).read_bytes())


def max_job_seconds(job: DocumentJob) -> float | None:
    """The longest a job can take once it runs (every page read by OCR); a wait's upper bound."""
    limits = job.limits
    if limits.document_seconds is None:
        return None
    return limits.document_seconds + limits.ocr_page_seconds * limits.max_pdf_pages


def make_executor(workers: int | None = None, dask: str | None = None) -> Executor:
    """`dask`: a scheduler address or "local"; else `workers` processes here (1: no pool)."""
    if dask:
        from pipeline.extract.dask_executor import DaskExecutor

        return DaskExecutor(dask, workers)
    from pipeline.extract.pool import PoolExecutor

    return PoolExecutor(workers or default_workers())
