"""Golden files, written from the spec (never from an extractor's output)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.fixturegen.model import CellKey, ReportSpec


def unit_of(spec: ReportSpec, key: CellKey) -> str | None:
    column = key[2]
    if column == "fee_amount":
        return "万元"
    if column == "procurement_amount":
        return "万元" if spec.procurement_unit_in_header else None
    return None


def sections_json(spec: ReportSpec) -> list[dict[str, Any]]:
    return [{"section_no": s.no, "heading": s.heading, "text": s.text} for s in spec.sections]


def facts_json(spec: ReportSpec, pages: dict[CellKey, int] | None) -> list[dict[str, Any]]:
    return [
        {
            "table_key": key[0],
            "row_key": key[1],
            "column_key": key[2],
            "value": cell.value,
            "raw": cell.raw,
            "unit": unit_of(spec, key),
            "page": pages[key] if pages is not None else None,
        }
        for key, cell in spec.cells.items()
    ]


def broken_identity_json(spec: ReportSpec) -> dict[str, Any] | None:
    if spec.broken_identity is None:
        return None
    key, should = spec.broken_identity
    return {
        "table_key": key[0],
        "row_key": key[1],
        "column_key": key[2],
        "published": spec.cells[key].value,
        "sum_of_parts": should,
    }


def report_json(spec: ReportSpec, fmt: str, pages: dict[CellKey, int] | None) -> dict[str, Any]:
    """The fixture-style description of one readable report (also used by the demo portals)."""
    return {
        "format": fmt,
        "title": spec.title,
        "agency": spec.agency,
        "year": spec.year,
        "template": spec.template,
        "status": "ok",
        "sections": sections_json(spec),
        "facts": facts_json(spec, pages),
        "broken_identity": broken_identity_json(spec),
    }


def case_json(
    case: str,
    document: str,
    spec: ReportSpec,
    fmt: str,
    pages: dict[CellKey, int] | None,
    content_type: str | None,
) -> dict[str, Any]:
    body = report_json(spec, fmt, pages)
    return {"case": case, "document": document, "format": fmt, "content_type": content_type, **body}


def needs_ocr_json(case: str, document: str) -> dict[str, Any]:
    """A scan: nothing is readable from the document itself."""
    return {
        "case": case,
        "document": document,
        "format": "pdf",
        "content_type": None,
        "title": None,
        "agency": None,
        "year": None,
        "template": "unknown",
        "status": "needs_ocr",
        "sections": [],
        "facts": [],
        "broken_identity": None,
    }


def dumps(data: object, indent: str = "") -> str:
    """JSON with one line per list item (facts stay one per line: small, diffable files)."""
    inner = indent + " "
    if isinstance(data, dict) and any(isinstance(v, list | dict) for v in data.values()):
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {dumps(v, inner)}" for k, v in data.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(data, list) and data:
        lines = [inner + dumps(v, inner) for v in data]
        return "[\n" + ",\n".join(lines) + "\n" + indent + "]"
    return json.dumps(data, ensure_ascii=False)


def write_json(path: Path, data: object) -> None:
    path.write_text(dumps(data) + "\n", encoding="utf-8")
