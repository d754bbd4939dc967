"""信息公开目录 tables: 索引号 | 信息名称 | 文件编号 | 发布日期 columns, further pages as `?pageNum=N`.

Each row is one entry: the link in the 名称 column, its own date from the 日期 column. The pager
is written by script (`共 N 页`, `javascript:goPage(2)`), so the further pages are built from the
page count and the page parameter the page uses (`pageNum` unless its script names another).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from pipeline.crawl.pages import Entry, canonical_url, to_date
from pipeline.crawl.portals import ListingPage, ListingRead

NAME = "catalog-table"
_PAGE_COUNT = re.compile(r"共\s*(\d+)\s*页|totalPage\s*[:=]\s*['\"]?(\d+)|pageCount\s*[:=]\s*['\"]?(\d+)")
_PAGE_PARAM = re.compile(r"""[?&](pageNum|pageNo|page|currentPage|pageIndex)=['"+\s]""")


def claims(page: ListingPage) -> bool:
    return _catalog_table(page.root) is not None


def read(page: ListingPage) -> ListingRead:
    table = _catalog_table(page.root)
    assert table is not None  # claims() saw it
    rows, (title_col, date_col) = table
    entries = [e for e in (_entry(row, title_col, date_col, page.url) for row in rows) if e is not None]
    return ListingRead(entries, _pages(page))


def _catalog_table(root: Any) -> tuple[list[Any], tuple[int, int | None]] | None:
    for table in root.iter("table"):
        rows = [r for r in table.iter("tr")]
        if not rows:
            continue
        header = [re.sub(r"\s+", "", c.text_content()) for c in rows[0] if c.tag in ("th", "td")]
        if any("索引号" in h for h in header) and any("名称" in h or "标题" in h for h in header):
            title_col = next(i for i, h in enumerate(header) if "名称" in h or "标题" in h)
            date_col = next((i for i, h in enumerate(header) if "日期" in h or "时间" in h), None)
            return rows[1:], (title_col, date_col)
    return None


def _entry(row: Any, title_col: int, date_col: int | None, page_url: str) -> Entry | None:
    cells = [c for c in row if c.tag in ("td", "th")]
    if len(cells) <= title_col:
        return None
    anchor = next(cells[title_col].iter("a"), None)
    href = (anchor.get("href") or "").strip() if anchor is not None else ""
    if anchor is None or not href or href.startswith(("javascript:", "#")):
        return None
    title = re.sub(r"\s+", " ", anchor.get("title") or anchor.text_content()).strip()
    date_text = cells[date_col].text_content() if date_col is not None and date_col < len(cells) else ""
    return Entry(title, canonical_url(urljoin(page_url, href)), to_date(date_text), page_url)


def _pages(page: ListingPage) -> list[str]:
    count_match = _PAGE_COUNT.search(page.root.text_content() + page.text)
    count = int(next(g for g in count_match.groups() if g)) if count_match else 1
    param_match = _PAGE_PARAM.search(page.text)
    param = param_match.group(1) if param_match else "pageNum"
    parts = urlsplit(page.url)
    query = dict(parse_qsl(parts.query))
    current = int(query.get(param, "1")) if query.get(param, "1").isdigit() else 1
    urls = [
        urlunsplit(parts._replace(query=urlencode(query | {param: str(n)}), fragment=""))
        for n in range(current + 1, count + 1)
    ]
    return urls
