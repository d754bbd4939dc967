"""Jobs over a few committed fixture documents, for the executor and cache tests."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from pipeline.assemble import assemble_county
from pipeline.extract.jobs import DocumentJob
from pipeline.extract.worker import sha256_file
from pipeline.records import DocumentMeta
from pipeline.settings import ExtractionLimits
from pipeline.store.parquet import to_arrow
from pipeline.store.schema import COUNTY_TABLES, ReportRecords

FIXTURES = Path(__file__).resolve().parent / "fixtures"
DOCUMENTS = {
    "pdf": FIXTURES / "pdf-2019-stsong" / "report.pdf",
    "html": FIXTURES / "html-2021-cms" / "report.html",
    "docx": FIXTURES / "docx-2021" / "report.docx",
}


def fixture_jobs(
    run_id: str, limits: ExtractionLimits | None = None, region_code: str = "370323"
) -> list[DocumentJob]:
    jobs = []
    for fmt, path in DOCUMENTS.items():
        meta = DocumentMeta(
            region_code=region_code,
            content_sha256=sha256_file(path),
            format=fmt,
            region_name="测试县",
            document_url=f"http://127.0.0.1/{path.parent.name}/{path.name}",
        )
        jobs.append(DocumentJob(meta, str(path), fmt, None, run_id, limits=limits or ExtractionLimits()))
    return jobs


def county_tables(records: list[ReportRecords], drop: tuple[str, ...] = ()) -> dict[str, pa.Table]:
    """Every county table as Arrow, as the writer would store it, minus the `drop` columns."""
    county = assemble_county("370323", records)
    tables = {}
    for name in COUNTY_TABLES:
        table = to_arrow(name, county.table(name))
        tables[name] = table.drop_columns([c for c in drop if c in table.column_names])
    return tables
