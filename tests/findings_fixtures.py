"""Writes tests/fixtures/findings/: two bodies' reports for two consecutive years, and their inputs.

`python -m tests.findings_fixtures` (dev only; committed). Pair `pingtan` prints the numbers of
平潭综合实验区's published 2023 and 2024 reports (2023 from tests/fixtures/real/pingtan-2023, 2024 read
from the published page); pair `yiyuan` is generated, one carried-over column broken.
`inputs.json` holds every printed number and each prose sentence with the cell it names (or null):
the tests read these as the expected values.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import re
from pathlib import Path
from typing import Any

from pipeline.normalize.template import APPLICANT_COLUMNS, REQUEST_ROWS, canonical_cells
from tests.fixturegen.html import HtmlOptions, Site, render_html
from tests.fixturegen.model import Cell, CellKey, ReportSpec
from tests.fixturegen.specs import YIYUAN, SpecArgs, build_spec
from tests.fixturegen.values import NumberStyle, count_cell, request_numbers

HERE = Path(__file__).parent
OUT = HERE / "fixtures" / "findings"
PINGTAN = ("350128", "平潭综合实验区")
STYLE = NumberStyle()

# 平潭综合实验区2024年度政府信息公开工作年度报告 (pingtan.gov.cn t20250310_97791), tables as published.
PINGTAN_2024_ACTIVE = {
    ("regulations", "issued"): 0, ("regulations", "repealed"): 0, ("regulations", "in_force"): 0,
    ("normative_documents", "issued"): 62, ("normative_documents", "repealed"): 33,
    ("normative_documents", "in_force"): 440, ("licensing", "decisions"): 4529,
    ("penalty", "decisions"): 1100, ("coercion", "decisions"): 65, ("fees", "fee_amount"): 18651.06,
}  # fmt: skip
PINGTAN_2024_REQUEST_ROWS = {  # natural_person, commercial (the other four columns print 0)
    "new": (217, 1), "granted": (71, 0), "partially_granted": (29, 0), "denied.state_secret": (4, 0),
    "denied.third_party": (3, 0), "denied.internal_affairs": (32, 0), "unable.not_held": (75, 0),
    "not_processed.duplicate": (1, 0), "other.no_correction": (1, 0), "other.other": (1, 1),
    "processed_total": (217, 1),
}  # fmt: skip
PINGTAN_2024_REVIEW = {
    "review": (2, 1, 3, 1, 7),
    "litigation_direct": (0, 0, 0, 0, 0),
    "litigation_after_review": (13, 2, 4, 0, 19),
}
PINGTAN_PROSE = {
    2023: [
        ("2023年全区接收通过邮寄、网络提交的各类政府信息公开申请共计81件，涉及自然人80件、商业企业1件。",
         "requests.new.total"),
        ("办结依申请公开81件，其中：予以公开及部分公开42件，占51.85%；不予公开5件，占6.17%。", None),
        ("清理并集中发布现行有效行政规范性文件393件，动态更新本年度制发的规范性文件77件。",
         "active_disclosure.normative_documents.issued"),
    ],
    2024: [
        ("全年办理政府信息公开申请218件。", None),
        ("动态更新发布本年度制发行政规范性文件62件，并同步做好全真版上传等工作。",
         "active_disclosure.normative_documents.issued"),
    ],
}  # fmt: skip


def cell(key: CellKey, x: float) -> Cell:
    if key[2] == "fee_amount":
        return Cell(f"{x:g}", float(x))
    return count_cell(int(x), "0", STYLE, key[0])


def pingtan_2023_numbers() -> dict[CellKey, float]:
    golden = json.loads((HERE / "fixtures/real/pingtan-2023/expected.json").read_text(encoding="utf-8"))
    return {(f["table_key"], f["row_key"], f["column_key"]): f["value"] for f in golden["facts"]}


def pingtan_2024_numbers() -> dict[CellKey, float]:
    out: dict[CellKey, float] = dict.fromkeys(canonical_cells("2021"), 0.0)
    out |= {("active_disclosure", r, c): x for (r, c), x in PINGTAN_2024_ACTIVE.items()}
    for row, (person, firm) in PINGTAN_2024_REQUEST_ROWS.items():
        out |= {("requests", row, "natural_person"): person, ("requests", row, "commercial"): firm}
        out[("requests", row, "total")] = person + firm
    for row, numbers in PINGTAN_2024_REVIEW.items():
        cols = ("upheld", "corrected", "other", "pending", "total")
        out |= {("review_litigation", row, c): n for c, n in zip(cols, numbers, strict=True)}
    return out


def with_requests(
    numbers: dict[CellKey, float], requests: dict[tuple[str, str], int]
) -> dict[CellKey, float]:
    return numbers | {("requests", r, c): float(n) for (r, c), n in requests.items()}


def yiyuan_numbers() -> tuple[dict[CellKey, float], dict[CellKey, float]]:
    """2022 from the generator; 2023 carries 2022's carried_forward over, natural_person one too many."""
    first = {k: c.value or 0.0 for k, c in build_spec(yiyuan_args(2022, 61)).cells.items()}
    second = {k: c.value or 0.0 for k, c in build_spec(yiyuan_args(2023, 62)).cells.items()}
    requests = request_numbers("2021", random.Random(62))
    for col in APPLICANT_COLUMNS:
        carried = int(first[("requests", "carried_forward", col)]) + (col == "natural_person")
        rebalance(requests, col, carried)
    for row, _ in REQUEST_ROWS["2021"]:
        requests[(row, "total")] = sum(requests[(row, c)] for c in APPLICANT_COLUMNS)
    second = with_requests(second, requests)
    for row in ("regulations", "normative_documents"):
        in_force = first[("active_disclosure", row, "in_force")]
        issued = second[("active_disclosure", row, "issued")]
        repealed = min(second[("active_disclosure", row, "repealed")], in_force + issued)
        second[("active_disclosure", row, "repealed")] = repealed
        second[("active_disclosure", row, "in_force")] = in_force + issued - repealed
    return first, second


def rebalance(requests: dict[tuple[str, str], int], col: str, carried: int) -> None:
    """Set a column's carried_over, keeping new + carried_over = processed_total + carried_forward."""
    requests[("carried_over", col)] = carried
    forward = requests[("new", col)] + carried - requests[("processed_total", col)]
    requests[("new", col)] += max(0, -forward)
    requests[("carried_forward", col)] = max(0, forward)


def yiyuan_args(year: int, seed: int) -> SpecArgs:
    return SpecArgs(YIYUAN, "沂源县人民政府办公室", year, "2021", seed=seed)


def yiyuan_prose(year: int, numbers: dict[CellKey, float]) -> list[tuple[str, str | None]]:
    def n(table: str, row: str, col: str = "total") -> int:
        return int(numbers[(table, row, col)])

    received, review = n("requests", "new"), n("review_litigation", "review")
    said_review = review + 1 if year == 2023 else review  # 2023 says one review more than its table
    return [
        (f"{year}年，全县共受理政府信息公开申请{received}件，均在法定期限内答复。", "requests.new.total"),
        (f"全年受理网络问政{received + 40}件。", None),
        (
            f"全年因政府信息公开被申请行政复议{said_review}件，其中结果维持0件。",
            "review_litigation.review.total",
        ),
    ]


def spec_of(region: tuple[str, str], agency: str, year: int, numbers: dict[CellKey, float],
            prose: list[tuple[str, str | None]]) -> ReportSpec:  # fmt: skip
    base = build_spec(SpecArgs(region, agency, year, "2021", seed=year))
    sections = tuple(
        dataclasses.replace(s, paragraphs=(*s.paragraphs, *(p for p, _ in prose))) if s.no == 1 else s
        for s in base.sections
    )
    cells = {k: cell(k, numbers[k]) for k in canonical_cells("2021")}
    return dataclasses.replace(
        base, sections=sections, cells=cells, published_date=dt.date(year + 1, 3, 8), broken_identity=None
    )


def stated(sentence: str, cell_key: str | None) -> int | None:
    """The number the sentence states for its cell: the one before 件 in the clause naming it."""
    if cell_key is None:
        return None
    words = {"requests.new.total": "申请", "review_litigation.review.total": "行政复议"}.get(
        cell_key, "规范性文件"
    )
    tail = sentence[sentence.rindex(words) :]
    return int(re.search(r"(\d+)件", tail).group(1))  # type: ignore[union-attr]


def write_case(name: str, spec: ReportSpec, prose: list[tuple[str, str | None]]) -> None:
    folder = OUT / name
    folder.mkdir(parents=True, exist_ok=True)
    site = Site(name=spec.region_name)
    (folder / "report.html").write_bytes(render_html(spec, HtmlOptions(), site))
    inputs: dict[str, Any] = {
        "region_code": spec.region_code,
        "agency": spec.agency,
        "year": spec.year,
        "cells": [{"key": ".".join(k), "value": c.value} for k, c in spec.cells.items()],
        "prose": [{"sentence": s, "cell": c, "number": stated(s, c)} for s, c in prose],
    }
    text = json.dumps(inputs, ensure_ascii=False, indent=1)
    (folder / "inputs.json").write_text(text + "\n", encoding="utf-8")


def main() -> None:
    pingtan = {2023: pingtan_2023_numbers(), 2024: pingtan_2024_numbers()}
    for year, numbers in pingtan.items():
        spec = spec_of(PINGTAN, "平潭综合实验区", year, numbers, PINGTAN_PROSE[year])
        write_case(f"pingtan-{year}", spec, PINGTAN_PROSE[year])
    first, second = yiyuan_numbers()
    for year, numbers in ((2022, first), (2023, second)):
        prose = yiyuan_prose(year, numbers)
        write_case(f"yiyuan-{year}", spec_of(YIYUAN, "沂源县人民政府办公室", year, numbers, prose), prose)


if __name__ == "__main__":
    main()
