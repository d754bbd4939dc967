"""All of nianbao's limits in one settings object, with the defaults the README states."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field

from pipeline import PIPELINE_VERSION


@dataclass(frozen=True)
class CrawlSettings:
    user_agent: str = f"nianbao/{PIPELINE_VERSION} (+open-government annual report research crawler)"
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    request_seconds: float = 600.0  # one request, body included (a server trickling bytes is cut off)
    county_seconds: float = 3600.0  # one county's whole crawl: no request starts after it
    retries: int = 3
    backoff_seconds: float = 1.0
    pause_seconds: float = 0.2
    max_concurrency_per_host: int = 2
    max_pages_per_listing: int = 50
    max_page_bytes: int = 5 * 1024 * 1024
    max_document_bytes: int = 50 * 1024 * 1024
    max_retry_after_seconds: float = 60.0  # a longer Retry-After is waited for this long only
    max_redirects: int = 5
    offline: bool = False  # serve every URL from the archive (rebuild without network)
    min_inline_chars: int = 300  # body text needed to take a report page without headings as inline


@dataclass(frozen=True)
class ExtractionLimits:
    # A document whose extraction runs longer is stopped and recorded as failed.
    document_seconds: float | None = 120.0
    # Added to that limit for each PDF page without a text layer: OCR takes seconds a page.
    ocr_page_seconds: float = 40.0
    # Memory one document's extraction may take (address space above the worker's start):
    # a hostile file fails alone and the machine stays up.
    worker_memory_bytes: int | None = 2 * 1024**3
    # PDFs with more pages are recorded as failed without being parsed.
    max_pdf_pages: int = 1000


@dataclass(frozen=True)
class Settings:
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    extraction: ExtractionLimits = field(default_factory=ExtractionLimits)
    # The whole run: past it no county or document starts; what was written stays (None: no limit).
    run_seconds: float | None = 6 * 3600.0
    # Days after its 条例 deadline before a source with no report for the year is `overdue`.
    overdue_grace_days: int = 30


TODAY_VARIABLE = "NIANBAO_TODAY"  # tests only: an ISO date the overdue clock reads instead of today


def today() -> dt.date:
    """Today's date in Beijing (the 条例's deadlines are dates there); NIANBAO_TODAY overrides it."""
    fixed = os.environ.get(TODAY_VARIABLE)
    if fixed:
        return dt.date.fromisoformat(fixed)
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
