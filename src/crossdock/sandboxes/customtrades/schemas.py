"""The writable fields of each resource, with their types and create-time defaults.

Field names and enumerations are the vendor's (its reference lists every attribute); which
fields are required beyond those it marks "(required)", the length limits and the formats
enforced are the sandbox's choices, documented in ``docs/sandboxes/customtrades.md``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from crossdock.sandboxes.customtrades import fields as f
from crossdock.sandboxes.customtrades.fields import Field

NAME = f.text(100)
SHORT = f.text(200)
LONG = f.text(5000)
NEGATIVE_OK = Decimal("-999999999.99")

CUSTOMER_TYPES = ("Residential", "Commercial")
JOB_STATUSES = (
    "New",
    "Contacted",
    "Scheduled",
    "In Progress",
    "Needs Approval",
    "Ready to Invoice",
    "Invoiced",
    "Complete",
    "Estimate Sent",
    "Estimate Approved",
)
PRIORITIES = ("Low", "Normal", "High", "Emergency")
ESTIMATE_STATUSES = ("Pending", "Accepted", "Declined", "Expired")
INVOICE_TYPES = ("Full", "Partial", "Progress")
INVOICE_STATUSES = ("Draft", "Pending", "Paid", "Overdue")
PAYMENT_TYPES = ("credit_card", "ach", "check", "cash", "other")
PAYMENT_STATUSES = ("Pending", "Completed", "Failed", "Refunded")
PHOTO_TYPES = ("before", "during", "after")

CUSTOMER = {
    "first_name": Field(NAME, required=True),
    "last_name": Field(NAME, required=True),
    "company_name": Field(SHORT),
    "email": Field(f.email),
    "phone": Field(f.us_phone),
    "customer_type": Field(f.choice(*CUSTOMER_TYPES), nullable=False),
    "is_vip": Field(f.boolean, nullable=False),
    "physical_address1": Field(SHORT),
    "physical_address2": Field(SHORT),
    "physical_city": Field(NAME),
    "physical_state": Field(f.text(50)),
    "physical_zip": Field(f.text(10)),
    "billing_address1": Field(SHORT),
    "billing_address2": Field(SHORT),
    "billing_city": Field(NAME),
    "billing_state": Field(f.text(50)),
    "billing_zip": Field(f.text(10)),
    "primary_service_location_uuid": Field(f.uuid_text),
    "notes": Field(LONG),
    "internal_flags": Field(f.json_value),
    "on_my_way_notify_via": Field(f.choice("email", "sms", "both")),
}
CUSTOMER_DEFAULTS: dict[str, Any] = {"customer_type": "Residential", "is_vip": False}

LOCATION = {
    "name": Field(SHORT, required=True),
    "location_code": Field(f.text(50)),
    "address1": Field(SHORT, required=True),
    "address2": Field(SHORT),
    "city": Field(NAME, required=True),
    "state": Field(f.us_state, required=True),
    "zip": Field(f.us_zip, required=True),
    "phone": Field(f.us_phone),
    "timezone": Field(f.timezone, nullable=False),
    "business_hours": Field(f.json_value),
    "default_tax_rules": Field(f.json_value),
    "service_types_offered": Field(f.json_value),
    "default_pricing_set_uuid": Field(f.uuid_text),
    "is_primary": Field(f.boolean, nullable=False),
    "is_active": Field(f.boolean, nullable=False),
}
LOCATION_DEFAULTS: dict[str, Any] = {
    "timezone": "America/New_York",
    "is_primary": False,
    "is_active": True,
}

JOB = {
    "customer_uuid": Field(f.uuid_text, required=True),
    "location_uuid": Field(f.uuid_text),
    "assigned_to_user_id": Field(f.uuid_text),
    "title": Field(SHORT, required=True),
    "description": Field(LONG),
    "status": Field(f.choice(*JOB_STATUSES), nullable=False),
    "priority": Field(f.choice(*PRIORITIES), nullable=False),
    "is_urgent": Field(f.boolean, nullable=False),
    "is_emergency": Field(f.boolean, nullable=False),
    "service_address1": Field(SHORT),
    "service_address2": Field(SHORT),
    "service_city": Field(NAME),
    "service_state": Field(f.text(50)),
    "service_zip": Field(f.text(10)),
    "estimated_amount": Field(f.money()),
    "actual_amount": Field(f.money()),
    "scheduled_date": Field(f.instant),
    "scheduled_time_start": Field(f.hhmm),
    "scheduled_time_end": Field(f.hhmm),
    "scheduled_start_at": Field(f.instant),
    "started_at": Field(f.instant),
    "completed_at": Field(f.instant),
    "invoiced_at": Field(f.instant),
    "paid_at": Field(f.instant),
    "internal_notes": Field(LONG),
    "customer_notes": Field(LONG),
}
JOB_DEFAULTS: dict[str, Any] = {
    "status": "New",
    "priority": "Normal",
    "is_urgent": False,
    "is_emergency": False,
}

ADJUSTMENT = {
    "description": Field(SHORT, required=True),
    "amount": Field(f.money(minimum=NEGATIVE_OK), required=True),
}
ESTIMATE = {
    "customer_uuid": Field(f.uuid_text, required=True),
    "job_uuid": Field(f.uuid_text),
    "template_uuid": Field(f.uuid_text, required=True),
    "location_uuid": Field(f.uuid_text),
    "status": Field(f.choice(*ESTIMATE_STATUSES), nullable=False),
    "selected_tier": Field(f.choice("good", "better", "best")),
    "quantity": Field(f.number(0, 100_000, exclusive_minimum=True), nullable=False),
    "selected_addons": Field(f.string_list()),
    "adjustments": Field(f.objects(ADJUSTMENT, max_items=50)),
    "service_description": Field(LONG),
    "internal_notes": Field(LONG),
    "customer_notes": Field(LONG),
    "response_notes": Field(LONG),
    "expires_at": Field(f.instant),
    "responded_at": Field(f.instant),
}
ESTIMATE_DEFAULTS: dict[str, Any] = {"status": "Pending", "quantity": 1}

LINE_ITEM = {
    "description": Field(f.text(500), required=True),
    "quantity": Field(f.number(0, 1_000_000, exclusive_minimum=True)),
    "unit_price": Field(f.money(minimum=NEGATIVE_OK), required=True),
    "tax_rate": Field(f.number(0, 100)),
}
INVOICE = {
    "customer_uuid": Field(f.uuid_text, required=True),
    "job_uuid": Field(f.uuid_text),
    "estimate_uuid": Field(f.uuid_text),
    "location_uuid": Field(f.uuid_text),
    "invoice_type": Field(f.choice(*INVOICE_TYPES), nullable=False),
    "progress_percentage": Field(f.number(0, 100, exclusive_minimum=True)),
    "issue_date": Field(f.day, nullable=False),
    "due_date": Field(f.day, nullable=False),
    "discount_amount": Field(f.money(), nullable=False),
    "line_items": Field(f.objects(LINE_ITEM, max_items=200)),
    "notes": Field(LONG),
    "terms": Field(LONG),
    "internal_notes": Field(LONG),
    "status": Field(f.choice(*INVOICE_STATUSES), nullable=False),
}
INVOICE_DEFAULTS: dict[str, Any] = {
    "invoice_type": "Full",
    "discount_amount": 0,
    "status": "Pending",
}

PAYMENT = {
    "invoice_uuid": Field(f.uuid_text, required=True),
    "customer_uuid": Field(f.uuid_text),
    "payment_type": Field(f.choice(*PAYMENT_TYPES), nullable=False),
    "payment_method": Field(f.text(50)),
    "amount": Field(f.money(positive=True), required=True),
    "processing_fee": Field(f.money(), nullable=False),
    "payment_date": Field(f.day, nullable=False),
    "transaction_id": Field(f.text(100)),
    "reference_number": Field(f.text(100)),
    "authorization_code": Field(f.text(100)),
    "payment_details": Field(f.json_value),
    "notes": Field(LONG),
    "status": Field(f.choice(*PAYMENT_STATUSES), nullable=False),
    "processed_at": Field(f.instant),
}
PAYMENT_DEFAULTS: dict[str, Any] = {
    "payment_type": "other",
    "processing_fee": 0,
    "status": "Completed",
}

PHOTO = {
    "photo_url": Field(f.url, required=True),
    "photo_type": Field(f.choice(*PHOTO_TYPES), nullable=False),
    "file_name": Field(f.text(255)),
    "file_size": Field(f.integer(0, 100 * 1024 * 1024)),
    "mime_type": Field(
        f.choice("image/jpeg", "image/png", "image/heic", "image/webp", "image/gif")
    ),
    "taken_at": Field(f.instant),
    "customer_email_sent": Field(f.boolean, nullable=False),
}
PHOTO_DEFAULTS: dict[str, Any] = {"photo_type": "during", "customer_email_sent": False}

SEQUENCE = {
    "prefix": Field(f.text(20)),
    "padding": Field(f.integer(0, 10)),
    "next_number": Field(f.integer(1, 999_999_999)),
}
