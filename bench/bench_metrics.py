"""Metrics rebuild benchmark: the real reports stored once, their county files copied under N region
codes (each copy its own reports), then `write_metrics` timed over the whole dataset.

    .venv/bin/python bench/bench_metrics.py --counties 500
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.crawl.county import CrawlResult  # noqa: E402
from pipeline.crawl.sources import Source  # noqa: E402
from pipeline.extract.worker import extract_file, sha256_file  # noqa: E402
from pipeline.metrics.table import write_metrics  # noqa: E402
from pipeline.records import DocumentMeta, build_report  # noqa: E402
from pipeline.run import RunContext, store_county  # noqa: E402
from pipeline.store.dataset import LocalDataset  # noqa: E402

REAL = REPO / "tests" / "fixtures" / "real"
CASES = ("hongze-2023", "hongze-2024", "huaian-2024", "pingtan-2023", "shuyang-fgj-2023")


def seed(output: Path) -> None:
    """The five real reports stored as county 320813 by the county path."""
    results = []
    for case in CASES:
        path = next((REAL / case).glob("report.*"))
        doc = extract_file(path)
        meta = DocumentMeta("320813", sha256_file(path), doc.format, document_url=path.as_uri())
        results.append((build_report(doc, meta, "bench", dt.datetime.now(dt.UTC), False), False))
    store_county(
        RunContext(output, "bench"),
        Source("320813", "洪泽区", ("http://x/",)),
        CrawlResult("320813"),
        results,
    )


def copy_county(output: Path, table: str, code: str) -> None:
    t = pq.read_table(output / table / "320813.parquet")
    ids = pc.binary_join_element_wise(t["report_id"], pa.scalar(code), "-")
    t = t.set_column(t.schema.get_field_index("report_id"), "report_id", ids)
    t = t.set_column(t.schema.get_field_index("region_code"), "region_code", pa.array([code] * t.num_rows))
    pq.write_table(t, output / table / f"{code}.parquet", compression="zstd")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--counties", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / "output"
        seed(output)
        for i in range(1, args.counties):
            code = f"{320000 + i:06d}" if i < 5000 else f"{330000 + i:06d}"
            for table in ("reports", "facts"):
                copy_county(output, table, code)
        facts = sum(pq.read_metadata(p).num_rows for p in (output / "facts").glob("*.parquet"))
        start = time.perf_counter()
        rows = write_metrics(LocalDataset(output))
        seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{dt.date.today()} {platform.node()} {platform.processor() or platform.machine()}")
    print(f"counties {args.counties}, reports {args.counties * len(CASES)}, facts rows {facts}")
    print(f"write_metrics: {seconds:.1f} s, {rows} metric rows, peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
