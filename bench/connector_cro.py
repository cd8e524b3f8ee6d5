"""Benchmark: read every customer from the CRO sandbox with Crossdock's CRO connector, against a
plain hand-written httpx paging loop and dlt's ``rest_api`` source, in the same run.

The sandbox runs in a subprocess (one uvicorn process with CRO's status-line protocol); one
untimed pass warms its per-record JSON cache. Then each contestant reads the whole listing,
in turn, ``--rounds`` times; the figures are the median records/s of each, and the ratios of
the connector's median to the others'. dlt is measured when it is installed
(``pip install -e '.[bench]'``), and skipped with a note otherwise.

    .venv/bin/python bench/connector_cro.py --records 100000
    .venv/bin/python bench/connector_cro.py --records 100000 --page-limit 100 --rounds 3
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable

import anyio
import httpx

from crossdock.connectors.cro import API_VERSION, CroClient, CustomersStream


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(port: int, records: int) -> None:
    import uvicorn

    from crossdock.sandboxes.cro import CroConfig, ReasonPhraseH11Protocol, create_app

    config = CroConfig(records=records, record_requests=0)
    app = create_app(config)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", http=ReasonPhraseH11Protocol)


def wait_ready(base_url: str, process: subprocess.Popen[bytes]) -> dict[str, str]:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the sandbox exited before it was ready")
        try:
            status = httpx.get(f"{base_url}/_sandbox/", timeout=5)
            if status.status_code == 200:
                credentials: dict[str, str] = status.json()["credentials"]
                return credentials
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("the sandbox did not start within 300 s")


class Contest:
    def __init__(self, base_url: str, credentials: dict[str, str], page_limit: int) -> None:
        self.base_url = base_url
        self.token = credentials["token"]
        self.tenant = credentials["x-tenant-id"]
        self.page_limit = page_limit
        # Every contestant asks for the same API version, so the sandbox's cache serves all.
        self.headers = {
            "authorization": f"bearer {self.token}",
            "x-tenant-id": self.tenant,
            "x-api-version": API_VERSION,
        }

    def warm(self) -> int:
        return anyio.run(self.plain)

    async def plain(self) -> int:
        """CRO's own sample loop, written with httpx: page_index until total_pages."""
        count = 0
        async with httpx.AsyncClient(
            base_url=self.base_url, headers=self.headers, timeout=60
        ) as client:
            page_index = 1
            while True:
                params = {"page_index": page_index, "page_limit": self.page_limit}
                response = await client.get("/customers", params=params)
                response.raise_for_status()
                body = response.json()
                count += len(body["results"])
                if page_index >= body["total_pages"]:
                    return count
                page_index += 1

    async def connector(self) -> int:
        settings = {"baseUrl": self.base_url, "token": self.token, "tenantId": int(self.tenant)}
        count = 0
        async with CroClient(settings) as client:
            async for page in CustomersStream(client, page_limit=self.page_limit).pages(None):
                count += len(page.records)
        return count

    def dlt(self) -> int:
        from dlt.sources.rest_api import rest_api_source

        source = rest_api_source(
            {
                "client": {
                    "base_url": self.base_url,
                    "headers": {"x-tenant-id": self.tenant, "x-api-version": API_VERSION},
                    "auth": {"type": "bearer", "token": self.token},
                    "paginator": {
                        "type": "page_number",
                        "base_page": 1,
                        "page_param": "page_index",
                        "total_path": "total_pages",
                    },
                },
                "resources": [
                    {
                        "name": "customers",
                        "endpoint": {
                            "path": "customers",
                            "params": {"page_limit": self.page_limit},
                            "data_selector": "results",
                        },
                    }
                ],
            }
        )
        return sum(1 for _ in source.resources["customers"])


def timed(read: Callable[[], int]) -> tuple[int, float, float]:
    started, cpu = time.perf_counter(), time.process_time()
    count = read()
    return count, time.perf_counter() - started, time.process_time() - cpu


def on_loop(read: Callable[[], Awaitable[int]]) -> Callable[[], int]:
    return lambda: anyio.run(read)


def dlt_available() -> bool:
    try:
        import dlt  # noqa: F401
    except ImportError:
        return False
    return True


def run(records: int, page_limit: int, rounds: int) -> None:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = [sys.executable, __file__, "--serve", "--port", str(port), "--records", str(records)]
    process = subprocess.Popen(command)
    try:
        contest = Contest(base_url, wait_ready(base_url, process), page_limit)
        warmed = contest.warm()
        contestants: dict[str, Callable[[], int]] = {
            "plain httpx loop": on_loop(contest.plain),
            "crossdock connector": on_loop(contest.connector),
        }
        if dlt_available():
            os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
            contestants["dlt rest_api"] = contest.dlt
        results: dict[str, list[tuple[int, float, float]]] = {name: [] for name in contestants}
        names = list(contestants)
        for round_ in range(rounds):
            # Rotate the order so no contestant always runs first (or last) on a busy machine.
            for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
                results[name].append(timed(contestants[name]))
    finally:
        process.terminate()
        process.wait(timeout=10)
    print(
        f"{records} customers ({warmed} listed), page_limit {page_limit}, {rounds} rounds, "
        f"python {sys.version.split()[0]}"
    )
    rates: dict[str, float] = {}
    for name, runs in results.items():
        counts = {count for count, _, _ in runs}
        per_second = [count / seconds for count, seconds, _ in runs]
        rates[name] = statistics.median(per_second)
        cpu = statistics.median(cpu for _, _, cpu in runs)
        runs_text = ", ".join(f"{rate:,.0f}" for rate in per_second)
        print(
            f"  {name:20} median {rates[name]:>9,.0f} records/s  (runs: {runs_text}; "
            f"records read {sorted(counts)}; client CPU {cpu:.2f} s)"
        )
    ours = rates["crossdock connector"]
    for rival in ("plain httpx loop", "dlt rest_api"):
        if rival not in rates:
            print(f"{rival}: not installed here (pip install -e '.[bench]'), not measured")
            continue
        # Rounds paired: each round's ratio, so load that comes and goes cancels out.
        paired = statistics.median(
            (mine[0] / mine[1]) / (theirs[0] / theirs[1])
            for mine, theirs in zip(results["crossdock connector"], results[rival], strict=True)
        )
        print(
            f"connector / {rival}: {ours / rates[rival]:.2f} (ratio of medians), "
            f"{paired:.2f} (median of per-round ratios)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--page-limit", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.port, args.records)
    else:
        run(args.records, args.page_limit, args.rounds)


if __name__ == "__main__":
    main()
