"""Number parsing and cell text on top of `extractors.textnorm`: the one place that decides what a
printed cell means."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from extractors.textnorm import drop_spaces_between_cjk
from extractors.textnorm import fold as fold  # re-exported: the pipeline folds labels through here

# Printed forms that mean "no number here": blank, dashes, slashes, 无.
_NULL_FORMS = frozenset({"", "-", "--", "—", "——", "–", "/", "\\", "无", "空", "－", "／", "─", "一"})


def clean_cell(text: str | None) -> str | None:
    """Cell text as printed, trimmed, with wrap breaks inside CJK runs removed."""
    if text is None:
        return None
    return drop_spaces_between_cjk(text.replace("\r", "")).strip(" \t\n\u3000\u00a0")


# A printed number as published: sign, digits (thousands grouped or not), decimals, then optionally a
# unit printed in the cell and a note in brackets ("22（其中修订16件）", "75394432.52元", "96171.6万").
_PRINTED_NUMBER = re.compile(
    r"^(?P<number>[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|[+-]?\.\d+)"
    r"(?P<unit>万元|亿元|元|万|%|件|个|项|次|条|份|人|家|起|宗|场|期|篇)?"
    r"(?P<note>\(.*\))?$"
)
MONEY_UNITS = frozenset({"万元", "亿元", "元", "万"})


@dataclass(frozen=True)
class PrintedValue:
    """What a value cell prints: a number (with the unit printed beside it, if money), nothing
    (blank, a dash, a slash, 无: `blank`), or text that is no number (`value` None, not blank)."""

    value: float | None
    unit: str | None = None
    blank: bool = False

    @property
    def is_text(self) -> bool:
        return self.value is None and not self.blank


def _number_form(raw: str) -> str:
    """NFKC (full-width digits, signs and brackets to ASCII), no whitespace, minus signs unified."""
    return fold(raw).replace("−", "-").replace("﹢", "+").replace("﹣", "-")


def read_value(raw: str | None) -> PrintedValue:
    """The value a cell prints, read as published: never converted between units."""
    if raw is None:
        return PrintedValue(None, blank=True)
    text = _number_form(raw)
    if text in _NULL_FORMS:
        return PrintedValue(None, blank=True)
    match = _PRINTED_NUMBER.match(text)
    if match is None:
        return PrintedValue(None)
    unit = match.group("unit")
    value = float(match.group("number").replace(",", ""))
    return PrintedValue(value if math.isfinite(value) else None, unit if unit in MONEY_UNITS else None)


def parse_number(raw: str | None) -> float | None:
    """The number a cell prints, or None when it is blank, a dash or unreadable.

    Full-width digits, spaces inside numbers and thousands separators are accepted; a leading + or -
    is kept (本年增/减 prints "+3" / "-2"); a unit or a bracketed note after the number is read past.
    """
    return read_value(raw).value


def is_blank_cell(raw: str | None) -> bool:
    """True when a value cell prints nothing, a dash, a slash or 无 (read as 0 by the checks)."""
    return read_value(raw).blank


def is_value_text(raw: str | None) -> bool:
    """True when a cell holds a number, a blank or a dash: something a value cell prints."""
    return raw is not None and not read_value(raw).is_text


def unit_of(label: str) -> str | None:
    """The money unit a header names, if any."""
    folded = fold(label)
    if "万元" in folded:
        return "万元"
    if "元" in folded:
        return "元"
    return None
