"""The finished-records cache: unchanged documents cost nothing; transient and needs_ocr are not final."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from extractors.model import ExtractedDocument
from pipeline.extract.cache import ResultCache, records_key
from pipeline.extract.executor import Pending, SerialExecutor, records_for_documents
from pipeline.extract.jobs import DocumentJob, DocumentOutcome
from pipeline.records import build_report
from pipeline.settings import ExtractionLimits
from tests.document_jobs import county_tables, fixture_jobs


class CountingExecutor(SerialExecutor):
    """The serial executor, counting the documents it had to turn into records."""

    def __init__(self) -> None:
        self.submitted = 0

    def submit(self, job: DocumentJob) -> Pending:
        self.submitted += 1
        return super().submit(job)


def run(cache: ResultCache, jobs: list[DocumentJob]) -> tuple[list, CountingExecutor]:
    executor = CountingExecutor()
    return list(records_for_documents(jobs, executor, cache)), executor


def test_an_unchanged_rerun_rebuilds_nothing_and_writes_the_same_rows(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "_cache")
    first, cold = run(cache, fixture_jobs("run-1"))
    second, warm = run(cache, fixture_jobs("run-2"))
    assert cold.submitted == 3 and warm.submitted == 0
    assert all(reused for _, reused in second) and not any(reused for _, reused in first)
    assert {r.report.run_id for r, _ in second} == {"run-2"}
    before = county_tables([r for r, _ in first], drop=("run_id",))
    after = county_tables([r for r, _ in second], drop=("run_id",))
    assert all(after[name].equals(table) for name, table in before.items())


def test_new_listing_facts_reuse_the_extraction_and_redo_the_records(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "_cache")
    run(cache, fixture_jobs("run-1"))
    moved = [
        dataclasses.replace(j, meta=dataclasses.replace(j.meta, source_url="http://127.0.0.1/new"))
        for j in fixture_jobs("run-2")
    ]
    results, executor = run(cache, moved)
    assert executor.submitted == 3 and all(reused for _, reused in results)
    assert {r.report.source_url for r, _ in results} == {"http://127.0.0.1/new"}


def test_a_torn_extraction_entry_is_redone_not_trusted(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "_cache")
    jobs = fixture_jobs("run-1")
    run(cache, jobs)
    sha = jobs[1].meta.content_sha256
    assert cache.extraction(sha) is not None
    cache.extraction_path(sha).write_text("{torn", encoding="utf-8")
    assert cache.extraction(sha) is None and not cache.extraction_path(sha).exists()
    moved = [
        dataclasses.replace(j, meta=dataclasses.replace(j.meta, source_url="http://127.0.0.1/new"))
        for j in jobs
    ]
    results, _ = run(cache, moved)
    assert [reused for _, reused in results] == [True, False, True]  # only the torn one extracted again
    assert cache.extraction(sha) is not None


def test_a_torn_records_entry_is_redone(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "_cache")
    jobs = fixture_jobs("run-1")
    run(cache, jobs)
    cache.records_path(records_key(jobs[1])).write_bytes(b"\x80\x05torn")
    _, executor = run(cache, jobs)
    assert executor.submitted == 1 and cache.records(jobs[1]) is not None


def test_transient_failures_are_retried_then_given_up_after_max_attempts(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "_cache", max_attempts=3)
    job = fixture_jobs("run", ExtractionLimits(document_seconds=0.0001))[0]
    errors = []
    for _ in range(3):
        ((records, _),) = run(cache, [job])[0]
        errors.append(records.report.error or "")
    assert "run 1 of 3; retried next run" in errors[0] and "run 2 of 3" in errors[1]
    assert "gave up after 3 runs" in errors[2]
    ((final, _),) = run(cache, [job])[0]  # given up: now final, from the cache
    assert final.report.error == errors[2] and final.report.status == "failed"


def test_a_success_after_a_transient_failure_clears_the_count(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "_cache")
    slow = fixture_jobs("run", ExtractionLimits(document_seconds=0.0001))[0]
    run(cache, [slow])
    sha = slow.meta.content_sha256
    assert cache.attempts(sha) == 1
    ((records, _),) = run(cache, fixture_jobs("run")[:1])[0]
    assert records.report.status == "ok" and cache.attempts(sha) == 0


def needs_ocr_outcome(job: DocumentJob) -> DocumentOutcome:
    doc = ExtractedDocument("pdf", status="needs_ocr", page_count=2, problems=["pdf: no text layer"])
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    return DocumentOutcome(build_report(doc, job.meta, job.run_id, now), None, False)


def test_needs_ocr_is_final_only_for_the_ocr_version_that_read_it(tmp_path: Path) -> None:
    job = fixture_jobs("run")[0]
    before_ocr = ResultCache(tmp_path / "_cache")
    before_ocr.save(job, needs_ocr_outcome(job))
    assert before_ocr.records(job) is not None  # the same build: final, not re-read every night
    with_ocr = ResultCache(tmp_path / "_cache")
    with_ocr.ocr = "ocr-1"  # what an OCR-capable build reports
    assert with_ocr.records(job) is None  # re-read once OCR is available
