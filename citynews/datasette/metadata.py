"""Human titles, descriptions and canned queries for the archive in Datasette."""

from typing import Any

SEARCH_SQL = """select articles.title, articles.url, articles.section,
  articles.published_at, articles.views, substr(articles.body_text, 1, 240) as beginning
from articles_fts join articles on articles.id = articles_fts.rowid
where articles_fts match citynews_match(:q)
  and (:since = '' or articles.published_at >= :since)
  and (:until = '' or articles.published_at < date(:until, '+1 day'))
order by articles.id in (
    select rowid from articles_fts where articles_fts match citynews_title_match(:q)
  ) desc, bm25(articles_fts, 10.0, 1.0, 0.0)
limit 100"""

LATEST_SQL = """select section, title, url, published_at, views from (
  select *, row_number() over (partition by section order by published_at desc) as n
  from articles where removed_at is null
    and (published_at is null or published_at <= datetime('now', '+1 day'))
) where n <= 10 order by section, published_at desc"""

MOST_VIEWED_SQL = """select title, url, section, published_at, views from articles
where published_at >= date('now', 'start of month')
  and published_at <= datetime('now', '+1 day')
order by views desc limit 50"""

ARTICLE_COLUMNS = {
    "url": "Canonical address of the article on smoladmin.ru",
    "section": "Section of the site (novosti, novosti-tos, dvizhenie-transporta, …)",
    "title": "Title of the article",
    "body_text": "The article's own text, paragraphs separated by blank lines",
    "published_at": "Publication time, UTC (the site shows Moscow time, UTC+3)",
    "published_precision": "minute: from the page; date: only the day is known",
    "updated_at": "«Актуализировано» time shown on the page, UTC",
    "views": "Latest view count read from the page",
    "removed_at": "When the page was first found gone (404/410), UTC; empty while online",
    "first_seen_at": "When the crawler first archived the article, UTC",
    "last_fetched_at": "When the crawler last fetched the article, UTC",
}


def metadata(database: str) -> dict[str, Any]:
    """Datasette metadata for an archive file whose database name is `database`."""
    return {
        "title": "citynews: archive of smoladmin.ru news",
        "description": (
            "News and announcements of the Smolensk city administration, as archived by "
            "citynews. Search finds every grammatical form of a Russian word."
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
                        "description": "Every view count read, with when it was read (UTC)",
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
                            "grammatical form (субботник finds субботника, субботнике). Dates "
                            "as YYYY-MM-DD, optional."
                        ),
                        "sql": SEARCH_SQL,
                    },
                    "latest_per_section": {
                        "title": "Latest announcements per section",
                        "description": "The ten newest articles of each section",
                        "sql": LATEST_SQL,
                    },
                    "most_viewed_this_month": {
                        "title": "Most viewed this month",
                        "description": "Articles published this month, by views",
                        "sql": MOST_VIEWED_SQL,
                    },
                },
            }
        },
    }
