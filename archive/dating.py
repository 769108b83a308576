"""Publication dates too far ahead to be believed when ranking articles by recency.

A site's clock, or a typo, can date an article in 2031; a crawl's clock may lag the site's by
hours. A date more than a day after "now" neither keeps an article in the refresh window nor
puts it at the top of what is newest or most viewed; the article is otherwise kept as parsed.
"""

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_

from archive.models import Article

FUTURE_TOLERANCE = timedelta(days=1)


def dated_in_the_future(now: datetime) -> ColumnElement[bool]:
    """Articles dated more than a day after now."""
    return Article.published_at > now + FUTURE_TOLERANCE


def not_dated_in_the_future(now: datetime) -> ColumnElement[bool]:
    """Articles without a date, or dated at most a day after now."""
    return or_(Article.published_at.is_(None), Article.published_at <= now + FUTURE_TOLERANCE)
