"""A report revised after publication: two runs of the nightly flow over a real 127.0.0.1 portal whose
document changes in between keep both versions and name the cells that changed.

The served report is tests/fixtures/findings/pingtan-2023/report.html; the cells changed here are
known from its generator inputs (inputs.json): 现行有效件数 of 行政规范性文件 470, 本年新收 自然人 80.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.faulty_portal import faulty_portal, write_files

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]
REPORT = Path(__file__).parent / "fixtures" / "findings" / "pingtan-2023" / "report.html"
TITLE = "平潭综合实验区2023年政府信息公开工作年度报告"


def inputs() -> dict[str, float]:
    data = json.loads((REPORT.parent / "inputs.json").read_text("utf-8"))
    return {c["key"]: c["value"] for c in data["cells"]}


def revised(html: str) -> str:
    """The same report with two printed numbers changed, as a publisher re-uploading a corrected copy."""
    assert html.count(">470<") == 1
    html = html.replace(">470<", ">471<")
    start = html.index("本年新收政府信息公开申请数量")
    first = re.compile(r">80<").search(html, start)
    assert first is not None
    return html[: first.start()] + ">85<" + html[first.end() :]


def portal(root: Path, report: str) -> None:
    listing = f"<html><head><meta charset='utf-8'></head><body><ul><li><a href='/t/art/1.html'>{TITLE}</a>"
    write_files(root, {"t/col/index.html": listing + "<span>2024-03-08</span></li></ul></body></html>"})
    write_files(root, {"t/art/1.html": report})


def run(sources: Path, output: Path) -> dict[str, Any]:
    from flows.nightly import nightly

    return nightly(sources=str(sources), output=str(output))


def query(sql: str) -> list[tuple[Any, ...]]:
    return duckdb.sql(sql).fetchall()


def test_a_document_changed_between_two_runs_keeps_both_versions_and_the_changed_cells(
    tmp_path: Path,
) -> None:
    want = inputs()
    assert (want["active_disclosure.normative_documents.in_force"], want["requests.new.natural_person"]) == (
        470,
        80,
    )
    original = REPORT.read_text("utf-8")
    portal(tmp_path / "www", original)
    output = tmp_path / "output"
    with faulty_portal(tmp_path / "www") as (base, _):
        sources = tmp_path / "sources.yaml"
        sources.write_text(
            f'sources:\n  - region_code: "350128"\n    region_name: 平潭综合实验区\n'
            f"    listing_urls: ['{base.rstrip('/')}/t/col/index.html']\n    pause_seconds: 0\n",
            encoding="utf-8",
        )
        run(sources, output)
        first = query(f"SELECT report_id, content_sha256 FROM '{output}/reports/*.parquet'")
        portal(tmp_path / "www", revised(original))
        run(sources, output)
        run(sources, output)  # unchanged since the second: no third version

    versions = query(
        "SELECT report_id, version, content_sha256, changed_cells, first_seen, last_seen "
        f"FROM '{output}/report_versions/*.parquet' ORDER BY version"
    )
    assert [v[1] for v in versions] == [1, 2]
    ((report_id, old_sha),) = first
    assert {v[0] for v in versions} == {report_id}
    assert versions[0][2] == old_sha and versions[1][2] != old_sha
    assert versions[0][3] == [] and versions[1][3] == [
        "active_disclosure.normative_documents.in_force",
        "requests.new.natural_person",
    ]
    assert versions[0][4] <= versions[0][5] <= versions[1][4] <= versions[1][5]
    # reports and facts hold the latest version
    assert query(f"SELECT content_sha256 FROM '{output}/reports/*.parquet'") == [(versions[1][2],)]
    cells = dict(
        query(
            f"SELECT table_key || '.' || row_key || '.' || column_key, value FROM '{output}/facts/*.parquet' "
            "WHERE (row_key = 'normative_documents' AND column_key = 'in_force') "
            "OR (row_key = 'new' AND column_key = 'natural_person')"
        )
    )
    assert cells == {"active_disclosure.normative_documents.in_force": 471, "requests.new.natural_person": 85}
