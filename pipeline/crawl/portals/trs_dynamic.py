"""TRS "动静结合" lists (福建's provincial platform among them): a static first page, the rest from a
JSON list/search API that the page's own script calls.

The page's script holds the call: `$.ajax({url: "/ssp/search/api/apiSearch", type: "POST",
data: {siteId: "…", sourceType: "…", page: pageNo, rows: pageSize, …}})`, with `var pageSize = N`
and `var totalCount = T`; the answer is `{"total": T, "datas": [{"_doctitle", "docpuburl",
"docreltime"}, …]}`. The static page is page 1; pages 2 … ⌈T / N⌉ come only from the API.
Evidence: tests/fixtures/portals/README.md.
"""

from __future__ import annotations

import json
import math
import re
from urllib.parse import unquote_plus, urlencode, urljoin

from pipeline.crawl.pages import Entry, canonical_url, listing_entries, pagination_links, to_date
from pipeline.crawl.portals import ApiCall, ListingPage, ListingRead

NAME = "trs-dynamic"
_AJAX = re.compile(
    r"""url\s*:\s*['"]([^'"]*(?:/api/|/search/)[^'"]*)['"](.*?)data\s*:\s*\{(.*?)\}""", re.S | re.I
)
_TYPE = re.compile(r"""type\s*:\s*['"](post|get)['"]""", re.I)
_PAIR = re.compile(r"""['"]?(\w+)['"]?\s*:\s*(['"][^'"]*['"]|[\w.]+)""")
_SIZE_KEYS = ("rows", "datas", "pageSize", "pagesize", "size", "perPage", "limit")
_TOTAL_NAMES = ("totalCount", "total", "recordCount", "totalRecord")
_TITLE_KEYS = ("_doctitle", "doctitle", "docTitle", "title")
_URL_KEYS = ("docpuburl", "docPubUrl", "url", "link")
_DATE_KEYS = ("docreltime", "docRelTime", "pubDate", "publishTime", "time", "date")


def claims(page: ListingPage) -> bool:
    """A list call: an API URL whose data names a page size (a visit counter's call does not)."""
    ajax = _AJAX.search(page.text)
    return ajax is not None and any(k in _params(ajax.group(3), page.text)[0] for k in _SIZE_KEYS)


def read(page: ListingPage) -> ListingRead:
    ajax = _AJAX.search(page.text)
    assert ajax is not None  # claims() saw it
    method = _TYPE.search(ajax.group(2) + ajax.group(3))
    post = method is None or method.group(1).lower() == "post"
    params, page_key = _params(ajax.group(3), page.text)
    size = int(next((params[k] for k in _SIZE_KEYS if k in params), "0") or 0)
    total = _var(page.text, _TOTAL_NAMES)
    state: tuple[tuple[str, str], ...] = (("url", urljoin(page.url, ajax.group(1))), ("page_key", page_key))
    state += (("post", "1" if post else ""),)
    state += (("params", urlencode(params)), ("size", str(size)), ("chained", "" if total else "1"))
    entries = listing_entries(page.root, page.url)
    last = math.ceil(total / size) if total is not None and size else 2
    pages = pagination_links(page.root, page.url)  # a static pager, if the page has one too
    return ListingRead(entries, pages, [_call(state, n) for n in range(2, last + 1)])


def read_answer(call: ApiCall, text: str) -> ListingRead:
    answer = json.loads(text)
    items = answer.get("datas") or answer.get("data") or answer.get("list") or []
    if isinstance(items, dict):
        items = items.get("list") or items.get("datas") or []
    entries = [e for e in (_entry(item, call.url) for item in items if isinstance(item, dict)) if e]
    calls: list[ApiCall] = []
    size = int(call.state_value("size") or 0) or len(items)
    total = answer.get("total") or answer.get("totalCount")
    if call.state_value("chained") and items and total and size and call.page * size < int(total):
        calls.append(_call(call.state, call.page + 1))
    return ListingRead(entries, [], calls)


def _call(state: tuple[tuple[str, str], ...], page: int) -> ApiCall:
    values = dict(state)
    params = dict(re.findall(r"([^&=]+)=([^&]*)", values["params"]))
    form = {unquote_plus(k): unquote_plus(v) for k, v in params.items()} | {values["page_key"]: str(page)}
    if values["post"]:
        return ApiCall(NAME, values["url"], form=tuple(form.items()), page=page, state=state)
    return ApiCall(NAME, f"{values['url']}?{urlencode(form)}", page=page, state=state)


def _params(block: str, text: str) -> tuple[dict[str, str], str]:
    """The call's constant parameters, and the name of its page-number parameter."""
    params: dict[str, str] = {}
    page_key = "page"
    for key, value in _PAIR.findall(block):
        if value[0] in "'\"":
            params[key] = value[1:-1]
        elif value.isdigit():
            params[key] = value
        elif (known := _var(text, (value,))) is not None:
            params[key] = str(known)
        else:
            page_key = key  # the one parameter the script fills in per page
    return params, page_key


def _var(text: str, names: tuple[str, ...]) -> int | None:
    for name in names:
        found = re.search(rf"\bvar\s+{re.escape(name)}\s*=\s*['\"]?(\d+)", text)
        if found:
            return int(found.group(1))
    return None


def _entry(item: dict[str, object], api_url: str) -> Entry | None:
    title = next((str(item[k]) for k in _TITLE_KEYS if item.get(k)), "")
    url = next((str(item[k]) for k in _URL_KEYS if item.get(k)), "")
    if not title or not url:
        return None
    date = to_date(next((str(item[k]) for k in _DATE_KEYS if item.get(k)), ""))
    title = re.sub(r"<[^>]+>", "", title).strip()  # search APIs mark hits with <em>
    return Entry(title, canonical_url(urljoin(api_url, url)), date, api_url)
