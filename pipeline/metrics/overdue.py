"""Sources with no report for the last year whose deadline (plus a grace period) has passed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.metrics.deadlines import county_deadline
from pipeline.metrics.table import Readable


@dataclass(frozen=True)
class Overdue:
    region_code: str
    region_name: str
    year: int  # the report year that is missing
    deadline: dt.date  # the 条例's date for the county government's report
    overdue_since: dt.date  # the first day after the deadline and the grace days

    def as_json(self) -> dict[str, object]:
        """As `_state/last_run.json` and the page hold it (dates as ISO strings)."""
        return {**self.__dict__, "deadline": str(self.deadline), "overdue_since": str(self.overdue_since)}


def overdue_from(year: int, grace_days: int) -> dt.date:
    """The first day a county still without its report for `year` is overdue."""
    return county_deadline(year) + dt.timedelta(days=grace_days + 1)


def due_year(today: dt.date, grace_days: int) -> int:
    """The latest report year a county is overdue for on `today` when it has no report of it."""
    year = today.year - 1
    while overdue_from(year, grace_days) > today:
        year -= 1
    return year


def overdue_sources(
    sources: Iterable[tuple[str, str]],
    report_years: Iterable[tuple[str, int]],
    today: dt.date,
    grace_days: int,
) -> list[Overdue]:
    """Of (region_code, region_name) `sources`, those the dataset holds no report of the due year for.

    `report_years` are the (region_code, year) of the dataset's reports, any body and any status
    (a listed report that failed to download was still published).
    """
    year = due_year(today, grace_days)
    have = {code for code, y in report_years if y == year}
    deadline, since = county_deadline(year), overdue_from(year, grace_days)
    return [Overdue(code, name, year, deadline, since) for code, name in sources if code not in have]


def overdue_in(
    store: Readable, sources: Iterable[tuple[str, str]], today: dt.date, grace_days: int
) -> list[Overdue]:
    """`overdue_sources` by the reports a dataset (local or s3://) holds now."""
    held = store.read_every_county("reports", ["region_code", "year"]).to_pylist()
    years = [(r["region_code"], r["year"]) for r in held if r["year"] is not None]
    return overdue_sources(sources, years, today, grace_days)
