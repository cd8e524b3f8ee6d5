"""Records: sync-type schemas, validation, merge into master records."""

from __future__ import annotations
