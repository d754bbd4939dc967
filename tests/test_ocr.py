"""Scanned reports read by OCR, against the golden files of the documents the scans were made from."""

from __future__ import annotations

import datetime as dt
import difflib
import json
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

import extractors.ocr.engine as ocr_engine
from extractors.model import ExtractedDocument, RawCell, RawTable
from extractors.ocr import grid, image, layout, ocr_into
from extractors.ocr.engine import OcrUnavailable
from pipeline.extract.worker import doc_from_json, doc_to_json, extract_file, sha256_file
from pipeline.normalize.tables import OCR_MIN_CONFIDENCE, parse_tables
from pipeline.records import DocumentMeta, build_report
from pipeline.store.schema import ReportRecords

FIXTURES = Path(__file__).parent / "fixtures"
# Scans of the real reports in fixtures/real/ as they come (tests/scans/build.py REAL_SCANS): an
# office scanner with seals, a phone photo with uneven light and rules left out, a fax.
REAL_SCANS = ("scan-real-huaian-2024", "scan-real-hongze-2024", "scan-real-hongze-2023")
SCANS = ("scan-2021-ttf", "scan-huaian-2024", *REAL_SCANS)
CELLS_RIGHT = 0.98


def _refuse(*args: object, **kwargs: object) -> None:
    raise AssertionError(f"OCR tried to reach the network: {args}")


@pytest.fixture(scope="module")
def read() -> Iterator[dict[str, tuple[dict[str, Any], ReportRecords]]]:
    """Each scan extracted and normalised once (OCR costs seconds a page), every connection refused."""
    patch = pytest.MonkeyPatch()
    patch.setattr(socket.socket, "connect", _refuse)
    patch.setattr(socket, "create_connection", _refuse)
    out = {}
    try:
        for name in SCANS:
            expected = json.loads((FIXTURES / name / "expected.json").read_text(encoding="utf-8"))
            path = FIXTURES / name / expected["document"]
            doc = extract_file(path)
            meta = DocumentMeta("000000", sha256_file(path), doc.format)
            out[name] = (
                expected,
                build_report(doc, meta, "ocr-test", dt.datetime.now(dt.UTC), with_nlp=False),
            )
    finally:
        patch.undo()
    yield out


def _facts(records: ReportRecords) -> dict[tuple[str, str, str], Any]:
    return {(f.table_key, f.row_key, f.column_key): f for f in records.facts}


@pytest.mark.parametrize("name", SCANS)
def test_cells_right(read: dict[str, tuple[dict[str, Any], ReportRecords]], name: str) -> None:
    expected, records = read[name]
    got = _facts(records)
    right = [w for w in expected["facts"] if (f := got.get((w["table_key"], w["row_key"], w["column_key"])))
             and f.value == w["value"]]  # fmt: skip
    assert len(right) >= CELLS_RIGHT * len(expected["facts"]), f"{len(right)}/{len(expected['facts'])} right"


@pytest.mark.parametrize("name", SCANS)
def test_no_wrong_number_with_confidence(
    read: dict[str, tuple[dict[str, Any], ReportRecords]], name: str
) -> None:
    """Every number reported is the printed one; when OCR was unsure the value is null, never a guess."""
    expected, records = read[name]
    got = _facts(records)
    wrong = []
    for want in expected["facts"]:
        fact = got.get((want["table_key"], want["row_key"], want["column_key"]))
        if fact is not None and fact.value is not None and fact.value != want["value"]:
            wrong.append((fact.row_key, fact.column_key, fact.raw, want["raw"], fact.confidence))
    assert not wrong
    assert all(
        f.confidence >= OCR_MIN_CONFIDENCE for f in records.facts if f.value is not None and f.confidence
    )


@pytest.mark.parametrize("name", SCANS)
def test_every_fact_is_marked_ocr_with_its_confidence(
    read: dict[str, tuple[dict[str, Any], ReportRecords]], name: str
) -> None:
    _, records = read[name]
    assert records.facts
    assert {f.strategy for f in records.facts} == {"ocr"}
    printed = [f for f in records.facts if f.raw]
    assert all(f.confidence is not None and 0.0 <= f.confidence <= 1.0 for f in printed)


def _named(error: str, want: dict[str, Any]) -> bool:
    """True when the report's error names a golden cell that was not read right: the cell itself, its
    row (not found), or its table (not found)."""
    table, row, column = want["table_key"], want["row_key"], want["column_key"]
    rows_missing = [part for part in error.split("; ") if part.startswith(f"tables: {table} rows not found:")]
    return (
        f"{table} {row}.{column}:" in error
        or any(row in part.split(": ", 2)[-1].split(", ") for part in rows_missing)
        or f"tables: table {table} not found" in error
    )


@pytest.mark.parametrize("name", SCANS)
def test_every_cell_not_read_right_is_named_in_error(
    read: dict[str, tuple[dict[str, Any], ReportRecords]], name: str
) -> None:
    expected, records = read[name]
    got = _facts(records)
    error = records.report.error or ""
    unread = [
        w
        for w in expected["facts"]
        if (f := got.get((w["table_key"], w["row_key"], w["column_key"]))) is None or f.value != w["value"]
    ]
    assert [w for w in unread if not _named(error, w)] == []


@pytest.mark.parametrize("name", REAL_SCANS)
def test_a_scan_of_a_real_report_keeps_its_identity(
    read: dict[str, tuple[dict[str, Any], ReportRecords]], name: str
) -> None:
    expected, records = read[name]
    report = records.report
    assert (report.year, report.template) == (expected["year"], expected["template"])
    assert "".join((report.title or "").split()) == "".join(expected["title"].split())


def _similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, "".join(a.split()), "".join(b.split())).ratio()


@pytest.mark.parametrize("name", REAL_SCANS)
def test_a_scan_of_a_real_report_keeps_its_sections(
    read: dict[str, tuple[dict[str, Any], ReportRecords]], name: str
) -> None:
    """Every heading as printed, and each section's text (or, where the golden file gives only its
    boundaries, how it starts and ends) at least 95 % the same."""
    expected, records = read[name]
    got = {s.section_no: s for s in records.sections}
    for want in expected["sections"]:
        section = got[want["section_no"]]
        assert (section.heading or None) == want["heading"]
        text = "".join(section.text.split())
        if "text" in want:
            assert _similar(text, want["text"]) >= 0.95, (want["section_no"], text)
        for key in ("starts", "ends"):
            if key in want:
                edge = "".join(want[key].split())
                part = text[: len(edge)] if key == "starts" else text[-len(edge) :]
                assert _similar(part, edge) >= 0.95, (want["section_no"], key, part)


@pytest.mark.parametrize("name", SCANS)
def test_doubtful_cells_are_named_and_the_report_is_partial(
    read: dict[str, tuple[dict[str, Any], ReportRecords]], name: str
) -> None:
    _, records = read[name]
    doubtful = [f for f in records.facts if f.confidence is not None and f.confidence < OCR_MIN_CONFIDENCE]
    if name in ("scan-2021-ttf", "scan-real-huaian-2024"):
        assert doubtful, "these scans hold doubtful cells (a seal over numbers, faint zeros)"
    assert all(f.value is None for f in doubtful)
    error = records.report.error or ""
    for fact in doubtful:
        assert f"page {fact.page}: {fact.table_key} {fact.row_key}.{fact.column_key}: OCR read" in error
    assert records.report.status == "partial"


def test_title_sections_and_identity_of_a_whole_scanned_report(
    read: dict[str, tuple[dict[str, Any], ReportRecords]],
) -> None:
    expected, records = read["scan-2021-ttf"]
    report = records.report
    assert (report.title, report.agency, report.year) == (
        expected["title"],
        expected["agency"],
        expected["year"],
    )
    assert report.template == expected["template"]
    got = {s.section_no: s for s in records.sections}
    for want in expected["sections"]:
        section = got[want["section_no"]]
        assert (section.heading or None) == want["heading"]
        ratio = difflib.SequenceMatcher(
            None, "".join(section.text.split()), "".join(want["text"].split())
        ).ratio()
        assert ratio >= 0.95, (want["section_no"], section.text)


def test_a_page_scanned_upside_down_is_read(read: dict[str, tuple[dict[str, Any], ReportRecords]]) -> None:
    _, records = read["scan-2021-ttf"]
    last = {s.section_no: s for s in records.sections}[6]
    assert "2022年度无其他需要报告的事项" in "".join(last.text.split())


def test_a_page_image_too_coarse_to_read_stays_needs_ocr() -> None:
    doc = extract_file(FIXTURES / "pdf-scanned" / "report.pdf")
    assert doc.status == "needs_ocr"
    assert "page 1: not read by OCR: the page image is 72 dpi, under the 100 dpi OCR needs" in doc.problems


def test_without_the_engine_a_scan_stays_needs_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    def unavailable() -> None:
        raise OcrUnavailable("rapidocr is not installed")

    monkeypatch.setattr("extractors.ocr.document.ready", unavailable)
    doc = ExtractedDocument(format="pdf", problems=["page 1: no text layer (image only), needs OCR"])
    ocr_into(doc, FIXTURES / "scan-huaian-2024" / "report.pdf", [1, 2])
    assert doc.blocks == []
    assert doc.problems[-1] == "ocr: not available (rapidocr is not installed); pages 1, 2 not read"


def test_models_come_from_the_installed_package() -> None:
    models = ocr_engine.model_dir()
    assert all((models / name).is_file() for name in ocr_engine.MODEL_FILES.values())
    assert "rapidocr" in models.parts[-2]
    assert (ocr_engine.ocr_version() or "").startswith("rapidocr 3.")


# ---- the steps, on images drawn here (no OCR) ------------------------------------------------


def _drawn_table() -> np.ndarray:
    """A 3x3 ruled table on white, 200 dpi scale; the top row's first two cells merged."""
    page = np.full((600, 800), 255, np.uint8)
    xs, ys = (100, 300, 500, 700), (100, 200, 300, 400)
    for y in ys:
        cv2.line(page, (xs[0], y), (xs[-1], y), 0, 2)
    for x in xs:
        top = ys[1] if x == xs[1] else ys[0]
        cv2.line(page, (x, top), (x, ys[-1]), 0, 2)
    cv2.putText(page, "12", (150, 270), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 3)
    return page


def test_grid_finds_rules_and_merged_cells() -> None:
    found, _ = grid.find_grids(image.ink(_drawn_table()), 200)
    assert len(found) == 1
    table = found[0]
    assert len(table.xs) == 4 and len(table.ys) == 4
    assert table.owner[0][0] == table.owner[0][1] != table.owner[0][2]
    assert len({o for row in table.owner for o in row}) == 8


def test_skew_is_measured_and_undone() -> None:
    page = _drawn_table()
    turned = image.rotate(page, 1.5)
    assert image.skew_angle(turned) == pytest.approx(-1.5, abs=0.15)


def test_a_red_seal_is_removed_and_black_print_under_it_stays() -> None:
    rgb = np.full((100, 100, 3), 255, np.uint8)
    rgb[:, 40:60] = (0, 0, 0)  # a black stroke
    cv2.circle(rgb, (50, 50), 30, (220, 30, 30), 6)  # red ring over it
    grey = image.drop_red(rgb)
    assert grey[50, 50] < 60  # black stays black
    assert grey[50, 20] > 200  # red ring off the stroke becomes paper


def test_a_doubtful_cell_becomes_null_with_its_raw_kept_and_named() -> None:
    label = (RawCell("行政复议"), *[RawCell(None)] * 14)
    values = (*(RawCell(str(v), 3, 0.999) for v in range(14)), RawCell("8", 3, 0.42))
    result = parse_tables([RawTable((label, (RawCell("行政诉讼"),), values), 3, "ocr")])
    doubtful = [c for c in result.cells if c.confidence == 0.42]
    assert [(c.raw, c.value) for c in doubtful] == [("8", None)]
    assert (
        "page 3: review_litigation litigation_after_review.total: OCR read '8' with confidence 0.42"
        in (result.problems[0])
    )
    assert all(c.value is not None for c in result.cells if c.confidence == 0.999)


def test_cell_confidence_survives_the_extraction_cache() -> None:
    doc = ExtractedDocument(format="pdf", blocks=[RawTable(((RawCell("7", 1, 0.93),),), 1, "ocr")])
    assert doc_from_json(json.loads(json.dumps(doc_to_json(doc)))).tables[0].rows[0][0].confidence == 0.93


def _review_report(strategy: str) -> ReportRecords:
    """A report whose one table (review/litigation) prints a review total that is not the sum."""
    header = (RawCell("行政复议"), *[RawCell(None)] * 4, RawCell("行政诉讼"), *[RawCell(None)] * 9)
    numbers = [1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]  # review: 1+0+0+0 printed as total 2
    values = tuple(RawCell(str(v), 1, 0.999 if strategy == "ocr" else None) for v in numbers)
    doc = ExtractedDocument(format="pdf", blocks=[RawTable((header, values), 1, strategy)], page_count=1)
    meta = DocumentMeta("000000", "0" * 64, "pdf")
    return build_report(doc, meta, "ocr-test", dt.datetime.now(dt.UTC), with_nlp=False)


def test_a_failed_identity_on_ocr_numbers_is_named_and_the_report_partial() -> None:
    ocr = _review_report("ocr").report
    assert "checks: review_litigation.total.review fails on numbers read by OCR (sum 1, printed 2)" in (
        ocr.error or ""
    )
    assert ocr.status == "partial"
    assert "read by OCR" not in (_review_report("lines").report.error or "")


def test_a_mixed_document_reads_only_its_scanned_page_by_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages 1-3 with their text layer, page 4 a scan (upside down): OCR reads page 4 alone, and the
    report is the original's, exactly (its golden file is the original's)."""
    from extractors.ocr import document

    read_pages: list[int] = []
    real = document.read_page

    def spy(pdf: Any, number: int) -> Any:
        read_pages.append(number)
        return real(pdf, number)

    monkeypatch.setattr(document, "read_page", spy)
    case = FIXTURES / "scan-mixed-2021"
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    doc = extract_file(case / "report.pdf")
    records = build_report(
        doc,
        DocumentMeta("000000", sha256_file(case / "report.pdf"), "pdf"),
        "t",
        dt.datetime.now(dt.UTC),
        False,
    )
    assert read_pages == [4]
    assert records.report.status == "ok", records.report.error
    got = {(f.table_key, f.row_key, f.column_key): f.value for f in records.facts}
    assert got == {(f["table_key"], f["row_key"], f["column_key"]): f["value"] for f in expected["facts"]}
    assert "ocr" not in {f.strategy for f in records.facts}
    sections = {s.section_no: "".join(s.text.split()) for s in records.sections}
    assert sections[6] == "".join(expected["sections"][-1]["text"].split())


@pytest.mark.parametrize("printed", ["38", "0", "1205"])
def test_a_clearly_printed_number_is_read_with_certainty(printed: str) -> None:
    crop = np.full((48, 40 + 30 * len(printed), 3), 255, np.uint8)
    cv2.putText(crop, printed, (15, 36), cv2.FONT_HERSHEY_SIMPLEX, 1.1, (0, 0, 0), 2, cv2.LINE_AA)
    text, sure = ocr_engine.read_number(crop)
    assert (text, sure > OCR_MIN_CONFIDENCE) == (printed, True)


# ---- scans as they come: broken, hidden and missing rules, seals, yellowed paper (no OCR) ------


def _table(
    dashed: bool = False,
    bottom: bool = True,
    sides: bool = True,
    gap: tuple[int, int] | None = None,
    xs: tuple[int, ...] = (100, 300, 500, 700),
) -> np.ndarray:
    """A ruled table of 3 rows at 200 dpi scale (columns between `xs`): rules dashed as a fax leaves
    them, the bottom rule or the outer side rules left out, or a stretch `gap` (x0, x1) of the
    second horizontal rule erased."""
    page = np.full((600, 800), 255, np.uint8)
    ys = (100, 200, 300, 400)

    def rule(a: tuple[int, int], b: tuple[int, int]) -> None:
        if not dashed:
            cv2.line(page, a, b, 0, 2)
            return
        length = max(abs(b[0] - a[0]), abs(b[1] - a[1]))
        for k in range(0, length, 10):  # dashes every 10 px (drawn 2 px thick: gaps of ~2 px)
            t0, t1 = k / length, min(1.0, (k + 6) / length)
            p0 = (round(a[0] + (b[0] - a[0]) * t0), round(a[1] + (b[1] - a[1]) * t0))
            p1 = (round(a[0] + (b[0] - a[0]) * t1), round(a[1] + (b[1] - a[1]) * t1))
            cv2.line(page, p0, p1, 0, 2)

    for y in ys if bottom else ys[:-1]:
        rule((xs[0], y), (xs[-1], y))
    for x in xs if sides else xs[1:-1]:
        rule((x, ys[0]), (x, ys[-1]))
    if gap is not None:
        page[ys[1] - 4 : ys[1] + 5, gap[0] : gap[1]] = 255
    return page


def _shape(page: np.ndarray, hidden: np.ndarray | None = None) -> list[tuple[int, int, int]]:
    found, _ = grid.find_grids(image.ink(page), 200, hidden=hidden)
    return [(len(g.ys) - 1, len(g.xs) - 1, len({o for row in g.owner for o in row})) for g in found]


def test_rules_a_fax_leaves_as_dashes_are_found() -> None:
    assert _shape(_table(dashed=True)) == [(3, 3, 9)]


def test_a_table_with_no_rule_under_its_last_row_closes_where_its_column_rules_end() -> None:
    assert _shape(_table(bottom=False)) == [(3, 3, 9)]


def test_a_table_printed_without_outer_side_rules_closes_where_its_rows_end() -> None:
    assert _shape(_table(sides=False, xs=(100, 250, 400, 550, 700))) == [(3, 4, 12)]


def test_a_rule_a_seal_hid_is_mended_across_it() -> None:
    page = _table(gap=(320, 480))  # a whole cell's width of the rule under row 1, column 2
    assert _shape(page) == [(3, 3, 8)]  # without knowing of the seal: cells (0, 1) and (1, 1) merged
    hidden = np.zeros_like(page)
    hidden[180:220, 310:490] = 255
    assert _shape(page, hidden) == [(3, 3, 9)]


def _box(x0: float, y0: float, x1: float, y1: float, text: str) -> ocr_engine.TextBox:
    return ocr_engine.TextBox(x0, y0, x1, y1, text, 0.999, 0.999)


def test_a_lost_rule_between_a_label_or_a_number_and_a_number_is_put_back() -> None:
    found, _ = grid.find_grids(image.ink(_table(gap=(320, 480))), 200)
    table = found[0]
    assert table.owner[0][1] == table.owner[1][1]
    numbers = [_box(380, 130, 420, 170, "12"), _box(380, 230, 420, 270, "7")]
    mended = layout.mended(table, numbers)
    assert mended.owner[0][1] != mended.owner[1][1]
    assert layout.mended(table, [_box(380, 130, 420, 170, "合计"), numbers[1]]) == table  # a label: merged


def test_dark_print_on_yellowed_paper_is_not_taken_for_seal_ink() -> None:
    rgb = np.full((80, 60, 3), (246, 236, 204), np.uint8)
    rgb[:, 28:32] = (62, 50, 40)  # a brownish-black stroke, the hue of the paper
    cv2.circle(rgb, (30, 30), 20, (218, 37, 29), 4)  # and a red ring
    text_grey, (rule_grey, hidden) = image.drop_red(rgb), image.no_red(rgb)
    assert text_grey[70, 30] < 90 and rule_grey[70, 30] < 90  # the stroke below the ring
    assert text_grey[30, 10] > 180 and rule_grey[30, 10] > 180  # the ring is paper
    assert hidden[30, 10] == 255 and hidden[70, 30] == 0


def test_the_committed_scans_of_real_reports_are_what_the_generator_writes(tmp_path: Path) -> None:
    from tests.scans.build import REAL_SCANS, write_scan

    scan = next(s for s in REAL_SCANS if s.name == "scan-real-hongze-2023")
    shutil.copytree(FIXTURES / scan.original, tmp_path / scan.original)
    write_scan(scan, tmp_path)
    for name in ("report.pdf", "expected.json"):
        assert (tmp_path / scan.name / name).read_bytes() == (FIXTURES / scan.name / name).read_bytes()
    golden = json.loads((FIXTURES / scan.original / "expected.json").read_text(encoding="utf-8"))
    written = json.loads((FIXTURES / scan.name / "expected.json").read_text(encoding="utf-8"))
    assert written["facts"] == golden["facts"] and written["sections"] == golden["sections"]
