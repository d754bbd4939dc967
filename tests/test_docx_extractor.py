"""The DOCX extractor at the grid/text level: fixtures, hand-written packages for the tricky cases.

The small packages are written as raw WordprocessingML so each test controls exactly the markup
it is about (gridSpan, vMerge, numbering, text boxes, DTDs, zip bombs).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from extractors.docx import MAX_PART_BYTES, chinese_counting, extract, format_number
from extractors.model import ExtractedDocument, RawTable
from tests.test_html_extractor import check_case, fixture_cases, grid, load_case

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = (
    f'xmlns:w="{W}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/></Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="word/document.xml"/></Relationships>'
)


def p(text: str, extra: str = "") -> str:
    return f"<w:p>{extra}<w:r><w:t xml:space='preserve'>{text}</w:t></w:r></w:p>"


def tc(text: str, props: str = "") -> str:
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{p(text)}</w:tc>"


def make_docx(
    tmp_path: Path,
    body: str,
    numbering: str | None = None,
    prolog: str = "",
    name: str = "t.docx",
    styles: str | None = None,
) -> Path:
    path = tmp_path / name
    document = (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<w:document {NS}><w:body>{body}</w:body></w:document>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", ROOT_RELS)
        zf.writestr("word/document.xml", document)
        if numbering is not None:
            zf.writestr("word/numbering.xml", f'<w:numbering xmlns:w="{W}">{numbering}</w:numbering>')
        if styles is not None:
            zf.writestr("word/styles.xml", f'<w:styles xmlns:w="{W}">{styles}</w:styles>')
    return path


def texts(doc: ExtractedDocument) -> list[str]:
    return [b.text for b in doc.text_blocks]


# ---- fixtures -----------------------------------------------------------------------------


@pytest.mark.parametrize("case", fixture_cases("docx"))
def test_docx_fixture_grids_and_sections(case: str) -> None:
    expected, document = load_case(case)
    doc = extract(document, expected["content_type"])
    check_case(doc, expected)
    assert {t.strategy for t in doc.tables} == {"docx-table"}


# ---- tables -------------------------------------------------------------------------------


def test_grid_span_and_vertical_merges(tmp_path: Path) -> None:
    span2 = '<w:gridSpan w:val="2"/>'
    restart, cont = "<w:vMerge w:val='restart'/>", "<w:vMerge w:val='continue'/>"
    body = (
        "<w:tbl><w:tblGrid><w:gridCol/><w:gridCol/><w:gridCol/><w:gridCol/></w:tblGrid>"
        f"<w:tr>{tc('A', span2 + restart)}{tc('B')}{tc('C', restart)}</w:tr>"
        f"<w:tr>{tc('', span2 + '<w:vMerge/>')}{tc('D')}{tc('', cont)}</w:tr>"
        f"<w:tr><w:trPr><w:gridBefore w:val='1'/></w:trPr>{tc('E')}{tc('F', span2)}</w:tr>"
        f"<w:tr>{tc('G')}</w:tr>"
        "</w:tbl>"
    )
    doc = extract(make_docx(tmp_path, body))
    assert grid(doc.tables[0]) == [
        ["A", None, "B", "C"],
        [None, None, "D", None],
        ["", "E", "F", None],
        ["G", "", "", ""],
    ]
    assert doc.tables[0].strategy == "docx-table"


def test_cell_paragraphs_join_and_nested_tables_flatten_into_the_cell(tmp_path: Path) -> None:
    inner = f"<w:tbl><w:tr>{tc('内表')}{tc('12')}</w:tr><w:tr>{tc('甲')}{tc('34')}</w:tr></w:tbl>"
    cell = f"<w:tc>{p('本年新')}{p('公开数量')}</w:tc><w:tc>{p('外')}{inner}</w:tc>"
    body = f"<w:tbl><w:tr>{cell}</w:tr><w:tr>{tc('1')}{tc('2')}</w:tr></w:tbl>"
    doc = extract(make_docx(tmp_path, body))
    assert len(doc.tables) == 1
    assert grid(doc.tables[0]) == [["本年新公开数量", "外内表12甲34"], ["1", "2"]]


# ---- text ---------------------------------------------------------------------------------


def test_text_box_text_is_kept_once(tmp_path: Path) -> None:
    box = f"<w:txbxContent>{p('文本框里的说明文字')}</w:txbxContent>"
    anchor = (
        "<w:p><w:r><w:t>锚定段落</w:t></w:r><w:r><mc:AlternateContent>"
        f"<mc:Choice Requires='wps'><w:drawing><wp:anchor><a:graphic><a:graphicData><wps:wsp><wps:txbx>{box}"
        "</wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>"
        f"<mc:Fallback><w:pict><v:shape><v:textbox>{box}</v:textbox></v:shape></w:pict></mc:Fallback>"
        "</mc:AlternateContent></w:r></w:p>"
    )
    assert texts(extract(make_docx(tmp_path, anchor + p("下一段")))) == [
        "锚定段落",
        "文本框里的说明文字",
        "下一段",
    ]


def test_breaks_split_blocks_and_unprinted_text_is_skipped(tmp_path: Path) -> None:
    body = (
        "<w:p><w:r><w:t>第一行</w:t><w:br/><w:t>第二行</w:t></w:r>"
        "<w:del><w:r><w:delText>删除的字</w:delText></w:r></w:del>"
        "<w:r><w:fldChar w:fldCharType='begin'/></w:r><w:r><w:instrText>PAGE</w:instrText></w:r>"
        "<w:r><w:fldChar w:fldCharType='separate'/></w:r><w:r><w:t>3</w:t></w:r>"
        "<w:r><w:fldChar w:fldCharType='end'/></w:r>"
        "<w:r><w:rPr><w:vanish/></w:rPr><w:t>隐藏</w:t></w:r>"
        "<w:hyperlink><w:r><w:t>链接　文字</w:t></w:r></w:hyperlink></w:p>"
    )
    assert texts(extract(make_docx(tmp_path, body))) == ["第一行", "第二行3链接文字"]


NUMBERING = """
<w:abstractNum w:abstractNumId="0">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>
  <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>
</w:abstractNum>
<w:abstractNum w:abstractNumId="1">
  <w:lvl w:ilvl="0"><w:start w:val="9"/><w:numFmt w:val="ideographDigital"/><w:lvlText w:val="%1、"/></w:lvl>
</w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
<w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>
"""


def numbered(text: str, num_id: int, level: int) -> str:
    return p(text, f"<w:pPr><w:numPr><w:ilvl w:val='{level}'/><w:numId w:val='{num_id}'/></w:numPr></w:pPr>")


def test_automatic_numbering_is_reconstructed(tmp_path: Path) -> None:
    body = "".join(
        [
            numbered("总体情况", 1, 0),
            numbered("主动公开情况", 1, 1),
            numbered("第一点", 1, 2),
            numbered("第二点", 1, 2),
            numbered("依申请公开情况", 1, 1),
            numbered("主动公开政府信息情况", 1, 0),
            numbered("新的子项", 1, 1),
            numbered("数字格式", 2, 0),
            numbered("数字格式", 2, 0),
            p("没有编号", "<w:pPr><w:numPr><w:ilvl w:val='0'/><w:numId w:val='0'/></w:numPr></w:pPr>"),
        ]
    )
    assert texts(extract(make_docx(tmp_path, body, numbering=NUMBERING))) == [
        "一、总体情况",
        "（一）主动公开情况",
        "1.第一点",
        "2.第二点",
        "（二）依申请公开情况",
        "二、主动公开政府信息情况",
        "（一）新的子项",
        "九、数字格式",
        "一〇、数字格式",
        "没有编号",
    ]


def test_numbering_attached_through_the_heading_style(tmp_path: Path) -> None:
    styles = (
        '<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/>'
        '<w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style>'
    )
    heading = "<w:pPr><w:pStyle w:val='Heading1'/></w:pPr>"
    body = p("总体情况", heading) + p("正文。") + p("主动公开政府信息情况", heading)
    doc = extract(make_docx(tmp_path, body, numbering=NUMBERING, styles=styles))
    assert texts(doc) == ["一、总体情况", "正文。", "二、主动公开政府信息情况"]


def test_numbers_in_chinese() -> None:
    assert [chinese_counting(n) for n in (1, 9, 10, 11, 20, 21, 99, 100, 105, 110, 120)] == [
        "一", "九", "十", "十一", "二十", "二十一", "九十九", "一百", "一百零五", "一百一十", "一百二十",
    ]  # fmt: skip
    assert format_number(12, "ideographDigital") == "一二"
    assert format_number(4, "upperRoman") == "IV" and format_number(3, "decimalEnclosedCircle") == "③"


def test_title_is_the_first_paragraphs_before_the_first_heading(tmp_path: Path) -> None:
    body = (
        p("沂源县人民政府办公室")
        + p("2019年政府信息公开工作年度报告")
        + p("本报告根据条例编制。")
        + p("一、总体情况")
    )
    assert extract(make_docx(tmp_path, body)).title == "沂源县人民政府办公室2019年政府信息公开工作年度报告"


# ---- hostile and broken packages --------------------------------------------------------


def test_not_a_zip_fails(tmp_path: Path) -> None:
    path = tmp_path / "fake.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0 this is an old .doc really")
    doc = extract(path)
    assert doc.status == "failed" and doc.problems[0].startswith("docx: not a zip archive")


def test_missing_document_part_and_broken_xml_fail(tmp_path: Path) -> None:
    path = tmp_path / "empty.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
    assert extract(path).problems[0].startswith("docx: no main document part")
    broken = tmp_path / "broken.docx"
    with zipfile.ZipFile(broken, "w") as zf:
        zf.writestr("word/document.xml", "<w:document><w:body><w:p>")
    doc = extract(broken)
    assert doc.status == "failed" and "not well-formed" in doc.problems[0]


def test_zip_bomb_fails_without_inflating_it(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    chunk = b" " * (1024 * 1024)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("_rels/.rels", ROOT_RELS)
        with zf.open("word/document.xml", "w", force_zip64=True) as fh:
            fh.write(f'<w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>'.encode())
            for _ in range(MAX_PART_BYTES // len(chunk) + 1):
                fh.write(chunk)
            fh.write(b"</w:t></w:r></w:p></w:body></w:document>")
    assert path.stat().st_size < 1024 * 1024
    doc = extract(path)
    assert doc.status == "failed"
    assert "word/document.xml" in doc.problems[0] and "limit" in doc.problems[0]


def test_external_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE", encoding="utf-8")
    prolog = f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
    body = p("正文前") + "<w:p><w:r><w:t>&xxe;</w:t></w:r></w:p>" + p("正文后")
    doc = extract(make_docx(tmp_path, body, prolog=prolog))
    assert "TOP-SECRET-VALUE" not in "".join(texts(doc))
    assert texts(doc) == ["正文前", "正文后"]
    assert any("DTD" in problem for problem in doc.problems)


def test_billion_laughs_is_not_expanded(tmp_path: Path) -> None:
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    prolog = f"<!DOCTYPE w:document [{entities}]>"
    body = "<w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>" + p("正文")
    doc = extract(make_docx(tmp_path, body, prolog=prolog))
    # libxml2 either leaves the reference unexpanded or refuses the part (amplification limit).
    refused = doc.status == "failed" and "word/document.xml" in doc.problems[0]
    assert refused or texts(doc) == ["正文"]
    assert "lollol" not in "".join(texts(doc))


def test_tables_are_raw_tables_in_reading_order(tmp_path: Path) -> None:
    body = p("前") + f"<w:tbl><w:tr>{tc('x')}{tc('y')}</w:tr></w:tbl>" + p("后")
    blocks = extract(make_docx(tmp_path, body)).blocks
    assert [type(b).__name__ for b in blocks] == ["TextBlock", "RawTable", "TextBlock"]
    assert isinstance(blocks[1], RawTable)
