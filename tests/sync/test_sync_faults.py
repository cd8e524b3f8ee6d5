"""Whole syncs under fire: a few hundred CareCloud customers pulled and published to Custom
Trades CRM while the sandboxes misbehave (tokens expiring or revoked, 429 storms, 5xx bursts on
the reads and on the writes). Each test ends with Custom Trades holding every customer once.

Waits stay short without touching the code under test: injected 429s carry a Retry-After of
50 ms, which the connectors honour; a 5xx costs the connectors' first backoff (0.5 to 1 s); and
work handed back to the engine (a failed pull, a delivery to retry later) is run again by
asking for a pull or by moving the hub's clock past the publish backoff.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from tests.api.conftest import Api
from tests.api.conftest import api as api
from tests.sync.customers_flow import ENTERPRISE, assert_mirrored, customers_flow

CUSTOMERS = 250
LISTING = f"{ENTERPRISE}/customers"  # CareCloud's GET /customers
CTC_CUSTOMERS = "/api/v1/customers"
REVOKED_AFTER = 200


def test_carecloud_tokens_expiring_mid_pull_and_between_pulls_cost_one_login_each(
    api: Api,
) -> None:
    with customers_flow(api, CUSTOMERS) as flow:
        flow.control("carecloud", "DELETE", "/requests")
        # Every bearer token expires as the second page is asked for (the vendor then answers
        # that very request 401 token_expired).
        flow.fault("carecloud", kind="expire_tokens", method="GET", route=LISTING, after=1, count=1)
        state = flow.sync()
        assert (state["status"], state["lastError"]) == ("idle", None), state
        assert [f["fired"] for f in flow.faults("carecloud")] == [1]
        assert_mirrored(flow)

        # Between pulls the vendor's clock passes the token's seven hours; the hub still holds
        # the token and learns it expired from the 401.
        flow.control("carecloud", "POST", "/clock/advance", json={"seconds": 8 * 3600})
        flow.control("carecloud", "POST", "/records/insert", params={"count": 3})
        state = flow.sync()
        assert (state["status"], state["lastError"]) == ("idle", None), state
        assert state["recordsLastRun"] >= 3
        seen = flow.control("carecloud", "GET", "/requests", params={"limit": 1000})
        logins = [r for r in seen if r["path"].endswith("/users/actions/login")]
        refused = [r for r in seen if r["status"] == 401]
        assert len(refused) == 2, refused  # once mid-pull, once after the clock moved
        assert [r["status"] for r in logins] == [200, 200, 200]  # the first, and one per 401
        links = assert_mirrored(flow)
        assert len(links) == flow.live()


def test_a_custom_trades_key_revoked_mid_publish_parks_the_rest_until_a_new_key(
    api: Api,
) -> None:
    with customers_flow(api, CUSTOMERS) as flow:
        # Custom Trades has API keys, not tokens: the merchant's key is revoked as the 201st
        # customer is written, and every write after it is refused 401.
        flow.fault(
            "customtrades",
            kind="expire_tokens",
            method="POST",
            route=CTC_CUSTOMERS,
            after=REVOKED_AFTER,
            count=1,
        )
        flow.sync()
        live = flow.live()
        done, parked = flow.jobs("done"), flow.jobs("failed")
        # About the first 200 were written; writes in flight as the key went may land either
        # side of it (the sandbox applies the fault once it has read the request's body).
        assert 0 < done < live
        assert parked > 0
        assert done + parked == live
        assert len(flow.destination_customers()) == done
        failed = flow.get(
            "/publish/jobs", integrationId=flow.destination, status="failed", limit=9999
        )
        assert all("401" in job["lastError"] for job in failed), failed[0]
        assert flow.jobs("pending") == 0  # a refused credential is not retried blindly

        # The merchant issues a new key, puts it in the integration and retries what parked.
        key = flow.control(
            "customtrades", "POST", "/credentials", json={"company": flow.company_uuid}
        )["api_key"]
        r = api.client.patch(
            f"/integrations/{flow.destination}",
            json={"systemSettings": {"apiKey": key}},
            headers=flow.headers,
        )
        assert r.status_code == 200, r.text
        for job in failed:
            r = api.client.post(
                f"/publish/{flow.destination}/{job['crescoId']}/retry", headers=flow.headers
            )
            assert r.status_code == 200, r.text
        api.drain()
        links = assert_mirrored(flow)
        assert len(links) == live


def test_429_storms_on_the_reads_and_the_writes_delay_records_but_lose_none(api: Api) -> None:
    with customers_flow(api, CUSTOMERS) as flow:
        # CareCloud: a storm of eight 429s from the second page on, longer than the client's
        # six tries, so the pull fails and the next one resumes where it stopped.
        flow.fault(
            "carecloud",
            kind="rate_limit",
            method="GET",
            route=LISTING,
            burst=8,
            retry_after=0.05,
            after=1,
            count=1,
        )
        # Custom Trades: 150 429s from the 81st write on, more than the rest of the first batch
        # can try (six tries each): those deliveries go back to the engine to be sent again
        # later, and the next batch's tries absorb what is left of the storm.
        flow.fault(
            "customtrades",
            kind="rate_limit",
            method="POST",
            route=CTC_CUSTOMERS,
            burst=150,
            retry_after=0.05,
            after=80,
            count=1,
        )
        state = flow.sync()
        assert state["status"] == "failed", state
        assert "429" in state["lastError"]
        stored = flow.total("/customers")
        assert 0 < stored < flow.live()
        assert flow.total("/system_results", integrationId=flow.destination, status="retrying")

        state = flow.sync()
        assert (state["status"], state["lastError"]) == ("idle", None), state
        flow.settle()
        assert [f["burst_left"] for f in flow.faults("carecloud")] == [0]
        assert [f["burst_left"] for f in flow.faults("customtrades")] == [0]
        links = assert_mirrored(flow)
        assert len(links) == flow.live()


def test_5xx_bursts_on_the_reads_and_the_writes_lose_and_repeat_nothing(api: Api) -> None:
    with customers_flow(api, CUSTOMERS) as flow:
        # CareCloud answers the second page 503 twice, then serves it.
        flow.fault(
            "carecloud", kind="error", status=503, method="GET", route=LISTING, after=1, count=2
        )
        # Custom Trades answers ten creates in a row 503 (ten customers', each retried).
        flow.fault(
            "customtrades",
            kind="error",
            status=503,
            method="POST",
            route=CTC_CUSTOMERS,
            after=20,
            count=10,
        )
        state = flow.sync()
        assert (state["status"], state["lastError"]) == ("idle", None), state
        flow.settle()
        assert [f["fired"] for f in flow.faults("carecloud")] == [2]
        assert [f["fired"] for f in flow.faults("customtrades")] == [10]
        links = assert_mirrored(flow)

        # Updates and deletions meet 5xx bursts too.
        flow.control("customtrades", "DELETE", "/faults")
        flow.fault("customtrades", kind="error", status=503, route=f"{CTC_CUSTOMERS}/*", count=8)
        renamed, deleted = sorted(links)[:10], sorted(links)[10:20]
        for n, customer_id in enumerate(renamed):
            flow.rename_at_carecloud(customer_id, f"Fault{n}", f"fault.{n}@example.com")
        for customer_id in deleted:
            flow.delete_at_carecloud(customer_id)
        state = flow.sync()
        assert (state["status"], state["lastError"]) == ("idle", None), state
        flow.settle()
        assert [f["fired"] for f in flow.faults("customtrades")] == [8]
        after = assert_mirrored(flow)
        assert after == links  # the same Custom Trades records, updated or soft-deleted
        destination = flow.destination_customers()
        assert all(destination[links[cid]]["deleted_at"] for cid in deleted)


def test_a_retry_after_too_long_for_the_client_is_kept_by_the_engine(api: Api) -> None:
    with customers_flow(api, CUSTOMERS) as flow:
        # Custom Trades asks 20 writes to wait an hour (429, Retry-After: 3600): longer than the
        # client waits in a request, so it hands them back, and the engine must not send them
        # again before the hour is up.
        flow.fault(
            "customtrades",
            kind="rate_limit",
            method="POST",
            route=CTC_CUSTOMERS,
            burst=20,
            retry_after=3600,
            after=100,
            count=1,
        )
        flow.sync()
        now = api.clock()
        waiting = flow.get(
            "/publish/jobs", integrationId=flow.destination, status="pending", limit=9999
        )
        assert len(waiting) == 20
        assert {datetime.fromisoformat(job["nextAttemptAt"]) - now for job in waiting} == {
            timedelta(hours=1)
        }
        api.clock.advance(3599)
        api.drain()
        assert flow.jobs("pending") == 20  # not a minute early

        flow.settle()
        links = assert_mirrored(flow)
        assert len(links) == flow.live()


def test_a_retry_after_of_seconds_goes_back_to_the_engine_instead_of_holding_the_batch(
    api: Api,
) -> None:
    with customers_flow(api, CUSTOMERS) as flow:
        # Custom Trades asks 10 writes to wait 20 s: longer than a delivery waits inside its
        # request (10 s), so they come back to the engine at once, due 20 s later, and the
        # rest of the batch (and the worker) goes on.
        flow.fault(
            "customtrades",
            kind="rate_limit",
            method="POST",
            route=CTC_CUSTOMERS,
            burst=10,
            retry_after=20,
            after=50,
            count=1,
        )
        started = time.monotonic()
        flow.sync()
        assert time.monotonic() - started < 15  # no delivery slept out its 20 s
        now = api.clock()
        waiting = flow.get(
            "/publish/jobs", integrationId=flow.destination, status="pending", limit=9999
        )
        assert len(waiting) == 10
        assert {datetime.fromisoformat(job["nextAttemptAt"]) - now for job in waiting} == {
            timedelta(seconds=20)
        }
        flow.settle()
        links = assert_mirrored(flow)
        assert len(links) == flow.live()
