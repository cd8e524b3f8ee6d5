"""The CRO Software connector: customers read incrementally, created and updated.

``CroClient`` holds one credential; ``CustomersStream`` reads; ``actions`` writes;
``connection_test`` is what the systems catalog runs on activation.
"""

from __future__ import annotations

from crossdock.connectors.cro.actions import create_customer, deactivate_customer, update_customer
from crossdock.connectors.cro.client import API_VERSION, CroClient, connection_test
from crossdock.connectors.cro.errors import cro_error
from crossdock.connectors.cro.streams import CustomersStream

__all__ = [
    "API_VERSION",
    "CroClient",
    "CustomersStream",
    "connection_test",
    "create_customer",
    "cro_error",
    "deactivate_customer",
    "update_customer",
]
