"""A scanned report: PDF pages that are only an image of the printed page, no text layer."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from tests.fixturegen.model import ReportSpec
from tests.fixturegen.pdf import WQY_PATH

DPI = 72  # low resolution keeps the file small; it only has to be an image


def page_images(spec: ReportSpec, per_page: int = 26) -> list[Image.Image]:
    width, height = int(A4[0] * DPI / 72), int(A4[1] * DPI / 72)
    font = ImageFont.truetype(str(WQY_PATH), 12)
    lines: list[str] = []
    for sec in spec.sections:
        lines += [sec.heading] if sec.heading else []
        for p in sec.paragraphs:
            lines += [p[i : i + 38] for i in range(0, len(p), 38)]
    images = []
    for start in range(0, len(lines), per_page):
        img = Image.new("L", (width, height), 255)
        draw = ImageDraw.Draw(img)
        for i, line in enumerate(lines[start : start + per_page]):
            draw.text((50, 60 + i * 18), line, fill=0, font=font)
        images.append(img.convert("1"))  # black and white, as office scanners save
    return images[:3]


def render_scanned(spec: ReportSpec, path: Path) -> None:
    canvas = Canvas(str(path), pagesize=A4, invariant=1)
    for img in page_images(spec):
        canvas.drawImage(ImageReader(img), 0, 0, width=A4[0], height=A4[1])
        canvas.showPage()
    canvas.save()
