"""What an extractor returns for one local file: text blocks and raw cell grids, no canonical keys yet."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Status = Literal["ok", "partial", "needs_ocr", "unsupported_format", "failed"]
DocFormat = Literal["pdf", "html", "docx", "doc", "wps", "ofd", "unknown"]


@dataclass(frozen=True)
class TextBlock:
    """A run of body text (tables excluded), one or more lines, as printed."""

    text: str
    page: int | None = None


@dataclass(frozen=True)
class RawCell:
    """One printed cell. `text` is None where the cell is covered by a merge. `confidence` (0-1) is
    set only by OCR: how sure the engine is of the text (0 when ink was seen but nothing read)."""

    text: str | None
    page: int | None = None
    confidence: float | None = None


@dataclass(frozen=True)
class RawTable:
    """A grid of cells as printed (rows of cells, merges as None), in reading order."""

    rows: tuple[tuple[RawCell, ...], ...]
    page: int | None = None
    strategy: str = "unknown"


Block = TextBlock | RawTable


@dataclass
class ExtractedDocument:
    """Everything an extractor read from one local file, before normalisation."""

    format: DocFormat
    blocks: list[Block] = field(default_factory=list)
    title: str | None = None
    page_count: int | None = None
    # Problems that lost part of the document: each names the stage and page.
    problems: list[str] = field(default_factory=list)
    # Set when the document cannot be read at all (or has no text layer).
    status: Status | None = None
    # Portal metadata printed around the report (a web page, or one printed to PDF), e.g.
    # "published_date" (ISO) from 发布时间：/公开日期/<meta name=PubDate>. Never the title or agency.
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def tables(self) -> list[RawTable]:
        return [b for b in self.blocks if isinstance(b, RawTable)]

    @property
    def text_blocks(self) -> list[TextBlock]:
        return [b for b in self.blocks if isinstance(b, TextBlock)]
