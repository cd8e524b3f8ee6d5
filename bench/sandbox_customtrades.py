"""Benchmark: how fast the Custom Trades sandbox serves list pages over real HTTP.

The sandbox runs under uvicorn (one process) on a free loopback port in a subprocess, so the
client does not share its GIL. After one untimed pass (which warms the per-record JSON cache,
as in a long-running sandbox) each client pages through ``GET /api/v1/<resource>?limit=100``,
starting over after the last page, for a bounded time; the script prints pages/s, records/s
and pages per second of server CPU (wall-clock rates understate the server on a busy machine).

    .venv/bin/python bench/sandbox_customtrades.py --records 10000 --seconds 10
    .venv/bin/python bench/sandbox_customtrades.py --records 10000 --seconds 10 --clients 2
    .venv/bin/python bench/sandbox_customtrades.py --generate 1000000   # seed generation only
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import httpx

API_KEY = "ctc_live_benchmark"
HEADERS = {"Authorization": f"Bearer {API_KEY}"}


def serve(port: int, records: int) -> None:
    """The server side, run in the subprocess. The usage limit is lifted for long runs."""
    import uvicorn

    from crossdock.sandboxes.customtrades import CustomTradesConfig, create_app

    config = CustomTradesConfig(records=records, api_key=API_KEY, usage_limit=10**12)
    uvicorn.run(create_app(config), host="127.0.0.1", port=port, log_level="warning")


def generate(records: int) -> None:
    import resource

    from crossdock.sandboxes.customtrades import CustomTradesConfig, create_app

    started = time.perf_counter()
    app = create_app(CustomTradesConfig(records=records))
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    counts = app.state.sandbox.state.counts()
    total = sum(v for k, v in counts.items() if k not in ("companies", "api_keys"))
    print(f"--records {records}: {total} records in {elapsed:.1f} s, peak RSS {peak_mb:.0f} MB")
    print(f"counts: {counts}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a process has used; None where /proc is missing."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_ready(client: httpx.Client, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the sandbox exited before it was ready")
        try:
            if client.get("/_sandbox/").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit("the sandbox did not start in time")


def page_through(base: str, resource: str, seconds: float, limit: int) -> tuple[int, int, float]:
    """One client: pages in order, wrapping at the end. Bodies are read in full; only the
    first is decoded, since decoding is the client's cost, not the sandbox's."""
    with httpx.Client(base_url=base, headers=HEADERS, timeout=30) as client:
        url = f"/api/v1/{resource}"
        pagination = client.get(url, params={"limit": limit}).json()["data"]["pagination"]
        total, total_pages = pagination["total"], max(pagination["total_pages"], 1)
        pages = records = 0
        page = 1
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            client.get(url, params={"page": page, "limit": limit}).raise_for_status()
            pages += 1
            records += max(0, min(limit, total - (page - 1) * limit))
            page = page % total_pages + 1
        return pages, records, time.perf_counter() - started


def run(records: int, resource: str, seconds: float, limit: int, clients: int) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, __file__, "--serve", str(port), "--records", str(records)]
    server = subprocess.Popen(command)
    try:
        with httpx.Client(base_url=base, headers=HEADERS, timeout=30) as client:
            wait_ready(client, server)
            url = f"/api/v1/{resource}"
            pages = client.get(url, params={"limit": limit}).json()["data"]["pagination"]
            for page in range(1, pages["total_pages"] + 1):
                client.get(url, params={"page": page, "limit": limit}).raise_for_status()
        cpu_before = cpu_seconds(server.pid)
        with ProcessPoolExecutor(clients) as pool:
            runs = [
                pool.submit(page_through, base, resource, seconds, limit) for _ in range(clients)
            ]
            results = [job.result() for job in runs]
        cpu_after = cpu_seconds(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=10)
    served = sum(r[0] for r in results)
    fetched = sum(r[1] for r in results)
    elapsed = max(r[2] for r in results)
    print(
        f"customtrades {resource}: {records} customers seeded, limit {limit}, {clients} "
        f"client(s): {served} pages in {elapsed:.1f} s = {served / elapsed:.0f} pages/s, "
        f"{fetched / elapsed:.0f} records/s"
    )
    if cpu_before is not None and cpu_after is not None and cpu_after > cpu_before:
        busy = cpu_after - cpu_before
        print(f"server CPU {busy:.1f} s: {served / busy:.0f} pages per server CPU-second")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000, help="customers to seed")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--resource", default="customers")
    parser.add_argument("--clients", type=int, default=1, help="client processes in parallel")
    parser.add_argument("--generate", type=int, help="only time seeding this many customers")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.records)
    elif args.generate:
        generate(args.generate)
    else:
        run(args.records, args.resource, args.seconds, args.limit, args.clients)


if __name__ == "__main__":
    main()
