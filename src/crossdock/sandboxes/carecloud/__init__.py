"""A stateful emulator of CareCloud's REST API: the enterprise and the customer interface.

Written from CareCloud's quickstart and OpenAPI spec alone; ``docs/sandboxes/carecloud.md``
lists what it emulates and every place where it had to choose what the docs leave open.
"""

from __future__ import annotations

from crossdock.sandboxes.carecloud.app import create_app
from crossdock.sandboxes.carecloud.state import CareCloudConfig

__all__ = ["CareCloudConfig", "create_app"]
