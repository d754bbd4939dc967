"""Ruled tables in a page image: rules by morphology, their positions, cells and their merges."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

RULE_MIN_H = 0.2  # inch: shortest horizontal rule (a narrow cell's width)
RULE_MIN_V = 0.2  # inch: shortest vertical rule (longer than any stroke of a glyph)
MERGE_GAP = 0.08  # inch: rule positions closer than this are one rule (no column is narrower)
RULE_PRESENT = 0.5  # share of a boundary that must be inked for the rule to be there
MIN_TABLE = 0.5  # inch: a table is at least this wide and high
RULE_GAP = 0.15  # inch: a gap this short in a rule is closed
REACH = 0.05  # inch: how near a rule's end must come to a crossing rule


@dataclass(frozen=True)
class Grid:
    """One table: boundaries, and for every grid cell the id of the (merged) cell it belongs to."""

    xs: tuple[int, ...]
    ys: tuple[int, ...]
    owner: tuple[tuple[int, ...], ...]  # owner[i][j]: the id of the cell covering grid cell (i, j)

    @property
    def box(self) -> tuple[int, int, int, int]:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]

    def contains(self, x: float, y: float) -> bool:
        x0, y0, x1, y1 = self.box
        return x0 <= x <= x1 and y0 <= y <= y1

    def cell_at(self, x: float, y: float) -> tuple[int, int]:
        """The (row, column) of the grid cell holding a point inside the table."""
        i = max(0, min(len(self.ys) - 2, int(np.searchsorted(self.ys, y)) - 1))
        j = max(0, min(len(self.xs) - 2, int(np.searchsorted(self.xs, x)) - 1))
        return i, j

    def anchor(self, i: int, j: int) -> tuple[int, int]:
        """The top-left grid cell of the merged cell covering (i, j): where its text goes."""
        cell = self.owner[i][j]
        return next((r, c) for r, row in enumerate(self.owner) for c, o in enumerate(row) if o == cell)


def rule_masks(binary: np.ndarray, dpi: float) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical rules of a binary page (ink = 255), text removed."""
    closed = cv2.morphologyEx(binary, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))  # bridge JPEG gaps
    h_len, v_len = max(10, int(RULE_MIN_H * dpi)), max(10, int(RULE_MIN_V * dpi))
    horizontal = cv2.morphologyEx(closed, cv2.MORPH_OPEN, np.ones((1, h_len), np.uint8))
    vertical = cv2.morphologyEx(closed, cv2.MORPH_OPEN, np.ones((v_len, 1), np.uint8))
    return horizontal, vertical


@dataclass(frozen=True)
class Segment:
    """A straight run of rule ink: along from `a` to `b`, at `at` across (pixels); its mask labels."""

    a: int
    b: int
    at: int
    labels: tuple[int, ...]


def _segments(mask: np.ndarray, horizontal: bool, gap: int) -> tuple[list[Segment], np.ndarray]:
    """The mask's rules, pieces on one line less than `gap` apart joined (print touching a rule
    breaks it in the ink)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    pieces = []
    for k in range(1, count):
        x, y, w, h = (int(v) for v in stats[k][:4])
        pieces.append(
            Segment(x, x + w, y + h // 2, (k,)) if horizontal else Segment(y, y + h, x + w // 2, (k,))
        )
    lines: list[list[Segment]] = []  # pieces on one line (positions within 2 px)
    for piece in sorted(pieces, key=lambda s: s.at):
        if lines and piece.at - lines[-1][0].at <= 2:
            lines[-1].append(piece)
        else:
            lines.append([piece])
    return [joined for line in lines for joined in _joined(line, gap)], labels


def _joined(line: list[Segment], gap: int) -> list[Segment]:
    out: list[Segment] = []
    for piece in sorted(line, key=lambda s: s.a):
        last = out[-1] if out else None
        if last is not None and piece.a - last.b <= gap:
            out[-1] = Segment(last.a, max(last.b, piece.b), last.at, last.labels + piece.labels)
        else:
            out.append(piece)
    return out


def _ends_on(segment: Segment, across: list[Segment], reach: int) -> bool:
    """True when both ends of a segment meet a perpendicular rule (glyph strokes float inside cells)."""

    def meets(end: int) -> bool:
        return any(abs(c.at - end) <= reach and c.a - reach <= segment.at <= c.b + reach for c in across)

    return meets(segment.a) and meets(segment.b)


def _true_rules(
    horizontal: np.ndarray, vertical: np.ndarray, reach: int, gap: int
) -> tuple[np.ndarray, np.ndarray]:
    """Keep the rules whose both ends meet a perpendicular rule (twice: a dropped stroke frees others)."""
    hs, h_labels = _segments(horizontal, True, gap)
    vs, v_labels = _segments(vertical, False, gap)
    for _ in range(2):
        hs = [s for s in hs if _ends_on(s, vs, reach)]
        vs = [s for s in vs if _ends_on(s, hs, reach)]
    keep_h = np.isin(h_labels, [k for s in hs for k in s.labels])
    keep_v = np.isin(v_labels, [k for s in vs for k in s.labels])
    return keep_h.astype(np.uint8) * 255, keep_v.astype(np.uint8) * 255


def _positions(mask: np.ndarray, axis: int, gap: int) -> list[int]:
    """Centre lines of the rules in a mask, along `axis` (0: y of horizontal rules, 1: x of vertical)."""
    count, _, _, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    centres = sorted(float(centroids[k][1 - axis]) for k in range(1, count))
    merged: list[list[float]] = []
    for c in centres:
        if merged and c - merged[-1][-1] <= gap:
            merged[-1].append(c)
        else:
            merged.append([c])
    return [round(float(np.mean(group))) for group in merged]


def _inked(mask: np.ndarray, x0: int, y0: int, x1: int, y1: int, horizontal: bool) -> float:
    """Share of a boundary strip's length where a rule is inked (anywhere across the strip)."""
    strip = mask[max(0, y0) : max(0, y1), max(0, x0) : max(0, x1)]
    if strip.size == 0:
        return 0.0
    along = strip.max(axis=0 if horizontal else 1)
    return float((along > 0).mean())


def _owners(
    xs: list[int], ys: list[int], horizontal: np.ndarray, vertical: np.ndarray, pad: int
) -> list[list[int]]:
    rows, cols = len(ys) - 1, len(xs) - 1
    parent = list(range(rows * cols))

    def find(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for i in range(rows):
        for j in range(cols):
            y0, y1 = ys[i] + (ys[i + 1] - ys[i]) // 5, ys[i + 1] - (ys[i + 1] - ys[i]) // 5
            x0, x1 = xs[j] + (xs[j + 1] - xs[j]) // 5, xs[j + 1] - (xs[j + 1] - xs[j]) // 5
            if (
                j + 1 < cols
                and _inked(vertical, xs[j + 1] - pad, y0, xs[j + 1] + pad + 1, y1, False) < RULE_PRESENT
            ):
                parent[find(i * cols + j + 1)] = find(i * cols + j)
            if (
                i + 1 < rows
                and _inked(horizontal, x0, ys[i + 1] - pad, x1, ys[i + 1] + pad + 1, True) < RULE_PRESENT
            ):
                parent[find((i + 1) * cols + j)] = find(i * cols + j)
    return [[find(i * cols + j) for j in range(cols)] for i in range(rows)]


def find_grids(binary: np.ndarray, dpi: float) -> tuple[list[Grid], np.ndarray]:
    """Every ruled table of the page, top to bottom, and the mask of all rules (to keep out of text).

    A table is a connected set of rules; its boundaries are every rule position in it, and two
    neighbouring grid cells are one merged cell when the rule between them is missing."""
    horizontal, vertical = rule_masks(binary, dpi)
    reach, gap = max(4, int(REACH * dpi)), max(3, int(RULE_GAP * dpi))
    horizontal, vertical = _true_rules(horizontal, vertical, reach, gap)
    rules = cv2.bitwise_or(horizontal, vertical)
    joined = cv2.dilate(rules, np.ones((5, 5), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    grids = []
    gap = max(3, int(MERGE_GAP * dpi))
    pad = gap // 2 + max(2, int(dpi / 50))  # a rule is looked for this far either side of its position
    for k in range(1, count):
        x, y, w, h = (int(v) for v in stats[k][:4])
        if w < MIN_TABLE * dpi or h < MIN_TABLE * dpi:
            continue
        grid = _grid(horizontal[y : y + h, x : x + w], vertical[y : y + h, x : x + w], gap, pad)
        if grid is not None:
            grids.append(_shifted(grid, x, y))
    return sorted(grids, key=lambda g: g.ys[0]), rules


def _grid(horizontal: np.ndarray, vertical: np.ndarray, gap: int, pad: int) -> Grid | None:
    ys = _positions(horizontal, 0, gap)
    xs = _positions(vertical, 1, gap)
    if len(xs) < 2 or len(ys) < 2:
        return None  # a box or a lone rule, not a table
    owners = _owners(xs, ys, horizontal, vertical, pad)
    return Grid(tuple(xs), tuple(ys), tuple(tuple(row) for row in owners))


def _shifted(grid: Grid, dx: int, dy: int) -> Grid:
    return Grid(tuple(x + dx for x in grid.xs), tuple(y + dy for y in grid.ys), grid.owner)
