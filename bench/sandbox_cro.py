"""Benchmark: page through the CRO sandbox's customers over a real uvicorn on loopback.

The sandbox runs in a subprocess (one uvicorn process, the reason-phrase h11 protocol it ships
with), so client and server do not share a GIL. The client reads ``GET /customers`` page after
page, starting over at the last page, for a bounded time and prints pages/s and records/s.

    .venv/bin/python bench/sandbox_cro.py --records 10000 --seconds 10
    .venv/bin/python bench/sandbox_cro.py --records 10000 --seconds 10 --clients 2
    .venv/bin/python bench/sandbox_cro.py --generate 1000000   # time seed generation only
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(port: int, records: int) -> None:
    import uvicorn

    from crossdock.sandboxes.cro import CroConfig, ReasonPhraseH11Protocol, create_app

    app = create_app(CroConfig(records=records))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", http=ReasonPhraseH11Protocol)


def generate(records: int) -> None:
    import resource

    from crossdock.sandboxes.cro import CroConfig, create_app

    started = time.perf_counter()
    app = create_app(CroConfig(records=records))
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    counts = app.state.sandbox.state.counts()
    print(f"generated {records} customers in {elapsed:.1f} s, peak RSS {peak_mb:.0f} MB")
    print(f"counts: {counts}")


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) a process has used so far; None where /proc is missing."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_ready(client: httpx.Client, process: subprocess.Popen[bytes]) -> dict[str, str]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the sandbox exited before it was ready")
        try:
            status = client.get("/_sandbox/")
            if status.status_code == 200:
                credentials: dict[str, str] = status.json()["credentials"]
                return credentials
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit("the sandbox did not start within 120 s")


def page_through(
    base_url: str, headers: dict[str, str], seconds: float, page_limit: int
) -> tuple[int, int, float, float]:
    """One client: read pages in order, wrapping at the end, for ``seconds``."""
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        params = {"page_index": 1, "page_limit": page_limit}
        first = client.get("/customers", params=params).json()
        total, total_pages = first["total_count"], first["total_pages"]
        pages = fetched = 0
        page_index = 1
        started, cpu_started = time.perf_counter(), time.process_time()
        while time.perf_counter() - started < seconds:
            params["page_index"] = page_index
            response = client.get("/customers", params=params)
            response.raise_for_status()
            # The body is read in full; decoding it is the client's cost, not the server's.
            pages += 1
            fetched += min(page_limit, total - (page_index - 1) * page_limit)
            page_index = page_index % total_pages + 1
        return pages, fetched, time.perf_counter() - started, time.process_time() - cpu_started


def run(records: int, seconds: float, page_limit: int, clients: int) -> None:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--port", str(port), "--records", str(records)]
    )
    try:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            credentials = wait_ready(client, process)
            headers = {
                "authorization": f"bearer {credentials['token']}",
                "x-tenant-id": credentials["x-tenant-id"],
            }
            # One untimed pass warms the per-record JSON cache, as in a long-running sandbox.
            total_pages = client.get("/customers", headers=headers).json()["total_pages"]
            for page_index in range(1, total_pages + 1):
                params = {"page_index": page_index}
                client.get("/customers", headers=headers, params=params).raise_for_status()
        cpu_before = cpu_seconds(process.pid)
        with ProcessPoolExecutor(clients) as pool:
            jobs = [
                pool.submit(page_through, base_url, headers, seconds, page_limit)
                for _ in range(clients)
            ]
            results = [job.result() for job in jobs]
        cpu_after = cpu_seconds(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=10)
    pages = sum(r[0] for r in results)
    fetched = sum(r[1] for r in results)
    elapsed = max(r[2] for r in results)
    client_cpu = sum(r[3] for r in results)
    print(
        f"{records} customers, page_limit {page_limit}, {clients} client(s): {pages} pages in "
        f"{elapsed:.1f} s = {pages / elapsed:.0f} pages/s, {fetched / elapsed:.0f} records/s"
    )
    if cpu_before is not None and cpu_after is not None and cpu_after > cpu_before:
        # On a busy machine wall-clock rates understate the server; its own CPU time does not.
        busy = cpu_after - cpu_before
        print(f"server CPU {busy:.1f} s: {pages / busy:.0f} pages per server CPU-second")
    print(f"client CPU {client_cpu:.1f} s: {pages / client_cpu:.0f} pages per client CPU-second")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--page-limit", type=int, default=100)
    parser.add_argument("--clients", type=int, default=1, help="client processes in parallel")
    parser.add_argument("--generate", type=int, help="only time generating this many customers")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.port, args.records)
    elif args.generate:
        generate(args.generate)
    else:
        run(args.records, args.seconds, args.page_limit, args.clients)


if __name__ == "__main__":
    main()
