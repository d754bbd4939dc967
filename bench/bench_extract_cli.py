"""`nianbao extract` (the whole command: extraction, normalisation, checks, NLP) against a plain
pdfplumber pass over the same PDFs, both as fresh processes, timed in the same run.

Usage: .venv/bin/python bench/bench_extract_cli.py [--rounds N]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_pdf import build_corpus  # noqa: E402

PLAIN = """
import sys, pdfplumber
for path in sys.argv[1:]:
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_text(); page.extract_tables(); page.close()
"""


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    rounds = parser.parse_args().rounds
    nianbao = str(Path(sys.executable).parent / "nianbao")
    with tempfile.TemporaryDirectory() as tmp:
        paths = [str(p) for p in build_corpus(Path(tmp))]
        plain, ours = [], []
        for _ in range(rounds):
            plain.append(timed([sys.executable, "-c", PLAIN, *paths]))
            ours.append(timed([nianbao, "extract", "--json", *paths]))
            ours.append(timed([nianbao, "extract", "--json", "--no-nlp", *paths]))
    nlp, no_nlp = min(ours[0::2]), min(ours[1::2])
    print(
        f"{len(paths)} PDFs; plain pdfplumber {min(plain):.1f} s; nianbao extract {nlp:.1f} s "
        f"(ratio {nlp / min(plain):.2f}); without NLP {no_nlp:.1f} s (ratio {no_nlp / min(plain):.2f})"
    )


if __name__ == "__main__":
    main()
