"""The way out to a vendor: ``build_http_client`` makes the pooled ``httpx.AsyncClient`` (the
transport is a parameter, so tests pass ``httpx.ASGITransport`` or reach a real server), and
``VendorClient`` sends through it with retries, error mapping and paging.

Which requests are retried: every request whose error the policy names (by default the
``RetryLater`` family: connection failures, timeouts, cut-short bodies, 408, 429, 5xx), if the
request is safe to send twice. Reads and ``PUT``/``DELETE`` are; a write the caller marks
``idempotent`` (it carries an idempotency key) is; any other write only when the request
certainly never left (no connection), or was refused with 429, or when the caller gives a
``landed`` check that can tell, after a failed retry, whether an earlier attempt created the
record after all.
"""

from __future__ import annotations

import functools
import json as jsonlib
import random
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import anyio
import httpx
import structlog

from crossdock.connectors.http.errors import ConnectionFailed, connection_error
from crossdock.connectors.http.paging import PageRequest, Paginator, dig
from crossdock.connectors.http.ratelimit import RateLimitedTransport, RateLimiter
from crossdock.connectors.http.retry import RetryPolicy
from crossdock.connectors.http.transport import pooled_transport
from crossdock.errors import CrossdockError, GiveUp, Throttled

log = structlog.get_logger("crossdock.connectors.http")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

ErrorMapper = Callable[[httpx.Response], CrossdockError]
"""A vendor's error response as a Crossdock error: one such function per vendor."""

Landed = Callable[[CrossdockError], Awaitable[httpx.Response | None]]
"""After a retried write fails, find the record an earlier attempt created (or None)."""

ResponseHook = Callable[[httpx.Response], Awaitable[None]]


@dataclass(frozen=True)
class HttpOptions:
    """Timeouts and the connection pool of one vendor client."""

    timeout: httpx.Timeout = field(default_factory=lambda: httpx.Timeout(30.0, connect=10.0))
    max_connections: int = 10
    keepalive_expiry: float = 30.0
    user_agent: str = "Crossdock"


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The certificate store every vendor client verifies with, loaded once per process:
    loading it costs about 30 ms, and publishing opens clients per batch."""
    return httpx.create_ssl_context()


def build_http_client(
    base_url: str,
    *,
    auth: httpx.Auth | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    rate_limiter: RateLimiter | None = None,
    headers: Mapping[str, str] | None = None,
    options: HttpOptions | None = None,
    response_hooks: Sequence[ResponseHook] = (),
) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` for one vendor credential, keep-alive pooled, timeouts explicit.

    ``transport`` defaults to a pooled HTTP transport; a ``rate_limiter`` wraps whichever
    transport is used, so every request with the credential (logins and retries too) waits
    for its bucket. ``response_hooks`` see every response, before any error mapping: the
    vendor's clock (``ServerClock.observe``), usage headers to report (Custom Trades'
    ``X-Usage-*``).
    """
    options = options or HttpOptions()
    inner = transport or pooled_transport(
        ssl_context=tls_context(),
        max_connections=options.max_connections,
        keepalive_expiry=options.keepalive_expiry,
    )
    if rate_limiter is not None:
        inner = RateLimitedTransport(inner, rate_limiter)
    return httpx.AsyncClient(
        base_url=base_url,
        auth=auth,
        transport=inner,
        timeout=options.timeout,
        headers={"User-Agent": options.user_agent, "Accept": "application/json", **(headers or {})},
        follow_redirects=False,
        event_hooks={"response": list(response_hooks)},
    )


@dataclass(frozen=True)
class RawPage:
    """One page as read: its records and body, the request that got it, the next one (None
    after the last page) and, on the last page, problems the paginator noticed."""

    records: Sequence[Any]
    body: Any
    sent: PageRequest
    following: PageRequest | None
    number: int
    problems: tuple[CrossdockError, ...] = ()


class VendorClient:
    """Requests to one vendor with one credential: retried, mapped to Crossdock's errors, paged.

    ``vendor`` names the vendor in error messages. ``errors`` maps the vendor's error
    responses. ``sleep`` and ``rng`` are how waits happen (tests may pass a policy
    ``without_waiting()`` instead).
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        vendor: str,
        errors: ErrorMapper,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.http = http
        self.vendor = vendor
        self.errors = errors
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()

    async def __aenter__(self) -> VendorClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.http.aclose()

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        landed: Landed | None = None,
    ) -> httpx.Response:
        """Send until it succeeds, a non-retryable error comes, or the policy runs out.

        ``idempotent`` overrides the method's default (True for a write with an idempotency
        key, True for a read sent as POST). Returns the successful response, read.
        """
        method = method.upper()
        safe = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        policy = self.retry
        deadline = None if policy.deadline is None else time.monotonic() + policy.deadline
        attempt = 0
        while True:
            attempt += 1
            outcome = await self._attempt(method, url, params, json, headers)
            if isinstance(outcome, httpx.Response):
                return outcome
            error = outcome
            wait = policy.wait(attempt, error, self._rng)
            retry = policy.retries(error) and attempt < policy.attempts
            if retry and not safe and landed is None:
                retry = isinstance(error, Throttled) or (
                    isinstance(error, ConnectionFailed) and not error.may_have_landed
                )
            if retry and deadline is not None and time.monotonic() + wait > deadline:
                retry = False
            if not retry:
                if landed is not None and attempt > 1:
                    found = await landed(error)
                    if found is not None:
                        log.info("write had landed", vendor=self.vendor, method=method, url=url)
                        return found
                raise error
            log.warning(
                "retrying",
                vendor=self.vendor,
                method=method,
                url=url,
                attempt=attempt,
                wait=round(wait, 3),
                reason=error.detail,
            )
            if wait > 0:
                await self._sleep(wait)

    async def _attempt(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        json: Any,
        headers: Mapping[str, str] | None,
    ) -> httpx.Response | CrossdockError:
        try:
            response = await self.http.request(
                method, url, params=params, json=json, headers=headers
            )
        except httpx.TransportError as exc:
            return connection_error(self.vendor, exc)
        except CrossdockError as exc:  # an auth flow could not log in
            return exc
        declared = response.headers.get("content-length", "")
        encoded = response.headers.get("content-encoding", "identity") != "identity"
        if method != "HEAD" and not encoded and declared.isdigit():
            cut_short = int(declared) != len(response.content)
        else:
            cut_short = False  # a compressed body's length is not the declared one
        if cut_short:
            # A real connection raises for this; transports that do not check are caught here.
            return ConnectionFailed(
                f"{self.vendor}: the response was cut short "
                f"({len(response.content)} of {declared} bytes)"
            )
        if response.is_success:
            return response
        return self.errors(response)

    def decode(self, response: httpx.Response) -> Any:
        """The response's JSON; a body that is not JSON is the vendor's fault, not ours."""
        try:
            return jsonlib.loads(response.content)
        except ValueError:
            raise GiveUp(
                f"{self.vendor}: the answer to {response.request.method} "
                f"{response.request.url.path} is not JSON"
            ) from None

    async def pages(
        self,
        url: str,
        paginator: Paginator,
        *,
        records: str | Callable[[Any], Any],
        method: str = "GET",
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> AsyncIterator[RawPage]:
        """Read page after page as ``paginator`` directs; ``records`` locates each page's list.

        Reads are retried like any idempotent request, POST-based ones (RPC queries) too.
        """
        request: PageRequest | None = paginator.first(
            PageRequest(params=dict(params or {}), json=json)
        )
        number = 0
        while request is not None:
            response = await self.request(
                method, url, params=request.params, json=request.json, idempotent=True
            )
            body = self.decode(response)
            items = dig(body, records) if isinstance(records, str) else records(body)
            if not isinstance(items, list):
                raise GiveUp(f"{self.vendor}: a page of {url} has no list of records")
            following = paginator.next(request, response, body, items)
            number += 1
            problems: tuple[CrossdockError, ...] = ()
            if following is None:
                problems = tuple(paginator.problems)
            yield RawPage(items, body, request, following, number, problems)
            request = following
