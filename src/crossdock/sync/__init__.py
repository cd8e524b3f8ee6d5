"""The sync engine: ingestion of accepted records, pulls, publishing, and the workers."""
