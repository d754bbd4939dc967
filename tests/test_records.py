"""Report identity: title, agency and year from the document and the listing."""

from __future__ import annotations

import datetime as dt

from extractors.model import ExtractedDocument, TextBlock
from pipeline.records import DocumentMeta, build_report, identify, make_report_id

NOW = dt.datetime(2026, 11, 26, tzinfo=dt.UTC)


def meta(listed: str | None) -> DocumentMeta:
    return DocumentMeta("370323", "ab" * 32, "pdf", listed_title=listed)


def doc(title: str | None) -> ExtractedDocument:
    return ExtractedDocument("pdf", [TextBlock(title or "")], title=title)


def test_the_listing_fills_what_the_document_title_lacks() -> None:
    who = identify(doc("2021年政府信息公开工作年度报告"), meta("沂源县财政局2021年政府信息公开工作年度报告"))
    assert (who.agency, who.year, who.notes) == ("沂源县财政局", 2021, ())
    assert who.title == "沂源县财政局2021年政府信息公开工作年度报告"


def test_a_cut_listing_title_is_not_trusted() -> None:
    who = identify(doc(None), meta("沂源县财政局2021年政府信息公开…"))
    assert who.year is None and who.agency is None


def test_the_document_wins_a_disagreement_and_it_is_noted() -> None:
    who = identify(
        doc("沂源县财政局2020年政府信息公开工作年度报告"), meta("沂源县财政局2021年政府信息公开工作年度报告")
    )
    assert who.year == 2020
    assert who.notes == ("title: listed as a 2021 report, the document says 2020",)
    records = build_report(
        doc("沂源县财政局2020年政府信息公开工作年度报告"),
        meta("沂源县财政局2021年政府信息公开工作年度报告"),
        "r",
        NOW,
        with_nlp=False,
    )
    assert "listed as a 2021 report" in (records.report.error or "")


def test_report_id_is_stable_and_falls_back_to_the_content_hash() -> None:
    assert make_report_id("370323", "沂源县财政局", 2021, "ab" * 32) == make_report_id(
        "370323", "沂源县 财政局", 2021, "cd" * 32
    )
    assert make_report_id("370323", None, 2021, "ab" * 32) == "sha-" + "ab" * 8
