"""What the vendors' stream tests share: the sandbox in process or served, reading a stream to
its end, counting what was read against what the sandbox holds, and a vendor whose clock is
behind ours. No tests here."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from crossdock.connectors.http import Checkpoint, Page, Record


def asgi(app: Any) -> httpx.ASGITransport:
    # The sandbox's "drop" fault raises inside the app; in process that must reach the client
    # as the cut-short body a real connection would deliver.
    return httpx.ASGITransport(app, raise_app_exceptions=False)


def sandbox(
    request: pytest.FixtureRequest, make_app: Callable[[], Any], live: str, base_url: str
) -> tuple[Any, str, httpx.AsyncBaseTransport | None]:
    """For a fixture with ``params=["asgi", "uvicorn"]``: a new sandbox reached in process at
    ``base_url``, or the module's served one (``live`` names its fixture), reset."""
    if request.param == "asgi":
        app = make_app()
        return app, base_url, asgi(app)
    app, url = request.getfixturevalue(live)
    app.state.sandbox.reset()
    return app, url, None


async def read_all(
    stream: Any, since: Checkpoint | None = None, pages: list[Page] | None = None
) -> list[Record]:
    """Every record of a run from ``since``; its pages go to ``pages`` too."""
    records: list[Record] = []
    async for page in stream.pages(since):
        records += page.records
        if pages is not None:
            pages.append(page)
    return records


def assert_once(
    records: Iterable[Record],
    expected: Iterable[object],
    *,
    key: str,
    what: str,
    where: str = "the sandbox",
) -> None:
    """Each of ``expected`` read exactly once (by ``key``), and nothing else."""
    counts = Counter(r[key] for r in records)
    wanted = set(expected)
    duplicated = {i: n for i, n in counts.items() if n > 1}
    assert duplicated == {}, f"read more than once: {duplicated}"
    assert set(counts) - wanted == set(), f"read {what} {where} does not have"
    assert wanted - set(counts) == set(), f"{what} lost"


def clock_behind(app: Any, seconds: float) -> Any:
    """The vendor as served from a host whose clock is ``seconds`` behind ours."""

    async def dated(scope: Any, receive: Any, send: Any) -> None:
        async def send_dated(message: Any) -> None:
            if message["type"] == "http.response.start":
                moment = datetime.now(UTC) - timedelta(seconds=seconds)
                date = (b"date", format_datetime(moment, usegmt=True).encode())
                message = {**message, "headers": [*message.get("headers", []), date]}
            await send(message)

        await app(scope, receive, send_dated)

    return dated
