"""Scanned fixtures from fixture PDFs whose values are known: render, degrade, rebuild image-only PDFs."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2
from PIL import Image
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from tests.scans import degrade

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@dataclass(frozen=True)
class PageRecipe:
    """How one page is scanned: which original page, and what the scanner does to it."""

    page: int  # 1-based page of the original
    rotate: float = 0.0  # degrees, counter-clockwise
    upside_down: bool = False
    blur: float = 0.0
    noise: float = 3.0
    grey: int = 255  # paper level; 255 is white
    seal_at: tuple[float, float] | None = None  # centre as fractions of width and height
    quality: int = 60


@dataclass(frozen=True)
class Scan:
    name: str
    original: str  # fixture folder under tests/fixtures/
    pages: tuple[PageRecipe, ...]
    dpi: int = 150
    keep_sections: bool = True  # False when the kept pages do not hold the whole document
    note: str = ""
    seed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


SCANS = (
    Scan(
        "scan-2021-ttf",
        "pdf-2021-ttf",
        (
            PageRecipe(1, rotate=1.5, noise=5.0),
            PageRecipe(2, rotate=-2.0, blur=0.6, grey=225, quality=55),
            PageRecipe(3, rotate=0.8, seal_at=(0.9, 0.6), quality=65),
            PageRecipe(4, rotate=-0.5, upside_down=True, quality=50),
        ),
        note="every page of pdf-2021-ttf, scanned at 150 dpi; golden file unchanged but for case/document",
    ),
    Scan(
        "scan-huaian-2024",
        "real/huaian-2024",
        (
            PageRecipe(4, rotate=-1.2, seal_at=(0.88, 0.12), quality=60),
            PageRecipe(5, rotate=1.0, blur=0.5, grey=232, quality=70),
        ),
        keep_sections=False,
        note=(
            "pages 4-5 of real/huaian-2024 (most of tables 2 and 3, all of table 4), scanned at 150 dpi; "
            "golden file: the original's facts printed on those pages, renumbered 1-2; title, agency, "
            "year and sections are on pages the scan does not keep"
        ),
        seed=1,
    ),
)


def render_page(pdf: pypdfium2.PdfDocument, number: int, dpi: int) -> Image.Image:
    page = pdf[number - 1]
    image: Image.Image = page.render(scale=dpi / 72).to_pil().convert("RGB")
    page.close()
    return image


def scan_page(image: Image.Image, recipe: PageRecipe, rng: np.random.Generator) -> bytes:
    """The degraded page as JPEG bytes."""
    if recipe.seal_at is not None:
        x, y = recipe.seal_at
        image = degrade.seal(image, (int(x * image.width), int(y * image.height)), image.width // 9)
    image = degrade.rotate(image, recipe.rotate + (180.0 if recipe.upside_down else 0.0))
    if recipe.blur:
        image = degrade.blur(image, recipe.blur)
    if recipe.grey < 255:
        image = degrade.grey_paper(image, recipe.grey)
    image = degrade.noise(image, recipe.noise, rng)
    return degrade.jpeg(image, recipe.quality, grey=recipe.seal_at is None)


def write_pdf(pages: list[tuple[bytes, tuple[float, float]]], path: Path) -> None:
    """An image-only PDF: each page one JPEG drawn over the whole page, no text layer."""
    canvas = Canvas(str(path), invariant=1)
    for data, (width, height) in pages:
        canvas.setPageSize((width, height))
        canvas.drawImage(ImageReader(io.BytesIO(data)), 0, 0, width=width, height=height)
        canvas.showPage()
    canvas.save()


def trimmed_golden(scan: Scan, original: dict[str, Any]) -> dict[str, Any]:
    """The original's golden file, cut to what the kept pages print (the facts printed on them,
    pages renumbered; no title or sections unless every page is kept)."""
    renumber = {r.page: i for i, r in enumerate(scan.pages, start=1)}
    golden = dict(original, case=scan.name, document="report.pdf", scan_of=scan.original, note=scan.note)
    golden["facts"] = [
        dict(f, page=renumber[f["page"]]) for f in original["facts"] if f.get("page") in renumber
    ]
    if not scan.keep_sections:
        golden.update(sections=[], title=None, agency=None, year=None, status="partial")
    return golden


def write_scan(scan: Scan, root: Path) -> None:
    source = root / scan.original
    original = json.loads((source / "expected.json").read_text(encoding="utf-8"))
    rng = np.random.default_rng(scan.seed)
    pdf = pypdfium2.PdfDocument(str(source / original["document"]))
    pages = []
    for recipe in scan.pages:
        size = pdf[recipe.page - 1].get_size()
        data = scan_page(render_page(pdf, recipe.page, scan.dpi), recipe, rng)
        pages.append((data, size))
    pdf.close()
    folder = root / scan.name
    folder.mkdir(parents=True, exist_ok=True)
    write_pdf(pages, folder / "report.pdf")
    text = json.dumps(trimmed_golden(scan, original), ensure_ascii=False, indent=1) + "\n"
    (folder / "expected.json").write_text(text, encoding="utf-8")
