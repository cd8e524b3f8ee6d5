"""The pooled HTTP transport every vendor client uses by default: httpx's, over httpcore's
connection pool, with one change to how the pool's connections reach their sockets.

httpcore's pool asks each idle connection "has the server closed you?" whenever a request
starts or ends, and a connection answers by asking its stream whether the socket is readable.
Over anyio that question goes through anyio's typed attributes, which build a dictionary of
callables each time: about 20 microseconds, asked tens of times per request once a few
requests are in flight, which made it a fifth of the hub's work when publishing. Here each
stream keeps its socket from the start and answers the question directly, with the same check
httpcore makes. Everything else is httpcore's own.
"""

from __future__ import annotations

import ssl
import typing

import httpcore
import httpx
from httpcore._utils import is_socket_readable

__all__ = ["pooled_transport"]


class _Stream(httpcore.AsyncNetworkStream):
    """A network stream whose socket is looked up once, not on every question."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        # The TLS stream wraps the same socket.
        return _Stream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "is_readable":
            return is_socket_readable(self._socket)
        if info == "socket":
            return self._socket
        return self._inner.get_extra_info(info)


class _Backend(httpcore.AsyncNetworkBackend):
    """httpcore's own backend for the running event loop, its streams wrapped."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(
            await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def pooled_transport(
    *, ssl_context: ssl.SSLContext, max_connections: int, keepalive_expiry: float
) -> httpx.AsyncHTTPTransport:
    """httpx's transport (its request and error mapping) over a pool of our streams."""
    transport = httpx.AsyncHTTPTransport(
        verify=ssl_context,
        limits=httpx.Limits(
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=keepalive_expiry,
        ),
        retries=0,  # retries are VendorClient's, with backoff and rules about writes
    )
    # httpx builds its pool without a way to pass a network backend; the same pool, with one.
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=ssl_context,
        max_connections=max_connections,
        max_keepalive_connections=max_connections,
        keepalive_expiry=keepalive_expiry,
        retries=0,
        network_backend=_Backend(),
    )
    return transport
