"""Numbers a report states in words, compared with the table cell the sentence clearly names."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.normalize.checks import TOLERANCE
from pipeline.store.schema import CheckRecord, EntityRecord, FactRecord, ReportRecords

# A counted number of cases: digits, then 件 or 起 (approximate 余/多 and other units are skipped).
CASES = re.compile(r"^(\d+)\s*[件起]$")
# Where the words that belong to a number begin: the last clause mark or the previous number.
CLAUSE_MARKS = "，,；;。：:（(）)\n"
YEAR = re.compile(r"(?:19|20)\d\d\s*年度?")
APPLICATION = r"(?:政府信息公开申请|信息公开申请|依申请公开|依申请信息公开|公开申请)"
# Derived cells: a sum of printed cells, named like a row.
DERIVED: dict[tuple[str, str, str], tuple[tuple[str, str, str], ...]] = {
    ("review_litigation", "litigation", "total"): (
        ("review_litigation", "litigation_direct", "total"),
        ("review_litigation", "litigation_after_review", "total"),
    ),
}


@dataclass(frozen=True)
class Cue:
    """The words right before a number that name one cell: `pattern` must match, `unless` must not."""

    cell: tuple[str, str, str]
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None = None


CUES: tuple[Cue, ...] = (
    Cue(
        ("requests", "new", "total"),
        re.compile(rf"(?:收到|受理|接收|新收).*{APPLICATION}(?:数量)?(?:共计|合计|共)?$"),
        re.compile(r"结转|上年|下年|办结|答复|办理|其中|自然人|企业|法人|组织|复议|诉讼"),
    ),
    Cue(
        ("requests", "carried_over", "total"),
        re.compile(r"上一?年度?结转(?:的)?(?:政府信息公开)?(?:申请)?(?:共)?$"),
    ),
    Cue(
        ("requests", "carried_forward", "total"),
        re.compile(r"结转(?:至|到)?下一?年度?(?:继续办理)?(?:的)?(?:申请)?(?:共)?$"),
    ),
    Cue(
        ("requests", "granted", "total"),
        re.compile(r"(?<!部分)(?<!不)(?<!不予)予以公开(?:的)?(?:共)?$"),
        re.compile(r"主动"),
    ),
    Cue(
        ("review_litigation", "review", "total"),
        re.compile(r"行政复议(?:案件|申请)?(?:共计|共)?$"),
        re.compile(r"维持|纠正|纠错|败诉|尚未|审结"),
    ),
    Cue(
        ("review_litigation", "litigation", "total"),
        re.compile(r"行政诉讼(?:案件)?(?:共计|共)?$"),
        re.compile(r"维持|纠正|纠错|败诉|尚未|审结|直接起诉|复议后"),
    ),
    Cue(
        ("active_disclosure", "normative_documents", "issued"),
        re.compile(r"(?:制发|制定|出台)(?:的)?(?:行政)?规范性文件(?:共)?$"),
        re.compile(r"清理|废止|现行有效|解读"),
    ),
    Cue(
        ("active_disclosure", "normative_documents", "repealed"),
        re.compile(r"废止(?:的)?(?:行政)?规范性文件(?:共)?$"),
        re.compile(r"制发|制定|出台|现行有效"),
    ),
    Cue(
        ("active_disclosure", "regulations", "issued"),
        re.compile(r"(?:制发|制定|出台)(?:的)?(?:政府)?规章(?:共)?$"),
        re.compile(r"废止|现行有效|解读"),
    ),
)


@dataclass(frozen=True)
class Statement:
    """A number the prose states, the words before it and the sentence it sits in."""

    number: float
    clause: str
    sentence: str


def sentence_around(text: str, start: int, end: int) -> str:
    """The sentence (between 。！？；) that holds text[start:end]."""
    marks = "。！？；\n"
    left = max(text.rfind(m, 0, start) for m in marks) + 1
    rights = [i for m in marks if (i := text.find(m, end)) != -1]
    right = min(rights) + 1 if rights else len(text)
    return text[left:right].strip()


def clause_before(text: str, start: int, previous_end: int) -> str:
    """The words between the last clause mark (or the previous number) and `start`."""
    left = max(previous_end, max(text.rfind(m, 0, start) for m in CLAUSE_MARKS) + 1)
    return text[left:start].lstrip("、， ").strip()


def statements(text: str, entities: list[EntityRecord]) -> list[Statement]:
    """Counted numbers (N件 / N起) in one section's text, with their clause and sentence."""
    out, previous_end = [], 0
    for e in sorted(entities, key=lambda e: e.start_char):
        if e.label != "QUANTITY":
            continue
        m = CASES.match(e.text)
        if m:
            clause = clause_before(text, e.start_char, previous_end)
            out.append(Statement(float(m.group(1)), clause, sentence_around(text, e.start_char, e.end_char)))
        previous_end = e.end_char
    return out


def named_cell(clause: str) -> tuple[str, str, str] | None:
    """The one cell the clause names, or None when it names none or is ambiguous."""
    words = YEAR.sub("", clause)
    if re.search(r"\d", words):
        return None
    hits = [c.cell for c in CUES if c.pattern.search(words) and not (c.unless and c.unless.search(words))]
    return hits[0] if len(hits) == 1 else None


def table_value(
    cell: tuple[str, str, str], cells: dict[tuple[str, str, str], FactRecord]
) -> tuple[float | None, str | None]:
    """The printed value (or the sum of the printed cells a derived cell stands for), or why not."""
    parts = DERIVED.get(cell, (cell,))
    total = 0.0
    for key in parts:
        fact = cells.get(key)
        if fact is None:
            return None, f"table cell {'.'.join(key)} not in the report"
        if fact.value is None:
            return None, f"table cell {'.'.join(key)} printed {fact.raw!r}, not a number"
        total += fact.value
    note = "sum of " + " + ".join(".".join(k) for k in parts) if len(parts) > 1 else None
    return total, note


def prose_check(records: ReportRecords, cell: tuple[str, str, str], said: Statement) -> CheckRecord:
    cells: dict[tuple[str, str, str], FactRecord] = {
        (f.table_key, f.row_key, f.column_key): f for f in records.facts if f.row_key != "unmapped"
    }
    printed, note = table_value(cell, cells)
    passed = None if printed is None else abs(printed - said.number) <= TOLERANCE
    r = records.report
    return CheckRecord(
        report_id=r.report_id,
        year=r.year,
        region_code=r.region_code,
        rule="text." + ".".join(cell),
        passed=passed,
        expected=said.number,
        actual=printed,
        note=note,
        sentence=said.sentence,
    )


def prose_checks(records: ReportRecords) -> list[CheckRecord]:
    """One check per cell the prose names (its first statement), in section order.

    Reads the NLP's QUANTITY entities and sentences (no NLP, no prose checks); a sentence that does
    not name one cell unambiguously is not a finding.
    """
    if records.report.template not in ("2019", "2021"):
        return []
    seen: dict[tuple[str, str, str], CheckRecord] = {}
    for section in records.sections:
        ents = [e for e in records.entities if e.section_no == section.section_no]
        for said in statements(section.text, ents):
            cell = named_cell(said.clause)
            if cell is not None and cell not in seen:
                seen[cell] = prose_check(records, cell, said)
    return list(seen.values())
