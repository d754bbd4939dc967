"""Page images ready for reading (numpy uint8, angles in degrees counter-clockwise): red ink
removed, binarised, deskewed."""

from __future__ import annotations

import cv2
import numpy as np

MAX_SKEW = 3.0  # degrees searched either way; scanners rarely do worse
SKEW_STEP = 0.1
SKEW_WIDTH = 800  # px: the skew is measured on a copy this wide (fast, and precise enough)
RED_MARGIN = 25  # ... and its red channel this much above green and blue
RED_HUE = 12  # OpenCV hue (0-180) this near red is seal ink
RED_SATURATION = 30  # ... when at least this saturated (0-255); grey print and yellowed paper are not


def _red(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where a page is red or pink (hue near red, some saturation, and red well above green and blue:
    dark print on yellowed paper has a reddish hue too), and its HSV image."""
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    hue, saturation = hsv[..., 0], hsv[..., 1]
    r, g, b = (rgb[..., i].astype(np.int16) for i in range(3))
    hued = ((hue <= RED_HUE) | (hue >= 180 - RED_HUE)) & (saturation >= RED_SATURATION)
    return hued & ((r - np.maximum(g, b)) >= RED_MARGIN), hsv


def drop_red(rgb: np.ndarray) -> np.ndarray:
    """Grey page with red ink (公章, red headers) turned to paper, black print under a seal kept, for
    reading text: a red pixel takes its red channel, brightened by what seal ink takes from paper in
    that channel, so seal on paper becomes (nearly) paper and print under it stays dark with its grey
    edges. JPEG leaves faint outlines of a seal: rules are found on `no_red` instead."""
    red, hsv = _red(rgb)
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if not red.any():
        return grey
    r = rgb[..., 0].astype(np.float32)
    solid = red & (hsv[..., 1] >= 120) & (hsv[..., 2] >= 100)  # the seal's own ink, not over print
    factor = float(np.median(r[solid])) / float(np.percentile(r, 90)) if solid.any() else 1.0
    out = grey.copy()
    lifted = np.minimum(255.0, r[red] / min(1.0, max(0.6, factor)))
    out[red] = np.maximum(grey[red], lifted.astype(np.uint8))
    return out


def no_red(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Grey page with everything red and a few pixels round it turned to paper, for finding rules (a
    seal's ring and its JPEG outlines are never taken for rules), and where that was (255): rules are
    mended across it."""
    red, _ = _red(rgb)
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    around = cv2.dilate(red.astype(np.uint8) * 255, np.ones((7, 7), np.uint8))
    grey[around > 0] = np.uint8(np.percentile(grey, 90))
    return grey, around


def ink(grey: np.ndarray) -> np.ndarray:
    """Binary image, print = 255: adaptive, so grey paper and uneven lighting do not matter."""
    block = max(15, (grey.shape[1] // 60) | 1)
    return cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 15)


def rotate(image: np.ndarray, degrees: float, fill: int = 255) -> np.ndarray:
    """Turn the image about its centre, keeping its size; uncovered corners become `fill` (paper
    white)."""
    if abs(degrees) < 1e-3:
        return image
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(
        image, matrix, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT, borderValue=fill
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
