"""Writing many articles in one transaction: read what the archive holds for all of them at
once, and insert their observations, raw pages and index entries in one statement per table.

`save_article` writes through an `ArticleBatch`; a batch loaded for a list of URLs answers
"is this URL archived, with what?" without a query per article, and one made empty reads each
URL when first asked (what saving a single article needs).
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from archive.documents import link_documents
from archive.models import Article, RawPage, ViewObservation
from archive.queries import latest_raw_page_times
from archive.rejections import ArchivedCues
from archive.search.index import IndexValues, index_values, write_index
from archive.watches import ArticleChange, queue_notifications


@dataclass
class ArticleBatch:
    """The archived state of a batch's URLs, and the rows its articles add."""

    articles: dict[str, Article | None] = field(default_factory=dict)
    raw_digests: dict[str, str | None] = field(default_factory=dict)
    observations: list[tuple[Article, dict[str, Any]]] = field(default_factory=list)
    raw_pages: list[dict[str, Any]] = field(default_factory=list)
    to_index: dict[int, tuple[Article, IndexValues | None, bool]] = field(default_factory=dict)
    links: list[tuple[Article, list[dict[str, Any]], datetime]] = field(default_factory=list)
    changes: list[ArticleChange] = field(default_factory=list)

    @classmethod
    def load(cls, session: Session, urls: list[str]) -> "ArticleBatch":
        """A batch knowing, for each URL, its archived article and last stored page's digest."""
        batch = cls()
        wanted = sorted(set(urls))
        if not wanted:
            return batch
        batch.articles = dict.fromkeys(wanted)
        batch.raw_digests = dict.fromkeys(wanted)
        for article in session.scalars(select(Article).where(Article.url.in_(wanted))):
            batch.articles[article.url] = article
        latest = latest_raw_page_times(wanted)
        rows = session.execute(
            select(RawPage.url, RawPage.sha256)
            .join(
                latest, (latest.c.url == RawPage.url) & (latest.c.fetched_at == RawPage.fetched_at)
            )
            .order_by(RawPage.id)
        )
        for url, digest in rows:
            batch.raw_digests[url] = digest
        return batch

    def article(self, session: Session, url: str) -> Article | None:
        """The archived article at a URL, or None."""
        if url not in self.articles:
            self.articles[url] = session.scalar(select(Article).where(Article.url == url))
        return self.articles[url]

    def added(self, article: Article) -> None:
        """Note a new article of this batch (added to the session, not yet flushed)."""
        self.articles[article.url] = article

    def cues(self, session: Session, url: str) -> ArchivedCues | None:
        """What the archived version of the article at a URL showed, or None."""
        article = self.article(session, url)
        if article is None:
            return None
        return ArchivedCues(
            article.title,
            article.listing_title,
            article.meta_line_raw is not None,
            article.views is not None,
        )

    def latest_digest(self, session: Session, url: str) -> str | None:
        """The sha256 of the page stored last for a URL (this batch's included), or None."""
        if url not in self.raw_digests:
            self.raw_digests[url] = session.scalar(
                select(RawPage.sha256)
                .where(RawPage.url == url)
                .order_by(RawPage.fetched_at.desc())
                .limit(1)
            )
        return self.raw_digests[url]

    def observe(self, article: Article, row: dict[str, Any]) -> None:
        self.observations.append((article, row))

    def store_page(self, row: dict[str, Any]) -> None:
        self.raw_pages.append(row)
        self.raw_digests[row["url"]] = row["sha256"]

    def link(self, article: Article, attachments: list[dict[str, Any]], seen_at: datetime) -> None:
        """Note the documents an article's page, fetched at `seen_at`, links."""
        if attachments:
            self.links.append((article, attachments, seen_at))

    def changed(self, change: ArticleChange) -> None:
        """Note a change the watches may report (queued when the batch is written)."""
        self.changes.append(change)

    def index(self, article: Article, values: IndexValues | None, new: bool) -> None:
        """Index the article's title and text as they are when the batch is written (values:
        computed already for them, else None)."""
        _, _, was_new = self.to_index.get(id(article), (article, None, new))
        self.to_index[id(article)] = (article, values, was_new)

    def write(self, session: Session) -> None:
        """Flush the batch's articles, then insert the rows they add."""
        session.flush()
        if self.observations:
            rows = [dict(row, article_id=article.id) for article, row in self.observations]
            session.execute(insert(ViewObservation), rows)
        if self.raw_pages:
            session.execute(insert(RawPage), self.raw_pages)
        for new in (True, False):
            documents = [
                (article.id, values or index_values(article.title, article.body_text))
                for article, values, was_new in self.to_index.values()
                if was_new is new
            ]
            write_index(session, documents, new=new)
        for article, attachments, seen_at in self.links:
            link_documents(session, article.id, attachments, seen_at)
        queue_notifications(session, self.changes)
        self.observations.clear()
        self.changes.clear()
        self.links.clear()
        self.raw_pages.clear()
        self.to_index.clear()
