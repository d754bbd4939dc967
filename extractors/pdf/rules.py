"""Tables drawn with horizontal rules only (strategy "explicit") as cell grids."""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from extractors.numbers import is_number_or_dash
from extractors.pdf.fragment import X_TOLERANCE, Fragment, merge_bounds, to_fragment
from extractors.pdf.text import clean_cell_text

RULE_MIN_WIDTH = 20.0
MAX_RULE_GAP = 120.0  # pt between two rules of one table (a row of wrapped labels is far less)
WORD_GAP = 6.0  # pt: words closer than this on a row are one printed cell


@dataclass(frozen=True)
class Rule:
    """One horizontal rule level: its y, extent, and the ends of the segments drawn there."""

    y: float
    x0: float
    x1: float
    ends: tuple[float, ...]


def horizontal_rules(edges: Sequence[dict[str, Any]], claimed: Sequence[Fragment]) -> list[Rule]:
    """Horizontal edges outside the tables already found, grouped by y (segments of one rule)."""
    levels: dict[int, list[dict[str, Any]]] = {}
    for e in edges:
        y = float(e["top"])
        if float(e["x1"]) - float(e["x0"]) < RULE_MIN_WIDTH or any(
            f.top - 1 <= y <= f.bottom + 1 for f in claimed
        ):
            continue
        levels.setdefault(round(y), []).append(e)
    rules = []
    for segments in levels.values():
        ends = sorted({round(float(s[k]), 1) for s in segments for k in ("x0", "x1")})
        rules.append(Rule(float(segments[0]["top"]), ends[0], ends[-1], tuple(ends)))
    return sorted(rules, key=lambda r: r.y)


def rule_stacks(rules: Sequence[Rule]) -> list[list[Rule]]:
    """Runs of rules close below each other with overlapping extents (candidate tables)."""
    stacks: list[list[Rule]] = []
    for rule in rules:
        last = stacks[-1][-1] if stacks else None
        overlap = min(rule.x1, last.x1) - max(rule.x0, last.x0) if last else 0.0
        if (
            last
            and rule.y - last.y <= MAX_RULE_GAP
            and overlap > 0.5 * min(rule.x1 - rule.x0, last.x1 - last.x0)
        ):
            stacks[-1].append(rule)
        else:
            stacks.append([rule])
    return [s for s in stacks if len(s) >= 3]


def _word_runs(words: Sequence[dict[str, Any]]) -> list[tuple[float, float]]:
    """The x-intervals covered by a band's words, words nearer than WORD_GAP joined."""
    runs: list[list[float]] = []
    for w in sorted(words, key=lambda w: float(w["x0"])):
        if runs and float(w["x0"]) - runs[-1][1] <= WORD_GAP:
            runs[-1][1] = max(runs[-1][1], float(w["x1"]))
        else:
            runs.append([float(w["x0"]), float(w["x1"])])
    return [(a, b) for a, b in runs]


def _in_band(word: dict[str, Any], top: float, bottom: float, x0: float, x1: float) -> bool:
    cy, cx = (float(word["top"]) + float(word["bottom"])) / 2, (float(word["x0"]) + float(word["x1"])) / 2
    return top < cy < bottom and x0 <= cx <= x1


def _size(words: Sequence[dict[str, Any]]) -> float:
    return statistics.median(float(w["size"]) for w in words) if words else 0.0


def split_at_prose(stack: list[Rule], words: Sequence[dict[str, Any]]) -> list[list[Rule]]:
    """Cut a stack of rules where the band between two rules is not a table row: empty, or one run
    of text that is a paragraph (wide) or a heading (in a larger font than the table's cells)."""
    x0, x1 = min(r.x0 for r in stack), max(r.x1 for r in stack)
    bands = [[w for w in words if _in_band(w, a.y, b.y, x0, x1)] for a, b in itertools.pairwise(stack)]
    runs = [_word_runs(band) for band in bands]
    cell_size = _size([w for band, r in zip(bands, runs, strict=True) if len(r) >= 2 for w in band])

    def tabular(band: list[dict[str, Any]], band_runs: list[tuple[float, float]]) -> bool:
        if len(band_runs) != 1:
            return len(band_runs) >= 2
        short = band_runs[0][1] - band_runs[0][0] < 0.5 * (x1 - x0)
        return short and (not cell_size or _size(band) <= cell_size * 1.15)

    parts: list[list[Rule]] = [[stack[0]]]
    for lower, band, band_runs in zip(stack[1:], bands, runs, strict=True):
        if tabular(band, band_runs):
            parts[-1].append(lower)
        else:
            parts.append([lower])
    return [p for p in parts if len(p) >= 3]


def _has_boundary(bounds: Sequence[float], lo: float, hi: float) -> bool:
    """A boundary in the gap (a glyph may overhang its cell border by a little)."""
    return any(lo - X_TOLERANCE <= x <= hi + X_TOLERANCE for x in bounds)


def column_xs(stack: Sequence[Rule], words: Sequence[dict[str, Any]]) -> list[float]:
    """Column boundaries of a rule-only table: where rule segments end (cell borders drawn per cell),
    plus the middle of each gap between number columns (and before the first) that has none."""
    x0, x1 = min(r.x0 for r in stack), max(r.x1 for r in stack)
    bounds = [x for r in stack for x in r.ends if x0 + X_TOLERANCE < x < x1 - X_TOLERANCE]
    numbers = [w for w in words if is_number_or_dash(w["text"])]
    columns = _word_runs_overlapping(numbers)
    for (_, left_end), (right_start, _) in itertools.pairwise(columns):
        if not _has_boundary(bounds, left_end, right_start):
            bounds.append((left_end + right_start) / 2)
    if columns:
        first = columns[0][0]
        number_ids = {id(w) for w in numbers}
        label_ends = [float(w["x1"]) for w in words if id(w) not in number_ids and float(w["x1"]) <= first]
        if label_ends and not _has_boundary(bounds, max(label_ends), first):
            bounds.append((max(label_ends) + first) / 2)
    return merge_bounds([x0, x1], bounds)


def _word_runs_overlapping(words: Sequence[dict[str, Any]]) -> list[tuple[float, float]]:
    """x-intervals of words merged where they overlap (the number columns)."""
    runs: list[list[float]] = []
    for w in sorted(words, key=lambda w: float(w["x0"])):
        if runs and float(w["x0"]) <= runs[-1][1] + 1:
            runs[-1][1] = max(runs[-1][1], float(w["x1"]))
        else:
            runs.append([float(w["x0"]), float(w["x1"])])
    return [(a, b) for a, b in runs]


def cover_unprinted_blanks(rows: list[list[str | None]]) -> list[list[str | None]]:
    """Without vertical rules a merged cell shows as blank cells beside its text. A blank is taken as
    covered (None) where the header rows above the row print nothing in that column, and in header
    rows themselves; a blank under a printed header stays a blank value ('').

    Header rows: rows without numbers that print text in a column holding numbers further down."""
    value_cols = {j for row in rows for j, t in enumerate(row) if is_number_or_dash(t)}
    printed: set[int] | None = None
    in_header = False
    out: list[list[str | None]] = []
    for row in rows:
        texts = {j for j, t in enumerate(row) if t}
        if texts & value_cols and not any(is_number_or_dash(t) for t in row):
            # a one-cell row is a block title spanning the table: it starts new headers, names no column
            above = printed if in_header and printed is not None else set()
            printed = above | texts if len(texts) >= 2 else set()
            in_header = True
            out.append([t or None for t in row])
            continue
        in_header = False
        out.append(
            [None if t == "" and printed is not None and j not in printed else t for j, t in enumerate(row)]
        )
    return out


def rule_only_fragments(page: Any, page_no: int, found: Sequence[Fragment]) -> list[Fragment]:
    """Tables with horizontal rules and no vertical ones, strategy 'explicit': rows from the rules,
    columns placed from where rule segments end and from the gaps between number columns (`column_xs`,
    given to pdfplumber as explicit vertical lines), then merged cells restored: words running across
    a column boundary (`join_crossed_cells`), blanks that no header prints (`cover_unprinted_blanks`)."""
    stacks = rule_stacks(horizontal_rules(page.horizontal_edges, found))
    if not stacks:
        return []
    words = page.extract_words(extra_attrs=["size"])
    fragments = []
    for stack in (part for s in stacks for part in split_at_prose(s, words)):
        x0, x1 = min(r.x0 for r in stack), max(r.x1 for r in stack)
        inside = [w for w in words if _in_band(w, stack[0].y, stack[-1].y, x0, x1)]
        xs = column_xs(stack, inside)
        if len(xs) < 3:
            continue
        box = (
            max(x0 - 1, 0),
            max(stack[0].y - 1, 0),
            min(x1 + 1, page.width),
            min(stack[-1].y + 1, page.height),
        )
        settings = {
            "vertical_strategy": "explicit",
            "explicit_vertical_lines": xs,
            "horizontal_strategy": "lines",
        }
        crop = page.crop(box)
        for table in crop.find_tables(settings):
            fragment = to_fragment(table, page_no, "explicit")
            if fragment is not None:
                fragment.rows = cover_unprinted_blanks(join_crossed_cells(crop, table, fragment.rows, inside))
                fragments.append(fragment)
    return fragments


def _crosses(word: dict[str, Any], x: float, top: float, bottom: float) -> bool:
    """A word with at least most of a glyph on each side of x (punctuation overhanging a border
    by a little does not count)."""
    cy = (float(word["top"]) + float(word["bottom"])) / 2
    overhang = min(x - float(word["x0"]), float(word["x1"]) - x)
    return overhang >= 0.8 * float(word["size"]) and top <= cy <= bottom


def join_crossed_cells(
    page: Any, table: Any, rows: list[list[str | None]], words: Sequence[dict[str, Any]]
) -> list[list[str | None]]:
    """Cells that a printed word runs across are one merged cell (no vertical rule shows it): its text
    is read again from the union of their boxes, put in the first, and the others are covered."""
    out = [list(row) for row in rows]
    for i, row in enumerate(table.rows):
        boxes = list(row.cells)
        j = 0
        while j < len(boxes):
            k = j
            while k + 1 < len(boxes) and boxes[k] and boxes[k + 1] and _word_across(boxes[k], words):
                k += 1
            if k > j and boxes[j] is not None and boxes[k] is not None:
                union = (boxes[j][0], boxes[j][1], boxes[k][2], boxes[j][3])
                out[i][j] = clean_cell_text(page.crop(union).extract_text())
                out[i][j + 1 : k + 1] = [None] * (k - j)
            j = k + 1
    return out


def _word_across(box: tuple[float, float, float, float], words: Sequence[dict[str, Any]]) -> bool:
    return any(_crosses(w, float(box[2]), float(box[1]), float(box[3])) for w in words)
