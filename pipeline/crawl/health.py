"""Per-source crawl health, kept in one small JSON file (`<output>/_state/health.json`).

Its content is described in docs/architecture.md, "Module notes".
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.crawl.archive import utc_now
from pipeline.crawl.sources import Source

if TYPE_CHECKING:
    from pipeline.crawl.county import CrawlResult, ListingHealth


def health_path(output: Path) -> Path:
    """The health file of a dataset folder: `<output>/_state/health.json`.

    The flow writes it and `nianbao sources` reads it; the functions below take any path.
    """
    return output / "_state" / "health.json"


def load_health(path: Path) -> dict[str, dict[str, Any]]:
    """The health file's content; {} when there is none. A corrupt file is set aside, not reset."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    try:
        data = json.loads(text)
    except ValueError as exc:
        set_aside(path, f"not JSON ({exc})")
        return {}
    if not isinstance(data, dict):
        set_aside(path, f"a JSON {type(data).__name__}, not an object")
        return {}
    return data


def set_aside(path: Path, why: str) -> Path:
    """Renames a state file that cannot be read to `<name>.corrupt-<time>` and says so on stderr."""
    kept = path.with_name(f"{path.name}.corrupt-{utc_now().strftime('%Y%m%dT%H%M%S%f')}")
    os.replace(path, kept)
    print(f"nianbao: {path} could not be read: {why}; set aside as {kept.name}, health starts afresh",
          file=sys.stderr)  # fmt: skip
    return kept


MAX_FAILED_URLS = 20


def update_health(
    path: Path, region_code: str, result: CrawlResult, suspect: str | None = None
) -> dict[str, Any]:
    """Fold one crawl result (and whether its reports were suspect) into the health file.

    A crawl counts as a success when at least one listing page was read
    (`CrawlResult.listing_ok`) and its reports were not suspect (far fewer than the dataset
    holds). The file is replaced atomically.
    """
    with _locked(path):
        return _update_locked(path, region_code, result, suspect)


def _update_locked(path: Path, region_code: str, result: CrawlResult, suspect: str | None) -> dict[str, Any]:
    health = load_health(path)
    entry = dict(health.get(region_code) or {})
    now = utc_now().isoformat()
    entry["last_attempt"] = now
    entry["documents"] = len(result.documents)
    entry["errors"] = len(result.errors)
    entry["failed_urls"] = [f"{e.stage} {e.url}: {e.message}" for e in result.errors[:MAX_FAILED_URLS]]
    entry["suspect"] = suspect
    entry["status"] = crawl_status(result, suspect)
    entry["listings"] = [listing_health(listing) for listing in result.listings]
    if result.listing_ok and not suspect and not result.empty:
        entry["last_success"] = now
        entry["consecutive_failures"] = 0
    else:
        entry["consecutive_failures"] = int(entry.get("consecutive_failures") or 0) + 1
    first_error = result.errors[0] if result.errors else None
    if suspect:
        entry["last_error"] = suspect
    elif first_error is not None:
        entry["last_error"] = f"{first_error.stage} {first_error.url}: {first_error.message}"
    elif result.listing_ok:
        entry["last_error"] = None
    health[region_code] = entry
    _write_atomically(path, health)
    return entry


def crawl_status(result: CrawlResult, suspect: str | None) -> str:
    """ok | down (no listing page read) | empty (listings read, no report entry) | suspect."""
    if not result.listing_ok:
        return "down"
    if result.empty:
        return "empty"
    return "suspect" if suspect else "ok"


def listing_health(listing: ListingHealth) -> dict[str, Any]:
    """Which platform reader read a listing URL, its entries per page and the API calls made."""
    return {
        "url": listing.url,
        "readers": list(listing.readers),
        "entries_per_page": list(listing.entries_per_page),
        "api_calls": listing.api_calls,
    }


def listing_summary(listings: list[dict[str, Any]] | None) -> str:
    """One line for `nianbao sources`: reader, pages, entries per page, API calls per listing."""
    parts = []
    for listing in listings or []:
        readers = "+".join(listing.get("readers") or []) or "unread"
        counts = "/".join(str(n) for n in listing.get("entries_per_page") or [])
        parts.append(
            f"{readers}: {len(listing.get('entries_per_page') or [])} pages ({counts or '-'} entries), "
            f"{listing.get('api_calls') or 0} API calls"
        )
    return "; ".join(parts)


def health_rows(
    path: Path, sources: list[Source], overdue: dict[str, int] | None = None
) -> list[dict[str, Any]]:
    """One row per source (in sources order), never-crawled ones included, for `nianbao sources`;
    `overdue` maps a source to the report year it is overdue for (pipeline.metrics.overdue)."""
    health = load_health(path)
    rows = []
    for source in sources:
        entry = health.get(source.region_code) or {}
        rows.append(
            {
                "region_code": source.region_code,
                "region_name": source.region_name,
                "paused": source.paused,
                "last_attempt": entry.get("last_attempt"),
                "last_success": entry.get("last_success"),
                "consecutive_failures": int(entry.get("consecutive_failures") or 0),
                "last_error": entry.get("last_error"),
                "documents": entry.get("documents"),
                "suspect": entry.get("suspect"),
                "status": entry.get("status") or ("never" if not entry else "ok"),
                "listings": entry.get("listings") or [],
                "overdue": (overdue or {}).get(source.region_code),
            }
        )
    return rows


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Serialise read-modify-write between counties crawled in parallel (threads or processes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write_atomically(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".health-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=1, sort_keys=True)
    os.replace(tmp, path)
