"""`python -m demo`: serve the bundled demo county portals on 127.0.0.1 and run the nightly flow on them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from demo.portal_server import serve_directory
from pipeline.cli import cmd_run, offline_prefect_env

DEMO = Path(__file__).resolve().parent
DEMO_SOURCES = DEMO / "sources.yaml"
DEMO_PORTALS = DEMO / "portals"
DEMO_PORT = 8765


def cmd_demo(output: Path) -> int:
    with serve_directory(DEMO_PORTALS, port=DEMO_PORT) as base_url:
        print(f"demo portals served at {base_url}", file=sys.stderr)
        text = DEMO_SOURCES.read_text(encoding="utf-8").replace(
            f"http://127.0.0.1:{DEMO_PORT}", base_url.rstrip("/")
        )
        sources = output.resolve().parent / f".{output.name}-demo-sources.yaml"
        sources.parent.mkdir(parents=True, exist_ok=True)
        sources.write_text(text, encoding="utf-8")
        return cmd_run(sources, str(output), None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__)
    parser.add_argument("--output", type=Path, default=Path("output"))
    args = parser.parse_args(argv)
    offline_prefect_env()
    return cmd_demo(args.output)


if __name__ == "__main__":
    raise SystemExit(main())
