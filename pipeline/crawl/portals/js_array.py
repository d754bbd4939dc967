"""Lists shipped as a JavaScript array literal: `var itemObj = [{title: "…", url: "…", date: "…"}, …]`.

The page renders the array with its own script (often ten at a time, paging on the client); the
whole list is in the literal. Objects are read field by field (quoted or bare keys, either quote).
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from pipeline.crawl.pages import Entry, canonical_url, listing_entries, pagination_links, to_date
from pipeline.crawl.portals import ListingPage, ListingRead

NAME = "js-array"
_ARRAY = re.compile(r"\bvar\s+\w+\s*=\s*\[\s*\{(.*?)\}\s*\]\s*;?", re.S)
_OBJECT = re.compile(r"\{([^{}]*)\}", re.S)
_FIELD = re.compile(r"""['"]?(\w+)['"]?\s*:\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
_TITLE_KEYS = ("title", "name", "docTitle", "doctitle", "fileName", "t")
_URL_KEYS = ("url", "href", "link", "path", "docpuburl", "u")
_DATE_KEYS = ("date", "time", "pubDate", "publishDate", "pubdate", "docreltime", "d")


def claims(page: ListingPage) -> bool:
    return any(_has_entry(block) for block in _ARRAY.findall(page.text))


def read(page: ListingPage) -> ListingRead:
    entries: list[Entry] = []
    for array in _ARRAY.finditer(page.text):
        for obj in _OBJECT.findall("{" + array.group(1) + "}"):
            entry = _entry(dict(_fields(obj)), page.url)
            if entry is not None:
                entries.append(entry)
    # links the page also prints statically, and a static pager, are read as the generic reader does
    entries += listing_entries(page.root, page.url)
    return ListingRead(entries, pagination_links(page.root, page.url))


def _fields(obj: str) -> list[tuple[str, str]]:
    return [(key, (double or single).replace("\\/", "/")) for key, double, single in _FIELD.findall(obj)]


def _has_entry(block: str) -> bool:
    keys = {key for key, _v in _fields(block)}
    return bool(keys & set(_TITLE_KEYS)) and bool(keys & set(_URL_KEYS))


def _entry(fields: dict[str, str], page_url: str) -> Entry | None:
    title = next((fields[k] for k in _TITLE_KEYS if fields.get(k)), "")
    url = next((fields[k] for k in _URL_KEYS if fields.get(k)), "")
    if not title or not url:
        return None
    date = to_date(next((fields[k] for k in _DATE_KEYS if fields.get(k)), ""))
    return Entry(title.strip(), canonical_url(urljoin(page_url, url)), date, page_url)
