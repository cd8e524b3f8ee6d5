"""Retry policies: which errors are retried, how long to wait, and Retry-After with a cap.

A policy names what it retries (``on``, exception classes of Crossdock's error tree, as
stamina's ``retry(on=...)`` does) and computes exponential backoff with jitter. Whether a
given request may be retried at all (a write that could land twice) is the client's call,
not the policy's. Tests switch waiting off with ``policy.without_waiting()``: every retry
still happens, immediately.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from crossdock.errors import CrossdockError, RetryLater


@dataclass(frozen=True)
class RetryPolicy:
    """Retry ``on`` these errors, up to ``attempts`` tries in all, within ``deadline`` seconds.

    The wait before try ``n + 1`` is ``min(wait_max, wait_initial * wait_exp_base ** (n - 1))``
    plus up to ``wait_jitter`` seconds at random, unless the error carries ``Retry-After``:
    then that, capped at ``retry_after_cap``. A ``Retry-After`` beyond ``retry_after_limit``
    (a quota spent until tomorrow) is not retried at all: the error goes back to the caller,
    ``Retry-After`` and all, for the sync engine to schedule the work again.
    """

    on: tuple[type[BaseException], ...] = (RetryLater,)
    attempts: int = 6
    wait_initial: float = 0.5
    wait_exp_base: float = 2.0
    wait_max: float = 30.0
    wait_jitter: float = 0.5
    retry_after_cap: float = 60.0
    retry_after_limit: float = 600.0
    deadline: float | None = 300.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("a retry policy needs at least one attempt")

    def retries(self, error: BaseException) -> bool:
        if not isinstance(error, self.on):
            return False
        retry_after = retry_after_of(error)
        return retry_after is None or retry_after <= self.retry_after_limit

    def wait(self, attempt: int, error: BaseException, rng: random.Random) -> float:
        """Seconds to wait after failed try number ``attempt`` (1-based)."""
        retry_after = retry_after_of(error)
        if retry_after is not None:
            return min(retry_after, self.retry_after_cap)
        backoff = self.wait_initial * self.wait_exp_base ** (attempt - 1)
        jitter = rng.uniform(0.0, self.wait_jitter) if self.wait_jitter > 0 else 0.0
        return min(self.wait_max, backoff + jitter)

    def without_waiting(self) -> RetryPolicy:
        """The same policy with every wait at zero, Retry-After included (for tests)."""
        return replace(self, wait_initial=0.0, wait_max=0.0, wait_jitter=0.0, retry_after_cap=0.0)


NO_RETRY = RetryPolicy(attempts=1)

# What the sync engine's pulls and deliveries wait out inside a request: a vendor's short
# pauses (a 503, a Retry-After of seconds). A longer pause, or an outage past 30 s, goes back
# to the engine, which tries the pull or the delivery again when it is due (no sooner than the
# vendor's Retry-After), so one rate-limited vendor never holds a worker, in the embedded
# default the one every merchant shares, for minutes.
WORKER_RETRY = RetryPolicy(retry_after_cap=10.0, retry_after_limit=10.0, deadline=30.0)


def retry_after_of(error: BaseException) -> float | None:
    """The ``Retry-After`` an error carries (seconds or an HTTP date), or None."""
    if not isinstance(error, CrossdockError):
        return None
    value = error.headers.get("Retry-After")
    return parse_retry_after(value) if value else None


def parse_retry_after(value: str, now: datetime | None = None) -> float | None:
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
