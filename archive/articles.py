"""Saving articles: the merge that never replaces a good value with a worse one, revisions,
view observations and raw pages. Functions take a session and never commit: callers do."""

from sqlalchemy.orm import Session

from archive.batch_writes import ArticleBatch
from archive.crawl_records import ArticleRecord
from archive.fetches import article_event
from archive.models import Article, CrawlRun, Revision
from archive.raw import COMPRESSION, compress, sha256_hex
from archive.runs import SaveOutcome, count_coverage, count_outcome
from archive.watches import ArticleChange

CONTENT_FIELDS = ("title", "body_text", "published_at", "updated_at")


PRECISION_RANK = {None: 0, "date": 1, "minute": 2}


def save_article(
    session: Session,
    record: ArticleRecord,
    run: CrawlRun | None,
    batch: ArticleBatch | None = None,
) -> SaveOutcome:
    """Insert or update an article by URL, never replacing a good value with a worse one.

    A changed title or text keeps the previous version as a revision; a view count becomes an
    observation; a page that answers again after a removal is marked restored. In a batch
    (archive/batch_writes.py), the rows are written with the batch's; alone, now.
    """
    alone = batch is None
    batch = batch or ArticleBatch()
    article = batch.article(session, record.url)
    if article is None:
        article = new_article(record)
        session.add(article)
        batch.added(article)
        batch.changed(ArticleChange(article, "new", record.fetched_at))
        outcome = SaveOutcome.NEW
    else:
        edit = ArticleChange(article, "edited", record.fetched_at, article.title, article.body_text)
        edited = is_new_version(article, record)
        outcome = merge_into(session, article, record)
        if edited:
            batch.changed(edit)
        if article.removed_at is not None:
            article.removed_at = None
            session.add(article_event(article, record.fetched_at, "restored", None, run))
            batch.changed(ArticleChange(article, "restored", record.fetched_at))
    if record.views is not None:
        batch.observe(
            article,
            {
                "observed_at": record.fetched_at,
                "views": record.views,
                "crawl_run_id": run.id if run else None,
            },
        )
    if outcome is not SaveOutcome.UNCHANGED:
        current = article.title == record.title and article.body_text == record.body_text
        batch.index(article, record.index_values if current else None, outcome is SaveOutcome.NEW)
    if record.body_text:  # the attachments come from the body
        batch.link(article, record.attachments, record.fetched_at)
    if record.raw is not None:
        store_raw_page(session, record, run, batch)
    if run is not None:
        count_outcome(run, outcome)
        count_coverage(run, record)
    if alone:
        batch.write(session)
    return outcome


def new_article(record: ArticleRecord) -> Article:
    """A new archive row from a first fetch."""
    return Article(
        url=record.url,
        section=record.section,
        title=record.title,
        body_text=record.body_text,
        body_html=record.body_html,
        published_at=record.published_at,
        published_precision=record.published_precision if record.published_at else None,
        published_source=record.published_source if record.published_at else None,
        updated_at=record.updated_at,
        views=record.views,
        meta_line_raw=record.meta_line_raw,
        images=record.images,
        attachments=record.attachments,
        listing_title=record.listing_title,
        listing_date=record.listed_date,
        cues=record.cues,
        parse_warnings=record.warnings,
        fetched_url=record.fetched_url,
        first_seen_at=record.fetched_at,
        last_fetched_at=record.fetched_at,
        last_changed_at=record.fetched_at,
    )


def merge_into(session: Session, article: Article, record: ArticleRecord) -> SaveOutcome:
    """Apply a later fetch to an archived article, keeping archived values a worse parse lacks."""
    if is_new_version(article, record):
        session.add(
            Revision(
                article_id=article.id,
                observed_at=article.last_changed_at,
                replaced_at=record.fetched_at,
                title=article.title,
                body_text=article.body_text,
                body_html=article.body_html,
                updated_at=article.updated_at,
            )
        )
    changed = apply_parsed_fields(article, record)
    if record.views is not None:
        article.views = record.views
    article.listing_title = record.listing_title or article.listing_title
    article.fetched_url = record.fetched_url
    article.last_fetched_at = record.fetched_at
    if changed:
        article.last_changed_at = record.fetched_at
        return SaveOutcome.UPDATED
    return SaveOutcome.UNCHANGED


def is_new_version(article: Article, record: ArticleRecord) -> bool:
    """Whether a fetch shows a different title or text (an empty parse is no new version)."""
    title_changed = bool(record.title) and record.title != article.title
    body_changed = bool(record.body_text) and record.body_text != article.body_text
    return (title_changed or body_changed) and bool(article.title or article.body_text)


def apply_parsed_fields(article: Article, record: ArticleRecord) -> bool:
    """Copy the parsed fields a record has onto the article; True if its content changed."""
    before = {name: getattr(article, name) for name in CONTENT_FIELDS}
    if record.title:
        article.title = record.title
    if record.body_text:
        article.body_text = record.body_text
        article.body_html = record.body_html
        article.images = record.images
        article.attachments = record.attachments
    rank = PRECISION_RANK[record.published_precision]
    if record.published_at and rank >= PRECISION_RANK[article.published_precision]:
        article.published_at = record.published_at
        article.published_precision = record.published_precision
        article.published_source = record.published_source
    article.updated_at = record.updated_at or article.updated_at
    article.meta_line_raw = record.meta_line_raw or article.meta_line_raw
    article.listing_date = record.listed_date or article.listing_date
    article.cues = record.cues
    article.parse_warnings = record.warnings
    return any(getattr(article, name) != value for name, value in before.items())


def store_raw_page(
    session: Session, record: ArticleRecord, run: CrawlRun | None, batch: ArticleBatch
) -> bool:
    """Keep the page as served, unless it is byte for byte the one stored last for its URL."""
    assert record.raw is not None
    digest = record.raw.sha256 or sha256_hex(record.raw.body)
    if batch.latest_digest(session, record.url) == digest:
        return False
    batch.store_page(
        {
            "url": record.url,
            "fetched_url": record.fetched_url,
            "fetched_at": record.fetched_at,
            "status": record.raw.status,
            "headers": record.raw.headers,
            "compression": COMPRESSION,
            "body": record.raw.compressed or compress(record.raw.body),
            "size": len(record.raw.body),
            "sha256": digest,
            "crawl_run_id": run.id if run else None,
        }
    )
    return True
