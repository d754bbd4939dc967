"""Counties crawled side by side on one host (a city portal hosting its districts) share its limits."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pipeline.crawl.county import crawl_source
from pipeline.crawl.sources import Source
from tests.faulty_portal import faulty_portal, write_files
from tests.test_crawl import FAST, REPORT_BODY, article, listing


def district(code: str, name: str, slug: str, base: str) -> Source:
    return Source(code, name, listing_urls=(f"{base}/{slug}/col/index.html",), max_concurrency=1)


def district_pages(slug: str) -> dict[str, str | bytes]:
    rows = [
        (f"{slug}局{i}2019年政府信息公开工作年度报告", f"/{slug}/art/{i}.html", "2020-01-15")
        for i in range(4)
    ]
    pages: dict[str, str | bytes] = {f"{slug}/col/index.html": listing(rows)}
    for title, href, _ in rows:
        pages[href.lstrip("/")] = article(title, REPORT_BODY)
    return pages


def test_two_counties_on_one_host_never_exceed_its_concurrency(tmp_path: Path) -> None:
    www = tmp_path / "www"
    write_files(www, {**district_pages("qa"), **district_pages("qb")})
    with faulty_portal(www) as (base, state):
        state.request_delay = 0.05  # requests overlap if two are let in at once
        sources = [district("370302", "甲区", "qa", base), district("370303", "乙区", "qb", base)]
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda s: crawl_source(s, tmp_path / "archive", FAST), sources))
    assert [len(r.documents) for r in results] == [4, 4]
    assert state.max_in_flight == 1  # one host, max_concurrency 1, whichever source asks
