"""Custom Trades CRM's errors, in one place: its body ``{"success": false, "error": "..."}``
becomes a Crossdock error carrying the vendor's message, and the 403 of a spent monthly
allowance becomes ``QuotaSpent``, which says until when."""

from __future__ import annotations

import json
import math
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from crossdock.connectors.customtrades.usage import Usage, first_of_next_month, format_instant
from crossdock.connectors.http import http_error
from crossdock.errors import CrossdockError, RetryLater

VENDOR = "Custom Trades CRM"
QUOTA_MESSAGE = "monthly usage limit reached"


class QuotaSpent(RetryLater):
    """The company's monthly request allowance is spent: nothing will succeed before
    ``resets_at``.

    A ``RetryLater`` whose ``Retry-After`` is the time left until the reset. That is almost
    always far beyond a retry policy's ``retry_after_limit``, so the client hands the error
    straight back instead of retrying, and the sync engine schedules the work for after the
    reset. (Within the last minutes of a month the policy may wait the reset out.)
    """

    explanation = (
        "The vendor's monthly request allowance is spent; work resumes when it resets, "
        "or sooner if more usage is bought."
    )

    def __init__(
        self,
        detail: str,
        *,
        resets_at: datetime,
        used: int | None = None,
        limit: int | None = None,
        now: datetime | None = None,
    ) -> None:
        wait = max(0, math.ceil((resets_at - (now or datetime.now(UTC))).total_seconds()))
        super().__init__(detail, headers={"Retry-After": str(wait)})
        self.resets_at = resets_at
        self.used = used
        self.limit = limit


def customtrades_error(response: httpx.Response) -> CrossdockError:
    """The Crossdock error for one of Custom Trades' error responses."""
    reason = _message(response) or response.reason_phrase or "no reason given"
    if response.status_code == 403 and QUOTA_MESSAGE in reason.casefold():
        return _quota_spent(response, reason)
    return http_error(VENDOR, response, reason)


def _quota_spent(response: httpx.Response, reason: str) -> QuotaSpent:
    usage = Usage.from_headers(response.headers)
    resets_at = usage.resets_at if usage and usage.resets_at else None
    if resets_at is None:  # the vendor's message says when: the first of next month (UTC)
        resets_at = first_of_next_month(_vendor_now(response))
    used = usage.count if usage else None
    limit = usage.limit if usage else None
    spent = f"{used} of {limit} requests used" if used is not None and limit else "allowance spent"
    detail = (
        f"{VENDOR}: {response.status_code} {reason} "
        f"(quota spent until {format_instant(resets_at)}; {spent})"
    )
    # Retry-After counts from the vendor's clock, where it sent one (its Date header).
    now = _vendor_now(response)
    return QuotaSpent(detail, resets_at=resets_at, used=used, limit=limit, now=now)


def _vendor_now(response: httpx.Response) -> datetime:
    value = response.headers.get("date")
    if value:
        try:
            return parsedate_to_datetime(value).astimezone(UTC)
        except (TypeError, ValueError):
            pass
    return datetime.fromtimestamp(time.time(), UTC)


def _message(response: httpx.Response) -> str | None:
    try:
        body: Any = json.loads(response.content) if response.content else None
    except ValueError:
        return None
    if isinstance(body, dict):
        message = body.get("error")
        if isinstance(message, str) and message.strip():
            return message.strip()
        if isinstance(message, dict):  # not documented, but common: {"error": {"message": ...}}
            inner = message.get("message")
            if isinstance(inner, str) and inner.strip():
                return inner.strip()
    return None
