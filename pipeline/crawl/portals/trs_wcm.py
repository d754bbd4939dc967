"""TRS WCM lists: static entries, pages `index_N.html` named only by script.

The pager is `createPageHTML(countPage, currentPage, "index", "html")`, or written by the page's
own script from `var countPage = N` (`document.write('<a href="index_' + i + '.html">')`); no
`<a>` names the further pages. Evidence: tests/fixtures/portals/README.md.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from pipeline.crawl.pages import listing_entries, pagination_links
from pipeline.crawl.portals import ListingPage, ListingRead

NAME = "trs-wcm"
_CREATE_PAGE = re.compile(
    r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"](\w+)['\"]\s*,\s*['\"](\w+)['\"]"
)
_COUNT_PAGE = re.compile(r"\bvar\s+countPage\s*=\s*['\"]?(\d+)")
_STEM = re.compile(r"""\b(?:var\s+)?(?:prefix|pageName|sPageName)\s*=\s*['"](\w+)['"]""")
_EXT = re.compile(r"""\b(?:var\s+)?(?:suffix|pageExt|sPageExt)\s*=\s*['"](\w+)['"]""")


def claims(page: ListingPage) -> bool:
    return bool(_CREATE_PAGE.search(page.text) or _COUNT_PAGE.search(page.text))


def read(page: ListingPage) -> ListingRead:
    pages = [*pagination_links(page.root, page.url), *_script_pages(page)]
    return ListingRead(listing_entries(page.root, page.url), list(dict.fromkeys(pages)))


def _script_pages(page: ListingPage) -> list[str]:
    """index.html, index_1.html ... index_{countPage-1}.html (TRS numbers from the second page on)."""
    created = _CREATE_PAGE.search(page.text)
    if created:
        count, stem, ext = int(created.group(1)), created.group(3), created.group(4)
    else:
        counted = _COUNT_PAGE.search(page.text)
        assert counted is not None  # claims() saw it
        count, stem, ext = int(counted.group(1)), *_stem_and_ext(page)
    return [urljoin(page.url, f"{stem}.{ext}")] + [
        urljoin(page.url, f"{stem}_{n}.{ext}") for n in range(1, count)
    ]


def _stem_and_ext(page: ListingPage) -> tuple[str, str]:
    name = urlsplit(page.url).path.rsplit("/", 1)[-1] or "index.html"
    stem, _, ext = re.sub(r"_\d+(?=\.)", "", name).partition(".")
    stem_match, ext_match = _STEM.search(page.text), _EXT.search(page.text)
    return (stem_match.group(1) if stem_match else stem or "index"), (
        ext_match.group(1) if ext_match else ext or "html"
    )
