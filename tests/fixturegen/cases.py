"""The fixture cases under tests/fixtures/<case>/: a document plus expected.json each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.fixturegen.docx import render_docx
from tests.fixturegen.expected import case_json, needs_ocr_json, write_json
from tests.fixturegen.html import HtmlOptions, render_html
from tests.fixturegen.libreoffice import write_libreoffice_case
from tests.fixturegen.model import CellKey, ReportSpec
from tests.fixturegen.pdf import PdfOptions, render_pdf
from tests.fixturegen.pdf_variants import VariantOptions, variant_renderer
from tests.fixturegen.scanned import render_scanned
from tests.fixturegen.specs import GAOQING, HUANTAI, YIYUAN, SpecArgs, build_spec
from tests.fixturegen.text import GBK_NAMES
from tests.fixturegen.values import NumberStyle

# One spec rendered three ways (same-2021-*).
SAME_2021 = SpecArgs(
    YIYUAN, "沂源县人民政府办公室", 2022, "2021", seed=22,
    style=NumberStyle(zero="0"), heading_variant=1, table_notes=True,
)  # fmt: skip


@dataclass(frozen=True)
class Rendered:
    document: str
    format: str
    pages: dict[CellKey, int] | None = None
    content_type: str | None = None


Renderer = Callable[[ReportSpec, Path], Rendered]


def pdf_variant(opts: VariantOptions) -> Renderer:
    render = variant_renderer(opts)

    def rendered(spec: ReportSpec, folder: Path) -> Rendered:
        document, fmt, pages = render(spec, folder)
        return Rendered(document, fmt, pages)

    return rendered


def pdf_renderer(opts: PdfOptions) -> Renderer:
    def render(spec: ReportSpec, folder: Path) -> Rendered:
        return Rendered("report.pdf", "pdf", render_pdf(spec, folder / "report.pdf", opts))

    return render


def html_renderer(opts: HtmlOptions, content_type: str | None = None) -> Renderer:
    def render(spec: ReportSpec, folder: Path) -> Rendered:
        (folder / "report.html").write_bytes(render_html(spec, opts))
        return Rendered("report.html", "html", None, content_type)

    return render


def render_docx_case(spec: ReportSpec, folder: Path) -> Rendered:
    render_docx(spec, folder / "report.docx")
    return Rendered("report.docx", "docx")


HORIZONTAL_SPLIT = PdfOptions(font="ttf", header_footer=True, split_requests_at=9)
GBK_META = HtmlOptions(encoding="gbk", meta_charset="gb2312", nbsp_noise=True)
GBK_NO_META = HtmlOptions(encoding="gbk", meta_charset=None)

CASES: dict[str, tuple[SpecArgs, Renderer]] = {
    "pdf-2019-stsong": (
        SpecArgs(
            YIYUAN, "沂源县人民政府办公室", 2019, "2019", seed=19,
            style=NumberStyle(thousands_space=True), heading_variant=1, procurement_unit_in_header=True,
        ),
        pdf_renderer(PdfOptions(font="stsong")),
    ),
    "pdf-2021-ttf": (
        SpecArgs(
            YIYUAN, "沂源县财政局", 2022, "2021", seed=7,
            style=NumberStyle(zero="", thousands_space=True), heading_variant=2, subheads=4,
        ),
        pdf_renderer(PdfOptions(font="ttf", fake_bold=True, header_footer=True, split_requests_at=5)),
    ),
    "pdf-2021-pagebreak-in-group": (
        SpecArgs(GAOQING, "高青县教育和体育局", 2023, "2021", seed=31, style=NumberStyle(request_zero="0")),
        pdf_renderer(PdfOptions(font="ttf", header_footer=True, split_requests_at=12)),
    ),
    "html-2021-cms": (
        SpecArgs(
            YIYUAN, "沂源县人民政府", 2021, "2021", seed=21,
            style=NumberStyle(zero="—"), heading_variant=1, table_notes=True,
        ),
        html_renderer(HtmlOptions(nbsp_noise=True)),
    ),
    "html-2019-gbk": (
        SpecArgs(
            HUANTAI, "桓台县人民政府办公室", 2020, "2019", seed=20,
            style=NumberStyle(zero="/"), extra_names=GBK_NAMES, procurement_unit_in_header=True,
        ),
        html_renderer(GBK_META),
    ),
    "html-2019-header-charset": (
        SpecArgs(
            HUANTAI, "桓台县果里镇人民政府", 2019, "2019", seed=5,
            style=NumberStyle(fullwidth_tables=frozenset({"active_disclosure"}), unsigned_change=True),
            heading_variant=2, extra_names=GBK_NAMES,
        ),
        html_renderer(GBK_NO_META, content_type="text/html; charset=gbk"),
    ),
    "docx-2021": (
        SpecArgs(
            GAOQING, "高青县人民政府办公室", 2021, "2021", seed=11, style=NumberStyle(request_zero=""),
            break_cell=("review_litigation", "review", "total"),
        ),
        render_docx_case,
    ),
    "html-pre2019": (
        SpecArgs(GAOQING, "高青县人民政府", 2017, "pre2019", seed=17),
        html_renderer(HtmlOptions()),
    ),
    "same-2021-pdf": (SAME_2021, pdf_renderer(PdfOptions(font="stsong", header_footer=True))),
    "pdf-2021-horizontal-rules": (
        SpecArgs(HUANTAI, "桓台县住建局", 2023, "2021", seed=41, style=NumberStyle(request_zero="0")),
        pdf_variant(VariantOptions(HORIZONTAL_SPLIT, rules="horizontal")),
    ),
    "same-2021-html": (SAME_2021, html_renderer(HtmlOptions())),
    "same-2021-docx": (SAME_2021, render_docx_case),
}  # fmt: skip

SCANNED = SpecArgs(YIYUAN, "沂源县审计局", 2020, "2019", seed=3)


def write_case(root: Path, name: str, args: SpecArgs, render: Renderer) -> None:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    spec = build_spec(args)
    out = render(spec, folder)
    write_json(
        folder / "expected.json", case_json(name, out.document, spec, out.format, out.pages, out.content_type)
    )


def write_scanned(root: Path) -> None:
    folder = root / "pdf-scanned"
    folder.mkdir(parents=True, exist_ok=True)
    render_scanned(build_spec(SCANNED), folder / "report.pdf")
    write_json(folder / "expected.json", needs_ocr_json("pdf-scanned", "report.pdf"))


def write_all_cases(root: Path) -> None:
    for name, (args, render) in CASES.items():
        write_case(root, name, args, render)
    write_scanned(root)
    write_libreoffice_case(root)
