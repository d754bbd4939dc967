"""Crawl one county portal: listing pages -> article pages -> report documents.

Interface used by the rest of the pipeline (keep these names and fields stable):

* `crawl_source(source, archive_dir, settings=None, progress=None) -> CrawlResult`
* `CrawlResult.documents`: one `FetchedDocument` per report document found (inline HTML
  article bodies and attachments), each archived on disk under `archive_dir`.
* `CrawlResult.listing_ok`: False when no listing page of the source could be read (portal
  down): the caller then keeps the county's previous rows untouched.

Three parts, top to bottom: the crawl itself (listings -> entries -> documents); the HTTP side
(`Fetcher`: politeness, robots.txt, retries, redirects, size limits, conditional GET,
archiving); reading portal pages (entries, pagination, attachments, inline bodies, dates).
`CrawlSettings(offline=True)` replays a crawl from the archive alone, without any network.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import functools
import ipaddress
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx
import lxml.html

from extractors import sniff_format
from pipeline.archive import Archive, ManifestRow, StoredBody, utc_now
from pipeline.sources import Source
from pipeline.titles import classify_title, is_cut_title, normalize_title


@dataclass(frozen=True)
class CrawlSettings:
    user_agent: str = "nianbao/0.1 (+open-government annual report research crawler)"
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
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


@dataclass
class CrawlResult:
    region_code: str
    documents: list[FetchedDocument] = field(default_factory=list)
    errors: list[CrawlError] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (title, url) of non-report entries
    listing_ok: bool = True
    pages_fetched: int = 0
    documents_downloaded: int = 0


ProgressFn = Callable[[str], None]
HtmlElement = Any  # lxml.html.HtmlElement (lxml ships no type stubs)

DOCUMENT_EXTENSIONS = ("pdf", "docx", "doc", "wps", "ofd")
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
    errors: list[CrawlError] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def crawl_source(
    source: Source,
    archive_dir: Path,
    settings: CrawlSettings | None = None,
    progress: ProgressFn | None = None,
) -> CrawlResult:
    settings = settings or CrawlSettings()
    say = progress or (lambda _msg: None)
    result = CrawlResult(region_code=source.region_code)
    archive = Archive(archive_dir)
    with Fetcher(source, archive, settings) as fetcher:
        entries = collect_entries(fetcher, source, settings, result, say)
        if not result.listing_ok:
            say(f"{source.region_code}: no listing page could be read")
            result.pages_fetched = fetcher.pages_fetched
            return result
        say(f"{source.region_code}: {len(entries)} report entries, {len(result.skipped)} skipped")
        with ThreadPoolExecutor(max_workers=fetcher.concurrency) as pool:
            outcomes = list(pool.map(lambda e: crawl_entry(fetcher, source, e, settings), entries))
        merge_outcomes(result, outcomes)
        result.pages_fetched = fetcher.pages_fetched
    say(f"fetched {len(result.documents)} documents ({result.documents_downloaded} downloaded)")
    return result


# ---- listings -------------------------------------------------------------------------


def collect_entries(
    fetcher: Fetcher, source: Source, settings: CrawlSettings, result: CrawlResult, say: ProgressFn
) -> list[Entry]:
    """Every report entry of every listing (in order, once), following pagination."""
    cap = source.max_pages or settings.max_pages_per_listing
    entries: dict[str, Entry] = {}
    skipped: dict[str, str] = {}
    any_live = False
    for index, listing_url in enumerate(source.listing_urls, start=1):
        queue, seen, pages = deque([listing_url]), {listing_url}, 0
        while queue and pages < cap:
            url = queue.popleft()
            pages += 1
            say(f"listing {index}/{len(source.listing_urls)} page {pages}: {url}")
            fetched = fetcher.fetch(url, "listing")
            if fetched.error:
                result.errors.append(CrawlError(url, fetched.error_stage or "listing", fetched.error))
            if fetched.path is None:
                continue
            any_live = any_live or fetched.error is None
            root = parse_page(fetched.path.read_bytes(), fetched.content_type)
            for entry in listing_entries(root, url):
                sort_entry(entry, entries, skipped)
            for link in pagination_links(root, url):
                if link not in seen:
                    seen.add(link)
                    queue.append(link)
    result.listing_ok = any_live
    result.skipped.extend((title, url) for url, title in skipped.items())
    return list(entries.values())


def sort_entry(entry: Entry, entries: dict[str, Entry], skipped: dict[str, str]) -> None:
    kind = classify_title(entry.title)
    if kind == "report":
        entries.setdefault(entry.url, entry)
    elif kind == "skip":
        skipped.setdefault(entry.url, entry.title)


# ---- articles and documents -----------------------------------------------------------


def crawl_entry(fetcher: Fetcher, source: Source, entry: Entry, settings: CrawlSettings) -> _EntryOutcome:
    outcome = _EntryOutcome()
    if is_document_link(entry.url, ""):  # the listing links the file itself
        document = fetch_document(fetcher, source, Link(entry.url, entry.title), entry, entry.listing_url)
        _add_document(outcome, document, entry.url)
        return outcome
    page = fetcher.fetch(entry.url, "article")
    if page.error:
        outcome.errors.append(CrawlError(entry.url, page.error_stage or "article", page.error))
    if page.path is None:
        return outcome
    if not _is_html(page):  # an entry URL that serves the file itself
        document = fetch_document(fetcher, source, Link(entry.url, entry.title), entry, entry.listing_url)
        _add_document(outcome, document, entry.url)
        return outcome
    root = parse_page(page.path.read_bytes(), page.content_type)
    title = resolve_title(entry.title, title_candidates(root))
    if classify_title(title) != "report":
        outcome.skipped.append((title, entry.url))
        return outcome
    entry = Entry(title, entry.url, article_date(root) or entry.listed_date, entry.listing_url)
    for link in attachment_links(root, entry.url):
        document = fetch_document(fetcher, source, link, entry, entry.url)
        _add_document(outcome, document, link.url)
    text = body_text(root)
    attached = bool(outcome.documents)
    if article_text_is_report(text) or (not attached and len(text) >= settings.min_inline_chars):
        outcome.documents.append((inline_document(source, entry, page), page.downloaded))
    return outcome


def _add_document(
    outcome: _EntryOutcome, document: tuple[FetchedDocument, bool] | CrawlError, url: str
) -> None:
    if isinstance(document, CrawlError):
        outcome.errors.append(document)
        return
    outcome.documents.append(document)
    if document[0].error:
        outcome.errors.append(CrawlError(url, "document", document[0].error))


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
    fetcher: Fetcher, source: Source, link: Link, entry: Entry, source_url: str
) -> tuple[FetchedDocument, bool] | CrawlError:
    """An attachment as a FetchedDocument (with `downloaded`), or the CrawlError saying why not."""
    fetched = fetcher.fetch(link.url, "document")
    if fetched.path is None:
        return CrawlError(link.url, fetched.error_stage or "document", fetched.error or "no body")
    name = fetched.filename or unquote(urlsplit(link.url).path.rsplit("/", 1)[-1]) or link.text
    declared = link_format(name, link.text) or _TYPE_FORMATS.get(_bare_type(fetched.content_type))
    with fetched.path.open("rb") as fh:
        head = fh.read(4096)
    mismatch = content_mismatch(head, declared)
    if mismatch:
        return CrawlError(link.url, "document", mismatch)
    document = FetchedDocument(
        region_code=source.region_code,
        title=entry.title,
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


def link_format(name: str, text: str) -> str | None:
    """The document format a file name (or link text) declares by its extension."""
    for candidate in (name, text):
        lowered = unquote(urlsplit(candidate).path if "://" in candidate else candidate).strip().lower()
        for ext in DOCUMENT_EXTENSIONS:
            if lowered.endswith("." + ext):
                return ext
    return None


def is_document_link(url: str, text: str) -> bool:
    """A link to a report file: by extension (URL or link text) or a download-style URL."""
    if link_format(url, text) is not None:
        return True
    path = unquote(urlsplit(url).path).lower()
    return bool(_DOWNLOAD_HINT.search(url)) and not path.endswith(_PAGE_EXTENSIONS) and path not in ("", "/")


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
        result.errors.extend(outcome.errors)
        result.skipped.extend(outcome.skipped)
        for document, downloaded in outcome.documents:
            if document.document_url in seen_urls or document.sha256 in seen_hashes:
                continue
            seen_urls.add(document.document_url)
            seen_hashes.add(document.sha256)
            result.documents.append(document)
            result.documents_downloaded += int(downloaded)


# ---- HTTP: politeness, robots.txt, retries, redirects, limits, archive ----------------


@dataclass(frozen=True)
class Fetched:
    """What one URL gave: a body in the archive (this time or from before), or an error."""

    url: str
    path: Path | None = None
    sha256: str | None = None
    content_type: str | None = None
    fetched_at: dt.datetime = field(default_factory=utc_now)
    not_modified: bool = False
    downloaded: bool = False  # the body travelled over the network this time (a 200)
    filename: str | None = None  # from Content-Disposition
    error: str | None = None
    error_stage: str | None = None  # "robots" when robots.txt forbade it, else None


class FetchFailed(Exception):
    def __init__(self, message: str, transient: bool, status: int | None = None, wait: float | None = None):
        super().__init__(message)
        self.message = message
        self.transient = transient
        self.status = status
        self.wait = wait  # Retry-After, seconds


class RobotsRefused(Exception):
    pass


@dataclass(frozen=True)
class _Response:
    status: int
    headers: httpx.Headers
    body: StoredBody | None = None


class _Slot:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Fetched | None = None


class Fetcher:
    """Fetches URLs of one source politely into the archive; each URL at most once per crawl."""

    def __init__(self, source: Source, archive: Archive, settings: CrawlSettings) -> None:
        self.hosts = source.hosts
        self.archive = archive
        self.settings = settings
        self.concurrency = max(1, source.max_concurrency or settings.max_concurrency_per_host)
        self.pause = source.pause_seconds if source.pause_seconds is not None else settings.pause_seconds
        self.pages_fetched = 0
        self.client = httpx.Client(
            headers={"User-Agent": settings.user_agent},
            timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout),
            follow_redirects=False,
            trust_env=False,
        )
        self._lock = threading.Lock()
        self._memo: dict[str, _Slot] = {}
        self._semaphores: dict[str, threading.BoundedSemaphore] = {}
        self._next_start: dict[str, float] = {}
        self._robots: dict[str, _Slot | RobotFileParser] = {}
        self._robots_locks: dict[str, threading.Lock] = {}

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.client.close()

    def fetch(self, url: str, kind: str) -> Fetched:
        """The body of `url` (archived), never raising; failures come back as `error`."""
        with self._lock:
            slot = self._memo.get(url)
            owner = slot is None
            if slot is None:
                slot = self._memo[url] = _Slot()
        if owner:
            slot.value = self._fetch_uncached(url, kind)
            slot.done.set()
        slot.done.wait()
        assert slot.value is not None
        return slot.value

    def _fetch_uncached(self, url: str, kind: str) -> Fetched:
        if self.settings.offline:
            replay = self._from_archive(url, "not in the archive (offline crawl)", None)
            return replay if replay.path is None else replace(replay, error=None)
        limit = self.settings.max_document_bytes if kind == "document" else self.settings.max_page_bytes
        try:
            fetched = self._fetch_with_retries(url, kind, limit)
        except RobotsRefused as exc:
            self._record_failure(url, kind, None, str(exc))
            return Fetched(url, error=str(exc), error_stage="robots")
        except FetchFailed as exc:
            self._record_failure(url, kind, exc.status, exc.message)
            return self._from_archive(url, exc.message, None)
        if kind != "document":
            with self._lock:
                self.pages_fetched += 1
        return fetched

    def _from_archive(self, url: str, error: str, stage: str | None) -> Fetched:
        """The archived copy of `url` with `error` set, or just the error when there is none."""
        row = self.archive.latest_body(url)
        if row is None or row.sha256 is None:
            return Fetched(url, error=error, error_stage=stage)
        return Fetched(
            url,
            path=self.archive.object_path(row.sha256),
            sha256=row.sha256,
            content_type=row.content_type,
            fetched_at=self.archive.first_fetched_at(row.sha256) or row.fetched_at_dt,
            not_modified=True,
            error=error,
        )

    def _fetch_with_retries(self, url: str, kind: str, limit: int) -> Fetched:
        attempt = 0
        while True:
            try:
                return self._fetch_following_redirects(url, kind, limit)
            except FetchFailed as exc:
                if not exc.transient or attempt >= self.settings.retries:
                    if exc.transient and attempt:
                        exc.message += f" (after {attempt + 1} attempts)"
                    raise
                time.sleep(self._retry_wait(exc, attempt))
                attempt += 1

    def _retry_wait(self, exc: FetchFailed, attempt: int) -> float:
        if exc.wait is not None:
            return min(exc.wait, self.settings.max_retry_after_seconds)
        return float(self.settings.backoff_seconds * 2**attempt)

    def _fetch_following_redirects(self, url: str, kind: str, limit: int) -> Fetched:
        previous = self.archive.latest_body(url)
        conditional = _validators(previous)
        current, seen = url, {url}
        for _hop in range(self.settings.max_redirects + 1):
            self._check_allowed(current)
            response = self._request(current, conditional, limit)
            if response.status in (301, 302, 303, 307, 308):
                target = urljoin(current, response.headers.get("location", ""))
                if target in seen:
                    raise FetchFailed(f"redirect loop at {target}", transient=False, status=response.status)
                seen.add(target)
                current = target
                continue
            return self._archive_response(url, kind, response, previous)
        raise FetchFailed(f"more than {self.settings.max_redirects} redirects", transient=False)

    def _check_allowed(self, url: str) -> None:
        parts = urlsplit(url)
        netloc = parts.netloc.lower()
        if parts.scheme not in ("http", "https"):
            raise FetchFailed(f"refused: not an http(s) URL: {url}", transient=False)
        if netloc not in self.hosts:
            raise FetchFailed(f"refused: host {netloc} is not one of the source's hosts", transient=False)
        if _resolves_to_private(parts.hostname or "", netloc, self.hosts):
            raise FetchFailed(f"refused: {netloc} resolves to a private address", transient=False)
        if not self._robots_allow(url):
            raise RobotsRefused(f"disallowed by robots.txt: {url}")

    def _robots_allow(self, url: str) -> bool:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc.lower()}"
        with self._lock:
            lock = self._robots_locks.setdefault(key, threading.Lock())
        with lock:
            parser = self._robots.get(key)
            if not isinstance(parser, RobotFileParser):
                parser = self._robots[key] = self._load_robots(key)
        return parser.can_fetch(self.settings.user_agent, url)

    def _load_robots(self, base: str) -> RobotFileParser:
        """robots.txt as RFC 9309 reads it: 4xx allows all, unreachable (5xx, network) forbids all."""
        parser = RobotFileParser()
        url = base + "/robots.txt"
        try:
            response = self._request_with_retries(url)
        except FetchFailed as exc:
            parser.parse([] if exc.status is not None and 400 <= exc.status < 500 else _DISALLOW_ALL)
            return parser
        assert response.body is not None
        self._record(url, "robots", response, response.body)
        text = response.body.path.read_bytes().decode("utf-8", errors="replace")
        parser.parse(text.splitlines())
        return parser

    def _request_with_retries(self, url: str) -> _Response:
        for attempt in range(self.settings.retries + 1):
            try:
                response = self._request(url, {}, self.settings.max_page_bytes)
            except FetchFailed as exc:
                if not exc.transient or attempt >= self.settings.retries:
                    raise
                time.sleep(self._retry_wait(exc, attempt))
                continue
            if response.status != 200:
                raise FetchFailed(f"HTTP {response.status}", transient=False, status=response.status)
            return response
        raise FetchFailed("unreachable", transient=True)

    def _request(self, url: str, headers: dict[str, str], limit: int) -> _Response:
        """One GET under the host's concurrency limit and pause; 200 bodies go to the archive."""
        with self._host_slot(urlsplit(url).netloc.lower()):
            try:
                with self.client.stream("GET", url, headers=headers) as response:
                    return self._read_response(response, limit)
            except httpx.UnsupportedProtocol as exc:
                raise FetchFailed(f"unsupported URL: {exc}", transient=False) from exc
            except httpx.TimeoutException as exc:
                raise FetchFailed(f"timed out ({type(exc).__name__})", transient=True) from exc
            except httpx.TransportError as exc:
                raise FetchFailed(f"connection failed: {type(exc).__name__}: {exc}", transient=True) from exc

    def _read_response(self, response: httpx.Response, limit: int) -> _Response:
        status = response.status_code
        if status >= 500 or status == 429:
            wait = _retry_after(response.headers.get("retry-after"))
            raise FetchFailed(f"HTTP {status}", transient=True, status=status, wait=wait)
        if status >= 400:
            raise FetchFailed(f"HTTP {status}", transient=False, status=status)
        if status != 200:
            return _Response(status, response.headers)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchFailed(f"too large: {declared} bytes > limit {limit}", transient=False, status=status)
        body = self.archive.store_chunks(_limited(response.iter_bytes(), limit))
        return _Response(status, response.headers, body)

    @contextmanager
    def _host_slot(self, netloc: str) -> Iterator[None]:
        """At most `concurrency` requests in flight per host, starts at least `pause` apart."""
        with self._lock:
            semaphore = self._semaphores.setdefault(netloc, threading.BoundedSemaphore(self.concurrency))
        with semaphore:
            with self._lock:
                start = max(time.monotonic(), self._next_start.get(netloc, 0.0))
                self._next_start[netloc] = start + self.pause
            delay = start - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            yield

    def _archive_response(
        self, url: str, kind: str, response: _Response, previous: ManifestRow | None
    ) -> Fetched:
        if response.status == 304 and previous is not None and previous.sha256 is not None:
            self._record(url, kind, response, None, previous)
            return Fetched(
                url,
                path=self.archive.object_path(previous.sha256),
                sha256=previous.sha256,
                content_type=previous.content_type,
                fetched_at=self.archive.first_fetched_at(previous.sha256) or previous.fetched_at_dt,
                not_modified=True,
                filename=_disposition_filename(response.headers.get("content-disposition")),
            )
        if response.body is None:
            raise FetchFailed(
                f"HTTP {response.status} without a body", transient=False, status=response.status
            )
        self._record(url, kind, response, response.body)
        sha = response.body.sha256
        return Fetched(
            url,
            path=response.body.path,
            sha256=sha,
            content_type=response.headers.get("content-type"),
            fetched_at=self.archive.first_fetched_at(sha) or utc_now(),
            not_modified=previous is not None and previous.sha256 == sha,
            downloaded=True,
            filename=_disposition_filename(response.headers.get("content-disposition")),
        )

    def _record(
        self,
        url: str,
        kind: str,
        response: _Response,
        body: StoredBody | None,
        previous: ManifestRow | None = None,
    ) -> None:
        reused = previous if body is None else None
        self.archive.record(
            ManifestRow(
                url=url,
                fetched_at=utc_now().isoformat(),
                status=response.status,
                content_type=response.headers.get("content-type")
                or (reused.content_type if reused else None),
                sha256=body.sha256 if body else (reused.sha256 if reused else None),
                size=body.size if body else (reused.size if reused else None),
                etag=response.headers.get("etag") or (reused.etag if reused else None),
                last_modified=response.headers.get("last-modified")
                or (reused.last_modified if reused else None),
                kind=kind,
            )
        )

    def _record_failure(self, url: str, kind: str, status: int | None, message: str) -> None:
        self.archive.record(
            ManifestRow(
                url=url,
                fetched_at=utc_now().isoformat(),
                status=status,
                content_type=None,
                sha256=None,
                size=None,
                kind=kind,
                error=message,
            )
        )


_DISALLOW_ALL = ["User-agent: *", "Disallow: /"]


def _validators(previous: ManifestRow | None) -> dict[str, str]:
    if previous is None:
        return {}
    headers: dict[str, str] = {}
    if previous.etag:
        headers["If-None-Match"] = previous.etag
    if previous.last_modified:
        headers["If-Modified-Since"] = previous.last_modified
    return headers


def _limited(chunks: Iterator[bytes], limit: int) -> Iterator[bytes]:
    """Pass chunks through; stop reading (and fail) as soon as the total passes `limit`."""
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > limit:
            raise FetchFailed(f"too large: more than {limit} bytes", transient=False, status=200)
        yield chunk


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - utc_now()).total_seconds())


def _disposition_filename(value: str | None) -> str | None:
    """The file name in a Content-Disposition header (RFC 5987 `filename*` first)."""
    if not value:
        return None
    extended = re.search(r"filename\*\s*=\s*([\w-]+)'[^']*'([^;]+)", value, re.IGNORECASE)
    if extended:
        return unquote(extended.group(2).strip().strip('"'), encoding=extended.group(1), errors="replace")
    plain = re.search(r'filename\s*=\s*"?([^";]+)"?', value, re.IGNORECASE)
    return unquote(plain.group(1).strip()) if plain else None


@functools.lru_cache(maxsize=256)
def _resolves_to_private_cached(hostname: str) -> bool:
    try:
        infos = socket.getaddrinfo(hostname, None)
    except OSError:
        return False  # unresolvable: the request itself will fail and say so
    addresses = {ipaddress.ip_address(info[4][0]) for info in infos}
    return any(a.is_private or a.is_loopback or a.is_link_local for a in addresses)


def _resolves_to_private(hostname: str, netloc: str, named: frozenset[str]) -> bool:
    """True for a host *name* that leads to a private/loopback address (DNS rebinding guard).

    An IP literal or `localhost` that the source names is allowed as named; any other host is
    already refused by the host check.
    """
    if netloc not in named or hostname == "localhost":
        return False
    try:
        ipaddress.ip_address(hostname)
    except ValueError:
        return _resolves_to_private_cached(hostname)
    return False


# ---- reading portal pages -------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    title: str
    url: str
    listed_date: dt.date | None
    listing_url: str


@dataclass(frozen=True)
class Link:
    url: str
    text: str


_GB_ALIASES = {"gb2312", "gbk", "gb_2312-80", "gb_2312", "x-gbk", "cp936", "euc-cn", "csgb2312"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_DATE = r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})"
_LABELLED_DATE = re.compile(r"(?:发布|发文|公开|印发|更新)?(?:日期|时间)\s*[:：]\s*" + _DATE)
_ANY_DATE = re.compile(_DATE)
_NEXT_TEXTS = {"下一页", "下页", "后一页", "后页", ">", ">>", "›", "»", "next", "下一页>", "下一页>>"}
_PAGE_FILE = re.compile(r"(?:index|list|default)?_\d+\.s?html?$", re.IGNORECASE)
_PAGE_QUERY = re.compile(r"(?:^|&)(?:page|pageindex|pageno|pagenum|p|currentpage)=\d+", re.IGNORECASE)
_CREATE_PAGE = re.compile(
    r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"](\w+)['\"]\s*,\s*['\"](\w+)['\"]"
)
_DOWNLOAD_HINT = re.compile(r"download|downfile|getfile|attach|fileid|file\.|/files?/", re.IGNORECASE)
_PAGE_EXTENSIONS = (".html", ".htm", ".shtml", ".asp", ".aspx", ".php")
_CONTENT_XPATHS = (
    "//*[@id='zoom']",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' article-content ')]",
    "//*[@id='content']",
    "//*[contains(@class, 'TRS_Editor')]",
    "//article",
)
_HEADINGS = ("一、总体情况", "二、主动公开政府信息", "三、收到和处理政府信息公开申请", "五、存在的主要问题")
_HEADING_PATTERNS = tuple(
    re.compile(r"\s*".join(re.escape(ch) if ch != "、" else "[、.．]" for ch in h)) for h in _HEADINGS
)
_TABLE_MARKERS = ("本年新收政府信息公开申请数量", "第二十条第")


def decode_page(body: bytes, content_type: str | None) -> str:
    """A listing or article page as text: HTTP charset, then <meta charset>, GB names as gb18030."""
    declared = _header_charset(content_type)
    if declared is None:
        meta = _META_CHARSET.search(body[:4096])
        declared = meta.group(1).decode("ascii") if meta else None
    for charset in (_canonical_charset(declared), "utf-8"):
        if charset is None:
            continue
        try:
            return body.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("gb18030", errors="replace")


def _header_charset(content_type: str | None) -> str | None:
    match = re.search(r"charset\s*=\s*[\"']?([\w\-]+)", content_type or "", re.IGNORECASE)
    return match.group(1) if match else None


def _canonical_charset(name: str | None) -> str | None:
    if name is None:
        return None
    lowered = name.strip().lower()
    return "gb18030" if lowered in _GB_ALIASES else lowered


def parse_page(body: bytes, content_type: str | None) -> HtmlElement:
    text = decode_page(body, content_type)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    if not text.strip():
        text = "<html><body></body></html>"
    root: HtmlElement = lxml.html.document_fromstring(text)
    for junk in root.xpath("//script[not(contains(., 'createPageHTML'))]|//style|//noscript"):
        junk.drop_tree()
    return root


def _clean(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def _links(root: HtmlElement, page_url: str) -> Iterator[tuple[HtmlElement, str, str]]:
    """(<a> element, absolute URL without fragment, title-or-text) of every followable link."""
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        url = canonical_url(urljoin(page_url, href))
        label = _clean(anchor.get("title")) or _clean(anchor.text_content())
        yield anchor, url, label


def canonical_url(url: str) -> str:
    """Without the fragment, with non-ASCII and spaces percent-encoded (UTF-8) as a browser sends it."""
    return quote(url.split("#", 1)[0].strip(), safe=":/?&=%@!$'()*+,;[]~-._")


def listing_entries(root: HtmlElement, page_url: str) -> list[Entry]:
    entries = []
    for anchor, url, label in _links(root, page_url):
        if label:
            entries.append(Entry(label, url, _row_date(anchor), page_url))
    return entries


def _row_date(anchor: HtmlElement) -> dt.date | None:
    """The date printed in the entry's row (<li>, <tr> ...) next to the link, if any."""
    node: HtmlElement | None = anchor
    for _level in range(3):
        node = node.getparent() if node is not None else None
        if node is None:
            return None
        if node.tag in ("li", "tr", "dd", "dl", "p", "div", "td"):
            text = node.text_content().replace(anchor.text_content(), " ")
            found = _to_date(_ANY_DATE.search(text))
            if found or node.tag in ("li", "tr"):
                return found
    return None


def _to_date(match: re.Match[str] | None) -> dt.date | None:
    if match is None:
        return None
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def pagination_links(root: HtmlElement, page_url: str) -> list[str]:
    """Further listing pages: 下一页 links, page-number links, index_N.html links, createPageHTML."""
    found: list[str] = []
    base_dir = urlsplit(page_url).path.rsplit("/", 1)[0]
    for _anchor, url, label in _links(root, page_url):
        parts = urlsplit(url)
        same_dir = parts.path.rsplit("/", 1)[0] == base_dir
        name = parts.path.rsplit("/", 1)[-1]
        # 首页 is the portal's home as often as the listing's first page: same folder only.
        is_next = label.lower() in _NEXT_TEXTS or (same_dir and label in ("首页", "尾页", "末页", "上一页"))
        numbered = label.isdigit() and same_dir
        paged_file = same_dir and bool(_PAGE_FILE.search(name)) and classify_title(label) != "report"
        paged_query = bool(_PAGE_QUERY.search(parts.query)) and parts.path == urlsplit(page_url).path
        if is_next or numbered or paged_file or paged_query:
            found.append(url)
    found.extend(_create_page_html_links(root, page_url))
    return list(dict.fromkeys(found))


def _create_page_html_links(root: HtmlElement, page_url: str) -> list[str]:
    """TRS-style `createPageHTML(total, current, "index", "html")`: index.html, index_1.html ..."""
    urls: list[str] = []
    for script in root.iter("script"):
        match = _CREATE_PAGE.search(script.text_content())
        if match:
            total, stem, ext = int(match.group(1)), match.group(3), match.group(4)
            urls.append(urljoin(page_url, f"{stem}.{ext}"))
            urls.extend(urljoin(page_url, f"{stem}_{n}.{ext}") for n in range(1, total))
    return urls


def title_candidates(root: HtmlElement) -> list[str]:
    """The article's own title lines: <h1>s, title-ish elements, <meta ArticleTitle>, <title> parts."""
    found = [_clean(h.text_content()) for h in root.xpath("//h1|//h2")]
    found += [_clean(e.text_content()) for e in root.xpath("//*[contains(@class, 'title')]")]
    found += [_clean(m.get("content")) for m in root.xpath("//meta[@name='ArticleTitle']")]
    for title in root.xpath("//title"):
        text = _clean(title.text_content())
        found += [text, *re.split(r"\s*[_|\-—–]\s*", text)]
    return [t for t in dict.fromkeys(found) if t]


def article_date(root: HtmlElement) -> dt.date | None:
    """The publication date printed as "发布日期：2020-01-15" (or similar) on the article page."""
    for meta in root.xpath("//meta[@name='PubDate' or @name='pubdate' or @name='publishdate']"):
        found = _to_date(_ANY_DATE.search(meta.get("content") or ""))
        if found:
            return found
    return _to_date(_LABELLED_DATE.search(_clean(root.text_content())))


def attachment_links(root: HtmlElement, page_url: str) -> list[Link]:
    """Links to report files: by extension (in the URL or the link text) or download-style URLs."""
    links = [
        Link(url, label) for _anchor, url, label in _links(root, page_url) if is_document_link(url, label)
    ]
    unique = {link.url: link for link in reversed(links)}
    return [link for link in links if unique.get(link.url) is link]


def body_text(root: HtmlElement) -> str:
    """The article body's text: a known content container, else the densest text block."""
    for xpath in _CONTENT_XPATHS:
        for element in root.xpath(xpath):
            text = _clean(element.text_content())
            if len(text) >= 20:
                return text
    best, best_score = "", -1
    for element in root.xpath("//body//div|//body//td|//body//section"):
        nested = sum(len(_clean(c.text_content())) for c in element.xpath("./div|./ul|./nav|./section"))
        own = _clean(element.text_content())
        if len(own) - nested > best_score:
            best, best_score = own, len(own) - nested
    return best


def article_text_is_report(text: str) -> bool:
    """True when the text holds a report: two of its section headings, or one of its tables."""
    headings = sum(1 for pattern in _HEADING_PATTERNS if pattern.search(text))
    return headings >= 2 or any(marker in text for marker in _TABLE_MARKERS)
