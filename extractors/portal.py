"""Portal metadata printed around a report (标题：, 来源：, 发布时间：, 索引号 …): read as metadata, never as
the report's title, agency or a heading. Shared by the HTML extractor and PDFs of printed web pages.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# A line that is one metadata field (or several on one line): its label, then a colon or a space.
_FIELD = (
    r"标\s*题|名\s*称|来\s*源|发布机构|发文机关|发布时间|发布日期|公开日期|成文日期|发文日期|生成日期|"
    r"采集时间|索\s*引\s*号|文\s*号|分\s*类|主题分类|关\s*键\s*词|时\s*效|浏览次数|字\s*号|作\s*者|"
    r"信息来源|发布单位|责任编辑|点击数|访问量"
)
_METADATA_LINE = re.compile(rf"^(?:【?(?:{_FIELD})】?\s*[:：]|(?:{_FIELD})\s+\S)")
_DATE = r"((?:19|20)\d{2})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})"
# Publication date labels, most specific first; 采集时间 (when a crawler saved the page) never counts.
_PUBLISHED = re.compile(rf"(?:发布时间|发布日期|公开日期|发文日期|(?<![集成])时间)\s*[:：]?\s*{_DATE}")
_META_DATE_NAMES = ("pubdate", "publishdate", "firstpublishedtime", "publishtime", "dc.date")


def is_metadata_line(line: str) -> bool:
    """True for a portal metadata line: 标题：…, 来源：… 时间：…, 索引号：…, 发布机构 …."""
    return bool(_METADATA_LINE.match(unicodedata.normalize("NFKC", line).strip()))


def _iso(match: re.Match[str]) -> str | None:
    year, month, day = (int(g) for g in match.groups()[-3:])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def published_from_text(texts: Iterable[str]) -> str | None:
    """The publication date a portal prints beside the report (ISO form), if any."""
    for text in texts:
        for match in _PUBLISHED.finditer(unicodedata.normalize("NFKC", text)):
            if (date := _iso(match)) is not None:
                return date
    return None


def published_from_meta(name: str, content: str) -> str | None:
    """The publication date of a `<meta name=PubDate content=…>` tag, if it is one."""
    if name.strip().lower() not in _META_DATE_NAMES:
        return None
    match = re.match(_DATE, content.strip())
    return _iso(match) if match else None
