"""Ingest orders through POST /streams_batch and measure accepted and processed records/s.

    .venv/bin/python bench/ingest.py [--orders 100000] [--batch 500] [--database-url URL]
                                     [--workers N]

Starts ``crossdock serve`` (embedded worker) in a subprocess on a fresh database, sends the
orders (encoded beforehand) in batches from two concurrent clients, and reports: accepted
records/s (until the last batch was answered), processed records/s (until the last item was
merged), and the server's peak resident memory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

import httpx
import sqlalchemy as sa
from _hub import login, order, orders_source, start_server


def encode_batches(integration: str, orders: int, batch: int) -> list[bytes]:
    """Every request body, built before the clock starts: the hub is measured, not the client."""
    return [
        json.dumps(
            {
                "integrationId": integration,
                "items": [
                    {"id": str(n), "record": order(n)}
                    for n in range(start, min(start + batch, orders))
                ],
            }
        ).encode()
        for start in range(0, orders, batch)
    ]


async def send_all(base: str, headers: dict[str, str], bodies: list[bytes]) -> None:
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    headers = {**headers, "content-type": "application/json"}

    async def client() -> None:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=120) as http:
            while not queue.empty():
                r = await http.post("/streams_batch", content=queue.get_nowait())
                r.raise_for_status()

    await asyncio.gather(client(), client())


def pending(database_url: str) -> int:
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        count = conn.execute(
            sa.text("select count(*) from ingest_items where status = 'pending'")
        ).scalar_one()
    engine.dispose()
    return int(count)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument(
        "--workers", type=int, default=0, help="crossdock worker processes (PostgreSQL only)"
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="crossdock-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    server = start_server(url, workdir, workers=args.workers)
    try:
        headers = login(server.base_url)
        integration = orders_source(server.base_url, headers)
        bodies = encode_batches(integration, args.orders, args.batch)
        started = time.perf_counter()
        asyncio.run(send_all(server.base_url, headers, bodies))
        accepted = time.perf_counter() - started
        while pending(url):
            time.sleep(0.2)
        processed = time.perf_counter() - started
        where = f"{args.workers} crossdock worker processes" if args.workers else "embedded worker"
        print(f"database: {url.split(':')[0]}  {where}  orders: {args.orders}  batch: {args.batch}")
        print(f"accepted:  {args.orders / accepted:,.0f} records/s ({accepted:.1f} s)")
        print(f"processed: {args.orders / processed:,.0f} records/s ({processed:.1f} s)")
        print(f"server peak RSS: {server.peak_rss_mb():.0f} MB")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
