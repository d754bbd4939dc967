"""A whole pipeline run (plain functions, no Prefect) that tests/test_kill.py SIGKILLs at random points.

    python -m tests.kill_target OUTPUT [--fresh] [--port N]

Serves the demo portals on 127.0.0.1, then does what the nightly flow does for every demo county:
take the output lock, clean stale staging files, write the dictionary, crawl, extract and store
each county with `pipeline.run.process_county`. `--fresh` drops the archive and the extraction
cache first, so every document is really downloaded, extracted and written again. `--port` serves
the portals on a fixed port, so two runs see the same URLs (a rerun is then the same input).
"""

from __future__ import annotations

import shutil
import sys
import uuid
from pathlib import Path

from demo.portal_server import serve_directory
from pipeline.crawl.sources import load_sources
from pipeline.records import dictionary_records
from pipeline.run import RunContext, process_county
from pipeline.store.parquet import clean_stale_staging, output_lock, write_dictionary

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "demo"


def demo_sources_file(folder: Path, base_url: str) -> Path:
    text = (DEMO / "sources.yaml").read_text(encoding="utf-8").replace("http://127.0.0.1:8765", base_url)
    path = folder / f"kill-sources-{uuid.uuid4().hex}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def run(output: Path, fresh: bool, port: int = 0) -> None:
    output = output.resolve()
    with serve_directory(DEMO / "portals", port=port) as base_url, output_lock(output):
        print(f"stale staging files removed: {clean_stale_staging(output)}", flush=True)
        if fresh:
            shutil.rmtree(output / "_archive", ignore_errors=True)
            shutil.rmtree(output / "_cache", ignore_errors=True)
        sources_file = demo_sources_file(output.parent, base_url.rstrip("/"))
        try:
            sources = load_sources(sources_file)
        finally:
            sources_file.unlink()
        ctx = RunContext(output, uuid.uuid4().hex, with_nlp=True)
        write_dictionary(output, dictionary_records())
        for source in sources:
            summary = process_county(source, ctx)
            print(f"{source.region_code} written={summary.written} reports={summary.reports}", flush=True)
    print("run complete", flush=True)


if __name__ == "__main__":
    options = sys.argv[2:]
    run(
        Path(sys.argv[1]),
        "--fresh" in options,
        int(options[options.index("--port") + 1]) if "--port" in options else 0,
    )
