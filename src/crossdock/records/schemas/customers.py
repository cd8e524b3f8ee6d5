"""The ``customers`` record: Crossdock's own schema (the seed has none), in the seed's camelCase
style, holding what CRO Software, CareCloud and Custom Trades CRM customers carry.

One customer per record, identified by ``merchantCustomerId``; no variants. The primary email
and phone are ``email`` and ``phone``; further ones go in ``emails`` and ``phones``. Addresses,
contacts and consents are objects keyed by their id in the source (as an order's addresses are
keyed ``billing``/``shipping``), so a re-sent customer merges into the stored one entry by entry.
"""

from __future__ import annotations

from typing import Literal, Required

from pydantic import with_config
from typing_extensions import TypedDict

from crossdock.records.schemas.common import (
    RECORD_CONFIG,
    Address,
    Date,
    Email,
    FreeForm,
    Text,
    Timestamp,
)

Gender = Literal["male", "female", "other", "unknown"]
ConsentStatus = Literal["granted", "denied", "unknown"]


@with_config(RECORD_CONFIG)
class CustomerAddress(Address, total=False):
    """One of the customer's addresses: the seed's address object, more lines, and what the
    address is used for."""

    extra3: Text
    """A third extra line of the address (CRO has four lines, CareCloud seven)"""
    extra4: Text
    """A fourth extra line of the address"""
    extra5: Text
    """A fifth extra line of the address"""
    extra6: Text
    """A sixth extra line of the address"""
    isBilling: bool
    """Whether invoices go to this address"""
    isShipping: bool
    """Whether deliveries go to this address"""
    isPhysical: bool
    """Whether this is where the customer is (a site, as opposed to a mailing address)"""
    active: bool
    """Whether the address is still in use"""


@with_config(RECORD_CONFIG)
class CustomerEmail(TypedDict, total=False):
    """A further email address of the customer."""

    email: Required[Email]
    """The email address"""
    type: Text
    """What the address is for, e.g. work, personal, billing"""
    verified: bool
    """Whether the customer confirmed the address (e.g. CareCloud's double opt-in)"""


@with_config(RECORD_CONFIG)
class CustomerPhone(TypedDict, total=False):
    """A further phone number of the customer."""

    number: Required[Text]
    """The phone number, as the source gives it"""
    type: Text
    """What the number is, e.g. mobile, landline, work, fax"""
    verified: bool
    """Whether the customer confirmed the number"""


@with_config(RECORD_CONFIG)
class CustomerContact(TypedDict, total=False):
    """A person to contact at the customer (CRO's contacts)."""

    name: Text
    """The contact's full name"""
    firstName: Text
    """The contact's first name"""
    lastName: Text
    """The contact's last name"""
    jobTitle: Text
    """The contact's role at the customer"""
    email: Email
    """The contact's email address"""
    phone: Text
    """The contact's phone number"""
    mobile: Text
    """The contact's mobile number"""
    fax: Text
    """The contact's fax number"""
    primary: bool
    """Whether this is the customer's main contact"""
    notifyOn: dict[Text, bool]
    """The events this contact is told about: event -> whether (CRO's notify_on_* flags, e.g.
    newRequest, completedRequest)"""
    notes: Text
    """Free-text notes about the contact"""


@with_config(RECORD_CONFIG)
class Consent(TypedDict, total=False):
    """The customer's answer to one consent or agreement."""

    status: Required[ConsentStatus]
    """granted, denied or unknown (not asked or not answered)"""
    name: Text
    """A readable name of the consent, when its key is an opaque id"""
    source: Text
    """Where the answer was given, e.g. a store, a web form"""
    updatedAt: Timestamp
    """When the answer was given or last changed"""


@with_config(RECORD_CONFIG)
class CustomerRecord(TypedDict, total=False):
    """A customer of the merchant."""

    merchantCustomerId: Text
    """The unique identifier for the customer in the source system"""
    externalIds: dict[Text, Text]
    """The customer's ids in other systems: system -> id (e.g. {"carecloud": "8ea6..."})"""
    isCommercial: bool
    """Whether the customer is a business rather than a person"""
    name: Text
    """The customer's display name: a full name, or a business's name"""
    salutation: Text
    """How to address the customer, e.g. Dear Mr. Smith"""
    namePrefix: Text
    """Titles before the name, e.g. Dr. (CareCloud's pre_nominals)"""
    firstName: Text
    """The customer's first name"""
    middleName: Text
    """The customer's middle name(s)"""
    lastName: Text
    """The customer's last name"""
    nameSuffix: Text
    """Titles after the name, e.g. PhD (CareCloud's post_nominals)"""
    companyName: Text
    """The company the customer is or works for"""
    gender: Gender
    """The customer's gender"""
    birthDate: Date
    """The customer's date of birth, ISO 8601 (YYYY-MM-DD)"""
    language: Text
    """The customer's language, e.g. en"""
    email: Email
    """The customer's primary email address"""
    emails: list[CustomerEmail]
    """Further email addresses"""
    phone: Text
    """The customer's primary phone number"""
    phones: list[CustomerPhone]
    """Further phone numbers"""
    addresses: dict[Text, CustomerAddress]
    """The customer's addresses: address id in the source -> address. Sources with fixed
    slots use the slot's name (e.g. physical, billing)"""
    contacts: dict[Text, CustomerContact]
    """People to contact at the customer: contact id in the source -> contact"""
    consents: dict[Text, Consent]
    """Consents and agreements: consent id -> the customer's answer (e.g. gtc, profiling,
    marketingCommunication, or the id of a custom agreement)"""
    parentCustomerId: Text
    """The merchantCustomerId of the customer this one belongs to"""
    salesRep: Text
    """The name of the customer's sales representative"""
    salesRepId: Text
    """The id of the customer's sales representative"""
    referenceNumber: Text
    """The merchant's reference number for the customer"""
    storeId: Text
    """The store, branch or location the customer belongs to"""
    isVip: bool
    """Whether the customer gets VIP treatment"""
    active: bool
    """Whether the customer is active"""
    deleted: bool
    """Whether the customer has been deleted in the source"""
    createdAt: Timestamp
    """When the customer was created in the source"""
    updatedAt: Timestamp
    """When the customer was last changed in the source"""
    deletedAt: Timestamp
    """When the customer was deleted in the source"""
    notes: Text
    """Free-text notes about the customer"""
    tags: list[Text]
    """Tags or labels of the customer"""
    metaFields: FreeForm
    """Anything else the source carries that has no attribute here"""


CUSTOMER_REQUIRED_TOP = ("merchantCustomerId",)
CUSTOMER_SUBITEM_KEYS = {"emails": "email", "phones": "number"}
