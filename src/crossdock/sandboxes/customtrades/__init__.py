"""A stateful emulator of the Custom Trades CRM Developer API (``/api/v1``).

API-key auth per company, soft-deleting CRUD over customers, locations, jobs, estimates,
invoices, payments and job photos, estimate and invoice previews, document numbering, the
monthly usage allowance and ``Idempotency-Key`` replays, in the vendor's
``{"success": ..., "data" | "error": ...}`` format. See ``docs/sandboxes/customtrades.md``.
"""

from __future__ import annotations

from crossdock.sandboxes.customtrades.app import create_app
from crossdock.sandboxes.customtrades.config import CustomTradesConfig

__all__ = ["CustomTradesConfig", "create_app"]
