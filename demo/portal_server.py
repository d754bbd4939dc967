"""Serve a folder of static files over HTTP, like a county portal, for the demo and the tests.

`serve_directory(root)` runs the server in the background; `StaticHandler` says what it answers.
"""

from __future__ import annotations

import email.utils
import hashlib
import mimetypes
import posixpath
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

CHARSET_SIDECAR = ".charset"
_EXTRA_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".doc": "application/msword",
    ".wps": "application/kswps",
    ".ofd": "application/ofd",
    ".html": "text/html",
    ".htm": "text/html",
    ".shtml": "text/html",
    ".txt": "text/plain",
    ".json": "application/json",
}
_TEXT_TYPES = ("text/", "application/json", "application/xml")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)


class PortalServer(ThreadingHTTPServer):
    """A threading HTTP server that knows the folder it serves and carries handler state."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[StaticHandler], root: Path, context: Any):
        super().__init__(address, handler)
        self.root = root.resolve()
        self.context = context

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client closing a kept-alive connection (or timing out) is routine, not worth a traceback.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class StaticHandler(BaseHTTPRequestHandler):
    """Answers GET and HEAD with the files under the server's root, like a county portal.

    * sends a strong `ETag` (from the file's bytes) and `Last-Modified` (its mtime) and answers
      `If-None-Match` / `If-Modified-Since` with 304;
    * sets `Content-Type` (with a charset for text) as `content_type_for` says;
    * serves `index.html` for a directory URL and refuses paths that leave `root`; sidecar
      `.charset` files themselves are not served.

    `tests/faulty_portal.py` subclasses it to inject faults.
    """

    server: PortalServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.serve_static(send_body=True)

    def do_HEAD(self) -> None:
        self.serve_static(send_body=False)

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: tests and the demo print their own progress

    def serve_static(self, send_body: bool = True) -> None:
        path = self.file_for(self.path)
        if path is None:
            self.send_text(404, "not found")
            return
        body = path.read_bytes()
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        mtime = int(path.stat().st_mtime)
        if self.is_not_modified(etag, mtime):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", email.utils.formatdate(mtime, usegmt=True))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", content_type_for(path, body))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", email.utils.formatdate(mtime, usegmt=True))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def file_for(self, url_path: str) -> Path | None:
        """The file a URL path names inside root, or None (missing, sidecar, or outside root)."""
        clean = posixpath.normpath(unquote(urlsplit(url_path).path))
        candidate = (self.server.root / clean.lstrip("/")).resolve()
        if not candidate.is_relative_to(self.server.root):
            return None
        if candidate.is_dir():
            candidate = candidate / "index.html"
        if not candidate.is_file() or candidate.name.endswith(CHARSET_SIDECAR):
            return None
        return candidate

    def is_not_modified(self, etag: str, mtime: int) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            return etag in [tag.strip() for tag in if_none_match.split(",")] or if_none_match.strip() == "*"
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                parsed = email.utils.parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False
            return mtime <= int(parsed.timestamp())
        return False

    def send_text(self, status: int, text: str, extra: dict[str, str] | None = None) -> None:
        body = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def content_type_for(path: Path, body: bytes) -> str:
    """Content-Type from the extension (.pdf, .docx, .doc, .wps, .ofd, .html ...), with a charset for text.

    The charset of an HTML/text file: from a sidecar file `<name>.charset` next to the file
    (e.g. `index.html.charset` containing `gbk`), otherwise from the page's own
    `<meta charset>` / `http-equiv` declaration, otherwise `utf-8` when the bytes are UTF-8,
    otherwise none.
    """
    suffix = path.suffix.lower()
    ctype = _EXTRA_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if not ctype.startswith(_TEXT_TYPES):
        return ctype
    charset = charset_for(path, body)
    return f"{ctype}; charset={charset}" if charset else ctype


def charset_for(path: Path, body: bytes) -> str | None:
    sidecar = path.with_name(path.name + CHARSET_SIDECAR)
    if sidecar.is_file():
        return sidecar.read_text(encoding="ascii").strip() or None
    declared = _META_CHARSET.search(body[:2048])
    if declared:
        return declared.group(1).decode("ascii").lower()
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "utf-8"


@contextmanager
def running_server(
    root: Path,
    handler: type[StaticHandler] = StaticHandler,
    context: Any = None,
    host: str = "127.0.0.1",
    port: int = 0,
) -> Iterator[PortalServer]:
    """A started server (in a daemon thread), shut down on exit."""
    server = PortalServer((host, port), handler, root, context)
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name=f"portal-{server.base_url}", daemon=True
    )
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def serve_directory(root: Path, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve `root` over HTTP in the background; yields the base URL, e.g. http://127.0.0.1:8765.

    A `ThreadingHTTPServer` on 127.0.0.1 (by default, on a free port) in a background thread.
    """
    with running_server(root, host=host, port=port) as server:
        yield server.base_url
