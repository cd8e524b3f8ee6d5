"""What each control-plane list endpoint can be filtered and sorted on.

Lists walk in creation order by default (``createdAt:asc``) so that a client paging through
while others write sees every record that existed when it started, and the new ones at the end.
"""

from __future__ import annotations

from crossdock.store.query.declare import Field, JsonField, Listing
from crossdock.store.tables import Company, Integration, User, Version


def companies() -> Listing:
    return Listing(
        name="companies",
        fields={
            "companyId": Field(Company.company_id),
            "agencyId": Field(Company.agency_id),
            "name": Field(Company.name),
            "country": Field(Company.country),
            "logo": Field(Company.logo),
            "agencyLevel": Field(Company.agency_level),
            "createdAt": Field(Company.created_at),
            "updatedAt": Field(Company.updated_at),
        },
        json_fields={"agencyData": JsonField(Company.agency_data)},
        key=Company.company_id,
        default_sort="createdAt:asc",
    )


def integrations() -> Listing:
    return Listing(
        name="integrations",
        fields={
            "integrationId": Field(Integration.integration_id),
            "agencyId": Field(Integration.agency_id),
            "companyId": Field(Integration.company_id),
            "syncType": Field(Integration.sync_type),
            "systemId": Field(Integration.system_id),
            "active": Field(Integration.active),
            "get": Field(Integration.get),
            "update": Field(Integration.update),
            "add": Field(Integration.add),
            "delete": Field(Integration.delete),
            "minFromDate": Field(Integration.min_from_date),
            "createdAt": Field(Integration.created_at),
            "updatedAt": Field(Integration.updated_at),
        },
        json_fields={
            "meta": JsonField(Integration.meta),
            "systemSettings": JsonField(Integration.system_settings),
        },
        key=Integration.integration_id,
        default_sort="createdAt:asc",
    )


def users() -> Listing:
    return Listing(
        name="users",
        fields={
            "username": Field(User.username),
            "email": Field(User.email),
            "name": Field(User.name),
            "role": Field(User.role),
            "agencyId": Field(User.agency_id),
            "companyId": Field(User.company_id),
            "enabled": Field(User.enabled),
            "passwordUpdatedAt": Field(User.password_updated_at),
            "createdAt": Field(User.created_at),
            "updatedAt": Field(User.updated_at),
        },
        json_fields={"syncs": JsonField(User.syncs)},
        key=User.username,
        default_sort="createdAt:asc",
    )


def versions() -> Listing:
    return Listing(
        name="history",
        fields={
            "version": Field(Version.version),
            "action": Field(Version.action),
            "updatedAt": Field(Version.at),
            "updatedBy": Field(Version.actor),
        },
        json_fields={"data": JsonField(Version.state)},
        key=Version.id,
        default_sort="version:desc",
    )
