"""Numbers as real reports print them: the one grammar the extractors' layout decisions and the
normalisation's cell parser share (extractors import nothing from the pipeline, so it lives here)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from extractors.textnorm import fold

# Digits with or without thousands separators, decimals, a sign (本年增/减 prints "+3" / "-2").
_NUMBER = r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|[+-]?\.\d+"
# A number as published, then optionally a unit printed in the cell and a note in brackets
# ("22（其中修订16件）", "75394432.52元", "96171.6万"); read on the folded text (NFKC: full-width to ASCII).
_PRINTED_NUMBER = re.compile(
    rf"^(?P<number>{_NUMBER})"
    r"(?P<unit>万元|亿元|元|万|%|件|个|项|次|条|份|人|家|起|宗|场|期|篇)?"
    r"(?P<note>\(.*\))?$"
)
_BARE_NUMBER = re.compile(rf"^(?:{_NUMBER})%?$")
_DASHES = re.compile(r"^[-—–─/]+$")
# Printed forms that mean "no number here": blank, dashes, slashes, 无 (and 一 typed for a dash).
NULL_FORMS = frozenset({"", "-", "--", "—", "——", "–", "/", "\\", "无", "空", "─", "一"})
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
    """Folded (full-width digits, signs and brackets to ASCII, no whitespace), minus signs unified."""
    return fold(raw).replace("−", "-").replace("﹢", "+").replace("﹣", "-")


def read_value(raw: str | None) -> PrintedValue:
    """The value a cell prints, read as published: never converted between units."""
    if raw is None:
        return PrintedValue(None, blank=True)
    text = _number_form(raw)
    if text in NULL_FORMS:
        return PrintedValue(None, blank=True)
    match = _PRINTED_NUMBER.match(text)
    if match is None:
        return PrintedValue(None)
    unit = match.group("unit")
    value = float(match.group("number").replace(",", ""))
    return PrintedValue(value if math.isfinite(value) else None, unit if unit in MONEY_UNITS else None)


def is_number_or_dash(text: str | None) -> bool:
    """A word or cell that is a bare number (a percentage too) or only dashes/slashes: what the table
    finders take for a value when they place columns and tell labels from values."""
    if not text:
        return False
    folded = _number_form(text)
    return bool(_BARE_NUMBER.match(folded) or _DASHES.match(folded))
