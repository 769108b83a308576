"""Settings the spider adjusts for `scrapy crawl` as `citynews crawl` does for itself."""

from scrapy.settings import BaseSettings

from scraper.feed import filter_feeds
from scraper.settings import LOCAL_FAST_SETTINGS
from scraper.urls import is_loopback_url


def apply_fast_settings(settings: BaseSettings, site_url: str) -> None:
    """Fast settings for a loopback site, except those the user set (-s, custom settings)."""
    if settings.frozen or not is_loopback_url(site_url):
        return
    for name, value in LOCAL_FAST_SETTINGS.items():
        settings.set(name, value, priority="project")


def adjust_settings(settings: BaseSettings, site_url: str) -> None:
    """What a plain `scrapy crawl smoladmin` needs: fast settings locally, article-only feeds."""
    apply_fast_settings(settings, site_url)
    filter_feeds(settings)
