"""A fault-injecting portal server on 127.0.0.1 for the crawler tests.

Built on `demo.portal_server` (static files, ETag/Last-Modified, 304s). Faults are set
per URL path on `PortalState.faults`; every request is counted per path (`hits`) and the
number of requests in flight at once is tracked (`max_in_flight`) to test politeness.
One server is one host (`127.0.0.1:PORT`); start two to have "another host".
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from demo.portal_server import StaticHandler, running_server


@dataclass
class Fault:
    """What to do instead of (or before) serving the file at a path.

    kind: "slow" (sleep `seconds`, then serve), "status" (answer `status`, e.g. 500 or 404,
    with `headers`), "reset" (drop the connection without an answer), "redirect" (302 to
    `location`), "raw" (answer 200 with `body` and `headers`; 304 when `headers` has an ETag
    the request's If-None-Match names), "trickle" (answer 200 with `body`, one byte every
    `seconds`). `times` limits how many
    requests get the fault (None: all); later requests are served normally.
    """

    kind: str
    times: int | None = None
    seconds: float = 0.0
    status: int = 500
    location: str = ""
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class PortalState:
    faults: dict[str, Fault] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    conditional_hits: Counter[str] = field(default_factory=Counter)
    request_delay: float = 0.0  # added to every request, so overlapping requests are observable
    in_flight: int = 0
    max_in_flight: int = 0
    user_agents: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def enter(self, path: str, conditional: bool, user_agent: str) -> Fault | None:
        with self.lock:
            self.hits[path] += 1
            self.conditional_hits[path] += int(conditional)
            self.user_agents.add(user_agent)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            fault = self.faults.get(path)
            if fault is None or (fault.times is not None and self.hits[path] > fault.times):
                return None
            return fault

    def leave(self) -> None:
        with self.lock:
            self.in_flight -= 1


class FaultyHandler(StaticHandler):
    def do_GET(self) -> None:
        state: PortalState = self.server.context
        path = self.path.split("?", 1)[0]
        conditional = bool(self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since"))
        fault = state.enter(path, conditional, self.headers.get("User-Agent", ""))
        try:
            if state.request_delay:
                time.sleep(state.request_delay)
        finally:
            # Counted out before the answer is sent: a client cannot send its next request on this
            # slot until it has the answer, so two requests seen in flight here are two at once.
            state.leave()
        if fault is None:
            self.serve_static()
        else:
            self.apply(fault)

    def apply(self, fault: Fault) -> None:
        if fault.kind == "slow":
            time.sleep(fault.seconds)
            self.serve_static()
        elif fault.kind == "status":
            self.send_text(fault.status, f"error {fault.status}", fault.headers)
        elif fault.kind == "redirect":
            self.send_text(302, "moved", {"Location": fault.location})
        elif fault.kind == "raw":
            etag = fault.headers.get("ETag")
            if etag and self.headers.get("If-None-Match") == etag:
                self.send_text(304, "", {"ETag": etag})
                return
            self.send_response(200)
            for name, value in fault.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(fault.body)))
            self.end_headers()
            self.wfile.write(fault.body)
        elif fault.kind == "trickle":
            self.send_response(200)
            self.send_header("Content-Length", str(len(fault.body)))
            self.end_headers()
            for byte in fault.body:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(fault.seconds)
        elif fault.kind == "reset":
            self.reset_connection()
        else:
            raise ValueError(f"unknown fault {fault.kind}")

    def reset_connection(self) -> None:
        """Close with RST (SO_LINGER 0) before any answer: the client sees a connection reset."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True


@contextmanager
def faulty_portal(root: Path) -> Iterator[tuple[str, PortalState]]:
    """(base URL, state) of a fault-injecting server for `root`."""
    state = PortalState()
    with running_server(root, FaultyHandler, context=state) as server:
        yield server.base_url, state


def write_files(root: Path, files: dict[str, str | bytes], encoding: str = "utf-8") -> None:
    """Write a portal tree: path -> text (encoded with `encoding`) or bytes."""
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
