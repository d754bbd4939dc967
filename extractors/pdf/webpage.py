"""PDFs that are a web page printed by a browser: the report inside the site's chrome.

Some portals offer a report only as their article page, and people save it with "print to PDF":
navigation, search boxes and portal metadata (标题：, 来源：, 发布时间：) come before the report's
title, share buttons and download links after it, and the site footer after the last section. Such
a document is told by its portal metadata printed before the report title. Everything before the
title is dropped (the metadata is kept as metadata), so are the chrome lines between the title and
the report's first words, and everything from the first footer line after the last section.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from extractors.model import Block, TextBlock
from extractors.portal import is_metadata_line, published_from_text
from extractors.textnorm import fold

_YEAR = re.compile(r"(?:19|20)\d{2}\s*年")
_TITLE = re.compile(r"(?:19|20)\d{2}\s*年.{0,20}(?:信息公开|政务公开).{0,12}(?:报告|年报)$")
TITLE_MAX_CHARS = 60
TITLE_SEARCH_PAGES = 3
CHROME_MAX_CHARS = 15
# Whole lines a portal page prints around an article (share, print, font size, download, links).
_CHROME_LINE = re.compile(
    r"^(?:[【\[]?\s*(?:打印(?:本页)?|关闭(?:窗口|本页)?|返回顶部|收藏|分享到?[:：]?|微信|微博|QQ空间|全真版|文字版|"
    r"文件下载|附件下载|附件[:：]?|相关链接[:：]?|相关文章|相关信息|扫一扫.*|字号[:：]?.*|[大中小](?:\s*[大中小])*)"
    r"\s*[】\]]?\s*)+$"
)
# Footer lines: the report is over once one of them follows the last section.
_FOOTER_LINE = re.compile(
    r"^(?:附件下载|扫一扫|相关链接|版权所有|网站标识码|主办单位|承办单位|使用帮助|联系我们|网站地图|"
    r"关闭|【?打印|.*ICP备|.*公安备案|.*政府网站$)"
)
_LAST_SECTION = re.compile(r"^六\s*[、.．]\s*其他")


@dataclass
class WebPageReport:
    """The report cut out of a printed web page: its blocks, title and portal metadata."""

    blocks: list[Block]
    title: str | None
    metadata: dict[str, str] = field(default_factory=dict)
    last_page: int | None = None  # the page the site's footer starts on: later pages are no report


def _lines(blocks: Sequence[Block]) -> list[tuple[int, int, str]]:
    """(block index, line index, line) of every text line."""
    return [
        (b, i, line)
        for b, block in enumerate(blocks)
        if isinstance(block, TextBlock)
        for i, line in enumerate(block.text.split("\n"))
    ]


def _title_at(lines: list[tuple[int, int, str]], blocks: Sequence[Block]) -> tuple[int, int, str] | None:
    """(position in `lines`, how many lines, title) of the report title: a line (or two, a title that
    wraps) naming a year and the report, not a metadata line."""
    for k, (b, _, line) in enumerate(lines):
        block = blocks[b]
        if isinstance(block, TextBlock) and (block.page or 1) > TITLE_SEARCH_PAGES:
            return None
        if is_metadata_line(line):
            continue
        if not _YEAR.search(fold(line)):
            continue  # a title names its year on its first line ("…2023年政府信息公开年度" / "报告")
        for n in (1, 2, 3):
            text = "".join(fold(ln) for _, _, ln in lines[k : k + n])
            if len(text) <= TITLE_MAX_CHARS and _TITLE.search(text):
                return k, n, text
    return None


def _starts_report(line: str) -> bool:
    """A line of the report's own words: neither portal metadata nor chrome, and longer than a
    button or a link."""
    folded = fold(line)
    return len(folded) > CHROME_MAX_CHARS and not is_metadata_line(line) and not _CHROME_LINE.match(folded)


def cut_report(blocks: list[Block]) -> WebPageReport | None:
    """The report inside a printed web page, or None when the document is no printed web page (no
    portal metadata around the report title, before the report's first paragraph)."""
    lines = _lines(blocks)
    found = _title_at(lines, blocks)
    if found is None:
        return None
    at, count, title = found
    after = [line for _, _, line in lines[at + count :]]
    first_words = next((i for i, line in enumerate(after) if _starts_report(line)), len(after))
    before = [line for _, _, line in lines[:at]] + after[:first_words]
    if not any(is_metadata_line(line) for line in before):
        return None
    metadata = {}
    if (date := published_from_text(before)) is not None:
        metadata["published_date"] = date
    start_block, start_line, _ = lines[at]
    kept: list[Block] = []
    in_report, after_last_section, leading = True, False, True
    title_lines = count
    last_page: int | None = None
    for b, block in enumerate(blocks[start_block:], start=start_block):
        if not isinstance(block, TextBlock):
            kept.append(block)
            continue
        out: list[str] = []
        for i, line in enumerate(block.text.split("\n")):
            if b == start_block and i < start_line:
                continue
            folded = fold(line)
            if title_lines > 0:
                title_lines -= 1
                out.append(line)
                continue
            if after_last_section and _FOOTER_LINE.match(folded):
                in_report, last_page = False, block.page
                break
            if _CHROME_LINE.match(folded) or (leading and is_metadata_line(line)):
                continue
            if _LAST_SECTION.match(folded):
                after_last_section = True
            if _starts_report(line):
                leading = False  # the report's own words have begun: metadata can no longer follow
            out.append(line)
        if out:
            kept.append(TextBlock("\n".join(out), block.page))
        if not in_report:
            break
    if last_page is None and after_last_section:
        last_page = next((b.page for b in reversed(kept) if isinstance(b, TextBlock)), None)
    return WebPageReport(kept, title, metadata, last_page)
