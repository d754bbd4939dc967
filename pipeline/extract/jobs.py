"""One document -> its finished records (extract, normalise, checks, NLP): the unit a worker runs."""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from extractors.model import ExtractedDocument
from pipeline.extract.worker import doc_from_json, doc_to_json, extract_sandboxed
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
    if job.content is None:
        return extract_sandboxed(Path(job.path), job.fmt, job.content_type, job.limits)
    with tempfile.TemporaryDirectory(prefix="nianbao-doc-") as tmp:
        local = Path(tmp) / (Path(job.path).name or "document")
        local.write_bytes(job.content)
        return extract_sandboxed(local, job.fmt, job.content_type, job.limits)


def _crashed(job: DocumentJob, exc: Exception) -> DocumentOutcome:
    doc = ExtractedDocument(
        format="unknown",
        status="failed",
        problems=[f"records: {type(exc).__name__}: {exc} (county {job.meta.region_code}, {job.path})"],
    )
    records = build_report(doc, job.meta, job.run_id, dt.datetime.now(dt.UTC), with_nlp=False)
    return DocumentOutcome(records, None, transient=True)


def finish_document(job: DocumentJob) -> DocumentOutcome:
    """Extract (or reuse the cached extraction), then normalise, check and analyse the text.

    A pure function of its job: no cache, no output folder. It runs the same in the parent, in a
    local pool and on a Dask worker; the coordinator owns every cache write.
    """
    try:
        if job.extraction is not None:
            doc = doc_from_json(job.extraction["doc"])
            extracted_at = dt.datetime.fromisoformat(job.extraction["extracted_at"])
            fresh, transient = None, False
        else:
            doc, transient = _extract_job(job)
            extracted_at = dt.datetime.now(dt.UTC)
            fresh = None if transient else extraction_entry(doc, extracted_at)
        records = build_report(doc, job.meta, job.run_id, extracted_at, job.with_nlp)
    except Exception as exc:  # a bug in one document's records must not lose the county
        return _crashed(job, exc)
    return DocumentOutcome(records, fresh, transient)
