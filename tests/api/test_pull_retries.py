"""Pulls that fail: a vendor's ``Retry-After`` is kept between runs, a failure that may pass is
tried again with backoff, one that needs a person is not, and a run whose lease was taken over
stores nothing more."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from crossdock.connectors.http import Checkpoint
from crossdock.store.pulls import PullState
from crossdock.sync.pull import (
    RETRIES,
    TakenOver,
    _claim,
    _finish,
    _store_page,
    due_pulls,
    retry_delay,
)
from tests.api.conftest import Api
from tests.api.test_pull_vendors import CroSource, cro_source


def state(cro: CroSource) -> dict[str, Any]:
    found: dict[str, Any] = cro.api.client.get(
        f"/integrations/{cro.source}/sync", headers=cro.api.admin()
    ).json()
    return found


def sync(cro: CroSource) -> dict[str, Any]:
    """Ask for a pull with a fresh login (the tests move the clock by days), run the jobs."""
    r = cro.api.client.post(f"/integrations/{cro.source}/sync", headers=cro.api.admin())
    assert r.status_code == 202, r.text
    cro.api.drain()
    return state(cro)


def fault(cro: CroSource, **rule: Any) -> None:
    r = httpx.post(f"{cro.url}/_sandbox/faults", json={"route": "*customers*", **rule})
    assert r.is_success, r.text


def clear_faults(cro: CroSource) -> None:
    assert httpx.delete(f"{cro.url}/_sandbox/faults").is_success


def test_a_retry_after_longer_than_a_request_waits_holds_the_schedule_back(api: Api) -> None:
    with cro_source(api, 5, pullEveryMinutes=5) as cro:
        # An hour's wait: beyond what the connector waits inside a request, so the run fails
        # with it and the engine keeps it.
        fault(cro, kind="rate_limit", method="GET", retry_after=3600, burst=1, count=1)
        api.drain()
        failed = state(cro)
        assert (failed["status"], failed["failures"], failed["recordsLastRun"]) == ("failed", 1, 0)
        assert "429" in failed["lastError"]
        retry_at = datetime.fromisoformat(failed["retryAt"])
        assert retry_at - api.clock() == timedelta(hours=1)
        assert failed["nextRunAt"] == failed["retryAt"]  # the schedule waits for it

        api.clock.advance(5 * 60)  # the schedule's time, but the vendor asked for an hour
        assert due_pulls(api.hub) == []
        api.clock.advance(55 * 60)
        assert due_pulls(api.hub) == [cro.source]
        api.drain()
        done = state(cro)
        assert (done["status"], done["failures"], done["retryAt"]) == ("idle", 0, None), done
        assert done["recordsLastRun"] == 5


def test_backoff_doubles_from_30_seconds_to_an_hour_and_yields_to_retry_after() -> None:
    assert [retry_delay(n, None).total_seconds() for n in range(1, 10)] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
    ]
    assert retry_delay(1, 90.0) == timedelta(seconds=90)  # the vendor's wait, when longer
    assert retry_delay(4, 90.0) == timedelta(seconds=240)  # the backoff, when longer


# Longer than the connector waits inside a request (10 minutes): every run fails at once.
STORM = {"kind": "rate_limit", "method": "GET", "retry_after": 601, "burst": 1000, "count": 1}


def test_a_failure_that_may_pass_is_tried_again_without_a_schedule(api: Api) -> None:
    with cro_source(api, 4) as cro:  # no schedule: pulled on request only
        fault(cro, **STORM)
        sync(cro)
        for failures in range(1, 4):
            failed = state(cro)
            assert (failed["status"], failed["failures"]) == ("failed", failures), failed
            wait = datetime.fromisoformat(failed["retryAt"]) - api.clock()
            assert wait == retry_delay(failures, 601)
            api.clock.advance(wait.total_seconds() - 1)
            assert due_pulls(api.hub) == []
            api.clock.advance(1)
            assert due_pulls(api.hub) == [cro.source]
            if failures < 3:
                api.drain()
        clear_faults(cro)
        api.drain()
        done = state(cro)
        assert (done["status"], done["failures"], done["recordsLastRun"]) == ("idle", 0, 4)
        assert done["nextRunAt"] is None  # on demand only: nothing starts a pull by itself
        assert due_pulls(api.hub) == []


def test_retries_stop_after_the_last_one_and_a_request_goes_first(api: Api) -> None:
    with cro_source(api, 2) as cro:
        fault(cro, **STORM)
        sync(cro)
        for _ in range(RETRIES):
            api.clock.advance(retry_delay(RETRIES, 601).total_seconds())
            api.drain()
        given_up = state(cro)
        assert (given_up["failures"], given_up["retryAt"]) == (RETRIES + 1, None), given_up
        api.clock.advance(24 * 3600)
        assert due_pulls(api.hub) == []  # nothing scheduled, nothing asked for

        asked = sync(cro)  # a person asks: it runs at once, and its failure is retried again
        assert (asked["status"], asked["failures"]) == ("failed", 1), asked
        assert asked["retryAt"] is not None
        clear_faults(cro)
        api.clock.advance(retry_delay(1, 601).total_seconds())
        api.drain()
        done = state(cro)
        assert (done["status"], done["failures"], done["recordsLastRun"]) == ("idle", 0, 2)


def test_a_failure_that_needs_a_person_is_not_retried(api: Api) -> None:
    with cro_source(api, 2) as cro:
        fault(cro, kind="error", status=401, method="GET")
        failed = sync(cro)
        assert (failed["status"], failed["failures"], failed["retryAt"]) == ("failed", 1, None)
        api.clock.advance(3600)
        assert due_pulls(api.hub) == []


def test_a_run_whose_lease_was_taken_over_stores_nothing_more(api: Api) -> None:
    with cro_source(api, 2) as cro:
        first = _claim(api.hub, cro.source, api.clock())
        assert first is not None
        api.clock.advance(api.hub.settings.pull_lease_seconds + 1)
        second = _claim(api.hub, cro.source, api.clock())
        assert second is not None
        assert (first[1].runs, second[1].runs) == (1, 2)

        late = Checkpoint(updated_since="2020-01-01T00:00:00+00:00")
        with pytest.raises(TakenOver):
            _store_page(api.hub, cro.source, 1, 0, [], late)
        assert _finish(api.hub, cro.source, 1, 0, None).status == "taken over"
        with api.hub.transaction() as session:
            row = session.get(PullState, cro.source)
            assert row is not None
            assert (row.status, row.runs, row.checkpoint) == ("running", 2, None)
        assert _finish(api.hub, cro.source, 2, 0, None).status == "done"


def test_a_pause_of_more_than_seconds_fails_the_run_at_once_instead_of_holding_the_worker(
    api: Api,
) -> None:
    with cro_source(api, 3) as cro:
        # 20 s: past what a pull waits out inside a request (10 s), so the run fails at once
        # and the engine tries again later, no sooner than the vendor asked.
        fault(cro, kind="rate_limit", method="GET", retry_after=20, burst=1, count=1)
        started = time.monotonic()
        failed = sync(cro)
        assert time.monotonic() - started < 10
        assert (failed["status"], failed["failures"]) == ("failed", 1), failed
        assert datetime.fromisoformat(failed["retryAt"]) - api.clock() == retry_delay(1, 20)
        api.clock.advance(retry_delay(1, 20).total_seconds())
        api.drain()
        done = state(cro)
        assert (done["status"], done["recordsLastRun"]) == ("idle", 3), done
