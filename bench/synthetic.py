"""Synthetic article rows for the benchmarks, and their bulk insertion."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from archive.models import Base

BATCH = 5000


def article_row(
    number: int, section: str, title: str, body: str, published_at: datetime, views: int
) -> dict[str, Any]:
    """The values of one archived article, ready for a bulk insert into `articles`."""
    return dict(
        url=f"https://www.smoladmin.ru/press-centr/novosti/novost-{number}",
        section=section,
        title=title,
        body_text=body,
        body_html=f"<p>{body}</p>",
        published_at=published_at,
        published_precision="minute",
        published_source="meta-line",
        views=views,
        images=[],
        attachments=[],
        cues={},
        parse_warnings=[],
        fetched_url="x",
        first_seen_at=published_at,
        last_fetched_at=published_at,
        last_changed_at=published_at,
    )


def insert_in_batches(session: Session, model: type[Base], rows: Iterable[dict[str, Any]]) -> int:
    """Bulk-insert rows a few thousand at a time (memory stays flat); return how many."""
    count, batch = 0, []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            session.execute(insert(model), batch)
            count, batch = count + len(batch), []
    if batch:
        session.execute(insert(model), batch)
    return count + len(batch)
