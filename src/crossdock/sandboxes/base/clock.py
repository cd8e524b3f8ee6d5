"""A movable clock, so tests can make tokens, quotas and idempotency keys expire on demand."""

from __future__ import annotations

import time
from datetime import UTC, datetime


class Clock:
    """Wall-clock time plus an offset that the control API can push forward.

    Every time-dependent rule in a sandbox (token lifetimes, usage windows, rate limits,
    idempotency retention) reads this clock, never ``time.time()`` directly.
    """

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        """Seconds since the epoch, as the sandbox sees it."""
        return time.time() + self.offset

    def monotonic(self) -> float:
        """A monotonic reading that also moves with the offset (for rate limiters)."""
        return time.monotonic() + self.offset

    def now(self) -> datetime:
        """The sandbox's current time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.time(), tz=UTC)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        self.offset += seconds

    def reset(self) -> None:
        self.offset = 0.0
