"""Split a report's body text into its numbered sections."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from extractors.model import TextBlock
from pipeline.normalize.text import fold

# Patterns run on the folded line (NFKC, no whitespace).
HEADING_PATTERNS: dict[int, re.Pattern[str]] = {
    1: re.compile(r"^一[、.]?(总体情况|总体|概述)"),
    2: re.compile(r"^二[、.]?.{0,6}主动公开"),
    3: re.compile(r"^三[、.]?.{0,6}(收到和处理|收到及处理|依申请公开)"),
    4: re.compile(r"^四[、.]?.{0,20}(行政复议|行政诉讼)"),
    5: re.compile(r"^五[、.]?.{0,20}(问题|改进)"),
    6: re.compile(r"^六[、.]?.{0,6}其他"),
}
# Old-format (pre-2019) reports: any short line numbered 一、 … 十、.
_NUMBER_OF = {n: i + 1 for i, n in enumerate("一二三四五六七八九十")} | {"十一": 11, "十二": 12}
_OLD_HEADING = re.compile(r"^(十[一二]|[一二三四五六七八九十])[、.]")
MAX_HEADING_CHARS = 40
_SENTENCE_END = tuple("。！？；：!?;:")


@dataclass(frozen=True)
class Section:
    section_no: int
    heading: str | None
    text: str
    page: int | None = None


def _lines(blocks: Sequence[TextBlock]) -> list[tuple[str, int | None, bool]]:
    """(line, page, starts_block) for every non-empty line of the text blocks."""
    out: list[tuple[str, int | None, bool]] = []
    for block in blocks:
        first = True
        for line in block.text.split("\n"):
            stripped = line.strip(" \t\u3000\u00a0")
            if stripped:
                out.append((stripped, block.page, first))
                first = False
    return out


def heading_number(line: str, after: int, old_format: bool) -> int | None:
    """The section a line heads, if it is a heading of a section numbered above `after`."""
    folded = fold(line)
    if len(folded) > MAX_HEADING_CHARS:
        return None
    if old_format:
        m = _OLD_HEADING.match(folded)
        number = _NUMBER_OF[m.group(1)] if m else 0
        return number if number > after else None
    for number, pattern in HEADING_PATTERNS.items():
        if number > after and pattern.match(folded):
            return number
    return None


def join_lines(lines: Sequence[tuple[str, bool]]) -> str:
    """Join lines into text: a line wrap inside a paragraph disappears, paragraphs keep a newline."""
    parts: list[str] = []
    for line, starts_block in lines:
        if parts and (starts_block or parts[-1].endswith(_SENTENCE_END)):
            parts.append("\n")
        parts.append(line)
    return "".join(parts)


def split_sections(blocks: Sequence[TextBlock], old_format: bool = False) -> list[Section]:
    """Section 0 (title block and preamble) and each numbered section found, in order.

    Headings are found by their number and heading words together, in order: the number alone is
    not enough (the requests table's row labels also start with 一、…四、, and the preamble often
    names every section).
    """
    found: list[tuple[int, str | None, int | None, list[tuple[str, bool]]]] = [(0, None, None, [])]
    for line, page, starts_block in _lines(blocks):
        number = heading_number(line, found[-1][0], old_format)
        if number is not None:
            found.append((number, line, page, []))
        else:
            found[-1][3].append((line, starts_block))
    return [Section(no, heading, join_lines(body), page) for no, heading, page, body in found]
