"""The whole-run watchdog: a run still going well past its time limit ends its process."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator

EXIT_COUNTY_FAILED = 1  # pipeline.summary's status for "not every county was written"


def default_grace(limit: float) -> float:
    return max(300.0, limit * 0.1)


def start_watchdog(limit: float, grace: float | None = None) -> threading.Timer:
    """Past the run limit plus `grace` (10 %, at least 300 s) a run that did not stop itself is ended.

    The flow stops starting counties and documents at the limit; this catches a run stuck in
    something that never returns. Written files stay (each was replaced atomically), the lock
    goes with the process, and the next run removes leftover staging files.
    """
    grace = default_grace(limit) if grace is None else grace

    def stop() -> None:
        print(f"nianbao: the run went {grace:.0f} s past its {limit:.0f} s limit; stopped", file=sys.stderr)
        sys.stderr.flush()
        os._exit(EXIT_COUNTY_FAILED)

    timer = threading.Timer(limit + grace, stop)
    timer.daemon = True
    timer.start()
    return timer


@contextlib.contextmanager
def watched(limit: float | None, grace: float | None = None) -> Iterator[None]:
    """A watchdog for the duration of the block (none when `limit` is None or 0).

    The flows run under it, so a run started by `nianbao serve` (each in a process of its own)
    is ended as `nianbao run` is; leaving the block disarms it, so a process that runs flows
    in-process (tests, the CLI) lives on after the run.
    """
    timer = start_watchdog(limit, grace) if limit else None
    try:
        yield
    finally:
        if timer is not None:
            timer.cancel()
