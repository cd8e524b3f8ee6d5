"""Sandbox to sandbox: a merchant's CareCloud customers reach its Custom Trades CRM through
pulls, the record pipeline and publishing, on SQLite and PostgreSQL; created, updated and
deleted at CareCloud, and each change lands once at Custom Trades."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.api.conftest import api as api
from tests.sync.customers_flow import assert_mirrored, customers_flow

CUSTOMERS = 120


def test_customers_created_updated_and_deleted_at_carecloud_reach_custom_trades(api: Api) -> None:
    with customers_flow(api, CUSTOMERS) as flow:
        # Created: the first sync brings every live customer.
        state = flow.sync()
        assert (state["status"], state["lastError"]) == ("idle", None), state
        links = assert_mirrored(flow)
        live = [cid for cid, c in flow.source_customers().items() if c.state != 0]
        assert len(links) == len(live) > CUSTOMERS * 0.8

        # Updated through CareCloud's API, and new ones inserted: one more sync.
        renamed = sorted(links)[:5]
        for n, customer_id in enumerate(renamed):
            flow.rename_at_carecloud(customer_id, f"Renamed{n}", f"renamed.{n}@example.com")
        flow.control("carecloud", "POST", "/records/insert", params={"count": 4})
        state = flow.sync()
        assert state["lastError"] is None, state
        after = assert_mirrored(flow)
        assert {cid: after[cid] for cid in links} == links  # updated in place, not re-created
        assert len(after) == len(links) + 4
        destination = flow.destination_customers()
        assert [destination[links[cid]]["last_name"] for cid in renamed] == [
            f"Renamed{n}" for n in range(5)
        ]

        # Deleted at CareCloud (state 0): soft-deleted at Custom Trades.
        deleted = sorted(links)[5:8]
        for customer_id in deleted:
            flow.delete_at_carecloud(customer_id)
        flow.sync()
        final = assert_mirrored(flow)
        destination = flow.destination_customers()
        assert all(destination[final[cid]]["deleted_at"] for cid in deleted)

        # A sync with nothing new changes nothing.
        before = flow.destination_customers()
        flow.sync()
        assert flow.destination_customers() == before

        # What was sent and what Custom Trades answered, for a renamed and a deleted customer.
        renamed_id, deleted_id = flow.cresco_id(renamed[0]), flow.cresco_id(deleted[0])
        payloads = flow.get(f"/publish/{flow.destination}/{renamed_id}/history")
        assert [p["action"] for p in payloads] == ["update", "create"]
        assert payloads[0]["payload"]["data"][0]["lastName"] == "Renamed0"
        results = flow.get(f"/system_results/{renamed_id}/{flow.destination}/history")
        assert [r["status"] for r in results] == ["updated", "created"]
        assert results[0]["response"]["uuid"] == links[renamed[0]]
        payloads = flow.get(f"/publish/{flow.destination}/{deleted_id}/history")
        assert [p["action"] for p in payloads] == ["delete", "create"]
        results = flow.get(f"/system_results/{deleted_id}/{flow.destination}/history")
        assert [r["status"] for r in results] == ["deleted", "created"]
        verdicts = flow.get(
            "/system_results", integrationId=flow.source, objectId=renamed[0], limit=100
        )
        statuses = [r["status"] for r in verdicts]  # newest first
        assert statuses[-1] == "created", statuses
        assert statuses.count("created") == 1, statuses
        assert "updated" in statuses
        untouched = sorted(links)[-1]
        sent = flow.get(f"/publish/{flow.destination}/{flow.cresco_id(untouched)}")
        assert (sent["action"], sent["payload"]["objectId"]) == ("create", untouched)
        current = flow.get("/publish", integrationId=flow.destination, limit=9999)
        assert len(current) == len(final)
