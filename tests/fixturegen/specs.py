"""Building ReportSpecs: one call per report, everything derived deterministically from a seed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from tests.fixturegen.model import CellKey, ReportSpec
from tests.fixturegen.text import TextOptions, body_sections, pick_headings, pre2019_sections
from tests.fixturegen.values import NumberStyle, break_total, make_cells

YIYUAN = ("370323", "沂源县")
GAOQING = ("370322", "高青县")
HUANTAI = ("370321", "桓台县")


@dataclass(frozen=True)
class SpecArgs:
    region: tuple[str, str]
    agency: str
    year: int
    template: str
    seed: int
    style: NumberStyle = field(default_factory=NumberStyle)
    heading_variant: int = 0
    subheads: int = 3
    paragraphs_per_subhead: int = 1
    table_notes: bool = False
    extra_names: str = ""
    procurement_unit_in_header: bool = False
    published: dt.date | None = None
    break_cell: CellKey | None = None
    title_suffix: str = field(default="政府信息公开工作年度报告")


def title_of(agency: str, year: int, suffix: str) -> str:
    return f"{agency}{year}年{suffix}"


def build_spec(a: SpecArgs) -> ReportSpec:
    title = title_of(a.agency, a.year, a.title_suffix)
    published = a.published or dt.date(a.year + 1, 1, 20 + a.seed % 9)
    if a.template == "pre2019":
        return ReportSpec(
            a.region[0], a.region[1], a.agency, a.year, "pre2019", title,
            pre2019_sections(a.agency, a.year, title, a.seed), published_date=published,
        )  # fmt: skip
    opts = TextOptions(
        headings=pick_headings(a.heading_variant),
        subheads=a.subheads,
        paragraphs_per_subhead=a.paragraphs_per_subhead,
        table_notes=a.table_notes,
        extra_names=a.extra_names,
    )
    cells = make_cells(a.template, a.seed, a.style)
    broken = (a.break_cell, break_total(cells, a.break_cell, a.style)) if a.break_cell else None
    return ReportSpec(
        region_code=a.region[0],
        region_name=a.region[1],
        agency=a.agency,
        year=a.year,
        template=a.template,
        title=title,
        sections=body_sections(a.agency, a.year, title, a.seed, opts),
        cells=cells,
        procurement_unit_in_header=a.procurement_unit_in_header,
        published_date=published,
        broken_identity=broken,
    )
