"""The HTTP side of a crawl: `Fetcher` fetches the URLs of one source politely into the archive."""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlencode, urljoin, urlsplit

import httpx
from protego import Protego

from pipeline.crawl.addresses import AddressRefused, GuardedTransport
from pipeline.crawl.archive import Archive, ManifestRow, StoredBody, utc_now
from pipeline.crawl.hosts import HOSTS
from pipeline.crawl.sources import Source

if TYPE_CHECKING:
    from pipeline.settings import CrawlSettings


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
    error_stage: str | None = None  # "robots" (forbidden), "size" (over a limit), else None


class FetchFailed(Exception):
    def __init__(
        self,
        message: str,
        transient: bool,
        status: int | None = None,
        wait: float | None = None,
        stage: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.transient = transient
        self.status = status
        self.wait = wait  # Retry-After, seconds
        self.stage = stage  # "size" when a size limit refused the body


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
    """Fetches URLs of one source politely into the archive; each URL at most once per crawl.

    Politeness (per-host concurrency and pause), robots.txt (RFC 9309, via Protego), retries with
    backoff and Retry-After, redirects kept to the source's hosts, size and time limits, conditional
    GET (ETag, Last-Modified) and archive writes; the archived copy stands in when a fetch fails.
    """

    def __init__(
        self, source: Source, archive: Archive, settings: CrawlSettings, deadline: float | None = None
    ) -> None:
        self.hosts = source.hosts
        self.archive = archive
        self.settings = settings
        self.concurrency = max(1, source.max_concurrency or settings.max_concurrency_per_host)
        self.pause = source.pause_seconds if source.pause_seconds is not None else settings.pause_seconds
        self.pages_fetched = 0
        self.deadline = deadline  # time.monotonic() after which no request starts
        self.client = httpx.Client(
            headers={"User-Agent": settings.user_agent},
            timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout),
            follow_redirects=False,
            trust_env=False,
            transport=GuardedTransport(frozenset(urlsplit(f"//{h}").hostname or h for h in self.hosts)),
        )
        self._lock = threading.Lock()
        self._memo: dict[str, _Slot] = {}
        self._robots: dict[str, Protego] = {}
        self._robots_locks: dict[str, threading.Lock] = {}

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.client.close()

    def fetch(self, url: str, kind: str, form: dict[str, str] | None = None) -> Fetched:
        """The body of `url` (archived), never raising; failures come back as `error`.

        With `form`, the request is a POST of that form (a listing platform's API); its archive
        key is `POST <url> <form>` so a replay finds the answer again.
        """
        key = url if form is None else f"POST {url} {urlencode(form)}"
        with self._lock:
            slot = self._memo.get(key)
            owner = slot is None
            if slot is None:
                slot = self._memo[key] = _Slot()
        if owner:
            try:
                slot.value = self._fetch_uncached(url, kind, form)
            except Exception as exc:  # a bug or an odd body must never leave waiters hanging
                slot.value = Fetched(url, error=f"unexpected error: {type(exc).__name__}: {exc}")
            finally:
                if slot.value is None:
                    slot.value = Fetched(url, error="fetch interrupted")
                slot.done.set()
        slot.done.wait()
        assert slot.value is not None
        return slot.value

    def _fetch_uncached(self, url: str, kind: str, form: dict[str, str] | None = None) -> Fetched:
        key = url if form is None else f"POST {url} {urlencode(form)}"
        if self.settings.offline:
            replay = self._from_archive(key, "not in the archive (offline crawl)", None)
            return replay if replay.path is None else replace(replay, error=None)
        limit = self.settings.max_document_bytes if kind == "document" else self.settings.max_page_bytes
        try:
            fetched = self._fetch_with_retries(url, kind, limit, form)
        except RobotsRefused as exc:
            self._record_failure(key, kind, None, str(exc))
            return Fetched(url, error=str(exc), error_stage="robots")
        except FetchFailed as exc:
            self._record_failure(key, kind, exc.status, exc.message)
            return self._from_archive(key, exc.message, exc.stage)
        except Exception as exc:  # anything else is this URL's error, never the county's crash
            message = f"unexpected error: {type(exc).__name__}: {exc}"
            self._record_failure(key, kind, None, message)
            return self._from_archive(key, message, None)
        if kind != "document":
            with self._lock:
                self.pages_fetched += 1
        return fetched

    def _from_archive(self, url: str, error: str, stage: str | None) -> Fetched:
        """The archived copy of `url` with `error` set, or just the error when there is none."""
        row = self.archive.latest_body(url)
        if row is None or row.sha256 is None:
            return Fetched(url, error=error, error_stage=stage)
        return self._archived(url, row, error=error)

    def _archived(
        self, url: str, row: ManifestRow, error: str | None = None, filename: str | None = None
    ) -> Fetched:
        """The body a manifest row points to, as fetched when those bytes first came in."""
        assert row.sha256 is not None
        return Fetched(
            url,
            path=self.archive.object_path(row.sha256),
            sha256=row.sha256,
            content_type=row.content_type,
            fetched_at=self.archive.first_fetched_at(row.sha256) or row.fetched_at_dt,
            not_modified=True,
            filename=filename,
            error=error,
        )

    def _fetch_with_retries(
        self, url: str, kind: str, limit: int, form: dict[str, str] | None = None
    ) -> Fetched:
        attempt = 0
        while True:
            try:
                return self._fetch_following_redirects(url, kind, limit, form)
            except FetchFailed as exc:
                if not exc.transient or attempt >= self.settings.retries:
                    if exc.transient and attempt:
                        exc.message += f" (after {attempt + 1} attempts)"
                    raise
                time.sleep(self._retry_wait(exc, attempt))
                attempt += 1

    def remaining(self) -> float | None:
        """Seconds left before the crawl's deadline (None: no deadline)."""
        return None if self.deadline is None else self.deadline - time.monotonic()

    def _check_deadline(self) -> None:
        remaining = self.remaining()
        if remaining is not None and remaining <= 0:
            raise FetchFailed("not fetched: the county's crawl time limit was reached", transient=False)

    def _retry_wait(self, exc: FetchFailed, attempt: int) -> float:
        if exc.wait is not None:
            wait = min(exc.wait, self.settings.max_retry_after_seconds)
        else:
            wait = float(self.settings.backoff_seconds * 2**attempt)
        remaining = self.remaining()
        return wait if remaining is None else max(0.0, min(wait, remaining))

    def _fetch_following_redirects(
        self, url: str, kind: str, limit: int, form: dict[str, str] | None = None
    ) -> Fetched:
        key = url if form is None else f"POST {url} {urlencode(form)}"
        previous = self.archive.latest_body(key)
        conditional = _validators(previous) if form is None else {}
        current, seen = url, {url}
        for _hop in range(self.settings.max_redirects + 1):
            self._check_allowed(current)
            response = self._request(current, conditional, limit, form)
            if response.status in (301, 302, 303, 307, 308):
                target = urljoin(current, response.headers.get("location", ""))
                if target in seen:
                    raise FetchFailed(f"redirect loop at {target}", transient=False, status=response.status)
                seen.add(target)
                current, form = target, None  # a redirected POST goes on as a GET
                continue
            return replace(self._archive_response(key, kind, response, previous), url=url)
        raise FetchFailed(f"more than {self.settings.max_redirects} redirects", transient=False)

    def _check_allowed(self, url: str) -> None:
        parts = urlsplit(url)
        netloc = parts.netloc.lower()
        if parts.scheme not in ("http", "https"):
            raise FetchFailed(f"refused: not an http(s) URL: {url}", transient=False)
        if netloc not in self.hosts:
            raise FetchFailed(f"refused: host {netloc} is not one of the source's hosts", transient=False)
        if not self._robots_allow(url):
            raise RobotsRefused(f"disallowed by robots.txt: {url}")

    def _robots_allow(self, url: str) -> bool:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc.lower()}"
        with self._lock:
            lock = self._robots_locks.setdefault(key, threading.Lock())
        with lock:
            parser = self._robots.get(key)
            if parser is None:
                parser = self._robots[key] = self._load_robots(key)
        return bool(parser.can_fetch(url, self.settings.user_agent))

    def _load_robots(self, base: str) -> Protego:
        """robots.txt as RFC 9309 reads it: up to five redirects followed (http -> https, the www
        host); 4xx (or more redirects) allows all, unreachable (5xx, network) forbids all."""
        url = base + "/robots.txt"
        try:
            response = self._robots_response(url)
        except FetchFailed as exc:
            if isinstance(exc.__cause__, AddressRefused):
                raise  # the host itself is refused: say so, not "disallowed by robots.txt"
            allow_all = exc.status is not None and 400 <= exc.status < 500
            return Protego.parse("" if allow_all else _DISALLOW_ALL)
        assert response.body is not None
        self._record(url, "robots", response, response.body)
        return Protego.parse(response.body.path.read_bytes().decode("utf-8", errors="replace"))

    def _robots_response(self, url: str) -> _Response:
        """The robots.txt answer, following up to `_ROBOTS_REDIRECTS` redirects (RFC 9309 2.3.1.2)
        to the source's hosts or their www / bare twins; any other target counts as unavailable."""
        current = url
        for _hop in range(_ROBOTS_REDIRECTS + 1):
            response = self._request_with_retries(current)
            if response.status not in (301, 302, 303, 307, 308):
                return response
            target = urljoin(current, response.headers.get("location", ""))
            if not self._robots_target_allowed(target):
                raise FetchFailed(
                    f"robots.txt redirected off the source: {target}", transient=False, status=404
                )
            current = target
        raise FetchFailed("robots.txt: more than five redirects", transient=False, status=404)

    def _robots_target_allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        netloc = parts.netloc.lower()
        twins = {netloc, netloc.removeprefix("www."), "www." + netloc}
        return parts.scheme in ("http", "https") and bool(twins & self.hosts)

    def _request_with_retries(self, url: str) -> _Response:
        for attempt in range(self.settings.retries + 1):
            try:
                response = self._request(url, {}, self.settings.max_page_bytes)
            except FetchFailed as exc:
                if not exc.transient or attempt >= self.settings.retries:
                    raise
                time.sleep(self._retry_wait(exc, attempt))
                continue
            if response.status != 200 and response.status not in (301, 302, 303, 307, 308):
                raise FetchFailed(f"HTTP {response.status}", transient=False, status=response.status)
            return response
        raise FetchFailed("unreachable", transient=True)

    def _request(
        self, url: str, headers: dict[str, str], limit: int, form: dict[str, str] | None = None
    ) -> _Response:
        """One GET (a POST of `form`) under the host's limits; 200 bodies go to the archive."""
        self._check_deadline()
        with self._host_slot(urlsplit(url).netloc.lower()):
            self._check_deadline()
            try:
                with self.client.stream(
                    "POST" if form else "GET", url, headers=headers, data=form
                ) as response:
                    return self._read_response(response, limit)
            except AddressRefused as exc:
                raise FetchFailed(str(exc), transient=False) from exc
            except httpx.UnsupportedProtocol as exc:
                raise FetchFailed(f"unsupported URL: {exc}", transient=False) from exc
            except httpx.TimeoutException as exc:
                raise FetchFailed(f"timed out ({type(exc).__name__})", transient=True) from exc
            except httpx.TransportError as exc:
                raise FetchFailed(f"connection failed: {type(exc).__name__}: {exc}", transient=True) from exc
            except httpx.DecodingError as exc:
                raise FetchFailed(
                    f"the body does not match its Content-Encoding ({exc})", transient=False
                ) from exc
            except httpx.HTTPError as exc:
                raise FetchFailed(f"{type(exc).__name__}: {exc}", transient=False) from exc

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
            raise FetchFailed(
                f"too large: {declared} bytes > limit {limit}", transient=False, status=status, stage="size"
            )
        chunks = _before(_limited(response.iter_bytes(), limit), self._request_deadline())
        body = self.archive.store_chunks(chunks)
        return _Response(status, response.headers, body)

    def _request_deadline(self) -> float:
        """When the body being read must be complete: the request limit, or the crawl's deadline."""
        deadline = time.monotonic() + self.settings.request_seconds
        return deadline if self.deadline is None else min(deadline, self.deadline)

    @contextmanager
    def _host_slot(self, netloc: str) -> Iterator[None]:
        """At most `concurrency` requests in flight per host, starts at least `pause` apart,
        shared with every other source crawling the same host in this process."""
        with HOSTS.slot(netloc, self.concurrency, self.pause):
            yield

    def _archive_response(
        self, url: str, kind: str, response: _Response, previous: ManifestRow | None
    ) -> Fetched:
        if response.status == 304 and previous is not None and previous.sha256 is not None:
            self._record(url, kind, response, None, previous)
            filename = _disposition_filename(response.headers.get("content-disposition"))
            return self._archived(url, previous, filename=filename)
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


_DISALLOW_ALL = "User-agent: *\nDisallow: /\n"
_ROBOTS_REDIRECTS = 5  # RFC 9309 2.3.1.2: follow at least five consecutive redirects


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
            message = f"too large: more than {limit} bytes"
            raise FetchFailed(message, transient=False, status=200, stage="size")
        yield chunk


def _before(chunks: Iterator[bytes], deadline: float) -> Iterator[bytes]:
    """Pass chunks through; fail once the body is still coming at `deadline` (a trickling server)."""
    for chunk in chunks:
        if time.monotonic() > deadline:
            raise FetchFailed("timed out: the body was still arriving at the time limit", transient=True)
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
