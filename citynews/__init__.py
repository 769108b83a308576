"""citynews: a scraper and structured archive of the Smolensk city administration's news."""

__version__ = "0.2.0"
