"""The sources file: which county portals to crawl (a contract other tools write).

Its YAML format is in docs/architecture.md, "Module notes".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    NonNegativeFloat,
    PositiveInt,
    StringConstraints,
    ValidationError,
)

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


HttpUrl = Annotated[str, AfterValidator(lambda url: _http_url(url))]


def _http_url(url: str) -> str:
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        raise ValueError(f"not an http(s) URL: {url}")
    return url


class SourceEntry(BaseModel):
    """One entry of the sources file as written: strict types, no unknown keys.

    `portal_host`, `cms_shape` and `example_articles` are what the registry (`sources/china.yaml`)
    records about a portal; they are kept in `Source.extra` and not used by the crawler.
    """

    model_config = ConfigDict(extra="forbid", strict=True)

    region_code: Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
    region_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    listing_urls: list[HttpUrl]
    province: str | None = None
    city: str | None = None
    paused: bool = False
    allowed_hosts: list[Annotated[str, StringConstraints(min_length=1)]] = []
    pause_seconds: NonNegativeFloat | None = None
    max_concurrency: PositiveInt | None = None
    max_pages: PositiveInt | None = None
    portal_host: str | None = None
    cms_shape: str | None = None
    example_articles: list[str] = []


REGISTRY_FIELDS = ("portal_host", "cms_shape", "example_articles")


def _problem(error: Any) -> str:
    field_name = ".".join(str(part) for part in error["loc"]) or "entry"
    if error["type"] == "extra_forbidden":
        return f"{field_name}: unknown field"
    if error["type"] == "string_pattern_mismatch":
        return f"{field_name}: must be a 6-digit string in quotes, got {error['input']!r}"
    return f"{field_name}: {error['msg']} (got {error['input']!r})"


def _entry_name(entry: Any, where: str) -> str:
    code = entry.get("region_code") if isinstance(entry, dict) else None
    name = entry.get("region_name") if isinstance(entry, dict) else None
    return f"{where} ({' '.join(str(x) for x in (code, name) if x)})" if code or name else where


def source_from_dict(entry: Any, where: str) -> Source:
    """A validated Source; SourcesError names the entry (code and name) and every field at fault."""
    try:
        valid = SourceEntry.model_validate(entry)
    except ValidationError as exc:
        problems = "; ".join(_problem(e) for e in exc.errors())
        raise SourcesError(f"{_entry_name(entry, where)}: {problems}") from None
    if not valid.listing_urls and not valid.paused:  # a paused entry may wait for its listing
        raise SourcesError(f"{_entry_name(entry, where)}: listing_urls must be a non-empty list of URLs")
    return Source(
        region_code=valid.region_code,
        region_name=valid.region_name,
        listing_urls=tuple(valid.listing_urls),
        province=valid.province,
        city=valid.city,
        paused=valid.paused,
        allowed_hosts=tuple(valid.allowed_hosts),
        pause_seconds=valid.pause_seconds,
        max_concurrency=valid.max_concurrency,
        max_pages=valid.max_pages,
        extra={k: getattr(valid, k) for k in REGISTRY_FIELDS if k in valid.model_fields_set},
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
