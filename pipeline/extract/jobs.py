"""One document -> its finished records (extract, normalise, checks, NLP): the unit a worker runs."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from extractors import detect_format
from extractors.model import ExtractedDocument
from pipeline.extract.sandbox import CallResult, OcrPagesReport, Sandbox
from pipeline.extract.worker import (
    doc_from_json,
    doc_to_json,
    ending_problem,
    extract_file,
    extract_sandboxed,
    report_ocr_pages,
    stopped,
)
from pipeline.records import DocumentMeta, build_report
from pipeline.settings import ExtractionLimits
from pipeline.store.schema import ReportRecords


@dataclass(frozen=True)
class DocumentJob:
    """Everything a worker needs to turn one archived document into records."""

    meta: DocumentMeta
    path: str
    fmt: str | None
    content_type: str | None
    run_id: str
    with_nlp: bool = True
    limits: ExtractionLimits = field(default_factory=ExtractionLimits)
    extraction: dict[str, Any] | None = None  # a cached extraction to reuse (see ResultCache)
    content: bytes | None = None  # the bytes, for a worker that cannot read `path` (Dask)


@dataclass
class DocumentOutcome:
    records: ReportRecords
    extraction: dict[str, Any] | None  # a fresh extraction for the coordinator to cache
    transient: bool  # killed, died, memory cap, crash: says nothing final about the document


def extraction_entry(doc: ExtractedDocument, extracted_at: dt.datetime) -> dict[str, Any]:
    return {"extracted_at": extracted_at.isoformat(), "doc": doc_to_json(doc)}


def _extract_job(job: DocumentJob) -> tuple[ExtractedDocument, bool]:
    with readable_here(job) as here:
        return extract_sandboxed(Path(here.path), here.fmt, here.content_type, here.limits)


def _crashed(job: DocumentJob, exc: Exception) -> DocumentOutcome:
    doc = ExtractedDocument(
        format="unknown",
        status="failed",
        problems=[f"records: {type(exc).__name__}: {exc} (county {job.meta.region_code}, {job.path})"],
    )
    records = build_report(doc, job.meta, job.run_id, dt.datetime.now(dt.UTC), with_nlp=False)
    return DocumentOutcome(records, None, transient=True)


Extract = Callable[[DocumentJob], tuple[ExtractedDocument, bool]]


def finish_document(job: DocumentJob, extract: Extract = _extract_job) -> DocumentOutcome:
    """Extract (or reuse the cached extraction), then normalise, check and analyse the text.

    A pure function of its job: no cache, no output folder. It runs the same in the parent, in a
    local pool and on a Dask worker; the coordinator owns every cache write. `extract` is the
    sandboxed extraction, except in a pool worker, which is itself the sandbox.
    """
    try:
        if job.extraction is not None:
            doc = doc_from_json(job.extraction["doc"])
            extracted_at = dt.datetime.fromisoformat(job.extraction["extracted_at"])
            fresh, transient = None, False
        else:
            doc, transient = extract(job)
            extracted_at = dt.datetime.now(dt.UTC)
            fresh = None if transient else extraction_entry(doc, extracted_at)
        records = build_report(doc, job.meta, job.run_id, extracted_at, job.with_nlp)
    except MemoryError:  # the sandbox's memory cap: it fails this document and replaces the worker
        raise
    except Exception as exc:  # a bug in one document's records must not lose the county
        return _crashed(job, exc)
    return DocumentOutcome(records, fresh, transient)


def finish_call(report: OcrPagesReport, job: DocumentJob) -> DocumentOutcome:
    """What a pool worker (a sandbox) runs: the whole job, extraction in the same process."""

    def extract_here(job: DocumentJob) -> tuple[ExtractedDocument, bool]:
        path = Path(job.path)
        fmt = job.fmt or detect_format(path)
        report_ocr_pages(report, path, fmt, job.limits.max_pdf_pages)
        return extract_file(path, fmt, job.content_type, job.limits.max_pdf_pages), False

    return finish_document(job, extract_here)


@contextlib.contextmanager
def readable_here(job: DocumentJob) -> Iterator[DocumentJob]:
    """The job with a path this process can read: its bytes written to a temporary file (Dask)."""
    if job.content is None:
        yield job
        return
    with tempfile.TemporaryDirectory(prefix="nianbao-doc-") as tmp:
        local = Path(tmp) / (Path(job.path).name or "document")
        local.write_bytes(job.content)
        yield dataclasses.replace(job, path=str(local), content=None)


def finish_document_sandboxed(job: DocumentJob) -> DocumentOutcome:
    """The whole job in a one-shot sandbox, under its time limit and memory cap (a Dask worker's
    way: the pool's workers are sandboxes already)."""
    with readable_here(job) as here:
        box = Sandbox()
        try:
            result = box.run(finish_call, (here,), job.limits)
        finally:
            box.stop()
    return job_outcome(job, result)


def job_outcome(job: DocumentJob, result: CallResult) -> DocumentOutcome:
    """What a sandbox running `finish_call` gave: the job's outcome, or a transient failure when
    the sandbox was killed, died or hit its memory cap."""
    if result.ending == "done":
        outcome: DocumentOutcome = result.value
        return outcome
    doc = stopped(job.fmt, ending_problem(result))
    records = build_report(doc, job.meta, job.run_id, dt.datetime.now(dt.UTC), with_nlp=False)
    return DocumentOutcome(records, None, transient=True)
