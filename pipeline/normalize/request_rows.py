"""Printed rows of the requests table -> the template's rows, by order, numbering and label together."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from pipeline.normalize.template import REQUEST_ROWS
from pipeline.normalize.text import fold

# Folded label text -> key: the words that make each row unique, first listed wins ties in a label.
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
_TOP = re.compile(r"^([一二三四])[、.,]")
_GROUP = re.compile(r"\(([一二三四五六七])\)")
_ITEM_START = re.compile(r"^(\d{1,2})[.、,]?(?=\D)")
_ITEM = re.compile(r"(\d{1,2})[.、,](?=\D)")
_ITEM_OTHER = re.compile(r"^\d+[.、]?其他$")
_NOT_WORDS = re.compile(r"[\d\W_]+")

KEYWORD_POINTS = 4.0
NUMBER_POINTS = 1.5
SIMILARITY_POINTS = 3.0
MIN_SCORE = 2.5  # a match needs at least this: two of numbering, similarity and words agreeing


@dataclass(frozen=True)
class Label:
    """A row label split into its numbering and its words (folded)."""

    top: str | None  # 一/二/三/四 of 一、本年新收…
    group: str | None  # 一…七 of （三）不予公开, carried down from the row that prints it
    item: int | None  # 2 of 2.其他法律行政法规禁止公开
    words: str  # the label's own words, numbering and group label removed


@dataclass(frozen=True)
class PrintedRow:
    label: str  # as printed (cells joined)
    parsed: Label
    keyword: str | None  # the key the label's words name, if exactly one
    merged: bool = False  # the label names two rows or more: printed merged, never mapped


@dataclass(frozen=True)
class Mapping:
    key: str | None  # None: kept as unmapped
    doubtful: str | None = None  # why the key is not certain, when it is not


def parse_label(folded: str, group: str | None) -> Label:
    """Numbering and words of one folded label; `group` is the group in force above it."""
    top_match = _TOP.match(folded)
    top = top_match.group(1) if top_match else None
    rest = folded[top_match.end() :] if top_match else folded
    groups = list(_GROUP.finditer(rest))
    if groups:
        group = groups[-1].group(1)
        rest = rest[groups[-1].end() :]
    elif top is not None:
        group = None
    item_match = _ITEM_START.match(rest) or _ITEM.search(rest)
    item = int(item_match.group(1)) if item_match else None
    words = rest[item_match.end() :] if item_match else rest
    return Label(top, group, item, words)


def request_row_key(label: str, group: str) -> str | None:
    """The row a folded label names by its words, given the folded label of its group; None when
    it names none, or two (rows printed merged: kept as unmapped, never guessed)."""
    named = {key for word, key in REQUEST_ROW_WORDS if word in label}
    if len(named) > 1:
        return None
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


# ---- the template as labels -----------------------------------------------------------------


def _template_rows() -> list[tuple[str, Label]]:
    """Every row of both templates in printed order: the 2021 rows with the 2019 one-row
    （六）其他处理 (`other`) before its three 2021 rows, so either form aligns."""
    rows = list(REQUEST_ROWS["2021"])
    at = next(i for i, (k, _) in enumerate(rows) if k.startswith("other."))
    rows.insert(at, next(r for r in REQUEST_ROWS["2019"] if r[0] == "other"))
    out: list[tuple[str, Label]] = []
    group: str | None = None
    for key, text in rows:
        parsed = parse_label(fold(text), group)
        group = parsed.group
        out.append((key, parsed))
    return out


TEMPLATE_ROWS = _template_rows()


# ---- scoring and alignment ---------------------------------------------------------------------


def _letters(text: str) -> str:
    return _NOT_WORDS.sub("", text)


def similarity(a: str, b: str) -> float:
    a, b = _letters(a), _letters(b)
    if not a or not b:
        return 0.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def _numbering(printed: Label, template: Label) -> float:
    points = 0.0
    if printed.top is not None:
        points += NUMBER_POINTS if printed.top == template.top else -NUMBER_POINTS
    if printed.group is not None and printed.top is None:
        points += NUMBER_POINTS if printed.group == template.group else -NUMBER_POINTS
    if printed.item is not None:
        points += NUMBER_POINTS if printed.item == template.item else -NUMBER_POINTS
    return points


def score(row: PrintedRow, key: str, template: Label) -> float | None:
    """How well a printed row fits a template row; None when it must not be mapped there."""
    if row.merged or (row.keyword is not None and row.keyword != key):
        return None  # its words name another row (or two): never moved onto a neighbour
    points = KEYWORD_POINTS if row.keyword == key else 0.0
    points += _numbering(row.parsed, template)
    points += SIMILARITY_POINTS * similarity(row.parsed.words, template.words)
    return points if points >= MIN_SCORE else None


def align(rows: Sequence[PrintedRow]) -> list[Mapping]:
    """Each printed row's key: the in-order assignment of printed rows to template rows that fits
    best (rows may be left out on either side); a row out of the template's order keeps the key its
    words name, flagged; anything else is unmapped.

    Real reports print typos ("2.其他法律行政止公开"), drop or add characters, split labels over
    lines or cells, leave rows out, add rows, or print （六）其他处理 as one row. Each printed row is
    scored against each template row (the words that make a row unique, its numbering （三）/2., the
    similarity of its label) and the printed rows are aligned with the template in order, so one odd
    label never shifts the rows after it. A row mapped without its label naming the row is
    `doubtful`: its printed label is kept and the report says which key it was given.
    """
    n, m = len(rows), len(TEMPLATE_ROWS)
    scores = [[score(r, key, label) for key, label in TEMPLATE_ROWS] for r in rows]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            s = scores[i][j]
            take = s + best[i + 1][j + 1] if s is not None else float("-inf")
            best[i][j] = max(take, best[i + 1][j], best[i][j + 1])
    keys: list[str | None] = [None] * n
    i = j = 0
    while i < n and j < m:
        s = scores[i][j]
        if s is not None and best[i][j] == s + best[i + 1][j + 1]:
            keys[i] = TEMPLATE_ROWS[j][0]
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    return _explain(rows, keys)


def _explain(rows: Sequence[PrintedRow], keys: list[str | None]) -> list[Mapping]:
    taken = {k for k in keys if k is not None}
    out: list[Mapping] = []
    for row, key in zip(rows, keys, strict=True):
        if key is None and row.keyword is not None and row.keyword not in taken:
            taken.add(row.keyword)
            out.append(Mapping(row.keyword, "printed out of the template's order"))
        elif key is None or key == row.keyword:
            out.append(Mapping(key))
        else:
            out.append(Mapping(key, "by its place and numbering; the label differs from the template's"))
    return out


def printed_rows(labels: Sequence[str]) -> list[PrintedRow]:
    """Labels of the value rows in printed order -> rows with their numbering and words."""
    out: list[PrintedRow] = []
    group: str | None = None
    group_label = ""
    for printed in labels:
        folded = fold(printed)
        parsed = parse_label(folded, group)
        marker = _GROUP.search(folded)
        if marker:
            group_label = folded[marker.start() :]
        elif parsed.top is not None:
            group_label = ""
        group = parsed.group
        named = {key for word, key in REQUEST_ROW_WORDS if word in folded}
        merged = len(named) > 1 or len(_ITEM.findall(parsed.words)) > 0
        out.append(PrintedRow(printed, parsed, request_row_key(folded, group_label), merged))
    return out
