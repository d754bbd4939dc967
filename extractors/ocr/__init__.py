"""OCR for scanned PDF pages (no text layer): page image -> upright -> ruled grids and text lines.

`ocr_into` reads the given pages of a local PDF with RapidOCR (models shipped in its wheel, nothing
downloaded) and puts what it read into the document the PDF extractor built: text blocks, tables
(strategy "ocr", each cell with its confidence) and the title. Nothing here touches the network.
Importing this package is cheap (the image and OCR libraries load on first use).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from extractors.model import ExtractedDocument
from extractors.ocr.engine import OcrUnavailable, ocr_version

__all__ = ["OCR_VERSION", "OcrUnavailable", "ocr_into"]

READER_VERSION = 2  # bump when this reader's output changes
# What reads scans in this install, for the extraction cache ("none": a needs_ocr result is final only
# until OCR is installed).
OCR_VERSION = f"{ocr_version()}; reader {READER_VERSION}" if ocr_version() else "none"


def ocr_into(document: ExtractedDocument, path: Path, numbers: Sequence[int]) -> None:
    """Read the pages `numbers` of the PDF at `path` by OCR into `document`, in page order."""
    from extractors.ocr import document as scanned

    scanned.ocr_into(document, path, numbers)
