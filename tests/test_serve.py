"""`nianbao serve` end to end: a local Prefect server on 127.0.0.1, the two deployments served,
one county run triggered through the API with `prefect deployment run`, its rows landing, and
a clean exit on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import pytest

from tests.conftest import REPO, write_sources

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
START_TIMEOUT = 180.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, what: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"{what} exited early with {proc.returncode}"
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise AssertionError(f"{what} not ready after {START_TIMEOUT:.0f}s ({url})")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def prefect_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [BIN / "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/api/health", "prefect server", server)
        yield env
    finally:
        stop(server)


def test_county_run_triggered_through_the_api_lands_its_rows(
    prefect_env: dict[str, str], demo_portal: str, tmp_path: Path
) -> None:
    sources = write_sources(tmp_path / "sources.yaml", demo_portal)
    output = tmp_path / "output"
    serve = subprocess.Popen(
        [BIN / "nianbao", "serve", "--sources", str(sources), "--output", str(output), "--run-limit", "7200"],
        env=prefect_env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        api = prefect_env["PREFECT_API_URL"]
        wait_for(f"{api}/deployments/name/county/county", "county deployment", serve)
        nightly = httpx.get(f"{api}/deployments/name/nightly/nightly", timeout=10).json()
        assert [s["schedule"]["cron"] for s in nightly["schedules"]] == ["0 2 * * *"]
        assert nightly["schedules"][0]["schedule"]["timezone"] == "Asia/Shanghai"
        county = httpx.get(f"{api}/deployments/name/county/county", timeout=10).json()
        for deployment in (nightly, county):  # each served run ends itself past the limit (watchdog)
            assert deployment["parameters"]["run_seconds"] == 7200
        run = subprocess.run(
            [
                *(BIN / "prefect", "deployment", "run", "county/county"),
                *("--params", json.dumps({"region_code": "370321"}), "--watch", "--watch-timeout", "300"),
            ],
            env=prefect_env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=360,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        assert "Completed" in run.stdout + run.stderr
        serve.send_signal(signal.SIGTERM)  # what a supervisor sends first
        assert serve.wait(timeout=120) == 0
        nightly = httpx.get(f"{api}/deployments/name/nightly/nightly", timeout=10).json()
        assert not nightly["paused"]  # a restart by the supervisor leaves the schedule running
    finally:
        stop(serve)
    codes = duckdb.sql(f"SELECT DISTINCT region_code FROM '{output}/reports/*.parquet'").fetchall()
    assert codes == [("370321",)]
    assert duckdb.sql(f"SELECT count(*) FROM '{output}/facts/*.parquet'").fetchall()[0][0] > 0
