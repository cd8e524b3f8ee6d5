"""When a source integration is pulled on its own: every N minutes, or at the times of a cron
expression in a time zone (``systemSettings.pullEveryMinutes`` or ``pullCron`` with
``pullTimeZone``).

    schedule = Schedule.of(settings)          # None: on demand only
    schedule.due(last=finished_at, created=integration.created_at, now=now)

A run that takes longer than the schedule's period does not queue the runs it missed: the next
run is the first time due after the last run finished.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

__all__ = ["Schedule", "cron_problem", "zone_problem"]


def cron_problem(expression: str) -> str | None:
    """Why ``expression`` is not a cron expression Crossdock runs, or None when it is."""
    fields = expression.split()
    if len(fields) != 5:
        return (
            f"pullCron: expected five fields (minute hour day-of-month month day-of-week), "
            f"got {len(fields)} in {expression!r}"
        )
    if not croniter.is_valid(expression):
        return f"pullCron: {expression!r} is not a valid cron expression"
    return None


def zone_problem(name: str) -> str | None:
    """Why ``name`` is not an IANA time zone, or None when it is."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"pullTimeZone: unknown time zone {name!r}; use a name such as Europe/Prague"
    return None


@dataclass(frozen=True)
class Schedule:
    every: timedelta | None = None
    cron: str | None = None
    zone: str = "UTC"

    @classmethod
    def of(cls, settings: Mapping[str, Any]) -> Schedule | None:
        """The schedule an integration's (validated) ``systemSettings`` ask for."""
        every, cron = settings.get("pullEveryMinutes"), settings.get("pullCron")
        if isinstance(cron, str) and cron.strip():
            return cls(cron=cron.strip(), zone=str(settings.get("pullTimeZone") or "UTC"))
        if isinstance(every, int) and every > 0:
            return cls(every=timedelta(minutes=every))
        return None

    def next_after(self, moment: datetime) -> datetime:
        """The first time this schedule fires after ``moment`` (an aware datetime)."""
        if self.every is not None:
            return moment + self.every
        assert self.cron is not None
        local = moment.astimezone(ZoneInfo(self.zone))
        fire: datetime = croniter(self.cron, local).get_next(datetime)
        return fire.astimezone(moment.tzinfo)

    def due(self, *, last: datetime | None, created: datetime, now: datetime) -> bool:
        """Whether a pull is due at ``now``, the last one having finished at ``last``.

        Never run: an interval schedule is due at once, a cron schedule at its first time after
        the integration was created."""
        if last is None:
            if self.every is not None:
                return True
            return self.next_after(created) <= now
        return self.next_after(last) <= now
