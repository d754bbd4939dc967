"""Benchmark the PDF extractor against a plain pdfplumber pass over the same corpus.

    .venv/bin/python bench/bench_pdf.py [--rounds 3] [--write docs/benchmarks-pdf.md]

Corpus (built in a temp dir, >= 50 PDFs): the requests-table report of the regression generator
rendered with every page-break position and both border styles (numbers vary with the split),
plus the fixture PDFs with a text layer under tests/fixtures, the real reports in tests/fixtures/real
included (scanned PDFs go to OCR: docs/benchmarks-ocr.md).

(a) plain: open, extract_text + extract_tables on every page, page.close().
(b) extractors.pdf.extract.
Both run in this process, alternating, `--rounds` times; the minimum total of each is reported.
Peak-RSS growth is measured in a fresh subprocess that extracts the corpus once.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pdfplumber

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extractors.pdf import extract  # noqa: E402
from tests.regressions import make_regressions as gen  # noqa: E402


def build_corpus(target: Path) -> list[Path]:
    gen.pdfmetrics.registerFont(gen.UnicodeCIDFont(gen.FONT))
    paths = []
    for split_row in range(4, gen.REQUEST_ROWS - 1):
        for as_rects in (False, True):
            path = target / f"split-{split_row}-{'rects' if as_rects else 'lines'}.pdf"
            gen.split_table_pdf(
                path, split_row, repeat_header=not as_rects, as_rects=as_rects, footer="- {page} -"
            )
            paths.append(path)
    return paths + build_extra()


def plain_pass(path: Path) -> int:
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_text()
            page.extract_tables()
            page.close()
        return len(pdf.pages)


def timed_pair(paths: list[Path], plain_first: bool) -> tuple[float, float]:
    """Total seconds of (plain, ours), run back to back per file so load drift hits both alike."""
    plain = ours = 0.0
    for path in paths:
        for run in ("plain", "ours") if plain_first else ("ours", "plain"):
            start = time.perf_counter()
            if run == "plain":
                plain_pass(path)
            else:
                extract(path)
            elapsed = time.perf_counter() - start
            plain, ours = (plain + elapsed, ours) if run == "plain" else (plain, ours + elapsed)
    return plain, ours


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_probe(paths: list[Path]) -> None:
    """Print peak RSS growth (MiB) after every 10 documents; run in a fresh process."""
    extract(paths[0])  # imports and font caches warm
    base = rss_mib()
    for i, path in enumerate(paths, start=1):
        extract(path)
        if i % 10 == 0 or i == len(paths):
            print(f"{i}\t{rss_mib() - base:.1f}")


def machine() -> str:
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        model = next(ln.split(":", 1)[1].strip() for ln in lscpu.splitlines() if ln.startswith("Model name"))
    except (OSError, subprocess.CalledProcessError, StopIteration):
        model = platform.processor() or "unknown CPU"
    versions = f"Python {platform.python_version()}, pdfplumber {pdfplumber.__version__}"
    return f"{model}, {os.cpu_count()} cores, {versions}"


def report(paths: list[Path], pages: int, plain: float, ours: float, memory: str, rounds: int) -> str:
    rows = "\n".join(f"| {n} | {growth} |" for n, growth in (ln.split("\t") for ln in memory.splitlines()))
    return f"""## PDF extractor (`extractors/pdf/__init__.py`)

Measured {dt.date.today().isoformat()} on {machine()} with `bench/bench_pdf.py` ({rounds} rounds, min of
each; other jobs shared the 2 cores, so single numbers vary by ~±15%).
Corpus: {len(paths)} PDFs, {pages} pages (generated requests-table reports with every page-break
position and both border styles, the text-layer fixture PDFs and the real reports of tests/fixtures/real).

Both runs go back to back on each file, in alternating order per round.

| run | total s | ms/page |
|---|---|---|
| (a) plain pdfplumber: open, `extract_text` + `extract_tables` per page, `page.close()` \
| {plain:.2f} | {plain / pages * 1000:.1f} |
| (b) `extractors.pdf.extract` | {ours:.2f} | {ours / pages * 1000:.1f} |

Ratio b/a: **{ours / plain:.2f}** (target ≤ 1.2).

Peak RSS growth (`ru_maxrss`) over the first extraction, fresh process, by documents extracted
(flat = no leak):

| documents | MiB |
|---|---|
{rows}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write", type=Path, help="write the Markdown section to this file")
    parser.add_argument("--memory-probe", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_probe:
        memory_probe(sorted(args.memory_probe.glob("*.pdf")) + build_extra())
        return
    with tempfile.TemporaryDirectory() as tmp:
        paths = build_corpus(Path(tmp))
        pages = sum(plain_pass(p) for p in paths)  # also warms imports and the OS file cache
        extract(paths[0])
        plain, ours = float("inf"), float("inf")
        for round_no in range(args.rounds):
            plain_total, ours_total = timed_pair(paths, plain_first=round_no % 2 == 0)
            plain, ours = min(plain, plain_total), min(ours, ours_total)
        probe = [sys.executable, __file__, "--memory-probe", tmp]
        memory = subprocess.run(probe, capture_output=True, text=True, check=True).stdout
    text = report(paths, pages, plain, ours, memory, args.rounds)
    print(text)
    if args.write:
        args.write.write_text(text, encoding="utf-8")


def build_extra() -> list[Path]:
    """The non-generated part of the corpus: the fixture PDFs with a text layer, the real reports
    included (scanned ones go to OCR, benchmarked apart in docs/benchmarks-ocr.md)."""
    fixtures = ROOT / "tests" / "fixtures"
    found = sorted([*fixtures.glob("*/report.pdf"), *fixtures.glob("real/*/report.pdf")])
    return [path for path in found if has_text_layer(path)]


def has_text_layer(path: Path) -> bool:
    with pdfplumber.open(path) as pdf:
        return any(page.chars for page in pdf.pages)


if __name__ == "__main__":
    main()
