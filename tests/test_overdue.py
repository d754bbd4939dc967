"""Missing reports: with the clock set past the 条例 deadline plus the grace period, a source with no
report for the year is `overdue` in the run's summary (`_state/last_run.json`) and in `nianbao sources`.

Two counties on a real 127.0.0.1 portal, run by the nightly flow: 平潭 lists its 2023 report, 沂源 only
its 2022 one (tests/fixtures/findings). A county government's 2023 report is due 2024-03-31
(条例 第四十九条第二款); with 30 days' grace it is overdue from 2024-05-01.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.cli import main
from pipeline.settings import TODAY_VARIABLE
from tests.faulty_portal import faulty_portal, write_files

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]
FINDINGS = Path(__file__).parent / "fixtures" / "findings"
COUNTIES = {"350128": ("平潭综合实验区", "pingtan-2023"), "370323": ("沂源县", "yiyuan-2022")}


def portal(root: Path) -> None:
    for code, (name, case) in COUNTIES.items():
        title = f"{name}{case[-4:]}年政府信息公开工作年度报告"
        listing = (
            f"<html><head><meta charset='utf-8'></head><body><ul><li><a href='/{code}/art/1.html'>{title}"
        )
        write_files(root, {f"{code}/col/index.html": listing + "</a></li></ul></body></html>"})
        write_files(root, {f"{code}/art/1.html": (FINDINGS / case / "report.html").read_bytes()})


def sources_file(path: Path, base: str) -> Path:
    entries = "".join(
        f'  - region_code: "{code}"\n    region_name: {name}\n'
        f"    listing_urls: ['{base}/{code}/col/index.html']\n    pause_seconds: 0\n"
        for code, (name, _) in COUNTIES.items()
    )
    path.write_text("sources:\n" + entries, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from flows.nightly import nightly

    root = tmp_path_factory.mktemp("overdue")
    portal(root / "www")
    with pytest.MonkeyPatch.context() as env, faulty_portal(root / "www") as (base, _):
        env.setenv(TODAY_VARIABLE, "2024-05-15")
        sources = sources_file(root / "sources.yaml", base.rstrip("/"))
        nightly(sources=str(sources), output=str(root / "output"))
    return sources, root / "output"


def last_run(output: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((output / "_state" / "last_run.json").read_text("utf-8"))
    return data


def test_past_the_deadline_and_grace_a_county_without_the_report_is_overdue(ran: tuple[Path, Path]) -> None:
    _, output = ran
    assert last_run(output)["overdue"] == [
        {
            "region_code": "370323",
            "region_name": "沂源县",
            "year": 2023,
            "deadline": "2024-03-31",
            "overdue_since": "2024-05-01",
        }
    ]


def sources_table(
    sources: Path, output: Path, today: str, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> dict[str, str]:
    """`nianbao sources` run with the clock at `today`: county -> its overdue column."""
    monkeypatch.setenv(TODAY_VARIABLE, today)
    assert main(["sources", "--sources", str(sources), "--output", str(output)]) == 0
    lines = capsys.readouterr().out.splitlines()
    start = lines[0].index("overdue")
    return {
        line.split()[0]: line[start : start + 7].strip() for line in lines[1:] if not line.startswith(" ")
    }


def test_nianbao_sources_shows_the_overdue_year_only_once_the_grace_has_passed(
    ran: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    sources, output = ran
    assert sources_table(sources, output, "2024-05-15", monkeypatch, capsys) == {
        "350128": "",
        "370323": "2023",
    }
    # 2024-04-30 is still inside the grace for 2023: the year checked is 2022, which 平潭 lacks
    assert sources_table(sources, output, "2024-04-30", monkeypatch, capsys) == {
        "350128": "2022",
        "370323": "",
    }


def test_the_run_leaves_the_metrics_of_every_report(ran: tuple[Path, Path]) -> None:
    """The nightly flow rebuilds metrics/metrics.parquet at its end (six metrics per report)."""
    import duckdb

    _, output = ran
    rows = duckdb.sql(
        f"SELECT region_code, year, metric, value FROM '{output}/metrics/metrics.parquet' ORDER BY ALL"
    ).fetchall()
    assert len(rows) == 6 * len(COUNTIES)
    cells = {
        c["key"]: c["value"]
        for c in json.loads((FINDINGS / "pingtan-2023" / "inputs.json").read_text())["cells"]
    }
    granted = cells["requests.granted.total"] + cells["requests.partially_granted.total"]
    assert (granted, cells["requests.processed_total.total"]) == (42, 81)  # as printed in its table 3
    (disclosed,) = [r[3] for r in rows if r[0] == "350128" and r[2] == "requests.disclosed_rate"]
    assert disclosed == pytest.approx(42 / 81)
