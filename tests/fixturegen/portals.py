"""The demo portals: three county CMS sites as static files, plus sources.yaml and expected.json.

Served from demo/portals/ at http://127.0.0.1:8765/ (e.g. `python -m http.server 8765 -d demo/portals`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tests.fixturegen.docx import render_docx
from tests.fixturegen.expected import report_json, write_json
from tests.fixturegen.html import HtmlOptions, Site, article_page, zoom_body
from tests.fixturegen.pdf import PdfOptions, render_pdf
from tests.fixturegen.specs import GAOQING, HUANTAI, YIYUAN, SpecArgs, build_spec, title_of
from tests.fixturegen.text import GBK_NAMES
from tests.fixturegen.values import NumberStyle

BASE_URL = "http://127.0.0.1:8765"
GBK_PAGE = HtmlOptions(encoding="gbk", meta_charset="gb2312")
UTF8_PAGE = HtmlOptions()


@dataclass(frozen=True)
class Entry:
    """One listed article. kind: inline | pdf | docx | broken (truncated PDF) | other (not a report)."""

    kind: str
    published: dt.date
    number: int
    spec: SpecArgs | None = None
    title: str = ""  # for non-reports (reports take the spec's title)
    attach_name: str | None = None  # file name under <county>/attach/ (may be Chinese)
    pdf: PdfOptions = field(default_factory=PdfOptions)


@dataclass(frozen=True)
class County:
    slug: str
    region: tuple[str, str]
    pages: tuple[tuple[Entry, ...], ...]  # listing pages, in order
    page_opts: HtmlOptions = UTF8_PAGE


def _report(region: tuple[str, str], agency: str, year: int, template: str, seed: int, **kw: Any) -> SpecArgs:
    return SpecArgs(
        region, agency, year, template, seed=seed, published=dt.date(year + 1, 1, 10 + seed % 17), **kw
    )


_Y1 = Entry("inline", dt.date(2024, 1, 27), 1001, _report(YIYUAN, "沂源县人民政府办公室", 2023, "2021", 101))
_Y2 = Entry(
    "pdf", dt.date(2023, 1, 30), 1002,
    _report(YIYUAN, "沂源县财政局", 2022, "2021", 102, style=NumberStyle(zero="")),
    attach_name="czj2022ndbg.pdf", pdf=PdfOptions(font="ttf", header_footer=True, split_requests_at=5),
)  # fmt: skip
_Y3 = Entry("docx", dt.date(2022, 1, 28), 1003, _report(YIYUAN, "沂源县教育和体育局", 2021, "2021", 103),
            attach_name="jtj2021ndbg.docx")  # fmt: skip
_Y4 = Entry(
    "pdf", dt.date(2021, 1, 29), 1004,
    _report(YIYUAN, "沂源县人民政府", 2020, "2019", 104, procurement_unit_in_header=True, heading_variant=1),
    attach_name="沂源县人民政府2020年政府信息公开工作年度报告.pdf",
)  # fmt: skip

_N1 = Entry("other", dt.date(2023, 1, 12), 1005, title="2023年政府工作报告")
_N2 = Entry(
    "other", dt.date(2022, 12, 20), 1006, title="关于做好2022年政府信息公开工作年度报告编制发布工作的通知"
)
_N3 = Entry("other", dt.date(2023, 4, 2), 1007, title="2023年政务公开工作要点")
_N4 = Entry("other", dt.date(2023, 3, 15), 1008, title="2022年国民经济和社会发展统计公报")

# _Y4 is listed on both pages (pinned on page 1, in date order on page 2): one report.
YIYUAN_SITE = County("yiyuan", YIYUAN, ((_Y1, _N3, _N4, _Y2, _Y4), (_N1, _N2, _Y3, _Y4)))

_G1 = Entry("inline", dt.date(2018, 3, 30), 2001, _report(GAOQING, "高青县人民政府", 2017, "pre2019", 201))
_G2 = Entry(
    "docx", dt.date(2022, 1, 21), 2002,
    _report(GAOQING, "高青县人民政府办公室", 2021, "2021", 202, break_cell=("requests", "new", "total")),
    attach_name="zfb2021ndbg.docx",
)  # fmt: skip
_G3 = Entry(
    "pdf", dt.date(2021, 1, 26), 2003,
    _report(GAOQING, "高青县财政局", 2020, "2019", 203, style=NumberStyle(zero="—")),
    attach_name="czj2020ndbg.pdf",
)  # fmt: skip
_G4 = Entry(
    "broken", dt.date(2023, 1, 18), 2004, _report(GAOQING, "高青县农业农村局", 2022, "2021", 204),
    attach_name="nyncj2022.pdf",
)  # fmt: skip
GAOQING_SITE = County("gaoqing", GAOQING, ((_G4, _G2, _G3, _G1),))

_H1 = Entry(
    "inline", dt.date(2021, 1, 22), 3001,
    _report(
        HUANTAI, "桓台县人民政府办公室", 2020, "2019", 301, style=NumberStyle(zero="/"), extra_names=GBK_NAMES
    ),
)  # fmt: skip
_H2 = Entry(
    "pdf", dt.date(2024, 1, 19), 3002, _report(HUANTAI, "桓台县卫生健康局", 2023, "2021", 302),
    attach_name="wjj2023ndbg.pdf", pdf=PdfOptions(font="ttf", fake_bold=True),
)  # fmt: skip
_H3 = Entry("other", dt.date(2023, 6, 1), 3003, title="桓台县2023年政务公开工作要点")
HUANTAI_SITE = County("huantai", HUANTAI, ((_H2, _H3, _H1),), page_opts=GBK_PAGE)

COUNTIES = (YIYUAN_SITE, GAOQING_SITE, HUANTAI_SITE)


def entry_title(entry: Entry) -> str:
    if entry.spec is None:
        return entry.title
    return title_of(entry.spec.agency, entry.spec.year, entry.spec.title_suffix)


def article_path(county: County, entry: Entry) -> str:
    d = entry.published
    return f"/{county.slug}/art/{d.year}/{d.month}/{d.day}/art_1_{entry.number}.html"


def attach_href(county: County, entry: Entry) -> str:
    assert entry.attach_name is not None
    return f"/{county.slug}/attach/{quote(entry.attach_name)}"


def listing_name(page_no: int) -> str:
    return "index.html" if page_no == 1 else f"index_{page_no}.html"


def listing_page(county: County, page_no: int) -> bytes:
    entries = county.pages[page_no - 1]
    items = "\n".join(
        f'<li><a href="{article_path(county, e)}" target="_blank" title="{escape(entry_title(e))}">'
        f'{escape(entry_title(e))}</a><span class="date">{e.published.isoformat()}</span></li>'
        for e in entries
    )
    n = len(county.pages)
    links = " ".join(f'<a href="{listing_name(i)}">{i}</a>' for i in range(1, n + 1))
    prev = f'<a href="{listing_name(page_no - 1)}">上一页</a>' if page_no > 1 else "<span>上一页</span>"
    nxt = f'<a href="{listing_name(page_no + 1)}">下一页</a>' if page_no < n else "<span>下一页</span>"
    total = sum(len(p) for p in county.pages)
    pager = f'<div class="pagination">共{total}条 {page_no}/{n}页 <a href="index.html">首页</a> {prev} {links} {nxt} <a href="{listing_name(n)}">尾页</a></div>'  # noqa: E501
    site = Site(name=f"{county.region[1]}人民政府", column_url=f"/{county.slug}/col/col1/index.html")
    body = f'<ul class="list">\n{items}\n</ul>\n{pager}'
    page = article_page("政府信息公开年度报告", entry_dates_max(county), body, site, county.page_opts)
    return page.replace(b'<div id="zoom">', b'<div id="list">')


def entry_dates_max(county: County) -> dt.date:
    return max(e.published for p in county.pages for e in p)


def notice_body(title: str) -> str:
    return (
        f'<p style="text-indent:2em">{escape(title)}全文如下。</p>'
        '<p style="text-indent:2em">各镇人民政府、街道办事处，县政府各部门：'
        "现将有关事项通知如下，请认真贯彻执行。</p>"
    )


def attachment_body(county: County, entry: Entry) -> str:
    assert entry.attach_name is not None
    name = escape(entry_title(entry) + Path(entry.attach_name).suffix)
    return (
        f'<p style="text-indent:2em">{escape(entry_title(entry))}已编制完成，现予公布。</p>'
        f'<p>附件：<a href="{attach_href(county, entry)}">{name}</a></p>'
    )


def write_entry(root: Path, county: County, entry: Entry) -> dict[str, Any] | None:
    """Write the article page (and attachment); returns the expected report, None for non-reports."""
    site = Site(name=f"{county.region[1]}人民政府", column_url=f"/{county.slug}/col/col1/index.html")
    art = article_path(county, entry)
    (root / art.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
    title = entry_title(entry)
    if entry.spec is None:
        page = article_page(title, entry.published, notice_body(title), site, county.page_opts)
        (root / art.lstrip("/")).write_bytes(page)
        return None
    spec = build_spec(entry.spec)
    if entry.kind == "inline":
        page = article_page(title, entry.published, zoom_body(spec, county.page_opts), site, county.page_opts)
        (root / art.lstrip("/")).write_bytes(page)
        return {
            "article_path": art,
            "document_path": art,
            **_report_meta(entry),
            **report_json(spec, "html", None),
        }
    page = article_page(title, entry.published, attachment_body(county, entry), site, county.page_opts)
    (root / art.lstrip("/")).write_bytes(page)
    assert entry.attach_name is not None
    target = root / county.slug / "attach" / entry.attach_name
    target.parent.mkdir(parents=True, exist_ok=True)
    meta = {"article_path": art, "document_path": attach_href(county, entry), **_report_meta(entry)}
    if entry.kind == "docx":
        render_docx(spec, target)
        return {**meta, **report_json(spec, "docx", None)}
    pages = render_pdf(spec, target, entry.pdf)
    if entry.kind == "broken":
        data = target.read_bytes()
        target.write_bytes(data[: len(data) // 3])  # a download cut off mid-file
        return {**meta, **_failed(spec.title, spec.agency, spec.year)}
    return {**meta, **report_json(spec, "pdf", pages)}


def _report_meta(entry: Entry) -> dict[str, Any]:
    return {"published_date": entry.published.isoformat()}


def _failed(title: str, agency: str, year: int) -> dict[str, Any]:
    """A document that cannot be read: metadata comes from the listing title only."""
    return {
        "format": "pdf", "title": title, "agency": agency, "year": year, "template": "unknown",
        "status": "failed", "sections": [], "facts": [], "broken_identity": None,
    }  # fmt: skip


def write_county(root: Path, county: County) -> dict[str, Any]:
    reports: dict[str, dict[str, Any]] = {}
    skip: list[str] = []
    for page_no, entries in enumerate(county.pages, start=1):
        listing = root / county.slug / "col" / "col1" / listing_name(page_no)
        listing.parent.mkdir(parents=True, exist_ok=True)
        listing.write_bytes(listing_page(county, page_no))
        for entry in entries:
            art = article_path(county, entry)
            if art in reports or entry_title(entry) in skip:
                continue
            report = write_entry(root, county, entry)
            if report is None:
                skip.append(entry_title(entry))
            else:
                reports[art] = report
    return {
        "region_code": county.region[0],
        "region_name": county.region[1],
        "listing_url": f"{BASE_URL}/{county.slug}/col/col1/index.html",
        "reports": sorted(reports.values(), key=lambda r: (r["year"], r["agency"])),
        "skip_titles": skip,
    }


def sources_yaml() -> str:
    lines = [
        "# Demo sources: the static county portals in demo/portals/, served at 127.0.0.1:8765.",
        "# Generated by `python -m tests.fixturegen`; do not edit by hand.",
        "sources:",
    ]
    for county in COUNTIES:
        lines += [
            f'  - region_code: "{county.region[0]}"',
            f"    region_name: {county.region[1]}",
            "    province: 山东省",
            "    city: 淄博市",
            "    listing_urls:",
            f"      - {BASE_URL}/{county.slug}/col/col1/index.html",
            "    pause_seconds: 0",
            "    max_pages: 5",
        ]
    return "\n".join(lines) + "\n"


def root_index() -> bytes:
    links = "".join(
        f'<li><a href="/{c.slug}/col/col1/index.html">{c.region[1]}人民政府 政府信息公开年度报告</a></li>'
        for c in COUNTIES
    )
    return f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>demo portals</title></head><body><ul>{links}</ul></body></html>\n'.encode()  # noqa: E501


def write_portals(demo: Path) -> None:
    root = demo / "portals"
    root.mkdir(parents=True, exist_ok=True)
    (root / "index.html").write_bytes(root_index())
    counties = [write_county(root, c) for c in COUNTIES]
    write_json(root / "expected.json", {"base_url": BASE_URL, "counties": counties})
    (demo / "sources.yaml").write_text(sources_yaml(), encoding="utf-8")
