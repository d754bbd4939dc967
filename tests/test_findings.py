"""Checks across years and prose against tables: real documents through extraction, NLP, Parquet and DuckDB.

Expected values come from tests/fixtures/findings/*/inputs.json (the generator's inputs) and, for the real
reports, from reading them (tests/fixtures/real/README.md).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipeline.assemble import assemble_county
from pipeline.crawl.county import CrawlResult
from pipeline.crawl.sources import Source
from pipeline.extract.worker import extract_file, sha256_file
from pipeline.findings.cross_year import cross_year_checks
from pipeline.findings.prose import prose_checks
from pipeline.records import DocumentMeta, build_report
from pipeline.run import RunContext, store_county
from pipeline.store.schema import ReportRecords

FIXTURES = Path(__file__).parent / "fixtures"
PAIRS = {"350128": ("pingtan-2023", "pingtan-2024"), "370323": ("yiyuan-2022", "yiyuan-2023")}
COLUMNS = (
    "natural_person",
    "commercial",
    "research",
    "public_interest",
    "legal_services",
    "other_org",
    "total",
)


def inputs(case: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / "findings" / case / "inputs.json").read_text("utf-8"))
    data["values"] = {c["key"]: c["value"] for c in data["cells"]}
    return data


def records_of(path: Path, region_code: str) -> ReportRecords:
    doc = extract_file(path)
    meta = DocumentMeta(region_code, sha256_file(path), doc.format, document_url=path.as_uri())
    return build_report(doc, meta, "test", dt.datetime.now(dt.UTC), with_nlp=True)


@pytest.fixture(scope="module")
def county_records() -> dict[str, list[ReportRecords]]:
    return {
        code: [records_of(FIXTURES / "findings" / case / "report.html", code) for case in cases]
        for code, cases in PAIRS.items()
    }


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory, county_records: dict[str, list[ReportRecords]]) -> Path:
    """Both counties stored by the county path (store_county), as a run stores them."""
    out = tmp_path_factory.mktemp("findings") / "output"
    ctx = RunContext(out, "test-run")
    for code, reports in county_records.items():
        source = Source(code, inputs(PAIRS[code][0])["agency"], ("http://127.0.0.1/none",))
        store_county(ctx, source, CrawlResult(code), [(r, False) for r in reports])
    return out


def checks(output: Path, rule_prefix: str, region_code: str) -> dict[tuple[int, str], dict[str, Any]]:
    """{(year, rule): row} of one county's checks whose rule starts with the prefix, read with DuckDB."""
    con = duckdb.connect()
    cur = con.execute(
        f"SELECT c.*, r.year AS report_year FROM '{output}/checks/*.parquet' c "
        f"JOIN '{output}/reports/*.parquet' r USING (report_id) "
        "WHERE starts_with(c.rule, ?) AND c.region_code = ?",
        [rule_prefix, region_code],
    )
    names = [d[0] for d in cur.description]
    return {
        (row["report_year"], row["rule"]): row
        for row in (dict(zip(names, t, strict=True)) for t in cur.fetchall())
    }


def report_ids(output: Path, region_code: str) -> dict[int, str]:
    sql = f"SELECT year, report_id FROM '{output}/reports/*.parquet' WHERE region_code = ?"
    rows = duckdb.connect().execute(sql, [region_code]).fetchall()
    return dict(rows)


def test_normative_documents_in_force_that_do_not_follow_from_last_year_are_a_finding(output: Path) -> None:
    """平潭 2023: 470 in force; 2024: 62 issued, 33 repealed, 440 in force (470 + 62 − 33 = 499)."""
    first, second = inputs("pingtan-2023")["values"], inputs("pingtan-2024")["values"]
    found = checks(output, "cross_year.active_disclosure.", "350128")
    row = found[(2024, "cross_year.active_disclosure.normative_documents.in_force")]
    want = first["active_disclosure.normative_documents.in_force"]
    want += second["active_disclosure.normative_documents.issued"]
    want -= second["active_disclosure.normative_documents.repealed"]
    assert (row["passed"], row["expected"], row["actual"]) == (False, want, 440.0)
    assert want == 499.0
    assert row["other_report_id"] == report_ids(output, "350128")[2023]
    assert found[(2024, "cross_year.active_disclosure.regulations.in_force")]["passed"] is True
    assert {year for year, _ in found} == {2024}, "cross-year rows sit on the later year's report only"


def test_carried_over_requests_must_equal_last_years_carried_forward_per_column(output: Path) -> None:
    first, second = inputs("yiyuan-2022")["values"], inputs("yiyuan-2023")["values"]
    found = checks(output, "cross_year.requests.carried_over.", "370323")
    mine = {rule: row for (year, rule), row in found.items() if year == 2023}
    assert {year for year, _ in found} == {2023}
    assert len(mine) == len(COLUMNS)
    for col in COLUMNS:
        row = mine[f"cross_year.requests.carried_over.{col}"]
        expected = first[f"requests.carried_forward.{col}"]
        actual = second[f"requests.carried_over.{col}"]
        assert (row["expected"], row["actual"], row["passed"]) == (expected, actual, expected == actual)
    assert [c for c in COLUMNS if not mine[f"cross_year.requests.carried_over.{c}"]["passed"]] == [
        "natural_person",
        "total",
    ]


def test_a_missing_input_makes_the_check_unknown_with_the_reason(
    county_records: dict[str, list[ReportRecords]],
) -> None:
    reports = county_records["350128"]
    later = reports[1]
    blanked = [
        dataclasses.replace(f, value=None, raw="—")
        if (f.row_key, f.column_key) == ("normative_documents", "repealed")
        else f
        for f in later.facts
    ]
    county = assemble_county("350128", [reports[0], dataclasses.replace(later, facts=blanked)])
    row = next(c for c in cross_year_checks(county) if c.rule.endswith("normative_documents.in_force"))
    assert row.passed is None and row.expected is None
    assert row.note == "2024: active_disclosure.normative_documents.repealed printed '—', not a number"


def test_years_that_are_not_consecutive_are_not_compared(
    county_records: dict[str, list[ReportRecords]],
) -> None:
    first, second = county_records["370323"]
    two_years_on = dataclasses.replace(second, report=dataclasses.replace(second.report, year=2024))
    assert cross_year_checks(assemble_county("370323", [first, two_years_on])) == []


@pytest.mark.parametrize("case", [c for pair in PAIRS.values() for c in pair])
def test_prose_numbers_are_compared_with_the_cell_the_sentence_names(output: Path, case: str) -> None:
    data = inputs(case)
    rows = checks(output, "text.", data["region_code"]).items()
    found = {row["sentence"]: row for (year, _), row in rows if year == data["year"]}
    for said in data["prose"]:
        if said["cell"] is None:
            assert said["sentence"] not in found, "an ambiguous sentence must not be a finding"
            continue
        row = found[said["sentence"]]
        printed = data["values"][said["cell"]]
        assert row["rule"] == f"text.{said['cell']}"
        assert (row["expected"], row["actual"], row["passed"]) == (
            said["number"],
            printed,
            said["number"] == printed,
        )
    assert len(found) == len([s for s in data["prose"] if s["cell"]])


# What each real report states in words, read in the document, and the table cell it names (printed value).
REAL_STATEMENTS = {
    "huaian-2024/report.pdf": {
        "text.requests.new.total": (3119, 3119),
        "text.requests.carried_over.total": (34, 34),
        "text.review_litigation.review.total": (351, 351),
        "text.review_litigation.litigation.total": (46, 26 + 20),
    },
    "hongze-2024/report.pdf": {"text.requests.new.total": (17, 95)},  # section 1: 受理…申请17件; table 3: 95
    "pingtan-2023/report.html": {
        "text.requests.new.total": (81, 81),
        "text.active_disclosure.normative_documents.issued": (77, 77),
        "text.review_litigation.review.total": (2, 2),
        "text.review_litigation.litigation.total": (7, 5 + 2),
    },
    "shuyang-fgj-2023/report.html": {"text.requests.new.total": (26, 26)},
}


@pytest.mark.parametrize("document", sorted(REAL_STATEMENTS))
def test_real_reports_prose_findings_are_the_ones_a_reader_finds(document: str) -> None:
    records = records_of(FIXTURES / "real" / document, "000000")
    got = {c.rule: (c.expected, c.actual) for c in records.checks if c.rule.startswith("text.")}
    assert got == REAL_STATEMENTS[document]
    failed = {c.rule for c in records.checks if c.rule.startswith("text.") and c.passed is False}
    assert failed == {rule for rule, (said, printed) in REAL_STATEMENTS[document].items() if said != printed}


def test_every_findings_rule_is_documented() -> None:
    from pipeline.findings.prose import CUES

    docs = (Path(__file__).parent.parent / "docs" / "checks.md").read_text(encoding="utf-8")
    rules = ["text." + ".".join(c.cell) for c in CUES]
    rules += ["cross_year.requests.carried_over.<column>", "cross_year.active_disclosure.<row>.in_force"]
    assert [r for r in rules if f"`{r}`" not in docs] == []


# Sentences published by 平潭综合实验区 (2021–2025 reports, section 1) and the one cell each names, if any.
PUBLISHED_SENTENCES = [
    ("2022年，全区收到政府信息公开申请75件，涉及自然人72件、商业企业3件，均在法定期限内予以答复。",
     "requests.new.total"),
    ("2025年，全区共收到政府信息公开申请154件，共办结148件，结转至2026年6件。", "requests.new.total"),
    ("全年办理因政府信息公开申请引发的行政复议36起，行政诉讼9起。", "review_litigation.review.total"),
    ("2022年，全区政府信息公开工作方面共有行政诉讼案件1件、行政复议案件2件，均已结案。",
     "review_litigation.review.total"),
    ("设立规范性文件库，集中公开现行有效行政规范性文件698件，动态更新本年度制发的规范性文件88件。",
     "active_disclosure.normative_documents.issued"),
    ("本年度全区共收到70件申请，及时依法依规办结69件，1件结转下年度继续办理。", None),
    ("全年办理政府信息公开申请218件。", None),
    ("在网站显眼位置设立专栏，发布政策文件20件，同时共享全省政策文件。", None),
]  # fmt: skip


@pytest.mark.parametrize(("sentence", "cell"), PUBLISHED_SENTENCES)
def test_a_published_sentence_names_its_cell_or_none(
    county_records: dict[str, list[ReportRecords]], sentence: str, cell: str | None
) -> None:
    from pipeline.records import add_nlp
    from pipeline.store.schema import SectionRecord

    base = county_records["350128"][1]
    r = base.report
    records = ReportRecords(
        r, [SectionRecord(r.report_id, r.year, r.region_code, 1, "一、总体情况", sentence)]
    )
    records.facts = base.facts
    add_nlp(records)
    rules = {c.rule for c in prose_checks(records)}
    assert (cell is None and not rules) or f"text.{cell}" in rules, rules
