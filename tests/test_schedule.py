"""Pull schedules: intervals, cron expressions in a time zone (across a DST change), and what a
missed run means."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crossdock.schedule import Schedule, cron_problem, zone_problem

CREATED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_no_schedule_means_on_demand_only() -> None:
    assert Schedule.of({}) is None
    assert Schedule.of({"pullEveryMinutes": None, "pullCron": None}) is None


def test_interval_is_due_at_once_then_every_n_minutes_after_the_last_run() -> None:
    schedule = Schedule.of({"pullEveryMinutes": 30})
    assert schedule is not None
    assert schedule.due(last=None, created=CREATED, now=CREATED)
    last = CREATED + timedelta(minutes=5)
    assert not schedule.due(last=last, created=CREATED, now=last + timedelta(minutes=29))
    assert schedule.due(last=last, created=CREATED, now=last + timedelta(minutes=30))


def test_cron_waits_for_its_first_time_after_creation() -> None:
    schedule = Schedule.of({"pullCron": "0 2 * * *"})
    assert schedule is not None
    assert not schedule.due(last=None, created=CREATED, now=CREATED + timedelta(hours=13))
    assert schedule.due(last=None, created=CREATED, now=CREATED + timedelta(hours=14))


def test_cron_runs_once_per_time_however_late_the_run_finished() -> None:
    schedule = Schedule.of({"pullCron": "*/15 * * * *"})
    assert schedule is not None
    # The 12:15 run finished at 12:40 (it overran the 12:30 time): the next is 12:45, not at once.
    finished = datetime(2026, 3, 1, 12, 40, tzinfo=UTC)
    assert not schedule.due(last=finished, created=CREATED, now=finished + timedelta(minutes=4))
    assert schedule.due(last=finished, created=CREATED, now=finished + timedelta(minutes=5))


def test_cron_times_are_in_the_schedules_time_zone_across_daylight_saving() -> None:
    schedule = Schedule.of({"pullCron": "0 2 * * *", "pullTimeZone": "Asia/Singapore"})
    assert schedule is not None
    # 02:00 in Singapore (UTC+8) is 18:00 UTC the day before.
    assert schedule.next_after(CREATED) == datetime(2026, 3, 1, 18, 0, tzinfo=UTC)
    prague = Schedule.of({"pullCron": "30 9 * * *", "pullTimeZone": "Europe/Prague"})
    assert prague is not None
    # Prague leaves UTC+1 for UTC+2 on 2026-03-29: 09:30 local is 08:30 UTC before, 07:30 after.
    before = prague.next_after(datetime(2026, 3, 28, 0, 0, tzinfo=UTC))
    after = prague.next_after(datetime(2026, 3, 30, 0, 0, tzinfo=UTC))
    assert before == datetime(2026, 3, 28, 8, 30, tzinfo=UTC)
    assert after == datetime(2026, 3, 30, 7, 30, tzinfo=UTC)


def test_cron_wins_over_nothing_and_answers_in_utc() -> None:
    schedule = Schedule.of({"pullCron": " 0 * * * * ", "pullEveryMinutes": None})
    assert schedule == Schedule(cron="0 * * * *", zone="UTC")
    assert schedule.next_after(CREATED).tzinfo == UTC


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("0 2 * *", "expected five fields"),
        ("0 2 * * * *", "expected five fields"),
        ("61 2 * * *", "not a valid cron expression"),
        ("0 2 * * funday", "not a valid cron expression"),
    ],
)
def test_bad_cron_expressions_say_why(expression: str, problem: str) -> None:
    found = cron_problem(expression)
    assert found is not None
    assert problem in found


def test_good_cron_expressions_and_zones_pass() -> None:
    assert cron_problem("*/5 1-5 * * mon-fri") is None
    assert zone_problem("Europe/Prague") is None
    found = zone_problem("Mars/Base")
    assert found is not None
    assert "unknown time zone 'Mars/Base'" in found
