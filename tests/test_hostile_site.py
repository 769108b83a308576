"""Real crawls of the fixture site in its hostile modes (tests/site/hostile.py)."""

import ast
import json
import math
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from exports.records import FIELDS
from tests.conftest import CLI_ENV, ROOT, SiteServer
from tests.site import content, hostile
from tests.support.cli import citynews
from tests.support.crawled import CrawledArchives

pytestmark = pytest.mark.e2e

NOW = "2025-11-21T12:00:00+03:00"
NOT_FOUND_URL = content.HOST + content.NOT_FOUND_PATH
NOVOSTI_LISTED = len(content.section_items(content.ARTICLES, "novosti"))
NOVOSTI_PAGES = math.ceil(NOVOSTI_LISTED / content.SECTIONS["novosti"]["per_page"])
NOVOSTI_ARCHIVED = sum(a["section"] == "novosti" for a in content.EXPECTED_ARTICLES)
FROZEN = ("-s", f"CITYNEWS_NOW={NOW}")  # time frozen after the site's newest article
TOS_ONLY = ("--section", "novosti-tos")


def crawl(site: SiteServer, db_url: str, workdir: Path, *args: str) -> subprocess.CompletedProcess:
    """One `citynews crawl` of the fixture site, time frozen after its newest article."""
    return citynews("crawl", "--site-url", site.url, "--db", db_url, *FROZEN, *args, cwd=workdir)


def rows(db_url: str, query: str) -> list:
    """The rows of one SQL query against the archive."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(query)).all())
    finally:
        engine.dispose()


def articles(db_url: str) -> dict[str, tuple]:
    """url: (title, body_text, views) of every archived article."""
    return {url: rest for url, *rest in rows(db_url, "SELECT url, title, body_text FROM articles")}


def last_run(db_url: str):  # type: ignore[no-untyped-def]
    return rows(
        db_url,
        "SELECT outcome, message, fetch_failures, articles_new, articles_updated, coverage "
        "FROM crawl_runs ORDER BY id DESC LIMIT 1",
    )[0]


def rejected_urls(db_url: str) -> set[str]:
    """URLs of the last run whose page was refused as not an article page."""
    return {
        url
        for (url,) in rows(
            db_url,
            "SELECT url FROM fetches WHERE NOT ok AND error LIKE 'not an article page%' "
            "AND crawl_run_id = (SELECT max(id) FROM crawl_runs)",
        )
    }


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'archive.sqlite3'}"


@pytest.fixture
def crawled_url(crawled_archives: CrawledArchives, tmp_path: Path) -> str:
    """A SQLite archive of a first crawl of the whole site (a copy of this test's own)."""
    return crawled_archives.copy(tmp_path / "archive.sqlite3", *FROZEN)


# A page is only an article when it looks like one


def test_maintenance_pages_do_not_overwrite_the_archive(
    site: SiteServer, crawled_db: Callable[..., str], tmp_path: Path
) -> None:
    db_url = crawled_db(*FROZEN)
    before = articles(db_url)
    site.change(hostile="maintenance")
    run = crawl(site, db_url, tmp_path, "--refresh-days", "36500")
    assert articles(db_url) == before
    assert NOT_FOUND_URL not in articles(db_url)
    assert not rows(db_url, "SELECT 1 FROM revisions")
    outcome, message, failures, new, updated, _ = last_run(db_url)
    assert (outcome, new, updated) == ("unhealthy", 0, 0)
    assert "not article pages" in message
    assert failures >= len(before)
    assert run.returncode == 3
    assert "not article pages" in run.stderr
    assert set(before) | {NOT_FOUND_URL} <= rejected_urls(db_url)
    found = citynews("search", "мост", "--db", db_url, cwd=tmp_path)
    assert "пешеходного моста" in found.stdout


def test_maintenance_pages_are_not_archived_on_a_fresh_archive(
    site: SiteServer, sqlite_url: str, tmp_path: Path
) -> None:
    site.change(hostile="maintenance")
    run = crawl(site, sqlite_url, tmp_path)
    assert articles(sqlite_url) == {}
    outcome, _message, failures, *_ = last_run(sqlite_url)
    assert outcome == "unhealthy"
    assert run.returncode == 3
    assert len(rejected_urls(sqlite_url)) == failures > 30


def test_random_bytes_do_not_overwrite_the_archive(
    site: SiteServer, crawled_url: str, tmp_path: Path
) -> None:
    before = articles(crawled_url)
    site.change(hostile="random_bytes")
    run = crawl(site, crawled_url, tmp_path, "--refresh-days", "36500")
    assert articles(crawled_url) == before
    assert run.returncode == 3
    assert set(before) <= rejected_urls(crawled_url)
    raw_pages = rows(crawled_url, "SELECT count(*) FROM raw_pages")[0][0]
    assert raw_pages == len(before)


def test_a_retried_page_is_judged_with_the_whole_run(
    site: SiteServer, crawled_url: str, tmp_path: Path
) -> None:
    """The 404 page is retried without a listing title: only its twins give it away."""
    site.change(hostile="maintenance")
    crawl(site, crawled_url, tmp_path, "--refresh-days", "36500")
    assert NOT_FOUND_URL in rejected_urls(crawled_url)
    assert not rows(crawled_url, f"SELECT 1 FROM articles WHERE url = '{NOT_FOUND_URL}'")
    assert hostile.MAINTENANCE_TITLE not in str(articles(crawled_url))


# Size limits


def test_a_gzip_bomb_is_dropped_as_a_failed_fetch(
    site: SiteServer, sqlite_url: str, tmp_path: Path
) -> None:
    site.change(hostile={"mode": "gzip_bomb", "size_mb": 12})
    run = crawl(site, sqlite_url, tmp_path, *TOS_ONLY)
    assert run.returncode == 0, run.stderr
    assert articles(sqlite_url) == {}
    errors = rows(sqlite_url, "SELECT error FROM fetches WHERE kind = 'article' AND NOT ok")
    assert len(errors) == 10
    assert all("DOWNLOAD_MAXSIZE" in error for (error,) in errors), errors
    _, _, failures, *_ = last_run(sqlite_url)
    assert failures == 10


def test_a_huge_page_is_not_archived(site: SiteServer, sqlite_url: str, tmp_path: Path) -> None:
    site.change(hostile={"mode": "huge_page", "size_mb": 8})
    run = crawl(site, sqlite_url, tmp_path, *TOS_ONLY)
    assert run.returncode == 0, run.stderr
    assert articles(sqlite_url) == {}
    errors = rows(sqlite_url, "SELECT error FROM fetches WHERE kind = 'article' AND NOT ok")
    assert len(errors) == 10, errors
    assert all("max size" in error for (error,) in errors), errors
    assert (tmp_path / "archive.sqlite3").stat().st_size < 2_000_000


# Endless pagination


@pytest.mark.parametrize("listed", ["same", "new"])
def test_endless_pagination_ends(
    site: SiteServer, sqlite_url: str, tmp_path: Path, listed: str
) -> None:
    site.change(hostile={"mode": "endless_listing", "articles": listed})
    cap = ("-s", "CITYNEWS_MAX_LISTING_PAGES=12")
    for _ in range(2):  # a rerun must not loop either
        site.clear_requests()
        run = crawl(site, sqlite_url, tmp_path, "--section", "novosti", *cap)
        assert run.returncode == 0, run.stderr
        pages = [r for r in site.requests() if r.startswith(content.NOVOSTI.rstrip("/") + "?")]
        assert len(pages) <= (11 if listed == "new" else NOVOSTI_PAGES), pages
    assert len(articles(sqlite_url)) == NOVOSTI_ARCHIVED


# Failures that look like success


def test_a_listing_that_redirects_to_itself_fails_the_run(
    site: SiteServer, sqlite_url: str, tmp_path: Path
) -> None:
    site.change(hostile={"mode": "redirect_loop", "what": "listing"})
    run = crawl(site, sqlite_url, tmp_path, "--section", "novosti")
    assert run.returncode == 1
    assert "redirect loop" in run.stderr
    outcome, _message, failures, *_ = last_run(sqlite_url)
    assert outcome == "failed"
    assert failures == 1


def test_articles_caught_in_redirect_loops_are_failures(
    site: SiteServer, sqlite_url: str, tmp_path: Path
) -> None:
    site.change(hostile={"mode": "redirect_loop", "what": "article"})
    crawl(site, sqlite_url, tmp_path, *TOS_ONLY)
    _, _, failures, new, *_ = last_run(sqlite_url)
    errors = rows(sqlite_url, "SELECT error FROM fetches WHERE kind = 'article' AND NOT ok")
    assert (failures, new) == (10, 0)
    assert all("redirect loop" in error for (error,) in errors), errors


# Deep nesting


def test_deeply_nested_articles_are_archived(
    site: SiteServer, sqlite_url: str, tmp_path: Path
) -> None:
    site.change(hostile={"mode": "deep_nesting", "depth": 1500})
    run = crawl(site, sqlite_url, tmp_path, *TOS_ONLY)
    assert run.returncode == 0, run.stderr
    archived = articles(sqlite_url)
    assert len(archived) == 10
    assert all(body.startswith(hostile.DEEP_PARAGRAPH + "\n\n") for _, body in archived.values())
    outcome, _, failures, new, *_ = last_run(sqlite_url)
    assert (outcome, failures, new) == ("completed", 0, 10)


# A plain `scrapy crawl`


def scrapy_crawl(site: SiteServer, workdir: Path, *args: str) -> subprocess.CompletedProcess:
    """`scrapy crawl smoladmin` from the project folder, as a Scrapy user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "smoladmin", "-a", f"site_url={site.url}",
         "-a", "sections=novosti-tos", "-s", f"CITYNEWS_NOW={NOW}", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env=CLI_ENV,
    )  # fmt: skip


def overridden_settings(log: str) -> dict:
    """The settings Scrapy reports as overridden at start."""
    start = log.index("Overridden settings:")
    return ast.literal_eval(log[log.index("{", start) : log.index("}", start) + 1])


def test_scrapy_crawl_of_a_loopback_site_gets_the_fast_settings(
    site: SiteServer, sqlite_url: str, tmp_path: Path
) -> None:
    run = scrapy_crawl(site, tmp_path, "-s", f"CITYNEWS_DB_URL={sqlite_url}")
    assert run.returncode == 0, run.stderr
    settings = overridden_settings(run.stderr)  # Scrapy's defaults: no delay, no AutoThrottle
    assert "DOWNLOAD_DELAY" not in settings
    assert "AUTOTHROTTLE_ENABLED" not in settings
    assert settings["DOWNLOAD_TIMEOUT"] == 10
    assert len(articles(sqlite_url)) == 10
    chosen = scrapy_crawl(site, tmp_path, "-s", f"CITYNEWS_DB_URL={sqlite_url}", "-s",
                          "DOWNLOAD_DELAY=0.05")  # fmt: skip
    assert overridden_settings(chosen.stderr)["DOWNLOAD_DELAY"] == "0.05"


def test_scrapy_feed_export_writes_the_export_records(
    site: SiteServer, sqlite_url: str, tmp_path: Path
) -> None:
    feed = tmp_path / "news.jsonl"
    run = scrapy_crawl(site, tmp_path, "-s", f"CITYNEWS_DB_URL={sqlite_url}", "-O", str(feed))
    assert run.returncode == 0, run.stderr
    assert "WARNING" not in run.stderr
    records = [json.loads(line) for line in feed.read_text(encoding="utf-8").splitlines()]
    exported = citynews("export", "--format", "jsonl", "--out", "-", "--db", sqlite_url,
                        cwd=tmp_path)  # fmt: skip
    expected = [json.loads(line) for line in exported.stdout.splitlines()]
    assert len(records) == 10
    assert all(list(record) == list(FIELDS) for record in records)
    assert sorted(records, key=lambda r: r["url"]) == sorted(expected, key=lambda r: r["url"])


def test_the_repository_ignores_archives() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "x.db", "news.sqlite3"], cwd=ROOT, capture_output=True, text=True
    )
    assert ignored.stdout.split() == ["x.db", "news.sqlite3"]


def test_a_full_disk_stops_the_crawl_with_its_reason(
    site: SiteServer, crawled_archives: CrawledArchives, tmp_path: Path
) -> None:
    sqlite_url = crawled_archives.copy(tmp_path / "archive.sqlite3", *FROZEN, *TOS_ONLY)
    site.change(
        publish=[
            {"section": "novosti", "slug": f"novaya-{i}", "title": f"Новость {i}",
             "when": "2025-11-21 10:00", "paragraphs": ["Текст. " * 2000]}
            for i in range(12)
        ]
    )  # fmt: skip
    run = subprocess.run(
        [sys.executable, "-m", "tests.full_disk", "4", "crawl", "--site-url", site.url,
         "--db", sqlite_url, "-s", f"CITYNEWS_NOW={NOW}"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env=CLI_ENV,
    )  # fmt: skip
    assert run.returncode == 1
    assert run.stderr.count("\n") == 1, run.stderr
    assert "database or disk is full" in run.stderr, run.stderr
    outcome, message, *_ = last_run(sqlite_url)
    assert outcome == "failed"
    assert "database or disk is full" in message


BROKEN_PARSER = """import sys
import scraper.parsing.article as article
def fail(nodes): raise RecursionError("maximum recursion depth exceeded")
article.block_texts = fail
from citynews.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_parser_that_raises_is_never_silent(
    site: SiteServer, sqlite_url: str, tmp_path: Path
) -> None:
    """No page makes the parser raise any more, so this run breaks it on purpose.

    Parsing stays in the crawl's own process (no worker pool), where the broken parser is: a
    page a worker cannot parse is parsed there again, so this is where a failure ends up.
    """
    run = subprocess.run(
        [sys.executable, "-c", BROKEN_PARSER, "crawl", "--site-url", site.url, "--db", sqlite_url,
         "--section", "novosti-tos", "-s", "CITYNEWS_PARSE_WORKERS=0"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env=CLI_ENV,
    )  # fmt: skip
    assert run.returncode == 3
    assert "could not be parsed" in run.stderr
    outcome, _, failures, new, *_ = last_run(sqlite_url)
    assert (outcome, failures, new) == ("unhealthy", 10, 0)
    errors = rows(sqlite_url, "SELECT error FROM fetches WHERE kind = 'article' AND NOT ok")
    assert all(e.startswith("the page could not be parsed (RecursionError") for (e,) in errors)


def test_scrapy_crawl_without_the_archive_pipeline_says_so_and_fetches_nothing(
    site: SiteServer, sqlite_url: str, tmp_path: Path
) -> None:
    site.clear_requests()
    run = scrapy_crawl(site, tmp_path, "-s", f"CITYNEWS_DB_URL={sqlite_url}",
                       "-s", "ITEM_PIPELINES={}")  # fmt: skip
    assert "needs scraper.pipelines.ArchivePipeline in ITEM_PIPELINES" in run.stderr
    assert [path for path in site.requests() if path != "/robots.txt"] == []
