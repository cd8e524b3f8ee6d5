"""Fault injection rules: which requests misbehave, and how.

A rule matches requests by method and path glob, then fires with a probability, optionally
after skipping the first ``after`` matches and at most ``count`` times. The kinds:

``latency``        sleep ``latency_ms`` before answering.
``error``          answer ``status`` (default 503) in the vendor's own error format.
``rate_limit``     answer 429 with ``Retry-After: retry_after`` for ``burst`` requests in a row.
``drop``           start the response, then cut the connection before the body is complete.
``expire_tokens``  expire every issued access token, then serve the request normally (so the
                   request itself fails authentication, as a token expiring mid-run would).
``insert``         serve the request, then insert ``records`` new records (page-number paging
                   drifts afterwards, exactly as it does against the real service).
``lose_response``  serve the request in full (a write is applied), then throw the answer away:
                   the client gets a cut connection as with ``drop`` (``answer=drop``, the
                   default) or ``status`` in the vendor's error format (``answer=error``, e.g.
                   502 or 504, as a gateway that timed out would). This is the failure an
                   idempotency key exists for: the write landed, the client cannot know it.

Every fault but ``lose_response`` answers before the vendor's routes run, so the request has
no effect there. The recorder keeps both sides: ``status`` is what the client was sent,
``served_status`` what the vendor's routes answered (None when they never ran).
"""

from __future__ import annotations

import fnmatch
import json
import random
import threading
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

FaultKind = Literal[
    "latency", "error", "rate_limit", "drop", "expire_tokens", "insert", "lose_response"
]


class FaultRule(BaseModel):
    """One fault. Defaults make ``{"kind": "error"}`` a useful rule on its own."""

    model_config = ConfigDict(extra="forbid")

    kind: FaultKind
    route: str = Field(default="*", description="glob over the request path, e.g. /customers*")
    method: str | None = Field(default=None, description="HTTP method; any when omitted")
    rate: float = Field(default=1.0, ge=0.0, le=1.0, description="probability of firing")
    after: int = Field(default=0, ge=0, description="matching requests to let through first")
    count: int | None = Field(default=None, ge=1, description="fire at most this many times")
    latency_ms: int = Field(default=200, ge=0, le=600_000)
    status: int = Field(default=503, ge=400, le=599)
    retry_after: float = Field(default=1.0, ge=0.0)
    burst: int = Field(default=1, ge=1)
    records: int = Field(default=1, ge=1)
    answer: Literal["drop", "error"] = Field(
        default="drop",
        description="lose_response: what the client gets instead of the vendor's answer, a "
        "cut connection or `status` in the vendor's error format",
    )


class ActiveFault(BaseModel):
    """A rule with its counters, as the control API reports it."""

    id: int
    rule: FaultRule
    matched: int = 0
    fired: int = 0
    burst_left: int = 0


class Faults:
    """The live set of rules of one sandbox, safe to consult from concurrent requests."""

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._rules: list[ActiveFault] = []
        self._next_id = 1
        self._random = random.Random(seed)

    def add(self, rule: FaultRule) -> ActiveFault:
        with self._lock:
            active = ActiveFault(id=self._next_id, rule=rule)
            self._next_id += 1
            self._rules.append(active)
            return active

    def remove(self, fault_id: int) -> bool:
        with self._lock:
            before = len(self._rules)
            self._rules = [f for f in self._rules if f.id != fault_id]
            return len(self._rules) != before

    def clear(self) -> None:
        with self._lock:
            self._rules = []

    def rules(self) -> list[ActiveFault]:
        with self._lock:
            return [f.model_copy() for f in self._rules]

    def __bool__(self) -> bool:
        return bool(self._rules)

    def fire(self, method: str, path: str) -> list[FaultRule]:
        """Decide which rules fire for this request; counters move as a side effect."""
        fired: list[FaultRule] = []
        with self._lock:
            for active in self._rules:
                rule = active.rule
                if rule.method and rule.method.upper() != method.upper():
                    continue
                if not fnmatch.fnmatchcase(path, rule.route):
                    continue
                active.matched += 1
                if active.burst_left > 0:
                    active.burst_left -= 1
                    fired.append(rule)
                    continue
                if active.matched <= rule.after:
                    continue
                if rule.count is not None and active.fired >= rule.count:
                    continue
                if rule.rate < 1.0 and self._random.random() >= rule.rate:
                    continue
                active.fired += 1
                if rule.kind == "rate_limit":
                    active.burst_left = rule.burst - 1
                fired.append(rule)
        return fired


def parse_faults(spec: str) -> list[FaultRule]:
    """Parse ``--faults``: JSON (a rule or a list), or the compact form.

    Compact form: rules separated by ``;``, each ``kind[:key=value,...][@[METHOD ]route]``, e.g.
    ``error:rate=0.1,status=502@/customers*;rate_limit:burst=5,retry_after=2``.
    """
    spec = spec.strip()
    if not spec:
        return []
    try:
        if spec[0] in "[{":
            loaded = json.loads(spec)
            items = loaded if isinstance(loaded, list) else [loaded]
            return [FaultRule.model_validate(item) for item in items]
        return [_parse_compact(part.strip()) for part in spec.split(";") if part.strip()]
    except (ValidationError, json.JSONDecodeError) as exc:
        raise ValueError(f"invalid fault specification {spec!r}: {exc}") from exc


def _parse_compact(text: str) -> FaultRule:
    where = None
    if "@" in text:
        text, where = text.split("@", 1)
    kind, _, params = text.partition(":")
    fields: dict[str, object] = {"kind": kind.strip()}
    for pair in filter(None, (p.strip() for p in params.split(","))):
        key, sep, value = pair.partition("=")
        if not sep:
            raise ValueError(f"fault parameter {pair!r} needs the form key=value")
        fields[key.strip()] = value.strip()
    if where:
        method, _, route = where.strip().rpartition(" ")
        fields["route"] = route
        if method:
            fields["method"] = method
    return FaultRule.model_validate(fields)
