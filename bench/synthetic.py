"""Synthetic article rows for the benchmarks."""

from datetime import datetime
from typing import Any


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
