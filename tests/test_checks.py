"""The spec's identities, checked on numbers that satisfy or break them."""

from __future__ import annotations

from pipeline.normalize.checks import CellKey, run_checks
from pipeline.normalize.template import (
    APPLICANT_COLUMNS,
    REQUEST_COLUMNS,
    REQUEST_ROWS,
    REVIEW_COLUMNS,
    REVIEW_ROWS,
)


def balanced_requests(template: str) -> dict[CellKey, float | None]:
    """new=5, carried_over=1; granted=4, partially=1 -> processed 5; carried_forward=1, per applicant."""
    per_row = {"new": 5.0, "carried_over": 1.0, "granted": 4.0, "partially_granted": 1.0}
    per_row |= {"processed_total": 5.0, "carried_forward": 1.0}
    values: dict[CellKey, float | None] = {}
    for row, _ in REQUEST_ROWS[template]:
        for col in APPLICANT_COLUMNS:
            values[("requests", row, col)] = per_row.get(row, 0.0)
        values[("requests", row, "total")] = per_row.get(row, 0.0) * len(APPLICANT_COLUMNS)
    return values


def test_a_consistent_report_passes_every_check() -> None:
    for template in ("2019", "2021"):
        checks = run_checks(balanced_requests(template), template, {"requests"})
        assert len(checks) == 2 * len(REQUEST_COLUMNS) + len(REQUEST_ROWS[template])
        assert all(c.passed for c in checks), [c for c in checks if not c.passed]


def test_a_wrong_total_fails_the_checks_that_use_it_and_only_those() -> None:
    values = balanced_requests("2021")
    values[("requests", "new", "total")] = 31.0
    failed = {c.rule for c in run_checks(values, "2021", {"requests"}) if c.passed is False}
    assert failed == {"requests.balance.total", "requests.row_total.new"}


def test_a_blank_cell_makes_its_checks_unknown_not_failed() -> None:
    values = balanced_requests("2019")
    values[("requests", "granted", "research")] = None
    checks = {c.rule: c for c in run_checks(values, "2019", {"requests"})}
    assert checks["requests.processed_total.research"].passed is None
    assert checks["requests.row_total.granted"].passed is None
    assert checks["requests.balance.research"].passed is True


def test_review_totals() -> None:
    values: dict[CellKey, float | None] = {}
    for row, _ in REVIEW_ROWS:
        for col, _ in REVIEW_COLUMNS:
            values[("review_litigation", row, col)] = 1.0
        values[("review_litigation", row, "total")] = 4.0
    values[("review_litigation", "review", "total")] = 3.0
    checks = {c.rule: c.passed for c in run_checks(values, "2019", {"review_litigation"})}
    assert checks == {
        "review_litigation.total.review": False,
        "review_litigation.total.litigation_direct": True,
        "review_litigation.total.litigation_after_review": True,
    }


def test_blank_and_dash_cells_are_read_as_zero_and_counted() -> None:
    values = balanced_requests("2021")
    blanks = set()
    for row in ("denied.state_secret", "unable.not_held"):  # rows of zeros
        values[("requests", row, "research")] = None  # printed "" or "—": the publisher's zero
        blanks.add(("requests", row, "research"))
    checks = {c.rule: c for c in run_checks(values, "2021", {"requests"}, blanks)}
    processed = checks["requests.processed_total.research"]
    assert (processed.passed, processed.assumed_zero) == (True, 2)
    assert processed.note and "read as 0" in processed.note
    row = checks["requests.row_total.denied.state_secret"]
    assert (row.passed, row.assumed_zero) == (True, 1)
    assert checks["requests.balance.research"].assumed_zero == 0
    # a blank that is not a zero is still a finding: the total fails even with it read as 0
    values[("requests", "granted", "research")] = None
    blanks.add(("requests", "granted", "research"))
    checks = {c.rule: c for c in run_checks(values, "2021", {"requests"}, blanks)}
    assert checks["requests.processed_total.research"].passed is False


def test_text_in_a_number_cell_leaves_its_checks_unknown_and_says_why() -> None:
    values = balanced_requests("2021")
    values[("requests", "granted", "research")] = None  # printed "见说明": not a blank
    checks = {c.rule: c for c in run_checks(values, "2021", {"requests"})}
    unknown = checks["requests.processed_total.research"]
    assert unknown.passed is None and unknown.note and "granted.research" in unknown.note


def test_a_one_row_other_stands_for_the_three_2021_rows() -> None:
    values = {k: v for k, v in balanced_requests("2021").items() if not k[1].startswith("other.")}
    for col in [*APPLICANT_COLUMNS, "total"]:
        values[("requests", "other", col)] = 0.0
    checks = {c.rule: c.passed for c in run_checks(values, "2021", {"requests"})}
    assert checks["requests.processed_total.total"] is True
    assert checks["requests.row_total.other"] is True
    assert not any(rule.startswith("requests.row_total.other.") for rule in checks)


def blank_total_column(template: str) -> tuple[dict[CellKey, float | None], set[CellKey]]:
    """balanced_requests with its 总计 column left blank in every row."""
    values = balanced_requests(template)
    blanks = set()
    for row, _ in REQUEST_ROWS[template]:
        values[("requests", row, "total")] = None
        blanks.add(("requests", row, "total"))
    return values, blanks


def test_a_blank_total_column_leaves_the_checks_that_read_it_unknown_not_failed() -> None:
    values, blanks = blank_total_column("2019")
    checks = {c.rule: c for c in run_checks(values, "2019", {"requests"}, blanks)}
    reading_total = [r for r in checks if r.startswith("requests.row_total.") or r.endswith(".total")]
    assert len(reading_total) == len(REQUEST_ROWS["2019"]) + 2
    for rule in reading_total:
        assert checks[rule].passed is None, rule
        assert "总计 left blank" in (checks[rule].note or ""), rule
    # a row of zeros too: the column is not filled in, its blank is no zero
    assert checks["requests.row_total.denied.state_secret"].passed is None
    assert all(c.passed for r, c in checks.items() if r not in reading_total)


def test_a_blank_total_beside_numbers_is_unknown_and_beside_zeros_is_zero() -> None:
    values = balanced_requests("2021")
    blanks = set()
    for row in ("granted", "denied.state_secret"):  # parts 4 each / 0 each
        values[("requests", row, "total")] = None
        blanks.add(("requests", row, "total"))
    checks = {c.rule: c for c in run_checks(values, "2021", {"requests"}, blanks)}
    assert checks["requests.row_total.granted"].passed is None
    assert checks["requests.processed_total.total"].passed is None  # reads granted.total
    zeros = checks["requests.row_total.denied.state_secret"]
    assert (zeros.passed, zeros.assumed_zero) == (True, 1)


def test_a_blank_processed_total_over_result_rows_is_unknown() -> None:
    values = balanced_requests("2021")
    values[("requests", "processed_total", "research")] = None
    checks = {
        c.rule: c
        for c in run_checks(values, "2021", {"requests"}, {("requests", "processed_total", "research")})
    }
    assert checks["requests.processed_total.research"].passed is None
    assert checks["requests.balance.research"].passed is None


def test_a_blank_review_total_beside_cases_is_unknown() -> None:
    values: dict[CellKey, float | None] = {}
    for row, _ in REVIEW_ROWS:
        for col, _ in REVIEW_COLUMNS:
            values[("review_litigation", row, col)] = 0.0
    values[("review_litigation", "review", "upheld")] = 2.0
    values[("review_litigation", "review", "total")] = None
    blank = {("review_litigation", "review", "total")}
    checks = {c.rule: c.passed for c in run_checks(values, "2019", {"review_litigation"}, blank)}
    assert checks["review_litigation.total.review"] is None
    assert checks["review_litigation.total.litigation_direct"] is True
