"""What each county's listing showed at its last written run (`<output>/_state/listings/<code>.json`).

A night's listing is compared with the last one, not with the rows the dataset keeps: many portals
list only their latest N reports, so old reports falling off a listing is normal.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from pipeline.crawl.archive import utc_now
from pipeline.crawl.county import CrawlResult


def listing_path(output: Path, region_code: str) -> Path:
    return output / "_state" / "listings" / f"{region_code}.json"


def listed_entries(crawl: CrawlResult) -> set[str]:
    """The article pages of the reports this crawl found listed (documents had or not)."""
    return {d.source_url for d in crawl.documents} | {f.source_url for f in crawl.failed}


def load_listing(output: Path, region_code: str) -> set[str] | None:
    """The entries of the last written run; None when there was none (or the file is unreadable)."""
    try:
        data = json.loads(listing_path(output, region_code).read_text(encoding="utf-8"))
        return {str(url) for url in data["entries"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_listing(output: Path, region_code: str, entries: set[str]) -> None:
    """Replaced atomically, after the county's tables were written."""
    path = listing_path(output, region_code)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".listing-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"at": utc_now().isoformat(), "entries": sorted(entries)}, fh, ensure_ascii=False, indent=1)
    os.replace(tmp, path)
