"""Text folding shared by every stage: what a space is, which characters are CJK, NFKC folding
(extractors import nothing from the pipeline, so the primitives live here)."""

from __future__ import annotations

import re
import unicodedata

# CJK ideographs, CJK/full-width punctuation and the quotes/dashes Chinese text uses.
CJK_CLASS = (
    "\u2e80-\u2fdf\u3001-\u303f\u3040-\u9fff\uf900-\ufaff\ufe10-\ufe1f\ufe30-\ufe4f"
    "\uff01-\uffef\u2018\u2019\u201c\u201d\u2014\u2026\u00b7\U00020000-\U0003134f"
)
# Every kind of space a Chinese web page, Word file or PDF uses (\s covers U+00A0, U+3000 …).
SPACE_CLASS = r"\s\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
# Characters that print nothing: zero-width spaces and joiners, BOM, soft hyphen.
INVISIBLE_CLASS = "\u200b-\u200d\u2060\ufeff\u00ad"

_CJK_CHAR = re.compile(f"[{CJK_CLASS}]")
_SPACES = re.compile(f"[{SPACE_CLASS}]+")
_INVISIBLE = re.compile(f"[{INVISIBLE_CLASS}]")
_UNPRINTED = re.compile(f"[{SPACE_CLASS}{INVISIBLE_CLASS}]+")
_SPACE_BETWEEN_CJK = re.compile(f"(?<=[{CJK_CLASS}])[{SPACE_CLASS}]+(?=[{CJK_CLASS}])")


def is_cjk(char: str) -> bool:
    return bool(_CJK_CHAR.fullmatch(char))


def drop_spaces_between_cjk(text: str) -> str:
    """Remove whitespace (line-wrap breaks, letter-spacing) between two CJK characters."""
    return _SPACE_BETWEEN_CJK.sub("", text)


def normalize_spaces(text: str) -> str:
    """Text as printed, on one line: invisible characters dropped, all whitespace collapsed to single
    spaces, none between two CJK characters (Chinese has no spaces between words), trimmed."""
    return drop_spaces_between_cjk(_SPACES.sub(" ", _INVISIBLE.sub("", text)).strip())


def is_blank(text: str) -> bool:
    """True when the text prints nothing (only whitespace or invisible characters)."""
    return not _UNPRINTED.sub("", text)


def fold(text: str) -> str:
    """Text for matching: NFKC, no whitespace or invisible characters at all (idempotent).

    Removing whitespace can bring a combining mark next to a letter it then composes with (NFKC
    turns "´" into a space plus a combining accent), so fold until nothing changes.
    """
    folded = _UNPRINTED.sub("", unicodedata.normalize("NFKC", text))
    while (again := _UNPRINTED.sub("", unicodedata.normalize("NFKC", folded))) != folded:
        folded = again
    return folded


def _radical_table() -> dict[int, str]:
    """Kangxi radicals, CJK radical supplement and compatibility ideographs -> unified ideographs.

    Built from NFKC one code point at a time, so only these blocks are folded: blanket NFKC would
    also turn full-width punctuation and digits of the template labels into ASCII.
    """
    table: dict[int, str] = {}
    for start, end in ((0x2E80, 0x2EFF), (0x2F00, 0x2FDF), (0xF900, 0xFAFF)):
        for cp in range(start, end + 1):
            folded = unicodedata.normalize("NFKC", chr(cp))
            if folded != chr(cp) and len(folded) == 1:
                table[cp] = folded
    return table


RADICALS = _radical_table()


def fold_radicals(text: str) -> str:
    """Kangxi radicals and compatibility ideographs (what some PDF fonts map glyphs to) as the
    unified ideographs they look like; nothing else changed."""
    return text.translate(RADICALS)
