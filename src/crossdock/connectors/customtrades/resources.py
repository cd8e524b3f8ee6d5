"""Every resource of Custom Trades' Developer API: where it lives, what its lists call their
records, and which writes the vendor offers for it."""

from __future__ import annotations

from dataclasses import dataclass

from crossdock.errors import FixRequest


@dataclass(frozen=True)
class Resource:
    """One resource. ``records`` is the key of a list page's records (``data.<records>``)."""

    name: str
    path: str
    records: str
    label: str
    create: bool = True
    update: bool = True
    delete: bool = True


# Lists of these are paged, filtered by updated_since and ordered newest-updated first.
LISTED = {
    resource.name: resource
    for resource in (
        Resource("customers", "/customers", "customers", "customer"),
        Resource("locations", "/locations", "locations", "location"),
        Resource("jobs", "/jobs", "jobs", "job"),
        Resource("estimates", "/estimates", "estimates", "estimate"),
        Resource("invoices", "/invoices", "invoices", "invoice"),
        Resource("payments", "/payments", "payments", "payment"),
    )
}
# Photos are listed per job (``/jobs/{job_uuid}/photos``); the vendor has no PUT for them.
JOB_PHOTOS = Resource("job_photos", "/jobs/{job_uuid}/photos", "photos", "job photo", update=False)
# ``GET /companies/me``: the key's own company, one record, no writes.
COMPANIES = Resource(
    "companies", "/companies/me", "", "company", create=False, update=False, delete=False
)

RESOURCES = {**LISTED, JOB_PHOTOS.name: JOB_PHOTOS, COMPANIES.name: COMPANIES}


def listed(name: str) -> Resource:
    """A resource with its own list and CRUD routes; a clear refusal for anything else."""
    resource = LISTED.get(name)
    if resource is None:
        if name == JOB_PHOTOS.name:
            raise FixRequest("job photos belong to a job: use the job photo stream and actions")
        if name == COMPANIES.name:
            raise FixRequest("the company is read whole (GET /companies/me) and cannot be written")
        known = ", ".join(sorted(LISTED))
        raise FixRequest(f"Custom Trades CRM has no resource {name!r} here; it has {known}")
    return resource
