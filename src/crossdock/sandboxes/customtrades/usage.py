"""The monthly request allowance every company's keys share, and the headers that report it.

Usage counts every authenticated request in the current UTC month of the sandbox clock, so
moving the clock into the next month (``POST /_sandbox/clock/advance``) starts a new month.
"""

from __future__ import annotations

from crossdock.sandboxes.customtrades.timefmt import iso_ms, month_of, next_month_start


class UsageMeter:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._months: dict[str, tuple[int, int]] = {}  # company -> (month, count)

    def charge(self, company: str, now_ms: int) -> tuple[bool, dict[str, str]]:
        """Count one request unless the month's allowance is spent; returns (allowed, headers).

        A refused request is not counted: ``X-Usage-Count`` stays at the limit.
        """
        month = month_of(now_ms)
        seen, count = self._months.get(company, (month, 0))
        if seen != month:
            count = 0
        allowed = count < self.limit
        if allowed:
            count += 1
        self._months[company] = (month, count)
        return allowed, {
            "X-Usage-Count": str(count),
            "X-Usage-Limit": str(self.limit),
            "X-Usage-Resets": iso_ms(next_month_start(now_ms)),
        }

    def count(self, company: str, now_ms: int) -> int:
        seen, count = self._months.get(company, (0, 0))
        return count if seen == month_of(now_ms) else 0

    def clear(self) -> None:
        self._months.clear()
