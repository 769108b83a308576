"""Helpers and factories shared by the tests: the command-line runners, one-line error checks,
archive records."""
