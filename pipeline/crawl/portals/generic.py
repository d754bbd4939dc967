"""The fallback reader: static `<a href>` entries and static pagers (下一页, page numbers, index_N.html)."""

from __future__ import annotations

from pipeline.crawl.pages import listing_entries, pagination_links
from pipeline.crawl.portals import ListingPage, ListingRead

NAME = "generic"


def claims(_page: ListingPage) -> bool:
    return True


def read(page: ListingPage) -> ListingRead:
    return ListingRead(listing_entries(page.root, page.url), pagination_links(page.root, page.url))
