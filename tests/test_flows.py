"""The whole path under real Prefect: demo portals on 127.0.0.1 -> crawl -> extract -> Parquet.

Checked against `demo/portals/expected.json`, written by the fixture generator from its inputs.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipeline.crawl.health import health_path, load_health
from pipeline.summary import RunSummary
from tests.conftest import DEMO, write_sources
from tests.faulty_portal import Fault, PortalState, faulty_portal, write_files
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


def test_the_run_leaves_its_summary_in_the_output_state_folder(
    first_run: tuple[Path, Path, dict[str, Any]],
) -> None:
    _, output, result = first_run
    saved = json.loads((output / "_state" / "last_run.json").read_text("utf-8"))
    assert saved == json.loads(json.dumps(result))
    assert {c["region_code"] for c in saved["counties"]} == {c["region_code"] for c in EXPECTED["counties"]}


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


# ---- unattended every night (issue 11): never lose a county, every listed report a row ------

EMPTY_LISTING = (
    b"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Redesigned</title></head>"
    b"<body><div class='new-design'>loading...</div></body></html>"
)
HUANTAI_LISTING = "/huantai/col/col1/index.html"
YIYUAN_PDF = "/yiyuan/attach/czj2022ndbg.pdf"


@pytest.fixture(scope="module")
def faulty_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, PortalState]]:
    """The demo portals behind the fault-injecting server, run once into an output folder."""
    root = tmp_path_factory.mktemp("faulty-demo")
    shutil.copytree(DEMO / "portals", root / "portals")
    with faulty_portal(root / "portals") as (base, state):
        sources = write_sources(root / "sources.yaml", base.rstrip("/"))
        run_nightly(sources, root / "output", ["370321", "370323"])
        yield root, state


def faulted_run(
    faulty_demo: tuple[Path, PortalState], tmp_path: Path, faults: dict[str, Fault], **options: Any
) -> tuple[Path, RunSummary]:
    """A copy of the first run's output, run again (options for `nightly`) with `faults` set."""
    from flows.nightly import nightly

    root, state = faulty_demo
    output = tmp_path / "output"
    if not output.exists():
        shutil.copytree(root / "output", output)
    state.faults.update(faults)
    try:
        result = nightly(sources=str(root / "sources.yaml"), output=str(output), **options)
    finally:
        state.faults.clear()
    return output, RunSummary.from_dict(result)


def test_a_listing_that_suddenly_lists_nothing_keeps_the_county_until_a_person_accepts(
    faulty_demo: tuple[Path, PortalState], tmp_path: Path
) -> None:
    from flows.nightly import county

    redesign = {HUANTAI_LISTING: Fault("raw", body=EMPTY_LISTING, headers={"Content-Type": "text/html"})}
    output, summary = faulted_run(faulty_demo, tmp_path, redesign, counties=["370321"])
    kept = digests(tmp_path / "output", "370321")
    assert digests(faulty_demo[0] / "output", "370321") == kept
    assert summary.exit_code() == 1
    (suspect,) = summary.counties
    assert not suspect.written and suspect.suspect is not None
    assert "lists 0 of the 2 reports it listed at the last written run" in suspect.suspect
    assert "--county 370321 --accept-shrink" in suspect.suspect
    health = load_health(health_path(output))["370321"]
    assert health["suspect"] == suspect.suspect and health["consecutive_failures"] == 1

    root, state = faulty_demo
    state.faults.update(redesign)
    try:
        accepted = county(region_code="370321", sources=str(root / "sources.yaml"), output=str(output))
        assert not accepted["counties"][0]["written"]  # without the flag: still refused
        accepted = county(
            region_code="370321", sources=str(root / "sources.yaml"), output=str(output), accept_shrink=True
        )
    finally:
        state.faults.clear()
    (written,) = accepted["counties"]
    assert written["written"] and written["suspect"] is None
    assert len([n for n in written["notes"] if n.startswith("removed (accepted)")]) == 2
    assert rows(f"SELECT count(*) FROM '{output}/reports/370321.parquet'") == [(0,)]


def test_a_report_whose_bytes_turn_bad_keeps_its_earlier_rows(
    faulty_demo: tuple[Path, PortalState], tmp_path: Path
) -> None:
    root, _ = faulty_demo
    error_page = Fault("raw", body=b"<html><body>503 Service busy</body></html>", headers={})
    before = rows(f"SELECT * FROM '{root}/output/reports/370323.parquet' ORDER BY report_id")
    output, summary = faulted_run(faulty_demo, tmp_path, {YIYUAN_PDF: error_page}, counties=["370323"])
    (yiyuan,) = summary.counties
    assert yiyuan.written and yiyuan.kept == 1 and summary.exit_code() == 0
    (note,) = [n for n in yiyuan.notes if n.startswith("kept the earlier rows of")]
    assert "content type: content mismatch: declared pdf but the body is an HTML page" in note
    old_row = [r for r in before if r[7] and r[7].endswith(YIYUAN_PDF)]
    assert len(old_row) == 1
    assert old_row[0] in rows(f"SELECT * FROM '{output}/reports/370323.parquet'")  # the very same row
    assert rows(f"SELECT count(*) FROM '{output}/reports/370323.parquet'") == [(len(before),)]
    assert (
        rows(f"SELECT count(*) FROM '{output}/facts/370323.parquet' WHERE report_id = '{old_row[0][0]}'")[0][
            0
        ]
        > 0
    )


def test_a_run_past_its_time_limit_stops_cleanly_and_keeps_every_county(
    faulty_demo: tuple[Path, PortalState], tmp_path: Path
) -> None:
    root, _ = faulty_demo
    before = {code: digests(root / "output", code) for code in ("370321", "370323")}
    output, summary = faulted_run(faulty_demo, tmp_path, {}, counties=["370321", "370323"], run_seconds=1e-6)
    assert summary.exit_code() == 1
    assert all(not c.written and "whole-run time limit" in (c.stopped or "") for c in summary.counties)
    assert {code: digests(output, code) for code in before} == before
    from pipeline.store.parquet import OutputLocked, output_lock

    try:
        with output_lock(output):
            pass
    except OutputLocked:  # pragma: no cover - the assertion below names the failure
        pytest.fail("the lock is still held after the run stopped")


PORTAL_TITLE = "沂源县{}2023年政府信息公开工作年度报告"


def pdf_noise(tag: str) -> bytes:
    """Bytes that start like a PDF and are none: the extractor cannot read a title from them."""
    return b"%PDF-1.4\n%" + tag.encode() + b"\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def odd_portal(root: Path) -> None:
    """Articles with two bodies' reports, two anonymous attachments, and attachments that fail."""
    links = {
        "1": [
            (PORTAL_TITLE.format("财政局") + ".pdf", "cz.pdf"),
            (PORTAL_TITLE.format("审计局") + ".pdf", "sj.pdf"),
        ],
        "2": [("附件1", "j1.pdf"), ("附件2", "j2.pdf")],
        "3": [("附件", "enc.pdf")],
        "4": [("附件", "enc.pdf")],
        "5": [("附件", "zero.pdf")],
        "6": [("附件", "missing.pdf")],
    }
    titles = {"1": PORTAL_TITLE.format("财政局、审计局"), "2": PORTAL_TITLE.format("教育局")}
    titles |= {"3": PORTAL_TITLE.format("民政局"), "4": PORTAL_TITLE.format("卫健局")}
    titles |= {"5": PORTAL_TITLE.format("水利局"), "6": PORTAL_TITLE.format("商务局")}
    files: dict[str, str | bytes] = {
        f"t/a/{name}": pdf_noise(name) for name in ("cz.pdf", "sj.pdf", "j1.pdf", "j2.pdf")
    }
    files["t/a/zero.pdf"] = b""
    items = "".join(
        f"<li><a href='/t/art/{n}.html'>{t}</a><span>2024-01-2{n}</span></li>" for n, t in titles.items()
    )
    files["t/col/index.html"] = (
        f"<html><head><meta charset='utf-8'></head><body><ul>{items}</ul></body></html>"
    )
    for n, title in titles.items():
        anchors = "".join(f"<p><a href='/t/a/{href}'>{text}</a></p>" for text, href in links[n])
        files[f"t/art/{n}.html"] = (
            f"<html><head><meta charset='utf-8'><title>{title}</title></head><body><h1>{title}</h1>"
            f"<div id='zoom'><p>现予公布。</p>{anchors}</div></body></html>"
        )
    write_files(root, files)


def test_every_listed_report_is_a_row_and_two_bodies_never_share_one(tmp_path: Path) -> None:
    odd_portal(tmp_path / "www")
    output = tmp_path / "output"
    with faulty_portal(tmp_path / "www") as (base, state):
        state.faults["/t/a/enc.pdf"] = Fault(
            "raw", body=b"not gzip", headers={"Content-Type": "application/pdf", "Content-Encoding": "gzip"}
        )
        sources = tmp_path / "sources.yaml"
        sources.write_text(
            f'sources:\n  - region_code: "370323"\n    region_name: 沂源县\n'
            f"    listing_urls: ['{base.rstrip('/')}/t/col/index.html']\n    pause_seconds: 0\n",
            encoding="utf-8",
        )
        summary = RunSummary.from_dict(run_nightly(sources, output))
    assert summary.exit_code() == 0 and state.hits["/t/a/enc.pdf"] == 1
    got = {
        r[0].rsplit("/", 1)[1]: r[1:]
        for r in rows(
            f"SELECT document_url, agency, status, error, report_id FROM '{output}/reports/*.parquet'"
        )
    }
    assert sorted(got) == ["cz.pdf", "enc.pdf", "j1.pdf", "j2.pdf", "missing.pdf", "sj.pdf", "zero.pdf"]
    assert (got["cz.pdf"][0], got["sj.pdf"][0]) == ("沂源县财政局", "沂源县审计局")
    assert len({r[3] for r in got.values()}) == len(got)  # every document its own report_id
    assert [name for name in ("j1.pdf", "j2.pdf") if "identity: same agency and year" in (got[name][2] or "")]
    assert [n for n in summary.counties[0].notes if n.startswith("identity collision")]
    assert all(status == "failed" for _, status, _, _ in got.values())
    assert got["enc.pdf"][2].startswith("fetch: the body does not match its Content-Encoding")
    assert got["zero.pdf"][2].startswith("content type: content mismatch")
    assert got["missing.pdf"][2] == "fetch: HTTP 404"
    failed_urls = load_health(health_path(output))["370323"]["failed_urls"]
    assert [u for u in failed_urls if "/t/a/enc.pdf: the body does not match its Content-Encoding" in u]
    assert [e for e in summary.counties[0].errors if "/t/a/enc.pdf" in e]


def test_a_county_that_crashes_is_recorded_and_the_others_are_written(
    faulty_demo: tuple[Path, PortalState], tmp_path: Path
) -> None:
    shutil.copytree(faulty_demo[0] / "output", tmp_path / "output")
    broken = tmp_path / "output" / "reports" / "370321.parquet"
    broken.write_bytes(b"PAR1 this is no longer a Parquet file")
    output, summary = faulted_run(faulty_demo, tmp_path, {}, counties=["370321", "370323"])
    crashed, written = summary.counties
    assert summary.exit_code() == 1 and written.written and not crashed.written
    assert crashed.stopped is not None and crashed.stopped.startswith("crashed (")
    assert broken.read_bytes() == b"PAR1 this is no longer a Parquet file"  # nothing else written over it
    health = load_health(health_path(output))
    assert "crashed (" in health["370321"]["last_error"] and health["370321"]["consecutive_failures"] == 1
    assert health["370323"]["consecutive_failures"] == 0
