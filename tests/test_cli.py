"""The nianbao command line, in-process (no Prefect needed for these commands)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.crawl.county import CrawlError, CrawlResult
from pipeline.crawl.health import update_health
from tests.conftest import DEMO

FIXTURES = Path(__file__).parent / "fixtures"


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
