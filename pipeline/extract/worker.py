"""Run the right extractor on a local file, never raising, and cache the result by content hash."""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import asdict
from pathlib import Path
from typing import Any

from extractors import UNSUPPORTED_FORMATS, detect_format, registry
from extractors.model import Block, ExtractedDocument, RawCell, RawTable, TextBlock
from pipeline import PIPELINE_VERSION
from pipeline.extract.sandbox import CallResult, OcrPagesReport, Sandbox
from pipeline.settings import ExtractionLimits

# Bump when an extractor's output changes, so cached extractions are redone.
EXTRACTION_VERSION = f"{PIPELINE_VERSION}-2"  # -2: metadata (the publication date) kept
MEMORY_CAP_PROBLEM = "extract: ran out of the worker's memory cap"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def pdf_page_count(path: Path) -> int | None:
    """Pages of a PDF from its page tree (PDFium, no content parsed); None when it can't be opened."""
    import pypdfium2

    try:
        with contextlib.closing(pypdfium2.PdfDocument(str(path))) as pdf:
            return len(pdf)
    except Exception:  # unreadable here: the PDF extractor says why
        return None


def image_only_pages(path: Path, max_pages: int) -> int:
    """PDF pages with no text layer (the pages OCR will read); 0 when the PDF can't be opened here
    or has more than `max_pages` pages (it is refused unparsed)."""
    import pypdfium2

    try:
        with contextlib.closing(pypdfium2.PdfDocument(str(path))) as pdf:
            if len(pdf) > max_pages:
                return 0
            return sum(1 for page in pdf if page.get_textpage().count_chars() == 0)
    except Exception:  # unreadable here: the PDF extractor says why
        return 0


def report_ocr_pages(report: OcrPagesReport, path: Path, fmt: str | None, max_pages: int) -> None:
    """The PDFium pre-pass: tells the sandbox how many pages OCR will read (its limit grows by them).

    It runs inside the sandboxed worker, under the document's own limits: a hostile PDF is never
    parsed unguarded.
    """
    if fmt == "pdf":
        report(image_only_pages(path, max_pages))


def extract_file(
    path: Path, fmt: str | None = None, content_type: str | None = None, max_pdf_pages: int | None = None
) -> ExtractedDocument:
    """Extract one local document; a broken or unsupported document becomes a status, not an exception."""
    fmt = fmt or detect_format(path)
    if fmt == "pdf" and max_pdf_pages is not None:
        pages = pdf_page_count(path)
        if pages is not None and pages > max_pdf_pages:
            return ExtractedDocument(
                format="pdf",
                page_count=pages,
                status="failed",
                problems=[
                    f"extract: the PDF has {pages} pages, over the limit of {max_pdf_pages}; not parsed"
                ],
            )
    if fmt in UNSUPPORTED_FORMATS:
        return ExtractedDocument(
            format=fmt,  # type: ignore[arg-type]
            status="unsupported_format",
            problems=[f"extract: .{fmt} documents cannot be read yet; the file is kept in the archive"],
        )
    extractor = registry().get(fmt)
    if extractor is None:
        return ExtractedDocument(
            format="unknown", status="failed", problems=[f"extract: not a PDF, HTML or DOCX document ({fmt})"]
        )
    try:
        return extractor(path, content_type)
    except MemoryError:  # the worker's memory cap: the sandbox reports it, the worker is replaced
        raise
    except Exception as exc:  # an extractor bug must not lose the run
        return ExtractedDocument(
            format=fmt,  # type: ignore[arg-type]
            status="failed",
            problems=[f"extract ({fmt}): {type(exc).__name__}: {exc}"],
        )


# ---- limits: each document in a sandboxed worker process -------------------------------------


def extract_call(
    report: OcrPagesReport, path: str, fmt: str | None, content_type: str | None, max_pdf_pages: int
) -> dict[str, Any]:
    """What the sandbox runs for `extract_sandboxed`: the pre-pass, then the extraction, as JSON."""
    fmt = fmt or detect_format(Path(path))
    report_ocr_pages(report, Path(path), fmt, max_pdf_pages)
    return doc_to_json(extract_file(Path(path), fmt, content_type, max_pdf_pages))


def stopped(fmt: str | None, problem: str) -> ExtractedDocument:
    return ExtractedDocument(format=fmt or "unknown", status="failed", problems=[problem])  # type: ignore[arg-type]


def ending_problem(result: CallResult) -> str:
    """What stopped a sandboxed call that did not finish, as the report's error says it."""
    if result.ending == "timeout":
        return f"extract: stopped after the {result.seconds:g} s per-document time limit"
    if result.ending == "memory":
        return MEMORY_CAP_PROBLEM
    return f"extract: the extraction worker died (exit code {result.exit_code})"


def extract_limited(
    path: Path,
    fmt: str | None = None,
    content_type: str | None = None,
    limits: ExtractionLimits | None = None,
) -> ExtractedDocument:
    """`extract_file` in a worker process that is killed past the per-document time limit."""
    return extract_sandboxed(path, fmt, content_type, limits)[0]


def extract_sandboxed(
    path: Path,
    fmt: str | None = None,
    content_type: str | None = None,
    limits: ExtractionLimits | None = None,
) -> tuple[ExtractedDocument, bool]:
    """(document, transient): transient when the worker was killed, died or hit its memory cap.

    A transient result says nothing final about the document: it is not cached, and is retried.
    """
    limits = limits or ExtractionLimits()
    sandbox = Sandbox()
    try:
        result = sandbox.run(extract_call, (str(path), fmt, content_type, limits.max_pdf_pages), limits)
    finally:
        sandbox.stop()
    if result.ending != "done":
        return stopped(fmt, ending_problem(result)), True
    doc = doc_from_json(result.value)
    return doc, MEMORY_CAP_PROBLEM in doc.problems


# ---- cache ---------------------------------------------------------------------------------


def _block_to_json(block: Block) -> dict[str, Any]:
    if isinstance(block, TextBlock):
        return {"type": "text", "text": block.text, "page": block.page}
    return {"type": "table", **asdict(block)}


def _block_from_json(data: dict[str, Any]) -> Block:
    if data["type"] == "text":
        return TextBlock(data["text"], data["page"])
    rows = tuple(
        tuple(RawCell(c["text"], c["page"], c.get("confidence")) for c in row) for row in data["rows"]
    )
    return RawTable(rows, data["page"], data["strategy"])


def doc_to_json(doc: ExtractedDocument) -> dict[str, Any]:
    return {
        "format": doc.format,
        "title": doc.title,
        "page_count": doc.page_count,
        "problems": doc.problems,
        "status": doc.status,
        "blocks": [_block_to_json(b) for b in doc.blocks],
        "metadata": doc.metadata,
    }


def doc_from_json(data: dict[str, Any]) -> ExtractedDocument:
    return ExtractedDocument(
        format=data["format"],
        blocks=[_block_from_json(b) for b in data["blocks"]],
        title=data["title"],
        page_count=data["page_count"],
        problems=list(data["problems"]),
        status=data["status"],
        metadata=dict(data.get("metadata", {})),
    )
