"""Settings, read from the environment by ``load_settings``; nothing is read at import time."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite:///./crossdock.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str = field(default="", repr=False)
    id_token_ttl: int = 3600
    refresh_token_ttl: int = 30 * 24 * 3600
    challenge_ttl: int = 180
    bootstrap_admin: str | None = field(default=None, repr=False)
    client_id: str | None = None
    login_max_failures: int = 5
    login_lockout_seconds: int = 900
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    smtp_url: str | None = None
    email_from: str = "crossdock@localhost"
    embedded_worker: bool = True
    queue: str = "embedded"
    publish_lease_seconds: int = 300
    pull_lease_seconds: int = 600
    # Distributed workers: how often they look for due work (seconds, 1-59), and after how
    # long without a heartbeat a worker counts as gone and its jobs are handed back.
    sweep_seconds: int = 15
    worker_stalled_seconds: int = 30
    max_body_bytes: int = 64 * 1024 * 1024
    mako_access: str = "operators"
    mako_timeout: float = 5.0
    mako_cpu: int = 5
    mako_memory_mib: int = 256
    mako_concurrency: int = 4
    mako_user: str = "nobody"
    mako_group: str = "nogroup"
    host: str = "127.0.0.1"
    port: int = 8000

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(
    env: Mapping[str, str] | None = None, *, key_file: Path | None = None, **overrides: object
) -> Settings:
    """Build ``Settings`` from ``CROSSDOCK_*`` variables, then apply ``overrides``.

    The secret key comes from ``CROSSDOCK_SECRET_KEY``; without it, from a key file
    (``CROSSDOCK_KEY_FILE``, default ``./crossdock.key``) created with a random key on first use.
    """
    env = os.environ if env is None else env
    values: dict[str, object] = {}
    if "CROSSDOCK_DATABASE_URL" in env:
        values["database_url"] = env["CROSSDOCK_DATABASE_URL"]
    for name in (
        "id_token_ttl",
        "refresh_token_ttl",
        "login_max_failures",
        "port",
        "argon2_time_cost",
        "argon2_memory_kib",
        "publish_lease_seconds",
        "pull_lease_seconds",
        "sweep_seconds",
        "worker_stalled_seconds",
        "max_body_bytes",
        "mako_cpu",
        "mako_memory_mib",
        "mako_concurrency",
    ):
        raw = env.get(f"CROSSDOCK_{name.upper()}")
        if raw is not None:
            try:
                values[name] = int(raw)
            except ValueError as exc:
                raise ValueError(
                    f"CROSSDOCK_{name.upper()} must be an integer, not {raw!r}"
                ) from exc
    for name in (
        "bootstrap_admin",
        "client_id",
        "smtp_url",
        "email_from",
        "host",
        "queue",
        "mako_access",
        "mako_user",
        "mako_group",
    ):
        raw = env.get(f"CROSSDOCK_{name.upper()}")
        if raw:
            values[name] = raw
    if env.get("CROSSDOCK_MAKO_TIMEOUT"):
        try:
            values["mako_timeout"] = float(env["CROSSDOCK_MAKO_TIMEOUT"])
        except ValueError as exc:
            raise ValueError("CROSSDOCK_MAKO_TIMEOUT must be a number of seconds") from exc
    if "CROSSDOCK_EMBEDDED_WORKER" in env:
        values["embedded_worker"] = env["CROSSDOCK_EMBEDDED_WORKER"].lower() not in (
            "0",
            "false",
            "no",
        )
    values.update(overrides)
    if not 1 <= int(str(values.get("sweep_seconds", 15))) <= 59:
        raise ValueError("CROSSDOCK_SWEEP_SECONDS must be between 1 and 59")
    if int(str(values.get("worker_stalled_seconds", 30))) < 3:
        raise ValueError("CROSSDOCK_WORKER_STALLED_SECONDS must be at least 3")
    if values.get("queue", "embedded") not in ("embedded", "procrastinate"):
        raise ValueError("CROSSDOCK_QUEUE must be 'embedded' or 'procrastinate'")
    if not values.get("secret_key"):
        values["secret_key"] = env.get("CROSSDOCK_SECRET_KEY") or _key_from_file(
            key_file or Path(env.get("CROSSDOCK_KEY_FILE", "crossdock.key"))
        )
    return Settings(**values)  # type: ignore[arg-type]


def _key_from_file(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(key + "\n")
    return key
