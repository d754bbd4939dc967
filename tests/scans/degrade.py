"""What a scanner and an office do to a page: skew, blur, noise, grey paper, a red seal, JPEG (seeded)."""

from __future__ import annotations

import io
import itertools
import math

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

WHITE = (255, 255, 255)
SEAL_RED = (218, 37, 29)


def rotate(img: Image.Image, degrees: float) -> Image.Image:
    """Turn the page by `degrees` (counter-clockwise), the corners filled with paper white."""
    return img.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=WHITE)


def blur(img: Image.Image, radius: float) -> Image.Image:
    return img.filter(ImageFilter.GaussianBlur(radius))


def grey_paper(img: Image.Image, level: int) -> Image.Image:
    """Paper that scans grey: white becomes `level`, black stays black."""
    arr = np.asarray(img).astype(np.float32)
    return Image.fromarray((arr * (level / 255.0)).clip(0, 255).astype(np.uint8))


def noise(img: Image.Image, sigma: float, rng: np.random.Generator) -> Image.Image:
    """Gaussian sensor noise plus a sprinkle of dark specks (dust on the glass)."""
    arr = np.asarray(img).astype(np.float32)
    arr += rng.normal(0.0, sigma, arr.shape[:2])[..., None]
    specks = rng.random(arr.shape[:2]) < 0.0004
    arr[specks] = 40.0
    return Image.fromarray(arr.clip(0, 255).astype(np.uint8))


def seal(img: Image.Image, centre: tuple[int, int], radius: int) -> Image.Image:
    """A red 公章 (ring, star and an arc of glyph-like strokes) stamped over the page, multiplied in."""
    stamp = Image.new("RGB", img.size, WHITE)
    draw = ImageDraw.Draw(stamp)
    cx, cy = centre
    width = max(3, radius // 14)
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=SEAL_RED, width=width)
    draw.polygon(_star(cx, cy, radius * 0.3), fill=SEAL_RED)
    for k in range(9):  # the agency's name round the rim, as short strokes
        angle = math.radians(200 + k * 16)
        x, y = cx + math.cos(angle) * radius * 0.72, cy + math.sin(angle) * radius * 0.72
        size = radius * 0.09
        draw.rectangle((x - size, y - size, x + size, y + size), outline=SEAL_RED, width=width // 2 + 1)
    mixed = np.asarray(img).astype(np.float32) * np.asarray(stamp).astype(np.float32) / 255.0
    return Image.fromarray(mixed.astype(np.uint8))


def _star(cx: float, cy: float, r: float) -> list[tuple[float, float]]:
    points = []
    for k in range(10):
        radius = r if k % 2 == 0 else r * 0.4
        angle = math.radians(-90 + k * 36)
        points.append((cx + math.cos(angle) * radius, cy + math.sin(angle) * radius))
    return points


def jpeg(img: Image.Image, quality: int, grey: bool) -> bytes:
    """The page as the JPEG a scanner writes (grey pages as one channel, smaller)."""
    out = io.BytesIO()
    (img.convert("L") if grey else img.convert("RGB")).save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


PAPER_YELLOW = (246, 236, 204)  # old or recycled paper, as a scanner sees it


def yellowed(img: Image.Image, strength: float) -> Image.Image:
    """Paper turned yellow (0: white, 1: PAPER_YELLOW): white becomes the tint, black stays black."""
    tint = np.array([255 - strength * (255 - c) for c in PAPER_YELLOW], np.float32) / 255.0
    arr = np.asarray(img.convert("RGB")).astype(np.float32) * tint
    return Image.fromarray(arr.clip(0, 255).astype(np.uint8))


def uneven_light(img: Image.Image, depth: float, rng: np.random.Generator) -> Image.Image:
    """A phone photo's or a lifted lid's light: brightest at a random point, falling off by up to
    `depth` (0-1) towards the far corner, smoothly."""
    arr = np.asarray(img).astype(np.float32)
    h, w = arr.shape[:2]
    cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    far = np.hypot(max(cx, w - cx), max(cy, h - cy))
    light = 1.0 - depth * (np.hypot(xx - cx, yy - cy) / far) ** 2
    arr *= light[..., None] if arr.ndim == 3 else light
    return Image.fromarray(arr.clip(0, 255).astype(np.uint8))


def fax(img: Image.Image, threshold: int, rng: np.random.Generator) -> Image.Image:
    """A fax: black or white only (thin strokes break, blots fill), with the line's specks."""
    grey = np.asarray(img.convert("L")).astype(np.float32)
    grey += rng.normal(0.0, 12.0, grey.shape)
    out = np.where(grey < threshold, 0, 255).astype(np.uint8)
    specks = rng.random(out.shape) < 0.0006
    out[specks] = 0
    return Image.fromarray(out, "L")


def drop_rules(img: Image.Image, count: int, rng: np.random.Generator) -> Image.Image:
    """A table printed with some rules missing: `count` stretches of its inner rules, each one cell
    long (from one crossing rule to the next), erased to paper."""
    grey = np.asarray(img.convert("L"))
    ink = (grey < 128).astype(np.uint8)
    lines = _rules(ink, grey.shape[1] // 8)
    stretches = _inner_stretches(lines, grey.shape[1] // 2)
    if not stretches:
        return img
    arr = np.asarray(img).copy()
    for k in rng.choice(len(stretches), size=min(count, len(stretches)), replace=False):
        x0, y0, x1, y1 = stretches[int(k)]
        arr[y0:y1, x0:x1] = 255
    return Image.fromarray(arr)


def _rules(ink: np.ndarray, length: int) -> tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]]:
    """Horizontal rules as (y, x0, x1) and vertical as (x, y0, y1): runs of ink at least `length` long
    (and at least a quarter of that for vertical ones) on one row or column."""

    def runs(mask: np.ndarray, minimum: int) -> list[tuple[int, int, int]]:
        found = []
        for at, row in enumerate(mask):
            padded = np.concatenate(([0], row, [0]))
            edges = np.flatnonzero(np.diff(padded))
            found += [
                (at, int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True) if b - a >= minimum
            ]
        return found

    return runs(ink, length), runs(ink.T, length // 4)


def _inner_stretches(
    lines: tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]], right_of: int
) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1) covering one cell's length of an inner vertical rule right of
    `right_of` (between number columns, not labels), below its first three cells (the header):
    between two neighbouring horizontal rules, the rule's whole thickness and a pixel either side."""
    horizontal, vertical = lines
    ys = sorted({y for y, _, _ in horizontal})
    columns: dict[int, list[tuple[int, int]]] = {}
    for x, y0, y1 in vertical:
        columns.setdefault(x, []).append((y0, y1))
    xs = sorted(columns)
    if len(xs) < 4:
        return []
    stretches = []
    for x in xs[1:-1]:
        thick = [c for c in xs if abs(c - x) <= 3]
        if x != thick[0] or x < right_of or thick[-1] == xs[-1]:
            continue
        for y0, y1 in columns[x]:
            inside = [y for y in _distinct(ys) if y0 + 4 < y < y1 - 4]
            stretches += _cells_below_header(inside, thick[0] - 1, thick[-1] + 2)
    return stretches


def _distinct(positions: list[int]) -> list[int]:
    """Positions a few pixels apart (one thick rule) kept once."""
    out: list[int] = []
    for p in positions:
        if not out or p - out[-1] > 4:
            out.append(p)
    return out


def _cells_below_header(inside: list[int], x0: int, x1: int) -> list[tuple[int, int, int, int]]:
    stretches = []
    for top, bottom in list(itertools.pairwise(inside))[2:]:
        if bottom - top > 20:
            stretches.append((x0, top + 4, x1, bottom - 3))
    return stretches


def png(img: Image.Image) -> bytes:
    """A black-and-white page losslessly, one bit a pixel (as a fax arrives)."""
    out = io.BytesIO()
    img.convert("1").save(out, "PNG", optimize=True)
    return out.getvalue()
