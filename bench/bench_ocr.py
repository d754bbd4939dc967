"""Seconds per scanned page, peak memory and accuracy of OCR -> docs/benchmarks-ocr.md.

Run from the repo root: `.venv/bin/python bench/bench_ocr.py [--repeat 2]`."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
OUT = ROOT / "docs" / "benchmarks-ocr.md"
CASES = (
    "scan-real-huaian-2024",
    "scan-real-hongze-2024",
    "scan-real-hongze-2023",
    "scan-2021-ttf",
    "scan-huaian-2024",
    "pdf-2021-ttf",
)
EXTRA = (("pdf-2019-stsong", 1.2), ("real/hongze-2024", -1.5), ("pdf-2021-libreoffice", 0.7))

HISTORY = (
    "Earlier rounds on this machine (same bench, kept by hand): 2026-12-06, onnxruntime on every core, "
    "lines found and read on the page at 2000 px, numbers under 0.99 read twice: 9.0-14.4 s per page "
    "on the clock (load average ~4.5), ~1 GiB peak RSS; `extra-scan-pdf-2021-libreoffice` 180/182. "
    "This round: lines found on a 0.6x copy, recognised from the page in batches padded only to their "
    "widest, one onnxruntime thread, a number the page reading is sure of not read again, the "
    "orientation checked before anything is recognised.",
)

# Runs in the child: extract one document, normalise it, print timings, memory and accuracy as JSON.
CHILD = """
import datetime as dt, json, resource, sys, time
from pathlib import Path
t0 = time.perf_counter()
from extractors.ocr import engine
if sys.argv[2] == "warm":
    engine.ready()  # models loaded before the clock starts: the cost of a page, not of a process
t0b = time.perf_counter()
from pipeline.extract.worker import extract_file, sha256_file
from pipeline.records import DocumentMeta, build_report
from pipeline.normalize.tables import OCR_MIN_CONFIDENCE
t1 = time.perf_counter()
case = Path(sys.argv[1]); expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
path = case / expected["document"]
c1 = time.process_time()
doc = extract_file(path)
t2 = time.perf_counter()
cpu = time.process_time() - c1
meta = DocumentMeta("000000", sha256_file(path), "pdf")
rec = build_report(doc, meta, "bench", dt.datetime.now(dt.UTC), False)
got = {(f.table_key, f.row_key, f.column_key): f for f in rec.facts}
right = wrong = doubtful = 0
for w in expected["facts"]:
    f = got.get((w["table_key"], w["row_key"], w["column_key"]))
    right += f is not None and f.value == w["value"]
    wrong += f is not None and f.value is not None and f.value != w["value"]
doubtful = sum(1 for f in rec.facts if f.confidence is not None and f.confidence < OCR_MIN_CONFIDENCE)
print(json.dumps({"pages": doc.page_count, "import_s": t1 - t0b, "extract_s": t2 - t1, "cpu_s": cpu,
    "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "facts": len(expected["facts"]), "right": right, "wrong": wrong, "doubtful": doubtful,
    "status": rec.report.status}))
"""


def offline_prefix() -> list[str]:
    """`unshare -rn` (a new network namespace with no interfaces) when this machine allows it."""
    if (
        shutil.which("unshare")
        and subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode == 0
    ):
        return ["unshare", "-rn"]
    return []


def extra_scans(root: Path) -> list[Path]:
    """Every page of each EXTRA fixture scanned (alternating skew, blur, JPEG 55, a seal on page 2)."""
    import pypdfium2

    sys.path.insert(0, str(ROOT))
    from tests.scans.build import PageRecipe, Scan, write_scan

    folders = []
    for original, angle in EXTRA:
        shutil.copytree(FIXTURES / original, root / original)
        pages = len(pypdfium2.PdfDocument(str(root / original / "report.pdf")))
        recipes = tuple(
            PageRecipe(
                i,
                rotate=angle * (-1) ** i,
                blur=0.5 * (i % 2),
                quality=55,
                seal_at=(0.85, 0.5) if i == 2 else None,
            )
            for i in range(1, pages + 1)
        )
        scan = Scan("extra-scan-" + original.replace("/", "-"), original, recipes, seed=7)
        write_scan(scan, root)
        folders.append(root / scan.name)
    return folders


def measure(case: Path, prefix: list[str], threads: int) -> dict[str, Any]:
    """One extraction in a fresh process, the OCR models loaded before the clock starts."""
    command = [*prefix, sys.executable, "-c", CHILD, str(case), "warm"]
    env = dict(os.environ, NIANBAO_OCR_THREADS=str(threads))
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True, env=env)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def row(case: str, runs: list[dict[str, Any]]) -> str:
    best = min(runs, key=lambda r: r["extract_s"])
    per_page = [r["extract_s"] / r["pages"] for r in runs]
    cpu = [r["cpu_s"] / r["pages"] for r in runs]
    return (
        f"| `{case}` | {best['pages']} | {min(per_page):.1f} / {max(per_page):.1f} | {min(cpu):.1f} | "
        f"{max(r['peak_rss_mib'] for r in runs):.0f} | {best['right']}/{best['facts']} "
        f"({best['right'] / best['facts']:.1%}) | {best['doubtful']} | {best['wrong']} | {best['status']} |"
    )


def main() -> None:
    """Each document extracted in a fresh process (peak RSS is that document's, models included), in
    `unshare -rn` when available; the text-layer original measured too; accuracy as in test_ocr.
    EXTRA scans are made in a temporary folder from other fixtures, to see layouts not tuned on."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="NIANBAO_OCR_THREADS for the runs")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    prefix = offline_prefix()
    rows = []
    load_before = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    with tempfile.TemporaryDirectory() as tmp:
        cases = [FIXTURES / c for c in CASES] + extra_scans(Path(tmp))
        for case in cases:
            repeat = args.repeat if case.parent == FIXTURES else 1
            runs = [measure(case, prefix, args.threads) for _ in range(repeat)]
            rows.append(row(case.name, runs))
            print(rows[-1], flush=True)
    from extractors.ocr.engine import ocr_version

    network = "none (`unshare -rn`: no network interface at all)" if prefix else "not isolated"
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    args.out.write_text(
        "\n".join(
            [
                "# OCR benchmarks (scanned pages)",
                "",
                f"Written by `bench/bench_ocr.py` on {dt.date.today().isoformat()}. Machine: {cpu_model()}, "
                f"{_cores()} cores, Python {platform.python_version()}. Engine: {ocr_version()}. "
                f"Network during the runs: {network}. onnxruntime threads per process: {args.threads} "
                f"(`NIANBAO_OCR_THREADS`). {args.repeat} runs per document, each in a fresh process with "
                "the models loaded before the clock starts; the machine was shared with other jobs (load "
                f"average before: {load_before}; at the end: {load}), so wall times are upper bounds: the "
                "CPU seconds a page took are the steadier figure.",
                "",
                "| document | pages | wall s/page (best / worst) | CPU s/page | peak RSS MiB | cells right "
                "| doubtful (null) | wrong numbers | status |",
                "|---|---|---|---|---|---|---|---|---|",
                *rows,
                "",
                "`extra-scan-*` are made by the bench from other fixtures (one run each, not committed). "
                "`pdf-2021-ttf` is the text-layer original of `scan-2021-ttf` (no OCR): the cost of a scan "
                "is the difference. Peak RSS includes the Python process, pdfplumber, onnxruntime and the "
                "three "
                "PP-OCR models. 'doubtful' cells are read with confidence under the threshold: value null, "
                "raw kept, named in the report's error.",
                "",
                *HISTORY,
                "",
            ]
        ),
        encoding="utf-8",
    )
    print(f"wrote {args.out}")


def _cores() -> int:
    return os.cpu_count() or 0


if __name__ == "__main__":
    main()
