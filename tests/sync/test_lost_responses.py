"""Whole syncs whose writes land at the destination while their answers are lost (the
sandboxes' ``lose_response`` fault: served in full, then a cut connection or a gateway error).
Crossdock cannot tell such a write from one that never arrived; sending it again must not
write it twice. Each test ends with the destination holding every source record exactly once,
as the source has it now.

Waits stay short: a cut connection or a 5xx costs the connectors' first backoff (0.5 to 1 s);
injected 429s carry a Retry-After of 50 ms; work handed back to the engine is run again by
moving the hub's clock past the publish backoff.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx

from crossdock.sync.jobs import ingest, pull_due
from crossdock.sync.publish import claim, deliver_all
from tests.api.conftest import Api
from tests.api.conftest import api as api
from tests.api.test_publish_vendors import flow as api_to_vendor
from tests.connectors.servers import cro_app, cro_serve, cro_settings
from tests.sync.customers_flow import CustomersFlow, assert_mirrored, customers_flow

CUSTOMERS = 120
CTC_CUSTOMERS = "/api/v1/customers"


def ctc_writes(flow: CustomersFlow) -> list[dict[str, Any]]:
    """The writes Custom Trades received, as its sandbox recorded them."""
    seen = flow.control("customtrades", "GET", "/requests", params={"limit": 1000})
    return [r for r in seen if r["method"] in ("POST", "PUT", "DELETE")]


def assert_lost_writes_were_sent_again_with_their_keys(writes: list[dict[str, Any]]) -> None:
    """Every write whose answer was lost had landed (the vendor answered it 2xx), and went
    again under the same ``Idempotency-Key``, to be answered from the vendor's store."""
    lost = [r for r in writes if "lose_response" in r["faults"]]
    assert lost, "no answer was lost"
    assert all(200 <= r["served_status"] < 300 for r in lost), lost
    sent = Counter(r["headers"]["idempotency-key"] for r in writes)
    assert all(sent[r["headers"]["idempotency-key"]] >= 2 for r in lost)


def test_lost_answers_to_creates_updates_and_deletes_at_custom_trades_write_each_once(
    api: Api,
) -> None:
    with customers_flow(api, CUSTOMERS) as flow:
        # Eight creates from the 21st land and have their connections cut; four from the 61st
        # land and are answered 504 as a gateway that gave up waiting would.
        flow.fault(
            "customtrades",
            kind="lose_response",
            method="POST",
            route=CTC_CUSTOMERS,
            after=20,
            count=8,
        )
        flow.fault(
            "customtrades",
            kind="lose_response",
            answer="error",
            status=504,
            method="POST",
            route=CTC_CUSTOMERS,
            after=60,
            count=4,
        )
        state = flow.sync()
        assert (state["status"], state["lastError"]) == ("idle", None), state
        flow.settle()
        assert [f["fired"] for f in flow.faults("customtrades")] == [8, 4]
        links = assert_mirrored(flow)
        assert len(links) == flow.live()
        assert_lost_writes_were_sent_again_with_their_keys(ctc_writes(flow))

        # Updates and deletions lose their answers too.
        flow.control("customtrades", "DELETE", "/faults")
        flow.control("customtrades", "DELETE", "/requests")
        flow.fault("customtrades", kind="lose_response", route=f"{CTC_CUSTOMERS}/*", count=6)
        flow.fault(
            "customtrades",
            kind="lose_response",
            answer="error",
            status=502,
            route=f"{CTC_CUSTOMERS}/*",
            after=8,
            count=3,
        )
        renamed, deleted = sorted(links)[:15], sorted(links)[15:20]
        for n, customer_id in enumerate(renamed):
            flow.rename_at_carecloud(customer_id, f"Lost{n}", f"lost.{n}@example.com")
        for customer_id in deleted:
            flow.delete_at_carecloud(customer_id)
        state = flow.sync()
        assert (state["status"], state["lastError"]) == ("idle", None), state
        flow.settle()
        assert [f["fired"] for f in flow.faults("customtrades")] == [6, 3]
        after = assert_mirrored(flow)
        assert after == links  # the same Custom Trades records, updated or soft-deleted
        destination = flow.destination_customers()
        assert all(destination[links[cid]]["deleted_at"] for cid in deleted)
        writes = ctc_writes(flow)
        assert {r["method"] for r in writes} == {"PUT", "DELETE"}
        assert_lost_writes_were_sent_again_with_their_keys(writes)


def test_a_create_handed_back_unanswered_then_changed_at_the_source_is_written_once(
    api: Api,
) -> None:
    with customers_flow(api, CUSTOMERS) as flow:
        flow.sync()
        links = assert_mirrored(flow)
        flow.control("customtrades", "DELETE", "/requests")

        # A new customer's create lands but its answer is lost, and each try after it meets a
        # 429, until the client gives up and hands the delivery back to the engine, which
        # owns a record that may or may not exist at Custom Trades.
        before = set(flow.source_customers())
        flow.control("carecloud", "POST", "/records/insert", params={"count": 1})
        flow.fault("customtrades", kind="lose_response", method="POST", count=1)
        flow.fault(
            "customtrades",
            kind="rate_limit",
            method="POST",
            after=1,
            burst=5,
            retry_after=0.05,
            count=1,
        )
        flow.sync()
        [new] = set(flow.source_customers()) - before
        assert flow.jobs("pending") == 1
        assert len(flow.destination_customers()) == len(links) + 1  # it landed all the same

        # Before the engine tries again, the customer changes at CareCloud: the next delivery
        # is of a newer version, still a create as far as the hub knows.
        flow.rename_at_carecloud(new, "Changed", "changed@example.com")
        flow.sync()
        assert flow.jobs("pending") == 2  # the newer version waits for the create
        flow.settle()
        links = assert_mirrored(flow)
        assert len(links) == flow.live()
        assert_created_then_updated(flow, new)


def test_a_worker_dying_after_its_create_landed_then_a_change_writes_the_customer_once(
    api: Api,
) -> None:
    with customers_flow(api, CUSTOMERS) as flow:
        flow.sync()
        links = assert_mirrored(flow)
        flow.control("customtrades", "DELETE", "/requests")

        # A new customer is pulled; a worker claims its create and sends it, and the create
        # lands, but the worker dies before it records the answer.
        before = set(flow.source_customers())
        flow.control("carecloud", "POST", "/records/insert", params={"count": 1})
        r = api.client.post(f"/integrations/{flow.source}/sync", headers=flow.headers)
        assert r.status_code in (200, 202), r.text
        pull_due(api.hub)
        ingest(api.hub)
        with api.hub.transaction() as session:
            [delivery] = claim(session, api.hub.secrets, api.clock(), 10)
        [outcome] = asyncio.run(deliver_all([delivery]))
        assert outcome.error is None, outcome.error
        [new] = set(flow.source_customers()) - before
        assert len(flow.destination_customers()) == len(links) + 1

        # The customer changes at CareCloud while the dead worker's lease runs.
        flow.rename_at_carecloud(new, "Changed", "changed@example.com")
        flow.sync()
        assert flow.jobs("sending") == 1
        api.clock.advance(api.hub.settings.publish_lease_seconds + 1)
        flow.headers = api.admin()
        flow.settle()
        links = assert_mirrored(flow)
        assert len(links) == flow.live()
        assert_created_then_updated(flow, new)


def assert_created_then_updated(flow: CustomersFlow, customer_id: str) -> None:
    """The customer's first version went as a create (again, under the key it was first sent
    with, so the vendor answered from its store) and the newer one as an update."""
    cresco_id = flow.cresco_id(customer_id)
    sent = flow.get(f"/publish/{flow.destination}/{cresco_id}/history")
    assert [(p["action"], p["version"]) for p in sent] == [("update", 2), ("create", 1)]
    creates = [r for r in ctc_writes(flow) if r["method"] == "POST"]
    keys = Counter(r["headers"]["idempotency-key"] for r in creates)
    assert len(keys) == 1, keys  # every create of the customer went under one key
    assert sum(keys.values()) >= 2, keys  # and more than once


# -- a destination without idempotency keys ----------------------------------------------------

CRO_WRITES = 24


def cro_customer(n: int, name: str) -> dict[str, Any]:
    """A merchant customer for CRO: a company at its own street address (CRO's duplicate rule is
    the name and the address's first line and postcode)."""
    return {
        "merchantCustomerId": f"c-{n}",
        "companyName": name,
        "addresses": {
            "main": {
                "street": f"{100 + n} Pier Rd",
                "city": "Sequim",
                "stateCode": "WA",
                "zip": "98382",
                "country": "US",
                "isBilling": True,
                "isShipping": True,
            },
        },
        "contacts": {"owner": {"name": f"Owner {n}", "email": f"owner{n}@example.com"}},
    }


def test_lost_answers_at_cro_software_are_found_by_the_landed_check(api: Api) -> None:
    app = cro_app(records=3)
    state = app.state.sandbox.state

    def at_cro() -> dict[int, Any]:
        with state.lock:
            return dict(state.tenant(state.tenant_id).customers)

    seeded = set(at_cro())
    with cro_serve(app) as url:
        cro = api_to_vendor(api, "customers", "cro", cro_settings(app, url))

        def send(names: dict[int, str]) -> None:
            items = [{"id": f"c-{n}", "record": cro_customer(n, name)} for n, name in names.items()]
            r = api.client.post(
                "/streams_batch",
                json={"integrationId": cro.source, "items": items},
                headers=cro.headers,
            )
            assert r.status_code == 200, r.text
            api.drain()

        def assert_once_each(names: dict[int, str]) -> dict[int, int]:
            """Every merchant customer at CRO once, named as now: merchant n -> CRO id."""
            jobs = api.client.get(
                "/publish/jobs",
                params={"integrationId": cro.destination, "limit": 1000},
                headers=cro.headers,
            ).json()
            assert {j["status"] for j in jobs} <= {"done", "superseded"}, jobs
            ours = {cid: c for cid, c in at_cro().items() if cid not in seeded}
            assert sorted(c.name for c in ours.values()) == sorted(names.values())
            by_name = {c.name: cid for cid, c in ours.items()}
            return {n: by_name[name] for n, name in names.items()}

        def cro_fault(**rule: Any) -> None:
            r = httpx.post(f"{url}/_sandbox/faults", json=rule)
            assert r.status_code == 201, r.text

        # Creates: four connections cut after the write, two answered 504 after it.
        cro_fault(kind="lose_response", method="POST", route="*/customers", after=3, count=4)
        cro_fault(
            kind="lose_response",
            answer="error",
            status=504,
            method="POST",
            route="*/customers",
            after=12,
            count=2,
        )
        names = {n: f"Harbor Roasters {n}" for n in range(CRO_WRITES)}
        send(names)
        ids = assert_once_each(names)
        fired = [f["fired"] for f in httpx.get(f"{url}/_sandbox/faults").json()]
        assert fired == [4, 2]
        # Each lost create landed, and its retry met CRO's duplicate rule (409), which sent the
        # connector looking for the customer its first attempt created.
        seen = httpx.get(f"{url}/_sandbox/requests", params={"limit": 1000}).json()
        posts = [r for r in seen if r["method"] == "POST"]
        lost = [r for r in posts if "lose_response" in r["faults"]]
        assert [r["served_status"] for r in lost] == [201] * 6
        refused = Counter(r["body"] for r in posts if r["status"] == 409)
        assert all(refused[r["body"]] >= 1 for r in lost)

        # Renames lose their answers too, and land on the same customers.
        httpx.delete(f"{url}/_sandbox/faults")
        cro_fault(kind="lose_response", method="PATCH", count=5)
        renamed = {n: f"Pier Coffee {n}" for n in range(CRO_WRITES)}
        send(renamed)
        assert assert_once_each(renamed) == ids
        fired = [f["fired"] for f in httpx.get(f"{url}/_sandbox/faults").json()]
        assert fired == [5]


def test_a_cro_create_handed_back_unanswered_then_renamed_is_written_once(api: Api) -> None:
    app = cro_app(records=3)
    state = app.state.sandbox.state
    with state.lock:
        seeded = set(state.tenant(state.tenant_id).customers)
    with cro_serve(app) as url:
        cro = api_to_vendor(api, "customers", "cro", cro_settings(app, url))
        # The create lands, its answer is lost, and 429s refuse every try after it until the
        # client hands the delivery back to the engine.
        for rule in (
            {"kind": "lose_response", "method": "POST", "count": 1},
            {"kind": "rate_limit", "method": "POST", "after": 1, "burst": 5, "retry_after": 0.05},
        ):
            assert httpx.post(f"{url}/_sandbox/faults", json={**rule, "count": 1}).is_success
        assert cro.send("c-1", cro_customer(1, "Harbor Roasters"))["status"] == "retrying"
        # Renamed at the source before the engine tries again.
        cro.send("c-1", cro_customer(1, "Pier Coffee"))
        api.clock.advance(3600)
        cro.headers = api.admin()
        api.drain()

        jobs = api.client.get(
            "/publish/jobs", params={"integrationId": cro.destination}, headers=cro.headers
        ).json()
        assert sorted((j["version"], j["status"]) for j in jobs) == [(1, "done"), (2, "done")]
        with state.lock:
            customers = state.tenant(state.tenant_id).customers
            ours = [c.name for cid, c in customers.items() if cid not in seeded]
        assert ours == ["Pier Coffee"]


def test_a_create_that_may_have_landed_goes_again_as_it_was_after_its_template_changed(
    api: Api,
) -> None:
    from crossdock.mapping.defaults import default_template

    with customers_flow(api, 20) as flow:
        # The 5th create lands and its answer is lost; from then on Custom Trades asks for a
        # pause longer than a delivery waits out, so every delivery, the 5th's retry included,
        # goes back to the engine.
        flow.fault(
            "customtrades",
            kind="lose_response",
            method="POST",
            route=CTC_CUSTOMERS,
            after=4,
            count=1,
        )
        flow.fault(
            "customtrades",
            kind="rate_limit",
            retry_after=30,
            burst=1000,
            count=1,
            method="POST",
            route=CTC_CUSTOMERS,
            after=5,
        )
        flow.sync()
        assert flow.jobs("pending") > 0

        # Before they go again, the merchant changes the outbound template: the 5th create's
        # key is known to Custom Trades with the old body, and another body under it would be
        # refused (422) for good.
        template = default_template("customtrades", "customers", "out", "create_customer")
        assert template is not None
        changed = template.replace(
            "notes: {from: $.notes, truncate: 5000}", "notes: {value: changed since}"
        )
        assert changed != template
        r = api.client.patch(
            f"/integrations/{flow.destination}",
            json={"systemSettings": {"publishTemplate": changed}},
            headers=flow.headers,
        )
        assert r.status_code == 200, r.text
        flow.control("customtrades", "DELETE", "/faults")
        flow.settle()

        # Nothing parked, the landed create answered from Custom Trades' store, and every
        # customer there once, as the template made it when it was first sent.
        links = assert_mirrored(flow)
        assert len(links) == flow.live()
        writes = ctc_writes(flow)
        assert_lost_writes_were_sent_again_with_their_keys(writes)
        assert not [w for w in writes if w["status"] == 422]
