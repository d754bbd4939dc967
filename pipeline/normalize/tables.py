"""Raw table grids -> canonical facts, whatever format they came from.

Labels are matched by the words that make each row unique (after folding), never by row
position, so wrapped, re-spaced or slightly reworded labels still map. Anything that maps
to no canonical key is kept with row_key `unmapped` and its printed label.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from extractors.model import RawCell, RawTable
from pipeline.normalize.template import ACTIVE_BLOCKS, REQUEST_COLUMNS, REVIEW_COLUMNS, REVIEW_ROWS
from pipeline.normalize.text import clean_cell, fold, is_value_text, parse_number, unit_of


@dataclass(frozen=True)
class Cell:
    """A canonical cell read from a table, before report ids are attached."""

    table_key: str
    row_key: str
    column_key: str
    raw: str
    value: float | None
    unit: str | None
    page: int | None
    raw_label: str | None = None
    strategy: str | None = None


@dataclass
class TablesResult:
    cells: list[Cell] = field(default_factory=list)
    found: set[str] = field(default_factory=set)  # table keys found
    template_votes: dict[str, int] = field(default_factory=lambda: {"2019": 0, "2021": 0})
    problems: list[str] = field(default_factory=list)


# ---- label crosswalks (folded text -> key), first match wins ----------------------------

ACTIVE_ROW_WORDS: tuple[tuple[str, str], ...] = (
    ("规章", "regulations"),
    ("规范性文件", "normative_documents"),
    ("行政许可", "licensing"),
    ("其他对外管理服务", "other_services"),
    ("行政处罚", "penalty"),
    ("行政强制", "coercion"),
    ("行政事业性收费", "fees"),
    ("集中采购", "procurement"),
)
ACTIVE_COLUMN_WORDS: tuple[tuple[str, str], ...] = (
    ("新制作", "made"),
    ("新公开", "published"),
    ("公开总数", "total_published"),
    ("上一年", "items_last_year"),
    ("增/减", "change"),
    ("增减", "change"),
    ("处理决定", "decisions"),
    ("采购项目", "procurement_items"),
    ("采购总金额", "procurement_amount"),
    ("制发", "issued"),
    ("废止", "repealed"),
    ("现行有效", "in_force"),
    ("收费金额", "fee_amount"),
)
COLUMNS_2021 = frozenset({"issued", "repealed", "in_force", "fee_amount"})
COLUMNS_2019 = frozenset({"made", "published", "total_published", "items_last_year", "change"})

REQUEST_ROW_WORDS: tuple[tuple[str, str], ...] = (
    ("新收", "new"),
    ("上年结转", "carried_over"),
    ("结转下年", "carried_forward"),
    ("继续办理", "carried_forward"),
    ("部分公开", "partially_granted"),
    ("予以公开", "granted"),
    ("国家秘密", "denied.state_secret"),
    ("禁止公开", "denied.prohibited_by_law"),
    ("三安全", "denied.security_stability"),
    ("第三方", "denied.third_party"),
    ("内部事务", "denied.internal_affairs"),
    ("过程性", "denied.process_info"),
    ("执法案卷", "denied.enforcement_files"),
    ("行政查询", "denied.inquiry"),
    ("不掌握", "unable.not_held"),
    ("另行制作", "unable.needs_creation"),
    ("不明确", "unable.unclear"),
    ("信访", "not_processed.petition"),
    ("重复申请", "not_processed.duplicate"),
    ("出版物", "not_processed.publication"),
    ("大量反复", "not_processed.excessive"),
    ("重新出具", "not_processed.confirmation"),
    ("确认", "not_processed.confirmation"),
    ("不补正", "other.no_correction"),
    ("缴纳费用", "other.fee_unpaid"),
    ("收费通知", "other.fee_unpaid"),
    ("总计", "processed_total"),
)
_GROUP = re.compile(r"\(([一二三四五六七])\)")
_ITEM_OTHER = re.compile(r"^\d+[.、]?其他$")
_BLOCK = re.compile(r"第二十条第?\(([一二三四五六七八九十]+)\)项?")


def match_words(folded: str, words: Iterable[tuple[str, str]]) -> str | None:
    return next((key for word, key in words if word in folded), None)


def match_row(folded: str, words: Iterable[tuple[str, str]]) -> str | None:
    """The one row key a label names; None when it names none, or two (rows printed merged)."""
    keys = {key for word, key in words if word in folded}
    return keys.pop() if len(keys) == 1 else None


# ---- grid helpers ------------------------------------------------------------------------


def compact(row: Sequence[RawCell]) -> list[RawCell]:
    """The printed cells of a row: cells covered by a merge dropped, text cleaned."""
    return [RawCell(clean_cell(c.text), c.page) for c in row if c.text is not None]


def table_text(table: RawTable) -> str:
    return fold("".join(c.text or "" for row in table.rows for c in row))


def classify_table(table: RawTable) -> str | None:
    """Which standard table a grid is, from its own words."""
    text = table_text(table)
    if any(w in text for w in ("新收", "申请人情况", "办理结果", "上年结转")):
        return "requests"
    if "行政复议" in text and "行政诉讼" in text:
        return "review_litigation"
    if any(w in text for w in ("第二十条", "信息内容", "规章", "行政许可", "行政处罚")):
        return "active_disclosure"
    return None


# How many cells of a row of numbers may print something else (text, a note) and the row still
# be read as that row: their value is null, their text kept, and the report is partial.
GARBAGE_CELLS_TOLERATED = 2


def is_value_row(cells: Sequence[RawCell], width: int, labelled: bool = True) -> bool:
    """True when the last `width` cells are numbers, blanks or dashes, but for a few misprints
    (and, for a `labelled` row, a label precedes them)."""
    values = cells[-width:]
    if len(values) < width or (labelled and len(cells) == width):
        return False
    printed = sum(is_value_text(c.text) for c in values)
    readable = any(parse_number(c.text) is not None for c in values)
    return printed == width or (readable and printed >= width - GARBAGE_CELLS_TOLERATED)


def _cell(
    table_key: str,
    row_key: str,
    column_key: str,
    c: RawCell,
    unit: str | None,
    strategy: str,
    out: TablesResult,
) -> Cell:
    raw = c.text or ""
    if not is_value_text(raw):
        where = f"page {c.page}: " if c.page else ""
        cell = f"{table_key} {row_key}.{column_key}"
        out.problems.append(f"{where}{cell}: {raw!r} is not a number (kept as printed, value null)")
    return Cell(table_key, row_key, column_key, raw, parse_number(raw), unit, c.page, None, strategy)


def _unmapped(table_key: str, label: str, cells: Sequence[RawCell], strategy: str) -> list[Cell]:
    return [
        Cell(
            table_key,
            "unmapped",
            f"col{i + 1}",
            c.text or "",
            parse_number(c.text),
            None,
            c.page,
            label,
            strategy,
        )
        for i, c in enumerate(cells)
    ]


# ---- active_disclosure ---------------------------------------------------------------------


@dataclass
class _ActiveState:
    columns: list[tuple[str | None, str | None]] = field(default_factory=list)  # (key, unit)


def _default_columns(row_key: str, template: str) -> list[tuple[str | None, str | None]]:
    for _, rows, cols in ACTIVE_BLOCKS[template]:
        if row_key in {r for r, _ in rows}:
            return [(c, "万元" if c == "fee_amount" else None) for c, _ in cols]
    return []


def parse_active(tables: Sequence[RawTable], out: TablesResult) -> None:
    state = _ActiveState()
    for table in tables:
        for row in table.rows:
            cells = compact(row)
            _active_row(cells, state, table.strategy, out)


def _active_row(cells: list[RawCell], state: _ActiveState, strategy: str, out: TablesResult) -> None:
    texts = [c.text or "" for c in cells]
    if not any(texts):
        return
    first = fold(texts[0])
    if _BLOCK.search(fold("".join(texts))):
        state.columns = []  # a new block: its own header row follows
        return
    if "信息内容" in first:
        state.columns = [(match_words(fold(t), ACTIVE_COLUMN_WORDS), unit_of(t)) for t in texts[1:]]
        for key, _ in state.columns:
            if key in COLUMNS_2021:
                out.template_votes["2021"] += 1
            elif key in COLUMNS_2019:
                out.template_votes["2019"] += 1
        return
    row_key = match_row(first, ACTIVE_ROW_WORDS)
    values = cells[1:]
    if row_key is None or not values:
        if values and any(parse_number(v.text) is not None for v in values):
            out.cells.extend(_unmapped("active_disclosure", texts[0], values, strategy))
        return
    guess = "2021" if out.template_votes["2021"] > out.template_votes["2019"] else "2019"
    columns = state.columns or _default_columns(row_key, guess)
    if len(columns) != len(values):
        out.problems.append(
            f"active_disclosure row {texts[0]}: {len(values)} values for {len(columns)} columns"
        )
        out.cells.extend(_unmapped("active_disclosure", texts[0], values, strategy))
        return
    for (col, unit), c in zip(columns, values, strict=True):
        if col is None:
            out.cells.extend(_unmapped("active_disclosure", texts[0], [c], strategy))
            continue
        if col == "fee_amount" and unit is None:
            unit = "万元"
        out.cells.append(_cell("active_disclosure", row_key, col, c, unit, strategy, out))
    out.found.add("active_disclosure")


# ---- requests --------------------------------------------------------------------------------


def request_row_key(label: str, group: str) -> str | None:
    """Canonical row of the requests table from a row's folded label and its group label."""
    named = {key for word, key in REQUEST_ROW_WORDS if word in label}
    if len(named) > 1:
        return None  # two printed rows merged into one: kept as unmapped, never guessed
    key = named.pop() if named else None
    if key == "processed_total" and "结转" in label:
        return None
    if key is not None:
        return key
    if "其他处理" in group and _ITEM_OTHER.match(_strip_group(label)):
        return "other.other"
    if "其他处理" in label:
        return "other"
    return None


def _strip_group(label: str) -> str:
    return label[label.rfind(")") + 1 :] if ")" in label else label


def parse_requests(tables: Sequence[RawTable], out: TablesResult) -> None:
    group = ""
    width = len(REQUEST_COLUMNS)
    for table in tables:
        for row in table.rows:
            cells = compact(row)
            if not is_value_row(cells, width) or not any(c.text for c in cells):
                continue  # not a row of numbers, or an empty row (a spacer)
            label_cells = [c.text or "" for c in cells[:-width]]
            label = fold("".join(label_cells))
            marker = _GROUP.search(label)
            if marker:
                group = label[marker.start() :]
            if not label:
                out.problems.append("requests: a row of numbers has no label")
                continue
            _request_row(label, group, "".join(label_cells), cells[-width:], table.strategy, out)


def _request_row(
    label: str, group: str, printed: str, values: list[RawCell], strategy: str, out: TablesResult
) -> None:
    key = request_row_key(label, group)
    if key is None:
        out.cells.extend(_unmapped("requests", printed, values, strategy))
        return
    if key.startswith("other."):
        out.template_votes["2021"] += 1
    elif key == "other":
        out.template_votes["2019"] += 1
    for (col, _), c in zip(REQUEST_COLUMNS, values, strict=True):
        out.cells.append(_cell("requests", key, col, c, None, strategy, out))
    out.found.add("requests")


# ---- review_litigation -------------------------------------------------------------------------


def parse_review(tables: Sequence[RawTable], out: TablesResult) -> None:
    width = len(REVIEW_ROWS) * len(REVIEW_COLUMNS)
    for table in tables:
        for row in table.rows:
            cells = compact(row)
            values = cells[-width:]
            if not is_value_row(cells, width, labelled=False):
                continue
            if not any(parse_number(c.text) is not None for c in values) and "review_litigation" in out.found:
                continue
            pairs = [(r, c) for r, _ in REVIEW_ROWS for c, _ in REVIEW_COLUMNS]
            out.cells.extend(
                _cell("review_litigation", r, col, c, None, table.strategy, out)
                for (r, col), c in zip(pairs, values, strict=True)
            )
            out.found.add("review_litigation")
            return


# ---- all three ------------------------------------------------------------------------------------


def parse_tables(tables: Sequence[RawTable]) -> TablesResult:
    """Map every standard table in a document to canonical cells."""
    out = TablesResult()
    by_kind: dict[str, list[RawTable]] = {"active_disclosure": [], "requests": [], "review_litigation": []}
    for table in tables:
        kind = classify_table(table)
        if kind is not None:
            by_kind[kind].append(table)
    parse_active(by_kind["active_disclosure"], out)
    parse_requests(by_kind["requests"], out)
    parse_review(by_kind["review_litigation"], out)
    return out


def detect_template(result: TablesResult, year: int | None) -> str:
    """The template from the tables themselves; the year only decides pre2019 and ties."""
    if year is not None and year < 2019:
        return "pre2019"
    votes = result.template_votes
    if votes["2021"] > votes["2019"]:
        return "2021"
    if votes["2019"] > votes["2021"]:
        return "2019"
    if result.found and year is not None:
        return "2021" if year >= 2021 else "2019"
    return "unknown"
