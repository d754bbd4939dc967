"""OCR text boxes laid out: into the cells of a ruled grid, or into body text lines outside tables."""

from __future__ import annotations

import re
from collections.abc import Sequence

import cv2
import numpy as np

from extractors.model import RawCell, RawTable
from extractors.ocr.engine import TextBox, read_number
from extractors.ocr.grid import Grid
from extractors.pdf.text import clean_cell_text, clean_line

STRATEGY = "ocr"
UNREAD_INK = 40  # px of ink in a cell (beyond dust): something is printed there
CELL_MARGIN = 0.15  # share of a cell's width/height kept clear of its rules when looking inside it
SURE = 0.99  # a number read at least this surely is not read again
SEAL_SHARE = 0.05  # a cell this much covered by a seal is under it
NUMBER_TEXT = re.compile(r"^[-+]?[\d,.]+%?$")

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels


def text_lines(boxes: Sequence[TextBox]) -> list[list[TextBox]]:
    """Boxes grouped into printed lines (vertical overlap), each line left to right, lines top down."""
    lines: list[list[TextBox]] = []
    for box in sorted(boxes, key=lambda b: b.cy):
        line = lines[-1] if lines else None
        if line is not None and abs(box.cy - float(np.mean([b.cy for b in line]))) < 0.5 * box.height:
            line.append(box)
        else:
            lines.append([box])
    return [sorted(line, key=lambda b: b.x0) for line in lines]


def _latin(char: str) -> bool:
    return char.isascii() and char.isalnum()


def joined(line: Sequence[TextBox]) -> str:
    """One printed line's text: boxes joined, a space only between two Latin/digit runs."""
    out = ""
    for box in line:
        if out and _latin(out[-1]) and _latin(box.text[0]):
            out += " "
        out += box.text
    return out


def split_boxes(boxes: Sequence[TextBox], grids: Sequence[Grid]) -> tuple[list[list[TextBox]], list[TextBox]]:
    """Boxes inside each grid (by their centre), and the boxes outside every grid."""
    inside: list[list[TextBox]] = [[] for _ in grids]
    outside = []
    for box in boxes:
        k = next((k for k, g in enumerate(grids) if g.contains(box.cx, box.cy)), None)
        if k is None:
            outside.append(box)
        else:
            inside[k].append(box)
    return inside, outside


def _span(grid: Grid, i: int, j: int) -> Box:
    """Pixel box of the merged cell whose top-left grid cell is (i, j)."""
    cell = grid.owner[i][j]
    rows = [r for r, row in enumerate(grid.owner) if cell in row]
    cols = [c for c in range(len(grid.xs) - 1) if any(grid.owner[r][c] == cell for r in rows)]
    return grid.xs[min(cols)], grid.ys[min(rows)], grid.xs[max(cols) + 1], grid.ys[max(rows) + 1]


def _inner(page: np.ndarray, box: Box) -> np.ndarray:
    x0, y0, x1, y1 = _shrunk(box)
    return page[y0:y1, x0:x1]


def _has_ink(ink: np.ndarray, box: Box) -> bool:
    """True when a cell holds printed ink beyond dust, whether or not text was read there."""
    inner = _inner(ink, box)
    if inner.size == 0:
        return False
    cleaned = cv2.morphologyEx(inner, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    return int(np.count_nonzero(cleaned)) >= UNREAD_INK


def _around(boxes: Sequence[TextBox]) -> Box:
    """The lines read in a cell, with a margin of a third of their height (what the recogniser needs)."""
    pad = max(b.height for b in boxes) / 3
    x0, y0 = min(b.x0 for b in boxes) - pad, min(b.y0 for b in boxes) - pad / 2
    x1, y1 = max(b.x1 for b in boxes) + pad, max(b.y1 for b in boxes) + pad / 2
    return int(x0), int(y0), int(x1), int(y1)


def _number_reading(grey: np.ndarray, box: Box) -> tuple[str, float]:
    x0, y0, x1, y1 = box
    crop = grey[max(0, y0) : y1, max(0, x0) : x1]
    if crop.size == 0:
        return "", 0.0
    text, sure = read_number(cv2.cvtColor(np.ascontiguousarray(crop), cv2.COLOR_GRAY2RGB))
    return clean_cell_text(text) or "", sure


def read_cell(
    read: Sequence[TextBox], box: Box, grey: np.ndarray, ink: np.ndarray
) -> tuple[str, float | None]:
    """A cell's text and confidence (None for a blank cell). A number's confidence is how sure the
    recogniser is of its digits (`read_number`): from the page reading when that is sure, otherwise
    from its crop read again (if the two readings differ, the cell gets the lower score). A cell whose
    ink the page reading missed is read from its crop with half that score (read once, on a doubtful
    spot)."""
    text = clean_cell_text("".join(joined(line) for line in text_lines(read))) or ""
    if not read:
        if not _has_ink(ink, box):
            return "", None
        again, sure = _number_reading(grey, _shrunk(box))
        return again, sure / 2
    score = min(b.score for b in read)
    if score >= SURE or not NUMBER_TEXT.match(text):
        return text, score
    first = min(b.digits_sure for b in read)
    if first >= SURE:
        return text, first
    again, sure = _number_reading(grey, _around(read))
    return text, min(first, sure) if again == text else min(score, first, sure)


def _shrunk(box: Box) -> Box:
    x0, y0, x1, y1 = box
    dx, dy = int((x1 - x0) * CELL_MARGIN), int((y1 - y0) * CELL_MARGIN)
    return x0 + dx, y0 + dy, x1 - dx, y1 - dy


def mended(grid: Grid, boxes: Sequence[TextBox]) -> Grid:
    """The grid with rules put back where a missing rule would merge a number with what stands left
    of it or above it: no merged cell prints a number beside other text (or under another number),
    so that rule was lost (left out by the printer, or faded in the scan). A line of text running
    across the boundary means the cells are really one."""
    numbers: set[tuple[int, int]] = set()
    printed: set[tuple[int, int]] = set()
    for box in boxes:
        printed.add(grid.cell_at(box.cx, box.cy))
        if NUMBER_TEXT.match(clean_cell_text(box.text) or ""):
            numbers.add(grid.cell_at(box.cx, box.cy))
    lost = set()
    for side, i, j in grid.open:
        if side == "v" and (i, j + 1) in numbers and (i, j) in printed and not _across(grid, boxes, i, j):
            lost.add((side, i, j))
        if side == "h" and (i, j) in numbers and (i + 1, j) in numbers:
            lost.add((side, i, j))
    return grid.mended(lost)


def _across(grid: Grid, boxes: Sequence[TextBox], i: int, j: int) -> bool:
    """True when a text line in row i runs across the boundary right of column j."""
    x = grid.xs[j + 1]
    return any(b.x0 < x < b.x1 and grid.ys[i] <= b.cy <= grid.ys[i + 1] for b in boxes)


def under_seal(confidence: float | None, box: Box, hidden: np.ndarray | None) -> float | None:
    """A cell a seal covers (in part) is damaged where print and seal ink met: only a sure reading
    (SURE) keeps its confidence, any other is halved (doubtful)."""
    if confidence is None or confidence >= SURE or hidden is None:
        return confidence
    x0, y0, x1, y1 = box
    area = hidden[max(0, y0) : y1, max(0, x0) : x1]
    return confidence / 2 if area.size and float((area > 127).mean()) >= SEAL_SHARE else confidence


def grid_table(
    grid: Grid,
    boxes: Sequence[TextBox],
    grey: np.ndarray,
    ink: np.ndarray,
    page: int,
    hidden: np.ndarray | None = None,
) -> RawTable:
    """The grid as a RawTable: each merged cell's text in its top-left grid cell, covered cells None,
    every printed cell with its confidence (`read_cell`; `under_seal` where `hidden` marks a seal).
    Rules lost between two numbers are put back first (`mended`)."""
    grid = mended(grid, boxes)
    in_cell: dict[tuple[int, int], list[TextBox]] = {}
    for box in boxes:
        in_cell.setdefault(grid.anchor(*grid.cell_at(box.cx, box.cy)), []).append(box)
    rows = []
    for i, owners in enumerate(grid.owner):
        row = []
        for j, _ in enumerate(owners):
            if grid.anchor(i, j) != (i, j):
                row.append(RawCell(None, page))
                continue
            span = _span(grid, i, j)
            text, confidence = read_cell(in_cell.get((i, j), []), span, grey, ink)
            row.append(RawCell(text, page, under_seal(confidence, span, hidden)))
        rows.append(tuple(row))
    return RawTable(rows=tuple(rows), page=page, strategy=STRATEGY)


def body_lines(boxes: Sequence[TextBox]) -> list[TextBox]:
    """Body text lines (outside tables), top down, each as one box spanning the line."""
    out = []
    for line in text_lines(boxes):
        text = clean_line(joined(line))
        if text:
            x0, y0 = min(b.x0 for b in line), min(b.y0 for b in line)
            x1, y1 = max(b.x1 for b in line), max(b.y1 for b in line)
            out.append(TextBox(x0, y0, x1, y1, text, min(b.score for b in line)))
    return out
