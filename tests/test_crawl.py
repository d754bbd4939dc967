"""The crawler against fault-injecting portals on 127.0.0.1 (tests/faulty_portal.py).

Every portal here is written by the test itself, so the expectations (which reports exist,
their URLs, dates and bytes) come from what the test put on the portal.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from urllib.parse import quote

import pytest

from demo.portal_server import serve_directory
from pipeline.crawl.archive import Archive, manifest_path, read_manifest
from pipeline.crawl.county import CrawlError, CrawlResult, crawl_source, decode_page
from pipeline.crawl.health import health_rows, update_health
from pipeline.crawl.sources import Source
from pipeline.settings import CrawlSettings
from tests.faulty_portal import Fault, PortalState, faulty_portal, write_files

FAST = CrawlSettings(
    pause_seconds=0.0,
    retries=2,
    backoff_seconds=0.01,
    connect_timeout=5.0,
    read_timeout=10.0,  # generous: a loaded 2-core machine must not turn a normal answer into a timeout
    max_retry_after_seconds=0.05,
)
REPORT_TITLE = "沂源县人民政府办公室2019年政府信息公开工作年度报告"
REPORT_BODY = (
    "<p>一、总体情况</p><p>2019年，本机关认真贯彻落实《条例》。</p>"
    "<p>二、主动公开政府信息情况</p><table><tr><td>第二十条第（一）项</td></tr></table>"
    "<p>三、收到和处理政府信息公开申请情况</p><p>五、存在的主要问题及改进情况</p>"
)


def pdf(tag: str) -> bytes:
    return b"%PDF-1.4\n%" + tag.encode() + b"\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


DOCX = b"PK\x03\x04" + b"\x00" * 26 + b"[Content_Types].xml" + b"\x00" * 64


def html_page(title: str, body: str, charset: str = "utf-8") -> str:
    return (
        f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{title}_沂源县人民政府</title>'
        "</head><body><div class='nav'><a href='/'>首页</a><a href='/gk/'>政务公开</a></div>"
        f"{body}</body></html>"
    )


def listing(rows: list[tuple[str, str, str]], after: str = "", charset: str = "utf-8") -> str:
    items = "".join(f'<li><a href="{href}" title="{t}">{t}</a><span>{d}</span></li>' for t, href, d in rows)
    return html_page("信息公开年报", f"<ul class='list'>{items}</ul>{after}", charset)


def article(h1: str, body: str, date: str | None = "2020-01-15") -> str:
    meta = f"<div class='info'>发布日期：{date}</div>" if date else ""
    return html_page(h1, f"<h1>{h1}</h1>{meta}<div id='zoom'>{body}</div>")


def one_report_portal(root: Path, attachment: str, content: bytes, body: str = "<p>详见附件。</p>") -> None:
    """A listing with one report whose article links one attachment at `attachment`."""
    write_files(
        root,
        {
            "yy/col/index.html": listing([(REPORT_TITLE, "/yy/art/1.html", "2020-01-15")]),
            "yy/art/1.html": article(REPORT_TITLE, f'{body}<a href="{attachment}">附件</a>'),
        },
    )
    if content:
        write_files(root, {attachment.lstrip("/"): content})


def source(base: str, *paths: str, **overrides: object) -> Source:
    return Source(
        region_code="370323",
        region_name="沂源县",
        listing_urls=tuple(base + p for p in paths),
        **overrides,  # type: ignore[arg-type]
    )


def crawl(src: Source, archive: Path, settings: CrawlSettings = FAST) -> CrawlResult:
    return crawl_source(src, archive, settings)


def errors_by_stage(result: CrawlResult) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for error in result.errors:
        out.setdefault(error.stage, []).append(f"{error.url} {error.message}")
    return out


# ---- a whole portal: pagination styles, entry kinds, attachment kinds, duplicates -------

PDF_NAME = "沂源县政府办公室2019年报.pdf"
FULL_PORTAL: dict[str, str | bytes] = {
    "yy/col/index.html": listing(
        [
            (REPORT_TITLE, "/yy/art/1.html", "2020-01-15"),
            ("2019年沂源县财政局政府信息公开工…", "/yy/art/2.html", "2020-01-20"),
            ("沂源县2020年政府工作报告", "/yy/art/90.html", "2020-02-01"),
            ("关于做好2020年政府信息公开工作年度报告编制和发布工作的通知", "/yy/art/91.html", "2020-12-01"),
        ],
        after='<div class="page"><a href="index_2.html">下一页</a></div>',
    ),
    "yy/col/index_2.html": listing(
        [
            ("2019年沂源县教育局政府信息公开工作年度报告", "/yy/art/3.html", "2020-01-21"),
            ("沂源县2019年度政务公开年度报告（下载）", "/yy/download?id=7", "2020-01-22"),
            ("2020年政务公开工作要点", "/yy/art/92.html", "2020-03-01"),
        ],
        after='<div class="page"><a href="index.html">1</a><a href="index_2.html">2</a>'
        '<a href="index_3.html">3</a></div>',
    ),
    "yy/col/index_3.html": listing(
        [
            ("沂源县人民政府办公室2019年政府信息公开工作年度报告（转载）", "/yy/art/4.html", "2020-01-23"),
            ("沂源县卫生健康局2019年政府信息公开工作年度报告", "/yy/art/5.html", "2020-01-24"),
            ("沂源县2019年国民经济和社会发展统计公报", "/yy/art/93.html", "2020-03-02"),
            ("2021年政务公开工作要…", "/yy/art/94.html", "2021-03-02"),  # cut: only the <h1> tells
        ],
        after='<div class="page"><a href="index.html">下一页</a></div>',  # loops back to page 1
    ),
    "yy/art/1.html": article(
        REPORT_TITLE, f'<p>见附件</p><a href="/yy/attach/{quote(PDF_NAME)}">{PDF_NAME}</a>'
    ),
    "yy/art/2.html": article("2019年沂源县财政局政府信息公开工作年度报告", REPORT_BODY, date=None),
    "yy/art/3.html": article(
        "2019年沂源县教育局政府信息公开工作年度报告",
        '<a href="/yy/attach/教育局年报.docx">教育局2019年年报.docx</a>',
        date="2020-01-21",
    ),
    "yy/art/4.html": article("转载", f'<a href="/yy/attach/{quote(PDF_NAME)}">附件</a>'),  # same URL
    "yy/art/5.html": article("卫健局", '<a href="/yy/attach/copy.pdf">附件</a>'),  # same bytes
    "yy/art/94.html": article("2021年政务公开工作要点", "<p>一、总体要求</p>"),
    f"yy/attach/{PDF_NAME}": pdf("office-2019"),
    "yy/attach/教育局年报.docx": DOCX,
    "yy/attach/copy.pdf": pdf("office-2019"),
}
DOWNLOAD_FAULT = Fault(
    "raw",
    body=pdf("download-2019"),
    headers={
        "Content-Type": "application/octet-stream",
        "Content-Disposition": "attachment; filename*=UTF-8''" + quote("沂源县2019年度政务公开年度报告.pdf"),
        "ETag": '"download-7"',
    },
)


@pytest.fixture
def full_portal(tmp_path: Path):  # type: ignore[no-untyped-def]
    write_files(tmp_path / "www", FULL_PORTAL)
    with faulty_portal(tmp_path / "www") as (base, state):
        state.faults["/yy/download"] = DOWNLOAD_FAULT
        yield base, state


def test_full_portal_finds_every_report_once(full_portal: tuple[str, PortalState], tmp_path: Path) -> None:
    base, state = full_portal
    result = crawl(source(base, "/yy/col/index.html"), tmp_path / "archive")

    docs = {d.document_url.removeprefix(base): d for d in result.documents}
    pdf_url = f"/yy/attach/{quote(PDF_NAME)}"
    docx_url = "/yy/attach/" + quote("教育局年报.docx")
    assert set(docs) == {pdf_url, "/yy/art/2.html", docx_url, "/yy/download?id=7"}
    assert [docs[u].format for u in (pdf_url, "/yy/art/2.html", docx_url, "/yy/download?id=7")] == [
        "pdf",
        "html",
        "docx",
        "pdf",
    ]
    assert docs[pdf_url].title == REPORT_TITLE
    assert docs[pdf_url].published_date == dt.date(2020, 1, 15)
    assert docs[pdf_url].source_url == base + "/yy/art/1.html"
    inline = docs["/yy/art/2.html"]
    assert inline.title == "2019年沂源县财政局政府信息公开工作年度报告"  # cut title resolved from <h1>
    assert inline.published_date == dt.date(2020, 1, 20)  # from the listing row
    assert inline.source_url == inline.document_url
    assert docs["/yy/download?id=7"].path.read_bytes() == pdf("download-2019")
    for doc in result.documents:
        assert doc.path == tmp_path / "archive" / "objects" / doc.sha256[:2] / doc.sha256
        assert not doc.not_modified and doc.error is None
    assert sorted(t for t, _ in result.skipped) == sorted(
        [
            "沂源县2020年政府工作报告",
            "关于做好2020年政府信息公开工作年度报告编制和发布工作的通知",
            "2020年政务公开工作要点",
            "沂源县2019年国民经济和社会发展统计公报",
            "2021年政务公开工作要点",
        ]
    )
    assert result.listing_ok and result.errors == []
    assert result.documents_downloaded == 4
    # each listing page fetched once although page 3 links back to page 1
    assert [state.hits[f"/yy/col/{p}"] for p in ("index.html", "index_2.html", "index_3.html")] == [1, 1, 1]
    assert state.hits[pdf_url] == 1  # linked from two articles, downloaded once
    assert all(ua.startswith("nianbao/") for ua in state.user_agents)


def test_second_crawl_of_unchanged_portal_downloads_nothing(
    full_portal: tuple[str, PortalState], tmp_path: Path
) -> None:
    base, state = full_portal
    src = source(base, "/yy/col/index.html")
    first = crawl(src, tmp_path / "archive")
    second = crawl(src, tmp_path / "archive")

    assert second.documents_downloaded == 0
    by_url = {d.document_url: d for d in second.documents}
    for doc in first.documents:
        again = by_url[doc.document_url]
        assert again.sha256 == doc.sha256 and again.not_modified
        assert again.fetched_at == doc.fetched_at
    assert state.conditional_hits["/yy/col/index.html"] == 1
    objects = list((tmp_path / "archive" / "objects").rglob("*"))
    files = [p for p in objects if p.is_file()]
    assert len(files) == len({p.name for p in files})  # each body stored once


def test_archive_rebuilds_the_crawl_offline(tmp_path: Path) -> None:
    write_files(tmp_path / "www", FULL_PORTAL)
    with faulty_portal(tmp_path / "www") as (base, state):
        state.faults["/yy/download"] = DOWNLOAD_FAULT
        src = source(base, "/yy/col/index.html")
        live = crawl(src, tmp_path / "archive")
    # the server is gone: everything below comes from the archive
    replay = crawl(src, tmp_path / "archive", CrawlSettings(offline=True, pause_seconds=0))

    def summary(result: CrawlResult) -> list[tuple[object, ...]]:
        return [
            (d.document_url, d.sha256, d.title, d.format, d.published_date, d.fetched_at)
            for d in result.documents
        ]

    assert replay.listing_ok and replay.errors == [] and replay.documents_downloaded == 0
    assert summary(replay) == summary(live)
    assert sorted(replay.skipped) == sorted(live.skipped)
    empty = crawl(src, tmp_path / "empty-archive", CrawlSettings(offline=True))
    assert not empty.listing_ok and "offline" in empty.errors[0].message


def test_manifest_rows_and_torn_last_line(full_portal: tuple[str, PortalState], tmp_path: Path) -> None:
    base, _state = full_portal
    archive_dir = tmp_path / "archive"
    crawl(source(base, "/yy/col/index.html"), archive_dir)
    manifest = manifest_path(archive_dir, "370323")
    rows = list(read_manifest(manifest))
    listing_row = next(r for r in rows if r.url == base + "/yy/col/index.html")
    assert listing_row.status == 200 and listing_row.etag and listing_row.last_modified
    assert listing_row.content_type == "text/html; charset=utf-8"
    assert listing_row.size == len(FULL_PORTAL["yy/col/index.html"].encode())  # type: ignore[union-attr]
    with manifest.open("ab") as fh:
        fh.write(b'{"url": "http://torn')  # a crash mid-row
    archive = Archive(archive_dir, "370323")  # reads past the torn line ...
    archive.store_bytes(b"x")
    second = crawl(source(base, "/yy/col/index.html"), archive_dir)  # ... and appends after it
    assert second.documents_downloaded == 0
    lines = manifest.read_bytes().splitlines()
    assert sum(1 for line in lines if line.startswith(b'{"url": "http://torn')) == 1
    assert all(json.loads(line) for line in lines if not line.startswith(b'{"url": "http://torn'))


# ---- one fault each ---------------------------------------------------------------------


def test_500_then_success_is_retried(tmp_path: Path) -> None:
    one_report_portal(tmp_path / "www", "/yy/a.pdf", pdf("a"))
    with faulty_portal(tmp_path / "www") as (base, state):
        state.faults["/yy/a.pdf"] = Fault("status", status=500, times=2)
        result = crawl(source(base, "/yy/col/index.html"), tmp_path / "archive")
    assert [d.document_url for d in result.documents] == [base + "/yy/a.pdf"]
    assert state.hits["/yy/a.pdf"] == 3 and result.errors == []


def test_retry_after_is_honoured_then_success(tmp_path: Path) -> None:
    one_report_portal(tmp_path / "www", "/yy/a.pdf", pdf("a"))
    with faulty_portal(tmp_path / "www") as (base, state):
        state.faults["/yy/a.pdf"] = Fault("status", status=503, times=1, headers={"Retry-After": "30"})
        result = crawl(source(base, "/yy/col/index.html"), tmp_path / "archive")
    assert len(result.documents) == 1 and state.hits["/yy/a.pdf"] == 2


def test_404_is_terminal_and_recorded(tmp_path: Path) -> None:
    one_report_portal(tmp_path / "www", "/yy/missing.pdf", b"")
    with faulty_portal(tmp_path / "www") as (base, state):
        result = crawl(source(base, "/yy/col/index.html"), tmp_path / "archive")
    assert result.documents == []
    assert errors_by_stage(result) == {"document": [base + "/yy/missing.pdf HTTP 404"]}
    assert state.hits["/yy/missing.pdf"] == 1  # no retry


def test_slow_response_times_out_after_retries(tmp_path: Path) -> None:
    one_report_portal(tmp_path / "www", "/yy/a.pdf", pdf("a"))
    settings = CrawlSettings(pause_seconds=0, retries=1, backoff_seconds=0.01, read_timeout=1.0)
    with faulty_portal(tmp_path / "www") as (base, state):
        state.faults["/yy/a.pdf"] = Fault("slow", seconds=4.0)
        result = crawl(source(base, "/yy/col/index.html"), tmp_path / "archive", settings)
    assert result.documents == []
    (message,) = errors_by_stage(result)["document"]
    assert "timed out" in message and "after 2 attempts" in message
    assert state.hits["/yy/a.pdf"] == 2


def test_connection_reset_is_retried(tmp_path: Path) -> None:
    one_report_portal(tmp_path / "www", "/yy/a.pdf", pdf("a"))
    with faulty_portal(tmp_path / "www") as (base, state):
        state.faults["/yy/a.pdf"] = Fault("reset", times=1)
        result = crawl(source(base, "/yy/col/index.html"), tmp_path / "archive")
        state.faults["/yy/b.pdf"] = Fault("reset")
    assert len(result.documents) == 1 and state.hits["/yy/a.pdf"] == 2 and result.errors == []


def test_connection_reset_every_time_is_an_error(tmp_path: Path) -> None:
    one_report_portal(tmp_path / "www", "/yy/a.pdf", pdf("a"))
    with faulty_portal(tmp_path / "www") as (base, state):
        state.faults["/yy/a.pdf"] = Fault("reset")
        result = crawl(source(base, "/yy/col/index.html"), tmp_path / "archive")
    assert result.documents == []
    (message,) = errors_by_stage(result)["document"]
    assert "connection failed" in message
    assert state.hits["/yy/a.pdf"] == FAST.retries + 1


def test_redirect_loop_is_refused(tmp_path: Path) -> None:
    one_report_portal(tmp_path / "www", "/yy/a.pdf", b"")
    with faulty_portal(tmp_path / "www") as (base, state):
        state.faults["/yy/a.pdf"] = Fault("redirect", location="/yy/b.pdf")
        state.faults["/yy/b.pdf"] = Fault("redirect", location=base + "/yy/a.pdf")
        result = crawl(source(base, "/yy/col/index.html"), tmp_path / "archive")
    (message,) = errors_by_stage(result)["document"]
    assert "redirect loop" in message
    assert state.hits["/yy/a.pdf"] == 1 and state.hits["/yy/b.pdf"] == 1


def test_redirect_to_another_host_is_refused(tmp_path: Path) -> None:
    one_report_portal(tmp_path / "www", "/yy/a.pdf", b"")
    write_files(tmp_path / "evil", {"a.pdf": pdf("evil")})
    with (
        faulty_portal(tmp_path / "evil") as (other, other_state),
        faulty_portal(tmp_path / "www") as (base, state),
    ):
        state.faults["/yy/a.pdf"] = Fault("redirect", location=other + "/a.pdf")
        result = crawl(source(base, "/yy/col/index.html"), tmp_path / "archive")
    assert result.documents == []
    (message,) = errors_by_stage(result)["document"]
    assert "refused" in message and other.removeprefix("http://") in message
    assert sum(other_state.hits.values()) == 0


def test_html_served_as_pdf_is_an_error_not_a_document(tmp_path: Path) -> None:
    error_page = b"<!DOCTYPE html><html><body>404 file not found</body></html>"
    one_report_portal(tmp_path / "www", "/yy/a.pdf", error_page)
    with faulty_portal(tmp_path / "www") as (base, _state):
        result = crawl(source(base, "/yy/col/index.html"), tmp_path / "archive")
    assert result.documents == []
    (message,) = errors_by_stage(result)["document"]
    assert "declared pdf" in message and "HTML" in message


def test_document_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    one_report_portal(tmp_path / "www", "/yy/big.pdf", pdf("big") + b"0" * 5000)
    settings = CrawlSettings(pause_seconds=0, max_document_bytes=1000)
    with faulty_portal(tmp_path / "www") as (base, _state):
        result = crawl(source(base, "/yy/col/index.html"), tmp_path / "archive", settings)
    assert result.documents == []
    assert "too large" in errors_by_stage(result)["document"][0]


@pytest.mark.parametrize("declared_in", ["header", "meta"])
def test_gbk_listing_pages_are_decoded(tmp_path: Path, declared_in: str) -> None:
    charset = "gb2312" if declared_in == "meta" else "utf-8"  # header case: meta is wrong on purpose
    page = listing([(REPORT_TITLE, "/yy/art/1.html", "2020-01-15")], charset=charset)
    write_files(tmp_path / "www", {"yy/col/index.html": page}, encoding="gbk")
    if declared_in == "header":
        write_files(tmp_path / "www", {"yy/col/index.html.charset": "GBK"})
    write_files(tmp_path / "www", {"yy/art/1.html": article(REPORT_TITLE, '<a href="/yy/a.pdf">附件</a>')})
    write_files(tmp_path / "www", {"yy/a.pdf": pdf("a")})
    with faulty_portal(tmp_path / "www") as (base, _state):
        result = crawl(source(base, "/yy/col/index.html"), tmp_path / "archive")
    assert [d.title for d in result.documents] == [REPORT_TITLE]
    rows = read_manifest(manifest_path(tmp_path / "archive", "370323"))
    row = next(r for r in rows if r.url.endswith("index.html"))
    assert row.content_type == (
        "text/html; charset=GBK" if declared_in == "header" else "text/html; charset=gb2312"
    )


def test_decode_page_maps_gb_names_to_gb18030() -> None:
    text = "𠀀 沂源"  # a character outside GBK, present in GB 18030
    assert decode_page(text.encode("gb18030"), "text/html; charset=gb2312") == text
    assert decode_page(b"<meta charset=gbk>" + text.encode("gb18030"), None).endswith(text)


def test_robots_txt_disallowed_path_is_not_fetched(tmp_path: Path) -> None:
    one_report_portal(tmp_path / "www", "/private/a.pdf", pdf("a"))
    write_files(tmp_path / "www", {"robots.txt": "User-agent: *\nDisallow: /private/\n"})
    with faulty_portal(tmp_path / "www") as (base, state):
        result = crawl(source(base, "/yy/col/index.html"), tmp_path / "archive")
        crawl(source(base, "/yy/col/index.html"), tmp_path / "archive2")
    assert errors_by_stage(result) == {
        "robots": [f"{base}/private/a.pdf disallowed by robots.txt: {base}/private/a.pdf"]
    }
    assert state.hits["/private/a.pdf"] == 0
    assert state.hits["/robots.txt"] == 2  # once per host per crawl


def test_pagination_cap_stops_an_endless_listing(tmp_path: Path) -> None:
    pages = {
        f"yy/col/index_{n}.html": listing([], after=f'<a href="index_{n + 1}.html">下一页</a>')
        for n in range(1, 30)
    }
    write_files(tmp_path / "www", pages)
    with faulty_portal(tmp_path / "www") as (base, state):
        result = crawl(source(base, "/yy/col/index_1.html", max_pages=4), tmp_path / "archive")
    assert sum(state.hits.values()) - state.hits["/robots.txt"] == 4
    assert result.pages_fetched == 4


@pytest.mark.parametrize("limit", [1, 2])
def test_concurrency_per_host_is_limited(tmp_path: Path, limit: int) -> None:
    rows = [
        (f"沂源县部门{n}2019年政府信息公开工作年度报告", f"/yy/art/{n}.html", "2020-01-15") for n in range(6)
    ]
    files: dict[str, str | bytes] = {"yy/col/index.html": listing(rows)}
    for n in range(6):
        files[f"yy/art/{n}.html"] = article(rows[n][0], f'<a href="/yy/{n}.pdf">附件</a>')
        files[f"yy/{n}.pdf"] = pdf(str(n))
    write_files(tmp_path / "www", files)
    with faulty_portal(tmp_path / "www") as (base, state):
        state.request_delay = 0.03
        result = crawl(source(base, "/yy/col/index.html", max_concurrency=limit), tmp_path / "archive")
    assert len(result.documents) == 6
    assert state.max_in_flight == limit


def test_failed_document_falls_back_to_the_archived_copy(tmp_path: Path) -> None:
    one_report_portal(tmp_path / "www", "/yy/a.pdf", pdf("a"))
    with faulty_portal(tmp_path / "www") as (base, state):
        first = crawl(source(base, "/yy/col/index.html"), tmp_path / "archive")
        state.faults["/yy/a.pdf"] = Fault("status", status=500)
        second = crawl(source(base, "/yy/col/index.html"), tmp_path / "archive")
    (old,) = first.documents
    (kept,) = second.documents
    assert kept.path == old.path and kept.sha256 == old.sha256 and kept.fetched_at == old.fetched_at
    assert kept.error is not None and "HTTP 500" in kept.error
    assert [e.stage for e in second.errors] == ["document"]


def test_portal_down_means_listing_not_ok(tmp_path: Path) -> None:
    write_files(tmp_path / "www", {"robots.txt": ""})
    with faulty_portal(tmp_path / "www") as (base, state):
        state.faults["/yy/col/index.html"] = Fault("status", status=502)
        result = crawl(source(base, "/yy/col/index.html"), tmp_path / "archive")
    assert result.listing_ok is False and result.documents == []
    assert [e.stage for e in result.errors] == ["listing"]


def test_health_counts_failures_and_successes(tmp_path: Path) -> None:
    path = tmp_path / "health.json"
    src = Source("370323", "沂源县", ("http://127.0.0.1:1/",))
    down = CrawlResult("370323", listing_ok=False)
    update_health(path, "370323", down)
    update_health(path, "370323", down)
    (row,) = health_rows(path, [src])
    assert row["consecutive_failures"] == 2 and row["last_success"] is None
    update_health(path, "370323", CrawlResult("370323"))
    (row,) = health_rows(path, [src])
    assert row["consecutive_failures"] == 0 and row["last_success"] is not None


def test_serve_directory_answers_conditional_requests(tmp_path: Path) -> None:
    import httpx

    write_files(tmp_path, {"a/index.html": html_page("t", "<p>x</p>"), "a/r.pdf": pdf("r")})
    with serve_directory(tmp_path) as base:
        first = httpx.get(base + "/a/")
        again = httpx.get(base + "/a/index.html", headers={"If-None-Match": first.headers["etag"]})
        since = httpx.get(base + "/a/r.pdf", headers={"If-Modified-Since": first.headers["last-modified"]})
        outside = httpx.get(base + "/../etc/passwd")
    assert first.status_code == 200 and first.headers["content-type"] == "text/html; charset=utf-8"
    assert again.status_code == 304 and since.status_code == 304
    assert outside.status_code == 404
    assert threading.active_count() >= 1


# ---- nothing hangs: odd bodies, trickling servers, the county's time limit (issue 11) -------


def crawl_in_thread(src: Source, archive: Path, settings: CrawlSettings = FAST) -> CrawlResult:
    """The crawl, with a generous guard so a hang fails the test instead of blocking the suite."""
    box: list[CrawlResult] = []
    worker = threading.Thread(target=lambda: box.append(crawl(src, archive, settings)), daemon=True)
    worker.start()
    worker.join(120)
    assert not worker.is_alive(), "the crawl hung"
    assert box, "the crawl raised instead of recording the error"
    return box[0]


def test_a_body_that_lies_about_its_content_encoding_linked_twice_is_a_failed_document(
    tmp_path: Path,
) -> None:
    second = "沂源县财政局2019年政府信息公开工作年度报告"
    write_files(
        tmp_path / "www",
        {
            "yy/col/index.html": listing(
                [(REPORT_TITLE, "/yy/art/1.html", "2020-01-15"), (second, "/yy/art/2.html", "2020-01-16")]
            ),
            "yy/art/1.html": article(REPORT_TITLE, '<a href="/yy/a.pdf">附件</a>'),
            "yy/art/2.html": article(second, '<a href="/yy/a.pdf">附件</a>'),
        },
    )
    with faulty_portal(tmp_path / "www") as (base, state):
        state.faults["/yy/a.pdf"] = Fault(
            "raw", body=b"not gzip", headers={"Content-Type": "application/pdf", "Content-Encoding": "gzip"}
        )
        result = crawl_in_thread(source(base, "/yy/col/index.html"), tmp_path / "archive")
    (failed,) = result.failed
    assert (failed.document_url, failed.stage) == (base + "/yy/a.pdf", "fetch")
    assert "does not match its Content-Encoding" in failed.message
    assert [e.url for e in result.errors] == [base + "/yy/a.pdf"]
    assert state.hits["/yy/a.pdf"] == 1


def test_a_server_trickling_a_body_is_cut_off_at_the_request_time_limit(tmp_path: Path) -> None:
    one_report_portal(tmp_path / "www", "/yy/a.pdf", b"")
    settings = CrawlSettings(pause_seconds=0.0, retries=0, read_timeout=10.0, request_seconds=3.0)
    with faulty_portal(tmp_path / "www") as (base, state):
        state.faults["/yy/a.pdf"] = Fault("trickle", body=pdf("slow") * 4, seconds=0.1)
        result = crawl_in_thread(source(base, "/yy/col/index.html"), tmp_path / "archive", settings)
    (failed,) = result.failed
    assert failed.stage == "fetch" and "still arriving at the time limit" in failed.message


def test_no_request_starts_after_the_county_crawl_time_limit(tmp_path: Path) -> None:
    rows = [(f"沂源县第{i}局2019年政府信息公开工作年度报告", f"/yy/{i}.pdf", "2020-01-15") for i in range(6)]
    write_files(tmp_path / "www", {"yy/col/index.html": listing(rows)})
    write_files(tmp_path / "www", {f"yy/{i}.pdf": pdf(str(i)) for i in range(6)})
    settings = CrawlSettings(pause_seconds=0.0, retries=0, county_seconds=4.0, max_concurrency_per_host=1)
    with faulty_portal(tmp_path / "www") as (base, state):
        for i in range(6):
            state.faults[f"/yy/{i}.pdf"] = Fault("slow", seconds=1.5)
        result = crawl_in_thread(source(base, "/yy/col/index.html"), tmp_path / "archive", settings)
    late = [f for f in result.failed if "crawl time limit" in f.message]
    assert late and len(result.documents) + len(result.failed) == 6
    cut = [f for f in result.failed if "still arriving at the time limit" in f.message]
    assert len(late) + len(cut) == len(result.failed)  # refused before starting, or cut off in flight
    assert sum(state.hits[f"/yy/{i}.pdf"] for i in range(6)) == len(result.documents) + len(cut)


def test_robots_txt_wildcards_and_the_longest_match_are_read_as_rfc_9309_says(tmp_path: Path) -> None:
    paths = ["/yy/a.pdf", "/yy/a.pdf?x=1", "/yy/keep/b.pdf", "/yy/c.docx"]
    rows = [(f"沂源县第{i}局2019年政府信息公开工作年度报告", p, "2020-01-15") for i, p in enumerate(paths)]
    write_files(tmp_path / "www", {"yy/col/index.html": listing(rows), "yy/keep/b.pdf": pdf("b")})
    write_files(tmp_path / "www", {"yy/a.pdf": pdf("a"), "yy/c.docx": DOCX})
    robots = "User-agent: *\nDisallow: /*.pdf$\nAllow: /yy/keep/\nDisallow: /yy/c.\n"
    write_files(tmp_path / "www", {"robots.txt": robots})
    with faulty_portal(tmp_path / "www") as (base, state):
        result = crawl(source(base, "/yy/col/index.html"), tmp_path / "archive")
    assert sorted(d.document_url.removeprefix(base) for d in result.documents) == [
        "/yy/a.pdf?x=1",
        "/yy/keep/b.pdf",
    ]  # `$` ends the pattern; the longer Allow wins over `/*.pdf$`; a plain prefix still refuses
    assert {e.url.removeprefix(base) for e in errors_by_stage_list(result, "robots")} == {
        "/yy/a.pdf",
        "/yy/c.docx",
    }
    assert state.hits["/yy/a.pdf"] == 1 and state.hits["/yy/c.docx"] == 0  # the 1: `?x=1`


def errors_by_stage_list(result: CrawlResult, stage: str) -> list[CrawlError]:
    return [e for e in result.errors if e.stage == stage]


# ---- platform listings, charset detection, robots.txt redirects (issue 18) ------------------

PORTALS = Path(__file__).parent / "fixtures" / "portals"


@pytest.mark.parametrize("name", ["hanweb", "trs_dynamic", "gkmlpt"])
def test_platform_api_answers_are_archived_and_replayed_offline(tmp_path: Path, name: str) -> None:
    from tests.faulty_portal import fixture_portal

    want = json.loads((PORTALS / name / "expected.json").read_text(encoding="utf-8"))
    with fixture_portal(PORTALS / name) as (base, state):
        src = source(base, want["listing"])
        live = crawl(src, tmp_path / "archive")
    assert sum(state.methods.values()) == want["api_pages"]
    replay = crawl(src, tmp_path / "archive", CrawlSettings(offline=True, pause_seconds=0))
    assert replay.listing_ok and replay.errors == []
    assert [d.source_url for d in replay.documents] == [d.source_url for d in live.documents]
    assert {d.source_url.removeprefix(base) for d in live.documents} == {r["url"] for r in want["reports"]}


def test_decode_page_detects_a_charset_nobody_declared() -> None:
    text = "<p>臺灣政府資訊公開年度報告，本機關認真貫徹落實條例，主動公開政府資訊。</p>"
    assert decode_page(text.encode("big5"), "text/html") == text  # a fixed GB guess garbles it
    assert decode_page(text.encode("gb18030"), None) == text


@pytest.mark.parametrize(("hops", "fetched"), [(1, False), (5, False), (6, True)])
def test_robots_txt_redirects_are_followed_up_to_five(tmp_path: Path, hops: int, fetched: bool) -> None:
    one_report_portal(tmp_path / "www", "/private/a.pdf", pdf("a"))
    write_files(tmp_path / "www", {"real/robots.txt": "User-agent: *\nDisallow: /private/\n"})
    with faulty_portal(tmp_path / "www") as (base, state):
        chain = ["/robots.txt", *(f"/hop{n}" for n in range(1, hops))]
        for here, there in zip(chain, [*chain[1:], "/real/robots.txt"], strict=True):
            state.faults[here] = Fault("redirect", location=there)
        result = crawl(source(base, "/yy/col/index.html"), tmp_path / "archive")
    assert state.hits["/private/a.pdf"] == int(fetched)  # past five redirects: unavailable, allow all
    assert result.listing_ok and state.hits["/yy/col/index.html"] == 1


def test_a_list_api_without_a_count_in_the_page_is_followed_by_the_totals_it_answers(tmp_path: Path) -> None:
    import shutil

    from tests.faulty_portal import fixture_portal

    shutil.copytree(PORTALS / "trs_dynamic", tmp_path / "portal")
    index = tmp_path / "portal" / "site" / "zwgk" / "ndbg" / "index.html"
    page = index.read_text(encoding="utf-8")
    index.write_text(page.replace(" var totalCount = 13;", ""), encoding="utf-8")
    want = json.loads((PORTALS / "trs_dynamic" / "expected.json").read_text(encoding="utf-8"))
    with fixture_portal(tmp_path / "portal") as (base, state):
        result = crawl(source(base, want["listing"]), tmp_path / "archive")
    assert "totalCount" not in index.read_text(encoding="utf-8")
    assert {d.source_url.removeprefix(base) for d in result.documents} == {r["url"] for r in want["reports"]}
    assert sum(state.methods.values()) == want["api_pages"]  # page 2 answers the total; page 3 ends it


def test_a_list_api_on_another_host_is_refused(tmp_path: Path) -> None:
    import shutil

    from tests.faulty_portal import fixture_portal

    shutil.copytree(PORTALS / "hanweb", tmp_path / "portal")
    with fixture_portal(tmp_path / "portal") as (other, other_state):
        index = tmp_path / "portal" / "site" / "col" / "col4407" / "index.html"
        page = index.read_text(encoding="utf-8")
        index.write_text(page.replace("proxyUrl:'/module", f"proxyUrl:'{other}/module"), encoding="utf-8")
        with fixture_portal(tmp_path / "portal") as (base, _state):
            result = crawl(source(base, "/col/col4407/index.html"), tmp_path / "archive")
    assert sum(other_state.methods.values()) == 0
    refused = [e for e in result.errors if e.stage == "listing" and "refused" in e.message]
    assert len(refused) == 2 and all(e.url.startswith(other) for e in refused)
    assert len(result.documents) == 4  # the page's own five records (one of them noise)
