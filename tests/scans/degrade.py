"""What a scanner and an office do to a page: skew, blur, noise, grey paper, a red seal, JPEG (seeded)."""

from __future__ import annotations

import io
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
