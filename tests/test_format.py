"""Format findings (`checks` rows of rule `format.*`): a report as published has every section and table;
the same report with section 五's heading printed as 四 and its review table left out is found wanting.

Stored by the county path (store_county) and read back with DuckDB.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb

from pipeline.crawl.county import CrawlResult
from pipeline.crawl.sources import Source
from pipeline.extract.worker import extract_file, sha256_file
from pipeline.records import DocumentMeta, build_report
from pipeline.run import RunContext, store_county

REPORT = Path(__file__).parent / "fixtures" / "findings" / "pingtan-2023" / "report.html"
RULES = [*(f"format.section.{n}" for n in range(1, 7)), "format.section_numbering"]
RULES += ["format.table.active_disclosure", "format.table.requests", "format.table.review_litigation"]


def broken(html: str) -> str:
    """Section 五's heading numbered 四, and the last table (行政复议、行政诉讼) left out."""
    assert html.count("五、存在的主要问题及改进情况") == 1
    html = html.replace("五、存在的主要问题及改进情况", "四、存在的主要问题及改进情况")
    start, end = html.rindex("<table"), html.rindex("</table>") + len("</table>")
    return html[:start] + html[end:]


def format_checks(tmp_path: Path, html: str) -> dict[str, tuple[Any, ...]]:
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    doc = extract_file(path)
    meta = DocumentMeta("350128", sha256_file(path), doc.format, document_url=path.as_uri())
    records = build_report(doc, meta, "format-test", dt.datetime.now(dt.UTC), with_nlp=False)
    output = tmp_path / "output"
    source = Source("350128", "平潭综合实验区", ("http://127.0.0.1/none",))
    store_county(RunContext(output, "format-test"), source, CrawlResult("350128"), [(records, False)])
    rows = duckdb.sql(
        f"SELECT rule, passed, note FROM '{output}/checks/*.parquet' WHERE starts_with(rule, 'format.')"
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_a_complete_report_passes_every_format_check(tmp_path: Path) -> None:
    got = format_checks(tmp_path, REPORT.read_text("utf-8"))
    assert sorted(got) == sorted(RULES)
    assert all(passed is True and note is None for passed, note in got.values())


def test_a_missing_table_and_a_misnumbered_heading_are_named(tmp_path: Path) -> None:
    got = format_checks(tmp_path, broken(REPORT.read_text("utf-8")))
    failed = {rule: note for rule, (passed, note) in got.items() if passed is False}
    assert sorted(failed) == [
        "format.section.5",
        "format.section_numbering",
        "format.table.review_litigation",
    ]
    assert failed["format.section.5"] == "no heading 五、存在的主要问题及改进情况"
    assert "「四、存在的主要问题及改进情况」 where section 五 is due" in failed["format.section_numbering"]
    assert failed["format.table.review_litigation"] == "table review_litigation not found"
