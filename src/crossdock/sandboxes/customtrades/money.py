"""Rules of the money resources: estimates, invoices and payments, and how payments settle
their invoice."""

from __future__ import annotations

from typing import Any

from crossdock.sandboxes.customtrades import schemas as s
from crossdock.sandboxes.customtrades.billing import cents, dollars, estimate_price, invoice_totals
from crossdock.sandboxes.customtrades.company import Company
from crossdock.sandboxes.customtrades.errors import bad_request
from crossdock.sandboxes.customtrades.fields import Invalid, choice, uuid_text
from crossdock.sandboxes.customtrades.rules import STAMPS, Predicate, Rules, changed, ref, search
from crossdock.sandboxes.customtrades.store import Row
from crossdock.sandboxes.customtrades.timefmt import DAY_MS, add_days, iso_day, iso_ms


class EstimateRules(Rules):
    kind = "estimates"
    label = "Estimate"
    fields = (
        "uuid", "estimate_number", "customer_uuid", "job_uuid", "template_uuid", "location_uuid",
        "created_by_user_id", "status", "template_name", "pricing_type", "selected_tier",
        "base_amount", "addons_amount", "tax_amount", "total_amount", "quantity",
        "selected_addons", "adjustments", "service_description", "internal_notes",
        "customer_notes", "response_notes", "expires_at", "responded_at", *STAMPS,
    )  # fmt: skip
    schema = s.ESTIMATE
    defaults = s.ESTIMATE_DEFAULTS
    number_field = "estimate_number"
    filters = {
        "status": choice(*s.ESTIMATE_STATUSES),
        "customer_uuid": uuid_text,
        "job_uuid": uuid_text,
        "search": str,
    }
    _PRICING = ("template_uuid", "selected_tier", "quantity", "selected_addons", "adjustments")

    def prepare(
        self,
        co: Company,
        record: dict[str, Any],
        values: dict[str, Any],
        before: dict[str, Any] | None,
    ) -> None:
        price = self.price(co, record, values, before)
        if price is not None:
            price.pop("adjustments_amount")
            record.update(price)
        status = record["status"]
        if (
            "status" in values
            and status in ("Accepted", "Declined")
            and (before is None or before["status"] != status)
            and "responded_at" not in values
        ):
            record["responded_at"] = iso_ms(co.stamper.now())
        if before is None:
            now = co.stamper.now()
            record["created_by_user_id"] = co.owner_id
            if "expires_at" not in values:
                record["expires_at"] = iso_ms(now + 30 * DAY_MS)
            record["estimate_number"] = co.numbering["estimate"].take()

    def price(
        self,
        co: Company,
        record: dict[str, Any],
        values: dict[str, Any],
        before: dict[str, Any] | None,
    ) -> dict[str, Any] | None:
        """Check references and price the estimate (``None`` when no pricing input changed)."""
        if "customer_uuid" in values:
            ref(co, "customers", "Customer", "customer_uuid", record["customer_uuid"])
        if "location_uuid" in values:
            ref(co, "locations", "Location", "location_uuid", record["location_uuid"])
        if changed(values, "job_uuid", "customer_uuid") and record["job_uuid"] is not None:
            job = co.collections["jobs"].get(record["job_uuid"], deleted=before is not None)
            if job is None:
                raise bad_request(f"Job not found for job_uuid '{record['job_uuid']}'")
            if job.data["customer_uuid"] != record["customer_uuid"]:
                raise bad_request("job_uuid belongs to a different customer than customer_uuid")
        if before is not None and not changed(values, *self._PRICING):
            return None
        template = co.templates.get(record["template_uuid"])
        if template is None:
            raise bad_request(
                f"Estimate template not found for template_uuid '{record['template_uuid']}'"
            )
        try:
            return estimate_price(template, record)
        except Invalid as exc:
            raise bad_request(str(exc)) from exc

    def predicate(self, name: str, value: Any) -> Predicate | None:
        if name == "search":
            return search(value, ("estimate_number",))
        return super().predicate(name, value)


class InvoiceRules(Rules):
    kind = "invoices"
    label = "Invoice"
    fields = (
        "uuid", "invoice_number", "customer_uuid", "job_uuid", "estimate_uuid", "location_uuid",
        "invoice_type", "progress_percentage", "issue_date", "due_date", "subtotal", "tax_amount",
        "discount_amount", "total_amount", "paid_amount", "balance_amount", "line_items", "notes",
        "terms", "internal_notes", "status", *STAMPS,
    )  # fmt: skip
    schema = s.INVOICE
    defaults = s.INVOICE_DEFAULTS
    number_field = "invoice_number"
    filters = {
        "status": choice("All", *s.INVOICE_STATUSES),
        "customer_uuid": uuid_text,
        "job_uuid": uuid_text,
        "search": str,
    }

    def prepare(
        self,
        co: Company,
        record: dict[str, Any],
        values: dict[str, Any],
        before: dict[str, Any] | None,
    ) -> None:
        totals = self.price(co, record, values, before)
        record.update(totals)
        if "status" not in values:
            record["status"] = settled_status(record)
        if before is None:
            record["invoice_number"] = co.numbering["invoice"].take()

    def price(
        self,
        co: Company,
        record: dict[str, Any],
        values: dict[str, Any],
        before: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """Check references and dates; compute every total (also used by the preview)."""
        if "customer_uuid" in values:
            ref(co, "customers", "Customer", "customer_uuid", record["customer_uuid"])
        if "location_uuid" in values:
            ref(co, "locations", "Location", "location_uuid", record["location_uuid"])
        for field, kind, label in (
            ("job_uuid", "jobs", "Job"),
            ("estimate_uuid", "estimates", "Estimate"),
        ):
            if changed(values, field, "customer_uuid") and record[field] is not None:
                linked = co.collections[kind].get(record[field], deleted=before is not None)
                if linked is None:
                    raise bad_request(f"{label} not found for {field} '{record[field]}'")
                if linked.data["customer_uuid"] != record["customer_uuid"]:
                    raise bad_request(f"{field} belongs to a different customer than customer_uuid")
        progress = record["progress_percentage"]
        if record["invoice_type"] == "Progress" and progress is None:
            raise bad_request("progress_percentage is required for Progress invoices")
        if record["invoice_type"] != "Progress" and progress is not None:
            raise bad_request("progress_percentage only applies to Progress invoices")
        if record["issue_date"] is None:
            record["issue_date"] = iso_day(co.stamper.now())
        if record["due_date"] is None:
            record["due_date"] = add_days(record["issue_date"], 30)
        if record["due_date"] < record["issue_date"]:
            raise bad_request("due_date cannot be before issue_date")
        paid = cents(record["paid_amount"] or 0)
        try:
            return invoice_totals(record["line_items"] or [], record["discount_amount"] or 0, paid)
        except Invalid as exc:
            raise bad_request(str(exc)) from exc

    def predicate(self, name: str, value: Any) -> Predicate | None:
        if name == "search":
            return search(value, ("invoice_number",))
        if name == "status" and value == "All":
            return None
        return super().predicate(name, value)


def settled_status(invoice: dict[str, Any]) -> str:
    """Paid once the balance is cleared; back to Pending if a paid invoice owes again."""
    status = str(invoice["status"])
    if invoice["total_amount"] > 0 and invoice["balance_amount"] <= 0:
        return "Paid"
    if status == "Paid" and invoice["balance_amount"] > 0:
        return "Pending"
    return status


def settle_invoice(co: Company, invoice: Row) -> None:
    """Recompute what an invoice has been paid from its Completed payments."""
    payments = co.collections["payments"].rows
    paid = sum(
        cents(payment.data["amount"])
        for key in co.payments_by_invoice.get(invoice.uuid, ())
        if not (payment := payments[key]).deleted and payment.data["status"] == "Completed"
    )
    data = invoice.data
    if paid == cents(data["paid_amount"]):
        return
    data["paid_amount"] = dollars(paid)
    data["balance_amount"] = dollars(cents(data["total_amount"]) - paid)
    data["status"] = settled_status(data)
    co.save("invoices", invoice)


class PaymentRules(Rules):
    kind = "payments"
    label = "Payment"
    fields = (
        "uuid", "payment_number", "invoice_uuid", "customer_uuid", "payment_type",
        "payment_method", "amount", "processing_fee", "net_amount", "payment_date",
        "transaction_id", "reference_number", "authorization_code", "payment_details", "notes",
        "status", "processed_at", "created_by_user_id", *STAMPS,
    )  # fmt: skip
    schema = s.PAYMENT
    defaults = s.PAYMENT_DEFAULTS
    number_field = "payment_number"
    filters = {
        "invoice_uuid": uuid_text,
        "customer_uuid": uuid_text,
        "payment_type": choice(*s.PAYMENT_TYPES),
        "status": choice(*s.PAYMENT_STATUSES),
    }

    def prepare(
        self,
        co: Company,
        record: dict[str, Any],
        values: dict[str, Any],
        before: dict[str, Any] | None,
    ) -> None:
        if before is not None and record["invoice_uuid"] != before["invoice_uuid"]:
            raise bad_request(
                "invoice_uuid cannot be changed; delete the payment and record a new one"
            )
        invoices = co.collections["invoices"]
        invoice = invoices.get(record["invoice_uuid"], deleted=before is not None)
        if invoice is None:
            raise bad_request(f"Invoice not found for invoice_uuid '{record['invoice_uuid']}'")
        owner = invoice.data["customer_uuid"]
        if values.get("customer_uuid") not in (None, owner):
            raise bad_request("customer_uuid does not match the customer of the invoice")
        record["customer_uuid"] = owner
        amount, fee = cents(record["amount"]), cents(record["processing_fee"])
        if fee > amount:
            raise bad_request("processing_fee cannot exceed amount")
        record["net_amount"] = dollars(amount - fee)
        if record["status"] == "Completed":
            available = cents(invoice.data["balance_amount"])
            if before is not None and before["status"] == "Completed":
                available += cents(before["amount"])
            if amount > available:
                raise bad_request(f"amount exceeds the invoice balance of {dollars(available)}")
            if record["processed_at"] is None:
                record["processed_at"] = iso_ms(co.stamper.now())
        if record["payment_date"] is None:
            record["payment_date"] = iso_day(co.stamper.now())
        if before is None:
            record["created_by_user_id"] = co.owner_id
            co.payment_numbers += 1
            record["payment_number"] = f"PAY-{co.payment_numbers:04d}"

    def after(self, co: Company, row: Row, before: dict[str, Any] | None) -> None:
        if before is None:
            co.payments_by_invoice.setdefault(row.data["invoice_uuid"], []).append(row.uuid)
        invoice = co.collections["invoices"].rows[row.data["invoice_uuid"]]
        settle_invoice(co, invoice)
