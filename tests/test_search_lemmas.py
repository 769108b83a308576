"""Search by dictionary lemmas: every form of a name finds its articles, on SQLite and PostgreSQL.

The pairs of tests/search_pairs.py are written as articles through the archive's write path and
searched as `citynews search` searches; an archive indexed before lemmas is rebuilt by
`citynews db upgrade`.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from archive.articles import save_article
from archive.crawl_records import ArticleRecord
from archive.db import alembic_config, create_archive_engine, open_archive, session_scope
from archive.search.lemmas import analysis_version
from archive.search.query import QueryError, parse_query
from archive.search.running import Filters, search
from tests.search_pairs import PAIRS
from tests.support.cli import run_main
from tests.support.records import article_record

MSK = ZoneInfo("Europe/Moscow")
HOST = "https://www.smoladmin.ru/press-centr/novosti/"
LEMMA_REVISION = "0004"


def article(slug: str, title: str, body: str) -> ArticleRecord:
    return article_record(
        HOST + slug,
        title=title,
        body_text=body,
        published_at=datetime(2025, 6, 1, 12, tzinfo=MSK),
        views=10,
    )


def found(sessions, query: str) -> set[str]:  # type: ignore[no-untyped-def]
    with session_scope(sessions) as session:
        hits = search(session, parse_query(query), Filters(), limit=len(PAIRS) + 10)
        return {hit.article.url.removeprefix(HOST) for hit in hits}


def test_every_form_of_a_name_finds_its_article(db_url: str) -> None:
    sessions = open_archive(db_url)
    with session_scope(sessions) as session:
        for number, pair in enumerate(PAIRS):
            save_article(session, article(f"pair-{number}", "Новости города", pair.document), None)
    wrong = [
        f"{pair.query!r} {'missed' if pair.matches else 'found'} {pair.document!r}"
        for number, pair in enumerate(PAIRS)
        if (f"pair-{number}" in found(sessions, pair.query)) != pair.matches
    ]
    sessions.kw["bind"].dispose()
    assert len(PAIRS) >= 40
    assert {pair.matches for pair in PAIRS} == {True, False}
    assert wrong == []


def test_a_title_match_ranks_first_whatever_the_form(db_url: str) -> None:
    sessions = open_archive(db_url)
    with session_scope(sessions) as session:
        save_article(
            session,
            article("body", "Итоги недели", "Зеленстрой и Зеленстрой, снова Зеленстрой."),
            None,
        )
        save_article(session, article("title", "Работы Зеленстроя", "Высадили липы."), None)
    with session_scope(sessions) as session:
        hits = search(session, parse_query("Зеленстроем"), Filters())
        assert [hit.article.url.removeprefix(HOST) for hit in hits] == ["title", "body"]
    sessions.kw["bind"].dispose()


def test_db_upgrade_rebuilds_an_archive_indexed_with_stems(db_url: str, tmp_path) -> None:
    sessions = open_archive(db_url)
    with session_scope(sessions) as session:
        save_article(
            session, article("zelen", "Озеленение", "МБУ «Зеленстрой» высадило липы."), None
        )
    sessions.kw["bind"].dispose()
    engine = create_archive_engine(db_url)
    before = ScriptDirectory.from_config(alembic_config(engine)).get_revision(LEMMA_REVISION)
    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.downgrade(config, before.down_revision)
    with engine.connect() as connection:
        # What an archive indexed by Snowball stems holds: the stem, not the lemma.
        if engine.dialect.name == "postgresql":
            indexed = connection.execute(text("SELECT document::text FROM search_documents"))
        else:
            indexed = connection.execute(text("SELECT body FROM articles_fts"))
        terms = indexed.scalar()
        assert "зеленстр" in terms
        assert "зеленстрой" not in terms
    engine.dispose()

    upgraded = run_main("db", "upgrade", "--db", db_url, cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr

    sessions = open_archive(db_url, migrate=False)
    assert found(sessions, "Зеленстроя") == {"zelen"}
    with session_scope(sessions) as session:
        state = session.execute(text("SELECT analysis FROM search_index_state")).scalar()
        assert state == analysis_version()
    sessions.kw["bind"].dispose()


def test_cli_finds_the_names_of_the_issue_and_writes_csv_like_export(db_url: str, tmp_path) -> None:
    sessions = open_archive(db_url)
    with session_scope(sessions) as session:
        save_article(
            session,
            article("head", "Совещание", "Глава города Александр Новиков провёл совещание."),
            None,
        )
    sessions.kw["bind"].dispose()
    result = run_main("search", "Новикова", "--format", "csv", "--db", db_url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout_bytes.split(b"\r\n")
    header = (
        "\ufeffrank,url,section,title,published_at,views,snippet,score,matched_in,document_url,"
        "document_title,document_page,document_sheet,document_member,document_removed_at"
    )
    assert lines[0] == header.encode()
    assert lines[1].decode("utf-8").startswith(f"1,{HOST}head,novosti,Совещание,")
    assert lines[2:] == [b""]
    assert all(b"\n" not in line for line in lines)


def test_a_hyphenated_word_is_a_phrase_of_its_parts() -> None:
    assert parse_query("Ростов-на-Дону").phrases == ((("рост", "ростов"), ("на",), ("дон",)),)
    assert parse_query("Ростов на Дону").phrases == (
        (("рост", "ростов"),),
        (("на",),),
        (("дон",),),
    )


def test_a_phrase_with_too_many_readings_for_fts5_is_refused_in_one_line() -> None:
    query = parse_query('"стали три мой стали три мой"')
    lexicon = {lemma: {f"{lemma}_{n}" for n in range(6)} for lemma in query.lemmas}
    with pytest.raises(QueryError, match="too many readings"):
        query.fts5(lexicon)
    assert query.fts5({}).count(" OR ") == 2**6 - 1
