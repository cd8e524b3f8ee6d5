"""Every resource's rules, by the collection name used in paths (``customers``, ...)."""

from __future__ import annotations

from crossdock.sandboxes.customtrades.money import EstimateRules, InvoiceRules, PaymentRules
from crossdock.sandboxes.customtrades.rules import Rules
from crossdock.sandboxes.customtrades.work import CustomerRules, JobRules, LocationRules, PhotoRules

RULES: dict[str, Rules] = {
    rules.kind: rules
    for rules in (
        CustomerRules(),
        LocationRules(),
        JobRules(),
        EstimateRules(),
        InvoiceRules(),
        PaymentRules(),
        PhotoRules(),
    )
}
