"""The crawler connects only to global addresses, or exactly to a host the source names itself;
the address it checks is the address it connects to, resolved for each connection."""

from __future__ import annotations

import socket
from pathlib import Path

import httpcore
import pytest

from demo.portal_server import serve_directory
from pipeline.cli import main
from pipeline.crawl.addresses import AddressRefused, GlobalOnlyBackend, may_connect
from tests.conftest import REPO


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "100.100.100.200",
     "0.0.0.0", "::1", "fe80::1", "fd00::1", "198.18.0.1"],
)  # fmt: skip
def test_no_address_that_is_not_global_is_connected_to_unless_named(address: str) -> None:
    assert not may_connect("portal.example.gov.cn", address, frozenset({"portal.example.gov.cn"}))
    assert may_connect(address, address, frozenset({address}))  # an IP literal the source names


def test_global_addresses_may_be_connected_to() -> None:
    assert may_connect("www.gov.cn", "202.108.22.5", frozenset({"www.gov.cn"}))
    assert may_connect("www.gov.cn", "2400:da00::6666", frozenset({"www.gov.cn"}))


def test_the_shared_range_of_a_cloud_metadata_service_is_refused_before_connecting() -> None:
    backend = GlobalOnlyBackend(frozenset({"portal.example.gov.cn"}))
    with pytest.raises(AddressRefused, match=r"100\.100\.100\.200, not a global address"):
        backend.connect_tcp("100.100.100.200", 80, timeout=1)


def test_a_named_ip_literal_is_connected_to_as_named(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<html></html>", encoding="utf-8")
    with serve_directory(tmp_path) as base:
        port = int(base.rstrip("/").rsplit(":", 1)[1])
        stream = GlobalOnlyBackend(frozenset({"127.0.0.1"})).connect_tcp("127.0.0.1", port, timeout=5)
        stream.close()
        with pytest.raises(AddressRefused):
            GlobalOnlyBackend(frozenset({"127.0.0.2"})).connect_tcp("127.0.0.1", port, timeout=5)


def loopback_hostname() -> str:
    """This machine's own name when it resolves only to a loopback address (as /etc/hosts says)."""
    name = socket.gethostname()
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(name, 80, type=socket.SOCK_STREAM)}
    except OSError:
        pytest.skip(f"this machine's name {name} does not resolve")
    if not addresses or not all(a.startswith("127.") or a == "::1" for a in addresses):
        pytest.skip(f"this machine's name {name} resolves to {addresses}, not only to loopback")
    return name


def test_a_portal_name_that_resolves_to_a_private_address_is_refused_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = loopback_hostname()
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "index.html").write_text("<html><a href='/a.pdf'>年报</a></html>", encoding="utf-8")
    with serve_directory(tmp_path / "www", host="0.0.0.0") as base:
        port = base.rstrip("/").rsplit(":", 1)[1]
        sources = tmp_path / "sources.yaml"
        sources.write_text(
            f'sources:\n  - region_code: "370323"\n    region_name: 沂源县\n'
            f"    listing_urls: [http://{name}:{port}/index.html]\n",
            encoding="utf-8",
        )
        status = main(["run", "--sources", str(sources), "--output", str(tmp_path / "out"), "--workers", "1"])
    assert status == 1
    capsys.readouterr()
    assert main(["sources", "--sources", str(sources), "--output", str(tmp_path / "out")]) == 0
    assert f"refused: {name.lower()} resolves to 127.0.0.1, not a global address" in capsys.readouterr().out


def test_the_backend_resolves_for_each_connection() -> None:
    """No process-long cache: the lookup is inside connect_tcp (a cached lookup could be rebound)."""
    source = (REPO / "pipeline" / "crawl" / "addresses.py").read_text(encoding="utf-8")
    assert "lru_cache" not in source and "functools" not in source
    with pytest.raises(httpcore.ConnectError, match="cannot resolve"):
        GlobalOnlyBackend(frozenset({"no-such-host.invalid"})).connect_tcp(
            "no-such-host.invalid", 80, timeout=2
        )
