"""Queues that deliver the background jobs: the embedded thread, or Procrastinate."""
