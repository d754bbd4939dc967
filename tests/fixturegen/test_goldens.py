"""The generated golden files agree with themselves and with the documents they describe.

These check the generator, not the extractors: every canonical cell is present, each value is
what its raw string says, the identities hold except where a spec breaks one on purpose, and
each PDF cell's raw text is printed on the page its golden file names.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pdfplumber
import pytest

from pipeline.normalize.template import APPLICANT_COLUMNS, REVIEW_COLUMNS, canonical_cells, result_rows
from tests.fixturegen.cases import CASES

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
PORTALS = REPO / "demo" / "portals"
GENERATED = sorted([*CASES, "pdf-scanned"])
_WS = re.compile(r"\s+")
UNITS: dict[str, set[str | None]] = {"fee_amount": {"万元"}, "procurement_amount": {"万元", None}}


def load(case: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / case / "expected.json").read_text(encoding="utf-8"))
    return data


def squash(text: str) -> str:
    return _WS.sub("", text)


def parse_raw(raw: str) -> float | None:
    text = squash(unicodedata.normalize("NFKC", raw))
    return None if text in ("", "—", "/", "-") else float(text)


def grid(facts: list[dict[str, Any]]) -> dict[tuple[str, str, str], float | None]:
    return {(f["table_key"], f["row_key"], f["column_key"]): f["value"] for f in facts}


def identity_failures(template: str, facts: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """Cells whose published value differs from the sum of its parts (nulls count as 0)."""
    v = {k: x or 0.0 for k, x in grid(facts).items()}
    bad: list[tuple[str, str, str]] = []
    for row in {k[1] for k in v if k[0] == "requests"}:
        if v[("requests", row, "total")] != sum(v[("requests", row, c)] for c in APPLICANT_COLUMNS):
            bad.append(("requests", row, "total"))
    for col in [*APPLICANT_COLUMNS, "total"]:
        flow = ("new", "carried_over", "processed_total", "carried_forward")
        r = {row: v[("requests", row, col)] for row in flow}
        if r["new"] + r["carried_over"] != r["processed_total"] + r["carried_forward"]:
            bad.append(("requests", "new", col))
        if r["processed_total"] != sum(v[("requests", row, col)] for row in result_rows(template)):
            bad.append(("requests", "processed_total", col))
    for row in ("review", "litigation_direct", "litigation_after_review"):
        parts = sum(v[("review_litigation", row, c)] for c, _ in REVIEW_COLUMNS if c != "total")
        if v[("review_litigation", row, "total")] != parts:
            bad.append(("review_litigation", row, "total"))
    return bad


@pytest.mark.parametrize("case", GENERATED)
def test_every_canonical_cell_once_with_value_of_its_raw(case: str) -> None:
    exp = load(case)
    keys = [(f["table_key"], f["row_key"], f["column_key"]) for f in exp["facts"]]
    want = canonical_cells(exp["template"]) if exp["template"] in ("2019", "2021") else []
    assert keys == want
    for fact in exp["facts"]:
        assert parse_raw(fact["raw"]) == fact["value"], fact
        units: set[str | None] = UNITS.get(fact["column_key"], {None})
        assert fact["unit"] in units, fact
        assert (fact["page"] is not None) == (exp["format"] == "pdf")


@pytest.mark.parametrize("case", [c for c in GENERATED if c not in ("pdf-scanned", "html-pre2019")])
def test_identities_hold_except_the_declared_break(case: str) -> None:
    exp = load(case)
    failures = identity_failures(exp["template"], exp["facts"])
    broken = exp["broken_identity"]
    if broken is None:
        assert failures == []
    else:
        assert (broken["table_key"], broken["row_key"], broken["column_key"]) in failures


@pytest.mark.parametrize("case", [c for c in GENERATED if c.startswith(("pdf-20", "same-2021-pdf"))])
def test_pdf_cells_are_printed_on_their_page(case: str) -> None:
    exp = load(case)
    with pdfplumber.open(FIXTURES / case / exp["document"]) as pdf:
        pages = [squash(p.extract_text() or "") for p in pdf.pages]
    assert 3 <= len(pages) <= 8
    for fact in exp["facts"]:
        assert squash(fact["raw"]) in pages[fact["page"] - 1], fact


def test_gbk_pages_are_not_gb2312() -> None:
    data = (FIXTURES / "html-2019-gbk" / "report.html").read_bytes()
    assert b'charset="gb2312"' in data
    with pytest.raises(UnicodeDecodeError):
        data.decode("gb2312")
    assert "王珺" in data.decode("gbk")


def test_scan_has_no_text_layer() -> None:
    with pdfplumber.open(FIXTURES / "pdf-scanned" / "report.pdf") as pdf:
        assert [len(p.chars) for p in pdf.pages] == [0] * len(pdf.pages)
        assert all(p.images for p in pdf.pages)


def decode_page(data: bytes) -> str:
    return data.decode("gbk" if b'charset="gb2312"' in data[:500] else "utf-8")


def test_demo_reports_and_skips_are_reachable_from_the_listings() -> None:
    exp = json.loads((PORTALS / "expected.json").read_text(encoding="utf-8"))
    for county in exp["counties"]:
        listing_dir = PORTALS / county["listing_url"].split("8765/", 1)[1].rsplit("/", 1)[0]
        listings = "".join(decode_page(p.read_bytes()) for p in sorted(listing_dir.glob("index*.html")))
        for report in county["reports"]:
            assert report["article_path"] in listings
            assert (PORTALS / unquote(report["document_path"]).lstrip("/")).is_file()
        for title in county["skip_titles"]:
            assert title in listings
