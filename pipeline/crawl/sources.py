"""The sources file: which county portals to crawl (a contract other tools write).

Its YAML format is in docs/architecture.md, "Module notes".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

REGION_CODE = re.compile(r"^\d{6}$")


class SourcesError(ValueError):
    """The sources file is missing, malformed or names an unknown county."""


@dataclass(frozen=True)
class Source:
    region_code: str
    region_name: str
    listing_urls: tuple[str, ...]
    province: str | None = None
    city: str | None = None
    paused: bool = False
    allowed_hosts: tuple[str, ...] = ()
    pause_seconds: float | None = None
    max_concurrency: int | None = None
    max_pages: int | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def hosts(self) -> frozenset[str]:
        """Hosts the crawler may fetch from: the listing URLs' hosts plus allowed_hosts."""
        listing_hosts = {urlsplit(u).netloc.lower() for u in self.listing_urls}
        return frozenset(listing_hosts | {h.lower() for h in self.allowed_hosts})


_KNOWN = {
    "region_code",
    "region_name",
    "listing_urls",
    "province",
    "city",
    "paused",
    "allowed_hosts",
    "pause_seconds",
    "max_concurrency",
    "max_pages",
}


def source_from_dict(entry: dict[str, Any], where: str) -> Source:
    code = entry.get("region_code")
    if not isinstance(code, str) or not REGION_CODE.match(code):
        raise SourcesError(f"{where}: region_code must be a 6-digit string in quotes, got {code!r}")
    name = entry.get("region_name")
    if not isinstance(name, str) or not name.strip():
        raise SourcesError(f"{where} ({code}): region_name is required")
    urls = entry.get("listing_urls")
    if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
        raise SourcesError(f"{where} ({code}): listing_urls must be a list of URLs")
    if not urls and not entry.get("paused"):  # a paused entry may wait for its listing to be found
        raise SourcesError(f"{where} ({code}): listing_urls must be a non-empty list of URLs")
    for url in urls:
        if urlsplit(url).scheme not in ("http", "https"):
            raise SourcesError(f"{where} ({code}): not an http(s) URL: {url}")
    return Source(
        region_code=code,
        region_name=name.strip(),
        listing_urls=tuple(urls),
        province=entry.get("province"),
        city=entry.get("city"),
        paused=bool(entry.get("paused", False)),
        allowed_hosts=tuple(entry.get("allowed_hosts") or ()),
        pause_seconds=entry.get("pause_seconds"),
        max_concurrency=entry.get("max_concurrency"),
        max_pages=entry.get("max_pages"),
        extra={k: v for k, v in entry.items() if k not in _KNOWN},
    )


def load_sources(path: Path) -> list[Source]:
    """Read and validate a sources file; raises SourcesError naming the entry at fault."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SourcesError(f"cannot read sources file {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise SourcesError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        raise SourcesError(f"{path}: expected a top-level 'sources:' list")
    sources = [source_from_dict(e, f"{path} entry {i + 1}") for i, e in enumerate(data["sources"])]
    codes = [s.region_code for s in sources]
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    if dupes:
        raise SourcesError(f"{path}: region_code listed more than once: {', '.join(dupes)}")
    return sources


def select_sources(sources: list[Source], counties: list[str] | None) -> list[Source]:
    """The sources named by --county (all when none named); unknown codes are an error."""
    if not counties:
        return sources
    known = {s.region_code: s for s in sources}
    unknown = [c for c in counties if c not in known]
    if unknown:
        raise SourcesError(f"county not in sources file: {', '.join(unknown)}")
    return [known[c] for c in dict.fromkeys(counties)]
