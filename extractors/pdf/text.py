"""Text clean-up for the PDF extractor: characters, lines, running headers and the title, all on plain
Python values (pdfplumber's char dicts, line strings), so it can be tested without a PDF."""

from __future__ import annotations

import itertools
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from extractors.textnorm import CJK_CLASS, SPACE_CLASS, fold_radicals

Obj = Mapping[str, Any]


_LATIN_SPACE_LATIN = re.compile(f"(?<=[A-Za-z0-9])[{SPACE_CLASS}]+(?=[A-Za-z0-9])")
_HSPACE_NEAR_CJK = re.compile(f"(?<=[{CJK_CLASS}])[ \t\u3000]+|[ \t\u3000]+(?=[{CJK_CLASS}])")
_SPACES = re.compile(f"[{SPACE_CLASS}]+")


def clean_cell_text(text: str | None) -> str | None:
    """Cell text on one line: breaks and spaces dropped unless they sit between two Latin/digit runs."""
    if text is None:
        return None
    text = fold_radicals(text).strip()
    # Spaces between two Latin/digit runs survive as one space (a placeholder keeps them apart);
    # every other break or space is a wrap or letter-spacing and goes.
    text = _LATIN_SPACE_LATIN.sub("\x00", text)
    return _SPACES.sub("", text).replace("\x00", " ")


def clean_line(text: str) -> str:
    """A body-text line: spaces next to CJK characters (letter-spacing, '2024 年') removed."""
    return _HSPACE_NEAR_CJK.sub("", fold_radicals(text)).strip()


# --------------------------------------------------------------------------------------
# Characters and graphics
# --------------------------------------------------------------------------------------


def fake_bold_duplicates(chars: Sequence[Obj], tolerance: float = 1.0) -> set[int]:
    """ids of chars that repeat an earlier char's glyph within `tolerance` pt (fake bold).

    Bucketed by rounded position, so O(n), unlike pdfplumber's dedupe_chars (quadratic sort).
    """
    seen: dict[tuple[str, int, int], list[Obj]] = {}
    duplicates: set[int] = set()
    for char in chars:
        text, x0, top = char["text"], float(char["x0"]), float(char["top"])
        if text.isspace():
            continue
        bx, by = round(x0), round(top)
        is_copy = any(
            abs(float(other["x0"]) - x0) <= tolerance and abs(float(other["top"]) - top) <= tolerance
            for dx in (-1, 0, 1)
            for dy in (-1, 0, 1)
            for other in seen.get((text, bx + dx, by + dy), ())
        )
        if is_copy:
            duplicates.add(id(char))
        else:
            seen.setdefault((text, bx, by), []).append(char)
    return duplicates


def _is_white(color: Any) -> bool:
    if color is None:
        return False
    values = color if isinstance(color, list | tuple) else (color,)
    try:
        floats = [float(v) for v in values]
    except (TypeError, ValueError):
        return False
    if len(floats) == 4:  # CMYK: white is no ink
        return all(v <= 0.02 for v in floats)
    return bool(floats) and all(v >= 0.98 for v in floats)


def is_invisible_graphic(obj: Obj) -> bool:
    """A rect/line/curve that draws nothing visible: white fill without stroke, or neither (issue #285)."""
    if obj.get("object_type") not in ("rect", "line", "curve"):
        return False
    stroke, fill = bool(obj.get("stroke")), bool(obj.get("fill"))
    if obj.get("object_type") == "line":
        return _is_white(obj.get("stroking_color"))
    if stroke and not _is_white(obj.get("stroking_color")):
        return False
    return not fill or _is_white(obj.get("non_stroking_color"))


BACKGROUND_MIN_SIDE = 3.0  # pt: a filled rect this wide and tall is a shaded area, not a drawn rule


def is_background_fill(obj: Obj) -> bool:
    """A filled, unstroked rect with both sides wider than a rule: page or cell shading (a printed web
    page's content box, a shaded header cell). Its outline is no border: the rules are drawn apart."""
    if obj.get("object_type") != "rect" or not obj.get("fill") or obj.get("stroke"):
        return False
    return float(obj["width"]) > BACKGROUND_MIN_SIDE and float(obj["height"]) > BACKGROUND_MIN_SIDE


def unreadable_chars(chars: Iterable[Obj]) -> int:
    """How many chars came out as `(cid:NNN)` or U+FFFD."""
    return sum(1 for c in chars if c["text"].startswith("(cid:") or "\ufffd" in c["text"])


# --------------------------------------------------------------------------------------
# Lines, running headers/footers, title
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    text: str
    top: float
    bottom: float
    size: float


_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－_~·•\s]*\d{1,4}[-—–－_~·•\s]*"
    r"|第\s*\d+\s*页\s*(?:[,，/]?\s*共\s*\d+\s*页)?"
    r"|共\s*\d+\s*页\s*第\s*\d+\s*页"
    r"|\d+\s*/\s*\d+"
    r"|page\s*\d+(?:\s*of\s*\d+)?)$",
    re.IGNORECASE,
)
MARGIN_SHARE = 0.12
HEADER_DRIFT = 4.0  # pt a running header may move between pages


def is_page_number(text: str) -> bool:
    return bool(_PAGE_NUMBER.match(text.strip()))


def in_margin(line: Line, page_height: float) -> bool:
    return line.bottom <= page_height * MARGIN_SHARE or line.top >= page_height * (1 - MARGIN_SHARE)


def _header_key(text: str) -> str:
    return re.sub(r"\d+", "#", _SPACES.sub("", text))


def repeated_margin_lines(pages: Sequence[tuple[Sequence[Line], float]]) -> dict[str, float]:
    """Lines printed in the top/bottom margin of at least half the pages (min. 2): key -> usual top."""
    page_counts: Counter[str] = Counter()
    tops: dict[str, Counter[int]] = {}
    for lines, height in pages:
        margin = [ln for ln in lines if in_margin(ln, height)]
        page_counts.update({_header_key(ln.text) for ln in margin})
        for line in margin:
            tops.setdefault(_header_key(line.text), Counter())[round(line.top)] += 1
    needed = max(2, (len(pages) + 1) // 2)
    return {
        key: float(tops[key].most_common(1)[0][0]) for key, n in page_counts.items() if n >= needed and key
    }


def is_running_header(line: Line, page_height: float, repeated: Mapping[str, float]) -> bool:
    """A page number, or a repeated margin line at its usual height (so a title that repeats the
    header text further down page 1 stays)."""
    if not in_margin(line, page_height):
        return False
    usual_top = repeated.get(_header_key(line.text))
    return is_page_number(line.text) or (usual_top is not None and abs(line.top - usual_top) <= HEADER_DRIFT)


_SENTENCE_END = ("。", "；", "，", ":", "：", ";")


def title_from_lines(lines: Sequence[Line], body_size: float) -> str | None:
    """The report title: leading lines in a larger font, else the lines up to the first '报告'."""
    candidates = []
    for line in lines[:4]:
        if len(line.text) > 40 or line.text.endswith(_SENTENCE_END):
            break
        candidates.append(line)
    heading = [ln.text for ln in itertools.takewhile(lambda ln: ln.size >= body_size * 1.1, candidates)]
    if not heading:
        ends = [i for i, line in enumerate(candidates[:3]) if "报告" in line.text]
        heading = [ln.text for ln in candidates[: ends[0] + 1]] if ends else []
    title = clean_cell_text("\n".join(heading)) if heading else None
    return title or None


def median_size(chars: Iterable[Obj]) -> float:
    sizes = [float(c["size"]) for c in chars if not c["text"].isspace()]
    return statistics.median(sizes) if sizes else 0.0
