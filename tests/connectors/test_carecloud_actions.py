"""CareCloud writes against the sandbox: creating customers (retried safely through CareCloud's
refusal of a second customer with the same email, or, without an email, found by the customer
source record when delivered again, so a write whose answer is lost creates exactly one),
updating them by read-modify-write, and CareCloud's own reasons when it refuses."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from crossdock.connectors.carecloud import CareCloudClient, create_customer, update_customer
from crossdock.connectors.http import ConnectionFailed, HttpOptions, RetryPolicy
from crossdock.errors import Conflict, CrossdockError, FixRequest, NotFound
from tests.connectors.servers import serve
from tests.connectors.test_carecloud_support import (
    CUSTOMERS_PATH,
    ENTERPRISE,
    carecloud_app,
    carecloud_settings,
    fault,
    recorded,
)

pytestmark = pytest.mark.anyio

FAST = RetryPolicy(attempts=4).without_waiting()


@pytest.fixture
def app() -> Any:
    return carecloud_app(records=40)


def client_for(app: Any) -> CareCloudClient:
    transport = httpx.ASGITransport(app, raise_app_exceptions=False)
    return CareCloudClient(carecloud_settings(), transport=transport, retry=FAST)


def new_customer(app: Any, email: str | None = "dana.reyes@example.com") -> dict[str, Any]:
    source = app.state.sandbox.state.credentials()["customer_source_id"]
    info: dict[str, Any] = {
        "first_name": "Dana",
        "last_name": "Reyes",
        "gender": 2,
        "language_id": "en",
        "birthdate": "1990-04-02",
        "address": {"address1": "Husova", "address2": "12", "city": "Brno", "zip": "60200"},
    }
    if email is not None:
        info["email"] = email
    return {
        "customer": {"personal_information": info},
        "customer_source": {"customer_source_id": source, "external_id": "crossdock-7"},
    }


def posts(app: Any) -> list[int | None]:
    return [r.status for r in recorded(app, CUSTOMERS_PATH, "POST")]


SOURCE_RECORDS_PATH = f"{ENTERPRISE}/customer-source-records"


def customers_with_external_id(app: Any, external_id: str = "crossdock-7") -> list[str]:
    state = app.state.sandbox.state
    with state.lock:
        return [c.customer_id for c in state.customer_list if c.external_id == external_id]


def source_lookups(app: Any) -> list[dict[str, list[str]]]:
    """The queries of every GET /customer-source-records, decoded."""
    found = []
    for r in recorded(app, SOURCE_RECORDS_PATH, "GET"):
        query = httpx.QueryParams(r.query)
        found.append({key: query.get_list(key) for key in query})
    return found


def customers_with_email(app: Any, email: str) -> list[str]:
    state = app.state.sandbox.state
    with state.lock:
        return [c.customer_id for c in state.customer_list if c.personal.email == email]


async def test_create_returns_the_new_customer_id(app: Any) -> None:
    async with client_for(app) as client:
        customer_id = await create_customer(client, new_customer(app))
    assert customers_with_email(app, "dana.reyes@example.com") == [customer_id]
    sent = json.loads(recorded(app, CUSTOMERS_PATH, "POST")[0].body)
    assert sent["autologin"] is False  # required by CareCloud; Crossdock logs no one in
    assert posts(app) == [201]


async def test_a_second_customer_with_the_email_is_a_conflict_with_carecloud_reason(
    app: Any,
) -> None:
    async with client_for(app) as client:
        await create_customer(client, new_customer(app))
        with pytest.raises(Conflict) as refused:
            await create_customer(client, new_customer(app))
    assert refused.value.detail == (
        "CareCloud: 400 Invalid input parameters: customer.personal_information.email. "
        "(invalid_parameters_exception; customer.personal_information.email: already_exists)"
    )
    assert refused.value.field == "customer.personal_information.email"
    assert refused.value.explanation == "A record with this value already exists."
    assert posts(app) == [201, 400]  # a conflict on the first attempt is not retried
    assert recorded(app, CUSTOMERS_PATH, "GET") == []  # nor looked into


async def test_a_create_delivered_again_answers_the_customer_an_earlier_call_created(
    app: Any,
) -> None:
    since = time.time()
    async with client_for(app) as client:
        first = await create_customer(client, new_customer(app))
        # Its answer was lost to the caller, which delivers the same body again.
        again = await create_customer(client, new_customer(app), landed_since=since)
    assert again == first
    assert customers_with_email(app, "dana.reyes@example.com") == [first]
    assert posts(app) == [201, 400]


@pytest.mark.parametrize("retried", [False, True], ids=["first-attempt", "after-a-503"])
async def test_a_create_delivered_again_refused_for_an_older_customer_stays_a_conflict(
    app: Any, retried: bool
) -> None:
    state = app.state.sandbox.state
    taken = next(c.personal.email for c in state.customer_list if c.personal.email)
    assert taken is not None
    if retried:
        fault(app, kind="error", status=503, count=1, method="POST", route="*/customers")
    async with client_for(app) as client:
        with pytest.raises(Conflict):
            await create_customer(
                client, new_customer(app, email=taken), landed_since=time.time() - 60
            )
    assert len(customers_with_email(app, taken)) == 1
    lookups = [r.query for r in recorded(app, CUSTOMERS_PATH, "GET")]
    assert lookups == [str(httpx.QueryParams({"email": taken}))]  # looked into once


async def test_a_create_delivered_again_refused_for_another_person_stays_a_conflict(
    app: Any,
) -> None:
    since = time.time()
    async with client_for(app) as client:
        first = await create_customer(client, new_customer(app))
        # Someone else registered with the email since: not the earlier call's customer.
        other = new_customer(app)
        other["customer"]["personal_information"]["first_name"] = "Dora"
        with pytest.raises(Conflict):
            await create_customer(client, other, landed_since=since)
    assert customers_with_email(app, "dana.reyes@example.com") == [first]


async def test_an_invalid_customer_is_refused_once_naming_every_field(app: Any) -> None:
    body = new_customer(app)
    del body["customer_source"]
    body["customer"]["personal_information"]["gender"] = 9
    async with client_for(app) as client:
        with pytest.raises(FixRequest) as refused:
            await create_customer(client, body)
    assert refused.value.field == "customer.personal_information.gender"
    assert "customer.personal_information.gender: not_allowed_value" in refused.value.detail
    assert "customer_source: required" in refused.value.detail
    assert posts(app) == [400]


async def test_create_after_a_503_is_retried_and_lands_once(app: Any) -> None:
    fault(app, kind="error", status=503, count=1, method="POST", route="*/customers")
    async with client_for(app) as client:
        customer_id = await create_customer(client, new_customer(app))
    assert posts(app) == [503, 201]
    assert customers_with_email(app, "dana.reyes@example.com") == [customer_id]


async def test_a_conflict_after_a_retry_with_another_customer_stays_a_conflict(app: Any) -> None:
    state = app.state.sandbox.state
    taken = next(c.personal.email for c in state.customer_list if c.personal.email)
    assert taken is not None
    fault(app, kind="error", status=503, count=1, method="POST", route="*/customers")
    async with client_for(app) as client:
        with pytest.raises(Conflict):
            await create_customer(client, new_customer(app, email=taken))
    assert posts(app) == [503, 400]
    assert len(customers_with_email(app, taken)) == 1
    # The retry's conflict was checked: the customer with that email is someone else.
    lookups = [r.query for r in recorded(app, CUSTOMERS_PATH, "GET")]
    assert lookups == [str(httpx.QueryParams({"email": taken}))]


@pytest.fixture
def live() -> Iterator[tuple[Any, str]]:
    app = carecloud_app(records=40)
    with serve(app) as url:
        yield app, url


async def test_a_create_whose_answer_is_dropped_is_retried_and_creates_exactly_one(
    live: tuple[Any, str],
) -> None:
    app, url = live
    rule = {"kind": "drop", "count": 1, "method": "POST", "route": f"{CUSTOMERS_PATH}"}
    async with httpx.AsyncClient(base_url=url) as control:
        assert (await control.post("/_sandbox/faults", json=rule)).status_code == 201
    async with CareCloudClient(carecloud_settings(url), retry=FAST) as client:
        customer_id = await create_customer(client, new_customer(app))
    assert posts(app) == [200, 201]  # the 200 was cut off mid-body
    assert customers_with_email(app, "dana.reyes@example.com") == [customer_id]


async def test_a_create_that_lands_unanswered_is_found_by_its_email(
    live: tuple[Any, str],
) -> None:
    app, url = live
    # The first POST is held past the client's timeout, then served: it lands, unanswered.
    fault(app, kind="latency", latency_ms=500, count=1, method="POST", route=CUSTOMERS_PATH)
    slow_retry = RetryPolicy(attempts=3, wait_initial=0.7, wait_jitter=0.0)
    options = HttpOptions(timeout=httpx.Timeout(0.25))
    async with CareCloudClient(carecloud_settings(url), retry=slow_retry, options=options) as c:
        customer_id = await create_customer(c, new_customer(app))
    assert posts(app)[-1] == 400  # the retry met the first attempt's customer
    assert customers_with_email(app, "dana.reyes@example.com") == [customer_id]


async def test_a_create_without_email_is_not_sent_twice_when_it_may_have_landed(
    live: tuple[Any, str],
) -> None:
    app, url = live
    fault(app, kind="drop", count=1, method="POST", route=CUSTOMERS_PATH)
    async with CareCloudClient(carecloud_settings(url), retry=FAST) as client:
        with pytest.raises(ConnectionFailed) as failed:
            await create_customer(client, new_customer(app, email=None))
    assert failed.value.may_have_landed
    assert posts(app) == [200]


async def test_an_emailless_create_delivered_again_is_found_by_its_source_record(
    app: Any,
) -> None:
    since = time.time()
    body = new_customer(app, email=None)
    source = body["customer_source"]["customer_source_id"]
    async with client_for(app) as client:
        first = await create_customer(client, body)
        # Its answer was lost to the caller, which delivers the same body again.
        with capture_logs() as logs:
            again = await create_customer(client, body, landed_since=since)
    assert again == first
    assert customers_with_external_id(app) == [first]
    assert posts(app) == [201]  # looked up, not sent again
    assert source_lookups(app) == [
        {"external_ids[]": ["crossdock-7"], "customer_source_id": [source]}
    ]
    assert not [e for e in logs if e["log_level"] == "warning"]


async def test_an_emailless_create_whose_answer_was_lost_yields_one_customer(app: Any) -> None:
    # CareCloud creates the customer, and a gateway answers 504 in its place.
    fault(
        app,
        kind="lose_response",
        answer="error",
        status=504,
        count=1,
        method="POST",
        route=CUSTOMERS_PATH,
    )
    since = time.time()
    body = new_customer(app, email=None)
    async with client_for(app) as client:
        with pytest.raises(CrossdockError):
            await create_customer(client, body)  # not retried: nothing to check it by
        customer_id = await create_customer(client, body, landed_since=since)
    assert customers_with_external_id(app) == [customer_id]
    assert [r.served_status for r in recorded(app, CUSTOMERS_PATH, "POST")] == [201]


async def test_an_emailless_create_that_had_not_landed_is_sent_after_the_lookup(
    app: Any,
) -> None:
    async with client_for(app) as client:
        customer_id = await create_customer(
            client, new_customer(app, email=None), landed_since=time.time() - 30
        )
    assert customers_with_external_id(app) == [customer_id]
    assert len(source_lookups(app)) == 1
    assert posts(app) == [201]


async def test_an_older_customer_with_the_external_id_is_not_the_earlier_calls(app: Any) -> None:
    state = app.state.sandbox.state
    older = next(c for c in state.customer_list if c.external_id)
    body = new_customer(app, email=None)
    body["customer_source"] = {
        "customer_source_id": older.source_id,
        "external_id": older.external_id,
    }
    async with client_for(app) as client:
        # Seed customers were created years ago, long before this delivery was first sent.
        customer_id = await create_customer(client, body, landed_since=time.time())
    assert customer_id != older.customer_id
    assert posts(app) == [201]


async def test_the_same_external_id_in_another_source_is_not_the_earlier_calls(app: Any) -> None:
    since = time.time()
    body = new_customer(app, email=None)
    source = body["customer_source"]["customer_source_id"]
    other = next(s for s in app.state.sandbox.state.catalog.sources if s != source)
    async with client_for(app) as client:
        first = await create_customer(client, body)
        body["customer_source"]["customer_source_id"] = other
        second = await create_customer(client, body, landed_since=since)
    assert second != first
    assert posts(app) == [201, 201]


async def test_a_create_with_neither_email_nor_external_id_goes_again_with_a_warning(
    app: Any,
) -> None:
    since = time.time()
    body = new_customer(app, email=None)
    del body["customer_source"]["external_id"]
    async with client_for(app) as client:
        first = await create_customer(client, body)
        with capture_logs() as logs:
            second = await create_customer(client, body, landed_since=since)
    # Nothing to find the earlier customer by: CareCloud now has two.
    assert second != first
    assert posts(app) == [201, 201]
    assert source_lookups(app) == []
    [warning] = [e for e in logs if e["log_level"] == "warning"]
    assert "neither an email nor an external id" in warning["event"]


async def test_an_emailless_create_cut_off_after_landing_yields_one_customer(
    live: tuple[Any, str],
) -> None:
    app, url = live
    # The customer is created, then the connection is cut before the answer.
    fault(app, kind="lose_response", count=1, method="POST", route=CUSTOMERS_PATH)
    since = time.time()
    body = new_customer(app, email=None)
    async with CareCloudClient(carecloud_settings(url), retry=FAST) as client:
        with pytest.raises(ConnectionFailed) as failed:
            await create_customer(client, body)
        assert failed.value.may_have_landed
        customer_id = await create_customer(client, body, landed_since=since)
    assert customers_with_external_id(app) == [customer_id]
    assert [r.served_status for r in recorded(app, CUSTOMERS_PATH, "POST")] == [201]


async def test_update_changes_only_what_it_names(app: Any) -> None:
    state = app.state.sandbox.state
    with state.lock:
        customer = next(c for c in state.customer_list if c.state == 1 and len(c.personal.consents))
        before = json.loads(customer.json(state.catalog.system_consents))
    consent = before["personal_information"]["consents"][0]
    flipped = 0 if consent["consent_value"] == 1 else 1
    async with client_for(app) as client:
        updated = await update_customer(
            client,
            customer.customer_id,
            {
                "phone": "420777123456",
                "address": {"city": "Olomouc"},
                "consents": [{"consent_id": consent["consent_id"], "consent_value": flipped}],
            },
        )
    info, old = updated["personal_information"], before["personal_information"]
    assert info["phone"] == "420777123456"
    assert info["address"] == {**old["address"], "city": "Olomouc"}
    assert info["first_name"] == old["first_name"]
    assert info["email"] == old.get("email", info.get("email"))
    assert info["salutation"] == old["salutation"]
    values = {c["consent_id"]: c["consent_value"] for c in info["consents"]}
    assert values == {
        **{c["consent_id"]: c["consent_value"] for c in old["consents"]},
        consent["consent_id"]: flipped,
    }
    assert updated["last_change"] > before["last_change"]
    sent = json.loads(recorded(app, f"{CUSTOMERS_PATH}/{customer.customer_id}", "PUT")[0].body)
    assert "agreement" not in sent["customer"]["personal_information"]


async def test_a_rename_gets_a_salutation_for_the_new_name(app: Any) -> None:
    state = app.state.sandbox.state
    customer = next(c for c in state.customer_list if c.state == 1 and c.personal.gender == 2)
    async with client_for(app) as client:
        updated = await update_customer(client, customer.customer_id, {"last_name": "Horak"})
    assert updated["personal_information"]["salutation"].endswith("Horak")


async def test_an_update_after_a_502_is_sent_again(app: Any) -> None:
    customer_id = app.state.sandbox.state.customer_list[3].customer_id
    fault(app, kind="error", status=502, count=1, method="PUT")
    async with client_for(app) as client:
        updated = await update_customer(client, customer_id, {"first_name": "Eva"})
    assert updated["personal_information"]["first_name"] == "Eva"
    puts = recorded(app, f"{CUSTOMERS_PATH}/{customer_id}", "PUT")
    assert [r.status for r in puts] == [502, 204]


async def test_update_refuses_unknown_fields_before_sending(app: Any) -> None:
    async with client_for(app) as client:
        with pytest.raises(FixRequest) as refused:
            await update_customer(client, "abc", {"nickname": "x"})
    assert refused.value.field == "customer.personal_information.nickname"
    assert app.state.sandbox.recorder.items() == []


async def test_update_of_an_unknown_customer_is_not_found(app: Any) -> None:
    async with client_for(app) as client:
        with pytest.raises(NotFound) as missing:
            await update_customer(client, "0000000000000000000000000a", {"first_name": "X"})
    assert missing.value.detail == (
        'CareCloud: 404 Record "0000000000000000000000000a" of resource "customers" not found. '
        "(not_found_exception)"
    )


async def test_update_of_a_deleted_customer_is_refused_by_carecloud(app: Any) -> None:
    state = app.state.sandbox.state
    customer = next(c for c in state.customer_list if c.state == 0)
    async with client_for(app) as client:
        with pytest.raises(FixRequest) as refused:
            await update_customer(client, customer.customer_id, {"first_name": "X"})
    assert "customer_id: deleted" in refused.value.detail
