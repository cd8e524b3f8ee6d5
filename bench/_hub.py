"""Shared by the hub benchmarks: start ``crossdock serve`` in a subprocess and set up a merchant."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

CLIENT_ID = "benchclient000000000000001"
ADMIN = ("bench@crossdock.local", "Bench-Password-1")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def peak_rss_mb(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        for process in (self.process, *self.workers):
            process.terminate()
        for process in (self.process, *self.workers):
            process.wait(30)


def start_server(database_url: str, workdir: Path, workers: int = 0) -> Server:
    """``crossdock serve`` with its embedded worker, or, with ``workers``, that many
    ``crossdock worker`` processes on Procrastinate (PostgreSQL only)."""
    port = free_port()
    env = {
        **os.environ,
        "CROSSDOCK_DATABASE_URL": database_url,
        "CROSSDOCK_BOOTSTRAP_ADMIN": f"{ADMIN[0]}:{ADMIN[1]}",
        "CROSSDOCK_CLIENT_ID": CLIENT_ID,
        "CROSSDOCK_KEY_FILE": str(workdir / "bench.key"),
    }
    if workers:
        env["CROSSDOCK_QUEUE"] = "procrastinate"
    process = subprocess.Popen(
        [sys.executable, "-m", "crossdock", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{base}/openapi.json", timeout=1)
            break
        except httpx.TransportError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the hub did not start") from None
            time.sleep(0.1)
    worker_processes = [
        subprocess.Popen(
            [sys.executable, "-m", "crossdock", "worker", "--concurrency", "1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    return Server(process, base, worker_processes)


def login(base_url: str) -> dict[str, str]:
    r = httpx.post(
        f"{base_url}/auth/login",
        json={"clientId": CLIENT_ID, "username": ADMIN[0], "password": ADMIN[1]},
    )
    r.raise_for_status()
    return {"Authorization": r.json()["Tokens"]["IdToken"]}


def orders_source(base_url: str, headers: dict[str, str]) -> str:
    company = httpx.post(
        f"{base_url}/companies",
        json={"name": "Bench", "country": "US", "agencyId": "bench-agency"},
        headers=headers,
    )
    company.raise_for_status()
    r = httpx.post(
        f"{base_url}/integrations",
        json={
            "active": True,
            "add": False,
            "delete": False,
            "get": True,
            "update": False,
            "meta": {},
            "syncType": "orders",
            "systemId": "api",
            "companyId": company.json()["companyId"],
        },
        headers=headers,
    )
    r.raise_for_status()
    integration_id: str = r.json()["integrationId"]
    return integration_id


def order(n: int) -> dict[str, object]:
    """A seed-shaped order with two line items."""
    return {
        "addresses": {
            "billing": {
                "name": f"Customer {n}",
                "street": f"{n} Main St",
                "city": "Singapore",
                "zip": "089543",
                "country": "SG",
                "email": f"c{n}@example.com",
            },
            "shipping": {
                "name": f"Customer {n}",
                "street": f"{n} Main St",
                "city": "Singapore",
                "zip": "089543",
                "country": "SG",
            },
        },
        "country": "SG",
        "createdAt": "2024-01-01T00:00:00+00:00",
        "currency": "SGD",
        "customerId": f"customer-{n % 5000}",
        "saleChannel": "Amazon",
        "orderTotal": 100 + n % 50,
        "orderSubTotal": 95,
        "paymentType": "credit card",
        "status": "pending",
        "systemOrderId": str(n),
        "systemOrderNumber": f"order-{n}",
        "publish": True,
        "updatedAt": "2024-01-01T01:00:00+00:00",
        "variants": [
            {
                "systemOrderItemId": f"{n}-1",
                "sku": f"sku-{n % 997}",
                "quantity": 1 + n % 3,
                "productName": "Mug",
                "itemPrice": 50,
                "itemStatus": "pending",
            },
            {
                "systemOrderItemId": f"{n}-2",
                "sku": f"sku-{(n + 1) % 997}",
                "quantity": 2,
                "productName": "Tea",
                "itemPrice": 45,
                "itemStatus": "pending",
            },
        ],
    }
