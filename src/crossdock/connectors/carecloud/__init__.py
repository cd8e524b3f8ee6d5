"""The CareCloud connector: customers read incrementally through the enterprise interface,
created and updated, and one customer read through the customer interface.

``CareCloudClient`` holds one API user; ``connection_test`` is what the systems catalog runs
on activation.
"""

from __future__ import annotations

from crossdock.connectors.carecloud.client import CareCloudClient, connection_test
from crossdock.connectors.carecloud.errors import carecloud_error

__all__ = ["CareCloudClient", "carecloud_error", "connection_test"]
