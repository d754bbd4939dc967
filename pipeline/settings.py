"""All of nianbao's limits in one settings object, with the defaults the README states."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.crawl.county import CrawlSettings


@dataclass(frozen=True)
class ExtractionLimits:
    # A document whose extraction runs longer is stopped and recorded as failed.
    document_seconds: float | None = 120.0
    # Memory one document's extraction may take (address space above the worker's start):
    # a hostile file fails alone and the machine stays up.
    worker_memory_bytes: int | None = 2 * 1024**3
    # PDFs with more pages are recorded as failed without being parsed.
    max_pdf_pages: int = 1000


@dataclass(frozen=True)
class Settings:
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    extraction: ExtractionLimits = field(default_factory=ExtractionLimits)
