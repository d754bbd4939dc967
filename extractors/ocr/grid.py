"""Ruled tables in a page image: rules by morphology, their positions, cells and their merges."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

RULE_MIN_H = 0.2  # inch: shortest horizontal rule (a narrow cell's width)
RULE_MIN_V = 0.25  # inch: shortest vertical rule (longer than any stroke of a glyph, brackets too)
MERGE_GAP = 0.08  # inch: rule positions closer than this are one rule (no column is narrower)
RULE_PRESENT = 0.5  # share of a boundary that must be inked for the rule to be there
MIN_TABLE = 0.5  # inch: a table is at least this wide and high
LONG_RULE = 0.5  # inch: rules this long are looked for on the unfiltered page too
RULE_BRIDGE = 0.015  # inch: gaps this short along a rule are inked before rules are looked for
RULE_GAP = 0.15  # inch: a gap this short in a rule is closed
TEXT_SLACK = 8  # px: a stroke this near a text line's box is inside it (bridging lengthens strokes)
REACH = 0.05  # inch: how near a rule's end must come to a crossing rule


TextArea = tuple[float, float, float, float]  # a text line's box: x0, y0, x1, y1 (pixels)
Boundary = tuple[str, int, int]  # ("v", i, j): between (i, j) and (i, j+1); ("h", i, j): (i, j) and (i+1, j)


@dataclass(frozen=True)
class Grid:
    """One table: boundaries, the inner boundaries with no rule printed, and for every grid cell the
    id of the (merged) cell it belongs to."""

    xs: tuple[int, ...]
    ys: tuple[int, ...]
    owner: tuple[tuple[int, ...], ...]  # owner[i][j]: the id of the cell covering grid cell (i, j)
    open: frozenset[Boundary] = frozenset()

    def mended(self, rules: set[Boundary]) -> Grid:
        """The grid with these missing rules put back (cells they merged split again)."""
        if not rules & self.open:
            return self
        still_open = self.open - rules
        owners = _merged(len(self.ys) - 1, len(self.xs) - 1, still_open)
        return Grid(self.xs, self.ys, owners, still_open)

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


def rule_masks(
    binary: np.ndarray, dpi: float, shortest: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical rules of a binary page (ink = 255), text removed: runs at least
    RULE_MIN_H / RULE_MIN_V long, or `shortest` (inch). Before a rule is looked for, gaps along it
    are bridged (RULE_BRIDGE) and it is thickened across by a pixel either way: a fax or a faded
    scan leaves thin rules as dashes, and a turned thin rule steps."""
    h_len = max(10, int((shortest or RULE_MIN_H) * dpi))
    v_len = max(10, int((shortest or RULE_MIN_V) * dpi))
    bridge = max(3, int(RULE_BRIDGE * dpi))
    along_h = cv2.morphologyEx(binary, cv2.MORPH_CLOSE, np.ones((1, bridge), np.uint8))
    along_v = cv2.morphologyEx(binary, cv2.MORPH_CLOSE, np.ones((bridge, 1), np.uint8))
    along_h = cv2.dilate(along_h, np.ones((3, 1), np.uint8))
    along_v = cv2.dilate(along_v, np.ones((1, 3), np.uint8))
    horizontal = cv2.morphologyEx(along_h, cv2.MORPH_OPEN, np.ones((1, h_len), np.uint8))
    vertical = cv2.morphologyEx(along_v, cv2.MORPH_OPEN, np.ones((v_len, 1), np.uint8))
    return horizontal, vertical


@dataclass(frozen=True)
class Segment:
    """A straight run of rule ink: along from `a` to `b`, at `at` across (pixels); its mask labels."""

    a: int
    b: int
    at: int
    labels: tuple[int, ...]


def _segments(
    mask: np.ndarray, horizontal: bool, gap: int, hidden: np.ndarray | None = None
) -> tuple[list[Segment], np.ndarray]:
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
    hidden_along = None if hidden is None else (hidden if horizontal else hidden.T)
    return [joined for line in lines for joined in _joined(line, gap, hidden_along)], labels


def _joined(line: list[Segment], gap: int, hidden: np.ndarray | None) -> list[Segment]:
    """Pieces of one rule joined across gaps shorter than `gap`, or across a gap mostly `hidden` (rows
    of the mask run along the rule): a seal covered that stretch."""
    out: list[Segment] = []
    for piece in sorted(line, key=lambda s: s.a):
        last = out[-1] if out else None
        if last is not None and (piece.a - last.b <= gap or _covered(hidden, last.at, last.b, piece.a)):
            out[-1] = Segment(last.a, max(last.b, piece.b), last.at, last.labels + piece.labels)
        else:
            out.append(piece)
    return out


def _covered(hidden: np.ndarray | None, at: int, a: int, b: int) -> bool:
    """True when most of the stretch a..b on line `at` of `hidden` is set."""
    if hidden is None or b <= a or not 0 <= at < hidden.shape[0]:
        return False
    return float((hidden[at, a:b] > 127).mean()) >= 0.5


def _crossings(segment: Segment, across: list[Segment], reach: int) -> int:
    """How many perpendicular rules cross or touch a segment (within `reach`)."""
    return sum(
        1
        for c in across
        if segment.a - reach <= c.at <= segment.b + reach and c.a - reach <= segment.at <= c.b + reach
    )


def _is_rule(segment: Segment, across: list[Segment], reach: int) -> bool:
    """A rule: at least two perpendicular rules cross or touch it, one of them at one of its ends; or
    three cross it (the rows of a table printed without outer side rules end on nothing)."""

    def meets(end: int) -> bool:
        return any(abs(c.at - end) <= reach and c.a - reach <= segment.at <= c.b + reach for c in across)

    crossings = _crossings(segment, across, reach)
    return crossings >= 3 or (crossings >= 2 and (meets(segment.a) or meets(segment.b)))


def _in_text(segment: Segment, horizontal: bool, text: Sequence[TextArea]) -> bool:
    """True when the segment lies inside one text line's box (a glyph's stroke)."""
    for x0, y0, x1, y1 in text:
        along = (x0, x1) if horizontal else (y0, y1)
        across = (y0, y1) if horizontal else (x0, x1)
        if (
            along[0] - TEXT_SLACK <= segment.a
            and segment.b <= along[1] + TEXT_SLACK
            and across[0] - TEXT_SLACK <= segment.at <= across[1] + TEXT_SLACK
        ):
            return True
    return False


def _true_rules(
    horizontal: np.ndarray,
    vertical: np.ndarray,
    reach: int,
    gap: int,
    text: Sequence[TextArea] = (),
    hidden: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Keep the rules that at least two perpendicular rules cross or touch, one of them at an end
    (glyph strokes float inside cells or touch one rule, seal remnants cross nothing); twice, as a
    dropped stroke frees others. Only one end need meet a rule: a table continued from the page
    before may open with no rule over its label column."""
    hs, h_labels = _segments(horizontal, True, gap, hidden)
    vs, v_labels = _segments(vertical, False, gap, hidden)
    hs = [s for s in hs if not _in_text(s, True, text)]
    vs = [s for s in vs if not _in_text(s, False, text)]
    for _ in range(2):
        hs = [s for s in hs if _is_rule(s, vs, reach)]
        vs = [s for s in vs if _is_rule(s, hs, reach)]
    keep_h = np.isin(h_labels, [k for s in hs for k in s.labels]).astype(np.uint8) * 255
    keep_v = np.isin(v_labels, [k for s in vs for k in s.labels]).astype(np.uint8) * 255
    return _drawn(keep_h, hs, True), _drawn(keep_v, vs, False)


def _drawn(mask: np.ndarray, segments: list[Segment], horizontal: bool) -> np.ndarray:
    """The rules with their joined gaps inked: a rule broken by noise or a seal is whole again."""
    for s in segments:
        start, end = ((s.a, s.at), (s.b - 1, s.at)) if horizontal else ((s.at, s.a), (s.at, s.b - 1))
        cv2.line(mask, start, end, 255, 2)
    return mask


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


def _open_boundaries(
    xs: list[int], ys: list[int], horizontal: np.ndarray, vertical: np.ndarray, pad: int
) -> frozenset[Boundary]:
    """The inner boundaries between neighbouring grid cells where no rule is printed."""
    rows, cols = len(ys) - 1, len(xs) - 1
    found: set[Boundary] = set()
    for i in range(rows):
        for j in range(cols):
            y0, y1 = ys[i] + (ys[i + 1] - ys[i]) // 5, ys[i + 1] - (ys[i + 1] - ys[i]) // 5
            x0, x1 = xs[j] + (xs[j + 1] - xs[j]) // 5, xs[j + 1] - (xs[j + 1] - xs[j]) // 5
            if (
                j + 1 < cols
                and _inked(vertical, xs[j + 1] - pad, y0, xs[j + 1] + pad + 1, y1, False) < RULE_PRESENT
            ):
                found.add(("v", i, j))
            if (
                i + 1 < rows
                and _inked(horizontal, x0, ys[i + 1] - pad, x1, ys[i + 1] + pad + 1, True) < RULE_PRESENT
            ):
                found.add(("h", i, j))
    return frozenset(found)


def _merged(rows: int, cols: int, open_: frozenset[Boundary]) -> tuple[tuple[int, ...], ...]:
    """Each grid cell's merged-cell id: cells joined across every open boundary."""
    parent = list(range(rows * cols))

    def find(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for side, i, j in open_:
        other = i * cols + j + 1 if side == "v" else (i + 1) * cols + j
        parent[find(other)] = find(i * cols + j)
    return tuple(tuple(find(i * cols + j) for j in range(cols)) for i in range(rows))


def find_grids(
    binary: np.ndarray,
    dpi: float,
    text: Sequence[TextArea] = (),
    hidden: np.ndarray | None = None,
    faint: np.ndarray | None = None,
) -> tuple[list[Grid], np.ndarray]:
    """Every ruled table of the page, top to bottom, and the mask of all rules (to keep out of text).

    A table is a connected set of rules; its boundaries are every rule position in it, and two
    neighbouring grid cells are one merged cell when the rule between them is missing. A stroke
    inside one of the `text` lines' boxes is a glyph's, not a rule (a heading's strokes, bridged,
    can look like a small grid). Rules are whole across gaps under `hidden` (where a seal was).

    `faint` is the page's ink before noise was filtered out of `binary` (the filter breaks a fax's
    thin rules into dashes): only long runs (LONG_RULE) are taken from it, since its specks join
    glyph strokes to rules in tight rows."""
    horizontal, vertical = rule_masks(binary, dpi)
    if faint is not None:
        long_h, long_v = rule_masks(faint, dpi, LONG_RULE)
        horizontal, vertical = cv2.bitwise_or(horizontal, long_h), cv2.bitwise_or(vertical, long_v)
    reach, gap = max(4, int(REACH * dpi)), max(3, int(RULE_GAP * dpi))
    horizontal, vertical = _true_rules(horizontal, vertical, reach, gap, text, hidden)
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
    ys = _closed(_positions(horizontal, 0, gap), vertical, 0, gap)
    xs = _closed(_positions(vertical, 1, gap), horizontal, 1, gap)
    if len(xs) < 2 or len(ys) < 2:
        return None  # a box or a lone rule, not a table
    open_ = _open_boundaries(xs, ys, horizontal, vertical, pad)
    return Grid(tuple(xs), tuple(ys), _merged(len(ys) - 1, len(xs) - 1, open_), open_)


def _closed(positions: list[int], across: np.ndarray, axis: int, gap: int) -> list[int]:
    """Rule positions with the table closed where the crossing rules end, when they run on past the
    first or last rule: a table cut at the foot of a page with no rule under its last row (the
    column rules end there), or a table printed without its outer side rules."""
    inked = np.flatnonzero(across.max(axis=1 - axis))
    if not positions or inked.size == 0:
        return positions
    first, last = int(inked[0]), int(inked[-1])
    head = [first] if positions[0] - first > 2 * gap else []
    tail = [last] if last - positions[-1] > 2 * gap else []
    return head + positions + tail


def _shifted(grid: Grid, dx: int, dy: int) -> Grid:
    return Grid(tuple(x + dx for x in grid.xs), tuple(y + dy for y in grid.ys), grid.owner, grid.open)
