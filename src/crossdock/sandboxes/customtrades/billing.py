"""Money rules: invoice totals from line items, estimate prices from templates.

Amounts are computed in integer cents and rounded half-up, then shown as JSON numbers in
dollars (``500``, ``12.5``), as the vendor shows them. The vendor's reference names the totals
but not the arithmetic; the rules here are the sandbox's choice and are documented in
``docs/sandboxes/customtrades.md``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from crossdock.sandboxes.customtrades.fields import Invalid

TIERS = ("good", "better", "best")


def cents(amount: float | int) -> int:
    return int((Decimal(str(amount)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def dollars(amount_cents: int) -> float | int:
    value = amount_cents / 100
    return int(value) if value.is_integer() else value


def share(amount_cents: int, factor: float | int | Decimal) -> int:
    """``amount_cents * factor``, rounded half-up to a cent (quantities, tax rates)."""
    exact = Decimal(amount_cents) * Decimal(str(factor))
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def price_lines(lines: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int, int]:
    """Line items with their ``amount``; plus the subtotal and the tax, in cents.

    A line is ``{description, quantity (default 1), unit_price, tax_rate (percent, default 0)}``;
    its amount is quantity x unit price, and its tax is that amount x tax rate.
    """
    priced: list[dict[str, Any]] = []
    subtotal = tax = 0
    for line in lines:
        quantity = line.get("quantity") or 1
        rate = line.get("tax_rate") or 0
        amount = share(cents(line["unit_price"]), quantity)
        subtotal += amount
        tax += share(amount, Decimal(str(rate)) / 100)
        priced.append(
            {
                "description": line["description"],
                "quantity": quantity,
                "unit_price": line["unit_price"],
                "tax_rate": rate,
                "amount": dollars(amount),
            }
        )
    return priced, subtotal, tax


def invoice_totals(
    lines: list[dict[str, Any]], discount: float | int, paid_cents: int
) -> dict[str, Any]:
    """Every computed field of an invoice: total = subtotal - discount + tax."""
    priced, subtotal, tax = price_lines(lines)
    discount_cents = cents(discount)
    if discount_cents > subtotal:
        raise Invalid("discount_amount cannot exceed the subtotal")
    total = subtotal - discount_cents + tax
    if total < 0:
        raise Invalid("total_amount cannot be negative")
    if paid_cents > total:
        paid = dollars(paid_cents)
        raise Invalid(f"total_amount would be less than the {paid} already paid on this invoice")
    return {
        "line_items": priced,
        "subtotal": dollars(subtotal),
        "discount_amount": dollars(discount_cents),
        "tax_amount": dollars(tax),
        "total_amount": dollars(total),
        "paid_amount": dollars(paid_cents),
        "balance_amount": dollars(total - paid_cents),
    }


def estimate_price(template: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Price an estimate from its template: the tier (or base) price x quantity, plus add-ons,
    plus manual adjustments, plus the template's tax rate on all of it.

    Raises ``Invalid`` (whole-sentence messages) when the choices do not fit the template.
    """
    tier = values.get("selected_tier")
    if template["pricing_type"] == "tiered":
        if tier is None:
            raise Invalid(
                f"selected_tier is required for the tiered template '{template['name']}' "
                "('good', 'better' or 'best')"
            )
        unit = cents(template["tiers"][tier])
    else:
        if tier is not None:
            raise Invalid(f"selected_tier does not apply to the flat template '{template['name']}'")
        unit = cents(template["base_price"])
    quantity = values.get("quantity") or 1
    base = share(unit, quantity)
    addons = {addon["id"]: addon for addon in template["addons"]}
    chosen = values.get("selected_addons") or []
    unknown = [addon for addon in chosen if addon not in addons]
    if unknown:
        known = ", ".join(f"'{key}'" for key in addons) or "none"
        raise Invalid(
            f"selected_addons has unknown add-ons {unknown} for template '{template['name']}' "
            f"(it offers {known})"
        )
    addons_amount = sum(cents(addons[key]["price"]) for key in chosen)
    adjustments = sum(cents(item["amount"]) for item in values.get("adjustments") or [])
    taxable = base + addons_amount + adjustments
    if taxable < 0:
        raise Invalid("adjustments cannot make the estimate total negative")
    tax = share(taxable, Decimal(str(template["tax_rate"])) / 100)
    return {
        "template_name": template["name"],
        "pricing_type": template["pricing_type"],
        "base_amount": dollars(base),
        "addons_amount": dollars(addons_amount),
        "adjustments_amount": dollars(adjustments),
        "tax_amount": dollars(tax),
        "total_amount": dollars(taxable + tax),
    }
