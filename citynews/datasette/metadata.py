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

# A document's status: its file's text status once kept, else whether a request failed. (Named
# apart from the documents table: a canned query would hide a table of the same name.)
DOCUMENTS_SQL = """select article_documents.title as document, documents.url as document_url,
  document_files.kind as type, document_files.size as bytes, document_files.pages,
  case when documents.sha256 is null and documents.failure is null then 'not-fetched'
    when documents.sha256 is null then 'fetch-failed'
    else document_files.text_status end as status,
  case when documents.sha256 is null then documents.failure
    else document_files.failure end as why,
  citynews_time(documents.removed_at, 'minute') as "removed ({zone})",
  articles.title as article, articles.url as article_url,
  citynews_time(articles.published_at, articles.published_precision) as "published ({zone})",
  documents.sha256
from article_documents
  join documents on documents.id = article_documents.document_id
  join articles on articles.id = article_documents.article_id
  left join document_files on document_files.sha256 = documents.sha256
where (:status = '' or status = :status)
order by articles.published_at desc, articles.id desc, article_documents.id
limit 500"""

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


DOCUMENT_COLUMNS = {
    "url": "Address of the document on smoladmin.ru",
    "first_seen_at": "When an article was first seen linking it ({zone})",
    "checked_at": "The last request the site answered ({zone})",
    "sha256": "The content it serves now: a row of document_files, the file's name in the "
    "documents folder (ab/cd/<sha256>)",
    "etag": "ETag of that content, for conditional requests",
    "last_modified": "Last-Modified of that content, for conditional requests",
    "failure": "Why the last request gave no document",
    "failed_at": "When that request was made ({zone})",
    "removed_at": "When the site stopped serving it (404/410), {zone}; empty while served",
}
DOCUMENT_FILE_COLUMNS = {
    "sha256": "SHA-256 of the content; the file is kept once as ab/cd/<sha256>",
    "size": "Size in bytes",
    "kind": "Type told by the content: pdf, doc, docx, xls, xlsx, odt, ods, rtf, zip",
    "stored_at": "When the crawler first kept it ({zone})",
    "text_status": "waiting: not read yet; extracted: every page read; ocr-waiting: pages wait "
    "for Tesseract; failed: could not be read (failure says why)",
    "method": "How its text was read (text layer, OCR, a reader per format)",
    "pages": "Pages (sheets of a workbook, members of a ZIP)",
    "characters": "Characters of text read",
    "failure": "Why its text could not be read",
    "notes": "What extraction noted on the way",
    "extracted_at": "When its text was read ({zone})",
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
                    "documents": {
                        "title": "Documents",
                        "description": "One row per document URL the articles link",
                        "label_column": "url",
                        "sort_desc": "first_seen_at",
                        "columns": DOCUMENT_COLUMNS,
                    },
                    "document_files": {
                        "title": "Document files",
                        "description": "Each content kept, once however many URLs serve it, "
                        "and the state of its text",
                        "sort_desc": "stored_at",
                        "columns": DOCUMENT_FILE_COLUMNS,
                    },
                    "document_versions": {
                        "title": "Document versions",
                        "description": "Each content a document URL served, first and last seen",
                    },
                    "document_parts": {
                        "title": "Document text",
                        "description": "The text of each page, sheet or ZIP member of a file",
                    },
                    "article_documents": {
                        "title": "Links to documents",
                        "description": "Which article links which document, with the link text",
                    },
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
                    "documents_and_articles": {
                        "title": "Documents and their articles",
                        "description": (
                            "Every document an article links: type, size, pages, the state of "
                            "its text (waiting, extracted, ocr-waiting, failed; not-fetched or "
                            "fetch-failed when no file is kept) and why, and the article. "
                            "Status: one of these states, or empty for all."
                        ),
                        "sql": DOCUMENTS_SQL,
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
