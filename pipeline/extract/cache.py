"""Finished records and extractions by content hash + version; transient failures retried a few runs.

The layout under the cache root is in docs/architecture.md, "Module notes".
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pickle
from pathlib import Path
from typing import Any

from extractors.ocr import OCR_VERSION
from pipeline import PIPELINE_VERSION
from pipeline.extract.jobs import DocumentJob, DocumentOutcome
from pipeline.extract.worker import EXTRACTION_VERSION
from pipeline.store import schema
from pipeline.store.schema import ReportRecords

MAX_ATTEMPTS = 3
_RECORD_TYPES = (
    schema.ReportRecord,
    schema.SectionRecord,
    schema.FactRecord,
    schema.CheckRecord,
    schema.SentenceRecord,
    schema.EntityRecord,
)


def schema_fingerprint() -> str:
    """Changes whenever a record type gains, loses or renames a field."""
    names = [f"{t.__name__}:{','.join(f.name for f in dataclasses.fields(t))}" for t in _RECORD_TYPES]
    return hashlib.sha256("|".join(names).encode()).hexdigest()[:12]


def records_key(job: DocumentJob) -> str:
    meta = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in vars(job.meta).items()}
    parts = [PIPELINE_VERSION, EXTRACTION_VERSION, schema_fingerprint(), job.with_nlp, meta]
    return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}-{id(data)}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _with_attempt_note(records: ReportRecords, note: str) -> ReportRecords:
    report = records.report
    error = f"{report.error} ({note})" if report.error else note
    return dataclasses.replace(records, report=dataclasses.replace(report, error=error))


class ResultCache:
    """The coordinator's caches of one output folder (workers never write here).

    A transient result (worker killed, died or hit its memory cap) is not cached; after
    `max_attempts` runs it is. A `needs_ocr` result is final only for the OCR version it was read
    with (`OCR_VERSION`, "none" while OCR is not installed). Every entry is written to a temporary
    name and renamed: a crash never leaves a torn entry, and a torn or unreadable one is treated as
    missing. The pickles are our own output: trust the folder as you trust the code.
    """

    def __init__(self, root: Path, max_attempts: int = MAX_ATTEMPTS) -> None:
        self.root = root
        self.max_attempts = max_attempts
        self.ocr = OCR_VERSION

    def extraction_path(self, sha256: str) -> Path:
        return self.root / "extract" / f"{sha256}-{EXTRACTION_VERSION}.json"

    def records_path(self, key: str) -> Path:
        return self.root / "records" / key[:2] / f"{key}.pickle"

    def attempts_path(self, sha256: str) -> Path:
        return self.root / "transient" / f"{sha256}-{EXTRACTION_VERSION}.json"

    # ---- reads -----------------------------------------------------------------------------

    def _final_for_ocr(self, status: str | None, ocr: object) -> bool:
        return status != "needs_ocr" or ocr == self.ocr

    def records(self, job: DocumentJob) -> ReportRecords | None:
        """The cached finished records of this job (with this run's id), or None."""
        path = self.records_path(records_key(job))
        try:
            entry = pickle.loads(path.read_bytes())
            records: ReportRecords = entry["records"]
            final = self._final_for_ocr(records.report.status, entry["ocr"])
        except FileNotFoundError:
            return None
        except Exception:  # torn or from an incompatible build: redone, not trusted
            path.unlink(missing_ok=True)
            return None
        if not final:
            return None
        report = dataclasses.replace(records.report, run_id=job.run_id)
        return dataclasses.replace(records, report=report)

    def extraction(self, sha256: str) -> dict[str, Any] | None:
        """The cached extraction of these bytes, or None (also when it awaits OCR)."""
        path = self.extraction_path(sha256)
        try:
            entry: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            status, extracted_at = entry["doc"]["status"], entry["extracted_at"]
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError):
            path.unlink(missing_ok=True)
            return None
        if not isinstance(extracted_at, str) or not self._final_for_ocr(status, entry.get("ocr")):
            return None
        return entry

    def attempts(self, sha256: str) -> int:
        try:
            return int(json.loads(self.attempts_path(sha256).read_text(encoding="utf-8"))["attempts"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0

    # ---- writes ----------------------------------------------------------------------------

    def save(self, job: DocumentJob, outcome: DocumentOutcome) -> ReportRecords:
        """Cache a final outcome; count a transient one. Returns the records to write."""
        sha = job.meta.content_sha256
        records = outcome.records
        if outcome.transient:
            attempts = self.attempts(sha) + 1
            if attempts < self.max_attempts:
                self._save_attempts(sha, attempts, records.report.error)
                return _with_attempt_note(records, f"run {attempts} of {self.max_attempts}; retried next run")
            records = _with_attempt_note(records, f"gave up after {attempts} runs")
        elif outcome.extraction is not None:
            entry = {**outcome.extraction, "ocr": self.ocr}
            _write_atomically(self.extraction_path(sha), json.dumps(entry, ensure_ascii=False).encode())
        self.attempts_path(sha).unlink(missing_ok=True)
        self._save_records(job, records)
        return records

    def _save_records(self, job: DocumentJob, records: ReportRecords) -> None:
        entry = {"ocr": self.ocr, "records": records}
        _write_atomically(self.records_path(records_key(job)), pickle.dumps(entry, protocol=5))

    def _save_attempts(self, sha256: str, attempts: int, error: str | None) -> None:
        data = json.dumps({"attempts": attempts, "last_error": error}, ensure_ascii=False)
        _write_atomically(self.attempts_path(sha256), data.encode())
