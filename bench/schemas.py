"""Validation throughput: 20,000 orders shaped like the seed's sample (two line items, one
shipment), each with its own ids, through ``validate_record``; then orders with errors and
products with four variants. Run: ``.venv/bin/python bench/schemas.py``."""

from __future__ import annotations

import argparse
import copy
import time
from typing import Any

from crossdock.records.schemas import validate_record

ORDER: dict[str, Any] = {
    "addresses": {
        "billing": {
            "name": "Test Person",
            "company": "CrescoData",
            "zip": "123456",
            "street": "address line 1",
            "city": "Singapore",
            "state": "Singapore",
            "email": "test@crescodata.com",
            "phone1": "12345677",
            "phone2": "45678910",
            "extra1": "address line 2",
            "extra2": "address line 3",
            "country": "SG",
        },
        "shipping": {
            "name": "Test Person",
            "company": "CrescoData",
            "zip": "123456",
            "street": "address line 1",
            "city": "Singapore",
            "state": "Singapore",
            "email": "test@crescodata.com",
            "phone1": "12345677",
            "phone2": "45678910",
            "extra1": "address line 2",
            "extra2": "address line 3",
            "country": "SG",
        },
    },
    "country": "SG",
    "createdAt": "2022-01-01T00:00:00+00:00",
    "currency": "SGD",
    "customerId": "customer_1",
    "saleChannel": "Amazon",
    "isGift": False,
    "isDropship": False,
    "link": "https://link/to/order.com",
    "messageToSeller": "Hello",
    "tax": 10,
    "taxRate": 10,
    "tags": "test, order-1",
    "orderDiscountAmount": 2.0,
    "orderDiscountCode": "DISCOUNT-2",
    "orderGmv": 100,
    "orderSubTotal": 100,
    "orderTotal": 100,
    "orderTotalPaid": 98,
    "paymentType": "credit card",
    "refundedShippingAmount": 0,
    "originalOrderId": "Amazon-Order-123",
    "shippingCost": 8,
    "shippingLabel": "https://link-to-the-label.com",
    "shippingMessage": "Knock on door",
    "shippingTax": 0,
    "status": "partiallyShipped",
    "systemOrderId": "1",
    "systemOrderNumber": "order-1",
    "systemStatus": "AWAITING_APPROVAL",
    "taxInclusive": True,
    "publish": True,
    "updatedAt": "2022-01-01T01:00:00+00:00",
    "variants": [
        {
            "systemOrderItemId": "a1",
            "systemOrderItemNumber": "line-a1",
            "confirmed": True,
            "sku": "abc",
            "quantity": 2,
            "originalOrderItemId": "amazon-order-123-1",
            "productName": "My Product",
            "variantName": "Green / S",
            "itemPrice": 50,
            "itemUnitPrice": 25,
            "itemSalePrice": 50,
            "itemPaidPrice": 49,
            "itemShippingCost": 4,
            "itemStatus": "shipped",
            "orderItemDiscountAmount": 1,
            "orderItemTax": 5,
            "shipments": [
                {
                    "shipmentId": "tracking-123",
                    "trackingId": "tracking-123",
                    "shippingProvider": "DHL",
                    "quantity": 2,
                }
            ],
        },
        {
            "systemOrderItemId": "a2",
            "systemOrderItemNumber": "line-a2",
            "confirmed": True,
            "sku": "def",
            "quantity": 2,
            "originalOrderItemId": "amazon-order-123-2",
            "productName": "My Other Product",
            "variantName": "Blue / S",
            "itemPrice": 50,
            "itemUnitPrice": 25,
            "itemSalePrice": 50,
            "itemPaidPrice": 49,
            "itemShippingCost": 4,
            "itemStatus": "pending",
            "orderItemDiscountAmount": 1,
            "orderItemTax": 5,
        },
    ],
}


def orders(count: int) -> list[dict[str, Any]]:
    made = []
    for n in range(count):
        order = copy.deepcopy(ORDER)
        order["systemOrderId"] = str(n)
        order["systemOrderNumber"] = f"order-{n}"
        for line, variant in enumerate(order["variants"]):
            variant["systemOrderItemId"] = f"{n}-{line}"
        made.append(order)
    return made


def measure(sync_type: str, records: list[dict[str, Any]]) -> tuple[float, float]:
    """Records per second of wall-clock time and of this process's CPU time (the second is
    the steadier figure when other work shares the cores)."""
    validate_record(sync_type, records[0])  # builds the validator once, outside the timing
    wall, cpu = time.perf_counter(), time.process_time()
    for record in records:
        validated, errors = validate_record(sync_type, record)
        if validated is None:
            raise SystemExit(f"unexpected errors: {errors}")
    return len(records) / (time.perf_counter() - wall), len(records) / (time.process_time() - cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=20_000)
    args = parser.parse_args()
    wall, cpu = measure("orders", orders(args.count))
    print(f"orders, 2 line items: {wall:,.0f} records/s ({cpu:,.0f} per CPU-second)")
    invalid = copy.deepcopy(ORDER)
    invalid["currency"] = "XXX"
    invalid["variants"][1]["quantity"] = -1
    started = time.process_time()
    for _ in range(2_000):
        _, errors = validate_record("orders", invalid)
        assert len(errors) == 2
    rate = 2_000 / (time.process_time() - started)
    print(f"orders with 2 errors: {rate:,.0f} records per CPU-second")
    product = {
        "merchantProductId": "1",
        "title": "Shoe",
        "publish": True,
        "variants": [
            {
                "sku": f"a{n}",
                "merchantVariantId": str(n),
                "price": 99.9,
                "available": True,
                "stockQuantity": 5,
                "images": ["https://link.to/image.jpeg"],
                "overwrites": {"system:lazada_sg": {"salePrice": 22.9}},
            }
            for n in range(4)
        ],
    }
    wall, cpu = measure("products", [product] * 5_000)
    print(f"products, 4 variants: {wall:,.0f} records/s ({cpu:,.0f} per CPU-second)")


if __name__ == "__main__":
    main()
