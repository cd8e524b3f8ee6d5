"""Query latency of GET /orders over a large store of master records.

    .venv/bin/python bench/records_query.py [--orders 1000000] [--requests 300] [--database-url URL]

Fills a fresh database with ``--orders`` master records (two line items each, written directly
with the pipeline's own flatten and key extraction, since ingestion speed is bench/ingest.py's
subject), starts ``crossdock serve`` on it, and times GET /orders filtered on a ``data.*``
attribute and sorted by ``updatedAt``, limit 100: p50 and p95 over ``--requests`` requests,
plus the server's peak resident memory.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa
from _hub import login, order, orders_source, start_server

from crossdock.records.keys import INDEXED_KEYS
from crossdock.records.merge import flatten, key_values
from crossdock.store.records import MasterRecord, MasterVersion, RecordKey


def fill(url: str, integration_id: str, company_id: str, agency_id: str, orders: int) -> None:
    engine = sa.create_engine(url)
    base = datetime(2024, 1, 1, tzinfo=UTC)
    chunk = 5000
    with engine.begin() as conn:
        for start in range(0, orders, chunk):
            masters, versions, keys = [], [], []
            for n in range(start, min(start + chunk, orders)):
                record = order(n)
                data = flatten(record)
                cresco_id = str(uuid.UUID(int=n + 1))
                at = base + timedelta(seconds=n)
                masters.append(
                    {
                        "cresco_id": cresco_id,
                        "sync_type": "orders",
                        "company_id": company_id,
                        "agency_id": agency_id,
                        "integration_id": integration_id,
                        "system_id": "api",
                        "object_key": f"id:{n}",
                        "object_id": str(n),
                        "request_id": "bench-fill",
                        "version": 1,
                        "deleted": False,
                        "record": record,
                        "parts": None,
                        "data": data,
                        "force_refreshed": False,
                        "force_refreshed_at": None,
                        "created_at": at,
                        "updated_at": at,
                    }
                )
                versions.append(
                    {
                        "cresco_id": cresco_id,
                        "version": 1,
                        "request_id": "bench-fill",
                        "object_id": str(n),
                        "deleted": False,
                        "data": data,
                        "at": at,
                    }
                )
                keys.extend(
                    {"cresco_id": cresco_id, "name": k, "value": v}
                    for k, v in key_values(data, INDEXED_KEYS["orders"])
                )
            conn.execute(sa.insert(MasterRecord), masters)
            conn.execute(sa.insert(MasterVersion), versions)
            conn.execute(sa.insert(RecordKey), keys)
            if start % 100_000 == 0:
                print(f"  filled {start + len(masters):,}", flush=True)
    engine.dispose()


def timed(client: httpx.Client, params: dict[str, str]) -> float:
    started = time.perf_counter()
    r = client.get("/orders", params=params)
    elapsed = time.perf_counter() - started
    r.raise_for_status()
    return elapsed * 1000


def report(name: str, samples: list[float]) -> None:
    samples.sort()
    p50 = statistics.median(samples)
    p95 = samples[int(len(samples) * 0.95) - 1]
    print(f"{name}: p50 {p50:.1f} ms  p95 {p95:.1f} ms  ({len(samples)} requests)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="crossdock-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    server = start_server(url, workdir)
    headers = login(server.base_url)
    integration_id = orders_source(server.base_url, headers)
    integration = httpx.get(
        f"{server.base_url}/integrations/{integration_id}", headers=headers
    ).json()
    server.stop()
    started = time.perf_counter()
    fill(url, integration_id, integration["companyId"], integration["agencyId"], args.orders)
    print(f"filled {args.orders:,} orders in {time.perf_counter() - started:.0f} s")
    server = start_server(url, workdir)
    try:
        rng = random.Random(7)
        with httpx.Client(
            base_url=server.base_url, headers=login(server.base_url), timeout=60
        ) as client:
            for _ in range(10):  # warm up
                timed(client, {"_sort": "updatedAt:desc", "limit": "100"})
            by_number = [
                timed(
                    client,
                    {
                        "data.systemOrderNumber": f"order-{rng.randrange(args.orders)}",
                        "_sort": "updatedAt:desc",
                        "limit": "100",
                    },
                )
                for _ in range(args.requests)
            ]
            by_sku = [
                timed(
                    client,
                    {
                        "data.sku": f"sku-{rng.randrange(997)}",
                        "_sort": "updatedAt:desc",
                        "limit": "100",
                    },
                )
                for _ in range(max(args.requests // 3, 10))
            ]
            first_page = [
                timed(client, {"_sort": "updatedAt:desc", "limit": "100"})
                for _ in range(max(args.requests // 3, 10))
            ]
        print(f"database: {url.split(':')[0]}  orders: {args.orders:,}")
        report(
            "GET /orders?data.systemOrderNumber=<one order>&_sort=updatedAt:desc&limit=100",
            by_number,
        )
        report("GET /orders?data.sku=<~1,000 orders>&_sort=updatedAt:desc&limit=100", by_sku)
        report("GET /orders?_sort=updatedAt:desc&limit=100 (no filter)", first_page)
        print(f"server peak RSS: {server.peak_rss_mb():.0f} MB")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
