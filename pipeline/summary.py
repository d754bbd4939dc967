"""The run summary: what a person (or a scheduler) needs to know when a run ends."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pipeline.run import CountySummary

# Exit statuses of `nianbao run` (documented in the README).
EXIT_OK = 0  # every county crawled and written (documents may still have failed: see the summary)
EXIT_COUNTY_FAILED = 1  # at least one county was not written (portal down, suspect, crashed, time limit)
EXIT_USAGE = 2  # bad command line or sources file: nothing was run
EXIT_NOT_STARTED = 3  # the run could not start (output locked by another run, Dask scheduler unreachable)


@dataclass
class RunSummary:
    run_id: str
    output: str
    counties: list[CountySummary] = field(default_factory=list)
    # Sources with no report for the last year past its 条例 deadline + grace (pipeline.metrics.overdue).
    overdue: list[dict[str, Any]] = field(default_factory=list)

    @property
    def reports(self) -> int:
        return sum(c.reports for c in self.counties)

    @property
    def failed_counties(self) -> list[CountySummary]:
        return [c for c in self.counties if not c.written]

    def exit_code(self) -> int:
        return EXIT_COUNTY_FAILED if self.failed_counties else EXIT_OK

    def to_dict(self) -> dict[str, Any]:
        counties = [asdict(c) for c in self.counties]
        return {"run_id": self.run_id, "output": self.output, "counties": counties, "overdue": self.overdue}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunSummary:
        counties = [CountySummary(**c) for c in data["counties"]]
        return cls(data["run_id"], data["output"], counties, list(data.get("overdue") or []))

    def table_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "region_code": c.region_code,
                "region_name": c.region_name,
                "written": c.written,
                "reports": c.reports,
                "extracted": c.extracted,
                "failed": c.failed,
                "checks_failed": c.checks_failed,
                "downloaded": c.downloaded,
                "reextracted": c.reextracted,
                "state": county_state(c),
                "problems": " | ".join(c.errors)[:500],
                "notes": " | ".join(c.notes)[:500],
            }
            for c in self.counties
        ]


def duckdb_query(output: str) -> str:
    out = output.rstrip("/")
    return (
        "SELECT r.region_name, r.agency, r.year, f.value AS requests_received\n"
        f"FROM '{out}/reports/*.parquet' r JOIN '{out}/facts/*.parquet' f USING (report_id)\n"
        "WHERE f.table_key = 'requests' AND f.row_key = 'new' AND f.column_key = 'total'\n"
        "ORDER BY r.region_name, r.agency, r.year;"
    )


def county_state(c: CountySummary) -> str:
    if c.written:
        return f"written, {c.kept} earlier kept" if c.kept else "written"
    if not c.listing_ok:
        return "portal down, old rows kept"
    if c.suspect:
        return "SUSPECT: far fewer reports, old rows kept"
    if c.empty:
        return "EMPTY: the listing yields no report entries, old rows kept"
    return "not finished, old rows kept" if c.stopped else "not written"


def format_summary(summary: RunSummary) -> str:
    lines = [f"run {summary.run_id}"]
    lines.append(
        f"{'county':<8} {'name':<8} {'reports':>7} {'extracted':>9} {'failed':>6} {'checks✗':>8}  state"
    )
    for c in summary.counties:
        state = county_state(c)
        lines.append(
            f"{c.region_code:<8} {c.region_name:<8} {c.reports:>7} {c.extracted:>9} {c.failed:>6} "
            f"{c.checks_failed:>8}  {state}"
        )
    extracted = sum(c.extracted for c in summary.counties)
    failed = sum(c.failed for c in summary.counties)
    checks = sum(c.checks_failed for c in summary.counties)
    lines.append(f"reports found {summary.reports}, extracted {extracted}, failed {failed}")
    lines.append(f"identity checks failed {checks}")
    problems = [f"  {c.region_code} {c.region_name}: {e}" for c in summary.counties for e in c.errors]
    if problems:
        lines.append("problems:")
        lines += [p if len(p) < 300 else p[:297] + "..." for p in problems]
    notes = [f"  {c.region_code} {c.region_name}: {n}" for c in summary.counties for n in c.notes]
    if notes:
        lines.append("notes:")
        lines += [n if len(n) < 300 else n[:297] + "..." for n in notes]
    if late := summary.overdue:
        lines.append("overdue (no report past the 条例 deadline + grace):")
        lines += [f"  {o['region_code']} {o['region_name']}: {o['year']} due {o['deadline']}" for o in late]
    out = str(Path(summary.output))
    tables = "reports,sections,facts,checks,sentences,entities,report_versions,metrics,dictionary"
    lines.append(f"data: {out}/{{{tables}}}/*.parquet")
    lines.append("query it with the duckdb CLI, or from Python: duckdb.sql(QUERY).show()")
    lines.append(duckdb_query(out))
    return "\n".join(lines)


def write_last_run(summary: RunSummary, state_dir: Path) -> Path:
    """The run's summary as `<state_dir>/last_run.json` (for `nianbao page`), replaced atomically."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / "last_run.json"
    tmp = state_dir / ".last_run.json.tmp"
    tmp.write_text(json.dumps(summary.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)
    return path
