"""Proactive rate limiting per credential: a token bucket every request with that credential
passes through before it is sent, so a connector at its limit waits instead of meeting 429s.

The bucket's state lives behind ``RateLimitBackend``: ``MemoryRateLimitBackend`` shares it
between every client of one process; a database or Redis backend can share it between
workers by implementing the same one method. ``RateLimitedTransport`` wraps any httpx
transport, so logins, retries and pages all count.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

import anyio
import httpx


@dataclass(frozen=True)
class RateLimit:
    """``rate`` requests per second sustained, up to ``burst`` at once after a quiet spell."""

    rate: float
    burst: int = 1

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.burst < 1:
            raise ValueError("a rate limit needs a positive rate and a burst of at least 1")


class RateLimitBackend(Protocol):
    """Where buckets live. One method, so a shared store can implement it atomically."""

    async def reserve(self, key: str, limit: RateLimit) -> float:
        """Take one token from ``key``'s bucket; return the seconds to wait before sending.

        A reservation is never given back: the token may go negative, which queues later
        callers behind earlier ones in order (a reservation-style token bucket).
        """
        ...


class MemoryRateLimitBackend:
    """Buckets in this process's memory, shared by every client given this backend."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    async def reserve(self, key: str, limit: RateLimit) -> float:
        # No await between read and write: atomic within the event loop.
        now = self._clock()
        tokens, at = self._buckets.get(key, (float(limit.burst), now))
        tokens = min(float(limit.burst), tokens + (now - at) * limit.rate) - 1.0
        self._buckets[key] = (tokens, now)
        return 0.0 if tokens >= 0 else -tokens / limit.rate


class RateLimiter:
    """One credential's bucket: ``await limiter.acquire()`` before each request."""

    def __init__(
        self,
        key: str,
        limit: RateLimit,
        backend: RateLimitBackend,
        *,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        self.key = key
        self.limit = limit
        self.backend = backend
        self._sleep = sleep

    async def acquire(self) -> None:
        wait = await self.backend.reserve(self.key, self.limit)
        if wait > 0:
            await self._sleep(wait)


class RateLimitedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that waits for its limiter before handing each request on."""

    def __init__(self, inner: httpx.AsyncBaseTransport, limiter: RateLimiter) -> None:
        self.inner = inner
        self.limiter = limiter

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await self.limiter.acquire()
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()
