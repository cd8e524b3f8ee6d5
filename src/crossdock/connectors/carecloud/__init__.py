"""The CareCloud connector: customers read incrementally through the enterprise interface,
created and updated, and one customer read through the customer interface.

``CareCloudClient`` holds one API user; ``CustomersStream`` reads; ``actions`` writes;
``connection_test`` is what the systems catalog runs on activation.
"""

from __future__ import annotations

from crossdock.connectors.carecloud.actions import create_customer, update_customer
from crossdock.connectors.carecloud.client import CareCloudClient, connection_test
from crossdock.connectors.carecloud.errors import carecloud_error
from crossdock.connectors.carecloud.streams import CustomersStream, NewestFirstPaginator

__all__ = [
    "CareCloudClient",
    "CustomersStream",
    "NewestFirstPaginator",
    "carecloud_error",
    "connection_test",
    "create_customer",
    "update_customer",
]
