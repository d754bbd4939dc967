"""`nianbao page`: one self-contained static HTML page for readers, built from an output folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from pipeline.crawl.registry import coverage
from pipeline.page.data import load_dataset
from pipeline.page.measures import metric_rows, page_overdue
from pipeline.page.render import render_page


def source_entries(sources: Path | None) -> list[dict[str, Any]]:
    if sources is None:
        return []
    data = yaml.safe_load(sources.read_text(encoding="utf-8"))
    entries = data.get("sources") if isinstance(data, dict) else None
    return [e for e in entries or [] if isinstance(e, dict)]


def build_page(output: Path, site: Path, sources: Path | None = None) -> Path:
    """Write SITE/index.html for the dataset in OUTPUT; returns its path."""
    data = load_dataset(output)
    entries = source_entries(sources)
    data.metrics = metric_rows(output, data.metrics)
    years = [(r["region_code"], r["year"]) for r in data.reports if r["year"] is not None]
    cov = coverage(entries, years)
    site.mkdir(parents=True, exist_ok=True)
    index = site / "index.html"
    tmp = index.with_suffix(".html.tmp")
    overdue = page_overdue(entries, data.reports, data.last_run)
    tmp.write_text(render_page(data, cov, dt.datetime.now(dt.UTC), entries, overdue), encoding="utf-8")
    tmp.replace(index)
    return index
