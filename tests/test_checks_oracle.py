"""The checks measured against an independent oracle: the spec's identities written out here from
docs (shared spec, "Identities that a correct report satisfies"), row and column keys typed from
the spec's tables, evaluated on each fixture's golden cells (read off the page or put in by the
generator). Nothing here imports the checker or the template tables it uses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.test_golden import CASES, extract_case, load_case

APPLICANTS = ["natural_person", "commercial", "research", "public_interest", "legal_services", "other_org"]
DENIED = ["state_secret", "prohibited_by_law", "security_stability", "third_party", "internal_affairs",
          "process_info", "enforcement_files", "inquiry"]  # fmt: skip
UNABLE = ["not_held", "needs_creation", "unclear"]
NOT_PROCESSED = ["petition", "duplicate", "publication", "excessive", "confirmation"]
OTHER_2021 = ["other.no_correction", "other.fee_unpaid", "other.other"]
REVIEW_GROUPS = ["review", "litigation_direct", "litigation_after_review"]
BLANK = {"", "-", "—", "－", "--", "/", "／", "无"}

Cells = dict[tuple[str, str, str], Any]


def result_rows(template: str, cells: Cells) -> list[str]:
    rows = (
        ["granted", "partially_granted"] + [f"denied.{r}" for r in DENIED] + [f"unable.{r}" for r in UNABLE]
    )
    rows += [f"not_processed.{r}" for r in NOT_PROCESSED]
    printed_as_one = any(k[1] == "other" for k in cells)  # a 2021 report printing （六） as one row
    return rows + (["other"] if template == "2019" or printed_as_one else OTHER_2021)


def number(cells: Cells, key: tuple[str, str, str]) -> float | None:
    """A golden cell as the identities read it: blank or a dash is 0, text or a missing cell unknown."""
    fact = cells.get(key)
    if fact is None:
        return None
    if fact["value"] is not None:
        return float(fact["value"])
    return 0.0 if (fact["raw"] or "").strip() in BLANK else None


def is_blank(cells: Cells, key: tuple[str, str, str]) -> bool:
    fact = cells.get(key)
    return fact is not None and fact["value"] is None and (fact["raw"] or "").strip() in BLANK


def unfilled_totals(cells: Cells, template: str) -> set[tuple[str, str, str]]:
    """Totals a publisher left blank where a blank cannot be a zero (issue 20, template-2019 pages):
    a 总计 beside parts that are not all zero, a （七）总计 over result rows that are not, and the
    whole 总计 column of a table whose other cells are not all zero."""
    unfilled = set()
    for table in {k[0] for k in cells}:
        totals = [k for k in cells if k[0] == table and k[2] == "total"]
        parts = [k for k in cells if k[0] == table and k[2] != "total"]
        if totals and all(is_blank(cells, k) for k in totals) and any(number(cells, k) for k in parts):
            unfilled |= set(totals)
        for total in totals:
            row_parts = [k for k in parts if k[1] == total[1]]
            if is_blank(cells, total) and any(number(cells, k) for k in row_parts):
                unfilled.add(total)
    for col in [*APPLICANTS, "total"]:
        key = ("requests", "processed_total", col)
        if is_blank(cells, key) and any(number(cells, k) for k in column(col, *result_rows(template, cells))):
            unfilled.add(key)
    return unfilled


Key = tuple[str, str, str]


def verdict(cells: Cells, left: list[Key], right: list[Key], unfilled: set[Key]) -> bool | None:
    if unfilled & set(left + right):
        return None
    values = [number(cells, k) for k in left + right]
    if any(v is None for v in values):
        return None
    return abs(sum(values[: len(left)]) - sum(values[len(left) :])) < 1e-6  # type: ignore[arg-type]


def column(col: str, *rows: str) -> list[tuple[str, str, str]]:
    return [("requests", row, col) for row in rows]


def oracle(expected: dict[str, Any]) -> dict[str, bool | None]:
    cells: Cells = {(f["table_key"], f["row_key"], f["column_key"]): f for f in expected["facts"]}
    tables = {k[0] for k in cells}
    rules: dict[str, bool | None] = {}
    template = expected["template"]
    unfilled = unfilled_totals(cells, template) if template in ("2019", "2021") else set()
    if "requests" in tables and template in ("2019", "2021"):
        results = result_rows(template, cells)
        for col in [*APPLICANTS, "total"]:
            balance = column(col, "new", "carried_over"), column(col, "processed_total", "carried_forward")
            rules[f"requests.balance.{col}"] = verdict(cells, *balance, unfilled)
            rules[f"requests.processed_total.{col}"] = verdict(
                cells, column(col, *results), column(col, "processed_total"), unfilled
            )
        for row in ["new", "carried_over", *results, "processed_total", "carried_forward"]:
            parts = [("requests", row, c) for c in APPLICANTS]
            rules[f"requests.row_total.{row}"] = verdict(cells, parts, [("requests", row, "total")], unfilled)
    if "review_litigation" in tables:
        for group in REVIEW_GROUPS:
            parts = [("review_litigation", group, c) for c in ("upheld", "corrected", "other", "pending")]
            rules[f"review_litigation.total.{group}"] = verdict(
                cells, parts, [("review_litigation", group, "total")], unfilled
            )
    return rules


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_check_agrees_with_the_spec_identities_on_the_golden_cells(case: Path) -> None:
    expected, path = load_case(case)
    want = oracle(expected)
    got = {c.rule: c.passed for c in extract_case(expected, path).checks}
    assert got == want


def test_the_identity_a_generator_broke_is_the_one_that_fails() -> None:
    """Golden results from the generator's inputs: each broken identity fails, and only it."""
    broken = [
        c
        for c in CASES
        if json.loads((c / "expected.json").read_text(encoding="utf-8")).get("broken_identity")
    ]
    assert broken, "no fixture breaks an identity: this test would measure nothing"
    for case in broken:
        expected, path = load_case(case)
        cell = expected["broken_identity"]
        failed = {c.rule for c in extract_case(expected, path).checks if c.passed is False}
        assert failed == {f"{cell['table_key']}.total.{cell['row_key']}"}, case.name
