"""The pooled transport against a real socket server: connections are kept alive and reused,
and one the server closed while idle is noticed (its socket reads as readable at EOF) and
replaced before a request is sent on it."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from crossdock.connectors.http.client import tls_context
from crossdock.connectors.http.transport import pooled_transport

pytestmark = pytest.mark.anyio

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok"


async def test_connections_are_reused_and_a_closed_idle_one_is_replaced() -> None:
    connections: list[asyncio.StreamWriter] = []
    close_after_answer = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        try:
            while True:
                try:
                    await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    break  # the client closed the connection
                writer.write(RESPONSE)
                await writer.drain()
                if close_after_answer.is_set():
                    break  # the server ends the keep-alive connection while it is idle
        finally:
            writer.close()
            await writer.wait_closed()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    transport = pooled_transport(ssl_context=tls_context(), max_connections=4, keepalive_expiry=30)
    async with server, httpx.AsyncClient(transport=transport) as client:
        for _ in range(3):
            assert (await client.get(f"http://127.0.0.1:{port}/")).text == "ok"
        assert len(connections) == 1  # kept alive and reused

        close_after_answer.set()
        assert (await client.get(f"http://127.0.0.1:{port}/")).text == "ok"
        await asyncio.sleep(0.05)  # the server's close reaches the client's socket
        assert (await client.get(f"http://127.0.0.1:{port}/")).text == "ok"
        assert len(connections) == 2  # the closed connection was not used again

        # Requests in parallel open parallel connections, up to the pool's limit.
        close_after_answer.clear()
        answers = await asyncio.gather(*(client.get(f"http://127.0.0.1:{port}/") for _ in range(8)))
        assert {a.text for a in answers} == {"ok"}
        assert 2 < len(connections) <= 2 + 4
