"""Reading portal pages: listing entries, pagination, attachment links, article titles, dates, bodies.

Pages are decoded, parsed and their titles, bodies and dates read by the page reader the HTML
extractor shares (`extractors.html.page`); nothing here touches the network.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit

from extractors.html import page as page_reader
from extractors.html import report_text
from pipeline.normalize.titles import classify_title

HtmlElement = Any  # lxml.html.HtmlElement (lxml ships no type stubs)

DOCUMENT_EXTENSIONS = ("pdf", "docx", "doc", "wps", "ofd")


@dataclass(frozen=True)
class Entry:
    title: str
    url: str
    listed_date: dt.date | None
    listing_url: str


@dataclass(frozen=True)
class Link:
    url: str
    text: str


_DATE = r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})"
_ANY_DATE = re.compile(_DATE)
_NEXT_TEXTS = {"下一页", "下页", "后一页", "后页", ">", ">>", "›", "»", "next", "下一页>", "下一页>>"}
_PAGE_FILE = re.compile(r"(?:index|list|default)?_\d+\.s?html?$", re.IGNORECASE)
_PAGE_QUERY = re.compile(r"(?:^|&)(?:page|pageindex|pageno|pagenum|p|currentpage)=\d+", re.IGNORECASE)
_CREATE_PAGE = re.compile(
    r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"](\w+)['\"]\s*,\s*['\"](\w+)['\"]"
)
_DOWNLOAD_HINT = re.compile(r"download|downfile|getfile|attach|fileid|file\.|/files?/", re.IGNORECASE)
_PAGE_EXTENSIONS = (".html", ".htm", ".shtml", ".asp", ".aspx", ".php")
_HEADINGS = ("一、总体情况", "二、主动公开政府信息", "三、收到和处理政府信息公开申请", "五、存在的主要问题")
_HEADING_PATTERNS = tuple(
    re.compile(r"\s*".join(re.escape(ch) if ch != "、" else "[、.．]" for ch in h)) for h in _HEADINGS
)
_TABLE_MARKERS = ("本年新收政府信息公开申请数量", "第二十条第")


def decode_page(body: bytes, content_type: str | None) -> str:
    """A portal page as text, decoded by the page reader the HTML extractor uses too."""
    return page_reader.decode_page(body, content_type)


def parse_page(body: bytes, content_type: str | None, keep_scripts: bool = False) -> HtmlElement:
    """The page as an lxml tree; scripts are dropped unless a listing reader needs them."""
    return parse_text(decode_page(body, content_type), keep_scripts)


_SCRIPTS = "//script[not(contains(., 'createPageHTML'))]"


def parse_text(text: str, keep_scripts: bool = False) -> HtmlElement:
    root, _problems = page_reader.parse_page(text)
    junk = (
        "//style|//noscript"
        if keep_scripts
        else "//script[not(contains(., 'createPageHTML'))]|//style|//noscript"
    )
    for element in root.xpath(junk):
        element.drop_tree()
    return root


def _clean(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def _links(root: HtmlElement, page_url: str) -> Iterator[tuple[HtmlElement, str, str]]:
    """(<a> element, absolute URL without fragment, title-or-text) of every followable link."""
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        url = canonical_url(urljoin(page_url, href))
        label = _clean(anchor.get("title")) or _clean(anchor.text_content())
        yield anchor, url, label


def canonical_url(url: str) -> str:
    """Without the fragment, with non-ASCII and spaces percent-encoded (UTF-8) as a browser sends it."""
    return quote(url.split("#", 1)[0].strip(), safe=":/?&=%@!$'()*+,;[]~-._")


def listing_entries(root: HtmlElement, page_url: str) -> list[Entry]:
    """The page's linked entries with the date printed in each one's own row; menus left out.

    Linear in the page's links: each link's row is the largest ancestor (at most three levels up)
    that holds no other link, so a listing of `<a>` and `<span>` pairs inside one `<div>` gives
    every entry its own date, and no row's text is read twice.
    """
    links = [(a, url, label) for a, url, label in _links(root, page_url) if label]
    counts = _anchor_counts(a for a, _url, _label in links)
    memo: dict[HtmlElement, bool] = {}
    return [
        Entry(label, url, _row_date(anchor, counts), page_url)
        for anchor, url, label in links
        if not _in_navigation(anchor, memo)
    ]


_NAV_TAGS = ("nav", "header", "footer")
_NAV_WORDS = re.compile(
    r"\b(?:nav|navbar|navigation|menu|menus|header|footer|crumbs?|breadcrumbs?|position|daohang)\b", re.I
)


def _in_navigation(anchor: HtmlElement, memo: dict[HtmlElement, bool]) -> bool:
    """A link inside the site's navigation (<nav>, a menu, the header, footer or breadcrumbs).

    `memo` remembers each ancestor's answer, so a page's links share the walk up the tree."""
    parent = anchor.getparent()
    if parent is None:
        return False
    if parent not in memo:
        marks = f"{parent.get('class') or ''} {parent.get('id') or ''}".replace("-", " ").replace("_", " ")
        own = parent.tag in _NAV_TAGS or bool(marks.strip() and _NAV_WORDS.search(marks))
        memo[parent] = own or _in_navigation(parent, memo)
    return memo[parent]


def _anchor_counts(anchors: Iterable[HtmlElement]) -> dict[HtmlElement, int]:
    """How many listed links each element of the first three levels above a link holds."""
    counts: dict[HtmlElement, int] = {}
    for anchor in anchors:
        for level, node in enumerate(anchor.iterancestors()):
            if level >= 3:
                break
            counts[node] = counts.get(node, 0) + 1
    return counts


def _row_date(anchor: HtmlElement, counts: dict[HtmlElement, int]) -> dt.date | None:
    """The date printed in the entry's own row (<li>, <tr>, <div> ...) next to the link, if any."""
    row: HtmlElement | None = None
    for level, node in enumerate(anchor.iterancestors()):
        if level >= 3 or counts.get(node, 0) > 1:
            break
        row = node
        if node.tag in ("li", "tr", "dd"):
            break
    if row is not None:
        text = row.text_content().replace(anchor.text_content(), " ")
        return _to_date(_ANY_DATE.search(text))
    return _to_date(_ANY_DATE.search(_text_after(anchor)))


def _text_after(anchor: HtmlElement) -> str:
    """The text between a link and the next one among its siblings (a flat list in one element)."""
    parts = [anchor.tail or ""]
    for sibling in anchor.itersiblings():
        if sibling.tag == "a" or (isinstance(sibling.tag, str) and next(sibling.iter("a"), None) is not None):
            break
        parts.append(sibling.text_content() if isinstance(sibling.tag, str) else "")
        parts.append(sibling.tail or "")
    return " ".join(parts)


def _to_date(match: re.Match[str] | None) -> dt.date | None:
    if match is None:
        return None
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def pagination_links(root: HtmlElement, page_url: str) -> list[str]:
    """Further listing pages: 下一页 links, page-number links, index_N.html links, createPageHTML."""
    found: list[str] = []
    base_dir = urlsplit(page_url).path.rsplit("/", 1)[0]
    for _anchor, url, label in _links(root, page_url):
        parts = urlsplit(url)
        same_dir = parts.path.rsplit("/", 1)[0] == base_dir
        name = parts.path.rsplit("/", 1)[-1]
        # 首页 is the portal's home as often as the listing's first page: same folder only.
        is_next = label.lower() in _NEXT_TEXTS or (same_dir and label in ("首页", "尾页", "末页", "上一页"))
        numbered = label.isdigit() and same_dir
        paged_file = same_dir and bool(_PAGE_FILE.search(name)) and classify_title(label) != "report"
        paged_query = bool(_PAGE_QUERY.search(parts.query)) and parts.path == urlsplit(page_url).path
        if is_next or numbered or paged_file or paged_query:
            found.append(url)
    found.extend(_create_page_html_links(root, page_url))
    return list(dict.fromkeys(found))


def _create_page_html_links(root: HtmlElement, page_url: str) -> list[str]:
    """TRS-style `createPageHTML(total, current, "index", "html")`: index.html, index_1.html ..."""
    urls: list[str] = []
    for script in root.iter("script"):
        match = _CREATE_PAGE.search(script.text_content())
        if match:
            total, stem, ext = int(match.group(1)), match.group(3), match.group(4)
            urls.append(urljoin(page_url, f"{stem}.{ext}"))
            urls.extend(urljoin(page_url, f"{stem}_{n}.{ext}") for n in range(1, total))
    return urls


def title_candidates(root: HtmlElement) -> list[str]:
    """The article's own title lines (<h1>s, title-ish elements, <meta ArticleTitle>, <title> parts)."""
    return page_reader.title_candidates(root)


def article_date(root: HtmlElement) -> dt.date | None:
    """The publication date the article page prints (a PubDate meta tag, 发布日期：2020-01-15 ...)."""
    return page_reader.published_date(root)


def attachment_links(root: HtmlElement, page_url: str) -> list[Link]:
    """Links to report files: by extension (in the URL or the link text) or download-style URLs."""
    links = [
        Link(url, label) for _anchor, url, label in _links(root, page_url) if is_document_link(url, label)
    ]
    unique = {link.url: link for link in reversed(links)}
    return [link for link in links if unique.get(link.url) is link]


def link_format(name: str, text: str) -> str | None:
    """The document format a file name (or link text) declares by its extension."""
    for candidate in (name, text, _query_filename(name)):
        lowered = unquote(urlsplit(candidate).path if "://" in candidate else candidate).strip().lower()
        for ext in DOCUMENT_EXTENSIONS:
            if lowered.endswith("." + ext):
                return ext
    return None


def _query_filename(url: str) -> str:
    """The file name a download URL carries in its query (Hanweb: downfile.jsp?filename=x.pdf)."""
    if "://" not in url:
        return ""
    match = re.search(r"(?:^|&)(?:filename|fileName|file_name|name)=([^&]+)", urlsplit(url).query)
    return unquote(match.group(1)) if match else ""


def fragment_entries(html: str, base_url: str, listing_url: str) -> list[Entry]:
    """The entries of an HTML fragment an API answered (a record's `<li>`), dated by their rows."""
    root = parse_text(f"<html><body>{html}</body></html>", keep_scripts=False)
    return [Entry(e.title, e.url, e.listed_date, listing_url) for e in listing_entries(root, base_url)]


def to_date(text: str) -> dt.date | None:
    """The first date written in `text` (2020-01-15, 2020/1/15, 2020年1月15日 ...)."""
    return _to_date(_ANY_DATE.search(text or ""))


def is_document_link(url: str, text: str) -> bool:
    """A link to a report file: by extension (URL or link text) or a download-style URL."""
    if link_format(url, text) is not None:
        return True
    path = unquote(urlsplit(url).path).lower()
    return bool(_DOWNLOAD_HINT.search(url)) and not path.endswith(_PAGE_EXTENSIONS) and path not in ("", "/")


def body_text(root: HtmlElement) -> str:
    """The article body's text, as the HTML extractor would read it as a report (a bare fragment
    without any known container is read whole)."""
    return report_text(root)


def article_text_is_report(text: str) -> bool:
    """True when the text holds a report: two of its section headings, or one of its tables."""
    headings = sum(1 for pattern in _HEADING_PATTERNS if pattern.search(text))
    return headings >= 2 or any(marker in text for marker in _TABLE_MARKERS)
