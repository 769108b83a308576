"""`reparse` in batches with worker processes gives the archive the crawl gave it."""

import json
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text

from archive.db import open_archive
from scraper.reparse import reparse_archive
from tests.site import content
from tests.support.cli import run_main

pytestmark = pytest.mark.e2e
MOSCOW = ZoneInfo("Europe/Moscow")
BLANK_PARSED_FIELDS = (
    "UPDATE articles SET title = NULL, body_text = '', body_html = '', views = NULL,"
    " published_at = NULL, published_precision = NULL, published_source = NULL,"
    " meta_line_raw = NULL, images = '[]', attachments = '[]'"
)


def export(db_url: str, cwd: Path) -> list[dict]:
    result = run_main("export", "--format", "json", "--out", "-", "--db", db_url, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_reparse_in_small_batches_with_workers_restores_every_article(
    crawled_db: Callable[..., str], tmp_path: Path
) -> None:
    db_url = crawled_db()
    before = export(db_url, tmp_path)
    assert len(before) == len(content.EXPECTED_ARTICLES)
    assert any(record["documents"] for record in before)  # reparse links them again
    engine = create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(text(BLANK_PARSED_FIELDS))
        connection.execute(text("DELETE FROM article_documents"))
    engine.dispose()

    sessions = open_archive(db_url)
    try:
        result = reparse_archive(sessions, MOSCOW, batch_size=7, workers=2)
    finally:
        sessions.kw["bind"].dispose()
    assert (result.articles, result.reparsed, result.without_page) == (len(before), len(before), 0)
    assert result.changed == len(before)
    after = export(db_url, tmp_path)
    assert after == before
    era_urls = {
        content.HOST + content.path_of(article)
        for article in content.ARTICLES
        if content.era_of(article) and content.SECTIONS[article["section"]]["meta"]
    }
    era_records = [record for record in after if record["url"] in era_urls]
    assert len(era_records) >= 6
    assert all(record["views"] is not None and record["title"] for record in era_records)
    assert all(record["body_text"] and record["published_at"] for record in era_records)
    search = run_main("search", "субботник", "--format", "json", "--db", db_url, cwd=tmp_path)
    assert search.returncode == 0, search.stderr
    assert json.loads(search.stdout)
