"""``/systems`` (our addition): the catalog of systems an integration's ``systemId`` may name."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from crossdock.api.deps import CurrentUser, HubDep
from crossdock.errors import NotFound

router = APIRouter(prefix="/systems", tags=["systems"])


@router.get("", summary="List the systems Crossdock connects to")
def list_systems(hub: HubDep, user: CurrentUser) -> list[dict[str, Any]]:
    return [system.describe() for system in hub.catalog]


@router.get("/{systemId}", summary="Get a system with the JSON schema of its settings")
def get_system(systemId: str, hub: HubDep, user: CurrentUser) -> dict[str, Any]:
    system = hub.catalog.get(systemId)
    if system is None:
        raise NotFound(f"Unknown system {systemId}.", field="systemId")
    return system.describe()
