"""广东 政府信息公开目录平台 (gkmlpt): a script-only column page, entries from a JSON API.

The page holds no list, only `window._CONFIG = {SID: '755031', ...}`; the column (catid) is the
listing URL's fragment (`/gkmlpt/index#2811`), 0 for all. Entries come from
`/gkmlpt/api/all/<catid>?page=N&sid=<SID>` (GET), answering
`{"total": T, "articles": [{"title", "url", "display_publish_time" | "create_time" (Unix seconds)}]}`.
Evidence: tests/fixtures/portals/README.md.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from urllib.parse import urljoin, urlsplit

from pipeline.crawl.pages import Entry, canonical_url, to_date
from pipeline.crawl.portals import ApiCall, ListingPage, ListingRead

NAME = "gkmlpt"
_SID = re.compile(r"""\bSID\s*:\s*['"]?(\d+)""")
_CATID = re.compile(r"""\b(?:CAT_ID|CATID|catId|cat_id)\s*:\s*['"]?(\d+)""")
_CHINA = dt.timezone(dt.timedelta(hours=8))


def claims(page: ListingPage) -> bool:
    return "/gkmlpt/" in page.url and "_CONFIG" in page.text and bool(_SID.search(page.text))


def read(page: ListingPage) -> ListingRead:
    sid = _SID.search(page.text)
    assert sid is not None  # claims() saw it
    fragment = urlsplit(page.url).fragment
    catid = fragment if fragment.isdigit() else _catid(page.text)
    base = urljoin(page.url, f"/{_site_prefix(page.url)}gkmlpt/api/all/{catid}")
    state = (("base", base), ("sid", sid.group(1)))
    return ListingRead(calls=[ApiCall(NAME, f"{base}?page=1&sid={sid.group(1)}", page=1, state=state)])


def read_answer(call: ApiCall, text: str) -> ListingRead:
    answer = json.loads(text)
    articles = answer.get("articles") or []
    entries = [e for e in (_entry(a, call.url) for a in articles) if e is not None]
    calls = []
    if call.page == 1 and articles:
        pages = math.ceil(int(answer.get("total") or 0) / len(articles))
        base, sid = call.state_value("base"), call.state_value("sid")
        calls = [
            ApiCall(NAME, f"{base}?page={n}&sid={sid}", page=n, state=call.state) for n in range(2, pages + 1)
        ]
    return ListingRead(entries, [], calls)


def _entry(article: dict[str, object], api_url: str) -> Entry | None:
    title, url = str(article.get("title") or "").strip(), str(article.get("url") or "").strip()
    if not title or not url:
        return None
    return Entry(title, canonical_url(urljoin(api_url, url)), _date(article), api_url)


def _date(article: dict[str, object]) -> dt.date | None:
    for key in ("display_publish_time", "publish_time", "create_time", "created_at"):
        value = article.get(key)
        if isinstance(value, int | float) and value > 0:
            return dt.datetime.fromtimestamp(value, _CHINA).date()
        if isinstance(value, str) and value:
            return to_date(value)
    return None


def _catid(text: str) -> str:
    found = _CATID.search(text)
    return found.group(1) if found else "0"


def _site_prefix(url: str) -> str:
    """A department's gkmlpt under a folder of the portal (`/szlh/gkmlpt/...`) keeps its folder."""
    path = urlsplit(url).path
    head = path.split("/gkmlpt/", 1)[0].strip("/")
    return f"{head}/" if head else ""
