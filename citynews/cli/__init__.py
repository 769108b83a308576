"""The command line: ties the scraper, the archive and exports together; says why it fails.

One module per group of commands (crawling, querying, publishing, maintenance), each adding
its commands to the parser; `common` holds what they share, `app` the parser and the run.
"""

from citynews.cli.app import build_parser, main

__all__ = ["build_parser", "main"]
