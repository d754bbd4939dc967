"""The PDF extractor at the grid and text level.

Expectations come from the regression generator's inputs (`tests/regressions/make_regressions.py`)
or, for the real report huaian-2024.pdf, from numbers read off the printed pages by eye.
"""

from __future__ import annotations

import re
from pathlib import Path

import pdfplumber
import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractors.model import ExtractedDocument, RawTable
from extractors.pdf import extract
from extractors.pdf.tables import cover_unprinted_blanks, is_cut_row
from extractors.pdf.text import (
    Line,
    clean_cell_text,
    clean_line,
    fake_bold_duplicates,
    is_invisible_graphic,
    is_page_number,
    is_running_header,
    repeated_margin_lines,
)
from tests.regressions import make_regressions as gen

REGRESSIONS = Path(__file__).parent / "regressions"
HUAIAN = Path(__file__).parent / "fixtures" / "real" / "huaian-2024" / "report.pdf"


def grid(table: RawTable) -> list[list[str | None]]:
    return [[cell.text or None for cell in row] for row in table.rows]


def body_text(doc: ExtractedDocument) -> str:
    return "\n".join(block.text for block in doc.text_blocks)


def row_starting(table: RawTable, label: str) -> list[str | None]:
    """The cells after the label cell of the row whose label cell reads `label`."""
    for row in table.rows:
        texts = [c.text for c in row]
        if label in texts:
            return [t for t in texts[texts.index(label) + 1 :] if t is not None]
    raise AssertionError(f"no row labelled {label}")


# --------------------------------------------------------------------------------------
# The real WPS export (template 2021). Numbers typed from the rendered pages.
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def huaian() -> ExtractedDocument:
    return extract(HUAIAN)


def table_with(doc: ExtractedDocument, label: str) -> RawTable:
    matches = [t for t in doc.tables if any(c.text == label for row in t.rows for c in row)]
    assert len(matches) == 1, f"{len(matches)} tables contain {label}"
    return matches[0]


def test_huaian_has_exactly_the_three_printed_tables(huaian: ExtractedDocument) -> None:
    # The white filled rectangles behind the preamble paragraphs (pages 1 and 3) are not tables.
    assert len(huaian.tables) == 3
    assert huaian.status is None and huaian.problems == []
    assert huaian.page_count == 6


def test_huaian_requests_table_is_one_grid_across_pages_4_and_5(huaian: ExtractedDocument) -> None:
    table = table_with(huaian, "一、本年新收政府信息公开申请数量")
    assert table.page == 4 and table.strategy == "lines"
    assert len(table.rows) == 28 and {len(row) for row in table.rows} == {10}
    new = "一、本年新收政府信息公开申请数量"
    assert row_starting(table, new) == ["3001", "53", "0", "0", "61", "4", "3119"]
    assert row_starting(table, "二、上年结转政府信息公开申请数量") == ["34", "0", "0", "0", "0", "0", "34"]
    assert row_starting(table, "8.属于行政查询事项") == ["105", "0", "0", "0", "0", "0", "105"]
    assert row_starting(table, "2.没有现成信息需要另行制作") == ["11", "0", "0", "0", "0", "0", "11"]
    assert row_starting(table, "3、其他") == ["108", "2", "0", "0", "0", "0", "110"]
    assert row_starting(table, "（七）总计") == ["2932", "53", "0", "0", "61", "4", "3050"]
    assert row_starting(table, "四、结转下年度继续办理") == ["103", "0", "0", "0", "0", "0", "103"]
    header = [c.text for c in table.rows[2]]
    assert header[4:9] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    labels = [c.text for row in table.rows for c in row[:3]]
    assert "三、本年度办理结果" in labels
    # Printed '（四）无' at the foot of page 4 and '法提供' at the top of page 5.
    assert "（四）无法提供" in labels and "法提供" not in labels
    assert "5.要求行政机关确认或重新出具已获取信息" in labels


def test_huaian_cells_carry_the_page_they_are_printed_on(huaian: ExtractedDocument) -> None:
    table = table_with(huaian, "一、本年新收政府信息公开申请数量")
    pages = {c.text: c.page for row in table.rows for c in row if c.text}
    assert pages["1.本机关不掌握相关政府信息"] == 4
    assert pages["2.没有现成信息需要另行制作"] == 5
    assert pages["3050"] == 5 and pages["3119"] == 4


def test_huaian_active_disclosure_joins_pages_3_and_4_by_x(huaian: ExtractedDocument) -> None:
    table = table_with(huaian, "行政规范性文件")
    assert table.page == 3
    assert row_starting(table, "规章") == ["1", "0", "11"]
    assert row_starting(table, "行政规范性文件") == ["8", "26", "66"]
    assert row_starting(table, "行政许可") == ["447228"]
    assert row_starting(table, "行政处罚") == ["3985758"]
    assert row_starting(table, "行政强制") == ["88283"]
    assert row_starting(table, "行政事业性收费") == ["96171.6"]
    assert {len(row) for row in table.rows} == {4}
    assert [c.text for c in table.rows[0]] == ["第二十条第（一）项", None, None, None]


def test_huaian_review_litigation_row(huaian: ExtractedDocument) -> None:
    table = table_with(huaian, "行政复议")
    numbers = [c.text for c in table.rows[-1]]
    assert numbers == ["72", "64", "178", "37", "351", "13", "4", "8", "1", "26", "12", "1", "1", "6", "20"]
    assert "未经复议直接起诉" in [c.text for c in table.rows[1]]


def test_huaian_text_has_no_page_numbers_and_no_table_cells(huaian: ExtractedDocument) -> None:
    text = body_text(huaian)
    assert not [line for line in text.splitlines() if re.fullmatch(r"-\s*\d+\s*-", line)]
    assert "本年处理决定数量" not in text and "3985758" not in text and "商业企业" not in text
    for heading in ("一、总体情况", "二、主动公开政府信息情况", "五、存在的主要问题及改进情况"):
        assert heading in text.splitlines()
    assert "全年收取政府信息公开信息处理费3940元。" in text.replace("\n", "")


def test_huaian_title_joins_the_two_title_lines(huaian: ExtractedDocument) -> None:
    assert huaian.title == "淮安市人民政府2024年政府信息公开工作年度报告"


def test_huaian_blocks_are_in_reading_order(huaian: ExtractedDocument) -> None:
    pages = [block.page or 0 for block in huaian.blocks]
    assert pages == sorted(pages)
    kinds = ["T" if isinstance(b, RawTable) else "x" for b in huaian.blocks if b.page in (3, 4)]
    assert kinds == ["x", "T", "x", "T"]  # text, active_disclosure (3-4), heading 三、, requests


# --------------------------------------------------------------------------------------
# Generated regressions
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "split_row", "strategy"),
    [
        ("table-split-fewer-columns-repeated-header.pdf", gen.SPLIT_AFTER_HEADER, "lines"),
        ("table-split-mid-group-rect-borders.pdf", gen.SPLIT_IN_GROUP_FOUR, "rects"),
    ],
)
def test_split_requests_table_is_the_drawn_grid(name: str, split_row: int, strategy: str) -> None:
    doc = extract(REGRESSIONS / name)
    assert doc.status is None and doc.problems == []
    assert len(doc.tables) == 1
    table = doc.tables[0]
    assert table.strategy == strategy and table.page == 1
    assert grid(table) == gen.expected_grid(gen.requests_cells(seed=split_row))
    pages = [{c.page for c in row} for row in table.rows]
    assert pages == [{1}] * split_row + [{2}] * (gen.REQUEST_ROWS - split_row)


def test_continuation_without_a_top_rule_keeps_its_first_row() -> None:
    """pdfplumber #720: page 2's fragment starts without a rule above its first row."""
    path = REGRESSIONS / "table-split-no-top-rule-on-continuation.pdf"
    first_label = "（五）不予处理"
    with pdfplumber.open(path) as pdf:
        plain = pdf.pages[1].extract_tables()[0]
        assert len(plain) == gen.REQUEST_ROWS - gen.SPLIT_OPEN_TOP - 1, (
            "precondition: plain pdfplumber drops it"
        )
        assert first_label not in {text for row in plain for text in row}
    doc = extract(path)
    assert doc.status is None and doc.problems == [] and len(doc.tables) == 1
    table = doc.tables[0]
    assert grid(table) == gen.expected_grid(gen.requests_cells(seed=gen.SPLIT_OPEN_TOP))
    pages = [{c.page for c in row} for row in table.rows]
    assert pages == [{1}] * gen.SPLIT_OPEN_TOP + [{2}] * (gen.REQUEST_ROWS - gen.SPLIT_OPEN_TOP)
    assert first_label not in body_text(doc)


def test_a_row_cut_by_the_page_break_is_joined() -> None:
    """Row CUT_ROW prints its labels at the foot of page 1 and its numbers at the top of page 2."""
    doc = extract(REGRESSIONS / "table-split-row-cut-labels-then-numbers.pdf")
    assert doc.status is None and doc.problems == [] and len(doc.tables) == 1
    table = doc.tables[0]
    assert grid(table) == gen.expected_grid(gen.requests_cells(seed=gen.CUT_ROW))
    cut = table.rows[gen.CUT_ROW]
    assert [c.page for c in cut if c.text] == [1] + [2] * 7  # the label where printed, numbers on page 2
    assert {c.page for row in table.rows[: gen.CUT_ROW] for c in row} == {1}
    assert {c.page for row in table.rows[gen.CUT_ROW + 1 :] for c in row} == {2}


@pytest.mark.parametrize(
    ("upper", "lower"),
    [
        (
            ["3.要求提供公开出版物", "", ""],
            ["4.无正当理由大量反复申请", "1", "2"],
        ),  # the lower row has a label
        (["规章", "", "3"], ["", "1", ""]),  # the upper row already prints a number
        (["信息内容", "本年制发件数", ""], ["", "1", "2"]),  # a header row above numbers
        (["行政许可", "", ""], ["", "", ""]),  # nothing printed below
    ],
)
def test_rows_that_are_not_two_halves_of_one_row_stay_apart(
    upper: list[str | None], lower: list[str | None]
) -> None:
    assert not is_cut_row(upper, lower)


def test_split_table_text_blocks_surround_the_table() -> None:
    doc = extract(REGRESSIONS / "table-split-fewer-columns-repeated-header.pdf")
    kinds = ["T" if isinstance(b, RawTable) else b.page for b in doc.blocks]
    assert kinds == [1, "T", 2]
    first, last = doc.text_blocks
    assert first.text.splitlines() == [*gen.TITLE, *gen.PARAGRAPH, *gen.SECTION_ONE, gen.REQUESTS_HEADING]
    assert last.text.splitlines() == list(gen.SECTION_FOUR)


@pytest.mark.parametrize(
    "name", ["table-split-fewer-columns-repeated-header.pdf", "table-split-mid-group-rect-borders.pdf"]
)
def test_running_headers_footers_and_fake_bold_are_gone(name: str) -> None:
    doc = extract(REGRESSIONS / name)
    text = body_text(doc)
    assert gen.RUNNING_HEADER not in text
    assert not re.search(r"第\d页|—\s*\d\s*—", text)
    assert "一一" not in text and text.splitlines().count("一、总体情况") == 1
    assert doc.title == "".join(gen.TITLE)


def test_white_rectangles_do_not_make_a_phantom_table() -> None:
    path = REGRESSIONS / "white-rects-phantom-table.pdf"
    with pdfplumber.open(path) as pdf:
        tables = pdf.pages[0].extract_tables()
        assert tables and len(tables[0][0]) == 2, "precondition: unfiltered pdfplumber sees a 2-column table"
    doc = extract(path)
    assert doc.tables == []
    assert body_text(doc).splitlines() == [*gen.PARAGRAPH, *gen.SECTION_ONE]


def test_scanned_pdf_needs_ocr() -> None:
    doc = extract(REGRESSIONS / "scanned-no-text-layer.pdf")
    assert doc.status == "needs_ocr" and doc.blocks == [] and doc.page_count == 2
    assert any("page 1" in p and "OCR" in p for p in doc.problems)


def test_encrypted_pdf_fails_with_reason() -> None:
    doc = extract(REGRESSIONS / "encrypted.pdf")
    assert doc.status == "failed" and doc.blocks == []
    assert any("encrypted" in p for p in doc.problems)


def test_truncated_pdf_fails_with_reason(tmp_path: Path) -> None:
    source = (REGRESSIONS / "table-split-mid-group-rect-borders.pdf").read_bytes()
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(source[:800])
    doc = extract(truncated)
    assert doc.status == "failed"
    assert doc.problems and doc.problems[0].startswith("open:")


@pytest.mark.parametrize(
    "content", [b"", b"<html><body>not a pdf</body></html>", b"%PDF-1.7\n\x00\xff garbage"]
)
def test_garbage_fails_with_reason(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    doc = extract(path)
    assert doc.status == "failed" and doc.problems


def test_kangxi_radicals_are_unified_and_cid_page_is_reported() -> None:
    doc = extract(REGRESSIONS / "kangxi-radicals-and-cid-glyphs.pdf")
    assert [(b.page, b.text) for b in doc.text_blocks] == [(1, gen.RADICAL_TEXT_UNIFIED)]
    assert doc.problems == ["page 2: text is (cid:…) glyph codes, not readable"]
    assert doc.status is None


# --------------------------------------------------------------------------------------
# Pure helpers
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("商业企\n业", "商业企业"),
        ("结 果\n维持", "结果维持"),
        ("（三）不予公\n开", "（三）不予公开"),
        ("Open\nGovernment", "Open Government"),
        ("2024\n12", "2024 12"),
        ("本年收费金额\n（单位：万元）", "本年收费金额（单位：万元）"),
        ("⼀、⼈民", "一、人民"),
        ("  ", ""),
        (None, None),
    ],
)
def test_clean_cell_text(raw: str | None, clean: str | None) -> None:
    assert clean_cell_text(raw) == clean


@given(st.text(alphabet=st.sampled_from("商业 企\n\tAb1 9（）、⼀")))
def test_clean_cell_text_is_idempotent(text: str) -> None:
    once = clean_cell_text(text)
    assert clean_cell_text(once) == once


def test_clean_line_keeps_latin_spaces_and_drops_cjk_spacing() -> None:
    assert clean_line("2024 年， 淮 安 市 open data 3 件") == "2024年，淮安市open data 3件"
    assert clean_line("兀 full-width：１２") == "兀full-width：１２"  # no NFKC on digits


@pytest.mark.parametrize("text", ["- 3 -", "— 12 —", "第3页 共8页", "第 3 页", "3/8", "12", "Page 2 of 9"])
def test_page_numbers_are_recognised(text: str) -> None:
    assert is_page_number(text)


@pytest.mark.parametrize("text", ["一、总体情况", "2024年", "3119件", "第二十条第（一）项"])
def test_body_lines_are_not_page_numbers(text: str) -> None:
    assert not is_page_number(text)


def test_repeated_margin_lines_need_half_the_pages() -> None:
    header = Line("某县政府 第1期", top=30, bottom=40, size=9)
    body = Line("某县政府 第1期", top=400, bottom=410, size=12)
    pages = [([header], 842.0), ([header], 842.0), ([body], 842.0), ([], 842.0)]
    assert repeated_margin_lines(pages) == {"某县政府第#期": 30}
    assert repeated_margin_lines(pages[:1] + pages[2:]) == {}


def test_title_repeating_the_running_header_is_not_a_header() -> None:
    header = Line("某县2023年政府信息公开工作年度报告", top=33, bottom=42, size=9)
    title = Line("某县2023年政府信息公开工作年度报告", top=74, bottom=90, size=16)
    repeated = repeated_margin_lines([([header, title], 842.0), ([header], 842.0)])
    assert is_running_header(header, 842.0, repeated)
    assert not is_running_header(title, 842.0, repeated)


def test_fake_bold_duplicates_are_found_in_linear_buckets() -> None:
    def char(text: str, x0: float, top: float) -> dict[str, object]:
        return {"text": text, "x0": x0, "top": top}

    chars = [char("一", 72.0, 100.0), char("一", 72.3, 100.0), char("一", 84.0, 100.0)]
    chars += [char("、", 95.6, 100.2), char("、", 96.4, 100.0)]
    duplicates = fake_bold_duplicates(chars)
    assert duplicates == {id(chars[1]), id(chars[4])}


def test_invisible_graphics() -> None:
    white = {"object_type": "rect", "fill": True, "stroke": False, "non_stroking_color": (1.0, 1.0, 1.0)}
    shaded = {"object_type": "rect", "fill": True, "stroke": False, "non_stroking_color": (0.78, 0.85, 0.95)}
    border = {"object_type": "rect", "fill": False, "stroke": True, "stroking_color": (0,)}
    cmyk_white = {"object_type": "rect", "fill": True, "stroke": False, "non_stroking_color": (0, 0, 0, 0)}
    assert is_invisible_graphic(white) and is_invisible_graphic(cmyk_white)
    assert not is_invisible_graphic(shaded) and not is_invisible_graphic(border)


# ---- tables drawn with horizontal rules only -------------------------------------------------

HORIZONTAL = Path(__file__).parent / "fixtures" / "pdf-2021-horizontal-rules" / "report.pdf"


def test_rule_only_tables_are_found_with_explicit_columns() -> None:
    doc = extract(HORIZONTAL)
    assert [t.strategy for t in doc.tables] == ["explicit"] * 3
    requests = doc.tables[1]
    assert {c.page for row in requests.rows for c in row} == {2, 3}  # joined across the page break
    assert {len(row) for row in requests.rows} == {10}  # 3 label columns + 7 applicant columns


def test_a_spanning_value_without_vertical_rules_is_one_cell() -> None:
    active = extract(HORIZONTAL).tables[0]
    licensing = next(row for row in active.rows if row[0].text == "行政许可")
    assert [c.text for c in licensing if c.text is not None] == ["行政许可", "356"]


def test_blanks_under_unprinted_headers_are_covered_and_under_printed_ones_are_values() -> None:
    rows: list[list[str | None]] = [
        ["第二十条第（五）项", "", "", ""],
        ["信息内容", "", "本年处理决定数量", ""],
        ["行政许可", "", "356", ""],
        ["行政处罚", "", "", ""],
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["规章", "1", "", "3"],
    ]
    assert cover_unprinted_blanks(rows) == [
        ["第二十条第（五）项", "", "", ""],  # no header above yet, and no text in a number column
        ["信息内容", None, "本年处理决定数量", None],
        ["行政许可", None, "356", None],
        ["行政处罚", None, "", None],
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["规章", "1", "", "3"],
    ]


def test_a_continuation_without_headers_keeps_its_blanks() -> None:
    rows: list[list[str | None]] = [["3.危及“三安全一稳定”", "", "1"], ["4.保护第三方合法权益", "0", ""]]
    assert cover_unprinted_blanks(rows) == rows


def test_a_table_cut_by_the_page_end_without_a_rule_under_its_last_row_keeps_that_row() -> None:
    # hongze-2023 page 3: the column rules run on below the last horizontal rule, around one more
    # row ("2.没有现成信息需要另行制作 3 0 0 0 0 0 3"), and the table goes on at the top of page 4.
    doc = extract(Path(__file__).parent / "fixtures" / "real" / "hongze-2023" / "report.pdf")
    table = table_with(doc, "一、本年新收政府信息公开申请数量")
    assert row_starting(table, "2.没有现成信息需要另行制作") == ["3", "0", "0", "0", "0", "0", "3"]
    assert row_starting(table, "四、结转下年度继续办理") == ["0"] * 7
    assert {row[-1].page for row in table.rows} == {3, 4}


# --------------------------------------------------------------------------------------
# Real web pages printed to PDF at page sizes that cut their tables (tests/fixtures/real/*-printed-*).
# What each page shows was read on the rendered pages; the cells are checked in tests/test_golden.py.
# --------------------------------------------------------------------------------------

PRINTS = Path(__file__).parent / "fixtures" / "real"


@pytest.fixture(scope="module")
def pingtan_a5() -> ExtractedDocument:
    return extract(PRINTS / "pingtan-2023-printed-a5" / "report.pdf")


def test_a_merged_label_column_cut_by_two_page_ends_stays_in_its_table(pingtan_a5: ExtractedDocument) -> None:
    """三、本年度办理结果 starts at the foot of page 6 ("三、本年" in the cell, "度办" set under its last
    rule), runs on over page 7 ("理结果", no rule above or below it) and page 8."""
    requests = table_with(pingtan_a5, "一、本年新收政府信息公开申请数量")
    labels = [c.text for row in requests.rows for c in row if c.text and "本年" in c.text and "三" in c.text]
    assert labels == ["三、本年度办理结果"]
    assert sorted({c.page for row in requests.rows for c in row}) == [6, 7, 8, 9]
    lines = body_text(pingtan_a5).split("\n")
    assert "度办" not in lines and "理结果" not in lines


def test_a_tables_first_row_alone_at_a_page_foot_joins_the_table(pingtan_a5: ExtractedDocument) -> None:
    review = table_with(pingtan_a5, "行政复议")
    assert [c.text for c in review.rows[0] if c.text] == ["行政复议", "行政诉讼"]
    assert review.rows[0][0].page == 9 and review.rows[-1][0].page == 10
    assert "行政复议行政诉讼" not in body_text(pingtan_a5).replace("\n", "")


def test_a_header_row_cut_mid_row_keeps_its_words() -> None:
    """B5: the review table's second header row is cut by the page end, "结果" above it and "维持"
    set under the row's last rule; the numbers are on the next page."""
    doc = extract(PRINTS / "shuyang-fgj-2023-printed-b5" / "report.pdf")
    review = table_with(doc, "行政复议")
    assert [c.text for c in review.rows[1][:5]] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    assert "维纠" not in body_text(doc)


def test_a_tall_row_without_a_rule_above_it_keeps_its_numbers() -> None:
    """A5: 2.申请人逾期未按收费通知要求缴纳费用… wraps over twelve lines at the head of page 11 with
    no rule above it (the label of the row before runs on there too); the row keeps its zeros."""
    doc = extract(PRINTS / "shuyang-fgj-2023-printed-a5" / "report.pdf")
    requests = table_with(doc, "（七）总计")
    row = next(r for r in requests.rows if any((c.text or "").startswith("2.申请人逾期未按收费") for c in r))
    assert [c.text for c in row[-7:]] == ["0", "", "", "", "", "", "0"]


def test_vertical_rules_drawn_in_segments_are_one_rule() -> None:
    from extractors.pdf.pageends import vertical_runs

    def v(x: float, top: float, bottom: float) -> dict[str, object]:
        return {"orientation": "v", "x0": x, "top": top, "bottom": bottom}

    edges = [v(62.2, 56.2, 96.7), v(63.0, 96.7, 153.0), v(62.2, 153.0, 200.0), v(62.2, 300.0, 320.0)]
    assert vertical_runs(edges) == [(62.2, 56.2, 200.0), (62.2, 300.0, 320.0)]


def test_a_row_filling_a_page_without_rules_above_or_below_gets_both() -> None:
    """A label wrapped over a whole narrow page (A5, 30 mm margins): its column rules run from the
    page's first line to its last and no rule closes the row there."""
    from types import SimpleNamespace

    from extractors.pdf.pageends import unruled_row_rules

    xs = (96.7, 157.7, 211.3, 322.8)
    edges = [{"orientation": "v", "x0": x, "top": 84.8, "bottom": 283.3} for x in xs]
    edges += [{"orientation": "h", "x0": x - 0.5, "x1": x + 0.5, "top": 84.8} for x in xs]  # corners
    page = SimpleNamespace(chars=[{"top": 100.0, "x0": 120.0}])
    rules = unruled_row_rules(page, edges)
    assert [(r["top"], r["x0"], r["x1"]) for r in rules] == [(84.8, 96.7, 322.8), (283.3, 96.7, 322.8)]
    assert unruled_row_rules(SimpleNamespace(chars=[]), edges) == []  # no text inside: no row
