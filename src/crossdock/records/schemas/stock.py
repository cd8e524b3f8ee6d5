"""The ``stock`` record: the stock and availability attributes of the product schema
(``ProductStock``), for stock-only updates merged into the same master product.

Each line (the record, or each of its ``variants``) names its variant by ``merchantVariantId``
and/or ``sku``; ``merchantProductId`` is optional. Attributes are the products' declarations.
"""

from __future__ import annotations

from pydantic import with_config

from crossdock.records.schemas.common import RECORD_CONFIG, OverwriteKey
from crossdock.records.schemas.products import ProductIdentity, ProductParent, ProductStock


@with_config(RECORD_CONFIG)
class StockLine(ProductIdentity, ProductStock, total=False):
    """A variant's stock: at the top level it applies to every variant that does not set it
    itself."""


@with_config(RECORD_CONFIG)
class StockOverwrite(StockLine, total=False):
    """Stock that replaces the record's own for one or more systems or one integration."""


@with_config(RECORD_CONFIG)
class StockVariant(StockLine, total=False):
    """One variant's stock."""

    overwrites: dict[OverwriteKey, StockOverwrite]
    """The overwrites either by system or integration: keys `system:<id>[,<id>...]` or
    `integration:<integrationId>`, values the stock attributes to overwrite"""


@with_config(RECORD_CONFIG)
class StockRecord(StockVariant, ProductParent, total=False):
    """Stock of one or more variants of a product."""

    variants: list[StockVariant]
    """The variants whose stock this is; without variants the record is one variant's"""
