"""The ``orders`` record: the seed's "Create a New Order" attributes with its shipment, cancel
and return payloads, plus the attributes its ``GET /orders`` sample shows.

Every attribute of ``OrderLine`` may sit at the top level (shared by every line item) or in
``variants[]`` (one line item), and is declared once: the variant, the record and the values of
``overwrites`` all derive from it. Descriptions are the seed's own words.
"""

from __future__ import annotations

from typing import Required

from pydantic import with_config
from typing_extensions import TypedDict

from crossdock.records.schemas.common import (
    RECORD_CONFIG,
    Address,
    Country,
    Currency,
    ItemStatus,
    NonNegativeInteger,
    NonNegativeNumber,
    Number,
    OrderWeightUnit,
    OverwriteKey,
    Text,
    Timestamp,
)


@with_config(RECORD_CONFIG)
class OrderAddresses(TypedDict, total=False):
    """The address object for this order"""

    billing: Address
    """The order's billing address"""
    shipping: Address
    """The order's shipping address"""


@with_config(RECORD_CONFIG)
class Cancel(TypedDict, total=False):
    """One cancellation of (part of) a line item."""

    cancelId: Required[Text]
    """The unique id of this cancellation, which prevents duplicated cancellations (the seed's
    description here, "The quantity ordered for this item", is a copy slip)"""
    cancelledReason: Text
    """The reason this order item was cancelled"""
    quantity: NonNegativeInteger
    """The quantity cancelled for this item"""


@with_config(RECORD_CONFIG)
class DiscountCode(TypedDict, total=False):
    """A discount code applied to the order."""

    amount: NonNegativeNumber
    """The amount discounted off the order"""
    amountFundedBySeller: NonNegativeNumber
    """The amount discounted off the order is funded by seller"""
    discountCode: Required[Text]
    """The discount code of the order"""


@with_config(RECORD_CONFIG)
class Return(TypedDict, total=False):
    """One return of (part of) a line item."""

    pickupAddress: Address
    """The address of the pick up, if it's a pick-up return type"""
    pickupDate: Timestamp
    """The date the return will be picked up, if it's a pick-up return type"""
    quantity: NonNegativeInteger
    """The quantity returned for this line item return"""
    refundBankAccount: Text
    """The bank account used for the refund when using a credit card"""
    refundBankName: Text
    """The name of the bank used for the refund when using a credit card"""
    refundBankNumber: Text
    """The bank number used for the refund when using a credit card"""
    refundMethod: Text
    """The method of refund for this line item return, example: credit card"""
    refundedAmount: Number
    """The amount refunded for this line item return"""
    returnId: Required[Text]
    """The unique return id required to identify this return and prevent duplicated returns
    being created"""
    returnType: Text
    """The type of the return for this line item, example: pickup or drop off"""
    returnedReason: Text
    """The reason this order item was returned"""


@with_config(RECORD_CONFIG)
class Shipment(TypedDict, total=False):
    """One shipment of (part of) a line item."""

    quantity: NonNegativeInteger
    """The quantity shipped for this line item shipment"""
    shipmentId: Required[Text]
    """The shipment ID. Set this to the tracking id if you do not have a unique shipment
    identifier"""
    shippingProvider: Text
    """The shipping provider for this line item shipment"""
    shippingType: Text
    """The shipping type for this line item shipment"""
    trackingId: Text
    """The tracking id/number for this line item shipment"""


@with_config(RECORD_CONFIG)
class TaxComponent(TypedDict, total=False):
    """One component of the tax (from the seed's GET /orders sample)."""

    name: Text
    """The name of the tax component, e.g. GST"""
    rate: NonNegativeNumber
    """The rate of the tax component, in percentage"""


@with_config(RECORD_CONFIG)
class OrderLine(TypedDict, total=False):
    """The attributes of a line item: at the top level they apply to every line item that
    does not set them itself."""

    addresses: OrderAddresses
    """The address object for this order"""
    cancelledReason: Text
    """The reason this order item was cancelled"""
    cancels: list[Cancel]
    """A list of cancellations"""
    confirmed: bool
    """Whether the order has been confirmed"""
    country: Country
    """The country where the order was placed"""
    createdAt: Timestamp
    """The date the order was created"""
    currency: Currency
    """The currency for the price of this order item"""
    customerId: Text
    """The system's customer ID who purchased this order"""
    customerNewsletterSubscriber: bool
    """Whether this customer accepts marketing"""
    discountCodes: list[DiscountCode]
    """A list of discount codes"""
    giftMessage: Text
    """A plain text gift message for this order"""
    invoiceData: Text
    """The invoice data, either in PDF or HTML format encoded format"""
    invoiceId: Text
    """The invoice ID or number"""
    invoiceTaxNumber: Text
    """The tax number for the invoice"""
    invoiceTaxOffice: Text
    """The tax office for the invoice"""
    invoiceUrl: Text
    """The invoice url"""
    isDropship: bool
    """Whether the order is a dropship order"""
    isGift: bool
    """Whether the order was a gift"""
    itemPaidPrice: NonNegativeNumber
    """The amount paid for this order item. Only required if item has been paid for"""
    itemPrice: NonNegativeNumber
    """The price of this order item, before any sales, coupons or discounts"""
    itemSalePrice: NonNegativeNumber
    """The sale price of this order item."""
    itemShippingCost: NonNegativeNumber
    """The shipping cost for this order item."""
    itemStatus: ItemStatus
    """The status of the order item"""
    itemUnitPrice: NonNegativeNumber
    """The unit price of this order item."""
    itemWeight: Number
    """The weight of the product"""
    itemWeightUnit: OrderWeightUnit
    """The unit that the weight of the product is specified in"""
    link: Text
    """The link to the order on the system"""
    merchantProductId: Text
    """The merchant's product ID for this order item"""
    merchantVariantId: Text
    """The merchant's product variant ID for this order item"""
    messageToSeller: Text
    """Any message to the seller regarding this order in plain text"""
    orderDiscountAmount: NonNegativeNumber
    """The amount discounted off the order"""
    orderDiscountCode: Text
    """The discount code off the order"""
    orderGmv: NonNegativeNumber
    """The GMV of the order"""
    orderItemDiscountAmount: NonNegativeNumber
    """The amount discounted off the order item"""
    orderItemTax: NonNegativeNumber
    """The tax of the order item"""
    orderSubTotal: Number
    """The sub total cost of this order"""
    orderTotal: Number
    """The total cost of this order, excluding coupons"""
    orderTotalPaid: Number
    """The total amount paid for this order"""
    originalOrderId: Text
    """The order ID used to update destination channels"""
    originalOrderItemId: Text
    """The order item ID used to update destination channels"""
    packageId: Text
    """The package the line item ships in (from the seed's GET /orders sample)"""
    paymentType: Text
    """The payment type for the placed order"""
    productName: Text
    """The name of the ordered product"""
    publish: bool
    """Whether or not this record should be published to connected systems"""
    quantity: NonNegativeInteger
    """The quantity ordered for this item"""
    quantityCancelled: NonNegativeInteger
    """The quantity cancelled so far (from the seed's GET /orders sample)"""
    quantityRefunded: NonNegativeInteger
    """The quantity refunded so far (from the seed's GET /orders sample)"""
    quantityReturned: NonNegativeInteger
    """The quantity returned so far (from the seed's GET /orders sample)"""
    quantityShipped: NonNegativeInteger
    """The quantity shipped so far (from the seed's GET /orders sample)"""
    refundedShippingAmount: Number
    """The shipping amount refunded"""
    returns: list[Return]
    """A list of returns"""
    saleChannel: Text
    """The sale channel for this order"""
    shipments: list[Shipment]
    """A list of shipments"""
    shippedAt: Timestamp
    """The date the order item was shipped"""
    shippingCost: Number
    """The shipping cost of this order"""
    shippingDiscountAmount: Number
    """The shipping discount amount of this order"""
    shippingLabel: Text
    """The shipping label, base64 encoded"""
    shippingLabelId: Text
    """The prefix of shipping label file store in shared company on s3"""
    shippingMessage: Text
    """Any shipping message for this order"""
    shippingProvider: Text
    """The shipping provider of this order item (from the seed's GET /orders sample); give it
    per shipment under shipments if there are several"""
    shippingTax: Number
    """The shipping tax cost of this order"""
    shippingType: Text
    """The shipping type of this order item (from the seed's GET /orders sample)"""
    sku: Text
    """The sku of the order item"""
    status: Text
    """The cresco order status"""
    stockLocationId: Text
    """The stock location id the quantity was retrieved from, if applicable"""
    systemOrderItemId: Text
    """The ID of the order item"""
    systemOrderItemNumber: Text
    """The order item number"""
    systemProductId: Text
    """The system's product ID of this order item"""
    systemStatus: Text
    """The system's order status"""
    systemVariantId: Text
    """The variant id of the order item"""
    tags: Text
    """Tags plain text"""
    tax: NonNegativeNumber
    """The amount of tax charged for this order, in dollar value"""
    taxComponents: list[TaxComponent]
    """The components of the tax (from the seed's GET /orders sample)"""
    taxInclusive: bool
    """Tax Inclusive flag"""
    taxName: Text
    """The name of the tax"""
    taxRate: NonNegativeNumber
    """The amount of tax rate charged for this order item, in percentage"""
    trackingId: Text
    """The tracking id/number for this order item. Provide this under the shipments list if you
    support multiple shipments in a line item."""
    updatedAt: Timestamp
    """The date the order was last updated"""
    variantName: Text
    """The variant name of this order item"""


@with_config(RECORD_CONFIG)
class OrderOverwrite(OrderLine, total=False):
    """Line item attributes that replace the record's own for one or more systems or one
    integration; every attribute is optional."""


@with_config(RECORD_CONFIG)
class OrderVariant(OrderLine, total=False):
    """One line item of the order."""

    overwrites: dict[OverwriteKey, OrderOverwrite]
    """The overwrites either by system or integration: keys `system:<id>[,<id>...]` or
    `integration:<integrationId>`, values the attributes to overwrite"""


@with_config(RECORD_CONFIG)
class OrderRecord(OrderVariant, total=False):
    """An order: attributes shared by its line items, and the line items in `variants`."""

    systemOrderId: Text
    """The ID of the order"""
    systemOrderNumber: Text
    """The order number where the order was placed"""
    variants: list[OrderVariant]
    """The line items of the order; an order without variants is a single line item"""


ORDER_TOP_LEVEL_ONLY = frozenset({"systemOrderId", "systemOrderNumber"})
ORDER_REQUIRED_TOP = ("systemOrderId", "systemOrderNumber")
ORDER_REQUIRED_LINE = ("publish", "status", "systemOrderItemId", "systemOrderItemNumber")
ORDER_VARIANT_KEYS = ("systemOrderItemId",)
ORDER_SUBITEM_KEYS = {
    "shipments": "shipmentId",
    "cancels": "cancelId",
    "returns": "returnId",
    "discountCodes": "discountCode",
}
