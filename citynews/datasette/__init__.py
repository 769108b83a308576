"""Datasette configuration of the archive: metadata, canned queries, the search function."""
