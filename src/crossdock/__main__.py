"""``python -m crossdock``: the same command line as ``crossdock``."""

from __future__ import annotations

from crossdock.cli import main

main()
