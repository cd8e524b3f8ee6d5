"""The Commerce Connect HTTP API: ``create_app`` builds it from settings."""

from __future__ import annotations

from crossdock.api.app import create_app

__all__ = ["create_app"]
