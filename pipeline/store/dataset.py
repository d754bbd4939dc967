"""Where a run writes the dataset: a local folder or an `s3://bucket/prefix`, behind one interface."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.store import parquet
from pipeline.store.objectstore import S3Dataset, S3Location, is_object_url
from pipeline.store.schema import CountyRecords, DictionaryRecord


class Dataset(Protocol):
    def write_county(self, records: CountyRecords, keep: frozenset[str] = frozenset()) -> dict[str, int]: ...

    def read_county_reports(self, region_code: str) -> list[dict[str, Any]]: ...

    def write_dictionary(self, rows: Sequence[DictionaryRecord]) -> None: ...

    def read_county_rows(self, name: str, region_code: str) -> list[dict[str, Any]]: ...

    def read_every_county(
        self, name: str, columns: list[str], where: pc.Expression | None = None
    ) -> pa.Table: ...

    def write_metrics(self, table: pa.Table) -> None: ...

    def lock(self) -> contextlib.AbstractContextManager[None]: ...


class LocalDataset:
    """The output folder (its lock is the run's local output lock, taken by the caller)."""

    def __init__(self, output: Path) -> None:
        self.output = output

    def write_county(self, records: CountyRecords, keep: frozenset[str] = frozenset()) -> dict[str, int]:
        return parquet.write_county(self.output, records, keep)

    def read_county_reports(self, region_code: str) -> list[dict[str, Any]]:
        return parquet.read_county_reports(self.output, region_code)

    def write_dictionary(self, rows: Sequence[DictionaryRecord]) -> None:
        parquet.write_dictionary(self.output, rows)

    def read_county_rows(self, name: str, region_code: str) -> list[dict[str, Any]]:
        return parquet.read_county_rows(self.output, name, region_code)

    def read_every_county(
        self, name: str, columns: list[str], where: pc.Expression | None = None
    ) -> pa.Table:
        paths = parquet.county_paths(self.output, name)
        return parquet.read_every_county(paths, name, columns, where=where)

    def write_metrics(self, table: pa.Table) -> None:
        parquet.write_metrics(self.output, table)

    def lock(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()


def default_work_dir(url: str) -> Path:
    """Where an s3:// run keeps its raw archive, caches and crawl health on this machine."""
    location = S3Location.parse(url)
    return Path.home() / ".nianbao" / "work" / location.bucket / (location.prefix or "_root")


def open_dataset(output: str, work: Path | None = None) -> tuple[Dataset, Path]:
    """(the dataset to write, the local folder for the archive, caches, health and lock)."""
    folder = work_folder(output, work)
    return (S3Dataset(output) if is_object_url(output) else LocalDataset(folder)), folder


def work_folder(output: str, work: Path | None = None) -> Path:
    """The local folder a run keeps its archive, caches, health and lock in."""
    if is_object_url(output):
        return (work or default_work_dir(output)).resolve()
    return Path(output).resolve()
