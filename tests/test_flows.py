"""The whole path under real Prefect: demo portals on 127.0.0.1 -> crawl -> extract -> Parquet.

Checked against `demo/portals/expected.json`, written by the fixture generator from its inputs.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.conftest import DEMO, write_sources
from tests.test_golden import squash

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]
EXPECTED = json.loads((DEMO / "portals" / "expected.json").read_text(encoding="utf-8"))
TABLES = ("reports", "sections", "facts", "checks", "sentences", "entities")


def run_nightly(sources: Path, output: Path, counties: list[str] | None = None) -> dict[str, Any]:
    from flows.nightly import nightly

    return nightly(sources=str(sources), output=str(output), counties=counties)


def rows(sql: str) -> list[tuple[Any, ...]]:
    return duckdb.sql(sql).fetchall()


def digests(output: Path, code: str) -> dict[str, str]:
    return {t: hashlib.sha256((output / t / f"{code}.parquet").read_bytes()).hexdigest() for t in TABLES}


def dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/huantai/col/col1/index.html"


@pytest.fixture(scope="module")
def first_run(
    demo_portal: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path, dict[str, Any]]:
    base = tmp_path_factory.mktemp("first-run")
    sources = write_sources(base / "sources.yaml", demo_portal)
    output = base / "output"
    return sources, output, run_nightly(sources, output)


def copy_output(first_run: tuple[Path, Path, dict[str, Any]], tmp_path: Path) -> tuple[Path, Path]:
    sources, output, _ = first_run
    shutil.copytree(output, tmp_path / "output")
    return sources, tmp_path / "output"


def test_every_expected_report_lands_with_its_golden_facts(
    first_run: tuple[Path, Path, dict[str, Any]],
) -> None:
    _, output, _ = first_run
    got = {
        (r[0], r[1], r[2]): r[3:]
        for r in rows(
            f"SELECT region_code, agency, year, template, format, status, report_id "
            f"FROM '{output}/reports/*.parquet'"
        )
    }
    for county in EXPECTED["counties"]:
        for want in county["reports"]:
            key = (county["region_code"], want["agency"], want["year"])
            assert key in got, f"report not found: {key}"
            template, fmt, status, report_id = got.pop(key)
            assert (template, fmt, status) == (want["template"], want["format"], want["status"]), key
            facts = {
                (f[0], f[1], f[2]): (f[3], f[4])
                for f in rows(
                    f"SELECT table_key, row_key, column_key, value, raw FROM '{output}/facts/*.parquet' "
                    f"WHERE report_id = '{report_id}' AND row_key <> 'unmapped'"
                )
            }
            wanted = {
                (f["table_key"], f["row_key"], f["column_key"]): (f["value"], f["raw"]) for f in want["facts"]
            }
            assert {k: (v, squash(r)) for k, (v, r) in facts.items()} == {
                k: (v, squash(r)) for k, (v, r) in wanted.items()
            }, key
    assert not got, f"reports nobody expected: {sorted(got)}"


def test_region_code_is_a_string_and_every_table_is_written(
    first_run: tuple[Path, Path, dict[str, Any]],
) -> None:
    _, output, _ = first_run
    for table in (*TABLES, "dictionary"):
        assert list((output / table).glob("*.parquet")), table
    types = rows(f"SELECT DISTINCT typeof(region_code) FROM '{output}/facts/*.parquet'")
    assert types == [("VARCHAR",)]
    assert rows(f"SELECT count(*) FROM '{output}/dictionary/*.parquet'")[0][0] > 300


def test_a_published_total_that_does_not_add_up_is_a_failed_check(
    first_run: tuple[Path, Path, dict[str, Any]],
) -> None:
    _, output, _ = first_run
    failed = rows(
        f"SELECT r.agency, c.rule, c.expected, c.actual FROM '{output}/checks/*.parquet' c "
        f"JOIN '{output}/reports/*.parquet' r USING (report_id) WHERE NOT c.passed ORDER BY 1, 2"
    )
    broken = [
        (r["agency"], r["broken_identity"])
        for c in EXPECTED["counties"]
        for r in c["reports"]
        if r.get("broken_identity")
    ]
    assert broken, "the demo should carry one report whose numbers break an identity"
    for agency, identity in broken:
        mine = [f for f in failed if f[0] == agency]
        assert (agency, "requests.row_total.new", identity["sum_of_parts"], identity["published"]) in mine
    assert {f[0] for f in failed} == {a for a, _ in broken}


def test_second_run_over_unchanged_portals_downloads_and_reextracts_nothing(
    first_run: tuple[Path, Path, dict[str, Any]], tmp_path: Path
) -> None:
    sources, output = copy_output(first_run, tmp_path)
    before = rows(f"SELECT report_id, extracted_at FROM '{output}/reports/*.parquet' ORDER BY 1")
    summary = run_nightly(sources, output)
    for county in summary["counties"]:
        assert county["written"] and county["downloaded"] == 0 and county["reextracted"] == 0, county
    assert rows(f"SELECT report_id, extracted_at FROM '{output}/reports/*.parquet' ORDER BY 1") == before


def test_an_offline_run_rebuilds_the_same_rows_from_the_archive(
    first_run: tuple[Path, Path, dict[str, Any]], tmp_path: Path
) -> None:
    from flows.nightly import nightly

    sources, output = copy_output(first_run, tmp_path)
    before = {code: digests(output, code) for code in ("370323", "370322", "370321")}
    shutil.rmtree(output / "_cache")
    summary = nightly(sources=str(sources), output=str(output), offline=True)
    assert all(c["written"] and c["downloaded"] == 0 for c in summary["counties"])
    after = {code: digests(output, code) for code in before}
    for code in before:  # reports differ in run_id and extracted_at (re-extracted), nothing else does
        assert {t: d for t, d in after[code].items() if t != "reports"} == {
            t: d for t, d in before[code].items() if t != "reports"
        }


def test_rerunning_one_county_replaces_only_that_county(
    first_run: tuple[Path, Path, dict[str, Any]], tmp_path: Path
) -> None:
    from flows.nightly import county

    sources, output = copy_output(first_run, tmp_path)
    others = {code: digests(output, code) for code in ("370323", "370322")}
    before = rows(f"SELECT DISTINCT run_id FROM '{output}/reports/370321.parquet'")
    summary = county(region_code="370321", sources=str(sources), output=str(output))
    assert [c["region_code"] for c in summary["counties"]] == ["370321"]
    assert {code: digests(output, code) for code in others} == others
    assert rows(f"SELECT DISTINCT run_id FROM '{output}/reports/370321.parquet'") != before


def test_a_county_whose_portal_is_down_keeps_its_rows_and_the_others_run(
    first_run: tuple[Path, Path, dict[str, Any]], tmp_path: Path, demo_portal: str
) -> None:
    from pipeline.summary import RunSummary

    _, output = copy_output(first_run, tmp_path)
    sources = write_sources(tmp_path / "down.yaml", demo_portal, dead={"370321": dead_url()})
    kept = digests(output, "370321")
    summary = RunSummary.from_dict(run_nightly(sources, output))
    assert summary.exit_code() == 1
    assert [c.region_code for c in summary.failed_counties] == ["370321"]
    assert digests(output, "370321") == kept
    assert all(c.written for c in summary.counties if c.region_code != "370321")


def test_run_command_reports_a_bad_sources_file_with_exit_status_2(tmp_path: Path) -> None:
    from pipeline.cli import main

    bad = tmp_path / "bad.yaml"
    bad.write_text('sources:\n  - region_code: 370323\n    region_name: x\n    listing_urls: ["http://a/"]\n')
    assert main(["run", "--sources", str(bad), "--output", str(tmp_path / "out")]) == 2
    assert not (tmp_path / "out").exists()
