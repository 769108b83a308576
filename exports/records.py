"""One export record per article: the contract other tools rely on.

Exports stream Core rows of just the exported columns (no ORM objects), read the archive's
times and lists as stored and convert each value once: a time to the site's zone or to UTC
notation, a list from its JSON text.
"""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, type_coerce
from sqlalchemy.orm import Session, object_session

from archive.document_queries import add_document_texts, export_documents
from archive.models import Article
from archive.queries import iter_article_rows, revision_histories, view_histories

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
    "documents",
)
HISTORY_FIELDS = ("views_history", "revisions")
LIST_FIELDS = ("images", "attachments", "documents", *HISTORY_FIELDS)
TIME_FIELDS = ("published_at", "updated_at", "first_seen_at", "last_fetched_at", "removed_at")


def iso(moment: datetime | str | None, tz: ZoneInfo | None = None) -> str | None:
    """ISO 8601 with offset, in the given zone (UTC when none); a naive or text time is UTC."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        if tz is None:
            return moment.isoformat(timespec="seconds") + "+00:00"
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz or UTC).isoformat(timespec="seconds")


def as_list(value: list[Any] | str | None) -> list[Any]:
    """A list column's value, parsed when the driver hands over its JSON text."""
    if isinstance(value, str):
        return [] if value == "[]" else json.loads(value) or []
    return value or []


def record_of(article: Any, site_tz: ZoneInfo, documents: list[dict[str, Any]]) -> dict[str, Any]:
    """The record's fields from an article or a row of its columns, and its documents;
    publication times in the site's zone, ours in UTC."""
    return {
        "url": article.url,
        "section": article.section,
        "title": article.title,
        "published_at": iso(article.published_at, site_tz),
        "updated_at": iso(article.updated_at, site_tz),
        "views": article.views,
        "body_text": article.body_text,
        "images": list(as_list(article.images)),
        "attachments": [
            {"url": item["url"], "title": item["title"]} for item in as_list(article.attachments)
        ],
        "first_seen_at": iso(article.first_seen_at),
        "last_fetched_at": iso(article.last_fetched_at),
        "published_precision": article.published_precision,
        "published_source": article.published_source,
        "removed_at": iso(article.removed_at),
        "documents": documents,
    }


def views_history(observations: list[Any]) -> list[dict[str, Any]]:
    return [{"observed_at": iso(o.observed_at), "views": o.views} for o in observations]


def revisions_history(revisions: list[Any]) -> list[dict[str, Any]]:
    return [
        {"observed_at": iso(r.observed_at), "title": r.title, "body_text": r.body_text}
        for r in revisions
    ]


def export_record(article: Article, site_tz: ZoneInfo, history: bool = False) -> dict[str, Any]:
    """The export record of an article loaded with its history."""
    session = object_session(article)
    assert session is not None, "an article read from the archive"
    record = record_of(article, site_tz, export_documents(session, [article.id])[article.id])
    if history:
        record["views_history"] = views_history(article.view_observations)
        record["revisions"] = revisions_history(article.revisions)
    return record


def export_columns() -> list[Any]:
    """The columns an export reads. Times and lists come as the driver gives them (SQLite:
    their stored text), so each is converted once, by iso() and as_list()."""
    raw = (*TIME_FIELDS, "images", "attachments")
    plain = [getattr(Article, name) for name in FIELDS if name not in (*raw, "documents")]
    as_stored = [type_coerce(getattr(Article, name), String).label(name) for name in raw]
    return [Article.id, *plain, *as_stored]


def export_records(
    session: Session,
    site_tz: ZoneInfo,
    section: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    history: bool = False,
    document_text: bool = False,
) -> Iterator[dict[str, Any]]:
    """Every selected article's export record, oldest first, streamed batch by batch; with
    document_text, each document carries its text, read one article at a time."""
    for rows in iter_article_rows(session, export_columns(), section, since, until):
        ids = [row.id for row in rows]
        documents = export_documents(session, ids)
        if history:
            views, revisions = view_histories(session, ids), revision_histories(session, ids)
        for row in rows:
            record = record_of(row, site_tz, documents[row.id])
            if document_text:
                add_document_texts(session, record["documents"])
            if history:
                record["views_history"] = views_history(views[row.id])
                record["revisions"] = revisions_history(revisions[row.id])
            yield record
