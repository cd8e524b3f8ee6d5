"""Stateful emulators of the vendor APIs Crossdock connects to.

Each vendor lives in its own package (``state``, ``routes``, ``errors``) and is written from the
vendor's documentation alone: sandboxes import nothing from Crossdock's connectors, sync engine
or storage, so our tests cannot agree with our own bugs. ``base`` holds what every sandbox
shares: the clock, fault injection, request recording and the ``/_sandbox/`` control API.
"""

from __future__ import annotations

VENDORS = ("cro", "carecloud", "customtrades", "cropster")

__all__ = ["VENDORS"]
