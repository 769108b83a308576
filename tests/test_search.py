"""Russian full-text search: word forms, phrases, filters, ranking; SQLite and PostgreSQL alike."""

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from archive.articles import save_article
from archive.crawl_records import ArticleRecord
from archive.db import open_archive, session_scope
from archive.models import Article
from archive.search.index import reindex
from archive.search.query import QueryError, parse_query
from archive.search.running import Filters, search
from citynews.snippets import snippet
from tests.support.cli import run_main
from tests.support.records import article_record

MSK = ZoneInfo("Europe/Moscow")
HOST = "https://www.smoladmin.ru/press-centr/novosti/"
ARTICLES = {
    "subbotnik-title": (
        "Субботник на улице Ленина",
        "Горожан ждут в субботу с граблями.",
        100,
        "2025-04-10",
        "novosti",
    ),
    "subbotnik-body": (
        "Уборка в парке",
        "После субботника на улице Кирова вывезли мусор.",
        900,
        "2025-04-20",
        "novosti",
    ),
    "subbotnike": (
        "Итоги недели",
        "В субботнике участвовали школьники. Субботники пройдут и в мае.",
        300,
        "2025-05-02",
        "novosti-tos",
    ),
    "lenina-apart": (
        "Ленина и другие",
        "Улица Кирова пересекает проспект Ленина.",
        50,
        "2024-12-01",
        "novosti",
    ),
    "yolki": ("Ёлочный базар", "Ёлки продают на площади.", 700, "2025-12-20", "novosti"),
    "elki": ("Праздник", "Елки нарядили во дворах.", 20, "2025-12-25", "novosti-tos"),
    "nothing": ("Совещание", "Обсудили бюджет.", 10, "2025-01-15", "novosti"),
}


def record(slug: str) -> ArticleRecord:
    title, body, views, day, section = ARTICLES[slug]
    published = datetime.fromisoformat(day).replace(hour=12, tzinfo=MSK)
    return article_record(
        HOST + slug,
        section=section,
        title=title,
        body_text=body,
        published_at=published,
        views=views,
    )


@pytest.fixture
def sessions(migrated_db_url):
    factory = open_archive(migrated_db_url)
    with session_scope(factory) as session:
        for slug in ARTICLES:
            save_article(session, record(slug), None)
    yield factory
    factory.kw["bind"].dispose()


def found(sessions, query: str, **filters) -> list[str]:
    with session_scope(sessions) as session:
        hits = search(session, parse_query(query), Filters(**filters), limit=50)
        return [hit.article.url.removeprefix(HOST) for hit in hits]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("субботник", {"subbotnik-title", "subbotnik-body", "subbotnike"}),
        ("субботника", {"subbotnik-title", "subbotnik-body", "subbotnike"}),
        ("СУББОТНИКИ", {"subbotnik-title", "subbotnik-body", "subbotnike"}),
        ("улица", {"subbotnik-title", "subbotnik-body", "lenina-apart"}),
        ("улицы", {"subbotnik-title", "subbotnik-body", "lenina-apart"}),
        ('"улица Ленина"', {"subbotnik-title"}),
        ('"улице Кирова"', {"subbotnik-body", "lenina-apart"}),
        ("субботник Кирова", {"subbotnik-body"}),
        ('Ленина "улица Кирова"', {"lenina-apart"}),
        ("елки", {"yolki", "elki"}),
        ("ёлка", {"yolki", "elki"}),
        ("пожар", set()),
    ],
)
def test_word_forms_phrases_and_all_words(sessions, query: str, expected: set[str]) -> None:
    assert set(found(sessions, query)) == expected


def test_title_matches_come_first(sessions) -> None:
    assert found(sessions, "субботник")[0] == "subbotnik-title"
    assert set(found(sessions, "Ленина")[:2]) == {"subbotnik-title", "lenina-apart"}
    assert found(sessions, "улицы")[0] == "subbotnik-title"


def test_filters(sessions) -> None:
    assert set(found(sessions, "субботник", section="novosti-tos")) == {"subbotnike"}
    assert set(found(sessions, "субботник", min_views=300)) == {"subbotnik-body", "subbotnike"}
    since = datetime(2025, 4, 15, tzinfo=MSK)
    until = datetime(2025, 5, 1, tzinfo=MSK)
    assert found(sessions, "субботник", since=since, until=until) == ["subbotnik-body"]


def test_the_index_follows_edits_and_reindex_rebuilds_it(sessions) -> None:
    edited = record("nothing")
    edited.body_text = "Обсудили бюджет и субботник."
    edited.fetched_at = datetime(2026, 1, 2, tzinfo=UTC)
    with session_scope(sessions) as session:
        save_article(session, edited, None)
    assert "nothing" in found(sessions, "субботник")
    with session_scope(sessions) as session:
        assert reindex(session) == session.scalar(select(func.count(Article.id)))
    assert "nothing" in found(sessions, "субботник")
    assert set(found(sessions, "бюджет")) == {"nothing"}


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("", "empty query"),
        ("   ", "empty query"),
        ('"улица Ленина', "unbalanced quote"),
        ('""', "empty phrase"),
        ("субботник OR пожар", "unsupported operator 'OR'"),
        ("субботник AND", "unsupported operator 'AND'"),
        ("(субботник", "unsupported operator '('"),
        ("суббот*", "unsupported operator '*'"),
        ("-пожар", "unsupported operator '-'"),
        ("title:субботник", "unsupported operator ':'"),
        ("'; DROP TABLE articles; --", "unsupported operator '-'"),
        ("!!!", "unsupported operator '!'"),
        ("…", "no words to search for"),
    ],
)
def test_bad_queries_are_explained(query: str, words: str) -> None:
    with pytest.raises(QueryError, match=words.replace("(", r"\(").replace("*", r"\*")):
        parse_query(query)


def test_query_text_never_reaches_sql(sessions) -> None:
    assert found(sessions, '"Ленина\'); DROP TABLE articles; --"') == []
    with session_scope(sessions) as session:
        assert session.scalar(select(func.count(Article.id))) == len(ARTICLES)


def test_snippets_show_the_match_with_its_words_marked() -> None:
    text = " ".join(["слово"] * 30 + ["субботника"] + ["конец"] * 30)
    shown = snippet(text, parse_query("субботник"), mark=("[", "]"))
    assert "[субботника]" in shown
    assert shown.startswith("… ")
    assert shown.endswith(" …")


def test_cli_search_formats_and_errors(sessions, tmp_path) -> None:
    db_url = str(sessions.kw["bind"].url.render_as_string(hide_password=False))

    def run(*args):
        return run_main("search", *args, "--db", db_url, cwd=tmp_path)

    result = run("субботника", "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [row["rank"] for row in rows] == [1, 2, 3]
    assert set(rows[0]) >= {"url", "section", "title", "published_at", "views", "snippet", "rank"}
    assert rows[0]["url"] == HOST + "subbotnik-title"
    csv_result = run("субботника", "--format", "csv", "--limit", "1")
    lines = csv_result.stdout.splitlines()
    assert lines[0].startswith("\ufeffrank,url,section,title,published_at,views,snippet")
    assert len(lines) == 2
    table = run("субботника")
    assert "Субботник на улице Ленина" in table.stdout
    assert "\033[" not in table.stdout
    for bad in ('"улица', "a OR b", ""):
        failed = run(bad)
        assert failed.returncode == 2
        assert "Traceback" not in failed.stderr
        assert len(failed.stderr.strip().splitlines()) == 1


def test_a_sqlite_snapshot_searches_like_its_archive(sessions, tmp_path) -> None:
    db_url = str(sessions.kw["bind"].url.render_as_string(hide_password=False))
    out = tmp_path / "snapshot" / "archive.sqlite3"
    result = run_main(
        "export", "--format", "sqlite", "--out", str(out), "--db", db_url, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in out.parent.iterdir()) == ["archive.sqlite3"]
    snapshot = open_archive(f"sqlite:///{out}")
    try:
        for query in ("субботника", '"улица Ленина"', "елки"):
            assert sorted(found(snapshot, query)) == sorted(found(sessions, query))
        with session_scope(snapshot) as session:
            assert session.scalar(select(func.count(Article.id))) == len(ARTICLES)
    finally:
        snapshot.kw["bind"].dispose()
