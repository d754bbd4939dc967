"""PDFs that are a web page printed by a browser: the report inside the site's chrome."""

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
    portal metadata around the report title, before the report's first paragraph).

    Some portals offer a report only as their article page, and people save it with "print to PDF":
    navigation, search boxes and portal metadata (标题：, 来源：, 发布时间：) come before the report's
    title, share buttons and download links after it, and the site footer after the last section.
    Everything before the title is dropped (the metadata is kept as metadata), so are the chrome
    lines between the title and the report's first words, and everything from the first footer line
    after the last section.
    """
    lines = _lines(blocks)
    found = _title_at(lines, blocks)
    if found is None:
        return None
    at, count, title = found
    after = [line for _, _, line in lines[at + count :]]
    first_words = next((i for i, line in enumerate(after) if _starts_report(line)), len(after))
    around_title = [line for _, _, line in lines[:at]] + after[:first_words]
    if not any(is_metadata_line(line) for line in around_title):
        return None
    date = published_from_text(around_title)
    start_block, start_line, _ = lines[at]
    first = blocks[start_block]
    assert isinstance(first, TextBlock)
    head = TextBlock("\n".join(first.text.split("\n")[start_line:]), first.page)
    kept, last_page = _report_blocks([head, *blocks[start_block + 1 :]], count)
    return WebPageReport(kept, title, {"published_date": date} if date else {}, last_page)


@dataclass
class _Cutter:
    """Walks the lines from the title on: chrome and leading metadata dropped, footer ends it."""

    title_lines: int
    leading: bool = True  # before the report's first words: metadata lines may still come
    after_last_section: bool = False
    footer_page: int | None = None

    def keep(self, line: str, page: int | None) -> bool | None:
        """True to keep the line, False to drop it, None when the report is over."""
        folded = fold(line)
        if self.title_lines > 0:
            self.title_lines -= 1
            return True
        if self.after_last_section and _FOOTER_LINE.match(folded):
            self.footer_page = page
            return None
        if _CHROME_LINE.match(folded) or (self.leading and is_metadata_line(line)):
            return False
        self.after_last_section = self.after_last_section or bool(_LAST_SECTION.match(folded))
        self.leading = self.leading and not _starts_report(line)
        return True


def _report_blocks(blocks: Sequence[Block], title_lines: int) -> tuple[list[Block], int | None]:
    """The blocks from the title to the site footer, and the page the report ends on (the
    footer's page, or the last page of text once section 6 was seen; None when unknown)."""
    cutter = _Cutter(title_lines)
    kept: list[Block] = []
    for block in blocks:
        if not isinstance(block, TextBlock):
            kept.append(block)
            continue
        out: list[str] = []
        for line in block.text.split("\n"):
            verdict = cutter.keep(line, block.page)
            if verdict is None:
                break
            if verdict:
                out.append(line)
        if out:
            kept.append(TextBlock("\n".join(out), block.page))
        if cutter.footer_page is not None:
            return kept, cutter.footer_page
    if not cutter.after_last_section:
        return kept, None
    return kept, next((b.page for b in reversed(kept) if isinstance(b, TextBlock)), None)
