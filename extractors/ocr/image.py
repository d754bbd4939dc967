"""Page images ready for reading (numpy uint8, angles in degrees counter-clockwise): red ink
removed, binarised, deskewed."""

from __future__ import annotations

import cv2
import numpy as np

MAX_SKEW = 3.0  # degrees searched either way; scanners rarely do worse
SKEW_STEP = 0.1
SKEW_WIDTH = 800  # px: the skew is measured on a copy this wide (fast, and precise enough)
RED_MARGIN = 40  # a pixel this much redder than its green and blue is seal ink, not print


def drop_red(rgb: np.ndarray) -> np.ndarray:
    """Grey page with red ink (公章, red headers) turned to paper: black print under a seal survives."""
    r, g, b = (rgb[..., i].astype(np.int16) for i in range(3))
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    red = (r - np.maximum(g, b)) > RED_MARGIN
    paper = int(np.percentile(grey, 90))
    out = grey.copy()
    out[red] = np.maximum(grey[red], np.minimum(paper, r[red]).astype(np.uint8))
    return out


def ink(grey: np.ndarray) -> np.ndarray:
    """Binary image, print = 255: adaptive, so grey paper and uneven lighting do not matter."""
    block = max(15, (grey.shape[1] // 60) | 1)
    return cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 15)


def rotate(image: np.ndarray, degrees: float) -> np.ndarray:
    """Turn the image about its centre, keeping its size; uncovered corners become paper white."""
    if abs(degrees) < 1e-3:
        return image
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(
        image, matrix, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT, borderValue=255
    )


def _profile_score(binary: np.ndarray, degrees: float) -> float:
    """How sharply the rows of ink separate at this angle (text lines and rules line up when level)."""
    h, w = binary.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    turned = cv2.warpAffine(binary, matrix, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
    rows = turned.sum(axis=1, dtype=np.float64)
    return float(np.square(np.diff(rows)).sum())


def skew_angle(grey: np.ndarray) -> float:
    """The rotation that makes the page's text lines and rules level: a coarse search, then a fine one."""
    scale = SKEW_WIDTH / grey.shape[1]
    binary = ink(cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
    coarse = np.arange(-MAX_SKEW, MAX_SKEW + SKEW_STEP, SKEW_STEP * 3)
    best = max(coarse, key=lambda a: _profile_score(binary, float(a)))
    fine = np.arange(best - SKEW_STEP * 3, best + SKEW_STEP * 3.01, SKEW_STEP / 2)
    return float(max(fine, key=lambda a: _profile_score(binary, float(a))))


def upright(grey: np.ndarray) -> tuple[np.ndarray, float]:
    """The deskewed page and the angle it was turned by."""
    angle = skew_angle(grey)
    return rotate(grey, angle), angle
