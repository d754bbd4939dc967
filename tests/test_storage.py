"""Parquet storage read back with DuckDB, Polars and pandas; atomic per-county replacement."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.records import dictionary_records
from pipeline.store.parquet import (
    OutputLocked,
    county_file,
    output_lock,
    staging_root,
    to_arrow,
    write_county,
    write_dictionary,
)
from pipeline.store.schema import CountyRecords, FactRecord, ReportRecord, SectionRecord

NOW = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)


def report(code: str, rid: str, year: int = 2021) -> ReportRecord:
    return ReportRecord(
        report_id=rid, region_code=code, region_name="某县", agency="某县人民政府办公室", year=year,
        title="标题", source_url="http://127.0.0.1/a.html", document_url="http://127.0.0.1/a.pdf",
        published_date=dt.date(2022, 1, 15), fetched_at=NOW, extracted_at=NOW, content_sha256="ab" * 32,
        format="pdf", template="2021", status="ok", error=None, pipeline_version="0.1.0", run_id="r1",
    )  # fmt: skip


def county(code: str, value: float, n: int = 2) -> CountyRecords:
    records = CountyRecords(code)
    for i in range(n):
        rid = f"{code}-{i}"
        records.reports.append(report(code, rid))
        records.sections.append(SectionRecord(rid, 2021, code, 1, "一、总体情况", "正文。", ("正文", "。")))
        records.facts.append(
            FactRecord(rid, 2021, code, "requests", "new", "total", value, f"{value:g}", None, 3)
        )
    return records


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_region_code_reads_back_as_a_string_in_every_reader(tmp_path: Path) -> None:
    write_county(tmp_path, county("010203", 1.0))
    write_county(tmp_path, county("370323", 2.0))
    write_dictionary(tmp_path, dictionary_records())
    glob = str(tmp_path / "reports" / "*.parquet")
    duck = duckdb.sql(f"SELECT region_code, count(*) n FROM '{glob}' GROUP BY 1 ORDER BY 1").fetchall()
    assert duck == [("010203", 2), ("370323", 2)]
    assert duckdb.sql(f"SELECT typeof(region_code) FROM '{glob}' LIMIT 1").fetchall() == [("VARCHAR",)]
    polars = pl.read_parquet(glob)
    assert polars.schema["region_code"] == pl.String
    assert sorted(polars["region_code"].unique().to_list()) == ["010203", "370323"]
    facts = pd.concat(pd.read_parquet(p) for p in sorted((tmp_path / "facts").glob("*.parquet")))
    assert facts["region_code"].tolist() == ["010203", "010203", "370323", "370323"]
    tokens = duckdb.sql(f"SELECT tokens FROM '{tmp_path}/sections/*.parquet' LIMIT 1").fetchall()
    assert tokens == [(["正文", "。"],)]


def test_rerunning_one_county_leaves_the_others_byte_for_byte(tmp_path: Path) -> None:
    write_county(tmp_path, county("010203", 1.0))
    write_county(tmp_path, county("370323", 2.0))
    others = {p: digest(p) for p in tmp_path.glob("*/010203.parquet")}
    write_county(tmp_path, county("370323", 9.0, n=1))
    assert {p: digest(p) for p in tmp_path.glob("*/010203.parquet")} == others
    rows = duckdb.sql(f"SELECT region_code, value FROM '{tmp_path}/facts/*.parquet' ORDER BY 1").fetchall()
    assert rows == [("010203", 1.0), ("010203", 1.0), ("370323", 9.0)]


def test_same_records_give_identical_files(tmp_path: Path) -> None:
    write_county(tmp_path / "a", county("370323", 2.0))
    write_county(tmp_path / "b", county("370323", 2.0))
    for name in ("reports", "sections", "facts", "checks"):
        assert digest(county_file(tmp_path / "a", name, "370323")) == digest(
            county_file(tmp_path / "b", name, "370323")
        )


def test_a_failed_write_keeps_the_old_rows_whole_and_leaves_nothing_in_the_dataset(tmp_path: Path) -> None:
    write_county(tmp_path, county("370323", 2.0))
    before = {p: digest(p) for p in tmp_path.rglob("*.parquet")}
    broken = county("370323", 5.0)
    broken.facts.append(dataclasses.replace(broken.facts[0], value="not a number"))  # type: ignore[arg-type]
    with pytest.raises(Exception):  # noqa: B017 - pyarrow's own error type is what it is
        write_county(tmp_path, broken)
    assert {p: digest(p) for p in tmp_path.rglob("*.parquet")} == before
    staging = staging_root(tmp_path)
    assert not staging.exists() or not any(staging.iterdir())


def test_a_second_writer_is_refused(tmp_path: Path) -> None:
    with (
        output_lock(tmp_path),
        pytest.raises(OutputLocked, match="another nianbao run"),
        output_lock(tmp_path),
    ):
        pass


@settings(max_examples=40, deadline=None)
@given(
    value=st.none() | st.floats(allow_nan=False, allow_infinity=False),
    raw=st.text(max_size=20),
    page=st.none() | st.integers(min_value=1, max_value=5000),
    code=st.from_regex(r"\A[0-9]{6}\Z"),
)
def test_fact_survives_the_round_trip_to_parquet(
    tmp_path_factory: pytest.TempPathFactory, value: float | None, raw: str, page: int | None, code: str
) -> None:
    fact = FactRecord("r", 2020, code, "requests", "new", "total", value, raw, None, page, None, "lines")
    path = tmp_path_factory.mktemp("rt") / "f.parquet"
    pq.write_table(to_arrow("facts", [fact]), path)
    (row,) = pq.read_table(path).to_pylist()
    assert FactRecord(**row) == fact


def test_staging_is_inside_the_output_folder_where_no_reader_glob_sees_it(tmp_path: Path) -> None:
    from pipeline.store.parquet import _stage

    write_county(tmp_path, county("370323", 2.0))
    final = county_file(tmp_path, "facts", "370323")
    staged = _stage(to_arrow("facts", county("370323", 5.0).facts), final, staging_root(tmp_path))
    assert staged.parent == tmp_path.resolve() / ".staging"
    assert staged.stat().st_dev == final.stat().st_dev  # the rename never crosses a mount
    globbed = {Path(r[0]) for r in duckdb.sql(f"SELECT file FROM glob('{tmp_path}/**/*.parquet')").fetchall()}
    assert globbed == set(tmp_path.glob("*/*.parquet")) and staged not in globbed
    assert duckdb.sql(f"SELECT value FROM '{tmp_path}/facts/*.parquet'").fetchall() == [(2.0,), (2.0,)]
