"""The ``prices`` record: the price attributes of the product schema (``ProductPrices``), for
price-only updates merged into the same master product.

Each line (the record, or each of its ``variants``) names its variant by ``merchantVariantId``
and/or ``sku``; ``merchantProductId`` is optional. Attributes are the products' declarations.
"""

from __future__ import annotations

from pydantic import with_config

from crossdock.records.schemas.common import RECORD_CONFIG, OverwriteKey
from crossdock.records.schemas.products import ProductIdentity, ProductParent, ProductPrices


@with_config(RECORD_CONFIG)
class PriceLine(ProductIdentity, ProductPrices, total=False):
    """A variant's prices: at the top level they apply to every variant that does not set
    them itself."""


@with_config(RECORD_CONFIG)
class PriceOverwrite(PriceLine, total=False):
    """Prices that replace the record's own for one or more systems or one integration."""


@with_config(RECORD_CONFIG)
class PriceVariant(PriceLine, total=False):
    """One variant's prices."""

    overwrites: dict[OverwriteKey, PriceOverwrite]
    """The overwrites either by system or integration: keys `system:<id>[,<id>...]` or
    `integration:<integrationId>`, values the prices to overwrite"""


@with_config(RECORD_CONFIG)
class PriceRecord(PriceVariant, ProductParent, total=False):
    """Prices of one or more variants of a product."""

    variants: list[PriceVariant]
    """The variants whose prices these are; without variants the record is one variant's"""
