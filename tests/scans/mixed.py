"""A mixed document: text-layer pages of a fixture PDF and one page replaced by its scan."""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path

import pypdfium2

NAME = "scan-mixed-2021"
TEXT_SOURCE = "pdf-2021-ttf"  # pages 1-3 come from here, with their text layer
SCAN_SOURCE = "scan-2021-ttf"  # page 4 (scanned upside down) comes from here
_ID = re.compile(rb"/ID\[<[0-9A-F]+><[0-9A-F]+>\]")
_DATE = re.compile(rb"/CreationDate\(D:\d{14}")


def mixed_pdf(root: Path) -> bytes:
    """Pages imported by PDFium; the random file ID and the creation date replaced (same length) so
    the file regenerates byte for byte."""
    out = pypdfium2.PdfDocument.new()
    out.import_pages(pypdfium2.PdfDocument(str(root / TEXT_SOURCE / "report.pdf")), [0, 1, 2])
    out.import_pages(pypdfium2.PdfDocument(str(root / SCAN_SOURCE / "report.pdf")), [3])
    buffer = io.BytesIO()
    out.save(buffer)
    data = _DATE.sub(b"/CreationDate(D:20000101000000", buffer.getvalue())  # same length: offsets hold
    digest = hashlib.md5(_ID.sub(b"", data)).hexdigest().upper().encode()
    return _ID.sub(b"/ID[<" + digest + b"><" + digest + b">]", data)


def write_mixed(root: Path) -> None:
    folder = root / NAME
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.pdf").write_bytes(mixed_pdf(root))
    golden = json.loads((root / TEXT_SOURCE / "expected.json").read_text(encoding="utf-8"))
    golden.update(
        case=NAME,
        scan_of=TEXT_SOURCE,
        note=f"pages 1-3 of {TEXT_SOURCE} as they are, page 4 the scan of page 4 from {SCAN_SOURCE}",
    )
    text = json.dumps(golden, ensure_ascii=False, indent=1) + "\n"
    (folder / "expected.json").write_text(text, encoding="utf-8")
