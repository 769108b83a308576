"""One export record per article: the contract other tools rely on."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from archive.models import Article

FIELDS = (
    "url",
    "section",
    "title",
    "published_at",
    "updated_at",
    "views",
    "body_text",
    "images",
    "attachments",
    "first_seen_at",
    "last_fetched_at",
    "published_precision",
    "published_source",
    "removed_at",
)
HISTORY_FIELDS = ("views_history", "revisions")
LIST_FIELDS = ("images", "attachments", *HISTORY_FIELDS)


def iso(moment: datetime | None, tz: ZoneInfo | None = None) -> str | None:
    """ISO 8601 with offset, in the given zone (UTC when none)."""
    if moment is None:
        return None
    return (moment.astimezone(tz) if tz else moment).isoformat(timespec="seconds")


def export_record(article: Article, site_tz: ZoneInfo, history: bool = False) -> dict[str, Any]:
    """The export record of an article; publication times in the site's zone, ours in UTC."""
    record = {
        "url": article.url,
        "section": article.section,
        "title": article.title,
        "published_at": iso(article.published_at, site_tz),
        "updated_at": iso(article.updated_at, site_tz),
        "views": article.views,
        "body_text": article.body_text,
        "images": list(article.images or []),
        "attachments": [
            {"url": item["url"], "title": item["title"]} for item in article.attachments or []
        ],
        "first_seen_at": iso(article.first_seen_at),
        "last_fetched_at": iso(article.last_fetched_at),
        "published_precision": article.published_precision,
        "published_source": article.published_source,
        "removed_at": iso(article.removed_at),
    }
    if history:
        record["views_history"] = [
            {"observed_at": iso(o.observed_at), "views": o.views} for o in article.view_observations
        ]
        record["revisions"] = [
            {"observed_at": iso(r.observed_at), "title": r.title, "body_text": r.body_text}
            for r in article.revisions
        ]
    return record
