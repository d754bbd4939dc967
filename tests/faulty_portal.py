"""A fault-injecting portal server on 127.0.0.1 for the crawler tests.

Built on `demo.portal_server` (static files, ETag/Last-Modified, 304s). Faults are set
per URL path on `PortalState.faults`; every request is counted per path (`hits`) and the
number of requests in flight at once is tracked (`max_in_flight`) to test politeness.
One server is one host (`127.0.0.1:PORT`); start two to have "another host".
"""

from __future__ import annotations

import json
import math
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from demo.portal_server import StaticHandler, running_server

# An API answer: (path, query and form parameters, the base URL the client asked) -> (type, body).
Api = Callable[[str, dict[str, str], str], tuple[str, bytes]]


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
    methods: Counter[tuple[str, str]] = field(default_factory=Counter)  # (method, path) of API calls
    apis: dict[str, Api] = field(default_factory=dict)  # path (or path prefix ending "/") -> answer
    lock: threading.Lock = field(default_factory=threading.Lock)

    def api_for(self, path: str) -> Api | None:
        if path in self.apis:
            return self.apis[path]
        return next(
            (api for prefix, api in self.apis.items() if prefix.endswith("/") and path.startswith(prefix)),
            None,
        )

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
    def do_POST(self) -> None:
        state: PortalState = self.server.context
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(parse_qsl(self.rfile.read(length).decode("utf-8"))) if length else {}
        path = self.path.split("?", 1)[0]
        state.enter(path, False, self.headers.get("User-Agent", ""))
        state.leave()
        api = state.api_for(path)
        if api is None:
            self.send_text(405, "method not allowed")
            return
        self.answer_api(api, path, form, "POST")

    def answer_api(self, api: Api, path: str, form: dict[str, str], method: str) -> None:
        state: PortalState = self.server.context
        with state.lock:
            state.methods[(method, path)] += 1
        params = dict(parse_qsl(urlsplit(self.path).query)) | form
        content_type, body = api(path, params, f"http://{self.headers.get('Host', '')}")
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

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
        api = state.api_for(path) if fault is None else None
        if api is not None:
            self.answer_api(api, path, {}, "GET")
        elif fault is None:
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


# ---- the CMS platforms' list APIs (the fixture portals' api.json; tests/fixtures/portals/README.md)


def platform_apis(spec: dict[str, object]) -> dict[str, Api]:
    """The API a fixture portal's `api.json` describes, as the platform answers it."""
    kind = spec["kind"]
    if kind == "hanweb":
        return {str(spec["path"]): partial(hanweb_dataproxy, spec)}
    if kind == "ssp":
        return {str(spec["path"]): partial(ssp_search, spec)}
    if kind == "gkmlpt":
        return {"/gkmlpt/api/all/": partial(gkmlpt_api, spec)}
    if kind == "catalog":
        return {str(spec["path"]): partial(catalog_page, spec)}
    raise ValueError(f"unknown platform API {kind}")


def hanweb_dataproxy(
    spec: dict[str, Any], _path: str, params: dict[str, str], _base: str
) -> tuple[str, bytes]:
    """大汉 jpage's dataproxy.jsp: records startrecord..endrecord of the column, as <datastore> XML."""
    records: list[str] = spec["records"] if params.get("columnid") == spec["columnid"] else []
    start, end = int(params.get("startrecord") or 1), int(params.get("endrecord") or len(records))
    per_page = int(params.get("perpage") or 15)
    chosen = "".join(f"<record><![CDATA[{r}]]></record>" for r in records[start - 1 : end])
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><datastore>'
        f"<totalrecord>{len(records)}</totalrecord>"
        f"<totalpage>{math.ceil(len(records) / per_page)}</totalpage>"
        f"<recordset>{chosen}</recordset></datastore>"
    )
    return "text/xml;charset=UTF-8", xml.encode("utf-8")


def ssp_search(spec: dict[str, Any], _path: str, params: dict[str, str], _base: str) -> tuple[str, bytes]:
    """福建's TRS search API (/ssp/search/api/...): one page of `datas`, with `total`."""
    datas: list[dict[str, str]] = spec["datas"] if params.get("siteId") == spec["siteId"] else []
    page, rows = int(params.get("page") or 1), int(params.get("rows") or 10)
    answer = {
        "total": len(datas),
        "page": page,
        "rows": rows,
        "datas": datas[(page - 1) * rows : page * rows],
    }
    return "application/json;charset=UTF-8", json.dumps(answer, ensure_ascii=False).encode("utf-8")


def gkmlpt_api(spec: dict[str, Any], path: str, params: dict[str, str], base: str) -> tuple[str, bytes]:
    """广东 gkmlpt's /gkmlpt/api/all/<catid>?page=N&sid=S: `articles` with absolute URLs, `total`."""
    catid = path.rsplit("/", 1)[-1]
    found = spec["articles"] if params.get("sid") == spec["sid"] and catid in (spec["catid"], "0") else []
    size, page = int(spec["page_size"]), int(params.get("page") or 1)
    articles = [a | {"url": base + a["url"]} for a in found[(page - 1) * size : page * size]]
    answer = {"total": len(found), "page": page, "articles": articles, "classify": {"id": catid}}
    return "application/json;charset=UTF-8", json.dumps(answer, ensure_ascii=False).encode("utf-8")


def catalog_page(spec: dict[str, Any], _path: str, params: dict[str, str], _base: str) -> tuple[str, bytes]:
    """A 信息公开目录 page: the table's rows of page `pageNum`, a script-only pager."""
    size, rows = int(spec["page_size"]), spec["rows"]
    pages, page = math.ceil(len(rows) / size), int(params.get("pageNum") or 1)
    body = "".join(
        f"<tr><td>{r['index_no']}</td><td><a href='{r['url']}' title='{r['title']}'>{r['title']}</a></td>"
        f"<td>{r['doc_no']}</td><td>{r['date']}</td></tr>"
        for r in rows[(page - 1) * size : page * size]
    )
    html = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>政府信息公开目录</title></head><body>"
        "<div class='nav'><a href='/'>首页</a><a href='/xxgk/'>政务公开</a></div>"
        "<table class='xxgk-table'><tr><th>索引号</th><th>信息名称</th>"
        "<th>文件编号</th><th>发布日期</th></tr>"
        f"{body}</table><div class='pager'>共 {pages} 页 当前第 {page} 页 "
        f"<a href='javascript:goPage({page + 1})'>下一页</a></div>"
        "<script>function goPage(n) { location.href = 'list.jsp?pageNum=' + n; }</script></body></html>"
    )
    return "text/html; charset=utf-8", html.encode("utf-8")


@contextmanager
def fixture_portal(folder: Path) -> Iterator[tuple[str, PortalState]]:
    """A fixture portal (tests/fixtures/portals/<name>): its site, and its platform's API if any."""
    with faulty_portal(folder / "site") as (base, state):
        api = folder / "api.json"
        if api.is_file():
            state.apis.update(platform_apis(json.loads(api.read_text(encoding="utf-8"))))
        yield base, state
