"""Custom Trades' monthly request allowance as its ``X-Usage-*`` headers report it: the latest
figures per client, and a log line when a company's usage crosses 80, 90 and 100 percent."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import structlog

log = structlog.get_logger("crossdock.connectors.customtrades")

# Fractions of the allowance at which a warning is logged, once each per client and month.
THRESHOLDS = (0.8, 0.9, 1.0)


@dataclass(frozen=True)
class Usage:
    """One response's report: ``count`` requests used this month (that one included) of
    ``limit``, and when the count starts again (``resets_at``, UTC)."""

    count: int
    limit: int
    resets_at: datetime | None

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)

    @property
    def spent(self) -> bool:
        return self.count >= self.limit

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> Usage | None:
        """None when the response carries no usage (401s and unknown paths do not)."""
        count = _integer(headers.get("x-usage-count"))
        limit = _integer(headers.get("x-usage-limit"))
        if count is None or limit is None:
            return None
        return cls(count, limit, parse_instant(headers.get("x-usage-resets")))

    def to_json(self) -> dict[str, object]:
        return {
            "count": self.count,
            "limit": self.limit,
            "remaining": self.remaining,
            "resets_at": None if self.resets_at is None else format_instant(self.resets_at),
        }


class UsageReport:
    """The latest usage one client has seen; ``observe`` is its httpx response hook.

    Responses may arrive out of order under concurrency, so within a month the highest
    count wins.
    """

    def __init__(self, vendor: str) -> None:
        self.vendor = vendor
        self.latest: Usage | None = None
        self._warned: set[tuple[datetime | None, float]] = set()

    async def observe(self, response: httpx.Response) -> None:
        usage = Usage.from_headers(response.headers)
        if usage is None:
            return
        latest = self.latest
        if latest and latest.resets_at == usage.resets_at and usage.count < latest.count:
            return  # an answer overtaken by a later one
        self.latest = usage
        for threshold in THRESHOLDS:
            key = (usage.resets_at, threshold)
            if usage.count >= threshold * usage.limit and key not in self._warned:
                self._warned.add(key)
                log.warning(
                    "monthly usage",
                    vendor=self.vendor,
                    percent=round(100 * threshold),
                    used=usage.count,
                    limit=usage.limit,
                    resets=None if usage.resets_at is None else format_instant(usage.resets_at),
                )


def _integer(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    return int(value.strip())


def parse_instant(value: str | None) -> datetime | None:
    """An ISO 8601 instant (``2025-02-18T14:30:00.000Z``) as an aware UTC datetime."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def format_instant(moment: datetime) -> str:
    """Custom Trades' way of writing an instant: UTC, milliseconds, ``Z``."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def first_of_next_month(now: datetime) -> datetime:
    utc = now.astimezone(UTC)
    year, month = (utc.year + 1, 1) if utc.month == 12 else (utc.year, utc.month + 1)
    return datetime(year, month, 1, tzinfo=UTC)
