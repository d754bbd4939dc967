"""The dataset on S3-compatible object storage: one PUT per county file, and a lease lock per output.

The object layout and the lease lock are in docs/architecture.md, "Module notes".
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from pipeline.store.parquet import (
    REPORT_COLUMNS_READ,
    OutputLocked,
    read_every_county,
    rows_of_reports,
    to_arrow,
    with_kept,
)
from pipeline.store.schema import COUNTY_TABLES, CountyRecords, DictionaryRecord

LOCK_NAME = ".nianbao.lock"
LEASE_SECONDS = 600.0


def is_object_url(output: str) -> bool:
    return output.startswith("s3://")


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str  # without leading or trailing slash; may be empty

    @classmethod
    def parse(cls, url: str) -> S3Location:
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"not an s3://bucket/prefix URL: {url}")
        return cls(parts.netloc, parts.path.strip("/"))

    def key(self, *names: str) -> str:
        return "/".join([p for p in (self.prefix, *names) if p])

    def path(self, *names: str) -> str:
        """The path pyarrow's S3 filesystem takes: bucket/key."""
        return f"{self.bucket}/{self.key(*names)}"

    def url(self, *names: str) -> str:
        return f"s3://{self.path(*names)}"


def endpoint_url() -> str | None:
    return os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None


def s3_filesystem() -> pafs.S3FileSystem:
    """pyarrow's S3 filesystem from the standard AWS environment variables.

    `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION` /
    `AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_S3`.
    """
    options: dict[str, Any] = {"allow_delayed_open": True}
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        options["region"] = region
    endpoint = endpoint_url()
    if endpoint:
        parts = urlsplit(endpoint)
        options["endpoint_override"] = parts.netloc or parts.path
        options["scheme"] = parts.scheme or "https"
    return pafs.S3FileSystem(**options)


def parquet_bytes(table: pa.Table) -> pa.Buffer:
    """A table as the local writer writes it (same options, so the same bytes)."""
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", write_statistics=True)
    return sink.getvalue()


class S3Dataset:
    """Writes county files and the dictionary under one s3:// prefix.

    S3 has no rename, so a county file is serialised whole in memory and sent in one write: the
    object is visible only once the upload completes, and a crash before that leaves the old
    object. Every table of a county is serialised before the first is sent, as locally.

    Writes are fenced: each PUT is conditional on the object being as this run last saw it
    (If-Match its ETag, or If-None-Match for a new one), and under a lock each batch of PUTs first
    renews the lease conditionally. A run that stalled past its lease cannot overwrite what the
    next holder wrote.
    """

    def __init__(self, url: str, filesystem: pafs.FileSystem | None = None, client: Any = None) -> None:
        self.location = S3Location.parse(url)
        self.fs = filesystem or s3_filesystem()
        self._client = client
        self._lease: S3Lease | None = None

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3  # conditional PUTs: pyarrow's filesystem does not offer them

            self._client = boto3.client("s3")
        return self._client

    def _etag(self, path: str) -> str | None:
        """The object's ETag now, or None when there is none."""
        from botocore.exceptions import ClientError

        try:
            answer = self.client.head_object(Bucket=self.location.bucket, Key=self._key(path))
        except ClientError as exc:
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                return None
            raise
        return str(answer["ETag"])

    def _key(self, path: str) -> str:
        return path.split("/", 1)[1]

    def _put_all(self, staged: dict[str, pa.Buffer]) -> None:
        """Every object PUT only if it is still as it was when this batch began (fenced)."""
        from botocore.exceptions import ClientError

        seen = {path: self._etag(path) for path in staged}
        if self._lease is not None:
            self._lease.fence()
        for path, data in staged.items():
            condition = {"IfMatch": seen[path]} if seen[path] else {"IfNoneMatch": "*"}
            try:
                self.client.put_object(
                    Bucket=self.location.bucket, Key=self._key(path), Body=data.to_pybytes(), **condition
                )
            except ClientError as exc:
                if not _precondition_failed(exc):
                    raise
                changed = f"s3://{path} was changed by another writer while this run wrote it"
                raise OutputLocked(f"{changed}: nothing more is written") from exc

    def county_path(self, table: str, region_code: str) -> str:
        return self.location.path(table, f"{region_code}.parquet")

    def county_table(self, name: str, records: CountyRecords, keep: frozenset[str]) -> pa.Table:
        """This run's rows of one table plus the earlier rows kept (as the local writer does)."""
        table = to_arrow(name, records.table(name))
        if not keep:
            return table
        old = self.read_county(name, records.region_code)
        return with_kept(name, table, rows_of_reports(old, name, keep))

    def write_county(self, records: CountyRecords, keep: frozenset[str] = frozenset()) -> dict[str, int]:
        """Replace one county's rows in every table (keeping the earlier rows of the reports in
        `keep`); returns rows written per table."""
        staged: dict[str, pa.Buffer] = {}
        counts: dict[str, int] = {}
        for name in COUNTY_TABLES:  # every table serialised before any object is replaced
            table = self.county_table(name, records, keep)
            staged[self.county_path(name, records.region_code)] = parquet_bytes(table)
            counts[name] = table.num_rows
        self._put_all(staged)
        return counts

    def write_dictionary(self, rows: Sequence[DictionaryRecord]) -> None:
        path = self.location.path("dictionary", "dictionary.parquet")
        self._put_all({path: parquet_bytes(to_arrow("dictionary", rows))})

    def read_county(self, table: str, region_code: str) -> pa.Table | None:
        """A county's current rows in one table, or None when it has none yet."""
        path = self.county_path(table, region_code)
        if self.fs.get_file_info(path).type == pafs.FileType.NotFound:
            return None
        return pq.read_table(path, filesystem=self.fs)

    def read_county_reports(self, region_code: str) -> list[dict[str, Any]]:
        """The county's rows in `reports` as the dataset holds them now (empty: none yet)."""
        table = self.read_county("reports", region_code)
        rows: list[dict[str, Any]] = [] if table is None else table.select(REPORT_COLUMNS_READ).to_pylist()
        return rows

    def read_county_rows(self, name: str, region_code: str) -> list[dict[str, Any]]:
        """The county's rows in one table as the dataset holds them now (empty: none yet)."""
        table = self.read_county(name, region_code)
        rows: list[dict[str, Any]] = rows_of_reports(table, name, None).to_pylist() if table else []
        return rows

    def read_every_county(
        self, name: str, columns: list[str], where: pc.Expression | None = None
    ) -> pa.Table:
        """These columns of every county file of one table (the rows `where` selects)."""
        selector = pafs.FileSelector(self.location.path(name), allow_not_found=True)
        paths = sorted(i.path for i in self.fs.get_file_info(selector) if i.path.endswith(".parquet"))
        return read_every_county(paths, name, columns, self.fs, where)

    def write_metrics(self, table: pa.Table) -> None:
        self._put_all({self.location.path("metrics", "metrics.parquet"): parquet_bytes(table)})

    @contextmanager
    def lock(self, lease_seconds: float = LEASE_SECONDS) -> Iterator[None]:
        self._lease = S3Lease(self.location, lease_seconds, self.client)
        try:
            with self._lease.held():
                yield
        finally:
            self._lease = None


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class S3Lease:
    """One writer per s3:// output: a lock object created and renewed with conditional PUTs.

    Created with `If-None-Match: *` and renewed (If-Match its ETag) every third of the lease while
    the run lives. Taking over never trusts another machine's clock: the holder's `expires` is
    only a hint that it may be dead; the lock is taken over (If-Match the ETag seen) only after
    this process saw it unrenewed for a whole lease on its own monotonic clock. The holder, in
    turn, writes only within a lease of its last renewal, also on its own monotonic clock.
    """

    def __init__(
        self, location: S3Location, lease_seconds: float = LEASE_SECONDS, client: Any = None
    ) -> None:
        import boto3  # the conditional PUTs pyarrow's filesystem does not offer

        self.location = location
        self.lease_seconds = lease_seconds
        self.client = client or boto3.client("s3")
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.etag: str | None = None
        self.renewed_at: float | None = None  # time.monotonic() of the last successful PUT
        self.lost = False  # another run took the lease over (this one stalled past it)
        self._stop = threading.Event()
        self._renewing = threading.Lock()

    @property
    def key(self) -> str:
        return self.location.key(LOCK_NAME)

    def _body(self) -> bytes:
        expires = _utc_now() + dt.timedelta(seconds=self.lease_seconds)
        body = {"owner": self.owner, "lease_seconds": self.lease_seconds, "expires": expires.isoformat()}
        return json.dumps(body).encode()

    def _put(self, **condition: str) -> str:
        sent = time.monotonic()
        answer = self.client.put_object(
            Bucket=self.location.bucket, Key=self.key, Body=self._body(), **condition
        )
        self.renewed_at = sent
        return str(answer["ETag"])

    def acquire(self) -> None:
        from botocore.exceptions import ClientError

        try:
            self.etag = self._put(IfNoneMatch="*")
            return
        except ClientError as exc:
            if not _precondition_failed(exc):
                raise
        self._take_over_when_silent()

    def _held(self) -> tuple[str, dict[str, Any]] | None:
        from botocore.exceptions import ClientError

        try:
            held = self.client.get_object(Bucket=self.location.bucket, Key=self.key)
        except ClientError as exc:
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                return None
            raise
        return str(held["ETag"]), json.loads(held["Body"].read())

    def _locked(self, holder: dict[str, Any], why: str) -> OutputLocked:
        return OutputLocked(
            f"another nianbao run ({holder.get('owner')}) is writing to {self.location.url()} "
            f"(lock {self.location.url(LOCK_NAME)}, {why}); wait for it to finish"
        )

    def _take_over_when_silent(self) -> None:
        """Takes the lock over once it stayed unrenewed for a whole lease, as this process timed it."""
        from botocore.exceptions import ClientError

        held = self._held()
        if held is None:  # released meanwhile
            return self.acquire()
        etag, holder = held
        if dt.datetime.fromisoformat(holder["expires"]) > _utc_now():
            raise self._locked(holder, f"lease until {holder['expires']}")
        silence = max(0.0, float(holder.get("lease_seconds", self.lease_seconds)))
        watched_until = time.monotonic() + silence
        while time.monotonic() < watched_until:
            time.sleep(min(1.0, max(0.05, silence / 20)))
            now = self._held()
            if now is None:
                return self.acquire()
            if now[0] != etag:
                raise self._locked(holder, "it renewed its lease while this run watched")
        try:
            self.etag = self._put(IfMatch=etag)
        except ClientError as exc:
            if _precondition_failed(exc):
                raise OutputLocked(
                    f"another nianbao run just took the lock of {self.location.url()}"
                ) from exc
            raise
        return None

    def renew(self) -> None:
        # One renewal at a time: counties written side by side and the renewer thread all renew,
        # and each must send the ETag the previous renewal got, or it would look like a takeover.
        with self._renewing:
            self.etag = self._put(IfMatch=self.etag or "")

    def fence(self) -> None:
        """Before a batch of writes: renew now; raises OutputLocked when the lease is not ours for sure."""
        from botocore.exceptions import ClientError

        if self.lost:
            raise OutputLocked(f"this run lost its lock on {self.location.url()}: nothing more is written")
        try:
            self.renew()
        except ClientError as exc:
            if _precondition_failed(exc):
                self.lost = True
                raise OutputLocked(
                    f"this run lost its lock on {self.location.url()}: nothing more is written"
                ) from exc
            if self.renewed_at is None or time.monotonic() - self.renewed_at >= self.lease_seconds:
                raise OutputLocked(
                    f"this run could not renew its lock on {self.location.url()} within its lease: "
                    "nothing more is written"
                ) from exc

    def _renew_until_stopped(self) -> None:
        from botocore.exceptions import ClientError

        while not self._stop.wait(self.lease_seconds / 3):
            try:
                self.renew()
            except ClientError as exc:
                if _precondition_failed(exc):  # another run holds the lease: stop writing
                    self.lost = True
                    return
            except Exception:  # a missed renewal is retried; the lease outlives two misses
                continue

    def release(self) -> None:
        """Delete the lock if it is still ours (a run that stalled past its lease may have lost it)."""
        from botocore.exceptions import ClientError

        self._stop.set()
        try:
            self.client.delete_object(Bucket=self.location.bucket, Key=self.key, IfMatch=self.etag or "")
        except ClientError as exc:
            if not _precondition_failed(exc):
                raise

    @contextmanager
    def held(self) -> Iterator[None]:
        self.acquire()
        renewer = threading.Thread(target=self._renew_until_stopped, name="s3-lease", daemon=True)
        renewer.start()
        try:
            yield
        finally:
            self.release()
            renewer.join(5)


def _precondition_failed(exc: Any) -> bool:
    error = exc.response.get("Error", {})
    return error.get("Code") in ("PreconditionFailed", "ConditionalRequestConflict") or exc.response.get(
        "ResponseMetadata", {}
    ).get("HTTPStatusCode") in (409, 412)
