"""The systems catalog: every ``systemId`` an integration may name, its settings and its test.

Each system declares the pydantic model of its ``systemSettings`` (served as JSON Schema by
``GET /systems``; fields marked ``writeOnly`` are secrets, encrypted at rest and never
returned), the sync types it serves, and a connection test that activation runs. A system
whose connector is not built yet has no test, and integrations on it cannot be activated.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from crossdock.schedule import cron_problem, zone_problem

ConnectionTest = Callable[[dict[str, Any]], Coroutine[Any, Any, None]]
"""Raises ``crossdock.errors.CrossdockError`` with the vendor's reason when the test fails."""

ALL_SYNC_TYPES = ("orders", "products", "prices", "stock", "customers")


def secret(description: str) -> Any:
    """A settings field holding a credential: encrypted at rest, never returned."""
    return Field(description=description, json_schema_extra={"writeOnly": True})


class SystemSettings(BaseModel):
    """Settings every system shares; subclasses add their own."""

    model_config = ConfigDict(extra="forbid")


class ApiSettings(SystemSettings):
    """The built-in ``api`` system needs no settings."""


class VendorSettings(SystemSettings):
    baseUrl: str = Field(description="The vendor API's base URL.")
    pullEveryMinutes: int | None = Field(
        default=None,
        ge=1,
        le=10080,
        description="For sources: pull every this many minutes; without it (or pullCron), "
        "on demand only.",
    )
    pullCron: str | None = Field(
        default=None,
        max_length=200,
        description="For sources: pull at the times of this cron expression (five fields: "
        "minute hour day-of-month month day-of-week), e.g. '0 2 * * *'; instead of "
        "pullEveryMinutes.",
    )
    pullStream: str | None = Field(
        default=None,
        max_length=64,
        description="For sources whose sync type several of the vendor's streams can feed: "
        "which one (Custom Trades CRM orders: jobs, the default, or invoices; Cropster stock: "
        "greenLots, the default, roastedLots or blendedLots).",
    )
    pullTimeZone: str = Field(
        default="UTC",
        description="The IANA time zone pullCron's times are in.",
    )
    mappingTemplate: str | None = Field(
        default=None,
        max_length=131072,
        description="A CML template replacing the system's default mapping for this integration.",
    )
    mappingOverwrites: list[str] = Field(
        default_factory=list,
        max_length=16,
        description="CML templates layered over the mapping, later ones winning per field.",
    )
    publishTemplate: str | None = Field(
        default=None,
        max_length=131072,
        description="For destinations: a CML template replacing the default outbound mapping.",
    )
    publishOverwrites: list[str] = Field(
        default_factory=list,
        max_length=16,
        description="CML templates layered over the outbound mapping.",
    )
    mappingVariables: dict[str, Any] = Field(
        default_factory=dict,
        description="Values the integration's templates read as $variables (e.g. CareCloud's "
        "customerSourceId).",
    )

    @model_validator(mode="after")
    def _one_schedule(self) -> VendorSettings:
        if self.pullCron is not None:
            if self.pullEveryMinutes is not None:
                raise ValueError("set pullEveryMinutes or pullCron, not both")
            problem = cron_problem(self.pullCron)
            if problem:
                raise ValueError(problem)
        problem = zone_problem(self.pullTimeZone)
        if problem:
            raise ValueError(problem)
        return self


class CroSettings(VendorSettings):
    token: str = secret("The bearer token issued by CRO Software.")
    tenantId: int = Field(description="The x-tenant-id to send.")
    locationId: int | None = Field(
        default=None,
        description="The location new customers are created at; default the first active one.",
    )


class CareCloudSettings(VendorSettings):
    applicationId: str = Field(description="The external application id.")
    login: str = Field(description="The API user's login.")
    password: str = secret("The API user's password.")
    timezone: str = Field(
        default="Europe/Prague",
        description="The project's time zone (IANA name): CareCloud's timestamps are its local "
        "time without an offset.",
    )


class CustomTradesSettings(VendorSettings):
    apiKey: str = secret("The Custom Trades CRM API key (ctc_live_...).")


class CropsterSettings(VendorSettings):
    clientId: str = Field(description="The service account's OAuth client id.")
    clientSecret: str = secret("The service account's OAuth client secret.")
    scopes: list[str] = Field(
        default_factory=lambda: ["inventory.green", "inventory.roast", "inventory.blend"],
        description="The OAuth scopes to request.",
    )
    tokenUrl: str | None = Field(
        default=None,
        description=(
            "The OAuth token endpoint; default {baseUrl}/oauth2/token, or Cropster's own "
            "https://auth.cropster.com/oauth2/token when baseUrl is https://api.cropster.com."
        ),
    )


class CrescodataSettings(VendorSettings):
    clientId: str = Field(description="The app client id of the other hub.")
    username: str = Field(description="The user to log in as.")
    password: str = secret("That user's password.")
    remoteIntegrationId: str | None = Field(
        default=None,
        max_length=64,
        description="For destinations: the other hub's active api source integration (get: "
        "true, the same sync type) that records are sent to with POST /streams_batch.",
    )


@dataclass(frozen=True)
class System:
    system_id: str
    name: str
    settings_model: type[SystemSettings]
    sync_types: tuple[str, ...]
    source: bool = True
    destination: bool = True
    auth_type: str = "none"
    connection_test: ConnectionTest | None = None
    needs_connection_test: bool = True

    @property
    def secret_fields(self) -> frozenset[str]:
        schema = self.settings_model.model_json_schema()
        return frozenset(
            name for name, prop in schema.get("properties", {}).items() if prop.get("writeOnly")
        )

    def describe(self) -> dict[str, Any]:
        return {
            "systemId": self.system_id,
            "name": self.name,
            "syncTypes": list(self.sync_types),
            "source": self.source,
            "destination": self.destination,
            "authType": self.auth_type,
            "connectorAvailable": self.connection_test is not None
            or not self.needs_connection_test,
            "settingsSchema": self.settings_model.model_json_schema(),
        }


@dataclass
class Catalog:
    systems: dict[str, System] = field(default_factory=dict)

    def register(self, system: System) -> None:
        self.systems[system.system_id] = system

    def get(self, system_id: str) -> System | None:
        return self.systems.get(system_id)

    def __iter__(self) -> Iterator[System]:
        return iter(self.systems.values())


async def _cro_connection_test(settings: dict[str, Any]) -> None:
    # Imported here: the connector imports this module for its settings model.
    from crossdock.connectors.cro import connection_test

    await connection_test(settings)


async def _carecloud_connection_test(settings: dict[str, Any]) -> None:
    from crossdock.connectors.carecloud import connection_test

    await connection_test(settings)


async def _cropster_connection_test(settings: dict[str, Any]) -> None:
    from crossdock.connectors.cropster import connection_test

    await connection_test(settings)


async def _customtrades_connection_test(settings: dict[str, Any]) -> None:
    from crossdock.connectors.customtrades import connection_test

    await connection_test(settings)


async def _crescodata_connection_test(settings: dict[str, Any]) -> None:
    from crossdock.connectors.crescodata import connection_test

    await connection_test(settings)


def default_catalog() -> Catalog:
    """The built-in ``api`` system and every vendor Crossdock knows.

    Systems whose connector is not built yet are listed so integrations can be created and
    configured, but activation refuses them until a connector provides a test.
    """
    catalog = Catalog()
    catalog.register(
        System(
            "api",
            "Commerce Connect API (POST /streams_batch)",
            ApiSettings,
            ALL_SYNC_TYPES,
            needs_connection_test=False,
        )
    )
    catalog.register(
        System(
            "cro",
            "CRO Software",
            CroSettings,
            ("customers",),
            auth_type="bearer",
            connection_test=_cro_connection_test,
        )
    )
    catalog.register(
        System(
            "carecloud",
            "CareCloud",
            CareCloudSettings,
            ("customers",),
            auth_type="login",
            connection_test=_carecloud_connection_test,
        )
    )
    catalog.register(
        System(
            "customtrades",
            "Custom Trades CRM",
            CustomTradesSettings,
            ("customers", "orders"),
            auth_type="api_key",
            connection_test=_customtrades_connection_test,
        )
    )
    catalog.register(
        System(
            "cropster",
            "Cropster",
            CropsterSettings,
            ("products", "stock"),
            auth_type="oauth2_client_credentials",
            connection_test=_cropster_connection_test,
        )
    )
    catalog.register(
        System(
            "crescodata",
            "Commerce Connect hub",
            CrescodataSettings,
            ALL_SYNC_TYPES,
            auth_type="login",
            connection_test=_crescodata_connection_test,
        )
    )
    return catalog
