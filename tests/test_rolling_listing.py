"""Many portals list only their latest N reports. A night's listing is compared with the last
written night's listing, not with the rows the dataset keeps: reports that fell off stay, the
county is written; a listing that drops most of what it showed last night is suspect."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from demo.portal_server import serve_directory
from pipeline.cli import main
from tests.conftest import DEMO

# Seven real demo articles in publication order (title, path); the portal lists the latest two,
# so by the sixth night the dataset holds 5 and the listing shows 2 (a dataset-based rule flags that).
ARTICLES = [
    ("沂源县人民政府2020年政府信息公开工作年度报告", "/yiyuan/art/2021/1/29/art_1_1004.html"),
    ("高青县财政局2020年政府信息公开工作年度报告", "/gaoqing/art/2021/1/26/art_1_2003.html"),
    ("沂源县教育和体育局2021年政府信息公开工作年度报告", "/yiyuan/art/2022/1/28/art_1_1003.html"),
    ("高青县人民政府办公室2021年政府信息公开工作年度报告", "/gaoqing/art/2022/1/21/art_1_2002.html"),
    ("沂源县财政局2022年政府信息公开工作年度报告", "/yiyuan/art/2023/1/30/art_1_1002.html"),
    ("高青县农业农村局2022年政府信息公开工作年度报告", "/gaoqing/art/2023/1/18/art_1_2004.html"),
    ("沂源县人民政府办公室2023年政府信息公开工作年度报告", "/yiyuan/art/2024/1/27/art_1_1001.html"),
]
WINDOW = 2


def write_listing(portal: Path, entries: list[tuple[str, str]]) -> None:
    items = "".join(
        f'<li><a href="{path}">{title}</a><span>2024-01-01</span></li>' for title, path in entries
    )
    head = '<head><meta charset="utf-8"><title>年报</title></head>'
    page = f'<html>{head}<body><ul class="list">{items}</ul></body></html>'
    (portal / "rolling").mkdir(exist_ok=True)
    (portal / "rolling" / "index.html").write_text(page, encoding="utf-8")


def run(sources: Path, output: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(["run", "--sources", str(sources), "--output", str(output), "--workers", "1"])
    return status, capsys.readouterr().out


def reports(output: Path) -> set[str]:
    rows = duckdb.sql(f"SELECT source_url FROM '{output}/reports/370323.parquet'").fetchall()
    return {url.split("/", 3)[3] for (url,) in rows}


@pytest.mark.slow
def test_six_years_of_a_rolling_listing_keep_every_report_and_a_collapse_is_suspect(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    portal = tmp_path / "portal"
    shutil.copytree(DEMO / "portals", portal)
    output = tmp_path / "output"
    with serve_directory(portal) as base:
        sources = tmp_path / "sources.yaml"
        sources.write_text(
            f'sources:\n  - region_code: "370323"\n    region_name: 沂源县\n'
            f"    listing_urls: [{base.rstrip('/')}/rolling/index.html]\n    pause_seconds: 0\n",
            encoding="utf-8",
        )
        for year in range(1, len(ARTICLES)):  # the first night lists one report, then two a night
            shown = ARTICLES[max(0, year - WINDOW) : year][::-1]
            write_listing(portal, shown)
            status, out = run(sources, output, capsys)
            assert status == 0, out
            assert "suspect" not in out
            assert reports(output) == {path.lstrip("/") for _, path in ARTICLES[:year]}
        before = duckdb.sql(f"SELECT * FROM '{output}/reports/370323.parquet' ORDER BY report_id").fetchall()

        write_listing(portal, [ARTICLES[-1]])  # a redesign: none of last night's two entries listed
        status, out = run(sources, output, capsys)
    assert status == 1
    assert "suspect: the portal lists 0 of the 2 reports it listed at the last written run" in out
    after = duckdb.sql(f"SELECT * FROM '{output}/reports/370323.parquet' ORDER BY report_id").fetchall()
    assert after == before
