"""Crawl one county portal: listing pages -> article pages -> report documents (`crawl_source`).

HTTP is `pipeline.crawl.fetch.Fetcher`'s job; reading portal pages is `pipeline.crawl.pages`'s.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from urllib.parse import unquote, urlsplit

from extractors import sniff_format
from pipeline.crawl.archive import Archive
from pipeline.crawl.fetch import Fetched, Fetcher
from pipeline.crawl.pages import (
    DOCUMENT_EXTENSIONS,
    Entry,
    Link,
    article_date,
    article_text_is_report,
    attachment_links,
    body_text,
    canonical_url,
    is_document_link,
    link_format,
    parse_page,
    parse_text,
    title_candidates,
)
from pipeline.crawl.pages import decode_page as decode_page  # re-exported: tests import it from here
from pipeline.crawl.portals import ApiCall, ListingPage, ListingRead, reader_for, reader_named
from pipeline.crawl.sources import Source
from pipeline.normalize.titles import classify_title, is_cut_title, normalize_title
from pipeline.settings import CrawlSettings


@dataclass(frozen=True)
class FetchedDocument:
    region_code: str
    title: str  # the entry's title as listed (or the article's <h1> when the listing cut it)
    source_url: str  # the article page
    document_url: str  # the document itself (== source_url for an inline HTML report)
    path: Path  # archived local copy (content-addressed)
    sha256: str
    format: str  # pdf | html | docx | doc | wps | ofd | unknown
    content_type: str | None
    fetched_at: dt.datetime  # when these bytes were first downloaded
    published_date: dt.date | None = None
    not_modified: bool = False  # True when the server answered 304 or the bytes were unchanged
    error: str | None = None  # set when this fetch failed and the archived copy was used instead


@dataclass(frozen=True)
class CrawlError:
    url: str
    stage: str  # listing | article | document | robots
    message: str


@dataclass(frozen=True)
class FailedDocument:
    """A listed report whose document could not be had: it still becomes a reports row."""

    title: str
    source_url: str
    document_url: str
    stage: str  # fetch | content type | size | article (the article holds no report)
    message: str
    published_date: dt.date | None = None


@dataclass
class ListingHealth:
    """How one listing URL was read: by which platform reader(s), entries per page, API calls."""

    url: str
    readers: list[str] = field(default_factory=list)
    entries_per_page: list[int] = field(default_factory=list)
    api_calls: int = 0


@dataclass
class CrawlResult:
    region_code: str
    documents: list[FetchedDocument] = field(default_factory=list)
    failed: list[FailedDocument] = field(default_factory=list)
    errors: list[CrawlError] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (title, url) of non-report entries
    listing_ok: bool = True
    pages_fetched: int = 0
    documents_downloaded: int = 0
    listings: list[ListingHealth] = field(default_factory=list)  # how each listing URL was read
    empty: bool = False  # listings were read but yielded no report entry


ProgressFn = Callable[[str], None]
DocumentFn = Callable[["FetchedDocument"], None]  # told of each document as soon as it is archived

_TYPE_FORMATS = {
    "application/pdf": "pdf",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/ofd": "ofd",
    "application/kswps": "wps",
    "application/wps-office.wps": "wps",
}
# Formats whose bytes cannot be told apart by their magic (zip; OLE compound file).
_SAME_MAGIC = {"ofd": "docx", "wps": "doc"}


@dataclass
class _EntryOutcome:
    documents: list[tuple[FetchedDocument, bool]] = field(default_factory=list)  # (doc, downloaded)
    failed: list[FailedDocument] = field(default_factory=list)
    errors: list[CrawlError] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def crawl_source(
    source: Source,
    archive_dir: Path,
    settings: CrawlSettings | None = None,
    progress: ProgressFn | None = None,
    deadline: float | None = None,
    on_document: DocumentFn | None = None,
) -> CrawlResult:
    """Crawl one source; no request starts after `settings.county_seconds` (or `deadline`, monotonic).

    The rest of the pipeline uses this function and these fields (keep their names stable):

    * `CrawlResult.documents`: one `FetchedDocument` per report document found (inline HTML
      article bodies and attachments), each archived on disk under `archive_dir`.
    * `CrawlResult.listing_ok`: False when no listing page of the source could be read (portal
      down): the caller then keeps the county's previous rows untouched.
    * `CrawlResult.failed`: one `FailedDocument` per listed report whose document could not be had
      (fetch, content type, size): each becomes a `failed` reports row.

    This module walks listings -> entries -> documents; `pipeline.crawl.fetch.Fetcher` does the
    HTTP (politeness, robots.txt, retries, redirects, size limits, conditional GET, archiving);
    `pipeline.crawl.pages` reads portal pages (entries, pagination, attachments, inline bodies,
    dates). `CrawlSettings(offline=True)` replays a crawl from the archive alone, without any network.
    """
    settings = settings or CrawlSettings()
    say = progress or (lambda _msg: None)
    result = CrawlResult(region_code=source.region_code)
    archive = Archive(archive_dir, source.region_code)  # the county's own index
    own_deadline = time.monotonic() + settings.county_seconds
    with Fetcher(source, archive, settings, min(own_deadline, deadline or own_deadline)) as fetcher:
        entries = collect_entries(fetcher, source, settings, result, say)
        if not result.listing_ok:
            say(f"{source.region_code}: no listing page could be read")
            result.pages_fetched = fetcher.pages_fetched
            return result
        say(f"{source.region_code}: {len(entries)} report entries, {len(result.skipped)} skipped")
        if not entries:
            result.empty = True
            message = "the listing yields no report entries"
            result.errors.append(CrawlError(source.listing_urls[0], "listing", message))
        with ThreadPoolExecutor(max_workers=fetcher.concurrency) as pool:
            crawl_one = partial(
                crawl_entry_announced, fetcher, source, settings=settings, on_document=on_document
            )
            outcomes = list(pool.map(crawl_one, entries))
        merge_outcomes(result, outcomes)
        result.pages_fetched = fetcher.pages_fetched
    say(f"fetched {len(result.documents)} documents ({result.documents_downloaded} downloaded)")
    return result


# ---- listings -------------------------------------------------------------------------


def collect_entries(
    fetcher: Fetcher, source: Source, settings: CrawlSettings, result: CrawlResult, say: ProgressFn
) -> list[Entry]:
    """Every report entry of every listing (in order, once), following pages and platform APIs."""
    entries: dict[str, Entry] = {}
    skipped: dict[str, str] = {}
    any_live = False
    for index, listing_url in enumerate(source.listing_urls, start=1):
        health = ListingHealth(listing_url)
        result.listings.append(health)
        walk = _ListingWalk(fetcher, source, settings, result, health)
        for entry in walk.entries(say, f"listing {index}/{len(source.listing_urls)}"):
            sort_entry(entry, entries, skipped, source, walk.seen)
        any_live = any_live or walk.live
    result.listing_ok = any_live
    result.skipped.extend((title, url) for url, title in skipped.items())
    return list(entries.values())


class _ListingWalk:
    """One listing URL: its pages (HTML, read by the reader that claims each) and API calls."""

    def __init__(
        self,
        fetcher: Fetcher,
        source: Source,
        settings: CrawlSettings,
        result: CrawlResult,
        health: ListingHealth,
    ) -> None:
        self.fetcher, self.result, self.health = fetcher, result, health
        self.cap = source.max_pages or settings.max_pages_per_listing
        self.queue: deque[str | ApiCall] = deque([health.url])
        self.seen: set[str] = {canonical_url(health.url)}
        self.live = False

    def entries(self, say: ProgressFn, label: str) -> Iterator[Entry]:
        pages = 0
        while self.queue and pages < self.cap:
            item = self.queue.popleft()
            pages += 1
            say(f"{label} page {pages}: {item if isinstance(item, str) else item.url}")
            read = self._read(item)
            if read is None:
                continue
            self.health.entries_per_page.append(len(read.entries))
            self._plan(read)
            yield from read.entries

    def _read(self, item: str | ApiCall) -> ListingRead | None:
        url = item if isinstance(item, str) else item.url
        form = None if isinstance(item, str) else item.form_dict
        fetched = self.fetcher.fetch(url, "listing", form=form)
        if fetched.error:
            self.result.errors.append(CrawlError(url, fetched.error_stage or "listing", fetched.error))
        if fetched.path is None:
            return None
        try:
            read = self._read_body(item, fetched)
        except Exception as exc:  # one unreadable page is that page's error
            self.result.errors.append(CrawlError(url, "listing", f"unreadable page: {exc!r}"))
            return None
        self.live = self.live or fetched.error is None
        return read

    def _read_body(self, item: str | ApiCall, fetched: Fetched) -> ListingRead:
        assert fetched.path is not None
        body = fetched.path.read_bytes()
        if isinstance(item, ApiCall):
            self.health.api_calls += 1
            return reader_named(item.reader).read_answer(item, decode_page(body, fetched.content_type))
        text = decode_page(body, fetched.content_type)
        page = ListingPage(item, text, parse_text(text, keep_scripts=True))
        reader = reader_for(page)
        if reader.name not in self.health.readers:
            self.health.readers.append(reader.name)
        return reader.read(page)

    def _plan(self, read: ListingRead) -> None:
        for link in read.pages:
            if canonical_url(link) not in self.seen:
                self.seen.add(canonical_url(link))
                self.queue.append(link)
        for call in read.calls:
            key = f"{call.url} {call.form}"
            if key not in self.seen:
                self.seen.add(key)
                self.queue.append(call)


def sort_entry(
    entry: Entry, entries: dict[str, Entry], skipped: dict[str, str], source: Source, listings: set[str]
) -> None:
    """A report entry is kept; another host's link or a link back to a listing page never is."""
    if canonical_url(entry.url) in listings:
        return
    kind = classify_title(entry.title)
    if urlsplit(entry.url).netloc.lower() not in source.hosts:  # another site's page: noted, not followed
        if kind == "report":
            skipped.setdefault(entry.url, f"{entry.title} (another host; allowed_hosts to follow it)")
        return
    if kind == "report":
        entries.setdefault(entry.url, entry)
    elif kind == "skip":
        skipped.setdefault(entry.url, entry.title)


# ---- articles and documents -----------------------------------------------------------


def crawl_entry_announced(
    fetcher: Fetcher, source: Source, entry: Entry, settings: CrawlSettings, on_document: DocumentFn | None
) -> _EntryOutcome:
    """`crawl_entry_safely`, handing each document to `on_document` as soon as it is archived.

    The documents may still be dropped as duplicates when the entries are merged; a listener
    that fails only loses its head start (the caller handles every merged document anyway).
    """
    outcome = crawl_entry_safely(fetcher, source, entry, settings)
    if on_document is not None:
        for document, _ in outcome.documents:
            with contextlib.suppress(Exception):
                on_document(document)
    return outcome


def crawl_entry_safely(
    fetcher: Fetcher, source: Source, entry: Entry, settings: CrawlSettings
) -> _EntryOutcome:
    """`crawl_entry`, with anything unexpected recorded as that entry's error and failed report."""
    try:
        return crawl_entry(fetcher, source, entry, settings)
    except Exception as exc:
        message = f"unexpected error: {type(exc).__name__}: {exc}"
        failed = FailedDocument(entry.title, entry.url, entry.url, "fetch", message, entry.listed_date)
        return _EntryOutcome(failed=[failed], errors=[CrawlError(entry.url, "article", message)])


def crawl_entry(fetcher: Fetcher, source: Source, entry: Entry, settings: CrawlSettings) -> _EntryOutcome:
    outcome = _EntryOutcome()
    if is_document_link(entry.url, ""):  # the listing links the file itself
        document = fetch_document(fetcher, source, Link(entry.url, entry.title), entry, entry.listing_url)
        _add_document(outcome, document, entry)
        return outcome
    page = fetcher.fetch(entry.url, "article")
    if page.error:
        outcome.errors.append(CrawlError(entry.url, page.error_stage or "article", page.error))
    if page.path is None:
        outcome.failed.append(
            FailedDocument(
                entry.title, entry.url, entry.url, _stage(page), page.error or "no body", entry.listed_date
            )
        )
        return outcome
    if not _is_html(page):  # an entry URL that serves the file itself
        document = fetch_document(fetcher, source, Link(entry.url, entry.title), entry, entry.listing_url)
        _add_document(outcome, document, entry)
        return outcome
    root = parse_page(page.path.read_bytes(), page.content_type)
    title = resolve_title(entry.title, title_candidates(root))
    if classify_title(title) != "report":
        outcome.skipped.append((title, entry.url))
        return outcome
    entry = Entry(title, entry.url, article_date(root) or entry.listed_date, entry.listing_url)
    links = attachment_links(root, entry.url)
    for link in links:
        document = fetch_document(fetcher, source, link, entry, entry.url, several=len(links) > 1)
        _add_document(outcome, document, entry)
    text = body_text(root)
    attached = bool(outcome.documents)
    if article_text_is_report(text) or (not attached and len(text) >= settings.min_inline_chars):
        outcome.documents.append((inline_document(source, entry, page), page.downloaded))
    elif not outcome.documents and not outcome.failed:  # a listed report is never nothing
        found = FailedDocument(
            entry.title, entry.url, entry.url, "article", "no report found", entry.listed_date
        )
        outcome.failed.append(found)
    return outcome


def _add_document(
    outcome: _EntryOutcome, document: tuple[FetchedDocument, bool] | FailedDocument, entry: Entry
) -> None:
    if isinstance(document, FailedDocument):
        outcome.failed.append(document)
        stage = "robots" if document.message.startswith("disallowed by robots.txt") else "document"
        outcome.errors.append(CrawlError(document.document_url, stage, document.message))
        return
    outcome.documents.append(document)
    if document[0].error:
        outcome.errors.append(CrawlError(document[0].document_url, "document", document[0].error))


def _stage(fetched: Fetched) -> str:
    return "size" if fetched.error_stage == "size" else "fetch"


def attachment_title(entry_title: str, link_text: str, file_name: str) -> str:
    """The title of one of an article's several attachments: its link text or file name when
    either reads as a report title (two bodies' reports in one article stay two reports)."""
    for candidate in (link_text, file_name):
        stem = re.sub(r"\.(" + "|".join(DOCUMENT_EXTENSIONS) + r")$", "", candidate.strip(), flags=re.I)
        if classify_title(stem) == "report":
            return stem
    return entry_title


def resolve_title(listed: str, candidates: list[str]) -> str:
    """The full title: the listed one, unless the listing cut it; then the article's <h1>/<title>."""
    if not is_cut_title(listed):
        return listed
    prefix = re.sub(r"(…+|\.{2,}|。{2,})$", "", normalize_title(listed))
    reports = [c for c in candidates if classify_title(c) == "report"]
    for candidate in reports:
        if normalize_title(candidate).startswith(prefix):
            return candidate
    if reports:
        return reports[0]
    return candidates[0] if candidates else listed


def fetch_document(
    fetcher: Fetcher, source: Source, link: Link, entry: Entry, source_url: str, several: bool = False
) -> tuple[FetchedDocument, bool] | FailedDocument:
    """An attachment as a FetchedDocument (with `downloaded`), or the FailedDocument saying why not."""
    fetched = fetcher.fetch(link.url, "document")
    name = fetched.filename or unquote(urlsplit(link.url).path.rsplit("/", 1)[-1]) or link.text
    title = attachment_title(entry.title, link.text, name) if several else entry.title
    if fetched.path is None:
        message = fetched.error or "no body"
        return FailedDocument(title, source_url, link.url, _stage(fetched), message, entry.listed_date)
    declared = link_format(name, link.text) or _TYPE_FORMATS.get(_bare_type(fetched.content_type))
    with fetched.path.open("rb") as fh:
        head = fh.read(4096)
    mismatch = content_mismatch(head, declared)
    if mismatch:
        return FailedDocument(title, source_url, link.url, "content type", mismatch, entry.listed_date)
    document = FetchedDocument(
        region_code=source.region_code,
        title=title,
        source_url=source_url,
        document_url=link.url,
        path=fetched.path,
        sha256=fetched.sha256 or "",
        format=sniff_format(head, name, fetched.content_type),
        content_type=fetched.content_type,
        fetched_at=fetched.fetched_at,
        published_date=entry.listed_date,
        not_modified=fetched.not_modified,
        error=fetched.error,
    )
    return document, fetched.downloaded


def content_mismatch(head: bytes, declared: str | None) -> str | None:
    """Why the bytes are not the document they claim to be (an HTML error page as .pdf ...)."""
    by_content = sniff_format(head)
    if by_content == "html":
        what = f"declared {declared}" if declared else "a download link"
        return f"content mismatch: {what} but the body is an HTML page"
    if declared is None:
        return None if by_content != "unknown" else "download link returned no recognisable document"
    if by_content == "unknown" or _SAME_MAGIC.get(declared, declared) != by_content:
        return f"content mismatch: declared {declared} but the body looks like {by_content}"
    return None


def inline_document(source: Source, entry: Entry, page: Fetched) -> FetchedDocument:
    assert page.path is not None and page.sha256 is not None
    return FetchedDocument(
        region_code=source.region_code,
        title=entry.title,
        source_url=entry.url,
        document_url=entry.url,
        path=page.path,
        sha256=page.sha256,
        format="html",
        content_type=page.content_type,
        fetched_at=page.fetched_at,
        published_date=entry.listed_date,
        not_modified=page.not_modified,
        error=page.error,
    )


def _is_html(page: Fetched) -> bool:
    assert page.path is not None
    with page.path.open("rb") as fh:
        head = fh.read(4096)
    by_content = sniff_format(head)
    return by_content == "html" or (by_content == "unknown" and "html" in _bare_type(page.content_type))


def _bare_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def merge_outcomes(result: CrawlResult, outcomes: list[_EntryOutcome]) -> None:
    """Entries in listing order; the same URL, or the same bytes at another URL, counted once."""
    seen_urls: set[str] = set()
    seen_hashes: set[str] = set()
    for outcome in outcomes:
        result.errors.extend(e for e in outcome.errors if e not in result.errors)
        result.skipped.extend(outcome.skipped)
        for failed in outcome.failed:
            if failed.document_url not in seen_urls:
                seen_urls.add(failed.document_url)
                result.failed.append(failed)
        for document, downloaded in outcome.documents:
            if document.document_url in seen_urls or document.sha256 in seen_hashes:
                continue
            seen_urls.add(document.document_url)
            seen_hashes.add(document.sha256)
            result.documents.append(document)
            result.documents_downloaded += int(downloaded)
