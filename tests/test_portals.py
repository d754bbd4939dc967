"""Real county CMS platforms, as fixture portals on 127.0.0.1, each run through `nianbao run`.

Each portal under tests/fixtures/portals/ is built by its `make_portals.py` from the inputs its
`expected.json` records (which reports it lists, their URLs and dates, and the noise); its pages
beyond the first exist only behind the platform's API (`api.json`, served by
tests/faulty_portal.py, GET and POST). README.md there cites the public evidence of each shape.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipeline.crawl.pages import listing_entries, parse_text
from tests.faulty_portal import PortalState, fixture_portal

PORTALS = Path(__file__).parent / "fixtures" / "portals"
BIN = Path(sys.executable).parent
PLATFORMS = {  # fixture -> (region code, the reader that must read its listing)
    "hanweb": ("320101", "hanweb-jpage"),
    "trs_wcm": ("330101", "trs-wcm"),
    "trs_dynamic": ("350101", "trs-dynamic"),
    "gkmlpt": ("440101", "gkmlpt"),
    "js_array": ("450101", "js-array"),
    "catalog": ("460101", "catalog-table"),
}
FAILURES = {
    "empty": "510101",
    "noreport": "510102",
    "fragment": "510103",
    "menu": "510104",
    "robots": "510105",
}


@dataclass
class Run:
    process: subprocess.CompletedProcess[str]
    output: Path
    bases: dict[str, str]
    states: dict[str, PortalState]

    def reports(self, code: str) -> list[dict[str, Any]]:
        files = self.output / "reports" / f"{code}.parquet"
        if not files.is_file():
            return []
        rel = duckdb.sql(f"SELECT * FROM '{files}'")
        return [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]

    def health(self, code: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.output / "_state" / "health.json").read_text("utf-8"))
        return dict(data[code])


def expected(name: str) -> dict[str, Any]:
    return dict(json.loads((PORTALS / name / "expected.json").read_text(encoding="utf-8")))


def run_portals(tmp: Path, codes: dict[str, str]) -> Iterator[Run]:
    with ExitStack() as stack:
        bases, states, lines = {}, {}, ["sources:"]
        for name, code in codes.items():
            bases[name], states[name] = stack.enter_context(fixture_portal(PORTALS / name))
            if name == "robots":
                states[name].faults["/robots.txt"] = _redirect(expected(name)["robots_redirect"])
            lines += [
                f'  - region_code: "{code}"',
                f"    region_name: {expected(name)['county']}",
                "    pause_seconds: 0",
                f"    listing_urls: [{bases[name]}{expected(name)['listing']}]",
            ]
        sources = tmp / "sources.yaml"
        sources.write_text("\n".join(lines) + "\n", encoding="utf-8")
        output = tmp / "output"
        process = subprocess.run(
            [BIN / "nianbao", "run", "--sources", str(sources), "--output", str(output), "--workers", "1"],
            capture_output=True, text=True, timeout=900, env=os.environ.copy(),
        )  # fmt: skip
        yield Run(process, output, bases, states)


def _redirect(location: str) -> Any:
    from tests.faulty_portal import Fault

    return Fault("redirect", location=location)


@pytest.fixture(scope="module")
def platforms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    yield from run_portals(tmp_path_factory.mktemp("platforms"), {n: c for n, (c, _r) in PLATFORMS.items()})


@pytest.fixture(scope="module")
def failures(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    yield from run_portals(tmp_path_factory.mktemp("failures"), FAILURES)


# ---- one fixture portal per platform: every listed report found, noise skipped ------------


def test_the_platform_portals_run_is_written_whole(platforms: Run) -> None:
    assert platforms.process.returncode == 0, (
        platforms.process.stdout[-3000:] + platforms.process.stderr[-3000:]
    )


@pytest.mark.parametrize("name", sorted(PLATFORMS))
def test_every_listed_report_of_the_platform_is_found_and_the_noise_skipped(
    platforms: Run, name: str
) -> None:
    code, reader = PLATFORMS[name]
    want = expected(name)
    base = platforms.bases[name]
    rows = platforms.reports(code)
    got = {(r["source_url"].removeprefix(base), str(r["published_date"])) for r in rows}
    assert got == {(r["url"], r["date"]) for r in want["reports"]}
    titles = {r["source_url"].removeprefix(base): r["title"] for r in rows if r["format"] == "html"}
    assert titles == {r["url"]: r["title"] for r in want["reports"] if r["url"] != want.get("attachment")}
    assert not {r["title"] for r in rows} & set(want["noise"])
    assert all(r["status"] != "failed" or "article" not in (r["error"] or "") for r in rows)
    (listing,) = platforms.health(code)["listings"]
    assert listing["readers"] == [reader]


@pytest.mark.parametrize("name", ["hanweb", "trs_dynamic", "gkmlpt", "catalog"])
def test_pages_beyond_the_first_come_only_through_the_platform_api(platforms: Run, name: str) -> None:
    code, _reader = PLATFORMS[name]
    state, want = platforms.states[name], expected(name)
    calls = sum(state.methods.values())
    assert calls == want["api_pages"]
    # the catalog's list.jsp pages are HTML pages built from the script pager, not API answers
    assert platforms.health(code)["listings"][0]["api_calls"] == (0 if name == "catalog" else calls)
    methods = {method for method, _path in state.methods}
    assert methods == ({"POST"} if name in ("hanweb", "trs_dynamic") else {"GET"})


def test_the_hanweb_attachment_comes_through_downfile_jsp(platforms: Run) -> None:
    base = platforms.bases["hanweb"]
    (row,) = [
        r for r in platforms.reports("320101") if r["source_url"] == base + expected("hanweb")["attachment"]
    ]
    assert row["document_url"].startswith(base + "/module/download/downfile.jsp?")
    assert row["format"] == "pdf"


def test_trs_pages_named_only_by_script_are_read_once(platforms: Run) -> None:
    state = platforms.states["trs_wcm"]
    assert [state.hits[p] for p in expected("trs_wcm")["script_pages"]] == [1, 1]


def test_sources_shows_the_reader_entries_per_page_and_api_calls(platforms: Run, tmp_path: Path) -> None:
    sources = platforms.output.parent / "sources.yaml"
    shown = subprocess.run(
        [BIN / "nianbao", "sources", "--sources", str(sources), "--output", str(platforms.output)],
        capture_output=True, text=True, timeout=120, env=os.environ.copy(),
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert "hanweb-jpage: 3 pages (5/5/2 entries), 2 API calls" in shown.stdout
    assert "gkmlpt: 4 pages (0/5/5/1 entries), 3 API calls" in shown.stdout


# ---- nothing vanishes silently -----------------------------------------------------------


def test_a_listing_that_yields_no_report_is_a_problem_and_the_county_is_not_written(failures: Run) -> None:
    assert failures.process.returncode == 1
    assert "the listing yields no report entries" in failures.process.stdout
    assert not (failures.output / "reports" / f"{FAILURES['empty']}.parquet").exists()
    assert failures.health(FAILURES["empty"])["status"] == "empty"


def test_a_listed_article_without_a_report_is_a_failed_row(failures: Run) -> None:
    base = failures.bases["noreport"]
    rows = {r["source_url"].removeprefix(base): r for r in failures.reports(FAILURES["noreport"])}
    assert set(rows) == {r["url"] for r in expected("noreport")["reports"]}
    failed = rows[expected("noreport")["no_report"]]
    assert (failed["status"], failed["error"]) == ("failed", "article: no report found")


def test_a_bare_fragment_without_a_charset_is_read_as_the_report(failures: Run) -> None:
    (row,) = failures.reports(FAILURES["fragment"])
    assert row["status"] in ("ok", "partial") and row["format"] == "html"
    assert row["title"] == expected("fragment")["reports"][0]["title"]
    assert "片段县" in (row["agency"] or "")


def test_menu_links_and_other_hosts_never_become_report_entries(failures: Run) -> None:
    base, state = failures.bases["menu"], failures.states["menu"]
    rows = failures.reports(FAILURES["menu"])
    assert {r["source_url"].removeprefix(base) for r in rows} == {
        r["url"] for r in expected("menu")["reports"]
    }
    assert all(state.hits[p] == 0 for p in expected("menu")["menu_pages"])


def test_robots_txt_behind_a_redirect_is_obeyed(failures: Run) -> None:
    base, state = failures.bases["robots"], failures.states["robots"]
    rows = failures.reports(FAILURES["robots"])
    assert {r["source_url"].removeprefix(base) for r in rows} == {
        r["url"] for r in expected("robots")["reports"]
    }
    assert state.hits[expected("robots")["disallowed"]] == 0
    assert state.hits[expected("robots")["robots_redirect"]] >= 1
    (refused,) = [r for r in rows if r["status"] == "failed"]
    assert "robots.txt" in refused["error"]


# ---- listings in <div>s: every entry its own date, linear in the links -------------------


def test_a_flat_div_listing_gives_every_entry_its_own_date() -> None:
    items = "".join(
        f'<a href="/art/{n}.html">沂源县第{n}局2019年年度报告</a><span>2020-01-{n + 1:02d}</span><br>'
        for n in range(20)
    )
    root = parse_text(f"<html><body><div class='list'>{items}</div></body></html>")
    entries = listing_entries(root, "http://x.gov.cn/col/index.html")
    assert [e.listed_date.day if e.listed_date else None for e in entries] == list(range(1, 21))
