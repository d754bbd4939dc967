"""Generate the tiny regression PDFs of the PDF extractor, each named after what it exercises.

Run `python tests/regressions/make_regressions.py` to rewrite them. The tests import the data
constants and `expected_grid` from here, so every expectation comes from what was drawn, never
from what the extractor printed.
"""

from __future__ import annotations

import io
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

HERE = Path(__file__).parent
FONT = "STSong-Light"
W, H = 595.0, 842.0
TITLE = ("某某县人民政府办公室", "2021年政府信息公开工作年度报告")
RUNNING_HEADER = "某某县人民政府办公室政务公开专栏"
PARAGRAPH = (
    "本报告由某某县人民政府办公室根据《中华人民共和国政府信息公开条例》编制。",
    "报告所列统计期限自2021年1月1日至2021年12月31日。",
)
SECTION_ONE = ("一、总体情况", "2021年，本县坚持以公开为常态、不公开为例外，全面推进政务公开。")
SECTION_FOUR = ("四、政府信息公开行政复议、行政诉讼情况", "本年度未发生相关行政复议和行政诉讼。")
REQUESTS_HEADING = "三、收到和处理政府信息公开申请情况"

# ---- the requests table (template 2021) as merged cells: (row, col, rowspan, colspan, text) ----
COL_X = (60.0, 76.0, 136.0, 280.0, 316.0, 352.0, 388.0, 424.0, 460.0, 496.0, 532.0)
ROW_H = 22.0
COLUMNS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")
RESULT_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("（一）予以公开", ()),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ()),
    (
        "（三）不予公开",
        (
            "1.属于国家秘密",
            "2.其他法律行政法规禁止公开",
            "3.危及“三安全一稳定”",
            "4.保护第三方合法权益",
            "5.属于三类内部事务信息",
            "6.属于四类过程性信息",
            "7.属于行政执法案卷",
            "8.属于行政查询事项",
        ),
    ),
    (
        "（四）无法提供",
        ("1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确"),
    ),
    (
        "（五）不予处理",
        (
            "1.信访举报投诉类申请",
            "2.重复申请",
            "3.要求提供公开出版物",
            "4.无正当理由大量反复申请",
            "5.要求行政机关确认或重新出具已获取信息",
        ),
    ),
    (
        "（六）其他处理",
        (
            "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
            "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
            "3.其他",
        ),
    ),
    ("（七）总计", ()),
)


@dataclass(frozen=True)
class Cell:
    row: int
    col: int
    rowspan: int
    colspan: int
    text: str


def requests_cells(seed: int) -> list[Cell]:
    rng = random.Random(seed)
    cells = [
        Cell(0, 0, 3, 3, "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"),
        Cell(0, 3, 1, 7, "申请人情况"),
        Cell(1, 3, 2, 1, COLUMNS[0]),
        Cell(1, 4, 1, 5, "法人或其他组织"),
        Cell(1, 9, 2, 1, COLUMNS[6]),
        *(Cell(2, 4 + i, 1, 1, name) for i, name in enumerate(COLUMNS[1:6])),
        Cell(3, 0, 1, 3, "一、本年新收政府信息公开申请数量"),
        Cell(4, 0, 1, 3, "二、上年结转政府信息公开申请数量"),
    ]
    row = 5
    for group, items in RESULT_GROUPS:
        if not items:
            cells.append(Cell(row, 1, 1, 2, group))
            row += 1
            continue
        cells.append(Cell(row, 1, len(items), 1, group))
        cells += [Cell(row + i, 2, 1, 1, item) for i, item in enumerate(items)]
        row += len(items)
    cells.append(Cell(5, 0, row - 5, 1, "三、本年度办理结果"))
    cells.append(Cell(row, 0, 1, 3, "四、结转下年度继续办理"))
    for r in range(3, row + 1):
        values = [rng.randint(0, 60) for _ in range(6)]
        cells += [Cell(r, 3 + i, 1, 1, str(v)) for i, v in enumerate([*values, sum(values)])]
    return cells


REQUEST_ROWS = 28
ROW_OF_GROUP_FOUR = 15  # （四）无法提供 starts here


def expected_grid(
    cells: Sequence[Cell], n_rows: int = REQUEST_ROWS, n_cols: int = 10
) -> list[list[str | None]]:
    """The grid as drawn: text in a merged cell's top-left, None in the cells it covers."""
    grid: list[list[str | None]] = [[None] * n_cols for _ in range(n_rows)]
    for cell in cells:
        grid[cell.row][cell.col] = cell.text
    return grid


# --------------------------------------------------------------------------------------
# Drawing
# --------------------------------------------------------------------------------------


def _wrap(text: str, width: float, size: float) -> list[str]:
    lines, line = [], ""
    for char in text:
        if line and pdfmetrics.stringWidth(line + char, FONT, size) > width:
            lines.append(line)
            line = ""
        line += char
    return [*lines, line] if line else lines


def _rule(c: Canvas, x0: float, y0: float, x1: float, y1: float, as_rect: bool) -> None:
    if as_rect:  # WPS style: borders as thin filled rectangles
        c.rect(min(x0, x1) - 0.25, min(y0, y1) - 0.25, abs(x1 - x0) + 0.5, abs(y1 - y0) + 0.5, 0, 1)
    else:
        c.line(x0, y0, x1, y1)


def draw_cells(
    c: Canvas,
    cells: Sequence[Cell],
    rows: range,
    top: float,
    as_rects: bool,
    text_of: dict[int, str],
    top_rule: bool = True,
) -> float:
    """Draw the part of each cell that falls in `rows`; `text_of` overrides a cell's text (by id).
    Without `top_rule` the first row has no rule above it (a fragment continued after a page break)."""
    c.setLineWidth(0.5)
    c.setFont(FONT, 7)
    for cell in cells:
        first, last = max(cell.row, rows.start), min(cell.row + cell.rowspan, rows.stop) - 1
        if first > last:
            continue
        x0, x1 = COL_X[cell.col], COL_X[cell.col + cell.colspan]
        y_top, y_bottom = top - (first - rows.start) * ROW_H, top - (last + 1 - rows.start) * ROW_H
        if top_rule or first > rows.start:
            _rule(c, x0, y_top, x1, y_top, as_rects)
        _rule(c, x0, y_bottom, x1, y_bottom, as_rects)
        _rule(c, x0, y_top, x0, y_bottom, as_rects)
        _rule(c, x1, y_top, x1, y_bottom, as_rects)
        text = text_of.get(id(cell), cell.text if cell.row == first else "")
        size = 7.0
        lines = _wrap(text, x1 - x0 - 4, size)
        y = y_top - 8
        for line in lines:
            c.drawString(x0 + 2, y, line)
            y -= size + 1.5
    return top - len(rows) * ROW_H


def decorate(c: Canvas, page: int, pages: int, footer: str) -> None:
    """The running header line and the page-number footer."""
    c.setFont(FONT, 9)
    c.drawCentredString(W / 2, H - 40, RUNNING_HEADER)
    c.drawCentredString(W / 2, 40, footer.format(page=page, pages=pages))


def draw_lines(c: Canvas, lines: Sequence[str], y: float, size: float = 12, bold: bool = False) -> float:
    c.setFont(FONT, size)
    for line in lines:
        c.drawString(72, y, line)
        if bold:  # fake bold: the same glyphs again, 0.3 pt to the right
            c.drawString(72.3, y, line)
        y -= size * 1.8
    return y


def title_block(c: Canvas) -> float:
    c.setFont(FONT, 18)
    y = H - 100
    for line in TITLE:
        c.drawCentredString(W / 2, y, line)
        y -= 28
    y = draw_lines(c, PARAGRAPH, y - 10)
    y = draw_lines(c, SECTION_ONE[:1], y, bold=True)
    y = draw_lines(c, SECTION_ONE[1:], y)
    return draw_lines(c, (REQUESTS_HEADING,), y, bold=True)


def split_table_pdf(
    path: Path,
    split_row: int,
    repeat_header: bool,
    as_rects: bool,
    footer: str,
    open_top: bool = False,
    cut_row: bool = False,
) -> None:
    """Title, text, and the requests table broken across pages 1-2 before row `split_row`.

    `open_top`: page 2's fragment has no rule above its first row (pdfplumber #720).
    `cut_row`: row `split_row` itself is cut in two, its labels on page 1 and its numbers on page 2."""
    c = Canvas(str(path), pagesize=(W, H), invariant=True)
    cells = requests_cells(seed=split_row)
    group_four = next(cell for cell in cells if cell.text == "（四）无法提供")
    first_half, second_half = {}, {}
    if split_row == ROW_OF_GROUP_FOUR + 1:  # the label is printed half on each page, as WPS does
        first_half[id(group_four)], second_half[id(group_four)] = "（四）无", "法提供"
    if cut_row:
        for cell in cells:
            if cell.row == split_row:
                (second_half if cell.col < 3 else first_half)[id(cell)] = ""
    page_one_rows = range(0, split_row + 1 if cut_row else split_row)
    draw_cells(c, cells, page_one_rows, title_block(c), as_rects, first_half)
    decorate(c, 1, 2, footer)
    c.showPage()
    top = H - 70
    if repeat_header:
        top = draw_cells(c, cells, range(0, 3), top, as_rects, {})
    rows = range(split_row, REQUEST_ROWS)
    y = draw_cells(c, cells, rows, top, as_rects, second_half, top_rule=not open_top)
    draw_lines(c, SECTION_FOUR, y - 30)
    decorate(c, 2, 2, footer)
    c.showPage()
    c.save()


def phantom_rects_pdf(path: Path) -> None:
    """Paragraphs sitting on white filled rectangles (no stroke), as some exporters draw them (#285)."""
    c = Canvas(str(path), pagesize=(W, H), invariant=True)
    c.setFillColorRGB(1, 1, 1)
    for i in range(len(PARAGRAPH) + 2):  # two columns of boxes: a 2-column grid to pdfplumber
        c.rect(70, H - 130 - i * 28, 225, 28, stroke=0, fill=1)
        c.rect(295, H - 130 - i * 28, 225, 28, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)
    draw_lines(c, (*PARAGRAPH, *SECTION_ONE), H - 120)
    c.showPage()
    c.save()


def scanned_pdf(path: Path) -> None:
    """Two pages that are only images of text, no text layer."""
    c = Canvas(str(path), pagesize=(W, H), invariant=True)
    for _ in range(2):
        image = Image.new("L", (400, 560), 255)
        ImageDraw.Draw(image).rectangle((40, 40, 360, 80), fill=0)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        c.drawImage(ImageReader(io.BytesIO(buffer.getvalue())), 0, 0, W, H)
        c.showPage()
    c.save()


def encrypted_pdf(path: Path) -> None:
    encryption = StandardEncryption("secret", ownerPassword="owner", strength=128)
    c = Canvas(str(path), pagesize=(W, H), encrypt=encryption, invariant=True)
    draw_lines(c, PARAGRAPH, H - 100)
    c.showPage()
    c.save()


# ---- a hand-written PDF: one font whose ToUnicode maps to Kangxi radicals, one with no ToUnicode ----
RADICAL_TEXT = "⼀、总体情况：⼈民政府⾦额"  # U+2F00 ⼀, U+2F08 ⼈, U+2FA6 ⾦
RADICAL_TEXT_UNIFIED = "一、总体情况：人民政府金额"
CID_PAGE_GLYPHS = 40


def _to_unicode_cmap(text: str) -> bytes:
    pairs = "".join(f"<{i + 1:04X}> <{ord(ch):04X}>\n" for i, ch in enumerate(text))
    return (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        f"{len(text)} beginbfchar\n{pairs}endbfchar\n"
        "endcmap CMapName currentdict /CMap defineresource pop end end\n"
    ).encode()


def _stream(data: bytes) -> bytes:
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def _type0_font(descendant: int, to_unicode: int | None) -> bytes:
    tail = b" /ToUnicode %d 0 R" % to_unicode if to_unicode else b""
    return (
        b"<< /Type /Font /Subtype /Type0 /BaseFont /NoGlyphs /Encoding /Identity-H "
        b"/DescendantFonts [%d 0 R]" % descendant + tail + b" >>"
    )


def _text_ops(font: str, codes: Sequence[int], y: int) -> bytes:
    hexcodes = "".join(f"{code:04X}" for code in codes)
    return f"BT /{font} 14 Tf 72 {y} Td <{hexcodes}> Tj ET\n".encode()


def radicals_and_cid_pdf(path: Path) -> None:
    """Page 1: text whose ToUnicode gives Kangxi radicals. Page 2: glyphs with no ToUnicode at all."""
    page1 = _text_ops("F1", range(1, len(RADICAL_TEXT) + 1), 760)
    page2 = _text_ops("F2", range(1, CID_PAGE_GLYPHS + 1), 760)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R "
        b"/Resources << /Font << /F1 7 0 R >> >> >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 6 0 R "
        b"/Resources << /Font << /F2 8 0 R >> >> >>",
        _stream(page1),
        _stream(page2),
        _type0_font(9, 10),
        _type0_font(9, None),
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /NoGlyphs /DW 1000\n"
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>\n"
        b"/FontDescriptor 11 0 R >>",
        _stream(_to_unicode_cmap(RADICAL_TEXT)),
        b"<< /Type /FontDescriptor /FontName /NoGlyphs /Flags 4 /FontBBox [0 -200 1000 900] "
        b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))


# Regression file -> (generator, what it exercises)
SPLIT_AFTER_HEADER = 5  # page 1 holds the header and rows 一/二 only: 8 columns there, 10 on page 2
SPLIT_IN_GROUP_FOUR = ROW_OF_GROUP_FOUR + 1
SPLIT_OPEN_TOP = 18  # page 2 starts with （五）不予处理 and no rule above it
CUT_ROW = 20  # 3.要求提供公开出版物: its labels on page 1, its numbers on page 2


def generate(target: Path = HERE) -> list[Path]:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    jobs = {
        "table-split-fewer-columns-repeated-header.pdf": lambda p: split_table_pdf(
            p, SPLIT_AFTER_HEADER, repeat_header=True, as_rects=False, footer="第{page}页 共{pages}页"
        ),
        "table-split-mid-group-rect-borders.pdf": lambda p: split_table_pdf(
            p, SPLIT_IN_GROUP_FOUR, repeat_header=False, as_rects=True, footer="— {page} —"
        ),
        "table-split-no-top-rule-on-continuation.pdf": lambda p: split_table_pdf(
            p, SPLIT_OPEN_TOP, repeat_header=False, as_rects=False, footer="- {page} -", open_top=True
        ),
        "table-split-row-cut-labels-then-numbers.pdf": lambda p: split_table_pdf(
            p, CUT_ROW, repeat_header=False, as_rects=True, footer="- {page} -", cut_row=True
        ),
        "white-rects-phantom-table.pdf": phantom_rects_pdf,
        "scanned-no-text-layer.pdf": scanned_pdf,
        "encrypted.pdf": encrypted_pdf,
        "kangxi-radicals-and-cid-glyphs.pdf": radicals_and_cid_pdf,
    }
    written = []
    for name, make in jobs.items():
        path = target / name
        make(path)
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in generate():
        print(written_path)
