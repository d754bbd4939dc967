"""Per-source crawl health, kept in one small JSON file (`<output>/_state/health.json`).

Its content is described in docs/architecture.md, "Module notes".
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.crawl.archive import utc_now
from pipeline.crawl.sources import Source

if TYPE_CHECKING:
    from pipeline.crawl.county import CrawlResult


def health_path(output: Path) -> Path:
    """The health file of a dataset folder: `<output>/_state/health.json`.

    The flow writes it and `nianbao sources` reads it; the functions below take any path.
    """
    return output / "_state" / "health.json"


def load_health(path: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


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
    if result.listing_ok and not suspect:
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
