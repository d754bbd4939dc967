"""One scanned PDF page read by OCR: rendered, cleaned, deskewed, turned upright, tables and text lines."""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
import pypdfium2
import pypdfium2.raw as pdfium_c

from extractors.model import RawTable
from extractors.ocr import image
from extractors.ocr.engine import TextBox, find_lines, is_upside_down, read_lines
from extractors.ocr.grid import find_grids
from extractors.ocr.layout import body_lines, grid_table, split_boxes
from extractors.pdf.text import Line

RENDER_DPI = 200  # enough for 10.5 pt text; more costs time and memory for no gain
MIN_SCAN_DPI = 100  # a page image coarser than this is not read: too many glyphs would be guessed


class PageTooCoarse(ValueError):
    """The page image's resolution is too low to read reliably."""


@dataclass
class PageRead:
    """What OCR read on one page, in PDF points (top-down), like the text layer of a PDF page."""

    number: int
    height: float
    lines: list[Line] = field(default_factory=list)
    tables: list[tuple[float, RawTable]] = field(default_factory=list)  # (top, table)
    skew: float = 0.0
    upside_down: bool = False


def scan_dpi(page: pypdfium2.PdfPage) -> float:
    """The resolution of the page's largest image, as printed on the page (0 when it has none)."""
    best, dpi = 0.0, 0.0
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]):
        left, bottom, right, top = obj.get_bounds()
        width_px, _ = obj.get_px_size()
        area = (right - left) * (top - bottom)
        if area > best and right > left:
            best, dpi = area, width_px / ((right - left) / 72)
    return dpi


def page_image(page: pypdfium2.PdfPage) -> np.ndarray:
    """The page rendered in colour (RGB) at RENDER_DPI."""
    bitmap = page.render(scale=RENDER_DPI / 72)
    try:
        return np.array(bitmap.to_pil().convert("RGB"))
    finally:
        bitmap.close()


def read_page(pdf: pypdfium2.PdfDocument, number: int) -> PageRead:
    """OCR one page (1-based). Raises PageTooCoarse for a page image under MIN_SCAN_DPI."""
    rgb, height = _rendered(pdf, number)
    level, skew = image.upright(image.drop_red(rgb))
    rules, hidden = (
        image.rotate(a, skew, fill=fill) for a, fill in zip(image.no_red(rgb), (255, 0), strict=True)
    )
    del rgb
    grey = cleaned(level)
    colour = cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB)
    found = find_lines(colour)
    flipped = is_upside_down(colour, found)
    if flipped:  # scanned upside down: turn the page, find its lines again
        rules, hidden, grey = (np.ascontiguousarray(a[::-1, ::-1]) for a in (rules, hidden, grey))
        colour = cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB)
        found = find_lines(colour)
    boxes = read_lines(colour, found)
    read = PageRead(number, height, skew=skew, upside_down=flipped)
    return _laid_out(grey, (rules, hidden), boxes, read)


def _rendered(pdf: pypdfium2.PdfDocument, number: int) -> tuple[np.ndarray, float]:
    """The page image (RGB, RENDER_DPI) and the page height in points, if the scan is fine enough."""
    page = pdf[number - 1]
    try:
        dpi = scan_dpi(page)
        if 0 < dpi < MIN_SCAN_DPI:
            raise PageTooCoarse(f"the page image is {dpi:.0f} dpi, under the {MIN_SCAN_DPI} dpi OCR needs")
        return page_image(page), float(page.get_height())
    finally:
        page.close()


def cleaned(level: np.ndarray) -> np.ndarray:
    """The deskewed grey page for reading text: scanner noise and JPEG ringing filtered (read as specks
    and dots otherwise). Long rules are also looked for on the page before this filter, which
    breaks thin rules."""
    return cv2.medianBlur(level, 3)


def _laid_out(
    grey: np.ndarray, ruled: tuple[np.ndarray, np.ndarray], boxes: list[TextBox], read: PageRead
) -> PageRead:
    """Tables from the rules of `ruled` (the deskewed page with red ink painted out, not yet
    filtered, and where red ink hid it), text and cells from `grey`."""
    ink = image.ink(grey)
    text = [(b.x0, b.y0, b.x1, b.y1) for b in boxes]
    page, hidden = ruled
    filtered = image.ink(cv2.medianBlur(page, 3))
    grids, rules = find_grids(filtered, RENDER_DPI, text, hidden, faint=image.ink(page))
    text_ink = cv2.bitwise_and(ink, cv2.bitwise_not(cv2.dilate(rules, np.ones((5, 5), np.uint8))))
    inside, outside = split_boxes(boxes, grids)
    pt = 72 / RENDER_DPI
    for grid, in_grid in zip(grids, inside, strict=True):
        read.tables.append((grid.ys[0] * pt, grid_table(grid, in_grid, grey, text_ink, read.number, hidden)))
    for line in body_lines(outside):
        read.lines.append(Line(text=line.text, top=line.y0 * pt, bottom=line.y1 * pt, size=line.height * pt))
    return read
