"""The dataset on S3-compatible object storage: one PUT per county file, and a lease lock per output.

The object layout and the lease lock are in docs/architecture.md, "Module notes".
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import threading
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
    """

    def __init__(self, url: str, filesystem: pafs.FileSystem | None = None) -> None:
        self.location = S3Location.parse(url)
        self.fs = filesystem or s3_filesystem()
        self._lease: S3Lease | None = None

    def _put(self, path: str, data: pa.Buffer) -> None:
        if self._lease is not None and self._lease.lost:
            raise OutputLocked(f"this run lost its lock on {self.location.url()}: nothing more is written")
        with self.fs.open_output_stream(path) as out:
            out.write(data)

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
        for path, data in staged.items():
            self._put(path, data)
        return counts

    def write_dictionary(self, rows: Sequence[DictionaryRecord]) -> None:
        self._put(
            self.location.path("dictionary", "dictionary.parquet"),
            parquet_bytes(to_arrow("dictionary", rows)),
        )

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
        self._put(self.location.path("metrics", "metrics.parquet"), parquet_bytes(table))

    @contextmanager
    def lock(self, lease_seconds: float = LEASE_SECONDS) -> Iterator[None]:
        self._lease = S3Lease(self.location, lease_seconds)
        try:
            with self._lease.held():
                yield
        finally:
            self._lease = None


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class S3Lease:
    """One writer per s3:// output: a lock object created and renewed with conditional PUTs.

    Created with `If-None-Match: *` and renewed while the run lives; a holder that died stops
    renewing, and the lease can be taken over once it expires.
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
        self.lost = False  # another run took the lease over (this one stalled past it)
        self._stop = threading.Event()

    @property
    def key(self) -> str:
        return self.location.key(LOCK_NAME)

    def _body(self) -> bytes:
        expires = _utc_now() + dt.timedelta(seconds=self.lease_seconds)
        return json.dumps({"owner": self.owner, "expires": expires.isoformat()}).encode()

    def _put(self, **condition: str) -> str:
        answer = self.client.put_object(
            Bucket=self.location.bucket, Key=self.key, Body=self._body(), **condition
        )
        return str(answer["ETag"])

    def acquire(self) -> None:
        from botocore.exceptions import ClientError

        try:
            self.etag = self._put(IfNoneMatch="*")
            return
        except ClientError as exc:
            if not _precondition_failed(exc):
                raise
        held = self.client.get_object(Bucket=self.location.bucket, Key=self.key)
        holder = json.loads(held["Body"].read())
        if dt.datetime.fromisoformat(holder["expires"]) > _utc_now():
            raise OutputLocked(
                f"another nianbao run ({holder['owner']}) is writing to {self.location.url()} "
                f"(lock {self.location.url(LOCK_NAME)}, lease until {holder['expires']}); "
                "wait for it to finish"
            )
        try:  # the holder died: take its expired lease over, unless another run just did
            self.etag = self._put(IfMatch=held["ETag"])
        except ClientError as exc:
            if _precondition_failed(exc):
                raise OutputLocked(
                    f"another nianbao run just took the lock of {self.location.url()}"
                ) from exc
            raise

    def renew(self) -> None:
        self.etag = self._put(IfMatch=self.etag or "")

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
