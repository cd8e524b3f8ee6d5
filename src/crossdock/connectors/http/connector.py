"""The base of every vendor's client: the vendor's clock, the ``VendorClient``s it opens with
one transport, retry policy and timeouts, and their closing (``async with`` or ``aclose``);
and its settings, validated."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar

import anyio
import httpx
from pydantic import BaseModel, ValidationError

from crossdock.connectors.http.client import (
    ErrorMapper,
    HttpOptions,
    ResponseHook,
    VendorClient,
    build_http_client,
)
from crossdock.connectors.http.clock import ServerClock
from crossdock.connectors.http.ratelimit import RateLimiter
from crossdock.connectors.http.retry import RetryPolicy
from crossdock.errors import FixRequest

M = TypeVar("M", bound=BaseModel)


class ConnectorClient:
    """One credential's way to a vendor. A subclass builds its auth, then opens its
    ``VendorClient``s with ``connect``; closing the client closes them all.

    ``server_clock`` follows the vendor's ``Date`` headers on every client opened with
    ``observe_clock`` (the default), for streams' "changed since" moments.
    """

    def __init__(
        self,
        *,
        vendor: str,
        errors: ErrorMapper,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        options: HttpOptions | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.server_clock = ServerClock(clock)
        self._vendor = vendor
        self._errors = errors
        self._transport = transport
        self._retry = retry
        self._options = options
        self._sleep = sleep
        self._opened: list[VendorClient] = []

    def connect(
        self,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        headers: Mapping[str, str] | None = None,
        rate_limiter: RateLimiter | None = None,
        response_hooks: Sequence[ResponseHook] = (),
        observe_clock: bool = True,
    ) -> VendorClient:
        """A ``VendorClient`` for ``base_url``, closed with this client."""
        hooks = [self.server_clock.observe, *response_hooks] if observe_clock else response_hooks
        http = build_http_client(
            base_url,
            auth=auth,
            transport=self._transport,
            rate_limiter=rate_limiter,
            headers=headers,
            options=self._options,
            response_hooks=hooks,
        )
        api = VendorClient(
            http, vendor=self._vendor, errors=self._errors, retry=self._retry, sleep=self._sleep
        )
        self._opened.append(api)
        return api

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for api in self._opened:
            await api.aclose()


def validate_settings(model: type[M], settings: M | Mapping[str, Any], label: str) -> M:
    """``settings`` as ``model``; the first invalid field is a ``FixRequest`` naming it, in a
    message that starts with ``label`` (``"CRO settings"``)."""
    if isinstance(settings, model):
        return settings
    try:
        return model.model_validate(dict(settings))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise FixRequest(f"{label}: {field}: {first['msg']}", field=field) from None
