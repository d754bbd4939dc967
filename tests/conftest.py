"""Shared fixtures: the demo portals on a real 127.0.0.1 server, and a real (local) Prefect."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "demo"

# Offline Prefect for every test process, before Prefect is imported anywhere; its files stay
# in a temporary folder (never the user's home).
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="nianbao-test-prefect-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


@pytest.fixture(scope="session")
def demo_portal() -> Iterator[str]:
    """The bundled demo portals served on a free 127.0.0.1 port; yields the base URL."""
    from demo.portal_server import serve_directory

    with serve_directory(DEMO / "portals") as base_url:
        yield base_url.rstrip("/")


def write_sources(path: Path, base_url: str, dead: dict[str, str] | None = None) -> Path:
    """The demo sources file pointed at `base_url`; counties in `dead` get that listing URL instead."""
    text = (DEMO / "sources.yaml").read_text(encoding="utf-8").replace("http://127.0.0.1:8765", base_url)
    for code, url in (dead or {}).items():
        head, _, tail = text.partition(f'region_code: "{code}"')
        start = tail.index("- http")
        end = tail.index("\n", start)
        text = head + f'region_code: "{code}"' + tail[:start] + f"- {url}" + tail[end:]
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A real, local Prefect API (temporary SQLite database) for the flow tests."""
    os.environ["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect-home"))
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield
