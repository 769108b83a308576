"""From a served article page to the archive's record: shared by the spider and `reparse`."""

from datetime import date, datetime
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from archive.crawl_records import ArticleRecord, RawPageRecord
from scraper.acceptance import non_text_share
from scraper.parsing.article import parse_article
from scraper.parsing.dates import is_in_future, start_of_day
from scraper.parsing.not_found import not_found_cue
from scraper.parsing.text import decode_page
from scraper.sections import Section, section_of_path
from scraper.urls import SiteUrls, url_path


def build_article_record(
    *,
    raw: RawPageRecord,
    fetched_url: str,
    fetched_at: datetime,
    site: SiteUrls,
    section: Section,
    listed_date: date | None,
    listing_title: str | None,
    tz: ZoneInfo,
) -> ArticleRecord:
    """Decode and parse a page; date it from the listing when the page shows no date."""
    canonical = site.canonical(fetched_url) or fetched_url
    decoded = decode_page(raw.body, raw.headers.get("Content-Type"))
    raw.non_text_share = non_text_share(decoded.text)
    page = parse_article(
        decoded.text,
        fetched_url,
        absolutize=lambda link: site.canonical(link, fetched_url) or urljoin(fetched_url, link),
        tz=tz,
    )
    if decoded.warning:
        page.warnings.append(decoded.warning)
    published_at, precision, source = page.published_at, None, None
    if published_at is not None and is_in_future(published_at, fetched_at):
        page.warnings.append(
            f"publication date {published_at.isoformat()} is more than a day after the page "
            "was fetched"
        )
    if published_at is not None:
        precision, source = ("minute" if page.published_has_time else "date"), "meta-line"
    elif listed_date is not None:
        published_at = start_of_day(listed_date, tz)
        precision, source = "date", "listing"
        page.warnings.append("publication date taken from the listing page")
    return ArticleRecord(
        url=canonical,
        section=(section_of_path(url_path(canonical)) or section).key,
        fetched_url=fetched_url,
        fetched_at=fetched_at,
        title=page.title,
        body_text=page.body_text,
        body_html=page.body_html,
        published_at=published_at,
        published_precision=precision,
        published_source=source,
        updated_at=page.updated_at,
        views=page.views,
        meta_line_raw=page.meta_line_raw,
        images=page.images,
        attachments=[{"url": a.url, "title": a.title} for a in page.attachments],
        listing_title=listing_title,
        listed_date=listed_date,
        cues=dict(page.cues, published_at=source or "none"),
        warnings=page.warnings,
        raw=raw,
        not_found_cue=not_found_cue(decoded.text),
    )
