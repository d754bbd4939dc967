"""One extracted document + what the crawler knows of it -> the canonical records of a report."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from dataclasses import dataclass

from extractors.model import ExtractedDocument, Status
from pipeline import PIPELINE_VERSION
from pipeline.findings.prose import prose_checks
from pipeline.normalize.checks import run_checks
from pipeline.normalize.sections import Section, split_sections
from pipeline.normalize.tables import Cell, TablesResult, detect_template, parse_tables
from pipeline.normalize.template import (
    ACTIVE_BLOCKS,
    REQUEST_COLUMNS,
    REQUEST_ROWS,
    REVIEW_COLUMNS,
    REVIEW_ROWS,
    canonical_cells,
)
from pipeline.normalize.text import fold, is_blank_cell
from pipeline.normalize.titles import is_cut_title, normalize_agency, parse_report_title
from pipeline.store.schema import (
    TABLE_KEYS,
    CheckRecord,
    DictionaryRecord,
    FactRecord,
    ReportRecord,
    ReportRecords,
    SectionRecord,
    Template,
)


@dataclass(frozen=True)
class DocumentMeta:
    """What is known about a document besides its bytes (from the crawler, or the command line)."""

    region_code: str
    content_sha256: str
    format: str
    region_name: str | None = None
    listed_title: str | None = None
    source_url: str | None = None
    document_url: str | None = None
    published_date: dt.date | None = None
    fetched_at: dt.datetime | None = None
    fetch_error: str | None = None


def make_report_id(region_code: str, agency: str | None, year: int | None, content_sha256: str) -> str:
    """Stable across runs: from (region_code, agency, year) when known, else the content hash."""
    if agency and year:
        key = f"{region_code}|{fold(agency)}|{year}"
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]
    return "sha-" + content_sha256[:16]


@dataclass(frozen=True)
class Identity:
    title: str | None
    agency: str | None
    year: int | None
    notes: tuple[str, ...] = ()


def _usable_listing(title: str | None) -> str | None:
    """The listed title unless it was cut (…): a cut title may have lost the agency or year."""
    return title if title and not is_cut_title(title) else None


def identify(doc: ExtractedDocument, meta: DocumentMeta) -> Identity:
    """Title, agency and year: the document's own title first, the listing's for what it lacks.

    When both name an agency or a year and they disagree, the document wins and the
    disagreement is noted (a report re-published under a wrong title, or a wrong link).
    """
    listed = _usable_listing(meta.listed_title)
    doc_agency, doc_year = parse_report_title(doc.title or "")
    list_agency, list_year = parse_report_title(listed or "")
    notes = []
    if doc_year and list_year and doc_year != list_year:
        notes.append(f"title: listed as a {list_year} report, the document says {doc_year}")
    if doc_agency and list_agency and fold(doc_agency) != fold(list_agency):
        notes.append(f"title: listed as {list_agency}'s report, the document says {doc_agency}")
    complete = doc_agency is not None and doc_year is not None
    title = doc.title if complete else (listed or doc.title or meta.listed_title)
    return Identity(title, doc_agency or list_agency, doc_year or list_year, tuple(notes))


def _printed_date(doc: ExtractedDocument) -> dt.date | None:
    """The publication date the portal printed around the report, if the crawler had none."""
    try:
        return dt.date.fromisoformat(doc.metadata["published_date"])
    except (KeyError, ValueError):
        return None


def _missing_rows(template: str, tables: TablesResult) -> list[str]:
    """For each table found, the canonical rows of the template that no printed row mapped to."""
    if template not in ("2019", "2021"):
        return []
    mapped = {(c.table_key, c.row_key) for c in tables.cells}
    missing: dict[str, list[str]] = {}
    for table, row, _ in canonical_cells(template):
        if table in tables.found and (table, row) not in mapped and row not in missing.get(table, []):
            missing.setdefault(table, []).append(row)
    out = []
    other = [r for r in missing.get("requests", []) if r.startswith("other.")]
    if template == "2021" and other and ("requests", "other") in mapped:
        missing["requests"] = [r for r in missing["requests"] if r not in other]
        out.append(
            f"tables: requests rows {', '.join(other)} printed as one row （六）其他处理 "
            "(its cells kept as row other)"
        )
    return (
        out
        + [f"tables: {table} rows not found: {', '.join(rows)}" for table, rows in missing.items() if rows]
        + _missing_columns(template, tables, mapped)
    )


def _missing_columns(template: str, tables: TablesResult, rows: set[tuple[str, str]]) -> list[str]:
    """Cells of rows that were found whose column no printed column mapped to."""
    cells = {(c.table_key, c.row_key, c.column_key) for c in tables.cells}
    missing = [
        f"{row}.{col}"
        for table, row, col in canonical_cells(template)
        if (table, row) in rows and (table, row, col) not in cells
    ]
    return [f"tables: cells not found (column not mapped): {', '.join(missing)}"] if missing else []


def _missing_parts(template: str, tables: TablesResult, sections: list[Section]) -> list[str]:
    found_sections = {s.section_no for s in sections if s.section_no > 0}
    if template == "pre2019":
        return [] if found_sections else ["sections: no numbered section heading found"]
    missing = [f"sections: heading of section {n} not found" for n in range(1, 7) if n not in found_sections]
    missing += [f"tables: table {t} not found" for t in TABLE_KEYS if t not in tables.found]
    return missing + _missing_rows(template, tables)


def unmapped_notes(tables: TablesResult) -> list[str]:
    """Printed rows outside the template: kept (row_key unmapped), noted, not a failure."""
    labels = sorted({c.raw_label or "" for c in tables.cells if c.row_key == "unmapped"})
    return [f"tables: printed row outside the template kept as unmapped: {label}" for label in labels]


def decide_status(doc: ExtractedDocument, missing: list[str]) -> Status:
    if doc.status is not None:
        return doc.status
    return "partial" if missing or doc.problems else "ok"


def build_report(
    doc: ExtractedDocument,
    meta: DocumentMeta,
    run_id: str,
    extracted_at: dt.datetime,
    with_nlp: bool = True,
) -> ReportRecords:
    """Every canonical record of one report: its row, sections, facts and checks."""
    who = identify(doc, meta)
    title, agency, year = who.title, who.agency, who.year
    agency_normalized = normalize_agency(agency)
    report_id = make_report_id(meta.region_code, agency_normalized, year, meta.content_sha256)
    readable = doc.status is None
    tables = parse_tables(doc.tables) if readable else TablesResult()
    template: Template = detect_template(tables, year) if readable else "unknown"  # type: ignore[assignment]
    sections = split_sections(doc.text_blocks, old_format=template == "pre2019") if readable else []
    missing = _missing_parts(template, tables, sections) if readable else []
    problems = [
        *doc.problems,
        *tables.problems,
        *tables.doubtful,
        *missing,
        *unmapped_notes(tables),
        *who.notes,
    ]
    if meta.fetch_error:
        problems.append(f"fetch: {meta.fetch_error} (rows rebuilt from the archived copy)")
    report = ReportRecord(
        report_id=report_id,
        region_code=meta.region_code,
        region_name=meta.region_name,
        agency=agency,
        year=year,
        title=title,
        source_url=meta.source_url,
        document_url=meta.document_url,
        published_date=meta.published_date or _printed_date(doc),
        fetched_at=meta.fetched_at,
        extracted_at=extracted_at,
        content_sha256=meta.content_sha256,
        format=meta.format,
        template=template,
        status=decide_status(doc, [*missing, *tables.problems, *tables.doubtful]),
        error="; ".join(problems) or None,
        pipeline_version=PIPELINE_VERSION,
        run_id=run_id,
        page_count=doc.page_count,
        agency_normalized=agency_normalized,
    )
    records = ReportRecords(report=report)
    records.facts = [fact_record(report, c) for c in tables.cells]
    records.checks = table_checks(report, tables)
    records.report = name_ocr_check_failures(records)
    add_sections(records, sections, with_nlp)
    records.checks += prose_checks(records)
    return records


def table_checks(report: ReportRecord, tables: TablesResult) -> list[CheckRecord]:
    """The template's identities over the mapped cells; blank or dash cells count as assumed zeros."""
    mapped = [c for c in tables.cells if c.row_key != "unmapped"]
    values = {(c.table_key, c.row_key, c.column_key): c.value for c in mapped}
    blanks = {
        (c.table_key, c.row_key, c.column_key) for c in mapped if c.value is None and is_blank_cell(c.raw)
    }
    return [
        CheckRecord(
            report.report_id,
            report.year,
            report.region_code,
            c.rule,
            c.passed,
            c.expected,
            c.actual,
            c.assumed_zero,
            c.note,
        )
        for c in run_checks(values, report.template, tables.found, blanks)
    ]


def name_ocr_check_failures(records: ReportRecords) -> ReportRecord:
    """An identity failing on numbers read by OCR may be a misread: named in `error`, report partial."""
    report = records.report
    if not any(f.strategy == "ocr" for f in records.facts):
        return report
    failed = [
        f"checks: {c.rule} fails on numbers read by OCR (sum {c.expected:g}, printed {c.actual:g})"
        for c in records.checks
        if c.passed is False and c.expected is not None and c.actual is not None
    ]
    if not failed:
        return report
    error = "; ".join([report.error, *failed] if report.error else failed)
    status = "partial" if report.status == "ok" else report.status
    return dataclasses.replace(report, error=error, status=status)


def fact_record(report: ReportRecord, cell: Cell) -> FactRecord:
    return FactRecord(
        report_id=report.report_id,
        year=report.year,
        region_code=report.region_code,
        table_key=cell.table_key,  # type: ignore[arg-type]
        row_key=cell.row_key,
        column_key=cell.column_key,
        value=cell.value,
        raw=cell.raw,
        unit=cell.unit,
        page=cell.page,
        raw_label=cell.raw_label,
        strategy=cell.strategy,
        confidence=cell.confidence,
    )


def add_sections(records: ReportRecords, sections: list[Section], with_nlp: bool) -> None:
    report = records.report
    rid, year, code = report.report_id, report.year, report.region_code
    records.sections = [SectionRecord(rid, year, code, s.section_no, s.heading, s.text) for s in sections]
    if with_nlp:
        add_nlp(records)


def add_nlp(records: ReportRecords) -> None:
    """Tokens on every section, and its sentences and entities."""
    from pipeline import nlp  # spaCy takes a second to import: only when it is used

    rid, year, code = records.report.report_id, records.report.year, records.report.region_code
    for i, section in enumerate(records.sections):
        analysis = nlp.analyse_section(section.text)
        records.sections[i] = dataclasses.replace(section, tokens=analysis.tokens)
        no = section.section_no
        records.sentences += nlp.sentence_records(
            analysis, report_id=rid, year=year, region_code=code, section_no=no
        )
        records.entities += nlp.entity_records(
            analysis, report_id=rid, year=year, region_code=code, section_no=no
        )


def dictionary_records() -> list[DictionaryRecord]:
    """One row per canonical cell of each template, labelled as printed."""
    out: list[DictionaryRecord] = []
    for template in ("2019", "2021"):
        for _, rows, cols in ACTIVE_BLOCKS[template]:
            for r, rl in rows:
                out += [
                    DictionaryRecord(template, "active_disclosure", r, c, f"{rl} · {cl}") for c, cl in cols
                ]
        for r, rl in REQUEST_ROWS[template]:
            out += [DictionaryRecord(template, "requests", r, c, f"{rl} · {cl}") for c, cl in REQUEST_COLUMNS]
        for r, rl in REVIEW_ROWS:
            out += [
                DictionaryRecord(template, "review_litigation", r, c, f"{rl} · {cl}")
                for c, cl in REVIEW_COLUMNS
            ]
    return out
