"""Parquet storage: one file per (table, county), replaced atomically.

Layout under the output folder:

    reports/<region_code>.parquet   sections/…   facts/…   checks/…   sentences/…   entities/…
    dictionary/dictionary.parquet

A county's files are all written in a staging folder beside the output folder (never inside
it, so no reader's glob can see a half-written file) and fsynced; only then is each moved over
its old file with one `os.replace`: readers see a table's old rows or its new rows, never a
mix. (A crash between two of those renames can leave one county's tables from two runs, as the
spec allows; the next run heals it.) region_code is a string
column inside every file, not a `key=value` folder, so every reader reads it back as a string.
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
import pyarrow.parquet as pq

from pipeline.store.schema import COUNTY_TABLES, SORT_KEYS, TABLES, CountyRecords, DictionaryRecord


class OutputLocked(RuntimeError):
    """Another nianbao run is writing to the same output folder."""


def staging_root(output: Path) -> Path:
    output = output.resolve()
    return output.parent / f".{output.name}.staging"


def to_arrow(name: str, rows: Sequence[object]) -> pa.Table:
    """Records -> an Arrow table cast to the declared schema (never inferred), in stable order."""
    _, schema = TABLES[name]
    dicts: list[dict[str, Any]] = [dataclasses.asdict(r) for r in rows]  # type: ignore[call-overload]
    for d in dicts:
        if "tokens" in d:
            d["tokens"] = list(d["tokens"])
    table = pa.Table.from_pylist(dicts, schema=schema)
    if table.num_rows:
        table = table.sort_by([(k, "ascending") for k in SORT_KEYS[name]])
    return table


def _stage(table: pa.Table, final: Path, staging: Path) -> Path:
    """Write a table to a staging file (outside the dataset) and fsync it; returns its path."""
    staging.mkdir(parents=True, exist_ok=True)
    tmp = staging / f"{final.parent.name}-{final.name}-{uuid.uuid4().hex}"
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


def _write_atomically(table: pa.Table, final: Path, staging: Path) -> None:
    _swap_in({final: _stage(table, final, staging)})


def county_file(output: Path, table: str, region_code: str) -> Path:
    return output / table / f"{region_code}.parquet"


def write_county(output: Path, records: CountyRecords) -> dict[str, int]:
    """Replace one county's rows in every table; returns rows written per table."""
    staging = staging_root(output)
    staged: dict[Path, Path] = {}
    counts: dict[str, int] = {}
    try:
        # Every table is built and staged before any is replaced: a bad record fails the county
        # before its old rows are touched, and the window between two replaces stays tiny.
        for name in COUNTY_TABLES:
            table = to_arrow(name, records.table(name))
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
