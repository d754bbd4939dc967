"""大汉 (Hanweb) jpage lists: records in `<script type="text/xml"><datastore>`, more via dataproxy.jsp.

The column page embeds its first records as CDATA inside `<datastore><recordset><record>`, with
`<totalrecord>` (and `<nextgroup>` naming the proxy and the column's parameters). jpage.js asks
`/module/web/jpage/dataproxy.jsp?startrecord=A&endrecord=B&perpage=N` (POST, the form holding
`col`, `appid`, `webid`, `path`, `columnid`, `sourceContentType`, `unitid`, `webname`,
`permissiontype` from the page's own jpage call) and gets the same `<datastore>` XML back.
Evidence: tests/fixtures/portals/README.md.
"""

from __future__ import annotations

import math
import re
from urllib.parse import parse_qsl, urljoin, urlsplit

from pipeline.crawl.pages import Entry, fragment_entries
from pipeline.crawl.portals import ApiCall, ListingPage, ListingRead

NAME = "hanweb-jpage"
PROXY = "/module/web/jpage/dataproxy.jsp"
_DATASTORE = re.compile(r"<datastore>(.*?)</datastore>", re.S | re.I)
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
_TOTAL = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>|totalRecord\s*[:=]\s*['\"]?(\d+)", re.I)
_PERPAGE = re.compile(r"perPage\s*[:=]\s*['\"]?(\d+)", re.I)
_GROUP = re.compile(r"groupSize\s*[:=]\s*['\"]?(\d+)", re.I)
_PROXY_URL = re.compile(r"""proxyUrl\s*[:=]\s*['"]([^'"]+)['"]""", re.I)
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[.*?href=['\"]([^'\"]+)['\"]", re.S | re.I)
_PARAM = re.compile(r"""['"]?(\w+)['"]?\s*:\s*['"]([^'"]*)['"]""")
_AJAX_PARAM = re.compile(r"ajaxParam\s*:\s*\{(.*?)\}", re.S | re.I)
_PARAMS = (
    "col",
    "appid",
    "webid",
    "path",
    "columnid",
    "sourceContentType",
    "unitid",
    "webname",
    "permissiontype",
)


def claims(page: ListingPage) -> bool:
    return "<datastore>" in page.text.lower() and ("jpage" in page.text or PROXY in page.text)


def read(page: ListingPage) -> ListingRead:
    store = _DATASTORE.search(page.text)
    entries = _records(store.group(1) if store else "", page.url)
    total = _int(_TOTAL.search(page.text))
    per_page = _int(_PERPAGE.search(page.text)) or max(
        1, len(_RECORD.findall(store.group(1) if store else ""))
    )
    step = per_page * (_int(_GROUP.search(page.text)) or 1)
    shown = len(_RECORD.findall(store.group(1))) if store else 0
    proxy = urljoin(page.url, _proxy(page.text))
    form = tuple(_column_params(page.text).items())
    calls = []
    for start in range(shown + 1, (total or 0) + 1, step):
        end = min(start + step - 1, total or 0)
        query = f"startrecord={start}&endrecord={end}&perpage={per_page}"
        calls.append(ApiCall(NAME, f"{proxy}?{query}", form=form, page=math.ceil(start / per_page)))
    return ListingRead(entries, [], calls)


def read_answer(call: ApiCall, text: str) -> ListingRead:
    store = _DATASTORE.search(text)
    return ListingRead(_records(store.group(1) if store else text, call.url))


def _records(xml: str, base_url: str) -> list[Entry]:
    entries: list[Entry] = []
    for record in _RECORD.findall(xml):
        entries.extend(fragment_entries(record, base_url, base_url))
    return entries


def _proxy(text: str) -> str:
    found = _PROXY_URL.search(text)
    return found.group(1) if found else PROXY


def _column_params(text: str) -> dict[str, str]:
    """The column's parameters: the jpage call's ajaxParam, else the nextgroup link's query."""
    params: dict[str, str] = {}
    nextgroup = _NEXTGROUP.search(text)
    if nextgroup:
        params.update(parse_qsl(urlsplit(nextgroup.group(1).replace("&amp;", "&")).query))
    ajax = _AJAX_PARAM.search(text)
    if ajax:
        params.update(_PARAM.findall(ajax.group(1)))
    return {k: v for k, v in params.items() if k in _PARAMS}


def _int(match: re.Match[str] | None) -> int | None:
    if match is None:
        return None
    value = next((g for g in match.groups() if g), None)
    return int(value) if value else None
