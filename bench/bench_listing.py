"""Reading one listing page: time against its number of links, written to docs/benchmarks-listing.md.

    .venv/bin/python bench/bench_listing.py [--out docs/benchmarks-listing.md]

Listings of 500 … 8,000 entries in the two shapes that cost most: a flat `<div>` of `<a>` +
`<span>` date pairs (every entry's date is the text after its link) and a `<ul>` of `<li>` rows.
Each is parsed once; the time is `listing_entries` (links, rows, dates, menus) alone, best of 3.
Linear means the time per link stays flat as the listing grows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.crawl.pages import listing_entries, parse_text  # noqa: E402

SIZES = (500, 1000, 2000, 4000, 8000)


def flat_div(n: int) -> str:
    items = "".join(
        f'<a href="/art/{i}.html">沂源县第{i}局2019年政府信息公开工作年度报告</a>'
        f"<span>{2020 + i % 5}-01-{1 + i % 28:02d}</span><br>"
        for i in range(n)
    )
    nav = "<div class='nav'><a href='/'>首页</a></div>"
    return f"<html><body>{nav}<div class='list'>{items}</div></body></html>"


def li_rows(n: int) -> str:
    items = "".join(
        f'<li><a href="/art/{i}.html">沂源县第{i}局2019年政府信息公开工作年度报告</a>'
        f"<span>{2020 + i % 5}-01-{1 + i % 28:02d}</span></li>"
        for i in range(n)
    )
    return f"<html><body><ul class='list'>{items}</ul></body></html>"


def best_of(html: str, runs: int = 3) -> tuple[float, int]:
    root = parse_text(html)
    best, count = float("inf"), 0
    for _ in range(runs):
        start = time.perf_counter()
        count = len(listing_entries(root, "http://x.gov.cn/col/index.html"))
        best = min(best, time.perf_counter() - start)
    return best, count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks-listing.md")
    args = parser.parse_args()
    lines = [
        "## Reading a listing page (links, per-entry dates, menus)",
        "",
        f"Measured {dt.date.today()} on {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}, "
        f"Python {platform.python_version()}, by `bench/bench_listing.py` (best of 3, parse excluded).",
        "",
        "| shape | links | entries | seconds | µs per link |",
        "|---|---|---|---|---|",
    ]
    for name, make in (("flat <div> of <a>+<span>", flat_div), ("<ul> of <li>", li_rows)):
        for n in SIZES:
            seconds, count = best_of(make(n))
            lines.append(f"| {name} | {n} | {count} | {seconds:.3f} | {seconds / n * 1e6:.0f} |")
            print(lines[-1])
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
