"""The DOCX package: its main document, numbering and styles parts as XML trees."""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from lxml import etree

MAX_PART_BYTES = 64 * 1024 * 1024
_REL_TYPES = ("officeDocument", "numbering", "styles")


class DocxError(Exception):
    """The package cannot be read; the message names the stage."""


# ---- the package --------------------------------------------------------------------------


def _read_part(zf: zipfile.ZipFile, name: str) -> bytes | None:
    """A part's bytes, decompressed under a size cap; None if the part is absent."""
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_PART_BYTES:
        raise DocxError(f"docx: {name} would decompress to {info.file_size} bytes (limit {MAX_PART_BYTES})")
    try:
        with zf.open(info) as fh:
            data = fh.read(MAX_PART_BYTES + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        # A bad CRC (sizes in the headers that lie), a torn deflate stream, an encrypted member.
        raise DocxError(f"docx: {name} cannot be decompressed ({type(exc).__name__}: {exc})") from exc
    if len(data) > MAX_PART_BYTES:
        raise DocxError(f"docx: {name} decompresses to more than {MAX_PART_BYTES} bytes")
    return data


_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
)


def _parse_xml(name: str, data: bytes, problems: list[str]) -> etree._Element:
    try:
        root = etree.fromstring(data, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise DocxError(f"docx: {name} is not well-formed XML ({exc.msg})") from exc
    if root.getroottree().docinfo.internalDTD is not None:
        problems.append(f"docx: {name} declares a DTD; its entities were left unresolved")
    return root


def _relationship_targets(zf: zipfile.ZipFile, rels_name: str, problems: list[str]) -> dict[str, str]:
    """Relationship type suffix (officeDocument, numbering, styles) -> part name."""
    data = _read_part(zf, rels_name)
    if data is None:
        return {}
    base = PurePosixPath(rels_name).parent.parent
    targets: dict[str, str] = {}
    for rel in _parse_xml(rels_name, data, problems):
        kind = str(rel.get("Type", "")).rsplit("/", 1)[-1]
        target = str(rel.get("Target", ""))
        if kind in _REL_TYPES and rel.get("TargetMode") != "External":
            path = target.lstrip("/") if target.startswith("/") else str(base / target)
            targets[kind] = _normalize_part_name(path)
    return targets


def _normalize_part_name(path: str) -> str:
    parts: list[str] = []
    for piece in path.split("/"):
        if piece == "..":
            parts = parts[:-1]
        elif piece not in ("", "."):
            parts.append(piece)
    return "/".join(parts)


@dataclass
class Package:
    document: etree._Element
    numbering: etree._Element | None
    styles: etree._Element | None
    problems: list[str] = field(default_factory=list)


def open_package(path: Path) -> Package:
    """Read the package with `zipfile` and `lxml` only, defensively; `DocxError` when it cannot be read.

    Every part is size-capped while it is decompressed (a zip bomb becomes status "failed"), and XML
    is parsed without loading DTDs, resolving entities or touching the network (an XXE or
    billion-laughs payload stays an unexpanded entity reference; the document is read without it and
    a problem is recorded).
    """
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DocxError(f"docx: not a zip archive ({exc})") from exc
    problems: list[str] = []
    with zf:
        main = _relationship_targets(zf, "_rels/.rels", problems).get("officeDocument", "word/document.xml")
        data = _read_part(zf, main)
        if data is None:
            raise DocxError(f"docx: no main document part ({main}) in the package")
        document = _parse_xml(main, data, problems)
        rels_name = str(PurePosixPath(main).parent / "_rels" / (PurePosixPath(main).name + ".rels"))
        related = _relationship_targets(zf, rels_name, problems)
        parts: dict[str, etree._Element | None] = {}
        for kind in ("numbering", "styles"):
            raw = _read_part(zf, related.get(kind, f"word/{kind}.xml"))
            # Styles matter here only for numbering they attach to paragraphs; skip the parse otherwise.
            needed = raw is not None and (
                kind == "numbering" or (parts["numbering"] is not None and b"numPr" in raw)
            )
            parts[kind] = _parse_xml(kind, raw, problems) if raw is not None and needed else None
    return Package(document, parts["numbering"], parts["styles"], problems)
