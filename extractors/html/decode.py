"""HTML page bytes -> text, strictly decoded; a page that fits no encoding fails with the offsets."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_GB_FAMILY = frozenset({"gb2312", "gbk", "gb18030", "cp936"})
# A Chinese report is never really written in these; a page declaring them is mislabelled.
_IGNORED_CODECS = frozenset({"iso8859-1", "cp1252", "ascii", "iso8859-15"})
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class Decoded:
    text: str | None
    encoding: str | None
    error: str | None = None


def _codec_name(label: str | None) -> str | None:
    """A charset label -> Python's codec name (gb2312/gbk widened to gb18030), None if unusable."""
    if not label:
        return None
    label = label.strip().lower()
    try:
        name = codecs.lookup(label).name
    except LookupError:
        # x-gbk, gb_2312-80, csGB2312 ...: names browsers know and Python does not.
        return "gb18030" if "gb" in label else None
    if name in _GB_FAMILY:
        return "gb18030"
    return None if name in _IGNORED_CODECS else name


def header_charset(content_type: str | None) -> str | None:
    match = _HEADER_CHARSET.search(content_type or "")
    return match.group(1) if match else None


def declared_charset(data: bytes) -> str | None:
    head = data[:8192]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return match.group(1).decode("ascii") if match else None


def _is_utf8_with_non_ascii(data: bytes) -> bool:
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def candidate_encodings(data: bytes, content_type: str | None) -> list[str]:
    """The encodings to try strictly, most trusted first.

    A BOM, the charset of the HTTP Content-Type, the charset the page declares, then UTF-8, then
    what a charset detector (charset-normalizer) finds, then GB18030. GB2312/GBK are decoded as
    GB18030, their superset (portals declare gb2312 and then use characters such as 镕 that only
    GBK has). A declared GB charset loses to UTF-8 when the bytes are
    valid UTF-8 with non-ASCII characters: UTF-8 bytes of Chinese text also decode "successfully" as
    GB18030, into mojibake, while real GBK text is practically never valid UTF-8.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return [name, "utf-8", "gb18030"]
    declared = [_codec_name(header_charset(content_type)), _codec_name(declared_charset(data))]
    order: list[str] = []
    for candidate in [*declared, "utf-8", _detected(data), "gb18030"]:
        if candidate == "gb18030" and "utf-8" not in order and _is_utf8_with_non_ascii(data):
            order.append("utf-8")
        if candidate and candidate not in order:
            order.append(candidate)
    return order


def _detected(data: bytes) -> str | None:
    """The encoding charset-normalizer finds for bytes that declare none (GBK, Big5 ...)."""
    if data.isascii():
        return None
    best = charset_normalizer.from_bytes(data[:65536]).best()
    return _codec_name(best.encoding) if best is not None else None


def decode_html(data: bytes, content_type: str | None = None) -> Decoded:
    """Decode strictly with the first candidate that fits; name the offset where each one broke."""
    failures: list[str] = []
    for name in candidate_encodings(data, content_type):
        try:
            text = data.decode(name)
        except UnicodeDecodeError as exc:
            failures.append(f"{name} at offset {exc.start}")
            continue
        return Decoded(text.removeprefix("\ufeff"), name)
    return Decoded(None, None, "html: bytes do not decode as " + " nor as ".join(failures))
