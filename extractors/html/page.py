"""One reader of a portal page, shared by the crawler and the HTML extractor.

Decoding (`decode_page`, strict candidates in `extractors.html.decode`), parsing (`parse_page`),
the element holding the report (`find_body`), the page's own title lines (`title_lines`,
`title_candidates`), its body text (`body_text`) and its publication date (`published_date`)
are read here once: `pipeline/crawl/pages.py` asks them whether an article holds a report, what
its full title and date are; `extractors.html` reads the report itself from the same body.
Pure functions of the page: nothing here touches the network.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import lxml.html
from lxml.html import HtmlElement

from extractors.html.decode import decode_html
from extractors.portal import published_from_meta, published_from_text
from extractors.textnorm import normalize_spaces


def decode_page(data: bytes, content_type: str | None) -> str:
    """The page as text: strictly decoded when any candidate fits, else leniently as GB 18030."""
    decoded = decode_html(data, content_type)
    return decoded.text if decoded.text is not None else data.decode("gb18030", errors="replace")


def parse_page(text: str) -> tuple[HtmlElement, list[str]]:
    """The page's tree, and what libxml2 had to give up (it stops at 256 levels of nesting)."""
    # lxml refuses str input that carries an XML encoding declaration.
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    if not text.strip():
        text = "<html><body></body></html>"
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
    root = lxml.html.document_fromstring(text, parser=parser)
    cut = [e for e in parser.error_log if e.type_name == "ERR_RESOURCE_LIMIT"]
    problems = [f"html: parsing stopped at line {cut[0].line}: {cut[0].message.split(',')[0]}"] if cut else []
    return root, problems


_CONTAINER_TAGS = frozenset(["div", "section", "article", "main", "td", "body", "center", "form"])
# ---- the report body ------------------------------------------------------------------------

_KNOWN_CONTAINERS: tuple[str, ...] = (
    "//*[@id='zoom']",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' TRS_Editor ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' article-content ')]",
    "//*[@id='content']",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' content ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' xxgk_content ')]",
)
# A numbered section heading ("一、总体情况"): the number alone also starts table row labels.
_HEADING = re.compile(
    r"^[一二三四五六七八][、.．]\s*(?:\S{0,12})(总体情况|主动公开|收到和处理|行政复议|问题|其他需要报告)"
)
_REPORT_TABLE_WORDS = ("申请人情况", "第二十条", "行政复议", "予以公开")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]")
_MIN_BODY_CJK = 50


def _cjk_count(el: HtmlElement) -> int:
    return len(_CJK_RUN.findall(el.text_content()))


def _heading_anchors(root: HtmlElement) -> list[HtmlElement]:
    """Elements holding a section heading, plus the tables that look like report tables."""
    anchors: list[HtmlElement] = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        is_report_table = el.tag == "table" and any(w in el.text_content() for w in _REPORT_TABLE_WORDS)
        is_heading = bool(el.text) and _HEADING.match(normalize_spaces(el.text_content())[:40]) is not None
        if is_report_table or is_heading:
            anchors.append(el)
    return anchors


def _common_ancestor(elements: list[HtmlElement]) -> HtmlElement:
    paths = [list(reversed([e, *e.iterancestors()])) for e in elements]
    common = paths[0][0]
    for level in zip(*paths, strict=False):
        if all(node is level[0] for node in level):
            common = level[0]
        else:
            break
    return common


def _known_container(root: HtmlElement, anchors: list[HtmlElement]) -> HtmlElement | None:
    for xpath in _KNOWN_CONTAINERS:
        found = [e for e in root.xpath(xpath) if _cjk_count(e) >= _MIN_BODY_CJK]
        # The container must hold the headings that the page has, not be a sidebar of that class.
        found = [e for e in found if all(a is e or e in a.iterancestors() for a in anchors)]
        if found:
            return max(found, key=_cjk_count)
    return None


@dataclass(frozen=True)
class Body:
    element: HtmlElement
    # The headings/report tables and all their ancestors: never dropped as navigation or footer.
    protected: frozenset[HtmlElement]


def find_body(root: HtmlElement) -> Body:
    """The element holding the report: a known container, else the ancestor of all headings."""
    body = root.find("body")
    body = root if body is None else body
    anchors = _heading_anchors(body)
    protected = frozenset(e for a in anchors for e in (a, *a.iterancestors()))
    known = _known_container(body, anchors)
    if known is not None:
        return Body(known, protected)
    if len(anchors) >= 2:
        common = _common_ancestor(anchors)
        while common.tag not in _CONTAINER_TAGS and common.getparent() is not None:
            common = common.getparent()
        return Body(common, protected)
    return Body(body, protected)


def body_text(root: HtmlElement) -> str:
    """The text of the element holding the report (a bare fragment: the whole of it)."""
    return normalize_spaces(find_body(root).element.text_content())


# ---- title and date -------------------------------------------------------------------------


def title_lines(root: HtmlElement) -> list[str]:
    """The page's title lines: its <h1>s and `title`-class elements (up to 120 characters)."""
    lines = []
    for el in root.xpath("//h1|//*[contains(concat(' ', normalize-space(@class), ' '), ' title ')]"):
        text = normalize_spaces(el.text_content())
        if 0 < len(text) <= 120:
            lines.append(text)
    return lines


def title_candidates(root: HtmlElement) -> list[str]:
    """Every title the page gives itself: title lines, <meta ArticleTitle>, <title> and its parts."""
    found = title_lines(root)
    found += [normalize_spaces(m.get("content") or "") for m in root.xpath("//meta[@name='ArticleTitle']")]
    for title in root.xpath("//title"):
        text = normalize_spaces(title.text_content())
        found += [text, *re.split(r"\s*[_|｜\-—–]\s*", text)]
    return [t for t in dict.fromkeys(found) if t]


def published_date(root: HtmlElement, around: str | None = None) -> dt.date | None:
    """The publication date: a <meta PubDate>-style tag, else a label (发布日期：…) in `around`
    (the text printed around the report; the whole page when not given)."""
    for meta in root.iter("meta"):
        found = _date(published_from_meta(meta.get("name", ""), meta.get("content", "")))
        if found is not None:
            return found
    text = around if around is not None else normalize_spaces(root.text_content())
    return _date(published_from_text([text]))


def _date(iso: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(iso) if iso else None
    except ValueError:  # 2020-02-30 printed on a page
        return None
