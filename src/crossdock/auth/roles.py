"""Roles, who may create whom, which attributes each role may set, and tenancy scopes.

Ranks, highest first: ``admin`` > ``staff`` > ``manager`` > ``agency`` > ``company``.

- ``admin`` and ``staff`` (operators of the hub) see and change everything; only an admin may
  create or promote another admin.
- ``manager`` and ``agency`` users belong to one agency and see only its companies,
  integrations and users; ``company`` users belong to one company and see only it.
- ``agency``, ``manager`` and ``company`` users reach only the sync types in their ``syncs``.
- A user may create users of its own rank or lower (an agency user creates agency and company
  users), never above.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from crossdock.errors import Forbidden


class Role(StrEnum):
    ADMIN = "admin"
    STAFF = "staff"
    MANAGER = "manager"
    AGENCY = "agency"
    COMPANY = "company"


RANK = {Role.ADMIN: 5, Role.STAFF: 4, Role.MANAGER: 3, Role.AGENCY: 2, Role.COMPANY: 1}
OPERATORS = frozenset({Role.ADMIN, Role.STAFF})
AGENCY_SCOPED = frozenset({Role.MANAGER, Role.AGENCY})
NEEDS_SYNCS = frozenset({Role.AGENCY, Role.MANAGER, Role.COMPANY})

# "Note: This attribute is only applicable to user roles: ..." in the Commerce Connect docs:
# which roles may set an attribute of a resource to a value of their choosing.
SETTABLE_BY: dict[tuple[str, str], frozenset[Role]] = {
    ("user", "agencyId"): OPERATORS,
    ("user", "companyId"): OPERATORS | AGENCY_SCOPED,
    ("user", "passwordUpdatedAt"): OPERATORS,
    ("company", "agencyId"): OPERATORS | {Role.MANAGER},
    ("company", "agencyLevel"): OPERATORS | {Role.AGENCY},
    ("integration", "agencyId"): OPERATORS,
    ("integration", "companyId"): OPERATORS | AGENCY_SCOPED,
}


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of a request."""

    username: str
    role: Role
    agency_id: str | None = None
    company_id: str | None = None
    syncs: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_operator(self) -> bool:
        return self.role in OPERATORS

    def may_set(self, resource: str, attribute: str) -> bool:
        allowed = SETTABLE_BY.get((resource, attribute))
        return allowed is None or self.role in allowed

    def can_create_role(self, role: Role) -> bool:
        if role == Role.ADMIN:
            return self.role == Role.ADMIN
        return RANK[role] <= RANK[self.role]

    def sees(self, *, agency_id: str | None, company_id: str | None) -> bool:
        """Whether a resource of this agency and company is within the caller's tenancy."""
        if self.is_operator:
            return True
        if self.role in AGENCY_SCOPED:
            return agency_id is not None and agency_id == self.agency_id
        return company_id is not None and company_id == self.company_id

    def reaches_sync(self, sync_type: str) -> bool:
        return self.role not in NEEDS_SYNCS or sync_type in self.syncs

    def require_sync(self, sync_type: str) -> None:
        if not self.reaches_sync(sync_type):
            raise Forbidden(
                f"Your user has no access to the {sync_type!r} sync type.", field="syncType"
            )
