"""Custom Trades writes against the sandbox: create, update and soft delete of every resource,
each with an Idempotency-Key, so that a write whose answer is lost is retried and acts once,
concurrent duplicates act once, and identical writes meant as new ones still act."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest

from crossdock.connectors.customtrades import (
    CustomTradesClient,
    create,
    create_job_photo,
    delete,
    delete_job_photo,
    derive_key,
    find_customer,
    read,
    update,
)
from crossdock.connectors.http import HttpOptions, RetryPolicy
from crossdock.errors import FixRequest, NotFound
from tests.connectors.servers import serve
from tests.connectors.test_customtrades_stream import API_KEY, Ctc, ctc_app

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def live_ctc() -> Iterator[tuple[Any, str]]:
    app = ctc_app(records=60)
    with serve(app) as url:
        yield app, url


@pytest.fixture(params=["asgi", "uvicorn"])
def ctc(request: pytest.FixtureRequest) -> Ctc:
    if request.param == "asgi":
        app = ctc_app(records=60)
        transport = httpx.ASGITransport(app, raise_app_exceptions=False)
        return Ctc(app, "http://customtrades.test", transport)
    app, url = request.getfixturevalue("live_ctc")
    app.state.sandbox.reset()
    return Ctc(app, url, None)


@pytest.fixture
def local() -> Ctc:
    app = ctc_app(records=60)
    return Ctc(app, "http://customtrades.test", httpx.ASGITransport(app))


def writes(ctc: Ctc, method: str) -> list[Any]:
    return [r for r in ctc.requests() if r.method == method]


def customer(**fields: Any) -> dict[str, Any]:
    return {"first_name": "Dana", "last_name": "Reyes", "email": "dana@reyes.example", **fields}


def bodies(ctc: Ctc) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """A new record and a change to it, per resource, referring to seeded records."""
    with ctc.state.lock:
        co = ctc.state.primary
        live_customer = next(iter(co.collections["customers"].live)).uuid
        flat = next(t["uuid"] for t in co.templates.values() if t["pricing_type"] == "flat")
        owing = next(
            row.uuid for row in co.collections["invoices"].live if row.data["balance_amount"] >= 10
        )
    return {
        "customers": (customer(), {"notes": "Side gate, beware of dog"}),
        "locations": (
            {
                "name": "North Yard",
                "address1": "12 Pier Rd",
                "city": "Tacoma",
                "state": "WA",
                "zip": "98402",
            },
            {"location_code": "NY-1"},
        ),
        "jobs": (
            {"customer_uuid": live_customer, "title": "Roof inspection"},
            {"status": "Scheduled"},
        ),
        "estimates": (
            {"customer_uuid": live_customer, "template_uuid": flat, "quantity": 2},
            {"customer_notes": "Valid for 30 days"},
        ),
        "invoices": (
            {
                "customer_uuid": live_customer,
                "line_items": [{"description": "Labor", "unit_price": 120, "quantity": 2}],
            },
            {"notes": "Thank you for your business"},
        ),
        "payments": (
            {"invoice_uuid": owing, "amount": 10, "payment_type": "check"},
            {"notes": "Check 1042"},
        ),
    }


@pytest.mark.parametrize(
    "resource", ["customers", "locations", "jobs", "estimates", "invoices", "payments"]
)
async def test_create_update_and_soft_delete(local: Ctc, resource: str) -> None:
    body, changes = bodies(local)[resource]
    async with local.client() as client:
        created = await create(client, resource, body)
        updated = await update(client, resource, created["uuid"], changes)
        deleted = await delete(client, resource, created["uuid"])
    assert created["uuid"] in local.records(resource)
    assert {k: updated[k] for k in changes} == changes
    assert deleted["deleted_at"] is not None
    assert deleted["uuid"] == created["uuid"]
    sent = [r for r in local.requests() if r.method in ("POST", "PUT", "DELETE")]
    keys = [r.headers.get("idempotency-key") for r in sent]
    assert all(keys)
    assert len(set(keys)) == 3
    assert keys[0] == derive_key("create", f"/{resource}", body)


async def test_a_create_whose_answer_is_dropped_is_retried_and_creates_exactly_one(
    ctc: Ctc,
) -> None:
    await ctc.fault(kind="drop", count=1, method="POST", route="/api/v1/customers")
    before = set(ctc.records("customers"))
    async with ctc.client() as client:
        row = await create(client, "customers", customer(first_name="Imogen"))
    new = set(ctc.records("customers")) - before
    assert new == {row["uuid"]}
    posts = writes(ctc, "POST")
    assert [p.faults for p in posts] == [["drop"], []]
    assert len({p.headers["idempotency-key"] for p in posts}) == 1
    assert len(ctc.waits) == 1


async def test_a_create_that_landed_unanswered_is_answered_by_the_replay(
    live_ctc: tuple[Any, str],
) -> None:
    app, url = live_ctc
    app.state.sandbox.reset()
    ctc = Ctc(app, url, None)
    # The first POST is held past the client's timeout, then served: it lands, unanswered.
    await ctc.fault(kind="latency", latency_ms=500, count=1, method="POST")
    before = set(ctc.records("customers"))
    settings = {"baseUrl": f"{url}/api/v1", "apiKey": API_KEY}
    slow_retry = RetryPolicy(attempts=3, wait_initial=0.7, wait_jitter=0.0)
    options = HttpOptions(timeout=httpx.Timeout(0.25))
    async with CustomTradesClient(settings, retry=slow_retry, options=options) as client:
        row = await create(client, "customers", customer(first_name="Lost"))
    assert set(ctc.records("customers")) - before == {row["uuid"]}
    retried = writes(ctc, "POST")[-1]
    assert retried.status == 201  # the stored answer of the first attempt, replayed
    gets = [r.path for r in ctc.requests() if r.method == "GET"]
    assert gets == [f"/api/v1/customers/{row['uuid']}"]  # the replay, confirmed live


async def test_concurrent_duplicates_act_once(live_ctc: tuple[Any, str]) -> None:
    app, url = live_ctc
    app.state.sandbox.reset()
    ctc = Ctc(app, url, None)
    before = set(ctc.records("customers"))
    results: list[dict[str, Any]] = []
    async with ctc.client() as client:

        async def one() -> None:
            results.append(await create(client, "customers", customer(first_name="Twin")))

        async with anyio.create_task_group() as tasks:
            for _ in range(10):
                tasks.start_soon(one)
    new = set(ctc.records("customers")) - before
    assert len(new) == 1
    assert {r["uuid"] for r in results} == new
    cached = [p.status for p in writes(ctc, "POST")]
    assert cached == [201] * 10


async def test_a_callers_key_is_sent_as_given_and_reuse_for_another_record_is_refused(
    local: Ctc,
) -> None:
    async with local.client() as client:
        first = await create(client, "customers", customer(), idempotency_key="job-77:customer")
        again = await create(client, "customers", customer(), idempotency_key="job-77:customer")
        with pytest.raises(FixRequest) as refused:
            await create(
                client, "customers", customer(first_name="Other"), idempotency_key="job-77:customer"
            )
    assert again["uuid"] == first["uuid"]
    assert refused.value.detail == (
        "Custom Trades CRM: 422 Idempotency-Key has already been used with a different request; "
        "use a new key for a new request"
    )
    assert {p.headers["idempotency-key"] for p in writes(local, "POST")} == {"job-77:customer"}
    assert len(writes(local, "POST")) == 3  # a refusal is not retried


async def test_an_update_repeated_after_a_different_one_is_applied(local: Ctc) -> None:
    target = next(iter(local.records("customers")))
    async with local.client() as client:
        await update(client, "customers", target, {"notes": "A"})
        await update(client, "customers", target, {"notes": "B"})
        third = await update(client, "customers", target, {"notes": "A"})
    assert third["notes"] == "A"
    with local.state.lock:
        assert local.state.primary.collections["customers"].rows[target].data["notes"] == "A"
    puts = writes(local, "PUT")
    assert len(puts) == 4  # the third was answered from the store, so it was sent again
    assert "idempotency-key" not in puts[-1].headers


async def test_a_create_repeated_after_its_record_was_deleted_creates_again(local: Ctc) -> None:
    async with local.client() as client:
        first = await create(client, "customers", customer(first_name="Phoenix"))
        await delete(client, "customers", first["uuid"])
        second = await create(client, "customers", customer(first_name="Phoenix"))
    assert second["uuid"] != first["uuid"]
    assert second["deleted_at"] is None
    named = [
        row.data
        for row in local.state.primary.collections["customers"].rows.values()
        if row.data["first_name"] == "Phoenix"
    ]
    assert sorted(r["deleted_at"] is None for r in named) == [False, True]


async def test_an_invalid_record_is_refused_once_with_the_vendors_reason(local: Ctc) -> None:
    async with local.client() as client:
        with pytest.raises(FixRequest) as refused:
            await create(client, "customers", {"last_name": "Reyes", "email": "not-an-email"})
    assert refused.value.detail.startswith("Custom Trades CRM: 400 first_name is required")
    assert "email must be a valid email address" in refused.value.detail
    assert len(writes(local, "POST")) == 1


async def test_an_update_after_a_503_is_retried_under_the_same_key(local: Ctc) -> None:
    target = next(iter(local.records("jobs")))
    await local.fault(kind="error", status=503, count=1, method="PUT")
    async with local.client() as client:
        job = await update(client, "jobs", target, {"priority": "High"})
    assert job["priority"] == "High"
    puts = writes(local, "PUT")
    assert [p.status for p in puts] == [503, 200]
    assert puts[0].headers["idempotency-key"] == puts[1].headers["idempotency-key"]


async def test_job_photos_are_created_and_deleted(local: Ctc) -> None:
    with local.state.lock:
        job = next(iter(local.state.primary.collections["jobs"].live)).uuid
    async with local.client() as client:
        photo = await create_job_photo(
            client, job, {"photo_url": "https://img.test/roof.jpg", "photo_type": "before"}
        )
        gone = await delete_job_photo(client, job, photo["uuid"])
        with pytest.raises(NotFound) as missing:
            await delete_job_photo(client, job, photo["uuid"], idempotency_key="another")
    assert photo["job_uuid"] == job
    assert gone["deleted_at"] is not None
    assert missing.value.detail == "Custom Trades CRM: 404 Photo not found"


async def test_writes_the_vendor_does_not_offer_are_refused_before_sending(local: Ctc) -> None:
    async with local.client() as client:
        with pytest.raises(FixRequest, match="no update for job photos"):
            await update(client, "job_photos", "0b3c1a55-0a4e-4c1b-9a7e-1f6f1f7f3d20", {})
        with pytest.raises(FixRequest, match="cannot be written"):
            await create(client, "companies", {"name": "Harbor Roofing"})
        with pytest.raises(FixRequest, match="is not a customer UUID"):
            await delete(client, "customers", "../numbering")
        with pytest.raises(FixRequest, match="idempotency key"):
            await create(client, "customers", customer(), idempotency_key="x" * 256)
    assert local.requests() == []


async def test_a_customer_is_found_by_exact_email_on_any_page(local: Ctc) -> None:
    async with local.client() as client:
        ann = await create(client, "customers", customer(email="ann@harbor.example"))
        # More than a page of customers whose email contains Ann's, created after her, so the
        # list (newest first) shows her on its second page.
        for n in range(105):
            await create(client, "customers", customer(email=f"jo{n}ann@harbor.example"))
        again = await create(client, "customers", customer(email="Ann@Harbor.example"))
        found = await find_customer(client, " ANN@harbor.example ")
        assert found is not None
        assert found["uuid"] == ann["uuid"]  # the oldest of the two exact matches
        assert [r.query for r in local.requests() if "search=" in r.query] == [
            "search=ann%40harbor.example&page=1&limit=100",
            "search=ann%40harbor.example&page=2&limit=100",
        ]  # 107 customers match the search: two pages, Ann on the second
        assert await find_customer(client, "nn@harbor.example") is None  # substrings only
        assert await find_customer(client, "") is None

        await delete(client, "customers", ann["uuid"])
        found = await find_customer(client, "ann@harbor.example")
        assert found is not None
        assert found["uuid"] == again["uuid"]  # a deleted customer is not found
        assert (await read(client, "customers", again["uuid"]))["email"] == again["email"]
        with pytest.raises(NotFound):
            await read(client, "customers", ann["uuid"])
