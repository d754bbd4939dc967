"""Run the right extractor on a local file, never raising, and cache the result by content hash."""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import resource
from dataclasses import asdict
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from extractors import UNSUPPORTED_FORMATS, detect_format, registry
from extractors.model import Block, ExtractedDocument, RawCell, RawTable, TextBlock
from pipeline import PIPELINE_VERSION
from pipeline.settings import ExtractionLimits

# Bump when an extractor's output changes, so cached extractions are redone.
EXTRACTION_VERSION = f"{PIPELINE_VERSION}-1"
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


def time_limit(path: Path, fmt: str | None, limits: ExtractionLimits) -> float | None:
    """The per-document limit, widened by `ocr_page_seconds` for each page OCR will read."""
    if limits.document_seconds is None or fmt != "pdf":
        return limits.document_seconds
    return limits.document_seconds + limits.ocr_page_seconds * image_only_pages(path, limits.max_pdf_pages)


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
    except Exception as exc:  # an extractor bug must not lose the run
        return ExtractedDocument(
            format=fmt,  # type: ignore[arg-type]
            status="failed",
            problems=[f"extract ({fmt}): {type(exc).__name__}: {exc}"],
        )


# ---- limits: each document in its own short-lived worker process ----------------------------

# forkserver: workers fork from a clean, single-threaded server that has the extractors imported,
# so starting one is cheap and safe even while Prefect's threads run in the parent.
_WORKERS = multiprocessing.get_context("forkserver")
_WORKERS.set_forkserver_preload(
    ["pipeline.extract.worker", "extractors.pdf", "extractors.html", "extractors.docx"]
)


def _address_space_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[0]) * resource.getpagesize()


def _extract_in_worker(
    conn: Connection, path: str, fmt: str | None, content_type: str | None, limits: ExtractionLimits
) -> None:
    if limits.worker_memory_bytes is not None:
        cap = _address_space_bytes() + limits.worker_memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    try:
        doc = extract_file(Path(path), fmt, content_type, limits.max_pdf_pages)
    except MemoryError:
        doc = ExtractedDocument("unknown", status="failed", problems=[MEMORY_CAP_PROBLEM])
    conn.send(doc_to_json(doc))
    conn.close()


def _stopped(fmt: str | None, problem: str) -> ExtractedDocument:
    return ExtractedDocument(format=fmt or "unknown", status="failed", problems=[problem])  # type: ignore[arg-type]


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
    receiver, sender = _WORKERS.Pipe(duplex=False)
    worker = _WORKERS.Process(
        target=_extract_in_worker,
        args=(sender, str(path), fmt, content_type, limits),
        daemon=True,
    )
    worker.start()
    sender.close()
    seconds = time_limit(path, fmt or detect_format(path), limits)
    try:
        if not receiver.poll(seconds):
            worker.kill()
            limit = f"{seconds:g}"
            return _stopped(fmt, f"extract: stopped after the {limit} s per-document time limit"), True
        try:
            doc = doc_from_json(receiver.recv())
        except EOFError:
            worker.join(5)
            return _stopped(fmt, f"extract: the extraction worker died (exit code {worker.exitcode})"), True
        return doc, MEMORY_CAP_PROBLEM in doc.problems
    finally:
        receiver.close()
        worker.join(5)
        if worker.is_alive():
            worker.kill()


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
    }


def doc_from_json(data: dict[str, Any]) -> ExtractedDocument:
    return ExtractedDocument(
        format=data["format"],
        blocks=[_block_from_json(b) for b in data["blocks"]],
        title=data["title"],
        page_count=data["page_count"],
        problems=list(data["problems"]),
        status=data["status"],
    )
