"""DOCX extractor: a WordprocessingML package -> text blocks and raw table grids."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from extractors.docx.package import MAX_PART_BYTES as MAX_PART_BYTES  # re-exported for tests
from extractors.docx.package import DocxError, open_package
from extractors.model import Block, ExtractedDocument, RawCell, RawTable, TextBlock
from extractors.textgrid import build_grid_from_rows, join_fragments
from extractors.textnorm import normalize_spaces

_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
# Deleted revisions, field codes and properties: never printed text.
_SKIPPED_IN_RUNS = frozenset({"del", "moveFrom", "delText", "instrText", "rPr", "pPr"})


# ---- numbering ----------------------------------------------------------------------------

_CN_DIGITS = "〇一二三四五六七八九"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def chinese_counting(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十, 105 -> 一百零五 (enough for list numbers)."""
    if n <= 0:
        return str(n)
    if n < 10:
        return _CN_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")
    hundreds, rest = divmod(n, 100)
    if rest == 0:
        tail = ""
    elif rest < 10:
        tail = "零" + _CN_DIGITS[rest]
    else:
        tail = (_CN_DIGITS[1] if rest < 20 else "") + chinese_counting(rest)
    return _CN_DIGITS[hundreds % 10] + "百" + tail


_ROMAN = tuple(
    zip(
        (1000, 900, 500, 400, 100, 90, 50, 40, 10, 9, 5, 4, 1),
        ("M", "CM", "D", "CD", "C", "XC", "L", "XL", "X", "IX", "V", "IV", "I"),
        strict=True,
    )
)


def _roman(n: int) -> str:
    out = ""
    for value, letters in _ROMAN:
        count, n = divmod(n, value)
        out += letters * count
    return out


def _letters(n: int) -> str:
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def format_number(n: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting"):
        return chinese_counting(n)
    if fmt in ("ideographDigital", "taiwaneseDigital", "japaneseDigitalTenThousand"):
        return "".join(_CN_DIGITS[int(d)] for d in str(n))
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperLetter":
        return _letters(n)
    if fmt == "lowerLetter":
        return _letters(n).lower()
    if fmt == "decimalEnclosedCircle" and 0 < n <= len(_CIRCLED):
        return _CIRCLED[n - 1]
    if fmt in ("bullet", "none"):
        return ""
    return str(n)


@dataclass(frozen=True)
class _Level:
    fmt: str
    text: str
    start: int


class Numbering:
    """Renders the automatic number of a paragraph, counting list paragraphs in document order.

    Automatic numbering (`w:numPr`, direct or through the paragraph style) is reconstructed as text:
    "一、" for chineseCounting/ideographDigital/chineseCountingThousand, "1." for decimal, etc., by
    counting the paragraphs of each list level in document order (level overrides are ignored).
    """

    def __init__(self, w: str, numbering: etree._Element | None, styles: etree._Element | None) -> None:
        self.w = w
        self.levels: dict[str, dict[int, _Level]] = {}
        self.style_num: dict[str, tuple[str, int]] = {}
        self.counters: dict[str, dict[int, int]] = defaultdict(dict)
        if numbering is not None:
            self._read_numbering(numbering)
        if styles is not None:
            self._read_styles(styles)

    def _attr(self, el: etree._Element | None, name: str = "val") -> str | None:
        if el is None:
            return None
        value = el.get(f"{{{self.w}}}{name}")
        return None if value is None else str(value)

    def _read_numbering(self, numbering: etree._Element) -> None:
        w = self.w
        abstract: dict[str, dict[int, _Level]] = {}
        for absn in numbering.iter(f"{{{w}}}abstractNum"):
            levels: dict[int, _Level] = {}
            for lvl in absn.iter(f"{{{w}}}lvl"):
                fmt = self._attr(lvl.find(f"{{{w}}}numFmt")) or "decimal"
                text = self._attr(lvl.find(f"{{{w}}}lvlText")) or ""
                start = self._attr(lvl.find(f"{{{w}}}start")) or "1"
                levels[int(self._attr(lvl, "ilvl") or 0)] = _Level(
                    fmt, text, int(start) if start.isdigit() else 1
                )
            abstract[self._attr(absn, "abstractNumId") or ""] = levels
        for num in numbering.iter(f"{{{w}}}num"):
            abstract_id = self._attr(num.find(f"{{{w}}}abstractNumId"))
            self.levels[self._attr(num, "numId") or ""] = abstract.get(abstract_id or "", {})

    def _read_styles(self, styles: etree._Element) -> None:
        w = self.w
        for style in styles.iter(f"{{{w}}}style"):
            num_pr = style.find(f"{{{w}}}pPr/{{{w}}}numPr")
            num_id = self._attr(num_pr.find(f"{{{w}}}numId")) if num_pr is not None else None
            if num_pr is not None and num_id:
                ilvl = self._attr(num_pr.find(f"{{{w}}}ilvl")) or "0"
                self.style_num[self._attr(style, "styleId") or ""] = (num_id, int(ilvl))

    def _paragraph_list(self, p: etree._Element) -> tuple[str, int] | None:
        w = self.w
        num_pr = p.find(f"{{{w}}}pPr/{{{w}}}numPr")
        if num_pr is not None:
            num_id = self._attr(num_pr.find(f"{{{w}}}numId"))
            ilvl = self._attr(num_pr.find(f"{{{w}}}ilvl"))
            style_default = self.style_num.get(self._attr(p.find(f"{{{w}}}pPr/{{{w}}}pStyle")) or "")
            if num_id is None and style_default:
                num_id = style_default[0]
            return (num_id or "", int(ilvl) if ilvl and ilvl.isdigit() else 0)
        return self.style_num.get(self._attr(p.find(f"{{{w}}}pPr/{{{w}}}pStyle")) or "")

    def label(self, p: etree._Element) -> str:
        """The number text of paragraph `p` ("一、"), "" if it is not numbered; advances the count."""
        found = self._paragraph_list(p)
        if found is None or found[0] in ("", "0") or found[0] not in self.levels:
            return ""
        num_id, ilvl = found
        levels = self.levels[num_id]
        level = levels.get(ilvl)
        if level is None:
            return ""
        counters = self.counters[num_id]
        counters[ilvl] = counters.get(ilvl, level.start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]

        def render(match: re.Match[str]) -> str:
            k = int(match.group(1)) - 1
            lv = levels.get(k)
            count = counters.get(k, lv.start if lv else 1)
            return format_number(count, lv.fmt if lv else "decimal")

        return re.sub(r"%(\d)", render, level.text)


# ---- body ---------------------------------------------------------------------------------


@dataclass
class _Reader:
    w: str
    numbering: Numbering

    def q(self, local: str) -> str:
        return f"{{{self.w}}}{local}"

    def body_blocks(self, container: etree._Element) -> Iterator[Block]:
        for child in container:
            if child.tag == self.q("p"):
                yield from self.paragraph_blocks(child)
            elif child.tag == self.q("tbl"):
                yield self.table(child)
            elif child.tag in (self.q("sdt"), self.q("customXml"), self.q("sdtContent")):
                yield from self.body_blocks(child)

    def paragraph_blocks(self, p: etree._Element) -> Iterator[Block]:
        lines, boxes = self.paragraph_lines(p)
        for line in lines:
            if text := normalize_spaces(line):
                yield TextBlock(text, page=None)
        for box in boxes:
            yield from self.body_blocks(box)

    def paragraph_lines(self, p: etree._Element) -> tuple[list[str], list[etree._Element]]:
        """The paragraph's text split at line breaks, and the text boxes anchored in it."""
        lines = [self.numbering.label(p)]
        boxes: list[etree._Element] = []
        for kind, value in self._runs(p, boxes):
            if kind == "break":
                lines.append("")
            else:
                lines[-1] += value
        return lines, boxes

    def _runs(self, el: etree._Element, boxes: list[etree._Element]) -> Iterator[tuple[str, str]]:
        for child in el:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            local = tag.rsplit("}", 1)[-1]
            if tag == self.q("t"):
                yield "text", child.text or ""
            elif tag in (self.q("tab"), self.q("ptab")):
                yield "text", " "
            elif tag in (self.q("br"), self.q("cr")):
                yield "break", ""
            elif tag == self.q("noBreakHyphen"):
                yield "text", "-"
            elif tag == self.q("txbxContent"):
                boxes.append(child)
            elif self._not_printed(child, local):
                continue
            elif tag == self.q("p"):  # a paragraph inside a text box reached by the generic walk
                yield "break", ""
                yield from self._runs(child, boxes)
            else:
                yield from self._runs(child, boxes)

    def _not_printed(self, el: etree._Element, local: str) -> bool:
        if el.tag == f"{{{_MC}}}Fallback" or local in _SKIPPED_IN_RUNS:
            return True
        return el.tag == self.q("r") and self._hidden(el)

    def _hidden(self, run: etree._Element) -> bool:
        props = run.find(self.q("rPr"))
        vanish = props.find(self.q("vanish")) if props is not None else None
        return vanish is not None and vanish.get(self.q("val"), "true") not in ("0", "false", "off")

    def cell_text(self, tc: etree._Element) -> str:
        fragments: list[str] = []
        for block in self.body_blocks(tc):
            if isinstance(block, TextBlock):
                fragments.append(block.text)
            else:  # nested table: its cells' text, row by row, into this cell
                fragments += [c.text for row in block.rows for c in row if c.text]
        return join_fragments(fragments)

    def _int_val(self, el: etree._Element | None, default: int) -> int:
        value = el.get(self.q("val")) if el is not None else None
        return int(value) if value is not None and str(value).isdigit() else default

    def _children(self, el: etree._Element, local: str) -> Iterator[etree._Element]:
        """Direct children named `local`, looking through content controls (w:sdt)."""
        for child in el:
            if child.tag == self.q(local):
                yield child
            elif child.tag in (self.q("sdt"), self.q("sdtContent"), self.q("customXml")):
                yield from self._children(child, local)

    def table(self, tbl: etree._Element) -> RawTable:
        rows: list[list[RawCell]] = []
        for tr in self._children(tbl, "tr"):
            tr_pr = tr.find(self.q("trPr"))
            before = self._int_val(tr_pr.find(self.q("gridBefore")) if tr_pr is not None else None, 0)
            row = [RawCell("") for _ in range(before)]
            for tc in self._children(tr, "tc"):
                tc_pr = tc.find(self.q("tcPr"))
                span = max(1, self._int_val(tc_pr.find(self.q("gridSpan")) if tc_pr is not None else None, 1))
                v_merge = tc_pr.find(self.q("vMerge")) if tc_pr is not None else None
                continues = v_merge is not None and v_merge.get(self.q("val"), "continue") == "continue"
                text = None if continues else self.cell_text(tc)
                row += [RawCell(text)] + [RawCell(None)] * (span - 1)
            rows.append(row)
        return build_grid_from_rows(rows, strategy="docx-table")


# ---- title and the extractor ----------------------------------------------------------------

_SECTION_HEADING = re.compile(r"^[一二三四五六][、.．]")


def find_title(blocks: list[Block]) -> str | None:
    """The first short paragraph(s) before the first section heading, up to the one naming a report."""
    parts: list[str] = []
    for block in blocks:
        if not isinstance(block, TextBlock):
            break
        text = block.text
        if _SECTION_HEADING.match(text) or len(text) > 60 or text.endswith(("。", "；", "：")):
            break
        parts.append(text)
        if "报告" in text or len(parts) == 3:
            break
    if parts and any("报告" in p for p in parts):
        return join_fragments(parts)
    return parts[0] if parts else None


def _failed(problem: str) -> ExtractedDocument:
    return ExtractedDocument(format="docx", problems=[problem], status="failed")


def extract(path: Path, content_type: str | None = None) -> ExtractedDocument:
    """Read one .docx file. Never raises for a bad document: status "failed" instead.

    The package is read defensively (size caps, no DTDs, entities or network): see
    `extractors.docx.package`. Reading order follows the body: paragraphs -> `TextBlock` (a `w:br`
    inside a paragraph splits it into separate blocks, like `<br>` in HTML), tables -> `RawTable`
    (gridSpan repeats as None to the right, vMerge "continue" cells are None below the "restart"
    cell). A table nested in a cell is flattened into that cell's text, row by row. Text boxes
    (`w:txbxContent`) become blocks right after the paragraph that anchors them (the VML fallback
    copy inside `mc:Fallback` is skipped). Paragraph numbers are rendered by `Numbering`.
    """
    try:
        package = open_package(path)
    except DocxError as exc:
        return _failed(str(exc))
    root = package.document
    w = str(root.tag).split("}", 1)[0].lstrip("{") if str(root.tag).startswith("{") else ""
    body = root.find(f"{{{w}}}body")
    if body is None:
        return _failed("docx: the main document has no w:body")
    reader = _Reader(w, Numbering(w, package.numbering, package.styles))
    blocks = list(reader.body_blocks(body))
    if not blocks:
        return ExtractedDocument(
            format="docx", problems=[*package.problems, "docx: no text"], status="failed"
        )
    return ExtractedDocument(
        format="docx", blocks=blocks, title=find_title(blocks), problems=package.problems
    )
