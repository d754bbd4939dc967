"""The nianbao command line: in-process where no Prefect is needed, as a new user runs it where it is."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipeline.cli import main
from pipeline.crawl.county import CrawlError, CrawlResult
from pipeline.crawl.health import update_health
from tests.conftest import DEMO, write_sources

FIXTURES = Path(__file__).parent / "fixtures"
BIN = Path(sys.executable).parent


def test_extract_json_prints_every_record_of_the_document(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(FIXTURES / "html-2021-cms" / "report.html"), "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    tables = {line["table"] for line in lines}
    assert tables == {"reports", "sections", "facts", "checks", "sentences", "entities"}
    (report,) = [line for line in lines if line["table"] == "reports"]
    assert (report["status"], report["template"], report["format"]) == ("ok", "2021", "html")
    expected = json.loads((FIXTURES / "html-2021-cms" / "expected.json").read_text(encoding="utf-8"))
    assert sum(line["table"] == "facts" for line in lines) == len(expected["facts"])


def test_extract_reports_unreadable_files_with_a_nonzero_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n1 0 obj <<")
    assert main(["extract", str(broken)]) == 1
    assert "failed" in capsys.readouterr().out
    assert main(["extract", str(tmp_path / "missing.pdf")]) == 2


def test_sources_shows_the_health_of_each_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    health = tmp_path / "out" / "_state" / "health.json"
    update_health(health, "370323", CrawlResult("370323"))
    down = CrawlResult(
        "370321", listing_ok=False, errors=[CrawlError("http://x/", "listing", "connection refused")]
    )
    update_health(health, "370321", down)
    update_health(health, "370321", down)
    assert main(["sources", "--sources", str(DEMO / "sources.yaml"), "--output", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert set(lines) == {"370323", "370322", "370321"}
    assert "connection refused" in lines["370321"] and lines["370321"].split()[4] == "2"
    assert lines["370322"].split()[3] == "never"


def test_run_needs_a_county_to_accept_a_shrink(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sources = DEMO / "sources.yaml"
    assert main(["run", "--sources", str(sources), "--output", str(tmp_path / "out"), "--accept-shrink"]) == 2
    assert "--accept-shrink needs --county" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def fresh_machine_env(home: Path) -> dict[str, str]:
    """This environment as a new user's: an empty home folder, no Prefect settings at all."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_") and k != "DO_NOT_TRACK"}
    home.mkdir()
    return env | {"HOME": str(home)}


@pytest.mark.slow
def test_run_and_extract_work_on_a_fresh_machine_from_any_folder(demo_portal: str, tmp_path: Path) -> None:
    env = fresh_machine_env(tmp_path / "home")
    work = tmp_path / "elsewhere"
    work.mkdir()
    sources = write_sources(work / "sources.yaml", demo_portal)
    run = subprocess.run(
        [BIN / "nianbao", "run", "--sources", sources.name, "--output", "output"],
        cwd=work, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    expected = json.loads((DEMO / "portals" / "expected.json").read_text(encoding="utf-8"))
    want = sum(len(c["reports"]) for c in expected["counties"])
    assert f"reports found {want}," in run.stdout
    got = duckdb.sql(f"SELECT count(*) FROM '{work}/output/reports/*.parquet'").fetchall()
    assert got == [(want,)]
    assert (tmp_path / "home" / ".nianbao" / "prefect").is_dir()
    report = FIXTURES / "html-2021-cms" / "report.html"
    extract = subprocess.run(
        [BIN / "nianbao", "extract", str(report), "--no-nlp"],
        cwd=work, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert extract.returncode == 0 and ": ok · template 2021" in extract.stdout, extract.stderr[-2000:]


def test_a_dask_scheduler_that_cannot_be_reached_stops_the_run_before_it_starts(
    demo_portal: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.extract import dask_executor

    monkeypatch.setattr(dask_executor, "CONNECT_TIMEOUT", "2s")
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{s.getsockname()[1]}"
    sources = write_sources(tmp_path / "sources.yaml", demo_portal)
    output = tmp_path / "output"
    status = main(["run", "--sources", str(sources), "--output", str(output), "--dask", address])
    assert status == 3
    assert f"cannot reach the Dask scheduler at {address}" in capsys.readouterr().err
    assert not list(output.glob("reports/*.parquet"))
