"""Snapshot writers: CSV, JSON and JSONL files of the archive, with a manifest beside each."""
