"""What a Cropster sandbox is started with."""

from __future__ import annotations

from dataclasses import dataclass

from crossdock.sandboxes.base import SandboxConfig


@dataclass
class CropsterConfig(SandboxConfig):
    """``records`` is the number of green lots; roasted and blended lots scale with it.

    ``client_id``/``client_secret`` name the service account granted every scope (generated
    when None). ``rate_limit`` is the sustained requests per second allowed to each client and
    ``rate_burst`` how many may come at once; ``rate_limit=None`` switches limiting off, e.g.
    for benchmarks.
    """

    records: int = 150
    client_id: str | None = None
    client_secret: str | None = None
    rate_limit: float | None = 5.0
    rate_burst: int = 10

    def __post_init__(self) -> None:
        if self.rate_limit is not None and self.rate_limit <= 0:
            raise ValueError("rate_limit must be positive, or None to switch limiting off")
        if self.rate_burst < 1:
            raise ValueError("rate_burst must be at least 1")
