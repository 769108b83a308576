"""Archive records for tests: one article as a crawl hands it to the archive, and bulk rows."""

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from archive.crawl_records import ArticleRecord

MSK = ZoneInfo("Europe/Moscow")
NOVOSTI = "https://www.smoladmin.ru/press-centr/novosti/"
FETCHED_AT = datetime(2026, 1, 1, tzinfo=UTC)


def article_record(url: str, **fields: Any) -> ArticleRecord:
    """A fetched and parsed news article at url; fields replace any of the defaults."""
    values: dict[str, Any] = dict(
        section="novosti",
        fetched_url=url,
        fetched_at=FETCHED_AT,
        title=f"Новость {url.rstrip('/').rsplit('/', 1)[-1]}",
        body_text="Первый абзац.\n\nВторой абзац.",
        published_at=datetime(2025, 6, 1, 12, 0, tzinfo=MSK),
        published_precision="minute",
        published_source="meta-line",
        views=100,
    )
    values.update(fields)
    return ArticleRecord(url=url, **values)


def article_row(
    number: int, section: str, title: str, body: str, published_at: datetime, views: int
) -> dict[str, Any]:
    """The values of one archived article, ready for a bulk insert into `articles`."""
    return dict(
        url=f"{NOVOSTI}novost-{number}",
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
