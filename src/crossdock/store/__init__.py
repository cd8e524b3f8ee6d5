"""Persistence: tables, migrations, the query compiler and history. Callers own transactions."""
