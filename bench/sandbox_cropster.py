"""How fast the Cropster sandbox serves list pages: a real uvicorn, one process, loopback.

    .venv/bin/python bench/sandbox_cropster.py --records 10000 --seconds 10 --clients 2

The sandbox runs in a subprocess (so client and server do not share a GIL) with the rate
limit off; each client process pages through ``inventory.green.listGreenLots`` 100 lots at a
time, starting over at the end, for the given time. It prints the pages/s and records/s all
clients together were served, and the latency of one page.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import httpx


def serve(port: int, records: int) -> None:
    import uvicorn

    from crossdock.sandboxes.cropster import CropsterConfig, create_app

    config = CropsterConfig(
        records=records, client_id="bench", client_secret="bench", rate_limit=None
    )
    uvicorn.run(create_app(config), host="127.0.0.1", port=port, log_level="warning")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_up(base_url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{base_url}/_sandbox/", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit("the sandbox did not start in time")
        time.sleep(0.1)


def page_for(base_url: str, seconds: float, limit: int) -> tuple[int, int, list[float]]:
    """One client paging for ``seconds``: (pages, records, latencies in seconds)."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        token = client.post(
            "/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "bench",
                "client_secret": "bench",
            },
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        pages = records = 0
        latencies: list[float] = []
        after = None
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            body = {"params": {"filter": {}, "pagination": {"limit": limit, "after": after}}}
            sent = time.perf_counter()
            r = client.post("/rpc/v1/inventory.green.listGreenLots", json=body, headers=headers)
            latencies.append(time.perf_counter() - sent)
            r.raise_for_status()
            page = r.json()
            pages += 1
            records += len(page["result"]["greenLots"])
            after = page["meta"]["pagination"]["endCursor"]
    return pages, records, latencies


def bench(base_url: str, seconds: float, limit: int, clients: int) -> None:
    """Page with ``clients`` processes at once: one Python client parsing 100-lot pages is
    itself slower than the sandbox, so a single one measures the client, not the server."""
    with ProcessPoolExecutor(clients) as pool:
        futures = [pool.submit(page_for, base_url, seconds, limit) for _ in range(clients)]
        results = [future.result() for future in futures]
    pages = sum(r[0] for r in results)
    records = sum(r[1] for r in results)
    latencies = sorted(latency for r in results for latency in r[2])
    print(f"pages:     {pages} in {seconds:.1f} s by {clients} client(s)")
    print(f"pages/s:   {pages / seconds:.0f}")
    print(f"records/s: {records / seconds:.0f}")
    print(
        f"latency:   p50 {statistics.median(latencies) * 1000:.2f} ms, "
        f"p99 {latencies[int(len(latencies) * 0.99)] * 1000:.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000, help="green lots to seed")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to page")
    parser.add_argument("--limit", type=int, default=100, help="page size (1-100)")
    parser.add_argument("--clients", type=int, default=1, help="client processes paging")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.records)
        return
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port), "--records", str(args.records)]
    )
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_until_up(base_url, timeout=120)
        print(f"Cropster sandbox, {args.records} green lots, pages of {args.limit}")
        bench(base_url, args.seconds, args.limit, args.clients)
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
