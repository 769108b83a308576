"""Scrapy's own feed exports (`scrapy crawl smoladmin -O news.jsonl`): the export's records.

The pipeline hands on, for each article it stored, the record `citynews export` writes
(exports/records.py); fetch outcomes, section markers and refused pages never reach a feed.
"""

from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.models import Article
from exports.records import FIELDS, export_record

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

FEED_ITEM_FILTER = "scraper.feed.ArticleFeedFilter"


class ArticleFeedRecord(dict[str, Any]):
    """Item: one article as `citynews export` writes it."""


class ArticleFeedFilter:
    """Lets only article records into a feed."""

    def __init__(self, feed_options: dict[str, Any] | None = None) -> None:
        self.feed_options = feed_options

    def accepts(self, item: Any) -> bool:
        return isinstance(item, ArticleFeedRecord)


def feed_record(session: Session, url: str, site_tz: ZoneInfo) -> ArticleFeedRecord:
    """The export record of an archived article."""
    article = session.scalars(select(Article).where(Article.url == url)).one()
    return ArticleFeedRecord(export_record(article, site_tz))


def filter_feeds(settings: "BaseSettings") -> None:
    """Give every configured feed the article filter and the export's fields, unless set."""
    feeds = settings.getdict("FEEDS")
    if not feeds or settings.frozen:
        return
    for options in feeds.values():
        options.setdefault("item_filter", FEED_ITEM_FILTER)
        options.setdefault("fields", list(FIELDS))
    settings.set("FEEDS", feeds, priority=settings.getpriority("FEEDS") or "project")
