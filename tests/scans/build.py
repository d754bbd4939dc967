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
    yellow: float = 0.0  # paper tint, 0 (white) to 1 (degrade.PAPER_YELLOW)
    light: float = 0.0  # uneven light: how much darker the far corner is (0-1)
    fax: int = 0  # binarised at this grey level (0: not a fax)
    missing_rules: int = 0  # cell-long stretches of inner rules the printer left out


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


# Scans of the real reports in tests/fixtures/real/: every page, golden file the original's (but for
# case/document). Each set is one way scans come: an office scanner in colour, a phone photo of the
# printed report, a fax.
REAL_SCANS = (
    Scan(
        "scan-real-huaian-2024",
        "real/huaian-2024",
        (
            PageRecipe(1, rotate=0.4, grey=235, noise=4.0, quality=65),
            PageRecipe(2, rotate=-1.1, blur=0.6, light=0.25, quality=55),
            PageRecipe(3, rotate=1.8, yellow=0.8, light=0.2, seal_at=(0.74, 0.7), quality=60),
            PageRecipe(4, rotate=-0.7, blur=0.4, yellow=0.4, seal_at=(0.72, 0.62), quality=50),
            PageRecipe(5, rotate=0.3, grey=225, missing_rules=4, quality=70),
            PageRecipe(6, rotate=-1.5, noise=6.0, quality=60),
        ),
        dpi=150,
        note="every page of real/huaian-2024, an office scanner at 150 dpi (colour where a seal shows); "
        "golden file the original's",
        seed=20,
    ),
    Scan(
        "scan-real-hongze-2024",
        "real/hongze-2024",
        (
            PageRecipe(1, rotate=1.2, light=0.35, yellow=0.5, blur=0.7, quality=60),
            PageRecipe(2, rotate=-0.6, light=0.3, quality=55),
            PageRecipe(3, rotate=2.0, light=0.4, yellow=0.7, blur=0.5, missing_rules=5, quality=50),
            PageRecipe(4, rotate=-1.4, light=0.3, seal_at=(0.76, 0.72), missing_rules=3, quality=65),
            PageRecipe(5, rotate=0.8, light=0.25, quality=70),
        ),
        dpi=150,
        note="every page of real/hongze-2024, photographed: uneven light, yellowed paper, 150 dpi; "
        "golden file the original's",
        seed=21,
    ),
    Scan(
        "scan-real-hongze-2023",
        "real/hongze-2023",
        (
            PageRecipe(1, rotate=-0.3, fax=150),
            PageRecipe(2, rotate=0.9, blur=0.5, fax=160),
            PageRecipe(3, rotate=-1.3, fax=140, missing_rules=4),
            PageRecipe(4, rotate=0.5, blur=0.4, fax=165),
            PageRecipe(5, rotate=-0.8, fax=150),
        ),
        dpi=200,
        note="every page of real/hongze-2023, faxed: black and white only, 200 dpi; golden file the "
        "original's",
        seed=22,
    ),
)


def render_page(pdf: pypdfium2.PdfDocument, number: int, dpi: int) -> Image.Image:
    page = pdf[number - 1]
    image: Image.Image = page.render(scale=dpi / 72).to_pil().convert("RGB")
    page.close()
    return image


def scan_page(image: Image.Image, recipe: PageRecipe, rng: np.random.Generator) -> bytes:
    """The degraded page as JPEG bytes (PNG for a fax: black and white only)."""
    if recipe.missing_rules:
        image = degrade.drop_rules(image, recipe.missing_rules, rng)
    if recipe.seal_at is not None:
        x, y = recipe.seal_at
        image = degrade.seal(image, (int(x * image.width), int(y * image.height)), image.width // 9)
    if recipe.yellow:
        image = degrade.yellowed(image, recipe.yellow)
    image = degrade.rotate(image, recipe.rotate + (180.0 if recipe.upside_down else 0.0))
    if recipe.light:
        image = degrade.uneven_light(image, recipe.light, rng)
    if recipe.blur:
        image = degrade.blur(image, recipe.blur)
    if recipe.grey < 255:
        image = degrade.grey_paper(image, recipe.grey)
    if recipe.fax:
        return degrade.png(degrade.fax(image, recipe.fax, rng))
    image = degrade.noise(image, recipe.noise, rng)
    return degrade.jpeg(image, recipe.quality, grey=recipe.seal_at is None and not recipe.yellow)


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
