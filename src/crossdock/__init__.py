"""Crossdock: a self-hosted commerce and CRM integration hub speaking the Commerce Connect API."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
