"""Generate the hostile and broken documents of tests/bad_inputs/ (issue 7).

    .venv/bin/python -m tests.bad_inputs.make_bad_inputs      # rewrites the small files in this folder

Small files are committed; big ones (a many-MB HTML page, a thousands-of-pages PDF, a page of
tens of thousands of drawn objects, deep nesting) come from the `*_bytes` functions below and
are written by the tests into tmp_path at run time. Everything is deterministic: reportlab runs
with `invariant=1` and the zip members carry a fixed timestamp.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

HERE = Path(__file__).resolve().parent
FONT = "STSong-Light"
TITLE = "某县人民政府2023年政府信息公开工作年度报告"
# One distinct line per page, so a test can tell which pages were read.
PAGE_LINES = (
    "一、总体情况第一页正文",
    "二、主动公开政府信息情况第二页正文",
    "六、其他需要报告的事项第三页正文",
)
ASCII_LINES = ("Open government annual report, page one", "Page two", "Page three")
ZIP_TIME = (2024, 1, 1, 0, 0, 0)

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>'
)


# ---- PDF ------------------------------------------------------------------------------------


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def small_pdf_bytes(encrypt: StandardEncryption | None = None, compress: bool = True) -> bytes:
    """A 3-page PDF: the title on page 1, one known line per page."""
    out = io.BytesIO()
    c = canvas.Canvas(out, invariant=1, pageCompression=int(compress), encrypt=encrypt)
    font = _font()
    for number, line in enumerate(PAGE_LINES, start=1):
        if number == 1:
            c.setFont(font, 18)
            c.drawString(60, 760, TITLE)
        c.setFont(font, 12)
        c.drawString(60, 700, line)
        c.showPage()
    c.save()
    return out.getvalue()


def truncated_pdf_bytes() -> bytes:
    data = small_pdf_bytes()
    return data[: len(data) // 2]


def corrupt_page_stream_bytes(page: int = 2) -> bytes:
    """The 3-page PDF with the Flate content stream of `page` overwritten by junk (same length)."""
    data = bytearray(small_pdf_bytes())
    streams = [m for m in re.finditer(rb"stream\r?\n", data) if data[m.start() - 3 : m.start()] != b"end"]
    start = streams[page - 1].end()
    end = data.index(b"endstream", start)
    data[start:end] = bytes((i * 37 + 11) % 256 for i in range(end - start))
    return bytes(data)


def garbage_after_header_bytes() -> bytes:
    """Starts like a PDF, then is noise: no xref, no trailer, no objects."""
    return b"%PDF-1.7\n" + bytes((i * 131 + 7) % 256 for i in range(4000))


def encrypted_pdf_bytes(user_password: str, cid_font: bool = False) -> bytes:
    """Encrypted (RC4 128). Latin lines by default: see `ASCII_LINES`; `cid_font` uses the Chinese pages."""
    encrypt = StandardEncryption(user_password, ownerPassword="owner-secret", strength=128)
    if cid_font:
        return small_pdf_bytes(encrypt)
    out = io.BytesIO()
    c = canvas.Canvas(out, invariant=1, encrypt=encrypt)
    for line in ASCII_LINES:
        c.setFont("Helvetica", 12)
        c.drawString(60, 700, line)
        c.showPage()
    c.save()
    return out.getvalue()


def many_pages_pdf_bytes(pages: int) -> bytes:
    """A PDF of `pages` nearly empty pages (one short line each): big page count, small file."""
    out = io.BytesIO()
    c = canvas.Canvas(out, invariant=1, pageCompression=1)
    for number in range(1, pages + 1):
        c.setFont("Helvetica", 8)
        c.drawString(40, 40, str(number))
        c.showPage()
    c.save()
    return out.getvalue()


def many_objects_pdf_bytes(objects: int) -> bytes:
    """One page with `objects` tiny stroked rectangles and lines (what pdfplumber's table finder meets)."""
    out = io.BytesIO()
    c = canvas.Canvas(out, invariant=1, pageCompression=1)
    c.setFont(_font(), 14)
    c.drawString(60, 800, TITLE)
    c.setLineWidth(0.1)
    per_row = 200
    for i in range(objects):
        x, y = 20 + (i % per_row) * 2.8, 40 + (i // per_row) * 2.8
        if i % 2:
            c.rect(x, y, 1.5, 1.5, stroke=1, fill=0)
        else:
            c.line(x, y, x + 1.5, y)
    c.showPage()
    c.save()
    return out.getvalue()


# ---- DOCX -----------------------------------------------------------------------------------


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, ZIP_TIME), data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def document_xml(body: str, doctype: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'{doctype}<w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>'
    ).encode()


def paragraph(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def docx_bytes(document: bytes) -> bytes:
    return _zip(
        {
            "[Content_Types].xml": CONTENT_TYPES.encode(),
            "_rels/.rels": ROOT_RELS.encode(),
            "word/document.xml": document,
        }
    )


def xxe_docx_bytes(secret_path: str) -> bytes:
    """document.xml declares an external entity pointing at `secret_path` and uses it in the text."""
    doctype = f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file://{secret_path}">]>'
    body = paragraph(TITLE) + paragraph("一、总体情况") + paragraph("外部实体：&xxe;结束")
    return docx_bytes(document_xml(body, doctype))


def billion_laughs_docx_bytes() -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    doctype = f"<!DOCTYPE w:document [{''.join(entities)}]>"
    body = paragraph(TITLE) + paragraph("一、总体情况") + paragraph("笑：&lol9;")
    return docx_bytes(document_xml(body, doctype))


def zip_bomb_docx_bytes(size: int = 200 * 1024 * 1024) -> bytes:
    """A valid package whose document.xml inflates to `size` bytes (about 200 KB on disk)."""
    head = document_xml(paragraph(TITLE))
    filler = b" " * (size - len(head))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("[Content_Types].xml", ZIP_TIME), CONTENT_TYPES.encode())
        zf.writestr(zipfile.ZipInfo("_rels/.rels", ZIP_TIME), ROOT_RELS.encode())
        info = zipfile.ZipInfo("word/document.xml", ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as fh:
            fh.write(head[:-6])  # the part stays open: the filler is inside <w:body>
            for _ in range(0, len(filler), 1 << 20):
                fh.write(filler[: 1 << 20])
    return out.getvalue()


def lying_zip_bomb_docx_bytes() -> bytes:
    """The bomb with its sizes in both zip headers rewritten to claim 1 KB (the cap must still hold)."""
    data = bytearray(zip_bomb_docx_bytes(80 * 1024 * 1024))
    name = b"word/document.xml"
    # Local header: sizes at offset 18 (compressed) and 22 (uncompressed); the zip64 extra field
    # carries the real ones. Central header: at 20 and 24. Patch the 4-byte fields and the
    # zip64 extra; then any reader that trusts the header is told the part is 1024 bytes.
    for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        pos = data.find(signature + b"")
        while pos != -1:
            name_len = int.from_bytes(data[pos + size_at + 4 : pos + size_at + 6], "little")
            header_len = 30 if signature == b"PK\x03\x04" else 46
            if data[pos + header_len : pos + header_len + name_len] == name and name_len == len(name):
                _patch_zip64_size(data, pos, header_len, name_len, size_at)
            pos = data.find(signature, pos + 4)
    return bytes(data)


def _patch_zip64_size(data: bytearray, pos: int, header_len: int, name_len: int, size_at: int) -> None:
    extra_len = int.from_bytes(data[pos + size_at + 6 : pos + size_at + 8], "little")
    extra = pos + header_len + name_len
    end = extra + extra_len
    while extra + 4 <= end:
        tag = int.from_bytes(data[extra : extra + 2], "little")
        length = int.from_bytes(data[extra + 2 : extra + 4], "little")
        if tag == 0x0001 and length >= 8:  # zip64: the uncompressed size comes first
            data[extra + 4 : extra + 12] = (1024).to_bytes(8, "little")
        extra += 4 + length
    if int.from_bytes(data[pos + size_at : pos + size_at + 4], "little") != 0xFFFFFFFF:
        data[pos + size_at : pos + size_at + 4] = (1024).to_bytes(4, "little")


# ---- HTML -----------------------------------------------------------------------------------


def deep_html_bytes(depth: int) -> bytes:
    return (
        "<html><head><meta charset='utf-8'><title>" + TITLE + "</title></head><body>"
        + "<div>" * depth + "<p>一、总体情况</p><p>正文。</p>" + "</div>" * depth + "</body></html>"
    ).encode()  # fmt: skip


def big_html_bytes(megabytes: int) -> bytes:
    """A report page padded to `megabytes` MB of ordinary paragraphs (a CMS dumping its archive)."""
    head = f"<html><head><meta charset='utf-8'><title>{TITLE}</title></head><body><div id='zoom'>"
    unit = "<p>本机关坚持以公开为常态、不公开为例外，持续推进政务公开工作。</p>\n"
    count = megabytes * 1024 * 1024 // len(unit.encode())
    return (
        head + "<p>一、总体情况</p>" + unit * count + "<p>二、主动公开政府信息情况</p></div></body></html>"
    ).encode()


def broken_markup_html_bytes() -> bytes:
    return (
        "<html><head><meta charset=utf-8><title>" + TITLE + "</title><body>"
        "<div id=zoom><p>一、总体情况<p>本年度<b>继续<i>推进</b>政务公开</i>。"
        "<table><tr><td>信息内容<td>本年新制发件数<tr><td>规章<td>3</table></tr>"
        "<p>二、主动公开政府信息情况</div></span></div><p>附：未闭合的段落<!-- 未闭合的注释"
    ).encode()


def undeclared_gbk_html_bytes() -> bytes:
    """A GBK page that declares no charset anywhere (and is served without one)."""
    return (
        f"<html><head><title>{TITLE}</title></head><body><div id='zoom'>"
        "<p>一、总体情况</p><p>本年度本机关主动公开政府信息，回应社会关切，镕铸实效。</p>"
        "<p>二、主动公开政府信息情况</p><p>略。</p></div></body></html>"
    ).encode("gbk")


# ---- the committed files --------------------------------------------------------------------

SMALL_FILES: dict[str, Callable[[], bytes]] = {
    "empty.pdf": lambda: b"",
    "header-only.pdf": lambda: b"%PDF-1.7\n",
    "truncated.pdf": truncated_pdf_bytes,
    "garbage-after-header.pdf": garbage_after_header_bytes,
    "corrupt-page-2.pdf": corrupt_page_stream_bytes,
    "encrypted-user-password.pdf": lambda: encrypted_pdf_bytes("user-secret"),
    "encrypted-empty-password.pdf": lambda: encrypted_pdf_bytes(""),
    "encrypted-empty-password-cid.pdf": lambda: encrypted_pdf_bytes("", cid_font=True),
    "good-3-pages.pdf": small_pdf_bytes,
    "not-a-zip.docx": lambda: "这不是一个压缩包，只是改了扩展名的文本。".encode(),
    "truncated.docx": lambda: docx_bytes(document_xml(paragraph(TITLE)))[:300],
    "no-document-part.docx": lambda: _zip({"[Content_Types].xml": CONTENT_TYPES.encode()}),
    "malformed-xml.docx": lambda: docx_bytes(b"<w:document><w:body><w:p>"),
    "billion-laughs.docx": billion_laughs_docx_bytes,
    "zip-bomb.docx": zip_bomb_docx_bytes,
    "broken-markup.html": broken_markup_html_bytes,
    "undeclared-gbk.html": undeclared_gbk_html_bytes,
    "not-decodable.html": lambda: b"<html><body><p>" + bytes(range(128, 256)) * 8 + b"</p></body></html>",
}


def write_small_files(folder: Path = HERE) -> list[Path]:
    written = []
    for name, make in SMALL_FILES.items():
        path = folder / name
        path.write_bytes(make())
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_small_files():
        print(f"{path.stat().st_size:>9}  {path.name}")
