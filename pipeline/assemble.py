"""A county's reports: one per identity, and which rows the dataset already holds must stay."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from pipeline.crawl.sources import Source
from pipeline.store.schema import CountyRecords, ReportRecord, ReportRecords

FAILED_STATUSES = frozenset({"failed", "needs_ocr", "unsupported_format"})
_STATUS_RANK = {"ok": 0, "partial": 1, "needs_ocr": 2, "unsupported_format": 3, "failed": 4}


# ---- one report per identity; collisions recorded -------------------------------------


def _preference(r: ReportRecords) -> tuple[int, int, str]:
    # Latest publication first, then the best-read copy, then a stable tie-break.
    published = r.report.published_date or dt.date.min
    return (-published.toordinal(), _STATUS_RANK[r.report.status], r.report.content_sha256)


def with_report_id(records: ReportRecords, report_id: str, note: str) -> ReportRecords:
    """The same report's rows under another report_id, with `note` added to its error."""
    error = "; ".join(e for e in (records.report.error, note) if e)
    out = ReportRecords(dataclasses.replace(records.report, report_id=report_id, error=error))
    for name in ("sections", "facts", "checks", "sentences", "entities"):
        setattr(out, name, [dataclasses.replace(r, report_id=report_id) for r in getattr(records, name)])
    return out


def url_identity(document_url: str) -> str:
    return "url-" + hashlib.sha256(document_url.encode("utf-8")).hexdigest()[:16]


def own_identity(records: ReportRecords) -> str:
    """A report_id from the document itself: its content hash, or its URL when it has no bytes."""
    sha = records.report.content_sha256
    return "sha-" + sha[:16] if sha else url_identity(records.report.document_url or "")


def same_article(a: ReportRecord, b: ReportRecord) -> bool:
    """Two attachments of one article page: two bodies' reports, not two copies of one.

    (The article's own text and its attachment are one report shown twice.)
    """
    attached = a.document_url != a.source_url and b.document_url != b.source_url
    return attached and a.source_url == b.source_url and a.document_url != b.document_url


def choose_reports(reports: list[ReportRecords]) -> tuple[list[ReportRecords], list[str]]:
    """One report per report_id, and notes on what else claimed that identity.

    A copy from another page (re-published, or shown inline and attached) gives way to the
    latest; another document of the same article is a distinct report, kept under its own id.
    """
    chosen: dict[str, ReportRecords] = {}
    notes: list[str] = []
    for r in sorted(reports, key=_preference):
        first = chosen.get(r.report.report_id)
        if first is None:
            chosen[r.report.report_id] = r
        elif same_article(r.report, first.report):
            note = f"identity: same agency and year as {first.report.report_id} in one article; kept apart"
            moved = with_report_id(r, own_identity(r), note)
            chosen.setdefault(moved.report.report_id, moved)
            notes.append(f"identity collision: {r.report.document_url} kept as {moved.report.report_id}")
        elif r.report.content_sha256 != first.report.content_sha256:
            notes.append(f"superseded: {r.report.document_url} by {first.report.document_url} (same report)")
    return list(chosen.values()), notes


def gather(region_code: str, reports: list[ReportRecords]) -> CountyRecords:
    county = CountyRecords(region_code)
    for r in reports:
        county.reports.append(r.report)
        county.sections += r.sections
        county.facts += r.facts
        county.checks += r.checks
        county.sentences += r.sentences
        county.entities += r.entities
    return county


def assemble_county(region_code: str, reports: list[ReportRecords]) -> CountyRecords:
    """One report per report_id (the same report shown inline and attached, or re-published)."""
    return gather(region_code, choose_reports(reports)[0])


# ---- never lose a county: keep or replace the rows the dataset holds ------------------


@dataclass
class KeepPlan:
    keep: set[str] = field(default_factory=set)  # earlier report_ids whose rows stay
    drop: set[str] = field(default_factory=set)  # this run's failed report_ids that give way to them
    notes: list[str] = field(default_factory=list)
    suspect: str | None = None


def shrink_suspect(source: Source, now: set[str], before: set[str] | None) -> str | None:
    """Why a listing that dropped most of the entries it showed at the last written run is not
    trusted (None: it is). Entries falling off a listing that shows the latest N are normal."""
    if not before:
        return None
    still = len(before & now)
    if still * 2 >= len(before):
        return None
    return (
        f"suspect: the portal lists {still} of the {len(before)} reports it listed at the last written run "
        f"({len(now)} listed in all); old rows kept "
        f"(if the publisher really removed them: --county {source.region_code} --accept-shrink)"
    )


OldReport = dict[str, Any]  # a row of the county's reports file as the dataset holds it


def plan_keep(
    source: Source,
    new: list[ReportRecord],
    old: list[OldReport],
    accept: bool,
    listed: tuple[set[str], set[str] | None] = (set(), None),
) -> KeepPlan:
    """Which earlier rows stay: a suspect shrink keeps them all; else failures and delistings.

    `listed`: the entries listed now and at the last written run (None: no run written yet).
    """
    plan = KeepPlan(suspect=None if accept else shrink_suspect(source, *listed))
    keep_earlier_good_rows(plan, new, old)
    keep_delisted(plan, new, old, accept)
    return plan


def keep_earlier_good_rows(plan: KeepPlan, new: list[ReportRecord], old: list[OldReport]) -> None:
    """A report that failed this run keeps its earlier good rows instead of the failure."""
    new_ids = {r.report_id for r in new}
    good = [o for o in old if o["status"] not in FAILED_STATUSES]
    for r in (r for r in new if r.status in FAILED_STATUSES):
        same = [o for o in good if o["document_url"] == r.document_url or o["report_id"] == r.report_id]
        if same and same[0]["report_id"] not in new_ids - {r.report_id}:
            plan.keep.add(same[0]["report_id"])
            plan.drop.add(r.report_id)
            plan.notes.append(f"kept the earlier rows of {same[0]['report_id']}: this run {r.error}")


def keep_delisted(plan: KeepPlan, new: list[ReportRecord], old: list[OldReport], accept: bool) -> None:
    """Reports the portal no longer lists: kept and noted, removed only when a person accepts."""
    new_ids = {r.report_id for r in new}
    new_urls = {r.document_url for r in new if r.document_url}
    new_shas = {r.content_sha256 for r in new if r.content_sha256}
    for o in old:
        listed = o["report_id"] in new_ids or o["document_url"] in new_urls or o["content_sha256"] in new_shas
        if listed or o["report_id"] in plan.keep:
            continue
        if accept:
            plan.notes.append(f"removed (accepted): {o['title']} ({o['document_url']}) is no longer listed")
        else:
            plan.keep.add(o["report_id"])
            plan.notes.append(f"no longer listed, rows kept: {o['title']} ({o['document_url']})")
