"""Extraction entry point: formats, limits and the content-hash cache."""

from __future__ import annotations

from pathlib import Path

from pipeline.extract.sandbox import Sandbox
from pipeline.extract.worker import extract_file, extract_limited, report_ocr_pages
from pipeline.settings import ExtractionLimits

FIXTURES = Path(__file__).parent / "fixtures"
PDF = FIXTURES / "pdf-2019-stsong" / "report.pdf"


def test_legacy_word_and_wps_files_are_unsupported_and_named(tmp_path: Path) -> None:
    for name in ("report.doc", "report.wps"):
        path = tmp_path / name
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
        doc = extract_file(path)
        assert doc.status == "unsupported_format"
        assert path.suffix[1:] in doc.problems[0]


def test_html_error_page_saved_as_pdf_is_read_as_what_it_is(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_text("<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>", encoding="utf-8")
    doc = extract_file(path)
    assert doc.format == "html"
    assert doc.status is None or doc.status == "failed"


def test_a_document_past_the_time_limit_is_stopped_and_recorded() -> None:
    doc = extract_limited(PDF, "pdf", None, ExtractionLimits(document_seconds=0.001))
    assert doc.status == "failed"
    assert "per-document time limit" in doc.problems[0]


def prepass_deadlines(path: Path, limits: ExtractionLimits) -> list[float | None]:
    """The deadlines a sandbox applied while its worker ran the PDFium pre-pass on `path`."""
    deadlines: list[float | None] = []
    box = Sandbox()
    try:
        result = box.run(report_ocr_pages, (path, "pdf", limits.max_pdf_pages), limits, deadlines.append)
    finally:
        box.stop()
    assert result.ending == "done"
    return deadlines


def test_the_time_limit_grows_by_the_pages_ocr_will_read_counted_in_the_sandbox() -> None:
    limits = ExtractionLimits(document_seconds=120, ocr_page_seconds=40)

    def growth(path: Path) -> float:
        first, *rest = prepass_deadlines(path, limits)
        assert first is not None
        return round(rest[-1] - first, 6) if rest and rest[-1] is not None else 0.0

    assert growth(PDF) == 0  # a text layer on every page
    assert growth(FIXTURES / "scan-2021-ttf" / "report.pdf") == 4 * 40
    assert growth(FIXTURES / "scan-mixed-2021" / "report.pdf") == 1 * 40
    scan = FIXTURES / "scan-2021-ttf" / "report.pdf"
    assert prepass_deadlines(scan, ExtractionLimits(document_seconds=None)) == [None]


def test_the_prepass_runs_under_the_documents_limits() -> None:
    """A PDF the pre-pass cannot get through in time is stopped by the sandbox, not parsed here."""
    box = Sandbox()
    try:
        result = box.run(
            report_ocr_pages,
            (FIXTURES / "scan-2021-ttf" / "report.pdf", "pdf", 1000),
            ExtractionLimits(document_seconds=0.0001),
        )
    finally:
        box.stop()
    assert result.ending == "timeout"


def test_a_worker_that_runs_out_of_memory_fails_alone(tmp_path: Path) -> None:
    page = tmp_path / "huge.html"
    cell = "<td>一、总体情况</td>" * 1000
    rows = f"<tr>{cell}</tr>" * 2000
    page.write_text(f"<html><body><table>{rows}</table></body></html>", encoding="utf-8")
    doc = extract_limited(page, "html", None, ExtractionLimits(worker_memory_bytes=32 * 1024**2))
    assert doc.status == "failed"
    assert "MemoryError" in doc.problems[0] or "memory" in doc.problems[0] or "died" in doc.problems[0]


def test_the_worker_gives_the_same_document_as_a_direct_call() -> None:
    direct = extract_file(PDF)
    limited = extract_limited(PDF, "pdf", None, ExtractionLimits())
    assert limited == direct
