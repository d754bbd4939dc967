"""What a printed cell means, on top of `extractors.numbers` (the number grammar) and
`extractors.textnorm` (folding)."""

from __future__ import annotations

from extractors.numbers import MONEY_UNITS as MONEY_UNITS  # re-exported
from extractors.numbers import PrintedValue as PrintedValue  # re-exported
from extractors.numbers import read_value as read_value  # re-exported
from extractors.textnorm import drop_spaces_between_cjk
from extractors.textnorm import fold as fold  # re-exported: the pipeline folds labels through here


def clean_cell(text: str | None) -> str | None:
    """Cell text as printed, trimmed, with wrap breaks inside CJK runs removed."""
    if text is None:
        return None
    return drop_spaces_between_cjk(text.replace("\r", "")).strip(" \t\n\u3000\u00a0")


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
