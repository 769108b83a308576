"""The archive's tables."""

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from archive.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class CrawlRun(Base):
    """One crawl: when, how, and what came of it."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    clock: Mapped[datetime | None]  # the crawl's clock at its start (CITYNEWS_NOW, or started_at)
    mode: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16), default="running")
    site_url: Mapped[str] = mapped_column(Text)
    sections: Mapped[list[Any]] = mapped_column(default=list)
    requests: Mapped[int] = mapped_column(default=0)
    articles_new: Mapped[int] = mapped_column(default=0)
    articles_updated: Mapped[int] = mapped_column(default=0)
    articles_unchanged: Mapped[int] = mapped_column(default=0)
    fetch_failures: Mapped[int] = mapped_column(default=0)
    articles_removed: Mapped[int] = mapped_column(default=0, server_default="0")
    coverage: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    sections_walked: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    message: Mapped[str | None] = mapped_column(Text)


class Article(Base):
    """One article or announcement, identified by its canonical URL."""

    __tablename__ = "articles"
    __table_args__ = (
        Index(
            "ix_articles_crawl_plan",
            "section",
            "url",
            "published_at",
            "removed_at",
            "first_seen_at",
            "listing_date",
        ),
        Index("ix_articles_search_filters", "section", "published_at", "views", "id"),
        Index(
            "ix_articles_coverage",
            "section",
            "published_at",
            "published_precision",
            "views",
            "updated_at",
            "last_fetched_at",
        ),
        Index(
            "ix_articles_empty_body",
            "section",
            sqlite_where=text("body_text = ''"),
            postgresql_where=text("body_text = ''"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    section: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    published_precision: Mapped[str | None] = mapped_column(String(8))
    published_source: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[datetime | None]
    views: Mapped[int | None] = mapped_column(Integer)
    meta_line_raw: Mapped[str | None] = mapped_column(Text)
    images: Mapped[list[Any]] = mapped_column(default=list)
    attachments: Mapped[list[Any]] = mapped_column(default=list)
    listing_title: Mapped[str | None] = mapped_column(Text)
    cues: Mapped[dict[str, Any]] = mapped_column(default=dict)
    parse_warnings: Mapped[list[Any]] = mapped_column(default=list)
    fetched_url: Mapped[str] = mapped_column(Text)
    listing_date: Mapped[date | None]
    first_seen_at: Mapped[datetime]
    last_fetched_at: Mapped[datetime] = mapped_column(index=True)
    last_changed_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]

    view_observations: Mapped[list["ViewObservation"]] = relationship(
        back_populates="article", order_by="ViewObservation.observed_at"
    )
    revisions: Mapped[list["Revision"]] = relationship(
        back_populates="article", order_by="Revision.observed_at"
    )
    events: Mapped[list["ArticleEvent"]] = relationship(order_by="ArticleEvent.at")


class Revision(Base):
    """An earlier version of an article's title and text, from when it was first seen."""

    __tablename__ = "revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    observed_at: Mapped[datetime]
    replaced_at: Mapped[datetime]
    title: Mapped[str | None] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime | None]

    article: Mapped["Article"] = relationship(back_populates="revisions")


class ArticleEvent(Base):
    """Something that happened to an article's page: removed (404/410) or restored."""

    __tablename__ = "article_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[int | None] = mapped_column(Integer)
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))


class RawPage(Base):
    """An article page exactly as it was served, compressed, so parsing can be redone offline."""

    __tablename__ = "raw_pages"
    __table_args__ = (Index("ix_raw_pages_url_fetched_at", "url", "fetched_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    fetched_url: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[datetime]
    status: Mapped[int] = mapped_column(Integer)
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    compression: Mapped[str] = mapped_column(String(8))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))


class ViewObservation(Base):
    """A view count read off the article's page at one moment."""

    __tablename__ = "view_observations"
    __table_args__ = (UniqueConstraint("article_id", "observed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    observed_at: Mapped[datetime]
    views: Mapped[int] = mapped_column(Integer)
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))

    article: Mapped[Article] = relationship(back_populates="view_observations")


class Fetch(Base):
    """The outcome of one request: what was asked, what came back, or why nothing did."""

    __tablename__ = "fetches"
    __table_args__ = (Index("ix_fetches_url_fetched_at", "url", "fetched_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"), index=True)
    url: Mapped[str] = mapped_column(Text)
    requested_url: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[int | None] = mapped_column(Integer)
    ok: Mapped[bool]
    error: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime]
    redirected_from: Mapped[str | None] = mapped_column(Text)
    ignored: Mapped[bool] = mapped_column(default=False, server_default=false())


class Document(Base):
    """A document URL the articles link to, and what the site last answered for it."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    first_seen_at: Mapped[datetime]  # when an article was first seen linking it
    checked_at: Mapped[datetime | None]  # the last request the site answered
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)  # the version served now
    etag: Mapped[str | None] = mapped_column(Text)  # of that version, for conditional requests
    last_modified: Mapped[str | None] = mapped_column(Text)
    failure: Mapped[str | None] = mapped_column(Text)  # why the last request gave no document
    failed_at: Mapped[datetime | None]
    removed_at: Mapped[datetime | None]  # when the site stopped serving it (404/410)


class DocumentFile(Base):
    """A document's content, kept once however many URLs serve it, and its text once read."""

    __tablename__ = "document_files"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))  # pdf, doc, docx, xls, …, zip
    stored_at: Mapped[datetime]
    text_status: Mapped[str] = mapped_column(String(16), default="waiting", index=True)
    method: Mapped[str | None] = mapped_column(String(32))
    pages: Mapped[int | None] = mapped_column(Integer)
    characters: Mapped[int | None] = mapped_column(Integer)
    failure: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[list[Any]] = mapped_column(default=list)
    extracted_at: Mapped[datetime | None]


class DocumentVersion(Base):
    """One content a document URL served, from when it was first seen to when it was last."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("document_files.sha256"), index=True)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]

    file: Mapped[DocumentFile] = relationship()


class DocumentPart(Base):
    """The text of one page, sheet or ZIP member of a stored document."""

    __tablename__ = "document_parts"
    __table_args__ = (UniqueConstraint("sha256", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("document_files.sha256"))
    position: Mapped[int] = mapped_column(Integer)  # 0-based order in the document
    page: Mapped[int | None] = mapped_column(Integer)
    sheet: Mapped[str | None] = mapped_column(Text)
    member: Mapped[str | None] = mapped_column(Text)
    method: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)


class ArticleDocument(Base):
    """An article's link to a document, with the link's text."""

    __tablename__ = "article_documents"
    __table_args__ = (UniqueConstraint("article_id", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    title: Mapped[str] = mapped_column(Text)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]  # the last fetch of the article that showed the link


class Watch(Base):
    """A saved search that notifies: the query, the sections it covers, how it groups messages."""

    __tablename__ = "watches"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    query: Mapped[str] = mapped_column(Text)
    sections: Mapped[list[Any]] = mapped_column(default=list)  # section keys; empty: all
    digest: Mapped[str] = mapped_column(String(8), default="none")  # none, hourly, daily
    created_at: Mapped[datetime]
    last_run_at: Mapped[datetime | None]  # the last time its notifications were sent

    targets: Mapped[list["WatchTarget"]] = relationship(order_by="WatchTarget.id")


class WatchTarget(Base):
    """Where a watch's notifications go: an apprise URL, or `env:NAME` / `file:/path` naming
    where the URL is kept out of the archive."""

    __tablename__ = "watch_targets"
    __table_args__ = (UniqueConstraint("watch_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watches.id"))
    url: Mapped[str] = mapped_column(Text)


class WatchMatch(Base):
    """An article a watch matched, so that its removal and restoration are reported too."""

    __tablename__ = "watch_matches"
    __table_args__ = (UniqueConstraint("watch_id", "article_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watches.id"))
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    matched_at: Mapped[datetime]


class Notification(Base):
    """The outbox: one message owed to one target about one version of one thing, written with
    the change it reports, marked sent when the service accepted it."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("watch_id", "target_id", "subject"),
        Index("ix_notifications_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watches.id"))
    target_id: Mapped[int] = mapped_column(ForeignKey("watch_targets.id"))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    # what it reports, one version of one thing: article:ID:new, article:ID:edited:TIME, …
    subject: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))  # new, edited, removed, restored, document
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="pending")  # sending, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
