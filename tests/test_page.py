"""`nianbao page` in a real headless Chromium (Playwright): charts drawn, Chinese rendered, nothing fetched.

The dataset is written by the county path (store_county) from the findings fixture pairs and the real
洪泽区 2024 report; expected numbers come from tests/fixtures/findings/*/inputs.json and from reading
the real report.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Request, sync_playwright

from pipeline.crawl.county import CrawlResult
from pipeline.crawl.health import update_health
from pipeline.crawl.sources import Source
from pipeline.extract.worker import extract_file, sha256_file
from pipeline.records import DocumentMeta, build_report
from pipeline.run import RunContext, store_county

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
        meta = DocumentMeta(code, sha256_file(path), doc.format, region_name=name, document_url=path.as_uri())
        results.append((build_report(doc, meta, ctx.run_id, dt.datetime.now(dt.UTC), with_nlp=True), False))
    store_county(ctx, Source(code, name, ("http://127.0.0.1/none",)), CrawlResult(code), results)
    update_health(ctx.health_path, code, CrawlResult(code, pages_fetched=1))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dataset written by the county path, then the page written by the command line."""
    root = tmp_path_factory.mktemp("page")
    ctx = RunContext(root / "output", "run-page-test")
    for code, (name, documents) in COUNTIES.items():
        store(ctx, code, name, documents)
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
    subprocess.run([*cli, "--sources", str(sources)], check=True, cwd=REPO, capture_output=True)
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
