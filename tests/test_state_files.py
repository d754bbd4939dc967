"""State files: a corrupt health file is reported and set aside, never silently reset; a full
disk is reported as a full disk, not as a crashed county, and the rows already written stay."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from pipeline.cli import main
from pipeline.crawl.health import health_path, load_health
from tests.conftest import write_sources

CORRUPT = b'{"370321": {"last_success": "2026-01-01T00:00:00+00:00", "consecu'  # a torn write


def run_one(sources: Path, output: Path, *options: str) -> int:
    return main(["run", "--sources", str(sources), "--output", str(output), "--county", "370321", *options])


@pytest.mark.slow
def test_a_corrupt_health_file_is_reported_and_set_aside(
    demo_portal: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sources = write_sources(tmp_path / "sources.yaml", demo_portal)
    output = tmp_path / "output"
    health_path(output).parent.mkdir(parents=True)
    health_path(output).write_bytes(CORRUPT)
    assert run_one(sources, output, "--workers", "1") == 0
    err = capsys.readouterr().err
    assert f"nianbao: {health_path(output)} could not be read: not JSON" in err
    (kept,) = health_path(output).parent.glob("health.json.corrupt-*")
    assert kept.read_bytes() == CORRUPT  # the evidence stays as it was
    assert load_health(health_path(output))["370321"]["consecutive_failures"] == 0


@contextlib.contextmanager
def small_disk(folder: Path, size: str) -> Iterator[Path]:
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> None:
    with open(folder / "filler", "wb") as fh, contextlib.suppress(OSError):
        while True:
            fh.write(b"\0" * 65536)
            fh.flush()
            os.fsync(fh.fileno())


@pytest.mark.slow
def test_a_full_disk_is_reported_as_such_and_the_written_rows_stay(
    demo_portal: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sources = write_sources(tmp_path / "sources.yaml", demo_portal)
    with small_disk(tmp_path / "disk", "64m") as disk:
        output = disk / "output"
        assert run_one(sources, output, "--workers", "1") == 0
        before = duckdb.sql(f"SELECT * FROM '{output}/reports/370321.parquet' ORDER BY report_id").fetchall()
        capsys.readouterr()
        fill(disk)
        assert run_one(sources, output, "--workers", "1", "--offline") == 1
        out = capsys.readouterr()
        after = duckdb.sql(f"SELECT * FROM '{output}/reports/370321.parquet' ORDER BY report_id").fetchall()
    assert "not written: the disk is full (No space left on device" in out.out + out.err
    assert "crashed" not in out.out + out.err
    assert after == before
