"""Malformed requests of every shape get a 4xx in the vendor's format, never a 500.

Bodies mix each resource's real field names with values of every JSON type, extreme numbers,
odd strings and real or unknown UUIDs; queries do the same for list parameters. The cases come
from a seeded ``random.Random``, so a failure reproduces exactly.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from crossdock.sandboxes.customtrades.resources import RULES
from crossdock.sandboxes.customtrades.schemas import ADJUSTMENT, LINE_ITEM, SEQUENCE
from tests.sandboxes.test_customtrades import client, data, make_app

pytestmark = pytest.mark.anyio

ODD_VALUES: list[Any] = [
    None, True, False, 0, -1, 1.5, 10**40, -1e308, 1e-9, "", " ", "x" * 6000, "é✓\u0000",
    "2025-02-18", "2025-02-18T14:30:00.000Z", "31/12/2025", "25:61", "NaN", "-5", "https://",
    "00000000-0000-0000-0000-000000000000", [], [1, "a"], {}, {"a": {"b": []}},
    [{"description": 5}], [{"description": "x", "unit_price": "1", "amount": None}],
    [{"description": "Fee", "amount": -10**12}], "[" * 40,
]  # fmt: skip
QUERY_VALUES = [
    "", "0", "-1", "1e3", "9" * 5000, "true", "yes", "All", "vip", "x" * 500, "2025-02-30",
    "9999-12-31T23:59:59-14:00", "%ZZ", "00000000-0000-0000-0000-",
]  # fmt: skip


def bodies(rng: random.Random, fields: list[str], real: list[str]) -> list[Any]:
    made: list[Any] = [None, [], "text", 12]
    for _ in range(25):
        body = {}
        for name in rng.sample(fields, k=min(len(fields), rng.randint(1, 8))):
            body[name] = rng.choice([*ODD_VALUES, *real])
        made.append(body)
    return made


async def test_random_bodies_and_queries_never_fail_the_server() -> None:
    app = make_app(records=20)
    rng = random.Random(2024)
    async with client(app) as c:
        job = data(await c.get("/api/v1/jobs"))["jobs"][0]
        invoice = data(await c.get("/api/v1/invoices"))["invoices"][0]
        real = [job["uuid"], job["customer_uuid"], invoice["uuid"], "good", "Completed"]
        photo = {"photo_url": "https://files.example.com/1.jpg"}
        data(await c.post(f"/api/v1/jobs/{job['uuid']}/photos", json=photo), 201)
        statuses: list[int] = []
        for kind, rules in RULES.items():
            fields = [*rules.fields, *rules.filters, "customer"]
            if kind == "photos":
                collection = f"/api/v1/jobs/{job['uuid']}/photos"
            else:
                collection = f"/api/v1/{kind}"
            one = data(await c.get(collection))[kind][0]
            targets = [("POST", collection), ("PUT", f"{collection}/{one['uuid']}")]
            if kind in ("estimates", "invoices"):
                targets.append(("POST", f"{collection}/preview"))
            for method, url in targets:
                if method == "PUT" and kind == "photos":
                    continue
                for body in bodies(rng, fields, real):
                    response = await c.request(method, url, content=json.dumps(body))
                    statuses.append(response.status_code)
                    assert response.status_code < 500, (method, url, body, response.text)
                    assert set(response.json()) in ({"success", "data"}, {"success", "error"})
            for _ in range(15):
                names = rng.sample(["page", "limit", "include_deleted", "updated_since",
                                    *rules.filters], k=3)  # fmt: skip
                params = {name: rng.choice(QUERY_VALUES) for name in names}
                response = await c.get(collection, params=params)
                statuses.append(response.status_code)
                assert response.status_code < 500, (collection, params, response.text)
        nested = {"line_items": LINE_ITEM, "adjustments": ADJUSTMENT, "invoice": SEQUENCE}
        for name, schema in nested.items():
            body = {name: [{field: rng.choice(ODD_VALUES) for field in schema}]}
            response = await c.put("/api/v1/numbering", json=body)
            assert response.status_code < 500
        # The fuzz reached both outcomes: refusals and accepted writes.
        assert 400 in statuses
        assert {200, 201} & set(statuses)
