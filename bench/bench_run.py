"""End-to-end benchmark: `nianbao run` over the demo portals, first run and unchanged second run.

Measures wall time and peak RSS of each run (the nianbao process and its children, including
Prefect's temporary server). Usage: .venv/bin/python bench/bench_run.py
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from demo.portal_server import serve_directory  # noqa: E402

MEASURE = """
import resource, subprocess, sys, time
t = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)
"""


def measured_run(args: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    out = subprocess.run([sys.executable, "-c", MEASURE, *args], env=env, capture_output=True, text=True)
    seconds, rss_kib, code = out.stdout.split()
    return float(seconds), int(rss_kib) / 1024, int(code)


def main() -> None:
    nianbao = str(Path(sys.executable).parent / "nianbao")
    with tempfile.TemporaryDirectory() as tmp, serve_directory(REPO / "demo" / "portals") as base:
        sources = Path(tmp) / "sources.yaml"
        text = (REPO / "demo" / "sources.yaml").read_text(encoding="utf-8")
        sources.write_text(text.replace("http://127.0.0.1:8765", base.rstrip("/")), encoding="utf-8")
        env = {**os.environ, "PREFECT_HOME": str(Path(tmp) / "prefect")}
        args = [nianbao, "run", "--sources", str(sources), "--output", str(Path(tmp) / "out")]
        results = {name: measured_run(args, env) for name in ("first", "second (unchanged)")}
    cpu = platform.processor() or platform.machine()
    print(json.dumps({"cpu": cpu, "cores": os.cpu_count(), "results": results}, ensure_ascii=False, indent=1))
    for name, (seconds, rss, code) in results.items():
        print(f"| {name} run | {seconds:.1f} s | {rss:.0f} MiB | exit {code} |")


if __name__ == "__main__":
    main()
