"""The ``products`` record: the seed's "Create / Update Product" attributes, plus those its
sample and its ``GET /products`` sample show (option swatches and types, ``saleId``, ...).

Attributes are declared once, in four groups, so that ``prices`` and ``stock`` reuse theirs:
``ProductIdentity`` (which variant), ``ProductPrices``, ``ProductStock`` and
``ProductDetails``. Any of them may sit at the top level or in ``variants[]``;
``merchantProductId`` (``ProductParent``) only at the top level. Descriptions are the seed's.
"""

from __future__ import annotations

from pydantic import with_config
from typing_extensions import TypedDict

from crossdock.records.schemas.common import (
    RECORD_CONFIG,
    AgeGroup,
    Condition,
    Country,
    Currency,
    FreeForm,
    Integer,
    LengthUnit,
    NonNegativeInteger,
    Number,
    OverwriteKey,
    PositiveInteger,
    Text,
    Timestamp,
    WarrantyPeriod,
    WeightUnit,
)


@with_config(RECORD_CONFIG)
class ProductParent(TypedDict, total=False):
    merchantProductId: Text
    """The unique identifier for the product in the source system"""


@with_config(RECORD_CONFIG)
class ProductIdentity(TypedDict, total=False):
    merchantVariantId: Text
    """The unique identifier for the variant used in the source system"""
    sku: Text
    """The SKU of the variant"""


@with_config(RECORD_CONFIG)
class ProductPrices(TypedDict, total=False):
    costPrice: Number
    """The cost price of the product"""
    currency: Currency
    """The currency in which the prices are specified"""
    price: Number
    """The price of the product"""
    retailPrice: Number
    """The retail price of the product"""
    saleEnd: Timestamp
    """The end date for the sale promotion. Only applicable when a salePrice is present"""
    saleId: Text
    """The identifier of the sale promotion (from the seed's GET /products sample)"""
    saleName: Text
    """The promotion or name of the sale for this item"""
    salePrice: Number
    """The promotional price of the product"""
    saleStart: Timestamp
    """The start date of the sale promotion. Only applicable when a salePrice is present"""
    taxFree: bool
    """Whether this variant is tax exempt."""
    taxInclusive: bool
    """Whether this variant is listed with taxes included."""


@with_config(RECORD_CONFIG)
class ProductStock(TypedDict, total=False):
    allowBackorders: bool
    """Allow customer place order when out of stock"""
    available: bool
    """Whether the variant is available"""
    availableEnd: Timestamp
    """End date after which the variant is no longer available"""
    availableStart: Timestamp
    """Start date of when the variant is available"""
    stockQuantities: dict[Text, Integer]
    """The stock quantity available for each store: location -> quantity"""
    stockQuantity: Integer
    """The total available stock quantity of the product"""


@with_config(RECORD_CONFIG)
class ProductDetails(TypedDict, total=False):
    adult: bool
    """Whether the product is adult or not"""
    ageGroup: AgeGroup
    """The age group of the product"""
    asin: Text
    """The ASIN of the variant"""
    brand: Text
    """The brand of the product"""
    categoryId: Text
    """The category ID of the product (from the seed's GET /products sample)"""
    categoryName: Text
    """The category of the product (from the seed's GET /products sample)"""
    color: Text
    """The color of the product"""
    condition: Condition
    """The condition of the product"""
    country: Country
    """The country of the product"""
    createdAt: Timestamp
    """The date this product or variant was created on the source"""
    deleted: bool
    """Whether this product has been deleted"""
    department: Text
    """The department of the product (from the seed's GET /products sample)"""
    description: Text
    """The description of the product or variant in plain text (from the seed's GET /products
    sample)"""
    descriptionHtml: Text
    """The description of the product or variant in html"""
    ean: Text
    """The EAN of the variant"""
    gender: Text
    """The gender of the product or variant"""
    groups: list[Text]
    """The list of groups or collections this product belongs to."""
    gtin: Text
    """The GTIN of the variant"""
    handlingTime: Integer
    """The handling time, in days"""
    highlights: Text
    """The highlights of the product in plain text (from the seed's GET /products sample)"""
    highlightsHtml: Text
    """A list of highlights for the product in HTML"""
    images: list[Text]
    """A list of images showing the variant"""
    isbn: Text
    """The ISBN of the variant"""
    itemHeight: Number
    """The height of the product or variant"""
    itemHeightUnit: LengthUnit
    """The unit in which the height of the product is specified"""
    itemLength: Number
    """The length of the product"""
    itemLengthUnit: LengthUnit
    """The unit in which the length of the product is specified"""
    itemWidth: Number
    """The width of the product"""
    itemWidthUnit: LengthUnit
    """The unit in which the width of the product is specified"""
    language: Text
    """The language of the product's texts (from the seed's GET /products sample)"""
    link: Text
    """The link to the product on the system (from the seed's GET /products sample)"""
    manufacturer: Text
    """The manufacturer of the product"""
    material: Text
    """The material of the product or variant is made of"""
    merchantCategoryName: Text
    """The category of the product in the source system"""
    metaFields: FreeForm
    """Any meta data information"""
    minimumOrderQuantity: NonNegativeInteger
    """The minimum number of stock you can order for this product."""
    mobileLink: Text
    """The mobile link to the product on the system (from the seed's GET /products sample)"""
    modelNumber: Text
    """The model number"""
    mpn: Text
    """The MPN of the variant"""
    optionLabel1: Text
    """The label of the first variant option"""
    optionLabel2: Text
    """The label of the second variant option"""
    optionLabel3: Text
    """The label of the third variant option"""
    optionLabel4: Text
    """The label of the fourth variant option"""
    optionSwatch1: Text
    """The swatch image of the first variant option (from the seed's product samples)"""
    optionSwatch2: Text
    """The swatch image of the second variant option (from the seed's product samples)"""
    optionSwatch3: Text
    """The swatch image of the third variant option (from the seed's product samples)"""
    optionSwatch4: Text
    """The swatch image of the fourth variant option (by analogy with the first three)"""
    optionTitle: Text
    """The title of the variant options (from the seed's GET /products sample)"""
    optionType1: Text
    """The type of the first variant option (from the seed's GET /products sample)"""
    optionType2: Text
    """The type of the second variant option (from the seed's GET /products sample)"""
    optionType3: Text
    """The type of the third variant option (from the seed's GET /products sample)"""
    optionType4: Text
    """The type of the fourth variant option (by analogy with the first three)"""
    optionValue1: Text
    """The value of the first variant option"""
    optionValue2: Text
    """The value of the second variant option"""
    optionValue3: Text
    """The value of the third variant option"""
    optionValue4: Text
    """The value of the fourth variant option"""
    packageContentHtml: Text
    """A description for the content of the packaged product in HTML format"""
    packageHeight: Number
    """The height of the container for the product"""
    packageHeightUnit: LengthUnit
    """The unit in which the height of the container for the product is specified"""
    packageLength: Number
    """The length of the container for the product"""
    packageLengthUnit: LengthUnit
    """The unit in which the length of the container for the product is specified"""
    packageQuantity: PositiveInteger
    """The number of quantities available to order in a pack."""
    packageWidth: Number
    """The width of the container"""
    packageWidthUnit: LengthUnit
    """The unit in which the width of the container is specified"""
    parentSku: Text
    """The parent sku"""
    productImages: list[Text]
    """A list of product-level images to be shared across all variants."""
    publish: bool
    """Whether or not this record should be published to connected systems"""
    searchTerms: list[Text]
    """A list of search terms or tags"""
    season: Text
    """The season for the variant"""
    shippingCost: Number
    """The fixed cost of shipping this product, if applicable"""
    shippingDetails: Text
    """Any details related to shipping."""
    shippingNumber: Integer
    """The shipping number of the product (from the seed's GET /products sample)"""
    shippingType: Text
    """The shipping type or logistic class to be used"""
    shipsInternationally: bool
    """Whether this product ships internationally."""
    shortDescription: Text
    """A short summary description of the product in plain text (from the seed's GET
    /products sample)"""
    shortDescriptionHtml: Text
    """A short summary description of the product in HTML format"""
    size: Text
    """The size of the variant"""
    sizeImage: Text
    """The size chart image for this variant"""
    sizeSystem: Text
    """The size system that the size of the product is specified in"""
    specifications: Text
    """The specifications of the product in plain text (from the seed's GET /products
    sample)"""
    specificationsHtml: Text
    """The specifications of the product in HTML format"""
    style: Text
    """The style of the variant"""
    subTitle: Text
    """The sub title of the product, typically a shorter text appearing below the title on
    marketplaces that supports it."""
    systemCategoryId: Text
    """The category ID of a publishing system. Typically only added inside overwrites per
    system."""
    title: Text
    """The title of the product"""
    upc: Text
    """The UPC of the variant"""
    updatedAt: Timestamp
    """The date this product or variant was updated on the source"""
    variantTitle: Text
    """The title of the variant"""
    vendor: Text
    """The vendor of the product"""
    videoUrl: Text
    """The video url"""
    volume: Text
    """The volume of the variant, if applicable. Free text and should include any units within
    the text."""
    warrantyDetails: Text
    """The warranty details"""
    warrantyPeriod: WarrantyPeriod
    """The period of the warranty for the given unit"""
    warrantyUnit: PositiveInteger
    """The unit value of the warranty period"""
    weight: Number
    """The weight of the product"""
    weightUnit: WeightUnit
    """The unit that the weight of the product is specified in"""
    _addition_: FreeForm
    """Free-form additional data, as the seed's GET /products sample carries it"""


@with_config(RECORD_CONFIG)
class ProductLine(ProductIdentity, ProductPrices, ProductStock, ProductDetails, total=False):
    """The attributes of a variant: at the top level they apply to every variant that does
    not set them itself."""


@with_config(RECORD_CONFIG)
class ProductOverwrite(ProductLine, total=False):
    """Variant attributes that replace the record's own for one or more systems or one
    integration; every attribute is optional."""


@with_config(RECORD_CONFIG)
class ProductVariant(ProductLine, total=False):
    """One variant of the product."""

    overwrites: dict[OverwriteKey, ProductOverwrite]
    """The overwrites either by system or integration: keys `system:<id>[,<id>...]` or
    `integration:<integrationId>`, values the attributes to overwrite"""


@with_config(RECORD_CONFIG)
class ProductRecord(ProductVariant, ProductParent, total=False):
    """A product: attributes shared by its variants, and the variants."""

    variants: list[ProductVariant]
    """The variants of the product; a product without variants is its own single variant"""


PRODUCT_TOP_LEVEL_ONLY = frozenset({"merchantProductId"})
PRODUCT_REQUIRED_TOP = ("merchantProductId",)
PRODUCT_REQUIRED_LINE = (
    "available",
    "images",
    "merchantVariantId",
    "price",
    "publish",
    "sku",
    "stockQuantity",
    "title",
)
# Together: the seed's own product sample gives all four variants merchantVariantId "1".
PRODUCT_VARIANT_KEYS = ("merchantVariantId", "sku")
