"""How Crossdock reads from and writes to other systems. Connectors never touch the database."""
