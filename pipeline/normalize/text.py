"""Text folding and number parsing: the one place that decides what a printed cell means."""

from __future__ import annotations

import re
import unicodedata

_WS = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")
_CJK = "\u3400-\u9fff\uf900-\ufaff"
_CJK_BREAK = re.compile(rf"(?<=[{_CJK}，。、；：！？（）《》“”])\s+(?=[{_CJK}，。、；：！？（）《》“”])")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
# Printed forms that mean "no number here": blank, dashes, slashes, 无.
_NULL_FORMS = frozenset({"", "-", "--", "—", "——", "–", "/", "\\", "无", "空", "－", "／", "─", "一"})


def fold(text: str) -> str:
    """Fold a label for matching: NFKC, no whitespace at all (idempotent).

    Removing whitespace can bring a combining mark next to a letter it then composes with
    (NFKC turns "´" into a space plus a combining accent), so fold until nothing changes.
    """
    folded = _WS.sub("", unicodedata.normalize("NFKC", text))
    while (again := _WS.sub("", unicodedata.normalize("NFKC", folded))) != folded:
        folded = again
    return folded


def squash_cjk_breaks(text: str) -> str:
    """Remove whitespace (line-wrap breaks, spaces) between two CJK characters or CJK punctuation."""
    return _CJK_BREAK.sub("", text)


def clean_cell(text: str | None) -> str | None:
    """Cell text as printed, trimmed, with wrap breaks inside CJK runs removed."""
    if text is None:
        return None
    return squash_cjk_breaks(text.replace("\r", "")).strip(" \t\n\u3000\u00a0")


def parse_number(raw: str | None) -> float | None:
    """The number a cell prints, or None when it is blank, a dash or unreadable.

    Full-width digits, spaces inside numbers and thousands separators are accepted;
    a leading + or - is kept (本年增/减 prints "+3" / "-2").
    """
    if raw is None:
        return None
    text = _WS.sub("", unicodedata.normalize("NFKC", raw)).replace(",", "")
    text = text.replace("−", "-").replace("﹢", "+")
    if text in _NULL_FORMS or not _NUMBER.match(text):
        return None
    return float(text)


def is_value_text(raw: str | None) -> bool:
    """True when a cell holds a number, a blank or a dash: something a value cell prints."""
    if raw is None:
        return False
    folded = _WS.sub("", unicodedata.normalize("NFKC", raw))
    return folded in _NULL_FORMS or parse_number(raw) is not None


def unit_of(label: str) -> str | None:
    """The money unit a header names, if any."""
    folded = fold(label)
    if "万元" in folded:
        return "万元"
    if "元" in folded:
        return "元"
    return None
