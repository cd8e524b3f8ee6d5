"""Cropster sandbox: OAuth client credentials and the POST-only RPC inventory API (green,
roasted and blended lots), stateful, seeded and rate limited like the real service.

Run it with ``crossdock sandbox cropster``; docs/sandboxes/cropster.md describes its choices.
"""

from __future__ import annotations

from crossdock.sandboxes.cropster.config import CropsterConfig
from crossdock.sandboxes.cropster.routes import create_app

__all__ = ["CropsterConfig", "create_app"]
