"""How a Custom Trades sandbox is started: the base settings plus its API key and usage limit."""

from __future__ import annotations

from dataclasses import dataclass

from crossdock.sandboxes.base import SandboxConfig


@dataclass
class CustomTradesConfig(SandboxConfig):
    """``records`` counts the primary company's customers; other resources scale with it.

    ``api_key`` is the primary company's key (``ctc_live_...``); ``None`` generates one, which
    the CLI prints at start. ``usage_limit`` is the monthly request allowance shared by all of
    a company's keys (the vendor's default is 50,000).
    """

    records: int = 120
    api_key: str | None = None
    usage_limit: int = 50_000
