"""Listing readers, one per CMS platform: "is this listing page mine?" and "its entries and next pages".

A county's 年报 column is served by one of a handful of CMS platforms, and most of them ship the
list in their own shape (records inside a `<script type="text/xml">`, a JSON API the page's
scripts call, a pager written only by script ...). Each platform is one module here with the same
three functions, listed in `READERS` (most specific first; `generic` last, it claims every page):

* `claims(page) -> bool`: the page is this platform's listing (meta tags, script names, URL shapes);
* `read(page) -> ListingRead`: the page's entries, further listing pages, and API calls to make;
* `read_answer(call, text) -> ListingRead`: the entries (and further calls) of one API answer.

Nothing here touches the network: `pipeline.crawl.county` fetches the pages and API calls (under
the source's politeness, hosts and robots.txt) and hands the bodies back. docs/portals.md says how
each platform is detected and read, and how to add one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pipeline.crawl.pages import Entry

HtmlElement = Any  # lxml.html.HtmlElement


@dataclass(frozen=True)
class ListingPage:
    url: str  # as listed: a fragment (gkmlpt's `#<catid>`) is kept
    text: str  # the decoded page
    root: HtmlElement  # parsed with its scripts kept


@dataclass(frozen=True)
class ApiCall:
    """One request to a platform's list API: GET `url`, or POST `form` to it."""

    reader: str  # the READERS name whose `read_answer` reads the answer
    url: str
    form: tuple[tuple[str, str], ...] | None = None
    page: int = 0  # the listing page (or record offset) this call asks for
    state: tuple[tuple[str, str], ...] = ()  # what the reader needs to plan the next call

    @property
    def form_dict(self) -> dict[str, str] | None:
        return None if self.form is None else dict(self.form)

    def state_value(self, key: str, default: str = "") -> str:
        return dict(self.state).get(key, default)


@dataclass
class ListingRead:
    entries: list[Entry] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)  # further listing pages (HTML), read by detection
    calls: list[ApiCall] = field(default_factory=list)


@dataclass(frozen=True)
class Reader:
    name: str
    claims: Callable[[ListingPage], bool]
    read: Callable[[ListingPage], ListingRead]
    read_answer: Callable[[ApiCall, str], ListingRead]


def _no_api(call: ApiCall, _text: str) -> ListingRead:
    raise ValueError(f"{call.reader} makes no API calls")


def _readers() -> list[Reader]:
    from pipeline.crawl.portals import (
        catalog_table,
        generic,
        gkmlpt,
        hanweb,
        js_array,
        trs_dynamic,
        trs_wcm,
    )

    modules = (hanweb, gkmlpt, trs_dynamic, js_array, catalog_table, trs_wcm, generic)
    return [Reader(m.NAME, m.claims, m.read, getattr(m, "read_answer", _no_api)) for m in modules]


READERS: list[Reader] = []


def readers() -> list[Reader]:
    if not READERS:
        READERS.extend(_readers())
    return READERS


def reader_for(page: ListingPage) -> Reader:
    """The first reader that claims the page (the generic one claims them all)."""
    return next(r for r in readers() if r.claims(page))


def reader_named(name: str) -> Reader:
    return next(r for r in readers() if r.name == name)
