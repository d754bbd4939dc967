"""The HTML extractor at the grid/text level: fixtures, the seed report, and the tricky cases.

Expectations come from the fixtures' expected.json (written from the generator's specs, and for
seed-2019 by hand from the seed text) or are spelled out in the snippets below.
"""

from __future__ import annotations

import json
import re
from html import escape as html_escape
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractors.html import candidate_encodings, decode_html, extract
from extractors.model import ExtractedDocument, RawTable, TextBlock
from extractors.portal import is_metadata_line, published_from_meta, published_from_text
from extractors.textgrid import SpanCell, build_grid, join_fragments, split_textgrids
from extractors.textnorm import normalize_spaces
from pipeline.normalize.template import ACTIVE_BLOCKS, REQUEST_ROWS, REVIEW_COLUMNS, REVIEW_ROWS

FIXTURES = Path(__file__).parent / "fixtures"
SEED_TEXT = FIXTURES / "seed-2019" / "seed.txt"


# ---- helpers shared with test_docx_extractor (no test_ names, so they are not collected twice) --


def squash(text: str | None) -> str:
    return re.sub(r"\s+", "", text or "")


def fixture_cases(fmt: str) -> list[str]:
    cases = []
    for path in sorted(FIXTURES.glob("*/expected.json")):
        if json.loads(path.read_text(encoding="utf-8"))["format"] == fmt:
            cases.append(path.parent.name)
    return cases


def load_case(case: str) -> tuple[dict[str, Any], Path]:
    folder = FIXTURES / case
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    return expected, folder / expected["document"]


def section_texts(doc: ExtractedDocument, headings: list[str]) -> dict[str, str]:
    """Squashed text between consecutive expected headings (matched in order, as whole blocks)."""
    out: dict[str, str] = {}
    current = "<preamble>"
    pending = list(headings)
    for block in doc.blocks:
        if isinstance(block, RawTable):
            continue
        if pending and squash(block.text) == squash(pending[0]):
            current = pending.pop(0)
            out[current] = ""
            continue
        out[current] = out.get(current, "") + squash(block.text)
    assert not pending, f"headings not found as blocks: {pending}"
    return out


def check_sections(doc: ExtractedDocument, expected: dict[str, Any]) -> None:
    headings = [s["heading"] for s in expected["sections"] if s["heading"]]
    got = section_texts(doc, headings)
    for section in expected["sections"]:
        key = section["heading"] or "<preamble>"
        assert got.get(key, "") == squash(section["text"]), f"section {section['section_no']}"


def raw_facts(expected: dict[str, Any]) -> dict[tuple[str, str, str], str]:
    return {(f["table_key"], f["row_key"], f["column_key"]): squash(f["raw"]) for f in expected["facts"]}


def _table_with(doc: ExtractedDocument, *words: str) -> RawTable:
    for table in doc.tables:
        text = "".join(c.text or "" for row in table.rows for c in row)
        if all(w in text for w in words):
            return table
    raise AssertionError(f"no table containing {words}")


def _texts(row: tuple[Any, ...]) -> list[str]:
    return [squash(c.text) for c in row if c.text is not None]


def check_requests(doc: ExtractedDocument, expected: dict[str, Any]) -> None:
    """Data rows of the requests table, in printed order: their last 7 cells are the numbers."""
    table = _table_with(doc, "申请人情况", "自然人")
    first = next(i for i, row in enumerate(table.rows) if "本年新收" in "".join(_texts(row)))
    data = table.rows[first:]
    keys = [k for k, _ in REQUEST_ROWS[expected["template"]]]
    assert len(data) == len(keys)
    facts = raw_facts(expected)
    for key, row in zip(keys, data, strict=True):
        got = [squash(c.text) for c in row[-7:]]
        want = [facts[("requests", key, col)] for col in ("natural_person", "commercial", "research",
                                                             "public_interest", "legal_services",
                                                             "other_org", "total")]  # fmt: skip
        assert got == want, key


def check_active(doc: ExtractedDocument, expected: dict[str, Any]) -> None:
    """Each canonical row label's row: the cells after the label are the numbers, in column order
    (a row printing more cells than its block has columns, blank leftovers of a misaligned grid
    among them, has the numbers in order once the blanks are left out)."""
    table = _table_with(doc, "第二十条")
    by_label = {_texts(row)[0]: _texts(row)[1:] for row in table.rows if _texts(row)}
    facts = raw_facts(expected)
    for _, rows, cols in ACTIVE_BLOCKS[expected["template"]]:
        for row_key, label in rows:
            want = [facts[("active_disclosure", row_key, c)] for c, _ in cols]
            got = by_label[label]
            got = got if len(got) == len(cols) else [t for t in got if t]
            assert got[: len(cols)] == want, row_key


def check_review(doc: ExtractedDocument, expected: dict[str, Any]) -> None:
    table = _table_with(doc, "行政复议", "未经复议直接起诉")
    facts = raw_facts(expected)
    want = [facts[("review_litigation", r, c)] for r, _ in REVIEW_ROWS for c, _ in REVIEW_COLUMNS]
    assert [squash(c.text) for c in table.rows[-1] if c.text is not None] == want


def check_case(doc: ExtractedDocument, expected: dict[str, Any]) -> None:
    assert doc.status is None, doc.problems
    assert doc.title == expected["title"]
    check_sections(doc, expected)
    if expected["facts"]:
        check_requests(doc, expected)
        check_active(doc, expected)
        check_review(doc, expected)


# ---- fixtures -----------------------------------------------------------------------------


@pytest.mark.parametrize("case", fixture_cases("html"))
def test_html_fixture_grids_and_sections(case: str) -> None:
    expected, document = load_case(case)
    if expected["status"] != "ok":
        pytest.skip("this report deviates from the template on purpose: tests/test_golden.py covers it")
    check_case(extract(document, expected["content_type"]), expected)


def test_seed_fixture_is_read_as_textgrid_tables() -> None:
    doc = extract(FIXTURES / "seed-2019" / "report.html")
    assert [t.strategy for t in doc.tables] == ["html-textgrid"] * 3
    requests = doc.tables[1]
    # Printed rows as in the text: the 勾稽关系 note wrapped over two lines is one cell, empty cells stay.
    assert [c.text for c in requests.rows[0]] == [
        "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
        "申请人情况",
    ]
    assert [c.text for c in requests.rows[1]] == ["", "自然人", "法人或其他组织", "总计"]
    assert [c.text for c in requests.rows[22]][:3] == ["", "", "5.要求行政机关确认或重新出具已获取信息"]
    assert [c.text for c in doc.tables[0].rows[-1]] == [""] * 5  # the row of blank cells at the end


def test_textgrid_from_the_seed_text_matches_the_html_page() -> None:
    lines = SEED_TEXT.read_text(encoding="utf-8").split("\n")
    from_text = [b for b in split_textgrids(lines) if isinstance(b, RawTable)]
    assert from_text == extract(FIXTURES / "seed-2019" / "report.html").tables


def test_textgrid_inside_pre_and_br_separated_lines(tmp_path: Path) -> None:
    seed = SEED_TEXT.read_text(encoding="utf-8")
    in_pre = extract_bytes(tmp_path, page(f"<pre>{html_escape(seed)}</pre>"))
    with_br = extract_bytes(
        tmp_path, page("<div>" + "<br>".join(html_escape(x) for x in seed.split("\n")) + "</div>")
    )
    from_seed = extract(FIXTURES / "seed-2019" / "report.html")
    assert in_pre.tables == with_br.tables == from_seed.tables


# ---- tables -------------------------------------------------------------------------------


def page(body: str, head: str = '<meta charset="utf-8">') -> bytes:
    return f"<html><head>{head}<title>t</title></head><body>{body}</body></html>".encode()


def extract_bytes(tmp_path: Path, data: bytes, content_type: str | None = None) -> ExtractedDocument:
    path = tmp_path / "page.html"
    path.write_bytes(data)
    return extract(path, content_type)


def grid(table: RawTable) -> list[list[str | None]]:
    return [[c.text for c in row] for row in table.rows]


def test_rowspan_and_colspan_expand_to_a_full_grid(tmp_path: Path) -> None:
    body = """<table>
      <tr><td rowspan="2" colspan="2">A</td><td>B</td><td rowspan="3">C</td></tr>
      <tr><td>D</td></tr>
      <tr><td>E</td><td colspan="2">F</td></tr>
      <tr><td>G</td></tr>
    </table>"""
    doc = extract_bytes(tmp_path, page(body))
    assert grid(doc.tables[0]) == [
        ["A", None, "B", "C"],
        [None, None, "D", None],
        ["E", "F", None, None],
        ["G", "", "", ""],
    ]
    assert doc.tables[0].strategy == "html-table"


def test_caption_is_text_before_its_table(tmp_path: Path) -> None:
    body = (
        "<table><caption>单位：件</caption><tr><td>a</td><td>1</td></tr><tr><td>b</td><td>2</td></tr></table>"
    )
    doc = extract_bytes(tmp_path, page(body))
    assert isinstance(doc.blocks[0], TextBlock) and doc.blocks[0].text == "单位：件"
    assert grid(doc.tables[0]) == [["a", "1"], ["b", "2"]]


def test_cell_lines_join_without_spaces_between_chinese(tmp_path: Path) -> None:
    body = """<table><tr>
      <td>本年新<br>公开数量</td><td><p><span>结果</span></p><p>维持</p></td>
      <td>Total<br/>count</td><td><p>1</p><p>234</p></td><td>&nbsp;&nbsp;\u3000 12 </td>
    </tr><tr><td>x</td><td></td><td>y</td><td>z</td><td>w</td></tr></table>"""
    doc = extract_bytes(tmp_path, page(body))
    assert grid(doc.tables[0])[0] == ["本年新公开数量", "结果维持", "Total count", "1 234", "12"]
    assert grid(doc.tables[0])[1][1] == ""


def test_word_exported_html(tmp_path: Path) -> None:
    body = """<div class=WordSection1>
    <p class=MsoNormal style='text-indent:32.0pt;mso-char-indent-count:2.0'><b><span
    style='font-family:黑体;mso-ascii-font-family:"Times New Roman"'>一、总体情况<o:p></o:p></span></b></p>
    <p class=MsoNormal><span lang=EN-US>2019</span><span>年，本机关<span>认真</span>落实。</span>
    <o:p>&nbsp;</o:p></p>
    <!--[if gte mso 9]><xml><w:WordDocument>junk</w:WordDocument></xml><![endif]-->
    <table class=MsoNormalTable border=1 cellspacing=0 style='border-collapse:collapse;mso-yfti-tbllook:1184'>
     <tr style='mso-yfti-irow:0'><td colspan=2 style='mso-border-alt:solid windowtext .5pt'>
      <p class=MsoNormal align=center><span>信息<o:p></o:p></span></p>
      <p class=MsoNormal align=center><span>内容<o:p></o:p></span></p></td></tr>
     <tr><td><p class=MsoNormal><span lang=EN-US>3<o:p></o:p></span></p></td>
      <td><p class=MsoNormal><span lang=EN-US style='mso-bidi-font-size:10.5pt'>&nbsp;</span></p></td></tr>
    </table></div>"""
    doc = extract_bytes(tmp_path, page(body))
    assert [b.text for b in doc.text_blocks] == ["一、总体情况", "2019年，本机关认真落实。"]
    assert grid(doc.tables[0]) == [["信息内容", None], ["3", ""]]


def test_body_is_found_among_navigation_share_links_and_footer(tmp_path: Path) -> None:
    body = """<div class="nav"><a>首页</a><a>政务公开</a><a>政府信息公开年度报告专栏</a></div>
    <div class="breadcrumb">当前位置：首页 &gt; 政务公开</div>
    <h1>某县2021年政府信息公开工作年度报告</h1>
    <div class="main"><div class="text">
      <p>一、总体情况</p><p>正文第一段，讲述本年度政务公开工作的总体情况和主要做法，内容比较长。</p>
      <p>二、主动公开政府信息情况</p><p>正文第二段。</p>
      <div class="share">分享到：微信 微博</div>
    </div>
    <div><h3>相关链接</h3><ul><li>某县2020年政府信息公开工作年度报告</li></ul></div></div>
    <div class="footer">主办单位：某县人民政府办公室 网站标识码 3703230001</div>"""
    doc = extract_bytes(tmp_path, page(body))
    texts = [b.text for b in doc.text_blocks]
    assert texts[0] == "一、总体情况" and texts[-1] == "正文第二段。"
    assert doc.title == "某县2021年政府信息公开工作年度报告"


def test_report_inside_a_print_styled_wrapper_is_not_dropped(tmp_path: Path) -> None:
    body = """<div class="printArea"><p>一、总体情况</p><p>正文。</p><p>二、主动公开政府信息情况</p></div>
    <div class="print"><a>打印本页</a></div>"""
    assert [b.text for b in extract_bytes(tmp_path, page(body)).text_blocks] == [
        "一、总体情况",
        "正文。",
        "二、主动公开政府信息情况",
    ]


def test_known_container_wins_and_layout_tables_are_walked_into(tmp_path: Path) -> None:
    body = """<table width="100%"><tr><td><div class="left">栏目导航 政务公开 政务服务 互动交流</div></td>
    <td><div id="zoom"><p>报告正文第一段，内容足够长，以便作为正文容器被识别出来，
    这里再多写一些中文字，凑足五十个汉字以上的篇幅。</p>
    <table><tr><td>规章</td><td>0</td></tr><tr><td>行政规范性文件</td><td>2</td></tr></table></div></td></tr></table>"""
    doc = extract_bytes(tmp_path, page(body))
    assert len(doc.text_blocks) == 1 and doc.text_blocks[0].text.startswith("报告正文第一段")
    assert grid(doc.tables[0]) == [["规章", "0"], ["行政规范性文件", "2"]]


def test_title_falls_back_to_the_page_title_without_the_site_name(tmp_path: Path) -> None:
    head = '<meta charset="utf-8"><title>沂源县2020年政府信息公开工作年度报告_沂源县人民政府</title>'
    doc = extract_bytes(tmp_path, f"<html><head>{head}</head><body><p>正文。</p></body></html>".encode())
    assert doc.title == "沂源县2020年政府信息公开工作年度报告"


def test_text_blocks_are_whitespace_normalised(tmp_path: Path) -> None:
    body = "<p>&nbsp;\u3000\u3000本机关 全年 共公开 信息 12 条，其中 PDF  files 3 个。</p><p>a<br>b</p>"
    assert [b.text for b in extract_bytes(tmp_path, page(body)).text_blocks] == [
        "本机关全年共公开信息 12 条，其中 PDF files 3 个。",
        "a",
        "b",
    ]


# ---- textgrid -----------------------------------------------------------------------------


def test_textgrid_needs_rows_of_cells_to_count_as_a_table() -> None:
    assert split_textgrids(["\t一段以制表符开头的正文。", "下一段。"]) == [
        "\t一段以制表符开头的正文。",
        "下一段。",
    ]
    lines = ["标题", "\t规章", "\t0", "", "\t行政规范性\n", "文件", "\t2", "", "后面的正文。"]
    out = split_textgrids(lines)
    assert out[0] == "标题" and out[-1] == "后面的正文。"
    assert isinstance(out[1], RawTable) and grid(out[1]) == [["规章", "0"], ["行政规范性文件", "2"]]


# ---- encodings ----------------------------------------------------------------------------

GBK_TEXT = "国务院总理朱镕基；政务公开科王珺。"  # 镕 and 珺 are in GBK but not in GB2312


def gbk_page(meta: str) -> bytes:
    return f"<html><head>{meta}</head><body><p>{GBK_TEXT}</p></body></html>".encode("gbk")


def only_text(doc: ExtractedDocument) -> str:
    assert doc.status is None, doc.problems
    return "".join(b.text for b in doc.blocks if isinstance(b, TextBlock))


def test_gb2312_declared_page_with_gbk_only_characters(tmp_path: Path) -> None:
    assert only_text(extract_bytes(tmp_path, gbk_page('<meta charset="gb2312">'))) == GBK_TEXT


def test_charset_only_in_the_http_header(tmp_path: Path) -> None:
    data = gbk_page("")
    assert candidate_encodings(data, "text/html; charset=GBK")[0] == "gb18030"
    assert only_text(extract_bytes(tmp_path, data, "text/html; charset=GBK")) == GBK_TEXT
    # No declaration at all: UTF-8 fails strictly, GB18030 fits.
    assert only_text(extract_bytes(tmp_path, data, None)) == GBK_TEXT


def test_wrong_meta_charset_in_either_direction(tmp_path: Path) -> None:
    meta = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
    utf8_declared_gbk = f"<html><head>{meta}</head><body><p>{GBK_TEXT}</p></body></html>"
    assert only_text(extract_bytes(tmp_path, utf8_declared_gbk.encode())) == GBK_TEXT
    assert only_text(extract_bytes(tmp_path, gbk_page('<meta charset="utf-8">'))) == GBK_TEXT
    assert only_text(extract_bytes(tmp_path, gbk_page('<meta charset="iso-8859-1">'))) == GBK_TEXT


def test_utf8_page_declared_gbk_is_not_decoded_into_mojibake(tmp_path: Path) -> None:
    text = "政府信息公开工作年度报告"
    assert text.encode().decode("gb18030") != text  # the trap: GB18030 accepts these UTF-8 bytes
    data = f'<html><head><meta charset="gbk"></head><body><p>{text}</p></body></html>'.encode()
    assert only_text(extract_bytes(tmp_path, data)) == text
    assert only_text(extract_bytes(tmp_path, data, "text/html; charset=gb2312")) == text


def test_bom_wins(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbf" + f'<meta charset="gbk"><p>{GBK_TEXT}</p>'.encode()
    assert only_text(extract_bytes(tmp_path, data)) == GBK_TEXT


def test_undecodable_bytes_fail_naming_the_offset(tmp_path: Path) -> None:
    data = gbk_page('<meta charset="gbk">') + b"\xff\xff\x81"
    doc = extract_bytes(tmp_path, data)
    assert doc.status == "failed" and doc.blocks == []
    assert re.search(r"html: bytes do not decode as gb18030 at offset \d+", doc.problems[0])
    assert decode_html(data).text is None


def test_empty_page_fails(tmp_path: Path) -> None:
    doc = extract_bytes(tmp_path, b"<html><body><script>var a;</script></body></html>")
    assert doc.status == "failed" and doc.problems


# ---- properties ---------------------------------------------------------------------------

texts = st.text(alphabet=st.sampled_from(["政", "府", "1", "a", " ", "\u3000", "\u00a0", "，", "\t"]))


@given(texts)
def test_normalize_spaces_is_idempotent(text: str) -> None:
    assert normalize_spaces(normalize_spaces(text)) == normalize_spaces(text)


@given(st.lists(texts, max_size=5))
def test_joining_never_puts_a_space_next_to_chinese(parts: list[str]) -> None:
    joined = join_fragments(parts)
    assert not re.search(r"[政府，] [政府，]", joined)
    assert squash(joined) == squash("".join(parts).replace("\u3000", "").replace("\u00a0", ""))


spans = st.builds(SpanCell, st.text(min_size=1, max_size=2), st.integers(1, 4), st.integers(1, 4))


@given(st.lists(st.lists(spans, max_size=4), min_size=1, max_size=5))
def test_every_cell_keeps_its_text_exactly_once_in_the_grid(rows: list[list[SpanCell]]) -> None:
    table = build_grid(rows, strategy="html-table")
    placed = sorted(c.text for row in table.rows for c in row if c.text is not None and c.text != "")
    assert placed == sorted(cell.text for row in rows for cell in row)
    assert len({len(row) for row in table.rows}) == 1


def test_portal_metadata_is_metadata() -> None:
    assert published_from_meta("PubDate", "2024-03-08 15:34") == "2024-03-08"
    assert published_from_meta("keywords", "2024-03-08") is None
    # a crawler's own time (采集时间) and a page-generation stamp are not the publication date
    assert published_from_text(["采集时间：2025-12-30T21:37:37 公开日期 2024-01-17"]) == "2024-01-17"
    assert published_from_text(["来源：平潭综合实验区管委会办公室 时间：2024-03-08 15:34"]) == "2024-03-08"
    assert published_from_text(["结合发布时间节点限制等方面具体要求"]) is None
    assert is_metadata_line("标题：沭阳县发展和改革局2023年政府信息公开年度报告-沭阳县发改局")
    assert is_metadata_line("索引号：014314799/2024-00002")
    assert not is_metadata_line("单位：件")  # a table's unit line, not portal metadata
    assert not is_metadata_line("一、总体情况")
