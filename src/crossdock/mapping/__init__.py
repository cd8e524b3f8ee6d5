"""Mapping records between shapes: CML (the Crossdock mapping language) and Mako templates."""
