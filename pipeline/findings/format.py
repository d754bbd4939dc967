"""Format findings (`checks` rows of rule `format.*`): a section or table the template has that a
report lacks, and section headings printed under the wrong number. Kept apart from arithmetic by
their rule prefix."""

from __future__ import annotations

import re
from collections import defaultdict

from pipeline.normalize.template import SECTION_HEADINGS
from pipeline.normalize.text import fold
from pipeline.store.schema import TABLE_KEYS, CheckRecord, CountyRecords, ReportRecord

CHECKED_TEMPLATES = frozenset({"2019", "2021"})
NUMERALS = "一二三四五六七八九十"
# Words that name each section in its heading, whatever number is printed before them.
SECTION_WORDS: dict[int, str] = {
    1: "总体情况",
    2: "主动公开政府信息",
    3: "收到和处理政府信息公开申请",
    4: "行政复议",
    5: "存在的主要问题",
    6: "其他需要报告",
}
NUMBERED = re.compile(rf"^([{NUMERALS}]+)[、.．]")
MAX_HEADING_CHARS = 40


def finding(report: ReportRecord, rule: str, passed: bool, note: str | None) -> CheckRecord:
    return CheckRecord(report.report_id, report.year, report.region_code, rule, passed, None, None, 0, note)


def section_findings(report: ReportRecord, found: set[int]) -> list[CheckRecord]:
    return [
        finding(report, f"format.section.{n}", n in found, None if n in found else f"no heading {heading}")
        for n, heading in SECTION_HEADINGS.items()
    ]


def table_findings(report: ReportRecord, tables: set[str]) -> list[CheckRecord]:
    return [
        finding(report, f"format.table.{t}", t in tables, None if t in tables else f"table {t} not found")
        for t in TABLE_KEYS
    ]


def misnumbered(lines: list[str]) -> list[str]:
    """Heading-like lines that name a section under another section's number."""
    out = []
    for line in lines:
        folded = fold(line)
        m = NUMBERED.match(folded)
        if not m or len(folded) > MAX_HEADING_CHARS:
            continue
        for n, words in SECTION_WORDS.items():
            if words in folded and m.group(1) != NUMERALS[n - 1]:
                out.append(f"「{line.strip()}」 where section {NUMERALS[n - 1]} is due")
    return out


def numbering_finding(report: ReportRecord, lines: list[str]) -> CheckRecord:
    wrong = misnumbered(lines)
    note = "headings numbered out of turn: " + "; ".join(wrong) if wrong else None
    return finding(report, "format.section_numbering", not wrong, note)


def format_checks(county: CountyRecords) -> list[CheckRecord]:
    """The format findings of every readable report of the 2019 and 2021 templates."""
    found: dict[str, set[int]] = defaultdict(set)
    lines: dict[str, list[str]] = defaultdict(list)
    for s in county.sections:
        found[s.report_id].add(s.section_no)
        lines[s.report_id] += [s.heading or "", *s.text.split("\n")]
    tables: dict[str, set[str]] = defaultdict(set)
    for f in county.facts:
        tables[f.report_id].add(f.table_key)
    out: list[CheckRecord] = []
    for r in county.reports:
        if r.template not in CHECKED_TEMPLATES or r.status not in ("ok", "partial"):
            continue
        out += section_findings(r, found[r.report_id])
        out += table_findings(r, tables[r.report_id])
        out.append(numbering_finding(r, lines[r.report_id]))
    return out
