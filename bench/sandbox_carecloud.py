"""How fast the CareCloud sandbox serves customer pages: a real uvicorn, one process, loopback.

    .venv/bin/python bench/sandbox_carecloud.py --records 10000 --seconds 10
    .venv/bin/python bench/sandbox_carecloud.py --records 10000 --seconds 10 --sort last_change
    .venv/bin/python bench/sandbox_carecloud.py --generate 1000000   # seed generation only

The sandbox runs in a subprocess (client and server do not share a GIL). The client logs in
on the enterprise interface and reads every page of ``GET /customers`` once (the first pass,
where each record is serialized for the first time and cached), then reads pages of 100 in
order, starting over after the last, for the given time, reading each body in full without
decoding it (decoding is the client's cost). It prints pages/s, records/s and the pages per
second of the server's own CPU time, which a busy shared machine does not distort.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time

import httpx

APP_ID, LOGIN, PASSWORD = "bench-app", "bench", "bench-password"
ROOT = "/webservice/rest-api/enterprise-interface/v1.0"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(port: int, records: int) -> None:
    import uvicorn

    from crossdock.sandboxes.carecloud import CareCloudConfig, create_app

    config = CareCloudConfig(
        records=records, application_id=APP_ID, login=LOGIN, password=PASSWORD, record_requests=0
    )
    uvicorn.run(create_app(config), host="127.0.0.1", port=port, log_level="warning")


def generate(records: int) -> None:
    import resource

    from crossdock.sandboxes.carecloud import CareCloudConfig, create_app

    started = time.perf_counter()
    app = create_app(CareCloudConfig(records=records))
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"generated {records} customers in {elapsed:.1f} s, peak RSS {peak_mb:.0f} MB")
    state = app.state.sandbox.state
    started = time.perf_counter()
    system = state.catalog.system_consents
    size = sum(len(c.json(system)) for c in state.customer_list)
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"serialized all in {elapsed:.1f} s ({size / 1e6:.0f} MB JSON), peak RSS {peak_mb:.0f} MB"
    )


def wait_ready(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the sandbox exited before it was ready")
        try:
            httpx.get(f"{base}/_sandbox/", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit("the sandbox did not start")


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (None without /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def read_pages(
    client: httpx.Client, params: dict[str, str | int], total: int, seconds: float
) -> tuple[int, int, float]:
    """Pages in order, wrapping after the last, for ``seconds``; bodies read, not decoded."""
    pages = rows = offset = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        response = client.get(f"{ROOT}/customers", params={**params, "offset": offset})
        response.raise_for_status()
        got = min(100, total - offset)
        pages += 1
        rows += got
        offset = 0 if offset + got >= total else offset + got
    return pages, rows, time.perf_counter() - started


def run(base: str, pid: int, records: int, seconds: float, sort: str | None) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        body = {"user_external_application_id": APP_ID, "login": LOGIN, "password": PASSWORD}
        token = client.post(f"{ROOT}/users/actions/login", json=body).json()["data"]["bearer_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        params: dict[str, str | int] = {"count": 100}
        if sort:
            params |= {"sort_field": sort, "sort_direction": "DESC"}
        first = client.get(f"{ROOT}/customers", params=params).json()["data"]
        assert len(first["customers"]) == min(100, records)
        total = first["total_items"]
        # First pass: every record is serialized for the first time (then cached).
        cold_pages = -(-total // 100)
        started = time.perf_counter()
        for offset in range(0, total, 100):
            client.get(f"{ROOT}/customers", params={**params, "offset": offset}).raise_for_status()
        cold = time.perf_counter() - started
        print(f"first pass: {cold_pages} pages in {cold:.1f} s = {cold_pages / cold:.0f} pages/s")
        cpu_before = cpu_seconds(pid)
        pages, rows, elapsed = read_pages(client, params, total, seconds)
        cpu_after = cpu_seconds(pid)
    label = f"sort_field={sort} DESC" if sort else "default order"
    print(
        f"{records} customers, count=100, {label}: {pages} pages in {elapsed:.1f} s = "
        f"{pages / elapsed:.0f} pages/s, {rows / elapsed:.0f} records/s"
    )
    if cpu_before is not None and cpu_after is not None and cpu_after > cpu_before:
        # The client shares the machine's two cores; the server's own CPU time says what
        # it could serve alone.
        busy = cpu_after - cpu_before
        print(f"server CPU {busy:.1f} s: {pages / busy:.0f} pages per server CPU-second")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--sort", default=None, help="sort_field, read DESC (e.g. last_change)")
    parser.add_argument("--generate", type=int, default=0, help="only time seed generation")
    parser.add_argument("--serve", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        generate(args.generate)
        return
    if args.serve:
        serve(args.serve, args.records)
        return
    port = free_port()
    command = [sys.executable, __file__, "--serve", str(port), "--records", str(args.records)]
    proc = subprocess.Popen(command)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, proc)
        run(base, proc.pid, args.records, args.seconds, args.sort)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
