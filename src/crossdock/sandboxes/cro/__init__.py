"""A stateful emulator of the CRO Software Developer API (customers and locations).

``create_app(CroConfig(...))`` builds the ASGI app; serve it with
``ReasonPhraseH11Protocol`` to get CRO's human-readable status lines. See
docs/sandboxes/cro.md for credentials, roles, the control API and every deviation.
"""

from __future__ import annotations

from crossdock.sandboxes.cro.app import create_app
from crossdock.sandboxes.cro.state import CroConfig, CroState
from crossdock.serving import ReasonPhraseH11Protocol

__all__ = ["CroConfig", "CroState", "ReasonPhraseH11Protocol", "create_app"]
