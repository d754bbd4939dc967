"""The OCR engine: RapidOCR's PP-OCR models from its wheel, loaded by path (never downloaded)."""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MODEL_FILES = {
    "Det": "PP-OCRv6_det_small.onnx",
    "Rec": "PP-OCRv6_rec_small.onnx",
    "Cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
}
DIGITS = "0123456789"
ORIENTATION_SAMPLE = 15  # text lines whose orientation (0° or 180°) decides the page's


class OcrUnavailable(RuntimeError):
    """The OCR engine or its bundled models are not installed."""


@dataclass(frozen=True)
class TextBox:
    """One line of text as the engine read it: its box in image pixels, text and confidence (0-1)."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    score: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def height(self) -> float:
        return self.y1 - self.y0


def model_dir() -> Path:
    """Where the installed rapidocr package keeps its models (found without importing it)."""
    spec = importlib.util.find_spec("rapidocr")
    if spec is None or not spec.submodule_search_locations:
        raise OcrUnavailable("rapidocr is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def ocr_version() -> str | None:
    """The engine and models that would read a scan now (for cache keys), None when OCR is unavailable."""
    try:
        models = model_dir()
        if not all((models / name).is_file() for name in MODEL_FILES.values()):
            return None
        return f"rapidocr {importlib.metadata.version('rapidocr')}: " + ", ".join(MODEL_FILES.values())
    except (OcrUnavailable, importlib.metadata.PackageNotFoundError):
        return None


@functools.cache
def engine() -> Any:
    """One RapidOCR instance per process, with every model given by path: RapidOCR's download code is
    never reached, and a missing model file means OCR is unavailable, never a download."""
    models = model_dir()
    missing = [name for name in MODEL_FILES.values() if not (models / name).is_file()]
    if missing:
        raise OcrUnavailable(f"OCR models missing from {models}: {', '.join(missing)}")
    from rapidocr import RapidOCR

    params: dict[str, Any] = {"Global.log_level": "error", "Global.text_score": 0.0}
    params |= {f"{task}.model_path": str(models / name) for task, name in MODEL_FILES.items()}
    return RapidOCR(params=params)


def ready() -> None:
    """Load the engine now: raises OcrUnavailable when it or its models are not installed."""
    engine()


def read_lines(image: np.ndarray) -> list[TextBox]:
    """Every text line of an upright RGB page image, low-confidence lines included (the caller judges
    them). Lines are never turned one by one: the line classifier would read a lone 9 as a turned 6."""
    result = engine()(image, use_det=True, use_cls=False, use_rec=True)  # flags persist between calls
    if result.boxes is None or result.txts is None or result.scores is None:
        return []
    return [
        _box(points, text, float(score))
        for points, text, score in zip(result.boxes, result.txts, result.scores, strict=True)
        if text.strip()
    ]


def _recogniser() -> Any:
    ocr = engine()
    return ocr.text_rec if getattr(ocr, "text_rec", None) is not None else ocr._load_rec_model()


def read_number(image: np.ndarray) -> tuple[str, float]:
    """Read a crop holding one number: the text, and how sure the recogniser is that no other digit
    string was printed there (from its per-step character probabilities). A '0' the model also finds
    round like 'o' or '。' stays sure; a '3' it also finds like an '8', or a step where some digit
    may hide unread, does not."""
    rec = _recogniser()
    chars: list[str] = rec.postprocess_op.character
    height, width = image.shape[:2]
    norm = rec.resize_norm_img(image, max(320 / 48, width / max(height, 1)))
    probs = rec.session(norm[np.newaxis].astype(np.float32))[0]
    digits = np.array([chars.index(d) for d in DIGITS])
    tops = probs.argmax(axis=1)
    text = "".join(chars[t] for i, t in enumerate(tops) if t != 0 and (i == 0 or t != tops[i - 1]))
    sure = 1.0
    for i, step in enumerate(probs):
        near = {tops[k] for k in (i - 1, i, i + 1) if 0 <= k < len(tops)}
        others = max((float(step[d]) for d in digits if d not in near), default=0.0)
        chosen = float(step[tops[i]]) if chars[tops[i]] in DIGITS else 1.0
        sure = min(sure, chosen / (chosen + others))
    return text, sure


def _box(points: Sequence[Sequence[float]], text: str, score: float) -> TextBox:
    xs = [float(p[0]) for p in points]
    ys = [float(p[1]) for p in points]
    return TextBox(min(xs), min(ys), max(xs), max(ys), text.strip(), score)


def is_upside_down(image: np.ndarray, boxes: Sequence[TextBox]) -> bool:
    """True when most of the widest text lines read as turned by 180° (the page was scanned upside down)."""
    from rapidocr.utils.process_img import get_rotate_crop_image

    widest = sorted(boxes, key=lambda b: b.x1 - b.x0, reverse=True)[:ORIENTATION_SAMPLE]
    votes = 0
    for b in widest:
        quad = np.array([[b.x0, b.y0], [b.x1, b.y0], [b.x1, b.y1], [b.x0, b.y1]], dtype=np.float32)
        result = engine()(get_rotate_crop_image(image, quad), use_det=False, use_cls=True, use_rec=False)
        label = result.cls_res[0][0] if getattr(result, "cls_res", None) else "0"
        votes += 1 if label == "180" else -1
    return votes > 0
