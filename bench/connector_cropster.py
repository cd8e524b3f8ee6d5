"""Benchmark: how close the Cropster connector runs to Cropster's rate limit (5 requests/s,
bursts of 10) without meeting a 429, over a 60 s run against the sandbox with its limit on.

The sandbox runs in a subprocess (one uvicorn process) enforcing Cropster's limit per client
id. ``--workers`` readers, each with its own ``CropsterClient``, share one credential, its
token store and its rate-limit bucket (as the clients of one process do); each reads green,
roasted or blended lots page after page, starting over at the end, until the time is up. The
figures come from the sandbox's own record of what it answered.

    .venv/bin/python bench/connector_cropster.py
    .venv/bin/python bench/connector_cropster.py --seconds 60 --workers 3 --records 50000
    .venv/bin/python bench/connector_cropster.py --rate 5.5 --burst 10   # above the limit

Target: at least 95 % of the limit (4.75 requests/s) with zero 429s.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
from collections import Counter
from typing import Any

import anyio
import httpx

from crossdock.connectors.cropster import (
    RATE_LIMIT,
    BlendedLotsStream,
    CropsterClient,
    GreenLotsStream,
    RoastedLotsStream,
)
from crossdock.connectors.http import MemoryRateLimitBackend, MemoryTokenStore, RateLimit

CLIENT_ID, CLIENT_SECRET = "bench", "bench-s3cret"
VENDOR_RATE, VENDOR_BURST = 5.0, 10


def serve(port: int, records: int) -> None:
    import uvicorn

    from crossdock.sandboxes.cropster import CropsterConfig, create_app

    config = CropsterConfig(
        records=records,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        rate_limit=VENDOR_RATE,
        rate_burst=VENDOR_BURST,
        record_requests=100_000,
    )
    uvicorn.run(create_app(config), host="127.0.0.1", port=port, log_level="warning")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(base_url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the sandbox exited before it was ready")
        try:
            if httpx.get(f"{base_url}/_sandbox/", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("the sandbox did not start within 300 s")


async def read_until_stopped(
    client: CropsterClient, stream_class: Any, pages: Counter[str]
) -> None:
    while True:
        async for page in stream_class(client).pages(None):
            pages[stream_class.name] += 1
            del page


async def contest(base_url: str, seconds: float, workers: int, limit: RateLimit) -> float:
    """Run the readers for ``seconds``; returns the moment they started (epoch seconds)."""
    settings = {"baseUrl": base_url, "clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET}
    tokens, buckets = MemoryTokenStore(), MemoryRateLimitBackend()
    streams = [GreenLotsStream, RoastedLotsStream, BlendedLotsStream]
    pages: Counter[str] = Counter()
    clients = [
        CropsterClient(settings, tokens=tokens, rate_limits=buckets, rate_limit=limit)
        for _ in range(workers)
    ]
    started = time.time()
    with anyio.move_on_after(seconds):
        async with anyio.create_task_group() as group:
            for number, client in enumerate(clients):
                group.start_soon(read_until_stopped, client, streams[number % len(streams)], pages)
    for client in clients:
        await client.aclose()
    print(f"  pages read: {dict(pages)}")
    return started


def report(base_url: str, started: float, seconds: float, limit: RateLimit) -> None:
    recorded = httpx.get(f"{base_url}/_sandbox/requests", params={"limit": 100_000}).json()
    window = [r for r in recorded if started <= r["at"] < started + seconds]
    rpc = [r for r in window if r["path"].startswith("/rpc/v1/")]
    statuses = Counter(r["status"] for r in rpc)
    logins = sum(1 for r in window if r["path"] == "/oauth2/token")
    answered = statuses[200]
    rate = answered / seconds
    later = [r for r in rpc if r["at"] >= started + 5 and r["status"] == 200]
    steady = len(later) / (seconds - 5) if seconds > 5 else float("nan")
    print(f"  RPC requests by status: {dict(sorted(statuses.items()))}; logins: {logins}")
    print(
        f"  achieved: {answered} answered in {seconds:.0f} s = {rate:.3f} requests/s "
        f"({rate / VENDOR_RATE:.1%} of the {VENDOR_RATE:g}/s limit); after the first 5 s "
        f"{steady:.3f}/s ({steady / VENDOR_RATE:.1%})"
    )
    print(f"  429s: {statuses[429]}  (connector bucket {limit.rate:g}/s, burst {limit.burst})")


def run(records: int, seconds: float, workers: int, limit: RateLimit) -> None:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = [sys.executable, __file__, "--serve", "--port", str(port), "--records", str(records)]
    process = subprocess.Popen(command)
    try:
        wait_ready(base_url, process)
        print(
            f"Cropster sandbox: {records} green lots, limit {VENDOR_RATE:g}/s burst "
            f"{VENDOR_BURST}; {workers} readers for {seconds:g} s, python {sys.version.split()[0]}"
        )
        started = anyio.run(contest, base_url, seconds, workers, limit)
        report(base_url, started, seconds, limit)
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--rate", type=float, default=RATE_LIMIT.rate, help="our bucket's rate")
    parser.add_argument("--burst", type=int, default=RATE_LIMIT.burst, help="our bucket's burst")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.port, args.records)
    else:
        run(args.records, args.seconds, args.workers, RateLimit(args.rate, args.burst))


if __name__ == "__main__":
    main()
