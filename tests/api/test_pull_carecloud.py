"""Pulling CareCloud customers: their local times (no offset) are read in the integration's
project time zone, which reaches the default template as the variable ``timeZone``."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from tests.api.conftest import Api
from tests.sync.customers_flow import customers_flow


def test_carecloud_times_carry_the_project_zones_offset(api: Api) -> None:
    with customers_flow(api, 12) as flow:
        state = flow.sync()
        assert (state["status"], state["lastError"]) == ("idle", None), state
        customers = flow.get("/customers", limit=100)
    assert len(customers) == 12
    prague = ZoneInfo("Europe/Prague")
    for customer in customers:
        updated = customer["data"][0]["updatedAt"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", updated), updated
        moment = datetime.fromisoformat(updated)
        assert moment.utcoffset() == moment.astimezone(prague).utcoffset()
