"""One extractor per document format, behind an explicit registry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from extractors.model import ExtractedDocument

# Every extractor is a pure function of a local file: `extract(path, content_type=None) ->
# ExtractedDocument`. `content_type` is the HTTP Content-Type the crawler archived with the file
# (it may carry a charset); extractors that have no use for it ignore it. None touches the network.
Extractor = Callable[[Path, str | None], ExtractedDocument]

# Formats recognised but not read: the report gets status unsupported_format.
UNSUPPORTED_FORMATS = frozenset({"doc", "wps", "ofd"})


def sniff_format(head: bytes, name: str = "", content_type: str | None = None) -> str:
    """The format a document really has, from its first bytes (then its name and type)."""
    stripped = head.lstrip()[:512].lower()
    if head.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        if b"[Content_Types].xml" in head[:2048] or name.lower().endswith(".docx"):
            return "docx"
        return "ofd" if name.lower().endswith(".ofd") else "docx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "wps" if name.lower().endswith(".wps") else "doc"
    if stripped.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<meta", b"<body", b"<div")):
        return "html"
    lowered = name.lower()
    for ext in ("pdf", "docx", "doc", "wps", "ofd", "html", "htm"):
        if lowered.endswith("." + ext):
            return "html" if ext == "htm" else ext
    if content_type and "html" in content_type:
        return "html"
    return "unknown"


def detect_format(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(4096)
    return sniff_format(head, path.name)


def registry() -> dict[str, Extractor]:
    """Format -> extractor. Imported lazily so `nianbao --help` stays fast."""
    from extractors import docx, html, pdf

    return {"pdf": pdf.extract, "html": html.extract, "docx": docx.extract}
