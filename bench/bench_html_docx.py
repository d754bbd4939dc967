"""Time the HTML and DOCX extractors per report and write docs/benchmarks-html-docx.md.

Run from the repo root: `.venv/bin/python bench/bench_html_docx.py [--repeat 15]`.
Documents: every html/docx fixture under tests/fixtures/, plus two stress pages built here
(a fixture page padded with 400 KB of navigation/footer links, and the same page as Word-exported
markup with nested spans), to see how the container search scales with page size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import lxml

from extractors import docx, html
from extractors.model import ExtractedDocument

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
OUT = ROOT / "docs" / "benchmarks-html-docx.md"

Extract = Callable[[Path, str | None], ExtractedDocument]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def fixture_documents() -> list[tuple[str, str, Path, str | None]]:
    docs = []
    for expected_path in sorted(FIXTURES.glob("*/expected.json")):
        expected = json.loads(expected_path.read_text(encoding="utf-8"))
        if expected["format"] in ("html", "docx"):
            path = expected_path.parent / expected["document"]
            docs.append((expected["case"], expected["format"], path, expected["content_type"]))
    return docs


def stress_pages(folder: Path) -> list[tuple[str, str, Path, str | None]]:
    base = (FIXTURES / "html-2021-cms" / "report.html").read_text(encoding="utf-8")
    links = "".join(
        f'<li><a href="/a/{i}.html">沂源县政务公开栏目第{i}条相关链接标题</a></li>' for i in range(6000)
    )
    padded = base.replace("<body>", f'<body><div class="nav"><ul>{links}</ul></div>', 1)
    padded = padded.replace("</body>", f'<div class="footer"><ul>{links}</ul></div></body>', 1)
    word = base.replace("<p", "<p class=MsoNormal").replace(
        "<span", "<span style='mso-bidi-font-size:12pt'><span"
    )
    word = word.replace("</span>", "</span></span><o:p></o:p>")
    out = []
    for name, text in (("stress-html-400k-nav", padded), ("stress-html-word-spans", word)):
        path = folder / f"{name}.html"
        path.write_text(text, encoding="utf-8")
        out.append((name, "html", path, None))
    return out


def time_extract(extract: Extract, path: Path, content_type: str | None, repeat: int) -> list[float]:
    extract(path, content_type)  # warm-up: imports, regex compilation
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        doc = extract(path, content_type)
        timings.append((time.perf_counter() - start) * 1000)
        assert doc.status is None, (path, doc.problems)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    extractors: dict[str, Extract] = {"html": html.extract, "docx": docx.extract}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for case, fmt, path, content_type in fixture_documents() + stress_pages(Path(tmp)):
            timings = time_extract(extractors[fmt], path, content_type, args.repeat)
            rows.append((case, fmt, path.stat().st_size, min(timings), statistics.median(timings)))
    write_report(rows, args.repeat)
    print(OUT.read_text(encoding="utf-8"))


def write_report(rows: list[tuple[str, str, int, float, float]], repeat: int) -> None:
    lines = [
        "# HTML and DOCX extractor timings",
        "",
        f"Measured {dt.date.today().isoformat()} by `bench/bench_html_docx.py` on {cpu_model()} "
        f"({platform.machine()}, {platform.system()}), Python {platform.python_version()}, "
        f"lxml {lxml.__version__}. "
        f"Each document extracted once to warm up, then {repeat} times in one process; wall time of "
        "`extract(path)` including reading the file. Other jobs shared the 2 cores, so trust the min column.",
        "",
        "| document | format | size (KB) | min (ms) | median (ms) |",
        "|---|---|---:|---:|---:|",
    ]
    lines += [f"| {c} | {f} | {s / 1024:.0f} | {lo:.1f} | {med:.1f} |" for c, f, s, lo, med in rows]
    lines.append("")
    for fmt in ("html", "docx"):
        medians = [med for _, f, _, _, med in rows if f == fmt]
        if medians:
            lines.append(f"- {fmt}: median of medians {statistics.median(medians):.1f} ms per report.")
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
