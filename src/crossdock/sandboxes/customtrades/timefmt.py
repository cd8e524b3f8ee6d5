"""Time as Custom Trades writes it: ISO 8601 in UTC with milliseconds and ``Z``, or dates.

Everything inside the sandbox counts milliseconds since the epoch (integers sort and compare
cheaply); these helpers turn them into the vendor's strings and back.
"""

from __future__ import annotations

import functools
import time
from datetime import UTC, date, datetime, timedelta

DAY_MS = 86_400_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)


# Formatting is the hottest step of seeding a million records, so the clock-face parts come
# from tables: "HH:MM" for each minute of a day and "SS.mmm" for each millisecond of a minute.
_HOURS_MINUTES = [f"{m // 60:02d}:{m % 60:02d}" for m in range(1440)]
_SECONDS_MILLIS = [f"{ms // 1000:02d}.{ms % 1000:03d}" for ms in range(60_000)]


def iso_ms(ms: int) -> str:
    """``2025-02-18T14:30:00.000Z``."""
    days, rest = divmod(ms, DAY_MS)
    minutes, within = divmod(rest, 60_000)
    return f"{_day(days)}T{_HOURS_MINUTES[minutes]}:{_SECONDS_MILLIS[within]}Z"


@functools.lru_cache(maxsize=4096)
def _day(days: int) -> str:
    # Seed data spans a few hundred days, so caching the date part makes formatting cheap.
    t = time.gmtime(days * 86_400)
    return f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}"


def iso_day(ms: int) -> str:
    """``2025-02-18``: the UTC date of an instant."""
    return _day(ms // DAY_MS)


def to_ms(moment: datetime) -> int:
    return (moment - _EPOCH) // _ONE_MS


def parse_instant(text: str) -> int:
    """An ISO 8601 date or date-time as epoch milliseconds; values without an offset are UTC.

    Raises ``ValueError`` for anything else, including years before 1900.
    """
    text = text.strip()
    if len(text) == 10:
        day = date.fromisoformat(text)
        moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
    else:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    if moment.year < 1900:
        raise ValueError("year before 1900")
    return to_ms(moment)


def parse_day(text: str) -> str:
    """A ``YYYY-MM-DD`` date; a full date-time is accepted and becomes its UTC date."""
    text = text.strip()
    if len(text) != 10:
        return iso_day(parse_instant(text))
    day = date.fromisoformat(text)
    if day.year < 1900:
        raise ValueError("year before 1900")
    return day.isoformat()


def add_days(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


def next_month_start(ms: int) -> int:
    """The first instant of the UTC month after the one ``ms`` falls in."""
    t = time.gmtime(ms // 1000)
    year, month = (t.tm_year + 1, 1) if t.tm_mon == 12 else (t.tm_year, t.tm_mon + 1)
    return to_ms(datetime(year, month, 1, tzinfo=UTC))


def month_of(ms: int) -> int:
    """A number naming the UTC month of ``ms`` (``year * 12 + month``), for usage windows."""
    t = time.gmtime(ms // 1000)
    return t.tm_year * 12 + t.tm_mon
