"""Parquet storage: one file per (table, county), replaced atomically (`write_county`).

The layout under the output folder is in docs/architecture.md, "Module notes".
"""

from __future__ import annotations

import dataclasses
import fcntl
import os
import shutil
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from pipeline.store.schema import COUNTY_TABLES, SORT_KEYS, TABLES, CountyRecords, DictionaryRecord


class OutputLocked(RuntimeError):
    """Another nianbao run is writing to the same output folder."""


def staging_root(output: Path) -> Path:
    return output.resolve() / ".staging"


def fsync_dir(folder: Path) -> None:
    """Make renames in `folder` durable (a rename is only on disk once its folder is synced)."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def to_arrow(name: str, rows: Sequence[object]) -> pa.Table:
    """Records -> an Arrow table cast to the declared schema (never inferred), in stable order."""
    _, schema = TABLES[name]
    dicts: list[dict[str, Any]] = [dataclasses.asdict(r) for r in rows]  # type: ignore[call-overload]
    for d in dicts:
        for listed in ("tokens", "changed_cells"):
            if listed in d:
                d[listed] = list(d[listed])
    table = pa.Table.from_pylist(dicts, schema=schema)
    if table.num_rows:
        table = table.sort_by([(k, "ascending") for k in SORT_KEYS[name]])
    return table


def _stage(table: pa.Table, final: Path, staging: Path) -> Path:
    """Write a table to a staging file (no reader glob matches it) and fsync it; returns its path."""
    staging.mkdir(parents=True, exist_ok=True)
    tmp = staging / f"{final.parent.name}-{final.stem}-{uuid.uuid4().hex}.tmp"
    try:
        pq.write_table(table, tmp, compression="zstd", write_statistics=True)
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _swap_in(staged: dict[Path, Path]) -> None:
    """Move staged files over their finals; one os.replace each, all after every file is staged."""
    try:
        for final, tmp in staged.items():
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)
    finally:
        for tmp in staged.values():
            tmp.unlink(missing_ok=True)
    for folder in {final.parent for final in staged}:
        fsync_dir(folder)


def _write_atomically(table: pa.Table, final: Path, staging: Path) -> None:
    _swap_in({final: _stage(table, final, staging)})


def county_file(output: Path, table: str, region_code: str) -> Path:
    return output / table / f"{region_code}.parquet"


REPORT_COLUMNS_READ = ("report_id", "document_url", "content_sha256", "status", "title", "error")


def read_county_reports(output: Path, region_code: str) -> list[dict[str, Any]]:
    """The county's rows in `reports` as the dataset holds them now (empty: none yet)."""
    path = county_file(output, "reports", region_code)
    if not path.exists():
        return []
    rows: list[dict[str, Any]] = pq.read_table(path, columns=list(REPORT_COLUMNS_READ)).to_pylist()
    return rows


def read_county_rows(output: Path, name: str, region_code: str) -> list[dict[str, Any]]:
    """The county's rows in one table as the dataset holds them now (empty: none yet)."""
    path = county_file(output, name, region_code)
    if not path.exists():
        return []
    rows: list[dict[str, Any]] = rows_of_reports(pq.read_table(path), name, None).to_pylist()
    return rows


def read_every_county(
    paths: list[str],
    name: str,
    columns: list[str],
    filesystem: pafs.FileSystem | None = None,
    where: pc.Expression | None = None,
) -> pa.Table:
    """These columns of every county file of one table (columns a file lacks read as null), only
    the rows `where` selects (its columns must be in every file and in `columns`).

    A file that cannot be read (a county whose write crashed) is left out: its next run heals it."""
    _, schema = TABLES[name]
    wanted = pa.schema([schema.field(c) for c in columns])
    parts = [wanted.empty_table()]
    for path in paths:
        try:
            names = pq.read_schema(path, filesystem=filesystem).names
            present = [c for c in columns if c in names]
            table = pq.read_table(path, columns=present, filesystem=filesystem, filters=where)
        except (OSError, pa.ArrowException):
            continue
        parts.append(
            pa.Table.from_arrays(
                [
                    table[f.name].cast(f.type) if f.name in names else pa.nulls(table.num_rows, f.type)
                    for f in wanted
                ],
                schema=wanted,
            )
        )
    return pa.concat_tables(parts)


def county_paths(output: Path, name: str) -> list[str]:
    return [str(p) for p in sorted((output / name).glob("*.parquet"))]


def write_metrics(output: Path, table: pa.Table) -> None:
    """The dataset's one metrics file, replaced atomically."""
    _write_atomically(table, output / "metrics" / "metrics.parquet", staging_root(output))


def kept_rows(output: Path, name: str, region_code: str, report_ids: frozenset[str]) -> pa.Table:
    """Earlier rows of these reports in one table, in today's schema (added columns null)."""
    path = county_file(output, name, region_code)
    old = pq.read_table(path) if report_ids and path.exists() else None
    return rows_of_reports(old, name, report_ids)


def rows_of_reports(old: pa.Table | None, name: str, report_ids: frozenset[str] | None) -> pa.Table:
    """The rows of these reports (None: every row) in an earlier file of one table, cast to today's
    schema.

    Shared by the local and the object-storage writers (pipeline.store.objectstore)."""
    _, schema = TABLES[name]
    if old is None or (report_ids is not None and not report_ids):
        return schema.empty_table()
    if report_ids is not None:
        old = old.filter(pc.is_in(old["report_id"], pa.array(sorted(report_ids), pa.string())))
    columns = [
        old[f.name].cast(f.type) if f.name in old.column_names else pa.nulls(old.num_rows, f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)


def county_table(
    output: Path, name: str, records: CountyRecords, keep: frozenset[str] = frozenset()
) -> pa.Table:
    """One table of the county's new files: this run's rows plus the earlier rows kept."""
    table = to_arrow(name, records.table(name))
    if not keep:
        return table
    return with_kept(name, table, kept_rows(output, name, records.region_code, keep))


def with_kept(name: str, table: pa.Table, kept: pa.Table) -> pa.Table:
    """This run's rows of one table plus the earlier rows kept, in the table's stable order."""
    merged = pa.concat_tables([table, kept])
    return merged.sort_by([(k, "ascending") for k in SORT_KEYS[name]]) if merged.num_rows else merged


def write_county(output: Path, records: CountyRecords, keep: frozenset[str] = frozenset()) -> dict[str, int]:
    """Replace one county's rows in every table (keeping the earlier rows of the reports in `keep`);
    returns rows written per table.

    A county's files are all written in `<output>/.staging/` (same file system, so the rename never
    crosses a mount; names without `.parquet`, so no reader's glob matches them) and fsynced; only
    then is each moved over its old file with one `os.replace`, and the folders are fsynced: readers
    see a table's old rows or its new rows, never a mix. (A crash between two of those renames can
    leave one county's tables from two runs, as the spec allows; the next run heals it.)
    """
    staging = staging_root(output)
    staged: dict[Path, Path] = {}
    counts: dict[str, int] = {}
    try:
        # Every table is built and staged before any is replaced: a bad record fails the county
        # before its old rows are touched, and the window between two replaces stays tiny.
        for name in COUNTY_TABLES:
            table = county_table(output, name, records, keep)
            final = county_file(output, name, records.region_code)
            staged[final] = _stage(table, final, staging)
            counts[name] = table.num_rows
    except BaseException:
        for tmp in staged.values():
            tmp.unlink(missing_ok=True)
        raise
    _swap_in(staged)
    return counts


def write_dictionary(output: Path, rows: Sequence[DictionaryRecord]) -> None:
    _write_atomically(
        to_arrow("dictionary", rows), output / "dictionary" / "dictionary.parquet", staging_root(output)
    )


def clean_stale_staging(output: Path) -> int:
    """Remove staging files a killed run left behind (call only while holding the lock)."""
    staging = staging_root(output)
    if not staging.exists():
        return 0
    stale = list(staging.iterdir())
    shutil.rmtree(staging, ignore_errors=True)
    return len(stale)


@contextmanager
def output_lock(output: Path) -> Iterator[None]:
    """One writer per output folder: a second run refuses with OutputLocked."""
    output.mkdir(parents=True, exist_ok=True)
    lock_path = output / ".nianbao.lock"
    with lock_path.open("a+") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise OutputLocked(
                f"another nianbao run is writing to {output} (lock {lock_path}); wait for it to finish"
            ) from exc
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
