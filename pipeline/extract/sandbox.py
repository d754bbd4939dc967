"""A worker process that runs one call at a time under a time limit and a memory cap."""

from __future__ import annotations

import contextlib
import multiprocessing
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Literal

from pipeline.settings import ExtractionLimits

# forkserver: workers fork from a clean, single-threaded server that has the extractors imported
# and the NLP pipeline built (pipeline.nlp.preload), so starting one is cheap and safe even while
# Prefect's threads run in the parent, and no worker builds spaCy and jieba again.
WORKERS = multiprocessing.get_context("forkserver")
WORKERS.set_forkserver_preload(
    ["pipeline.extract.jobs", "extractors.pdf", "extractors.html", "extractors.docx", "pipeline.nlp.preload"]
)

# A call: a module-level function taking (report_ocr_pages, *args); it may call
# report_ocr_pages(n) once, and the call's deadline then grows by n * ocr_page_seconds.
OcrPagesReport = Callable[[int], None]
Call = Callable[..., Any]
Ending = Literal["done", "timeout", "died", "memory"]
STOP_GRACE_SECONDS = 5.0


@dataclass(frozen=True)
class CallResult:
    ending: Ending
    value: Any = None  # the call's return value when `ending` is "done"
    seconds: float | None = None  # the limit that was applied (for "timeout")
    exit_code: int | None = None  # the worker's exit code (for "died")


def _address_space_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[0]) * resource.getpagesize()


def _cap_memory(extra_bytes: int | None) -> None:
    """Address space capped at what the worker holds now plus `extra_bytes` (the hard limit stays)."""
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    soft = hard if extra_bytes is None else _address_space_bytes() + extra_bytes
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def serve_calls(conn: Connection) -> None:
    """The worker's loop: (call, args, memory cap) in, ("pages", n)* then ("done", value) out.

    A MemoryError ends the worker (its heap is not to be trusted after one); None stops it.
    """
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        if request is None:
            return
        call, args, extra_bytes = request
        _cap_memory(None)  # the previous call's cap is not this one's
        _cap_memory(extra_bytes)
        try:
            value = call(lambda pages: conn.send(("pages", pages)), *args)
        except MemoryError:
            conn.send(("memory", None))
            return
        conn.send(("done", value))


class Sandbox:
    """One worker process; `run` sends it a call and waits no longer than the call's limit.

    A worker past its limit is killed; a worker that dies or hits its memory cap is gone. Either
    way the next `run` starts a fresh one, so one bad document costs only itself.
    """

    def __init__(self) -> None:
        self._process: Any = None
        self._conn: Connection | None = None
        self.calls = 0  # calls run by the current worker process

    @property
    def pid(self) -> int | None:
        return None if self._process is None else int(self._process.pid)

    def _start(self) -> Connection:
        parent, child = WORKERS.Pipe(duplex=True)
        self._process = WORKERS.Process(target=serve_calls, args=(child,), daemon=True)
        self._process.start()
        child.close()
        self._conn, self.calls = parent, 0
        return parent

    def run(
        self,
        call: Call,
        args: tuple[Any, ...],
        limits: ExtractionLimits,
        on_deadline: Callable[[float | None], None] | None = None,
    ) -> CallResult:
        """Runs `call(report_ocr_pages, *args)` in the worker; `on_deadline` hears each new deadline."""
        conn = self._conn or self._start()
        try:
            conn.send((call, args, limits.worker_memory_bytes))
        except OSError:  # the idle worker died: a fresh one takes the call
            self.stop()
            conn = self._start()
            conn.send((call, args, limits.worker_memory_bytes))
        self.calls += 1
        return self._wait(conn, limits, on_deadline or (lambda _deadline: None))

    def _wait(
        self, conn: Connection, limits: ExtractionLimits, on_deadline: Callable[[float | None], None]
    ) -> CallResult:
        seconds = limits.document_seconds
        started = time.monotonic()
        on_deadline(None if seconds is None else started + seconds)
        while True:
            left = None if seconds is None else max(0.0, started + seconds - time.monotonic())
            if not conn.poll(left):
                self.kill()
                return CallResult("timeout", seconds=seconds)
            try:
                kind, value = conn.recv()
            except (EOFError, OSError):
                return CallResult("died", exit_code=self.kill())
            if kind == "pages":
                if seconds is not None:
                    seconds += limits.ocr_page_seconds * int(value)
                    on_deadline(started + seconds)
                continue
            if kind == "memory":
                self.kill()
                return CallResult("memory")
            return CallResult("done", value)

    def kill(self) -> int | None:
        """Ends the worker at once; its exit code (None when there was none)."""
        process, self._process = self._process, None
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if process is None:
            return None
        process.kill()
        process.join(STOP_GRACE_SECONDS)
        code = process.exitcode
        return None if code is None else int(code)

    def stop(self) -> None:
        """Asks an idle worker to exit, killing it if it does not."""
        if self._conn is not None and self._process is not None:
            with contextlib.suppress(OSError):
                self._conn.send(None)
            self._process.join(STOP_GRACE_SECONDS)
        self.kill()
