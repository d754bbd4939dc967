"""One report rendered three ways (PDF, HTML, DOCX) gives the same records."""

from __future__ import annotations

from pathlib import Path

from tests.test_golden import FIXTURES, extract_case, load_case, squash

FORMATS = ("pdf", "html", "docx")


def records_of(fmt: str) -> tuple[set[tuple[object, ...]], dict[int, tuple[str | None, str | None]]]:
    expected, path = load_case(FIXTURES / f"same-2021-{fmt}")
    records = extract_case(expected, Path(path))
    facts = {(f.table_key, f.row_key, f.column_key, f.value, squash(f.raw), f.unit) for f in records.facts}
    sections = {s.section_no: (squash(s.heading), squash(s.text)) for s in records.sections}
    return facts, sections


def test_pdf_html_and_docx_of_one_report_give_identical_facts_and_sections() -> None:
    (pdf_facts, pdf_sections), *others = [records_of(fmt) for fmt in FORMATS]
    assert len(pdf_facts) > 150
    for facts, sections in others:
        assert facts == pdf_facts
        assert sections == pdf_sections
