"""What CareCloud's newest-first paging leaves to the connector: ties (customers changed in the
same second) that CareCloud may order differently in each answer, and project time, whose wall
clock repeats an hour when clocks go back. A small Starlette app stands in for CareCloud where
the sandbox is deterministic; the sandbox serves the rest."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from crossdock.connectors.carecloud import CareCloudClient, CustomersStream
from crossdock.connectors.carecloud.times import earlier, fold_safe, local_text, to_epoch
from crossdock.connectors.http import Checkpoint
from tests.connectors.test_carecloud_support import (
    CUSTOMERS_PATH,
    LOGIN_PATH,
    assert_exactly,
    carecloud_app,
    carecloud_settings,
    sandbox_customers,
)

pytestmark = pytest.mark.anyio

PRAGUE = ZoneInfo("Europe/Prague")


class ShufflingCareCloud:
    """CareCloud's login and ``GET /customers?sort_field=last_change&sort_direction=DESC``,
    ordering customers that tie on ``last_change`` differently in every other answer."""

    def __init__(self, ties: list[int]) -> None:
        self.customers: list[dict[str, Any]] = []
        for second, size in enumerate(ties, start=1):
            for _ in range(size):
                number = len(self.customers)
                self.customers.append(
                    {
                        "customer_id": f"c{number:03d}",
                        "last_change": f"2025-06-01 12:00:{60 - second:02d}",
                        "state": 1,
                    }
                )
        self.answers = 0
        self.app = Starlette(
            routes=[
                Route(LOGIN_PATH, self.login, methods=["POST"]),
                Route(CUSTOMERS_PATH, self.list, methods=["GET"]),
            ]
        )

    async def login(self, request: Request) -> JSONResponse:
        valid_to = local_text(time.time() + 3600, PRAGUE)
        return JSONResponse({"data": {"bearer_token": "t0k3n", "valid_to": valid_to}})

    async def list(self, request: Request) -> JSONResponse:
        self.answers += 1
        offset, count = int(request.query_params["offset"]), int(request.query_params["count"])
        # Sorting is stable: ties keep the order of the first sort, which flips every answer.
        ordered = sorted(
            self.customers, key=lambda c: c["customer_id"], reverse=self.answers % 2 == 0
        )
        ordered.sort(key=lambda c: c["last_change"], reverse=True)
        page = ordered[offset : offset + count]
        return JSONResponse({"data": {"customers": page, "total_items": len(ordered)}})


async def test_ties_reordered_between_answers_are_neither_lost_nor_repeated() -> None:
    # Runs of 1 to 9 equal last_change values, many of them across the boundaries of pages
    # of ten, each run in one order in odd answers and the reverse in even ones.
    vendor = ShufflingCareCloud(ties=[3, 8, 5, 9, 2, 7, 4, 6, 1, 9, 3, 5])
    transport = httpx.ASGITransport(vendor.app)
    async with CareCloudClient(carecloud_settings(), transport=transport) as client:
        records = [
            r async for page in CustomersStream(client, count=10).pages(None) for r in page.records
        ]
    assert_exactly(records, {c["customer_id"] for c in vendor.customers})
    assert vendor.answers >= 7  # the runs did straddle pages read in differing orders


def test_project_time_in_the_hour_that_repeats_moves_before_it() -> None:
    assert fold_safe("2025-10-26 02:30:00", PRAGUE) == "2025-10-26 01:30:00"
    assert fold_safe("2025-10-26 02:00:00", PRAGUE) == "2025-10-26 01:00:00"
    assert fold_safe("2025-10-26 01:59:59", PRAGUE) == "2025-10-26 01:59:59"
    assert fold_safe("2025-10-26 03:00:00", PRAGUE) == "2025-10-26 03:00:00"
    assert fold_safe("2025-03-30 02:30:00", PRAGUE) == "2025-03-30 02:30:00"  # skipped in spring
    assert fold_safe("not a time", PRAGUE) == "not a time"
    first_pass = datetime(2025, 10, 26, 0, 30, tzinfo=ZoneInfo("UTC")).timestamp()
    assert to_epoch("2025-10-26 02:30:00", PRAGUE) == first_pass  # the earlier of the two
    assert local_text(first_pass + 3600, PRAGUE) == "2025-10-26 02:30:00"  # the second pass
    assert earlier("2025-01-01 00:00:03", 5) == "2024-12-31 23:59:58"


async def test_a_change_in_the_second_pass_of_the_repeated_hour_is_read_next_run() -> None:
    app = carecloud_app(records=40)
    state = app.state.sandbox.state
    with state.lock:
        # The newest change was made at 02:40 summer time, just before clocks went back.
        state.customer_list[5].last_change = "2025-10-26 02:40:00"
        state.customer_list[5].changed()
        state.orders.clear()
    transport = httpx.ASGITransport(app)
    async with CareCloudClient(carecloud_settings(), transport=transport) as client:
        first = [page async for page in CustomersStream(client).pages(None)]
        checkpoint = Checkpoint.from_json(first[-1].checkpoint.to_json())
        assert checkpoint is not None
        assert checkpoint.updated_since == "2025-10-26 01:39:55"
        with state.lock:
            # Twenty minutes later on the clock, it is 02:10 again (winter time).
            state.customer_list[9].last_change = "2025-10-26 02:10:00"
            state.customer_list[9].changed()
            state.orders.clear()
        again = [
            r async for page in CustomersStream(client).pages(checkpoint) for r in page.records
        ]
    ids = Counter(r["customer_id"] for r in again)
    assert set(ids) == {state.customer_list[5].customer_id, state.customer_list[9].customer_id}
    assert set(sandbox_customers(app)) >= set(ids)
