"""The raw archive: every fetched body once, content-addressed, plus an append-only manifest.

The layout under `archive_dir` is in docs/architecture.md, "Module notes".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

# A county's index is compacted when it holds more than this many times the rows it needs (+ slack).
COMPACT_FACTOR = 4
COMPACT_SLACK = 200


@dataclass(frozen=True)
class ManifestRow:
    url: str
    fetched_at: str  # ISO 8601, UTC
    status: int | None
    content_type: str | None
    sha256: str | None
    size: int | None
    etag: str | None = None
    last_modified: str | None = None
    kind: str | None = None  # listing | article | document | robots
    error: str | None = None

    @property
    def fetched_at_dt(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.fetched_at)


@dataclass(frozen=True)
class StoredBody:
    sha256: str
    size: int
    path: Path


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Archive:
    """Content-addressed object store plus manifest; safe to use from several threads.

    Each manifest row is written with a single `write()` on a file opened for appending; a torn
    last line (a crash mid-write) is skipped when reading. A county without its own index reads
    the shared `manifest.jsonl` once and copies into its index each row it reuses.
    """

    def __init__(self, root: Path, county: str | None = None) -> None:
        self.root = root
        self.objects = root / "objects"
        self.manifest_path = manifest_path(root, county)
        self.manifest_path.parent.mkdir(parents=True, exist_ok=True)
        self.objects.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._latest_body: dict[str, ManifestRow] = {}
        self._first_seen: dict[str, str] = {}
        self._legacy: Archive | None = None
        legacy = manifest_path(root, None)
        if county is not None and not self.manifest_path.exists() and legacy.exists():
            self._legacy = Archive(root)
        rows = list(read_manifest(self.manifest_path))
        for row in rows:
            self._index(row)
        _terminate_torn_line(self.manifest_path)
        if county is not None:
            self._compact(rows)

    def _needed(self, rows: list[ManifestRow]) -> list[ManifestRow]:
        """The rows the index is built from: each URL's latest body, each body's first download."""
        latest = {id(r) for r in self._latest_body.values()}
        first = set(self._first_seen.items())
        return [r for r in rows if id(r) in latest or (r.status == 200 and (r.sha256, r.fetched_at) in first)]

    def _compact(self, rows: list[ManifestRow]) -> None:
        """Keep a county's index as short as what it indexes; older rows go to its history file.

        Without this, every night's 304 rows would make each crawl read more than the last."""
        needed = self._needed(rows)
        if len(rows) <= COMPACT_FACTOR * len(needed) + COMPACT_SLACK:
            return
        kept = {id(r) for r in needed}
        history = self.manifest_path.with_suffix(".history.jsonl")
        with history.open("ab") as fh:  # history first: a crash between the two loses no row
            fh.writelines(_row_line(r) for r in rows if id(r) not in kept)
        tmp = self.manifest_path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_bytes(b"".join(_row_line(r) for r in needed))
        os.replace(tmp, self.manifest_path)

    def object_path(self, sha256: str) -> Path:
        return self.objects / sha256[:2] / sha256

    def store_chunks(self, chunks: Iterator[bytes]) -> StoredBody:
        """Stream bytes into the store; an object already there is not written again."""
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self.objects, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as fh:
                for chunk in chunks:
                    digest.update(chunk)
                    size += len(chunk)
                    fh.write(chunk)
            sha = digest.hexdigest()
            target = self.object_path(sha)
            if target.exists():
                os.unlink(tmp_name)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp_name, target)
        except BaseException:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
            raise
        return StoredBody(sha, size, target)

    def store_bytes(self, body: bytes) -> StoredBody:
        return self.store_chunks(iter([body]))

    def record(self, row: ManifestRow) -> None:
        line = _row_line(row)
        with self._lock:
            fd = os.open(self.manifest_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
            self._index(row)

    def latest_body(self, url: str) -> ManifestRow | None:
        """The newest row for `url` that has an archived body (200, or a 304 that reused one)."""
        with self._lock:
            row = self._latest_body.get(url)
        if row is None and self._legacy is not None:
            row = self._legacy.latest_body(url)
            if row is not None:
                self._adopt(row)
        return row

    def first_fetched_at(self, sha256: str) -> dt.datetime | None:
        """When these bytes were first downloaded (from any URL of this county)."""
        with self._lock:
            stamp = self._first_seen.get(sha256)
        if stamp is None and self._legacy is not None:
            return self._legacy.first_fetched_at(sha256)
        return dt.datetime.fromisoformat(stamp) if stamp else None

    def _adopt(self, row: ManifestRow) -> None:
        """Copy a row of the shared manifest into this county's index (the first 200 first)."""
        first = self._legacy.first_fetched_at(row.sha256) if self._legacy and row.sha256 else None
        if first is not None and first.isoformat() != row.fetched_at:
            self.record(dataclasses.replace(row, fetched_at=first.isoformat(), status=200))
        self.record(row)

    def _index(self, row: ManifestRow) -> None:
        if row.sha256 is None or not self.object_path(row.sha256).exists():
            return
        self._latest_body[row.url] = row
        if row.status == 200 and row.sha256 not in self._first_seen:
            self._first_seen[row.sha256] = row.fetched_at


def _row_line(row: ManifestRow) -> bytes:
    return (json.dumps(asdict(row), ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def manifest_path(root: Path, county: str | None) -> Path:
    """Where the index of `county` lives (the shared manifest when county is None)."""
    return root / "manifest.jsonl" if county is None else root / "manifests" / f"{county}.jsonl"


def read_manifest(path: Path) -> Iterator[ManifestRow]:
    """All whole rows in order; a torn or garbled line is skipped, not fatal."""
    if not path.exists():
        return
    with path.open("rb") as fh:
        for raw in fh:
            row = _parse_row(raw)
            if row is not None:
                yield row


def _parse_row(raw: bytes) -> ManifestRow | None:
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("url"), str):
        return None
    if not isinstance(data.get("fetched_at"), str):
        return None
    fields: dict[str, Any] = {k: data.get(k) for k in ManifestRow.__dataclass_fields__}
    return ManifestRow(**fields)


def _terminate_torn_line(path: Path) -> None:
    """After a crash mid-row, end the torn line so the next row starts on its own line."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb+") as fh:
        fh.seek(-1, os.SEEK_END)
        if fh.read(1) != b"\n":
            fh.seek(0, os.SEEK_END)
            fh.write(b"\n")
