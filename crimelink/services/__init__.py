"""Use cases that combine the store, ingest and domain; what the CLI, API, web and reports call."""
