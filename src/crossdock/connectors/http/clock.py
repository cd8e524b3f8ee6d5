"""The vendor's clock as seen from here, for "changed since" filters that must not run ahead.

An incremental read asks for records changed since the moment its run began; if that moment
comes from a local clock that is ahead of the vendor's, changes in between are never read.
``ServerClock`` reads the vendor's ``Date`` header on every response and moves local time back
by however far the vendor's clock is behind (never forward: an early "since" only re-reads).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime

import httpx


class ServerClock:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.behind = 0.0

    def now(self) -> float:
        """Seconds since the epoch, no later than the vendor's own clock as last observed."""
        return self.clock() - self.behind

    async def observe(self, response: httpx.Response) -> None:
        """An httpx response hook. ``Date`` has whole seconds, which only errs earlier."""
        value = response.headers.get("date")
        if not value:
            return
        try:
            vendor_time = parsedate_to_datetime(value).timestamp()
        except (TypeError, ValueError):
            return
        self.behind = max(0.0, self.clock() - vendor_time)
