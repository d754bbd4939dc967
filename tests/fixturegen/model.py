"""The report spec: everything a renderer prints and every golden value, in one place."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

CellKey = tuple[str, str, str]  # (table_key, row_key, column_key)


@dataclass(frozen=True)
class Cell:
    """One table cell: the string as printed and the number it means (None for blank/dash)."""

    raw: str
    value: float | None


@dataclass(frozen=True)
class Section:
    """A numbered section: heading as printed (None for section 0) and body paragraphs."""

    no: int
    heading: str | None
    paragraphs: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


@dataclass(frozen=True)
class ReportSpec:
    region_code: str
    region_name: str
    agency: str
    year: int
    template: str  # "2019" | "2021" | "pre2019"
    title: str
    sections: tuple[Section, ...]
    cells: dict[CellKey, Cell] = field(default_factory=dict)
    # Header of the procurement column prints "（万元）" -> unit 万元, else no unit.
    procurement_unit_in_header: bool = False
    published_date: dt.date = dt.date(2020, 1, 31)
    # A cell whose published value deliberately breaks an identity, with the sum it should have.
    broken_identity: tuple[CellKey, float] | None = None

    def section(self, no: int) -> Section:
        return next(s for s in self.sections if s.no == no)
