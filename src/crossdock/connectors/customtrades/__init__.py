"""The Custom Trades CRM connector: every resource of its Developer API read incrementally
(soft deletes as tombstones), created, updated and soft-deleted with idempotency keys, and the
monthly usage allowance reported.

``CustomTradesClient`` holds one API key; ``streams`` reads; ``actions`` writes;
``connection_test`` is what the systems catalog runs on activation.
"""

from __future__ import annotations

from crossdock.connectors.customtrades.actions import (
    create,
    create_job_photo,
    delete,
    delete_job_photo,
    derive_key,
    find_customer,
    read,
    update,
)
from crossdock.connectors.customtrades.client import CustomTradesClient, connection_test
from crossdock.connectors.customtrades.errors import VENDOR, QuotaSpent, customtrades_error
from crossdock.connectors.customtrades.resources import RESOURCES, Resource
from crossdock.connectors.customtrades.streams import (
    CompanyStream,
    JobPhotosStream,
    ResourceStream,
    stream,
)
from crossdock.connectors.customtrades.usage import Usage

__all__ = [
    "RESOURCES",
    "VENDOR",
    "CompanyStream",
    "CustomTradesClient",
    "JobPhotosStream",
    "QuotaSpent",
    "Resource",
    "ResourceStream",
    "Usage",
    "connection_test",
    "create",
    "create_job_photo",
    "customtrades_error",
    "delete",
    "delete_job_photo",
    "derive_key",
    "find_customer",
    "read",
    "stream",
    "update",
]
