"""Which addresses the crawler may connect to: global ones, or exactly the hosts a source names."""

from __future__ import annotations

import ipaddress
import socket
import typing

import httpcore
import httpx


class AddressRefused(Exception):
    """The host resolves only to addresses the crawler must not connect to."""


def is_ip_literal(hostname: str) -> bool:
    try:
        ipaddress.ip_address(hostname)
    except ValueError:
        return False
    return True


def may_connect(hostname: str, address: str, named: frozenset[str]) -> bool:
    """A global address, or the address a source names itself (an IP literal, or `localhost`).

    `not is_global` covers private, loopback, link-local, shared (100.64.0.0/10, where a cloud
    metadata service may answer), reserved and documentation ranges.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.is_global:
        return True
    if hostname in named and is_ip_literal(hostname):
        return ip == ipaddress.ip_address(hostname)
    return hostname in named and hostname == "localhost" and ip.is_loopback


class GlobalOnlyBackend(httpcore.NetworkBackend):
    """httpcore's network backend, resolving each host itself and connecting only to the address
    it checked (no cached lookup: the checked address is the connected one, each connection)."""

    def __init__(self, named_hostnames: frozenset[str]) -> None:
        self.named = frozenset(h.lower() for h in named_hostnames)
        self._sync = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        hostname = host.lower().strip("[]")
        addresses = resolve(hostname, port)
        allowed = [a for a in addresses if may_connect(hostname, a, self.named)]
        if not allowed:
            shown = ", ".join(addresses)
            raise AddressRefused(f"refused: {hostname} resolves to {shown}, not a global address")
        last: Exception | None = None
        for address in allowed:
            try:
                return self._sync.connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                last = exc
        assert last is not None
        raise last

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise AddressRefused("refused: unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:
        self._sync.sleep(seconds)


def resolve(hostname: str, port: int) -> list[str]:
    """The host's addresses, in the resolver's order; an IP literal is itself."""
    if is_ip_literal(hostname):
        return [hostname]
    try:
        infos = socket.getaddrinfo(hostname, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise httpcore.ConnectError(f"cannot resolve {hostname}: {exc}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over `GlobalOnlyBackend` (httpx has no option for a network backend)."""

    def __init__(self, named_hostnames: frozenset[str]) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=GlobalOnlyBackend(named_hostnames),
        )
