"""Rules of the field-work resources: customers, locations, jobs and job photos."""

from __future__ import annotations

from typing import Any, ClassVar

from crossdock.sandboxes.customtrades import schemas as s
from crossdock.sandboxes.customtrades.company import Company
from crossdock.sandboxes.customtrades.errors import bad_request
from crossdock.sandboxes.customtrades.fields import choice, uuid_text
from crossdock.sandboxes.customtrades.rules import STAMPS, Predicate, Rules, changed, ref, search
from crossdock.sandboxes.customtrades.store import Row
from crossdock.sandboxes.customtrades.timefmt import iso_ms


class CustomerRules(Rules):
    kind = "customers"
    label = "Customer"
    fields = ("uuid", *s.CUSTOMER, *STAMPS)
    schema = s.CUSTOMER
    defaults = s.CUSTOMER_DEFAULTS
    filters = {"filter": choice("all", "residential", "commercial", "vip"), "search": str}

    def prepare(
        self,
        co: Company,
        record: dict[str, Any],
        values: dict[str, Any],
        before: dict[str, Any] | None,
    ) -> None:
        if record["customer_type"] == "Commercial" and not record["company_name"]:
            raise bad_request("company_name is required for Commercial customers")
        if "primary_service_location_uuid" in values:
            ref(
                co,
                "locations",
                "Location",
                "primary_service_location_uuid",
                record["primary_service_location_uuid"],
            )

    def predicate(self, name: str, value: Any) -> Predicate | None:
        if name == "search":
            return search(value, ("first_name", "last_name", "company_name", "email", "phone"))
        if value == "all":
            return None
        if value == "vip":
            return lambda row: bool(row.data["is_vip"])
        wanted = value.capitalize()
        return lambda row: row.data["customer_type"] == wanted


class LocationRules(Rules):
    kind = "locations"
    label = "Location"
    fields = ("uuid", *s.LOCATION, *STAMPS)
    schema = s.LOCATION
    defaults = s.LOCATION_DEFAULTS

    def prepare(
        self,
        co: Company,
        record: dict[str, Any],
        values: dict[str, Any],
        before: dict[str, Any] | None,
    ) -> None:
        # A company's first location is its primary one unless the client says otherwise.
        if before is None and "is_primary" not in values and not len(co.collections["locations"]):
            record["is_primary"] = True

    def after(self, co: Company, row: Row, before: dict[str, Any] | None) -> None:
        if not row.data["is_primary"] or row.deleted:
            return
        # One primary location per company: promoting one demotes the others (a write each).
        others = [
            other
            for other in co.collections["locations"].live
            if other is not row and other.data["is_primary"]
        ]
        for other in others:
            other.data["is_primary"] = False
            co.save(self.kind, other)


class JobRules(Rules):
    kind = "jobs"
    label = "Job"
    fields = (
        "uuid", "job_number", "customer_uuid", "location_uuid", "assigned_to_user_id", "title",
        "description", "status", "priority", "is_urgent", "is_emergency", "service_address1",
        "service_address2", "service_city", "service_state", "service_zip", "estimated_amount",
        "actual_amount", "scheduled_date", "scheduled_time_start", "scheduled_time_end",
        "scheduled_start_at", "started_at", "completed_at", "invoiced_at", "paid_at",
        "internal_notes", "customer_notes", *STAMPS,
    )  # fmt: skip
    schema = s.JOB
    defaults = s.JOB_DEFAULTS
    number_field = "job_number"
    filters = {
        "status": choice(*s.JOB_STATUSES),
        "priority": choice(*s.PRIORITIES),
        "customer_uuid": uuid_text,
        "location_uuid": uuid_text,
        "search": str,
    }
    _STATUS_STAMPS: ClassVar[dict[str, tuple[str, ...]]] = {
        "In Progress": ("started_at",),
        "Complete": ("started_at", "completed_at"),
        "Invoiced": ("invoiced_at",),
    }

    def prepare(
        self,
        co: Company,
        record: dict[str, Any],
        values: dict[str, Any],
        before: dict[str, Any] | None,
    ) -> None:
        customer = None
        if "customer_uuid" in values:
            customer = ref(co, "customers", "Customer", "customer_uuid", record["customer_uuid"])
        if "location_uuid" in values:
            ref(co, "locations", "Location", "location_uuid", record["location_uuid"])
        user = record["assigned_to_user_id"]
        if "assigned_to_user_id" in values and user is not None and user not in co.users:
            raise bad_request(f"User not found for assigned_to_user_id '{user}'")
        self._schedule(record, values)
        now = iso_ms(co.stamper.now())
        status = record["status"]
        if "status" in values and (before is None or before["status"] != status):
            for stamp in self._STATUS_STAMPS.get(status, ()):
                if record[stamp] is None:
                    record[stamp] = now
        if before is None:
            service = ("service_address1", "service_city", "service_state", "service_zip")
            if customer is not None and not any(record[name] for name in service):
                for part in ("address1", "address2", "city", "state", "zip"):
                    record[f"service_{part}"] = customer.data[f"physical_{part}"]
            co.job_numbers += 1
            record["job_number"] = f"JOB-{co.job_numbers:04d}"

    @staticmethod
    def _schedule(record: dict[str, Any], values: dict[str, Any]) -> None:
        if "scheduled_start_at" in values:
            if changed(values, "scheduled_date", "scheduled_time_start"):
                raise bad_request(
                    "Send either scheduled_start_at or scheduled_date/scheduled_time_start, "
                    "not both"
                )
            start = values["scheduled_start_at"]
            record["scheduled_date"] = start
            record["scheduled_time_start"] = None if start is None else start[11:16]
        start_time, end_time = record["scheduled_time_start"], record["scheduled_time_end"]
        if start_time and end_time and end_time < start_time:
            raise bad_request("scheduled_time_end cannot be before scheduled_time_start")
        date = record["scheduled_date"]
        if date is None:
            record["scheduled_start_at"] = None
        elif start_time:
            record["scheduled_start_at"] = f"{date[:10]}T{start_time}:00.000Z"
        else:
            record["scheduled_start_at"] = date

    def predicate(self, name: str, value: Any) -> Predicate | None:
        if name == "search":
            return search(value, ("title", "job_number"))
        return super().predicate(name, value)


class PhotoRules(Rules):
    kind = "photos"
    label = "Photo"
    fields = (
        "uuid", "job_uuid", "user_id", "photo_url", "photo_type", "file_name", "file_size",
        "mime_type", "taken_at", "customer_email_sent", *STAMPS,
    )  # fmt: skip
    schema = s.PHOTO
    defaults = s.PHOTO_DEFAULTS
    filters = {"photo_type": choice(*s.PHOTO_TYPES)}

    def prepare(
        self,
        co: Company,
        record: dict[str, Any],
        values: dict[str, Any],
        before: dict[str, Any] | None,
    ) -> None:
        if before is None:
            record["user_id"] = co.owner_id

    def after(self, co: Company, row: Row, before: dict[str, Any] | None) -> None:
        if before is None:
            co.photos_by_job.setdefault(row.data["job_uuid"], []).append(row.uuid)
