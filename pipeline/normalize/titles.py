"""Titles of portal entries: is this an annual disclosure report, and whose, for which year?"""

from __future__ import annotations

import re
from typing import Literal

from extractors.textnorm import fold

TitleClass = Literal["report", "skip", "other"]

_REPORT_PHRASE = re.compile(
    r"(?:政府信息公开|政务信息公开|政务公开|信息公开)(?:工作)?(?:年度)?(?:工作)?(?:报告|年报)"
)
# A title the listing cut short ("2019年沂源县财政局政府信息公开工…"): the prefix of a report phrase.
_CUT_MARK = re.compile(r"(?:…+|\.{2,}|。{2,})$")
_CUT_REPORT_HINT = re.compile(r"政府信|政务公|信息公开|公开工作|年度报|公开年")
# Where the report phrase begins in a title that was cut inside it.
_PHRASE_START = re.compile(r"政府信息|政务信息|政务公开|信息公开|政府信|政务公")
_SKIP_MARKERS = (
    "政府工作报告",
    "统计公报",
    "工作要点",
    "通知",
    "关于做好",
    "关于报送",
    "关于印发",
    "关于开展",
    "报送",
    "编制",
    "编写",
    "解读",
    "图解",
    "考核",
    "评估",
    "通报",
    "方案",
    "意见",
    "征集",
    "说明",
    "指南",
    "目录",
)
# Documents (as opposed to navigation links) that are not reports are "skip".
_DOCUMENT_HINT = re.compile(r"报告|年报|公报|要点|通知|公告|方案|意见|通报")
_ARABIC_YEAR = re.compile(r"((?:19|20)\d{2})\s*(?:年度|年)?")
_CHINESE_DIGITS = {"〇": 0, "○": 0, "零": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5}
_CHINESE_DIGITS.update({"六": 6, "七": 7, "八": 8, "九": 9})
_CHINESE_YEAR = re.compile(r"([二一][〇○零O一二三四五六七八九]{3})\s*(?:年度|年)")
_CONNECTORS = ("关于", "年度", "年", "度", "的", "本级", "-", "—", "_", "：", ":", "（", "(", "）", ")")


def normalize_title(title: str) -> str:
    """Folded (`extractors.textnorm.fold`), no book-title marks or quotes: the form every rule
    below reads."""
    return fold(title).strip("《》〈〉\"'“”‘’【】[]")


def is_cut_title(title: str) -> bool:
    """True when a listing shortened the title ("…" or "..." at the end)."""
    return bool(_CUT_MARK.search(title.strip()))


def classify_title(title: str) -> TitleClass:
    """report | skip | other, for a link title as listed.

    "report": a 政府信息公开工作年度报告 / 政府信息公开年报 / 政务公开年度报告 of some year; "skip": a
    document that is not one (政府工作报告, notices about compiling or submitting the reports,
    工作要点, 统计公报 ...); "other": navigation.
    """
    text = normalize_title(title)
    if not text:
        return "other"
    has_marker = any(marker in text for marker in _SKIP_MARKERS)
    if _REPORT_PHRASE.search(text):
        return "skip" if has_marker else "report"
    if is_cut_title(text) and _CUT_REPORT_HINT.search(text) and _has_year(text) and not has_marker:
        return "report"  # tentatively: the crawler re-classifies it with the article's <h1>
    if has_marker or _DOCUMENT_HINT.search(text):
        return "skip"
    return "other"


def parse_report_title(title: str) -> tuple[str | None, int | None]:
    """(agency, year) of a report title; None for what the title does not say."""
    text = _CUT_MARK.sub("", normalize_title(title))
    year_match = _find_year(text)
    phrase = _REPORT_PHRASE.search(text) or _PHRASE_START.search(text)
    phrase_start = phrase.start() if phrase else len(text)
    if year_match is None:
        return _clean_agency(text[:phrase_start]), None
    start, end, year = year_match
    prefix = text[:start] if start < phrase_start else text[:phrase_start]
    middle = text[end:phrase_start] if end <= phrase_start else ""
    agency = _clean_agency(middle) or _clean_agency(prefix)
    return agency, year


def _has_year(text: str) -> bool:
    return _find_year(text) is not None


def _find_year(text: str) -> tuple[int, int, int] | None:
    """(start, end, year) of the first plausible reporting year in the title."""
    match = _ARABIC_YEAR.search(text)
    if match:
        return match.start(), match.end(), int(match.group(1))
    cn = _CHINESE_YEAR.search(text)
    if cn:
        digits = "".join(str(_CHINESE_DIGITS[c]) for c in cn.group(1))
        return cn.start(), cn.end(), int(digits)
    return None


def _clean_agency(text: str) -> str | None:
    """Strip connectors such as 关于/年度/的 and brackets from both ends; None when nothing is left."""
    previous = None
    while previous != text:
        previous = text
        for connector in _CONNECTORS:
            if text.startswith(connector):
                text = text[len(connector) :]
            if text.endswith(connector):
                text = text[: -len(connector)]
    return text or None


# ---- the agency as one body is named every year --------------------------------------------------

_PARENT_REGION = re.compile(r"^[\u4e00-\u9fff]{2,7}?(?:省|自治区|市|自治州|州|盟|地区)")
_COUNTY = re.compile(r"^[\u4e00-\u9fff]{1,6}?(?:区|县|市|旗)")
_GENERIC_COUNTY = ("开发区", "高新区", "园区", "工业区", "经济区", "示范区", "实验区", "管理区")
_GENERIC_NAMES = frozenset({"城区", "市区", "郊区", "矿区"})
_ZONE = re.compile(r"(?:实验区|开发区|高新区|管理区|示范区|园区|试验区)$")
_REGION_ONLY = re.compile(r"(?:省|自治区|市|自治州|州|盟|地区|区|县|旗)$")
_GOVERNMENT = ("人民政府", "政府")
_ZONE_BODY = ("党工委管委会", "党工委、管委会", "管理委员会", "管委会")


def _strip_parents(name: str) -> str:
    """Drop the higher regions before a county-level name: 淮安市洪泽区人民政府 -> 洪泽区人民政府 (a
    zone with a generic name, 淮安市经济技术开发区, keeps its city)."""
    while (parent := _PARENT_REGION.match(name)) and parent.end() < len(name):
        rest = name[parent.end() :]
        county = _COUNTY.match(rest)
        if county is None or county.group(0) in _GENERIC_NAMES or county.group(0).endswith(_GENERIC_COUNTY):
            return name
        name = rest
    return name


def normalize_agency(agency: str | None) -> str | None:
    """The agency as the same body is named every year: higher regions dropped before a county-level
    name, and a title that names only a region read as that region's government (人民政府; 管委会 for
    a zone). 淮安市洪泽区人民政府 / 洪泽区人民政府 / 洪泽区政府 -> 洪泽区人民政府;
    平潭综合实验区 / 平潭综合实验区管委会 -> 平潭综合实验区管委会."""
    if not agency:
        return None
    name = _strip_parents(normalize_title(agency))
    for body in (*_GOVERNMENT, *_ZONE_BODY):
        if name.endswith(body) and len(name) > len(body):
            region = name[: -len(body)]
            if _REGION_ONLY.search(region):
                name = region
                break
    if _ZONE.search(name):
        return name + "管委会"
    if _REGION_ONLY.search(name):
        return name + "人民政府"
    return name
