"""Raw table grids -> canonical facts, whatever format they came from."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from extractors.model import RawCell, RawTable
from pipeline.normalize.request_rows import align, parse_label, printed_rows, similarity
from pipeline.normalize.request_rows import request_row_key as request_row_key  # re-exported for tests
from pipeline.normalize.template import ACTIVE_BLOCKS, REQUEST_COLUMNS, REVIEW_COLUMNS, REVIEW_ROWS
from pipeline.normalize.text import clean_cell, fold, is_value_text, parse_number, read_value, unit_of


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
    confidence: float | None = None  # OCR only: how sure the engine was of `raw`


@dataclass
class TablesResult:
    cells: list[Cell] = field(default_factory=list)
    found: set[str] = field(default_factory=set)  # table keys found
    template_votes: dict[str, int] = field(default_factory=lambda: {"2019": 0, "2021": 0})
    problems: list[str] = field(default_factory=list)
    # Rows mapped to a key their printed label does not name: kept with their label, and named.
    doubtful: list[str] = field(default_factory=list)


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
    return [RawCell(clean_cell(c.text), c.page, c.confidence) for c in row if c.text is not None]


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
    raw_label: str | None = None,
) -> Cell:
    """One value cell: its number and the unit printed in it (else the column's), never converted."""
    raw = c.text or ""
    printed = read_value(raw)
    if printed.is_text:
        where = f"page {c.page}: " if c.page else ""
        cell = f"{table_key} {row_key}.{column_key}"
        out.problems.append(f"{where}{cell}: {raw!r} is not a number (kept as printed, value null)")
    if printed.unit is not None:
        unit = "万元" if printed.unit == "万" and unit == "万元" else printed.unit
    value = None if _doubtful(c, f"{table_key} {row_key}.{column_key}", out) else printed.value
    return Cell(table_key, row_key, column_key, raw, value, unit, c.page, raw_label, strategy, c.confidence)


# An OCR reading less sure than this is not a number we report: value null, raw kept, report partial.
OCR_MIN_CONFIDENCE = 0.9


def _doubtful(c: RawCell, cell: str, out: TablesResult) -> bool:
    """True (and the cell named in the problems) when OCR read the cell with too little confidence."""
    if c.confidence is None or c.confidence >= OCR_MIN_CONFIDENCE:
        return False
    where = f"page {c.page}: " if c.page else ""
    out.problems.append(
        f"{where}{cell}: OCR read {c.text or ''!r} with confidence {c.confidence:.2f} (value null)"
    )
    return True


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
    spans: list[tuple[int, int]] = field(default_factory=list)  # grid columns each header label covers
    block: str | None = None  # 一/五/六/八/九 of the 第二十条第（…）项 block being read


ACTIVE_SIMILARITY_MIN = 0.6  # a misprinted row label read as its block's row only this close to it


def _active_row_by_label(label: str, block: str | None) -> str | None:
    """The row of the current block a label misprints, by similarity; None when not one clearly."""
    labels = {
        key: fold(text)
        for name, rows, _ in (b for template in ACTIVE_BLOCKS.values() for b in template)
        if block is None or f"({block})" in fold(name)
        for key, text in rows
    }
    scored = sorted(((similarity(label, text), key) for key, text in labels.items()), reverse=True)
    if not scored or scored[0][0] < ACTIVE_SIMILARITY_MIN:
        return None
    if len(scored) > 1 and scored[1][1] != scored[0][1] and scored[1][0] >= scored[0][0] - 0.1:
        return None
    return scored[0][1]


def _default_columns(row_key: str, template: str) -> list[tuple[str | None, str | None]]:
    for _, rows, cols in ACTIVE_BLOCKS[template]:
        if row_key in {r for r, _ in rows}:
            return [(c, "万元" if c == "fee_amount" else None) for c, _ in cols]
    return []


def parse_active(tables: Sequence[RawTable], out: TablesResult) -> None:
    state = _ActiveState()
    for table in tables:
        for row in table.rows:
            _active_row(compact(row), printed_spans(row), state, table.strategy, out)


def printed_spans(row: Sequence[RawCell]) -> list[tuple[int, int]]:
    """The grid columns [start, end) each printed cell of a row covers (up to the next printed cell),
    in the order `compact` keeps them."""
    starts = [j for j, c in enumerate(row) if c.text is not None]
    return list(zip(starts, [*starts[1:], len(row)], strict=True))


def place_under_header(
    values: Sequence[RawCell], spans: Sequence[tuple[int, int]], header: Sequence[tuple[int, int]]
) -> list[RawCell] | None:
    """Value cells whose colspans do not line up with their block's header (more cells than labels):
    each under the header label over its first grid column; a blank cell under a label that another
    cell fills is a leftover of the misaligned grid and dropped. None when that reads no one value
    per label."""
    placed: dict[int, RawCell] = {}
    for cell, (start, _) in zip(values, spans, strict=True):
        k = next((i for i, (lo, hi) in enumerate(header) if lo <= start < hi), None)
        if k is None:
            return None
        if k in placed and fold(cell.text or ""):
            if fold(placed[k].text or ""):
                return None
            placed[k] = cell
        placed.setdefault(k, cell)
    return [placed[i] for i in range(len(header))] if len(placed) == len(header) else None


def _active_row(
    cells: list[RawCell], spans: list[tuple[int, int]], state: _ActiveState, strategy: str, out: TablesResult
) -> None:
    texts = [c.text or "" for c in cells]
    if not any(texts):
        return
    first = fold(texts[0])
    if block := _BLOCK.search(fold("".join(texts))):
        state.columns = []  # a new block: its own header row follows
        state.block = block.group(1)
        return
    if "信息内容" in first:
        state.columns = [(match_words(fold(t), ACTIVE_COLUMN_WORDS), unit_of(t)) for t in texts[1:]]
        state.spans = spans[1:]
        for key, _ in state.columns:
            if key in COLUMNS_2021:
                out.template_votes["2021"] += 1
            elif key in COLUMNS_2019:
                out.template_votes["2019"] += 1
        return
    row_key = match_row(first, ACTIVE_ROW_WORDS)
    values = cells[1:]
    raw_label = None
    # a label naming a row is never re-read by likeness (one naming two is merged rows: unmapped)
    names_none = not any(word in first for word, _ in ACTIVE_ROW_WORDS)
    if names_none and values and (row_key := _active_row_by_label(first, state.block)):
        raw_label = texts[0]
        out.doubtful.append(
            f"active_disclosure row {texts[0]!r} read as {row_key} (by its likeness to the block's row)"
        )
    if row_key is None or not values:
        if values and any(parse_number(v.text) is not None for v in values):
            out.cells.extend(_unmapped("active_disclosure", texts[0], values, strategy))
        return
    guess = "2021" if out.template_votes["2021"] > out.template_votes["2019"] else "2019"
    columns = state.columns or _default_columns(row_key, guess)
    if len(columns) != len(values) and state.columns:
        values = place_under_header(values, spans[1:], state.spans) or values
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
        out.cells.append(_cell("active_disclosure", row_key, col, c, unit, strategy, out, raw_label))
    out.found.add("active_disclosure")


# ---- requests --------------------------------------------------------------------------------


@dataclass
class _ValueRow:
    label: str  # the label cells as printed, joined
    values: list[RawCell]
    strategy: str


def _request_value_rows(tables: Sequence[RawTable], out: TablesResult) -> list[_ValueRow]:
    width = len(REQUEST_COLUMNS)
    rows: list[_ValueRow] = []
    for table in tables:
        for row in table.rows:
            cells = compact(row)
            if not is_value_row(cells, width) or not any(c.text for c in cells):
                continue  # not a row of numbers, or an empty row (a spacer)
            label = "".join(c.text or "" for c in cells[:-width])
            if not fold(label):
                out.problems.append("requests: a row of numbers has no label")
                continue
            rows.append(_ValueRow(label, cells[-width:], table.strategy))
    return join_split_labels(rows)


def _all_blank(values: Sequence[RawCell]) -> bool:
    return all(not fold(c.text or "") for c in values)


def join_split_labels(rows: list[_ValueRow]) -> list[_ValueRow]:
    """A label cut over two printed rows (a page break, a wrapped cell read as two rows): a row that
    prints no value at all joined with the unnumbered label next to it that carries the values."""
    out: list[_ValueRow] = []
    for row in rows:
        prev = out[-1] if out else None
        numbered = parse_label(fold(row.label), None)
        unnumbered = numbered.top is None and numbered.group is None and numbered.item is None
        if prev is not None and unnumbered and _all_blank(prev.values) and not _all_blank(row.values):
            out[-1] = _ValueRow(prev.label + row.label, row.values, row.strategy)
        elif prev is not None and unnumbered and _all_blank(row.values) and not _all_blank(prev.values):
            out[-1] = _ValueRow(prev.label + row.label, prev.values, prev.strategy)
        else:
            out.append(row)
    return out


def parse_requests(tables: Sequence[RawTable], out: TablesResult) -> None:
    rows = _request_value_rows(tables, out)
    for row, mapping in zip(rows, align(printed_rows([r.label for r in rows])), strict=True):
        key = mapping.key
        if key is None:
            out.cells.extend(_unmapped("requests", row.label, row.values, row.strategy))
            continue
        if key.startswith("other."):
            out.template_votes["2021"] += 1
        elif key == "other":
            out.template_votes["2019"] += 1
        label = None
        if mapping.doubtful is not None:
            label = row.label
            out.doubtful.append(f"requests row {row.label!r} read as {key} ({mapping.doubtful})")
        for (col, _), c in zip(REQUEST_COLUMNS, row.values, strict=True):
            out.cells.append(_cell("requests", key, col, c, None, row.strategy, out, label))
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


def _continues_requests(table: RawTable) -> bool:
    """A table with no header of its own whose rows are labelled rows of seven values: the requests
    table continued on a new page (a producer that repeats no header, a join the extractor missed)."""
    width = len(REQUEST_COLUMNS)
    return any(is_value_row(compact(row), width) for row in table.rows)


def parse_tables(tables: Sequence[RawTable]) -> TablesResult:
    """Map every standard table in a document to canonical cells.

    Labels are matched by the words that make each row unique (after folding), never by row
    position, so wrapped, re-spaced or slightly reworded labels still map (the requests table's rows
    by order, numbering and label together: see `request_rows.align`). Anything that maps to no
    canonical key is kept with row_key `unmapped` and its printed label.
    """
    out = TablesResult()
    by_kind: dict[str, list[RawTable]] = {"active_disclosure": [], "requests": [], "review_litigation": []}
    previous: str | None = None
    for table in tables:
        kind = classify_table(table)
        if kind is None and previous == "requests" and _continues_requests(table):
            kind = "requests"
        if kind is not None:
            by_kind[kind].append(table)
        previous = kind
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
