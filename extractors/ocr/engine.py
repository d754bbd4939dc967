"""The OCR engine: RapidOCR's PP-OCR models from its wheel, loaded by path (never downloaded)."""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

MODEL_FILES = {
    "Det": "PP-OCRv6_det_small.onnx",
    "Rec": "PP-OCRv6_rec_small.onnx",
    "Cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
}
DIGITS = "0123456789"
ORIENTATION_SAMPLE = 15  # text lines whose orientation (0° or 180°) decides the page's
DET_SCALE = 0.6  # lines are found on a copy this size (120 dpi for a 200-dpi page): 3x fewer pixels
BATCH = 32  # crops recognised in one call
MIN_RATIO = 4.0  # crops are padded (blank) to at least this width/height: a lone 0 padded less reads as o


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
    digits_sure: float = 0.0  # how sure the recogniser is of the digits read (`_digits_sure`)

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
    params["EngineConfig.onnxruntime.intra_op_num_threads"] = threads()
    return RapidOCR(params=params)


def threads() -> int:
    """Threads onnxruntime uses per process: NIANBAO_OCR_THREADS, default 1. Documents are read by one
    worker process per core, and threads beyond the free cores only spin (measured: a page costs
    twice the CPU with 2 threads on a busy 2-core machine, and takes longer)."""
    value = os.environ.get("NIANBAO_OCR_THREADS", "1")
    return max(1, int(value)) if value.isdigit() else 1


def ready() -> None:
    """Load the engine now: raises OcrUnavailable when it or its models are not installed."""
    engine()


def read_lines(image: np.ndarray, found: Sequence[TextBox] | None = None) -> list[TextBox]:
    """Every text line of an upright RGB page image, low-confidence lines included (the caller judges
    them): found on a copy at DET_SCALE (lines are found as well at 120 dpi) unless `found` gives
    them, read from the image itself, all lines in a few batches (`recognise`)."""
    boxes = find_lines(image) if found is None else found
    readings = recognise([crop(image, box) for box in boxes])
    return [
        TextBox(b.x0, b.y0, b.x1, b.y1, text.strip(), score, sure)
        for b, (text, score, sure) in zip(boxes, readings, strict=True)
        if text.strip()
    ]


def find_lines(image: np.ndarray) -> list[TextBox]:
    """The text lines' boxes (no text yet), found on a copy scaled by DET_SCALE, in image pixels."""
    small = cv2.resize(image, None, fx=DET_SCALE, fy=DET_SCALE, interpolation=cv2.INTER_AREA)
    found = engine()._load_det_model()(small)
    if found.boxes is None:
        return []
    return [_box((np.asarray(points) / DET_SCALE).tolist(), "", 0.0) for points in found.boxes]


def crop(image: np.ndarray, box: TextBox) -> np.ndarray:
    """A line's crop, never turned (the page is upright: a narrow '1' stays a '1'); a crop narrower
    than it is high gets paper either side, as a recogniser needs around a lone digit."""
    height, width = image.shape[:2]
    pad = max(0.0, (box.height - (box.x1 - box.x0)) / 2) + 2
    x0, x1 = max(0, int(box.x0 - pad)), min(width, int(np.ceil(box.x1 + pad)))
    y0, y1 = max(0, int(box.y0)), min(height, int(np.ceil(box.y1)))
    return np.ascontiguousarray(image[y0:y1, x0:x1])


def recognise(crops: Sequence[np.ndarray]) -> list[tuple[str, float, float]]:
    """Each crop's text, its score (mean probability of the characters read) and how sure the
    recogniser is of its digits (`_digits_sure`). Crops go in batches of similar width, each padded
    only to its widest (a lone digit is not padded to a line's width)."""
    if not crops:
        return []
    rec = _recogniser()
    ratios = [c.shape[1] / max(1, c.shape[0]) for c in crops]
    order = [int(k) for k in np.argsort(ratios)]
    out: list[tuple[str, float, float]] = [("", 0.0, 0.0)] * len(crops)
    start = 0
    while start < len(order):
        first = ratios[order[start]]
        end = start + 1
        while end < len(order) and end - start < BATCH and ratios[order[end]] <= first * 1.5 + 1:
            end += 1
        batch = order[start:end]
        widest = max(MIN_RATIO, max(ratios[k] for k in batch))
        norm = np.stack([rec.resize_norm_img(crops[k], widest) for k in batch]).astype(np.float32)
        for k, probs in zip(batch, _session_output(rec, norm), strict=True):
            out[k] = _decoded(probs, rec.postprocess_op.character)
        start = end
    return out


def _session_output(rec: Any, batch: np.ndarray) -> np.ndarray:
    probs = rec.session(batch)
    return np.asarray(probs[0] if isinstance(probs, (list, tuple)) else probs)


def _decoded(probs: np.ndarray, chars: Sequence[str]) -> tuple[str, float, float]:
    """CTC greedy decoding of one crop: text, mean probability of its characters, digits' sureness."""
    tops = probs.argmax(axis=1)
    kept = [i for i, t in enumerate(tops) if t != 0 and (i == 0 or t != tops[i - 1])]
    text = "".join(chars[tops[i]] for i in kept)
    score = float(np.mean(probs[kept, tops[kept]])) if kept else 0.0
    return text, score, _digits_sure(probs, tops, chars)


def _recogniser() -> Any:
    ocr = engine()
    return ocr.text_rec if getattr(ocr, "text_rec", None) is not None else ocr._load_rec_model()


def read_number(image: np.ndarray) -> tuple[str, float]:
    """Read a crop holding one number: the text, and how sure the recogniser is that no other digit
    string was printed there (`_digits_sure`)."""
    rec = _recogniser()
    height, width = image.shape[:2]
    norm = rec.resize_norm_img(image, max(320 / 48, width / max(height, 1)))
    text, _, sure = _decoded(
        _session_output(rec, norm[np.newaxis].astype(np.float32))[0], rec.postprocess_op.character
    )
    return text, sure


def _digits_sure(probs: np.ndarray, tops: np.ndarray, chars: Sequence[str]) -> float:
    """How sure the recogniser is that no other digit string was printed, from its per-step
    character probabilities: at each step, the chosen digit against the best other digit (and, where
    no digit was chosen, any digit that could hide there). A '0' the model also finds round like 'o'
    or '。' stays sure; a '3' it also finds like an '8' does not."""
    digits = _digit_indices(tuple(chars))
    sure = 1.0
    for i, step in enumerate(probs):
        near = {tops[k] for k in (i - 1, i, i + 1) if 0 <= k < len(tops)}
        others = max((float(step[d]) for d in digits if d not in near), default=0.0)
        chosen = float(step[tops[i]]) if chars[tops[i]] in DIGITS else 1.0
        sure = min(sure, chosen / (chosen + others))
    return sure


@functools.cache
def _digit_indices(chars: tuple[str, ...]) -> tuple[int, ...]:
    return tuple(chars.index(d) for d in DIGITS)


def _box(points: Sequence[Sequence[float]], text: str, score: float) -> TextBox:
    xs = [float(p[0]) for p in points]
    ys = [float(p[1]) for p in points]
    return TextBox(min(xs), min(ys), max(xs), max(ys), text.strip(), score)


def is_upside_down(image: np.ndarray, boxes: Sequence[TextBox]) -> bool:
    """True when most of the widest text lines read as turned by 180° (the page was scanned upside down)."""
    widest = sorted(boxes, key=lambda b: b.x1 - b.x0, reverse=True)[:ORIENTATION_SAMPLE]
    if not widest:
        return False
    result = engine()._load_cls_model()([crop(image, b) for b in widest])
    votes = sum(1 if label == "180" else -1 for label, _ in result.cls_res)
    return votes > 0
