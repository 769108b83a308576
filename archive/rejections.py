"""Fetched pages refused as articles: what the archive knows of a page, and recording a refusal."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.models import Article, CrawlRun, Fetch


@dataclass(frozen=True)
class ArchivedCues:
    """What the archived version of an article showed, that a later fetch must show too."""

    title: str | None
    listing_title: str | None
    meta_line: bool
    views: bool


def archived_cues(session: Session, url: str) -> ArchivedCues | None:
    """The cues of an archived article, or None when the URL is not archived."""
    row = session.execute(
        select(Article.title, Article.listing_title, Article.meta_line_raw, Article.views).where(
            Article.url == url
        )
    ).one_or_none()
    if row is None:
        return None
    title, listing_title, meta_line_raw, views = row
    return ArchivedCues(title, listing_title, meta_line_raw is not None, views is not None)


def reject_fetch(
    session: Session, url: str, reason: str, at: datetime, run: CrawlRun | None
) -> None:
    """Record this run's fetch of a page as failed for a reason (its article stays as it was)."""
    fetch = None
    if run is not None:
        fetch = session.scalar(
            select(Fetch)
            .where(Fetch.url == url, Fetch.crawl_run_id == run.id, Fetch.kind == "article")
            .order_by(Fetch.id.desc())
            .limit(1)
        )
    if fetch is None:
        run_id = run.id if run else None
        fetch = Fetch(url=url, requested_url=url, kind="article", fetched_at=at)
        fetch.crawl_run_id = run_id
        session.add(fetch)
    fetch.ok = False
    fetch.error = reason
    if run is not None:
        run.fetch_failures += 1
    session.flush()
