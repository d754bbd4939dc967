"""OCR for scanned PDF pages: `ocr_into` reads image-only pages into the PDF extractor's document.

Cheap to import: the image and OCR libraries load on first use. See docs/ocr.md."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from extractors.model import ExtractedDocument
from extractors.ocr.engine import OcrUnavailable, ocr_version

__all__ = ["OCR_VERSION", "OcrUnavailable", "ocr_into"]

READER_VERSION = 3  # bump when this reader's output changes
# What reads scans in this install, for the extraction cache ("none": a needs_ocr result is final only
# until OCR is installed).
OCR_VERSION = f"{ocr_version()}; reader {READER_VERSION}" if ocr_version() else "none"


def ocr_into(document: ExtractedDocument, path: Path, numbers: Sequence[int]) -> None:
    """Read the pages `numbers` of the PDF at `path` by OCR into `document`, in page order."""
    from extractors.ocr import document as scanned

    scanned.ocr_into(document, path, numbers)
