"""Merchant customers published from an ``api`` source to CareCloud while CareCloud's answers
are lost (``lose_response``: the customer is created or changed, then the connection is cut or
a gateway status comes instead). CareCloud takes no idempotency key; what keeps a create from
landing twice is its refusal of a second customer with the same email, and the connector
looking the email up for the customer an earlier attempt or delivery created; a customer
without an email is found by its customer source record (the merchant's id as
``external_id``) when its create is delivered again. Each test ends with every customer at
CareCloud exactly once, as the source has it now.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx

from crossdock.sync.jobs import ingest
from crossdock.sync.publish import claim, deliver_all
from tests.api.conftest import Api
from tests.api.conftest import api as api
from tests.api.test_publish_vendors import flow as api_to_vendor
from tests.connectors.servers import serve
from tests.connectors.test_carecloud_support import carecloud_app, carecloud_settings

WRITES = 24
POSTS = "*/customers"


def merchant_customer(n: int, last_name: str) -> dict[str, Any]:
    return {
        "merchantCustomerId": f"c-{n}",
        "firstName": "Jana",
        "lastName": last_name,
        "email": f"jana.{n}@example.com",
    }


class CareCloudDestination:
    """The CareCloud sandbox behind an ``api`` -> CareCloud customers flow."""

    def __init__(self, api: Api, app: Any, url: str) -> None:
        self.api, self.app, self.url = api, app, url
        self.state = app.state.sandbox.state
        with self.state.lock:
            self.seeded = {c.customer_id for c in self.state.customer_list}
        settings = carecloud_settings(
            url,
            mappingVariables={"customerSourceId": self.state.credentials()["customer_source_id"]},
        )
        self.flow = api_to_vendor(api, "customers", "carecloud", settings)

    def accept(self, records: dict[int, dict[str, Any]]) -> None:
        """The merchant sends these records (not yet processed)."""
        items = [{"id": f"c-{n}", "record": record} for n, record in records.items()]
        r = self.api.client.post(
            "/streams_batch",
            json={"integrationId": self.flow.source, "items": items},
            headers=self.flow.headers,
        )
        assert r.status_code == 200, r.text

    def send(self, records: dict[int, dict[str, Any]]) -> None:
        self.accept(records)
        self.api.drain()

    def fault(self, **rule: Any) -> None:
        r = httpx.post(f"{self.url}/_sandbox/faults", json=rule)
        assert r.status_code == 201, r.text

    def fired(self) -> list[int]:
        return [f["fired"] for f in httpx.get(f"{self.url}/_sandbox/faults").json()]

    def requests(self, method: str) -> list[dict[str, Any]]:
        """The customer writes CareCloud received (logins left out), as its sandbox recorded
        them."""
        seen = httpx.get(f"{self.url}/_sandbox/requests", params={"limit": 1000}).json()
        return [r for r in seen if r["method"] == method and "/customers" in r["path"]]

    def jobs(self) -> list[tuple[int, str]]:
        """(version, status) of every publish job, in order."""
        found = self.api.client.get(
            "/publish/jobs",
            params={"integrationId": self.flow.destination, "limit": 1000},
            headers=self.flow.headers,
        ).json()
        return sorted((j["version"], j["status"]) for j in found)

    def assert_once_each(self, records: dict[int, dict[str, Any]]) -> dict[int, str]:
        """Every merchant customer at CareCloud once, as sent last: merchant n -> customer id."""
        assert {status for _, status in self.jobs()} <= {"done", "superseded"}, self.jobs()
        with self.state.lock:
            ours = [c for c in self.state.customer_list if c.customer_id not in self.seeded]
            held = {c.personal.email: (c.customer_id, c.personal.last_name) for c in ours}
            assert len(held) == len(ours), "an email is held twice"
        wanted = {r["email"]: r["lastName"] for r in records.values()}
        assert {email: name for email, (_, name) in held.items()} == wanted
        return {n: held[r["email"]][0] for n, r in records.items()}


def test_lost_answers_at_carecloud_are_found_by_email(api: Api) -> None:
    app = carecloud_app(records=3)
    with serve(app) as url:
        care = CareCloudDestination(api, app, url)
        # Creates: four connections cut after the customer was created, two answered 504.
        care.fault(kind="lose_response", method="POST", route=POSTS, after=3, count=4)
        care.fault(
            kind="lose_response",
            answer="error",
            status=504,
            method="POST",
            route=POSTS,
            after=12,
            count=2,
        )
        created = {n: merchant_customer(n, "Novak") for n in range(WRITES)}
        care.send(created)
        ids = care.assert_once_each(created)
        assert care.fired() == [4, 2]
        # Each lost create had landed, and its retry met CareCloud's refusal of the email,
        # which sent the connector looking for the customer the first attempt created.
        posts = care.requests("POST")
        lost = [r for r in posts if "lose_response" in r["faults"]]
        assert [r["served_status"] for r in lost] == [201] * 6
        refused = Counter(r["body"] for r in posts if r["status"] == 400)
        assert all(refused[r["body"]] >= 1 for r in lost)

        # Updates lose their answers too, and land on the same customers.
        httpx.delete(f"{url}/_sandbox/faults")
        care.fault(kind="lose_response", method="PUT", count=5)
        renamed = {n: merchant_customer(n, "Svobodova") for n in range(WRITES)}
        care.send(renamed)
        assert care.assert_once_each(renamed) == ids
        assert care.fired() == [5]


def test_a_carecloud_create_handed_back_unanswered_then_changed_is_written_once(
    api: Api,
) -> None:
    app = carecloud_app(records=3)
    with serve(app) as url:
        care = CareCloudDestination(api, app, url)
        # The create lands, its answer is lost, and 429s refuse every try after it until the
        # client hands the delivery back to the engine.
        care.fault(kind="lose_response", method="POST", route=POSTS, count=1)
        care.fault(
            kind="rate_limit",
            method="POST",
            route=POSTS,
            after=1,
            burst=5,
            retry_after=0.05,
            count=1,
        )
        first = {1: merchant_customer(1, "Novak")}
        care.send(first)
        assert care.jobs() == [(1, "pending")]
        # Changed at the source before the engine tries again.
        changed = {1: merchant_customer(1, "Svobodova")}
        care.send(changed)
        api.clock.advance(3600)
        care.flow.headers = api.admin()
        api.drain()

        assert care.jobs() == [(1, "done"), (2, "done")]
        care.assert_once_each(changed)
        # The create went again as it was first sent, met the refusal of its email, and took
        # the customer its first delivery had created; the change followed as an update.
        posts = care.requests("POST")
        assert [r["served_status"] for r in posts] == [201] + [None] * 5 + [400]
        assert len({r["body"] for r in posts}) == 1
        assert len(care.requests("PUT")) == 1


def test_a_worker_dying_after_its_carecloud_create_landed_then_a_change_writes_it_once(
    api: Api,
) -> None:
    app = carecloud_app(records=3)
    with serve(app) as url:
        care = CareCloudDestination(api, app, url)
        # A worker claims the create and sends it, and it lands, but the worker dies before it
        # records the answer.
        care.accept({7: merchant_customer(7, "Novak")})
        ingest(api.hub)
        with api.hub.transaction() as session:
            [delivery] = claim(session, api.hub.secrets, api.clock(), 10)
        [outcome] = asyncio.run(deliver_all([delivery]))
        assert outcome.error is None, outcome.error

        # The customer changes at the source while the dead worker's lease runs.
        changed = {7: merchant_customer(7, "Svobodova")}
        care.send(changed)
        assert care.jobs() == [(1, "sending"), (2, "pending")]
        api.clock.advance(api.hub.settings.publish_lease_seconds + 1)
        care.flow.headers = api.admin()
        api.drain()

        assert care.jobs() == [(1, "done"), (2, "done")]
        care.assert_once_each(changed)
        assert [r["status"] for r in care.requests("POST")] == [201, 400]


def test_lost_answers_of_creates_without_email_are_found_by_source_record(api: Api) -> None:
    app = carecloud_app(records=3)
    with serve(app) as url:
        care = CareCloudDestination(api, app, url)
        # Two connections cut after the customer was created, one answered 504.
        care.fault(kind="lose_response", method="POST", route=POSTS, after=1, count=2)
        care.fault(
            kind="lose_response",
            answer="error",
            status=504,
            method="POST",
            route=POSTS,
            after=4,
            count=1,
        )
        created = {n: merchant_customer(n, "Novak") for n in range(8)}
        for record in created.values():
            del record["email"]
        care.send(created)
        assert care.fired() == [2, 1]
        # Without an email nothing within the call can tell whether a create landed, so the
        # three lost ones went back to the engine, which delivers them again later.
        api.clock.advance(3600)
        care.flow.headers = api.admin()
        api.drain()

        assert {status for _, status in care.jobs()} == {"done"}
        with care.state.lock:
            ours = [c for c in care.state.customer_list if c.customer_id not in care.seeded]
            held = sorted(c.external_id or "" for c in ours)
        assert held == sorted(f"c-{n}" for n in created)  # each once
        posts = care.requests("POST")
        assert [r["served_status"] for r in posts] == [201] * 8  # none sent again
        seen = httpx.get(f"{url}/_sandbox/requests", params={"limit": 1000}).json()
        assert sum(r["path"].endswith("/customer-source-records") for r in seen) == 3
