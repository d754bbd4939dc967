"""HTML extractor: an archived CMS article page -> text blocks and raw table grids."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from lxml.html import HtmlElement

from extractors.html.decode import candidate_encodings as candidate_encodings  # re-exported for tests
from extractors.html.decode import decode_html
from extractors.html.page import Body, find_body, parse_page, published_date, title_lines
from extractors.model import Block, ExtractedDocument, RawTable, TextBlock
from extractors.textgrid import CELL_MARK, SpanCell, build_grid, join_fragments, split_textgrids
from extractors.textnorm import is_blank, normalize_spaces

# ---- walking the body into lines and tables ----------------------------------------------


def _tags(names: str) -> frozenset[str]:
    return frozenset(names.split())


_BLOCK_TAGS = _tags(
    "p div h1 h2 h3 h4 h5 h6 li ul ol dl dt dd section article header footer blockquote pre center form "
    "fieldset address figure figcaption main aside nav hr caption table tr td th tbody thead tfoot"
)
_CONTAINER_TAGS = _tags("div section article main td body center form")
_SKIP_TAGS = _tags(
    "script style noscript iframe template head title meta link button select input textarea svg object "
    "map area audio video canvas"
)
_JUNK_ATTR = re.compile(
    r"share|fenxiang|related|xgxx|xglj|breadcrumb|crumb|position|location|\bnav\b|footer|toolbar|"
    r"bdsharebuttonbox|print",
    re.IGNORECASE,
)
_JUNK_TEXT = ("相关链接", "相关文章", "相关信息", "分享到", "【打印", "打印本页", "关闭窗口")
# Only these are checked for junk by their text (text_content() of every element is costly).
_JUNK_TEXT_TAGS = _tags("div ul ol dl section aside")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|mso-hide\s*:\s*all", re.IGNORECASE)


def _is_hidden(el: HtmlElement) -> bool:
    return _HIDDEN_STYLE.search(el.get("style", "")) is not None


def _is_junk(el: HtmlElement) -> bool:
    """Navigation, share buttons, related-link lists, footers: by id/class, or by their first words."""
    attrs = f"{el.get('id', '')} {el.get('class', '')}"
    if _JUNK_ATTR.search(attrs) or _is_hidden(el):
        return True
    if el.tag not in _JUNK_TEXT_TAGS:
        return False
    return normalize_spaces(el.text_content()[:40]).startswith(_JUNK_TEXT)


def _is_layout_table(table: HtmlElement) -> bool:
    """Tables used for page layout (a single cell, or holding other tables) are walked into."""
    if table.find(".//table") is not None:
        return True
    return len(table.xpath("./tr/td|./tr/th|./*/tr/td|./*/tr/th")) <= 1


@dataclass
class _Lines:
    """Collects raw lines (leading tabs kept: they mark textgrid cells) and tables."""

    out: list[str | RawTable] = field(default_factory=list)
    buf: list[str] = field(default_factory=list)
    protected: frozenset[HtmlElement] = frozenset()

    def flush(self, keep_empty_cell: bool = False) -> bool:
        """Emit the buffered text as a line; False if there was nothing to emit.

        `keep_empty_cell`: a block's own content that is just a tab is an empty textgrid cell
        (whitespace between blocks is not).
        """
        text = "".join(self.buf)
        self.buf.clear()
        if is_blank(text) and not (keep_empty_cell and text.startswith(CELL_MARK)):
            return False
        self.out.append(text)
        return True

    def blank(self) -> None:
        self.out.append("")


def _walk(el: HtmlElement, lines: _Lines, in_cell: bool = False) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    if not tag or tag in _SKIP_TAGS:
        return
    if (_is_hidden(el) if in_cell else _is_junk(el)) and el not in lines.protected:
        return
    if tag == "br":
        if not lines.flush(keep_empty_cell=True):
            lines.blank()
        return
    if tag == "table" and not in_cell and not _is_layout_table(el):
        lines.flush()
        caption = el.find("caption")
        if caption is not None and not is_blank(caption.text_content()):
            lines.out.append(caption.text_content())
        lines.out.append(_table_to_grid(el))
        return
    if tag == "pre":  # preformatted text keeps its line breaks (and any tab-laid-out table)
        lines.flush()
        for line in el.text_content().split("\n"):
            lines.out.append(line if line.startswith(CELL_MARK) or not is_blank(line) else "")
        return
    is_block = tag in _BLOCK_TAGS
    if is_block:
        lines.flush()
    before = len(lines.out)
    lines.buf.append(el.text or "")
    for child in el:
        _walk(child, lines, in_cell)
        lines.buf.append(child.tail or "")
    if is_block and not lines.flush(keep_empty_cell=True) and len(lines.out) == before:
        lines.blank()  # an empty paragraph: in a textgrid it separates rows


def body_to_lines(body: Body) -> list[str | RawTable]:
    lines = _Lines(protected=body.protected)
    lines.buf.append(body.element.text or "")
    for child in body.element:
        _walk(child, lines)
        lines.buf.append(child.tail or "")
    lines.flush()
    return lines.out


def _cell_text(cell: HtmlElement) -> str:
    if len(cell) == 0:
        return normalize_spaces(cell.text or "")
    lines = _Lines()
    lines.buf.append(cell.text or "")
    for child in cell:
        _walk(child, lines, in_cell=True)
        lines.buf.append(child.tail or "")
    lines.flush()
    return join_fragments(line for line in lines.out if isinstance(line, str))


def _span(cell: HtmlElement, attr: str, limit: int) -> int:
    match = re.match(r"\s*(\d+)", cell.get(attr, "1"))
    value = int(match.group(1)) if match else 1
    return limit if value == 0 else max(1, min(value, limit))


def _table_to_grid(table: HtmlElement) -> RawTable:
    trs: list[HtmlElement] = table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")
    rows: list[list[SpanCell]] = []
    for r, tr in enumerate(trs):
        cells: list[HtmlElement] = tr.xpath("./td|./th")
        rows.append(
            [
                SpanCell(_cell_text(c), _span(c, "rowspan", len(trs) - r), _span(c, "colspan", 200))
                for c in cells
            ]
        )
    return build_grid(rows, strategy="html-table")


def report_text(root: HtmlElement) -> str:
    """The text this extractor reads as the report (body lines and table cells, navigation and
    footers left out): what the crawler judges when it asks whether an article holds a report."""
    parts: list[str] = []
    for item in body_to_lines(find_body(root)):
        if isinstance(item, RawTable):
            parts.extend(cell.text for row in item.rows for cell in row if cell.text)
        else:
            parts.append(item)
    return normalize_spaces(" ".join(parts))


# ---- title --------------------------------------------------------------------------------

_SITE_SEPARATOR = re.compile(r"\s*(?:[_|｜]|--?|—+|–)\s*")


def _strip_site_name(title: str) -> str:
    parts = [p for p in _SITE_SEPARATOR.split(normalize_spaces(title)) if p]
    with_report = [p for p in parts if "报告" in p]
    return (with_report or parts or [""])[0]


def find_title(root: HtmlElement, blocks: list[Block]) -> str | None:
    candidates = title_lines(root)
    for text in candidates:
        if "报告" in text:
            return text
    page_title = root.find(".//title")
    stripped = _strip_site_name(page_title.text_content()) if page_title is not None else ""
    if "报告" in stripped or (stripped and not candidates):
        return stripped
    if candidates:
        return candidates[0]
    first_texts = [b.text for b in blocks[:3] if isinstance(b, TextBlock)]
    return next((t for t in first_texts if "报告" in t), None)


# ---- portal metadata ------------------------------------------------------------------------


def _text_outside(root: HtmlElement, body: HtmlElement) -> str:
    """The page's text around the report body (its site chrome), element by element."""
    texts: list[str] = []
    stack = [root]
    while stack:
        el = stack.pop()
        if el is body or not isinstance(el.tag, str) or el.tag in _SKIP_TAGS:
            texts.append(el.tail or "")
            continue
        texts.append(el.text or "")
        stack.extend(reversed(list(el)))
        texts.append(el.tail or "")
    return normalize_spaces(" ".join(texts))


def page_metadata(root: HtmlElement, body: HtmlElement) -> dict[str, str]:
    """Portal metadata of the page: the publication date from its meta tags, else from the labels
    (发布时间：, 公开日期 …) printed around the report."""
    date = published_date(root, _text_outside(root, body))
    return {"published_date": date.isoformat()} if date else {}


# ---- the extractor ------------------------------------------------------------------------


def items_to_blocks(items: list[str | RawTable]) -> list[Block]:
    blocks: list[Block] = []
    for item in items:
        if isinstance(item, RawTable):
            blocks.append(item)
        elif text := normalize_spaces(item):
            blocks.append(TextBlock(text, page=None))
    return blocks


def _parse(text: str) -> tuple[HtmlElement, list[str]]:
    return parse_page(text)


def _failed(problem: str) -> ExtractedDocument:
    return ExtractedDocument(format="html", problems=[problem], status="failed")


def extract_text(text: str) -> ExtractedDocument:
    """Decoded page text -> blocks in reading order, with the title."""
    try:
        root, problems = _parse(text)
    except (etree.ParserError, ValueError) as exc:
        return _failed(f"html: page does not parse ({exc})")
    body = find_body(root)
    blocks = items_to_blocks(_split_all_textgrids(body_to_lines(body)))
    if not blocks:
        return ExtractedDocument(
            "html", problems=[*problems, "html: no text found in the page body"], status="failed"
        )
    return ExtractedDocument(
        format="html",
        blocks=blocks,
        title=find_title(root, blocks),
        problems=problems,
        metadata=page_metadata(root, body.element),
    )


def _split_all_textgrids(items: list[str | RawTable]) -> list[str | RawTable]:
    """Run the textgrid reader over each stretch of lines between `<table>` grids."""
    out: list[str | RawTable] = []
    run: list[str] = []
    for item in [*items, None]:
        if isinstance(item, str):
            run.append(item)
            continue
        out.extend(split_textgrids(run))
        run = []
        if item is not None:
            out.append(item)
    return out


def extract(path: Path, content_type: str | None = None) -> ExtractedDocument:
    """Read one archived HTML page. Never raises for a bad document: status "failed" instead.

    Steps: bytes -> text (strict decoding, see `extractors.html.decode.decode_html`) -> lxml tree ->
    the element that holds the report body (known CMS containers, else the common ancestor of the
    section headings) -> lines and `<table>` grids in reading order -> tab-laid-out "textgrid" tables
    recognised among the lines -> `ExtractedDocument`.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _failed(f"html: cannot read {path.name} ({exc.strerror})")
    decoded = decode_html(data, content_type)
    if decoded.text is None:
        return _failed(f"{decoded.error} ({path.name})")
    return extract_text(decoded.text)
