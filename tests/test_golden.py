"""Every fixture document, end to end through extraction and normalisation, against its golden file.

The golden files (`tests/fixtures/<case>/expected.json`) are written from the generator's inputs
(or by hand from the printed report), never from an extractor's output.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from extractors import registry
from pipeline.extract.worker import extract_file, sha256_file
from pipeline.records import DocumentMeta, build_report
from pipeline.store.schema import ReportRecords

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(p.parent for p in [*FIXTURES.glob("*/expected.json"), *FIXTURES.glob("real/*/expected.json")])
# Scanned fixtures (scan-*) cost seconds of OCR a page: tests/test_ocr.py reads each once.
CASES = [c for c in CASES if not c.name.startswith("scan-")]
_WS = re.compile(r"\s+")


def squash(text: str | None) -> str | None:
    return None if text is None else _WS.sub("", text)


def load_case(case: Path) -> tuple[dict[str, Any], Path]:
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    document = Path(expected["document"])
    path = document if document.is_absolute() else case / document
    return expected, path


def extract_case(expected: dict[str, Any], path: Path) -> ReportRecords:
    doc = extract_file(path, content_type=expected.get("content_type"))
    meta = DocumentMeta("000000", sha256_file(path), doc.format)
    return build_report(doc, meta, "golden", dt.datetime.now(dt.UTC), with_nlp=False)


def unmapped_key(f: dict[str, Any]) -> tuple[Any, ...]:
    return (f["table_key"], squash(f["raw_label"]), f["column_key"], f["value"], squash(f["raw"]))


def fact_mismatches(expected: list[dict[str, Any]], records: ReportRecords) -> list[str]:
    got = {(f.table_key, f.row_key, f.column_key): f for f in records.facts if f.row_key != "unmapped"}
    problems = []
    for want in (f for f in expected if f["row_key"] != "unmapped"):
        key = (want["table_key"], want["row_key"], want["column_key"])
        fact = got.pop(key, None)
        if fact is None:
            problems.append(f"missing {key} (raw {want['raw']!r})")
            continue
        if fact.value != want["value"] or squash(fact.raw) != squash(want["raw"]):
            problems.append(f"{key}: got {fact.value!r}/{fact.raw!r}, want {want['value']!r}/{want['raw']!r}")
        if "raw_label" in want and squash(fact.raw_label) != squash(want["raw_label"]):
            problems.append(f"{key}: raw_label {fact.raw_label!r}, want {want['raw_label']!r}")
        if fact.unit != want.get("unit"):
            problems.append(f"{key}: unit {fact.unit!r}, want {want.get('unit')!r}")
        if want.get("page") is not None and fact.page != want["page"]:
            problems.append(f"{key}: page {fact.page}, want {want['page']}")
    problems += [f"unexpected {key} = {f.raw!r}" for key, f in got.items()]
    want_unmapped = sorted(unmapped_key(f) for f in expected if f["row_key"] == "unmapped")
    got_unmapped = sorted(unmapped_key(asdict(f)) for f in records.facts if f.row_key == "unmapped")
    if got_unmapped != want_unmapped:
        problems.append(f"unmapped facts: got {got_unmapped}, want {want_unmapped}")
    return problems


def section_mismatches(expected: list[dict[str, Any]], records: ReportRecords) -> list[str]:
    """Each expected section: its heading, and its whole text ("text") or how it starts and ends
    ("starts"/"ends", for long real reports whose golden file gives the boundaries)."""
    got = {s.section_no: s for s in records.sections}
    problems = []
    for want in expected:
        section = got.get(want["section_no"])
        if section is None:
            problems.append(f"section {want['section_no']} missing")
            continue
        if want.get("heading") is not None and squash(section.heading) != squash(want["heading"]):
            problems.append(
                f"section {want['section_no']} heading {section.heading!r}, want {want['heading']!r}"
            )
        text = squash(section.text) or ""
        if "text" in want and text != squash(want["text"]):
            problems.append(
                f"section {want['section_no']} text differs:\n  got  {text[:200]!r}\n"
                f"  want {squash(want['text'])[:200]!r}"
            )
        if "starts" in want and not text.startswith(squash(want["starts"]) or ""):
            problems.append(f"section {want['section_no']} starts {text[:80]!r}, want {want['starts']!r}")
        if "ends" in want and not text.endswith(squash(want["ends"]) or ""):
            problems.append(f"section {want['section_no']} ends {text[-80:]!r}, want {want['ends']!r}")
    return problems


def report_mismatches(expected: dict[str, Any], records: ReportRecords) -> list[str]:
    """The report row's fields the golden file names (optional ones only when given)."""
    report = records.report
    problems = []
    for field in ("agency_normalized", "title"):
        if field in expected and squash(getattr(report, field)) != squash(expected[field]):
            problems.append(f"{field} {getattr(report, field)!r}, want {expected[field]!r}")
    if "published_date" in expected:
        got = report.published_date.isoformat() if report.published_date else None
        if got != expected["published_date"]:
            problems.append(f"published_date {got!r}, want {expected['published_date']!r}")
    for words in expected.get("error_contains", []):
        if words not in (report.error or ""):
            problems.append(f"error does not name {words!r}: {report.error!r}")
    return problems


@pytest.mark.parametrize("case", CASES, ids=[c.relative_to(FIXTURES).as_posix() for c in CASES])
def test_fixture_matches_golden_file(case: Path) -> None:
    expected, path = load_case(case)
    records = extract_case(expected, path)
    report = records.report
    assert report.status == expected["status"], report.error
    assert report.template == expected["template"], report.error
    if expected.get("year") is not None:
        assert report.year == expected["year"]
    if expected.get("agency") is not None:
        assert report.agency == expected["agency"]
    problems = fact_mismatches(expected["facts"], records) + section_mismatches(expected["sections"], records)
    problems += report_mismatches(expected, records)
    assert not problems, f"{len(problems)} mismatches:\n" + "\n".join(problems[:40])


def test_every_registered_extractor_has_golden_fixtures() -> None:
    formats = {json.loads((c / "expected.json").read_text(encoding="utf-8"))["format"] for c in CASES}
    assert set(registry()) <= formats
