"""Human titles, descriptions and canned queries for the archive in Datasette."""

from typing import Any
from zoneinfo import ZoneInfo

from archive.search.index import MAX_CHUNKS
from citynews.display import zone_name
from scraper.settings import site_timezone

# Every time shown is the site's local time, in a column named after the zone ({zone}); since,
# until and "this month" are the site's days and month (citynews_clock.py's functions).
SEARCH_SQL = """select articles.title, articles.url, articles.section,
  citynews_time(articles.published_at, articles.published_precision) as "published ({zone})",
  articles.views, substr(articles.body_text, 1, 240) as beginning
from articles_fts join articles on articles.id = articles_fts.rowid
where articles_fts match citynews_match(:q)
  and (:since = '' or articles.published_at >= citynews_day_start(:since, 0))
  and (:until = '' or articles.published_at < citynews_day_start(:until, 1))
order by articles.id in (
    select rowid from articles_fts where articles_fts match citynews_title_match(:q)
  ) desc, bm25(articles_fts, 10.0, 1.0, 0.0)
limit 100"""

# One row per matching page (sheet, ZIP member) of the version a document URL serves now (or
# served last, when the site removed it), for each article linking it; best match first.
DOCUMENT_SEARCH_SQL = f"""select articles.title, articles.url, articles.section,
  citynews_time(articles.published_at, articles.published_precision) as "published ({{zone}})",
  article_documents.title as document_title, documents.url as document_url,
  document_parts.page, document_parts.sheet, document_parts.member,
  citynews_snippet(document_parts.text, :q) as snippet,
  citynews_time(documents.removed_at, 'minute') as "removed from the site ({{zone}})"
from (
  select part_id, min(rank) as rank from (
    select rowid / {MAX_CHUNKS} as part_id, bm25(document_parts_fts, 1.0, 0.0) as rank
    from document_parts_fts where document_parts_fts match citynews_document_match(:q)
    limit -1  -- keeps bm25 out of the aggregate (SQLite would flatten this subquery)
  ) group by part_id
) as matches
join document_parts on document_parts.id = matches.part_id
join documents on documents.sha256 = document_parts.sha256
join article_documents on article_documents.document_id = documents.id
join articles on articles.id = article_documents.article_id
where (:since = '' or articles.published_at >= citynews_day_start(:since, 0))
  and (:until = '' or articles.published_at < citynews_day_start(:until, 1))
order by matches.rank, articles.published_at desc, document_parts.position
limit 100"""

LATEST_SQL = """select section, title, url,
  citynews_time(published_at, published_precision) as "published ({zone})", views from (
  select *, row_number() over (partition by section order by published_at desc) as n
  from articles
  where removed_at is null and published_at < citynews_day_start(citynews_today(), 2)
) where n <= 10 order by section, published_at desc"""

MOST_VIEWED_SQL = """select title, url, section,
  citynews_time(published_at, published_precision) as "published ({zone})", views
from articles
where published_at >= citynews_month_start(0) and published_at < citynews_month_start(1)
order by views desc limit 50"""

ARTICLE_COLUMNS = {
    "url": "Canonical address of the article on smoladmin.ru",
    "section": "Section of the site (novosti, novosti-tos, dvizhenie-transporta, …)",
    "title": "Title of the article",
    "body_text": "The article's own text, paragraphs separated by blank lines",
    "published_at": "Publication time ({zone}; only the day when only the day is known)",
    "published_precision": "minute: from the page; date: only the day is known",
    "updated_at": "«Актуализировано» time shown on the page ({zone})",
    "views": "Latest view count read from the page",
    "removed_at": "When the page was first found gone (404/410), {zone}; empty while online",
    "first_seen_at": "When the crawler first archived the article ({zone})",
    "last_fetched_at": "When the crawler last fetched the article ({zone})",
}


STORED_TIMES = (
    "Pages show times in {zone}; the data itself (a table's .json and .csv, SQL) holds them "
    "as stored, in UTC."
)


def metadata(database: str, tz: ZoneInfo | None = None) -> dict[str, Any]:
    """Datasette metadata for an archive file whose database name is `database`; times in the
    site's zone (`tz`, by default the configured one)."""
    zone = zone_name(tz or site_timezone())
    described: dict[str, Any] = _in_zone(_metadata(database), zone)
    return described


def _in_zone(value: Any, zone: str) -> Any:
    """The metadata with {zone} in its texts replaced by the zone's name."""
    if isinstance(value, dict):
        return {key: _in_zone(item, zone) for key, item in value.items()}
    if isinstance(value, str):
        return value.replace("{zone}", zone)
    return value


def _metadata(database: str) -> dict[str, Any]:
    return {
        "title": "citynews: archive of smoladmin.ru news",
        "description": (
            "News and announcements of the Smolensk city administration, as archived by "
            "citynews. Search finds every grammatical form of a Russian word. " + STORED_TIMES
        ),
        "databases": {
            database: {
                "tables": {
                    "articles": {
                        "title": "Articles",
                        "description": "One row per article or announcement",
                        "fts_table": "articles_fts",
                        "fts_pk": "id",
                        "sort_desc": "published_at",
                        "columns": ARTICLE_COLUMNS,
                    },
                    "view_observations": {
                        "title": "View counts over time",
                        "description": "Every view count read, with when it was read",
                    },
                    "revisions": {
                        "title": "Earlier versions",
                        "description": "Titles and texts an article had before an edit",
                    },
                    "article_events": {
                        "title": "Removals and restorations",
                        "description": "When pages went missing (404/410) or came back",
                    },
                    "crawl_runs": {
                        "title": "Crawl runs",
                        "description": "Every scheduled crawl: when, what it found, its health",
                    },
                    "fetches": {"title": "Requests", "description": "Every request's outcome"},
                    "raw_pages": {
                        "title": "Stored pages",
                        "description": "Pages as served, xz-compressed",
                        "hidden": True,
                    },
                },
                "queries": {
                    "search": {
                        "title": "Search articles",
                        "description": (
                            'Words and "quoted phrases", all of which must match, in any '
                            "grammatical form (субботник finds субботника, субботнике). Since "
                            "and until: days in {zone}, as YYYY-MM-DD, both inclusive, optional."
                        ),
                        "sql": SEARCH_SQL,
                    },
                    "search_documents": {
                        "title": "Search documents",
                        "description": (
                            "The text of the documents the articles link (decrees, protocols, "
                            "tables): every word and phrase on one page, sheet or file of a "
                            "ZIP, in any grammatical form. One row per matching page and "
                            "article linking it. Since and until: the article's days in "
                            "{zone}, as YYYY-MM-DD, both inclusive, optional."
                        ),
                        "sql": DOCUMENT_SEARCH_SQL,
                    },
                    "latest_per_section": {
                        "title": "Latest announcements per section",
                        "description": "The ten newest articles of each section (none dated "
                        "after tomorrow)",
                        "sql": LATEST_SQL,
                    },
                    "most_viewed_this_month": {
                        "title": "Most viewed this month",
                        "description": "Articles published this month ({zone}), by views",
                        "sql": MOST_VIEWED_SQL,
                    },
                },
            }
        },
    }
