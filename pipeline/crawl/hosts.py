"""Politeness per host for the whole process: sources that share a host share its limits."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class HostGates:
    """At most `concurrency` requests in flight per host, starts at least `pause` apart.

    A city portal that hosts its districts' columns is crawled by several sources at once; they
    take turns under one pause and one concurrency limit, as if one source crawled them all.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._semaphores: dict[tuple[str, int], threading.BoundedSemaphore] = {}
        self._next_start: dict[str, float] = {}

    @contextmanager
    def slot(self, netloc: str, concurrency: int, pause: float) -> Iterator[None]:
        # Sources sharing a host with different concurrency settings each keep their own limit.
        with self._lock:
            semaphore = self._semaphores.setdefault(
                (netloc, concurrency), threading.BoundedSemaphore(concurrency)
            )
        with semaphore:
            with self._lock:
                start = max(time.monotonic(), self._next_start.get(netloc, 0.0))
                self._next_start[netloc] = start + pause
            delay = start - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            yield


HOSTS = HostGates()
