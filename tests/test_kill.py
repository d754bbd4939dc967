"""Crash and rerun (issue 7): SIGKILLed runs, two runs at once, reruns of the same input.

A run of `tests/kill_target.py` (the demo counties through `process_county`) is killed at random
moments; after each kill the dataset must read back whole with DuckDB, and a final run completes it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from pipeline.crawl.county import FetchedDocument
from pipeline.crawl.sources import Source
from pipeline.run import RunContext, extract_document
from pipeline.settings import ExtractionLimits, Settings
from pipeline.store.parquet import OutputLocked, county_file, output_lock, staging_root, write_county
from pipeline.store.schema import COUNTY_TABLES, CountyRecords, FactRecord, ReportRecord
from tests.conftest import REPO, write_sources

PYTHON = sys.executable
DEMO_REPORTS = {"370323": 4, "370322": 4, "370321": 2}  # demo/portals/expected.json
KILLS = 4


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_target(output: Path, fresh: bool, port: int) -> subprocess.Popen[str]:
    args = [
        PYTHON,
        "-m",
        "tests.kill_target",
        str(output),
        "--port",
        str(port),
        *(["--fresh"] if fresh else []),
    ]
    # Its own session, so one killpg also takes the forkserver and its extraction workers.
    return subprocess.Popen(
        args, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )


def kill_after(proc: subprocess.Popen[str], seconds: float) -> str:
    """Kill the run `seconds` after it has started working (imports done, lock taken)."""
    assert proc.stdout is not None
    first = proc.stdout.readline()
    try:
        out, _ = proc.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
    return first + out


def dataset_problems(output: Path) -> list[str]:
    """Everything wrong with the dataset as a reader sees it (empty: whole and consistent)."""
    problems: list[str] = []
    con = duckdb.connect()
    for table in COUNTY_TABLES:
        for path in (output / table).glob("*") if (output / table).exists() else []:
            if path.suffix != ".parquet":
                problems.append(f"{table}: stray file {path.name} in the dataset")
                continue
            try:  # every file must read whole (footer, every row group)
                con.execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchall()
            except duckdb.Error as exc:
                problems.append(f"{path}: {exc}")
    reports = output / "reports"
    if problems or not reports.exists() or not list(reports.glob("*.parquet")):
        return problems
    glob = f"'{output}/reports/*.parquet'"
    dupes = con.execute(f"SELECT report_id FROM {glob} GROUP BY 1 HAVING count(*) > 1").fetchall()
    problems += [f"reports: report_id {d[0]} twice" for d in dupes]
    mixed = con.execute(
        f"SELECT filename FROM read_parquet({glob}, filename=true) "
        "GROUP BY 1 HAVING count(DISTINCT run_id) > 1"
    ).fetchall()
    problems += [f"{m[0]}: rows of several runs" for m in mixed]
    for table in ("sections", "facts", "checks"):
        if not list((output / table).glob("*.parquet")):
            continue
        orphans = con.execute(
            f"SELECT DISTINCT t.region_code, t.report_id FROM '{output}/{table}/*.parquet' t "
            f"ANTI JOIN read_parquet({glob}) r USING (report_id, region_code)"
        ).fetchall()
        problems += [f"{table}: rows of report {o[1]} ({o[0]}) that reports does not have" for o in orphans]
    return problems


@pytest.fixture(scope="module")
def killed_then_completed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int]]:
    output = tmp_path_factory.mktemp("kill") / "output"
    port = free_port()
    rng = random.Random(int(os.environ.get("KILL_SEED", "7")))
    log: list[str] = []
    for i in range(KILLS):
        delay = rng.uniform(0.0, 5.0)
        out = kill_after(start_target(output, i == 0, port), delay)
        problems = dataset_problems(output)
        log.append(
            f"kill {i} after {delay:.1f}s: {problems or 'dataset whole'}; output: {out.strip()[-200:]!r}"
        )
        assert not problems, log[-1]
    final = start_target(output, False, port)
    out, _ = final.communicate(timeout=240)
    assert final.returncode == 0 and "run complete" in out, out
    yield output, port


def test_killed_runs_leave_a_whole_dataset_and_a_full_run_completes_it(
    killed_then_completed: tuple[Path, int],
) -> None:
    output, _ = killed_then_completed
    assert not dataset_problems(output)
    con = duckdb.connect()
    counts = dict(
        con.execute(f"SELECT region_code, count(*) FROM '{output}/reports/*.parquet' GROUP BY 1").fetchall()
    )
    assert counts == DEMO_REPORTS
    runs = con.execute(f"SELECT count(DISTINCT run_id) FROM '{output}/reports/*.parquet'").fetchall()
    assert runs == [(1,)]  # the completing run rewrote every county
    staging = staging_root(output)
    assert not staging.exists() or not any(staging.iterdir()), list(staging.iterdir())


def digests(output: Path) -> dict[str, str]:
    return {
        str(p.relative_to(output)): hashlib.sha256(p.read_bytes()).hexdigest()
        for table in (*COUNTY_TABLES, "dictionary")
        for p in sorted((output / table).glob("*.parquet"))
    }


def test_a_rerun_of_the_same_input_gives_identical_files_but_for_the_run_id(
    killed_then_completed: tuple[Path, int],
) -> None:
    output, port = killed_then_completed
    con = duckdb.connect()
    columns = "* EXCLUDE (run_id)"
    before_rows = con.execute(
        f"SELECT {columns} FROM '{output}/reports/*.parquet' ORDER BY report_id"
    ).fetchall()
    before = digests(output)
    rerun = start_target(output, False, port)
    out, _ = rerun.communicate(timeout=240)
    assert rerun.returncode == 0, out
    after = digests(output)
    # reports name the run (run_id), report_versions when each version was last seen (last_seen)
    changed = {f"{t}/{c}.parquet" for c in DEMO_REPORTS for t in ("reports", "report_versions")}
    assert {k for k in after if after[k] != before[k]} == changed
    # Same bytes and extractor: extracted_at comes from the cache and fetched_at from the archive.
    assert con.execute(
        f"SELECT {columns} FROM '{output}/reports/*.parquet' ORDER BY report_id"
    ).fetchall() == (before_rows)


def test_a_second_run_on_the_same_output_is_refused_with_exit_status_3(tmp_path: Path) -> None:
    output = tmp_path / "output"
    sources = write_sources(tmp_path / "sources.yaml", "http://127.0.0.1:9")  # never fetched
    env = dict(os.environ, PREFECT_HOME=str(tmp_path / "prefect"))
    with output_lock(output):
        result = subprocess.run(
            [str(REPO / ".venv/bin/nianbao"), "run", "--sources", str(sources), "--output", str(output)],
            cwd=REPO, capture_output=True, text=True, env=env, timeout=180,
        )  # fmt: skip
    assert result.returncode == 3, result.stderr[-2000:]
    assert result.stderr.strip().splitlines()[-1].startswith("nianbao: another nianbao run is writing to")
    assert not (output / "reports").exists()


# ---- storage and settings gaps (bugs in pipeline/*, fixes described in docs/reliability.md) --------

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def county(run_id: str, value: float) -> CountyRecords:
    records = CountyRecords("370399")
    report = ReportRecord(
        "r1", "370399", "测试县", "测试局", 2023, "t", None, None, None, NOW, NOW, "ab" * 32,
        "pdf", "2021", "ok", None, "0.1.0", run_id,
    )  # fmt: skip
    records.reports.append(report)
    records.facts.append(
        FactRecord("r1", 2023, "370399", "requests", "new", "total", value, f"{value:g}", None, 1)
    )
    return records


def test_a_county_write_that_fails_midway_leaves_every_table_from_one_run(tmp_path: Path) -> None:
    write_county(tmp_path, county("run-a", 1.0))
    broken = county("run-b", 2.0)
    broken.facts.append(dataclasses.replace(broken.facts[0], value="not a number"))  # type: ignore[arg-type]
    with pytest.raises(Exception):  # noqa: B017 - pyarrow's own error type
        write_county(tmp_path, broken)
    run_ids = (
        duckdb.connect()
        .execute(f"SELECT DISTINCT run_id FROM '{county_file(tmp_path, 'reports', '370399')}'")
        .fetchall()
    )
    assert run_ids == [("run-a",)]


def test_the_configured_extraction_limits_apply_in_a_county_run(tmp_path: Path) -> None:
    pdf = REPO / "tests/fixtures/pdf-2019-stsong/report.pdf"
    doc = FetchedDocument("370399", "测试县测试局2023年政府信息公开工作年度报告", "http://x/a.html",
                          "http://x/a.pdf", pdf, "cd" * 32, "pdf", None, NOW)  # fmt: skip
    settings = Settings(extraction=ExtractionLimits(document_seconds=0.001))
    ctx = RunContext(tmp_path, "run-1", settings=settings, with_nlp=False)
    records, _ = extract_document(Source("370399", "测试县", ("http://x/",)), doc, ctx)
    assert records.report.status == "failed" and "time limit" in (records.report.error or "")


def test_the_lock_is_released_when_its_holder_dies(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [PYTHON, "-c", "import sys,time; from pathlib import Path\n"
         "from pipeline.store.parquet import output_lock\n"
         "with output_lock(Path(sys.argv[1])):\n print('held', flush=True); time.sleep(60)", str(tmp_path)],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    with pytest.raises(OutputLocked), output_lock(tmp_path):
        pass
    holder.kill()
    holder.wait()
    deadline = time.monotonic() + 10
    while True:
        try:
            with output_lock(tmp_path):
                break
        except OutputLocked:
            assert time.monotonic() < deadline, "lock still held after its holder was killed"
            time.sleep(0.1)


def test_a_run_stuck_past_its_limit_is_ended_by_the_watchdog_and_frees_the_lock(tmp_path: Path) -> None:
    stuck = subprocess.Popen(
        [PYTHON, "-c", "import sys,time; from pathlib import Path\n"
         "from pipeline.watchdog import start_watchdog\nfrom pipeline.store.parquet import output_lock\n"
         "with output_lock(Path(sys.argv[1])):\n start_watchdog(0.5, grace=0.5)\n"
         " print('stuck', flush=True); time.sleep(600)", str(tmp_path)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    out, err = stuck.communicate(timeout=120)
    assert stuck.returncode == 1 and out.strip() == "stuck"
    assert "nianbao: the run went 0 s past its 0 s limit; stopped" in err, err
    with output_lock(tmp_path):
        pass


def test_a_served_flow_run_is_watched_and_a_finished_one_disarms_its_watchdog(tmp_path: Path) -> None:
    """`nianbao serve` runs each flow in a process of its own, under `watched` (flows/nightly.py)."""
    script = (
        "import sys,time\nfrom pipeline.watchdog import watched\n"
        "with watched(0.5, grace=0.5):\n  if sys.argv[1] == 'stuck': time.sleep(600)\n"
        "time.sleep(2); print('lived on', flush=True)"
    )
    stuck = subprocess.run(
        [PYTHON, "-c", script, "stuck"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert stuck.returncode == 1 and "past its 0 s limit; stopped" in stuck.stderr
    done = subprocess.run(
        [PYTHON, "-c", script, "done"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and done.stdout.strip() == "lived on", done.stderr
