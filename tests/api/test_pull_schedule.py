"""Scheduled pulls through the hub: a cron source runs at its times and not between them; an
interval source runs at once and then after its period; bad schedules are refused with a
reason."""

from __future__ import annotations

from typing import Any

import pytest

from crossdock.sync.pull import due_pulls
from tests.api.conftest import Api
from tests.api.test_pull_vendors import cro_source


def state(api: Api, integration: str) -> dict[str, Any]:
    """The pull's state, asked with a fresh login (the tests move the clock by hours)."""
    found: dict[str, Any] = api.client.get(
        f"/integrations/{integration}/sync", headers=api.admin()
    ).json()
    return found


def test_a_cron_source_is_pulled_at_its_times_only(api: Api) -> None:
    # The test clock starts at 2026-01-01 12:00 UTC; 06:00 in Singapore is 22:00 UTC.
    with cro_source(api, 5, pullCron="0 6 * * *", pullTimeZone="Asia/Singapore") as cro:
        assert due_pulls(api.hub) == []
        api.clock.advance(9 * 3600 + 59 * 60)
        api.drain()
        never = state(api, cro.source)
        assert (never["status"], never["runs"], never["finishedAt"]) == ("never", 0, None)
        assert never["nextRunAt"] == "2026-01-01T22:00:00+00:00"  # 06:00 in Singapore
        assert never["checkpoint"] is None
        assert never["lastError"] is None
        api.clock.advance(60)
        assert due_pulls(api.hub) == [cro.source]
        api.drain()
        ran = state(api, cro.source)
        assert (ran["runs"], ran["status"], ran["recordsLastRun"]) == (1, "idle", 5)
        assert ran["finishedAt"].startswith("2026-01-01T22:00")
        assert ran["nextRunAt"] == "2026-01-02T22:00:00+00:00"
        customers = api.client.get("/customers", headers=api.admin()).json()
        assert len(customers) == 5
        api.clock.advance(23 * 3600)
        assert due_pulls(api.hub) == []
        api.clock.advance(3600)
        assert due_pulls(api.hub) == [cro.source]


def test_an_interval_source_is_pulled_at_once_then_after_its_period(api: Api) -> None:
    with cro_source(api, 3, pullEveryMinutes=15) as cro:
        assert due_pulls(api.hub) == [cro.source]
        api.drain()
        first = state(api, cro.source)
        assert first["runs"] == 1
        assert first["nextRunAt"] == "2026-01-01T12:15:00+00:00"  # 15 minutes after the run
        api.clock.advance(14 * 60)
        assert due_pulls(api.hub) == []
        api.clock.advance(60)
        api.drain()
        assert state(api, cro.source)["runs"] == 2


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        ({"pullCron": "0 6 * * *", "pullEveryMinutes": 5}, "not both"),
        ({"pullCron": "0 25 * * *"}, "not a valid cron expression"),
        ({"pullCron": "daily"}, "expected five fields"),
        ({"pullCron": "0 6 * * *", "pullTimeZone": "Mars/Base"}, "unknown time zone"),
    ],
)
def test_bad_schedules_are_refused_with_the_reason(
    api: Api, settings: dict[str, Any], reason: str
) -> None:
    headers = api.admin()
    company = api.make_company(headers, agencyId="a")["companyId"]
    r = api.client.post(
        "/integrations",
        json={
            "active": False,
            "add": False,
            "delete": False,
            "get": True,
            "update": False,
            "meta": {},
            "syncType": "customers",
            "systemId": "cro",
            "companyId": company,
            "systemSettings": {
                "baseUrl": "http://cro.invalid",
                "token": "t",
                "tenantId": 1,
                **settings,
            },
        },
        headers=headers,
    )
    assert r.status_code == 400, r.text
    assert reason in r.text


def test_a_pull_whose_worker_died_is_due_again_once_its_lease_runs_out(api: Api) -> None:
    from datetime import timedelta

    from crossdock.store.pulls import PullState

    with cro_source(api, 3) as cro:
        with api.hub.transaction() as session:
            session.add(
                PullState(
                    integration_id=cro.source,
                    status="running",
                    runs=1,
                    lease_until=api.clock.now + timedelta(seconds=60),
                )
            )
        assert due_pulls(api.hub) == []  # still leased: its worker may be alive
        api.clock.advance(61)
        assert due_pulls(api.hub) == [cro.source]
        api.drain()
        resumed = state(api, cro.source)
        assert (resumed["status"], resumed["runs"], resumed["recordsLastRun"]) == ("idle", 2, 3)
