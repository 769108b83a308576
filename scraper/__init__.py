"""Scrapy project that crawls the Smolensk city administration's site."""
