"""`nianbao page` in a real headless Chromium (Playwright): charts drawn, Chinese rendered, nothing fetched.

The dataset is written by the county path (store_county) from the findings fixture pairs and the real
洪泽区 2024 report, then the metrics are rebuilt as a run's end does; expected numbers come from
tests/fixtures/findings/*/inputs.json and from reading the real report. 平潭's 2024 report is stored
twice, first with one number changed (a revision), and 洪泽's is given a publication date after its
deadline; the page's clock is set to 2024-05-15 (the 2023 reports overdue).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import Browser, Page, Request, sync_playwright

from pipeline.crawl.county import CrawlResult
from pipeline.crawl.health import update_health
from pipeline.crawl.sources import Source
from pipeline.extract.worker import extract_file, sha256_file
from pipeline.metrics.table import write_metrics
from pipeline.records import DocumentMeta, build_report
from pipeline.run import RunContext, store_county
from pipeline.settings import TODAY_VARIABLE
from pipeline.store.dataset import LocalDataset

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
HONGZE = FIXTURES / "real" / "hongze-2024" / "report.pdf"
COUNTIES = {
    "350128": (
        "平潭综合实验区",
        [FIXTURES / "findings" / c / "report.html" for c in ("pingtan-2023", "pingtan-2024")],
    ),
    "370323": ("沂源县", [FIXTURES / "findings" / c / "report.html" for c in ("yiyuan-2022", "yiyuan-2023")]),
    "320813": ("洪泽区", [HONGZE]),
}
HONGZE_RECEIVED_2024 = 95  # table 3 of the published report, 本年新收 总计
HONGZE_DISCLOSED_2024 = (50 + 9) / 95  # table 3: (予以公开 + 部分公开) / 总计, 总计 column
HONGZE_PUBLISHED = dt.date(2025, 4, 10)  # given here: a government's deadline is 2025-03-31
PINGTAN_2024 = COUNTIES["350128"][1][1]
BROWSER_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


def inputs(case: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / "findings" / case / "inputs.json").read_text("utf-8"))
    return {c["key"]: c["value"] for c in data["cells"]}


def store(ctx: RunContext, code: str, name: str, documents: list[Path]) -> None:
    results = []
    for path in documents:
        doc = extract_file(path)
        published = HONGZE_PUBLISHED if path == HONGZE else None
        meta = DocumentMeta(
            code,
            sha256_file(path),
            doc.format,
            region_name=name,
            document_url=path.as_uri(),
            published_date=published,
        )
        results.append((build_report(doc, meta, ctx.run_id, dt.datetime.now(dt.UTC), with_nlp=True), False))
    store_county(ctx, Source(code, name, ("http://127.0.0.1/none",)), CrawlResult(code), results)
    update_health(ctx.health_path, code, CrawlResult(code, pages_fetched=1))


def revised_copy(html: str) -> str:
    """The report with its first 本年新收 自然人 cell one higher (the copy the portal showed first)."""
    new = inputs("pingtan-2024")["requests.new.natural_person"]
    start = html.index("本年新收政府信息公开申请数量")
    cell = re.compile(f">{new:g}<").search(html, start)
    assert cell is not None
    return html[: cell.start()] + f">{new + 1:g}<" + html[cell.end() :]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dataset written by the county path, then the page written by the command line."""
    root = tmp_path_factory.mktemp("page")
    ctx = RunContext(root / "output", "run-page-test")
    first = root / "pingtan-2024-first.html"  # as first published: 本年新收 自然人 printed one higher
    first.write_text(revised_copy(PINGTAN_2024.read_text("utf-8")), encoding="utf-8")
    store(ctx, "350128", COUNTIES["350128"][0], [COUNTIES["350128"][1][0], first])
    for code, (name, documents) in COUNTIES.items():
        store(ctx, code, name, documents)
    write_metrics(LocalDataset(ctx.output))
    sources = REPO / "sources" / "china.yaml"
    cli = [
        sys.executable,
        "-m",
        "pipeline.cli",
        "page",
        "--output",
        str(ctx.output),
        "--to",
        str(root / "site"),
    ]
    env = {**os.environ, TODAY_VARIABLE: "2024-05-15"}
    subprocess.run([*cli, "--sources", str(sources)], check=True, cwd=REPO, capture_output=True, env=env)
    return root / "site"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "Chromium is missing: `make test` installs Debian's chromium and fonts-wqy-zenhei"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=BROWSER_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def opened(site: Path, browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    """The page opened from disk, every request it makes recorded (and anything but itself refused)."""
    index = (site / "index.html").as_uri()
    requested: list[str] = []
    page = browser.new_page()

    def record(request: Request) -> None:
        requested.append(request.url)

    page.on("request", record)
    page.route("**/*", lambda route: route.continue_() if route.request.url == index else route.abort())
    page.goto(index, wait_until="load")
    yield page, requested
    page.close()


def test_no_request_leaves_the_page(opened: tuple[Page, list[str]], site: Path) -> None:
    page, requested = opened
    page.wait_for_load_state("networkidle")
    assert requested == [(site / "index.html").as_uri()]


def test_every_chart_is_drawn_with_the_numbers_of_the_reports(opened: tuple[Page, list[str]]) -> None:
    page, _ = opened
    charts = page.locator("svg.chart")
    assert charts.count() == 3 * (1 + len(COUNTIES))  # received, granted share, reviews+lawsuits
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box and box["width"] > 100 and box["height"] > 50
    received = page.locator('svg.chart polyline[data-label="收到申请"]').first
    want = {
        2022: inputs("yiyuan-2022")["requests.new.total"],
        2023: inputs("yiyuan-2023")["requests.new.total"] + inputs("pingtan-2023")["requests.new.total"],
        2024: inputs("pingtan-2024")["requests.new.total"] + HONGZE_RECEIVED_2024,
    }
    assert received.get_attribute("data-values") == ";".join(f"{y}={v:g}" for y, v in want.items())
    points = (received.get_attribute("points") or "").split()
    assert len(points) == 3 and len(set(points)) == 3


def test_chinese_text_renders_as_glyphs_not_boxes(opened: tuple[Page, list[str]]) -> None:
    """Two characters in the page's font draw two different pictures (missing glyphs draw the same box)."""
    page, _ = opened
    page.evaluate(
        """() => { for (const ch of ['年', '报']) {
             const s = document.createElement('span'); s.textContent = ch; s.className = 'glyph';
             s.style.fontSize = '40px'; document.body.prepend(s); } }"""
    )
    glyphs = page.locator("span.glyph")
    assert glyphs.nth(0).screenshot() != glyphs.nth(1).screenshot()
    assert page.locator("h1").inner_text().startswith("政府信息公开工作年度报告")


def test_failing_checks_are_listed_newest_first_with_their_source(opened: tuple[Page, list[str]]) -> None:
    page, _ = opened
    rows = page.locator("tr.failing")
    years = [int(rows.nth(i).locator("td").nth(0).inner_text()) for i in range(rows.count())]
    assert years and years == sorted(years, reverse=True)
    hongze = page.locator("tr.failing", has_text="text.requests.new.total").filter(has_text="320813")
    assert hongze.locator("td.num").all_inner_texts() == ["17", "95"]
    assert hongze.locator("a").get_attribute("href") == HONGZE.as_uri()
    in_force = page.locator(
        "tr.failing", has_text="cross_year.active_disclosure.normative_documents.in_force"
    )
    assert in_force.locator("td.num").all_inner_texts() == ["499", "440"]
    earlier, later = COUNTIES["350128"][1]
    assert [a.get_attribute("href") for a in in_force.locator("a").all()] == [
        later.as_uri(),
        earlier.as_uri(),
    ]


def test_coverage_per_county_and_against_china(opened: tuple[Page, list[str]]) -> None:
    page, _ = opened
    pingtan = page.locator('tr[data-county="350128"] td')
    assert pingtan.all_inner_texts()[:2] == ["350128", "平潭综合实验区"]
    assert [t for t in pingtan.all_inner_texts()[2:] if t] == ["ok 1", "ok 1"]  # 2023, 2024
    china = page.locator("h2", has_text="Coverage of China").locator("xpath=following-sibling::table[1]")
    text = china.inner_text()
    assert "2849" in text and "147" in text and "82" in text


def test_the_overall_trend_says_how_many_reports_each_year_sums(opened: tuple[Page, list[str]]) -> None:
    page, _ = opened
    note = page.locator("h3", has_text="All counties").locator("xpath=following-sibling::p[1]").inner_text()
    # pingtan 2023 + 2024, yiyuan 2022 + 2023, hongze 2024 (the COUNTIES stored above)
    assert "reports per year — 2022: 1; 2023: 2; 2024: 2" in note


def disclosed(case: str) -> float:
    cells = inputs(case)
    granted = cells["requests.granted.total"] + cells["requests.partially_granted.total"]
    return float(granted / cells["requests.processed_total.total"])


def test_rate_distributions_are_drawn_per_year_with_every_body(opened: tuple[Page, list[str]]) -> None:
    page, _ = opened
    charts = page.locator("svg.plot.distribution")
    assert charts.count() == 5  # four rates and the days after the deadline
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box and box["width"] > 100 and box["height"] > 50
    rate = page.locator('svg.plot.distribution[data-metric="requests.disclosed_rate"]')
    dots = rate.locator("circle.dot")
    got = sorted(
        (int(d.get_attribute("data-year") or 0), float(d.get_attribute("data-value") or 0))
        for d in dots.all()
    )
    want = sorted(
        [
            (2022, disclosed("yiyuan-2022")),
            (2023, disclosed("yiyuan-2023")),
            (2023, disclosed("pingtan-2023")),
            (2024, disclosed("pingtan-2024")),
            (2024, HONGZE_DISCLOSED_2024),
        ]
    )
    assert [y for y, _ in got] == [y for y, _ in want]
    assert [v for _, v in got] == pytest.approx([v for _, v in want], abs=1e-5)
    boxes = rate.locator("rect.box")
    assert [b.get_attribute("data-n") for b in boxes.all()] == ["1", "2", "2"]
    for b in boxes.all():
        drawn = b.bounding_box()
        assert drawn and drawn["width"] > 5 and drawn["height"] >= 1


def test_each_body_is_drawn_against_its_provinces_median(opened: tuple[Page, list[str]]) -> None:
    page, _ = opened
    charts = page.locator("svg.plot.peers")
    assert sorted(c.get_attribute("data-province") for c in charts.all()) == ["32", "35", "37"]
    shandong = page.locator('svg.plot.peers[data-province="37"]')
    assert shandong.get_attribute("data-year") == "2023"  # its latest year
    (dot,) = shandong.locator("circle.body").all()
    assert float(dot.get_attribute("data-value") or 0) == pytest.approx(disclosed("yiyuan-2023"), abs=1e-5)
    assert float(shandong.locator("line.median").get_attribute("data-value") or 0) == pytest.approx(
        disclosed("yiyuan-2023"), abs=1e-5
    )
    box = dot.bounding_box()
    assert box and box["width"] > 4


def test_late_revised_and_overdue_reports_are_listed(opened: tuple[Page, list[str]]) -> None:
    page, _ = opened
    late = [row.locator("td").all_inner_texts() for row in page.locator("tr.late").all()]
    # newest year first: 洪泽 a government (due 3月31日); 沂源's office a department (due 1月31日),
    # its pages dated 2024-03-08 (37 days after 2024-01-31) and 2023-03-08 (36 days after 2023-01-31)
    assert [(t[0], t[1], t[3], t[4]) for t in late] == [
        ("2024", "320813", str(HONGZE_PUBLISHED), "10"),
        ("2023", "370323", "2024-03-08", "37"),
        ("2022", "370323", "2023-03-08", "36"),
    ]
    assert "第四十九条第二款" in late[0][5] and "第四十九条第一款" in late[1][5]
    (revised,) = page.locator("tr.revised").all()
    texts = revised.locator("td").all_inner_texts()
    assert texts[:2] == ["2024", "350128"] and texts[3] == "2"
    assert texts[5] == "requests.new.natural_person"
    entries = yaml.safe_load((REPO / "sources" / "china.yaml").read_text("utf-8"))["sources"]
    active = {str(e["region_code"]) for e in entries if not e.get("paused")}
    overdue = page.locator("tr.overdue")
    codes = {row.locator("td").first.inner_text() for row in overdue.all()}
    assert codes == active - {"370323"}  # 沂源 has its 2023 report; every other active source lacks one
    assert set(overdue.first.locator("td").all_inner_texts()[2:]) == {"2023", "2024-03-31", "2024-05-01"}


def test_province_by_year_grid_is_coloured_by_share_of_counties_with_a_report(
    opened: tuple[Page, list[str]],
) -> None:
    page, _ = opened
    entries = yaml.safe_load((REPO / "sources" / "china.yaml").read_text("utf-8"))["sources"]
    active = {str(e["region_code"]) for e in entries if not e.get("paused")}
    fujian = {c for c in active if c[:2] == "35"} | {"350128"}
    shandong = {c for c in active if c[:2] == "37"} | {"370323"}
    jiangsu = {c for c in active if c[:2] == "32"} | {"320813"}
    grid = page.locator("svg.plot.grid")
    box = grid.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 20

    def cell(province: str, year: int) -> tuple[float, str]:
        rect = grid.locator(f'rect.cell[data-province="{province}"][data-year="{year}"]')
        drawn = rect.bounding_box()
        assert drawn and drawn["width"] > 10
        return float(rect.get_attribute("data-share") or -1), rect.get_attribute("fill") or ""

    # one county with a report (平潭, 沂源) among the province's sources and counties in the dataset
    assert cell("35", 2024)[0] == pytest.approx(1 / len(fujian), abs=1e-3) and cell("35", 2022)[0] == 0.0
    assert cell("37", 2023)[0] == pytest.approx(1 / len(shandong), abs=1e-3)
    assert cell("32", 2024)[0] == pytest.approx(1 / len(jiangsu), abs=1e-3)
    assert cell("35", 2024)[1] != cell("35", 2022)[1]  # a share and none are coloured apart
