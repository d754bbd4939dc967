"""The 条例's deadline for a report, chosen by the kind of body that publishes it.

The revised 条例 (国令第711号, in force 2019-05-15), 第四十九条: 第一款 county-level-and-above
government departments by 1月31日 of the next year; 第二款 the government of a county or above
(published by its office) by 3月31日. The 2007 条例 (国令第492号) 第三十一条: every body by 3月31日.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

# The first report year published under the revised 条例 (the 2019 reports, due in 2020).
REVISED_FROM_YEAR = 2019
_TOWNSHIP = re.compile(r"(?:乡|镇|街道|苏木)(?:人民政府|政府|办事处)$|街道办事处$|街道办$")
_GOVERNMENT = re.compile(r"(?:人民政府|管委会|管理委员会)$")


@dataclass(frozen=True)
class Deadline:
    date: dt.date | None
    basis: str  # which rule applied and why (the `deadline_basis` column)


def body_kind(agency: str | None) -> str:
    """`government`, `township`, `department` or `unknown`, from the agency as normalised."""
    if not agency:
        return "unknown"
    if _TOWNSHIP.search(agency):
        return "township"
    return "government" if _GOVERNMENT.search(agency) else "department"


def report_deadline(agency: str | None, year: int | None) -> Deadline:
    """When the report of `agency` for `year` was due, and on what basis."""
    if year is None:
        return Deadline(None, "unknown: the report's year is not known")
    kind = body_kind(agency)
    if kind == "unknown":
        return Deadline(None, "unknown: the report names no agency")
    if year < REVISED_FROM_YEAR:
        return Deadline(dt.date(year + 1, 3, 31), f"2007 条例第三十一条: every body, 3月31日 ({agency})")
    if kind == "township":
        why = f"none: the 条例 sets no date for a 乡镇/街道 body ({agency}); 第四十九条 covers 县级以上"
        return Deadline(None, why)
    if kind == "government":
        why = f"2019 条例第四十九条第二款: government of a county or above, 3月31日 ({agency})"
        return Deadline(dt.date(year + 1, 3, 31), why)
    why = f"2019 条例第四十九条第一款: department of a government, 1月31日 ({agency})"
    return Deadline(dt.date(year + 1, 1, 31), why)


def days_late(published: dt.date | None, deadline: Deadline) -> float | None:
    """Days after the deadline (negative: early); None without a publication date or deadline."""
    if published is None or deadline.date is None:
        return None
    return float((published - deadline.date).days)


def county_deadline(year: int) -> dt.date:
    """When a county government's report for `year` is due (what `overdue` waits for)."""
    return report_deadline("人民政府", year).date or dt.date(year + 1, 3, 31)
