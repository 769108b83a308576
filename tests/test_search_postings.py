"""Single-word search through the postings: exactly the articles sharing a lemma, title first.

Articles are written through the crawl's write path (`save_article`) from words with ambiguous,
predicted and ё-spelt forms; every single-word query's results are checked against a brute-force
reading of the articles with the same analysis, on SQLite and PostgreSQL.
"""

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from sqlalchemy import text

from archive.articles import save_article
from archive.crawl_records import ArticleRecord
from archive.db import alembic_config, create_archive_engine, open_archive, session_scope
from archive.search.lemmas import lemmas, words
from archive.search.postings import lemma_weights
from archive.search.query import parse_query
from archive.search.running import Filters, search
from tests.support.cli import run_main
from tests.support.records import article_record

MSK = ZoneInfo("Europe/Moscow")
HOST = "https://www.smoladmin.ru/press-centr/novosti/"
VOCABULARY_TEXT = (
    "стали сталь стать Новиков Новикова Новикову Зеленстрой Зеленстроя «Зеленстроем» ёлки елка "
    "мост мостовая Ленина Ленинский улица улицы переулок переулка смолянам смолян дороги дорогой "
    "дорогая Гнездово Днепра Блонье субботник субботнике"
)
VOCABULARY = VOCABULARY_TEXT.split()
FILLER = ["и", "в", "на", "город", "жители", "прошли", "работы"]
COUNT = 80


def record(slug: str, title: str, body: str, day: int = 0) -> ArticleRecord:
    return article_record(
        HOST + slug,
        fetched_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=day),
        title=title,
        body_text=body,
        published_at=datetime(2025, 1, 1, 12, tzinfo=MSK) + timedelta(days=day),
        views=10,
    )


def generated() -> dict[str, tuple[str, str]]:
    """Articles of random vocabulary and filler words: slug -> (title, text)."""
    rng = random.Random(9)
    articles = {}
    for number in range(COUNT):
        title = " ".join(rng.choices(VOCABULARY + FILLER, k=rng.randint(2, 4)))
        body = " ".join(rng.choices(VOCABULARY + FILLER * 3, k=rng.randint(5, 15)))
        articles[f"a-{number}"] = (title, body)
    return articles


def shares_a_lemma(text_: str, query_word: str) -> bool:
    wanted = set(lemmas(words(query_word)[0]))
    return any(wanted & set(lemmas(word)) for word in words(text_))


@pytest.fixture
def sessions(migrated_db_url):
    factory = open_archive(migrated_db_url)
    with session_scope(factory) as session:
        for day, (slug, (title, body)) in enumerate(generated().items()):
            save_article(session, record(slug, title, body, day), None)
    yield factory
    factory.kw["bind"].dispose()


def test_a_single_word_finds_exactly_the_articles_sharing_a_lemma_title_matches_first(
    sessions,
) -> None:
    articles = generated()
    checked = 0
    for query_word in VOCABULARY:
        in_title = {
            slug for slug, (title, _) in articles.items() if shares_a_lemma(title, query_word)
        }
        expected = {
            slug
            for slug, (title, body) in articles.items()
            if shares_a_lemma(f"{title} {body}", query_word)
        }
        with session_scope(sessions) as session:
            hits = search(session, parse_query(query_word), Filters(), limit=COUNT)
            top = search(session, parse_query(query_word), Filters(), limit=3)
            slugs = [hit.article.url.removeprefix(HOST) for hit in hits]
            titles = [hit.title_match for hit in hits]
            top_ranks = [(hit.title_match, hit.score) for hit in top]
        assert set(slugs) == expected, query_word
        assert len(slugs) == len(expected), query_word
        assert {slug for slug, title in zip(slugs, titles, strict=True) if title} == in_title
        assert titles == sorted(titles, reverse=True), f"{query_word}: a title match ranks lower"
        assert top_ranks == [(hit.title_match, hit.score) for hit in hits[:3]], query_word
        checked += bool(expected)
    assert checked > 20


def test_filters_apply_to_every_match_before_the_best_are_chosen(sessions) -> None:
    articles = generated()
    since = datetime(2025, 1, 1, tzinfo=MSK) + timedelta(days=30)
    until = since + timedelta(days=20)
    window = {f"a-{day}" for day in range(COUNT) if 30 <= day < 50}
    for query in [*VOCABULARY, "Новикова улица", "ёлки мост"]:
        expected = {
            slug
            for slug, (title, body) in articles.items()
            if slug in window
            and all(shares_a_lemma(f"{title} {body}", word) for word in query.split())
        }
        with session_scope(sessions) as session:
            hits = search(session, parse_query(query), Filters(since=since, until=until), limit=3)
            slugs = {hit.article.url.removeprefix(HOST) for hit in hits}
        assert slugs <= expected, query
        assert len(slugs) == min(3, len(expected)), query


def test_an_edit_replaces_the_articles_postings(db_url) -> None:
    sessions = open_archive(db_url)
    with session_scope(sessions) as session:
        save_article(session, record("edited", "Итоги недели", "Зеленстрой высадил липы."), None)
        save_article(session, record("other", "Зеленстрой", "Высадили липы."), None)

    def ranked(query: str) -> list[tuple[str, bool]]:
        with session_scope(sessions) as session:
            hits = search(session, parse_query(query), Filters())
            return [(hit.article.url.removeprefix(HOST), hit.title_match) for hit in hits]

    assert ranked("Зеленстроя") == [("other", True), ("edited", False)]
    with session_scope(sessions) as session:
        save_article(session, record("edited", "Итоги недели", "Высадили липы.", 1), None)
    assert ranked("Зеленстроя") == [("other", True)]
    assert ranked("липами") == [("edited", False), ("other", False)]
    with session_scope(sessions) as session:
        save_article(session, record("edited", "Липы Зеленстроя", "Высадили.", 2), None)
    assert sorted(ranked("Зеленстроем")) == [("edited", True), ("other", True)]
    sessions.kw["bind"].dispose()


def test_db_upgrade_fills_the_postings_of_a_revision_0006_archive(db_url, tmp_path) -> None:
    sessions = open_archive(db_url)
    with session_scope(sessions) as session:
        save_article(
            session, record("zelen", "Озеленение", "МБУ «Зеленстрой» высадило липы."), None
        )
        save_article(session, record("most", "Мост", "Открыли мост через Днепр."), None)
        analysis = session.execute(text("SELECT analysis FROM search_index_state")).scalar()
    sessions.kw["bind"].dispose()
    engine = create_archive_engine(db_url)
    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")
        # A 0006 archive's index is current for its analysis: only the postings are missing.
        assert connection.execute(text("SELECT analysis FROM search_index_state")).scalar() == (
            analysis
        )
    engine.dispose()

    upgraded = run_main("db", "upgrade", "--db", db_url, cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr

    sessions = open_archive(db_url, migrate=False)
    with session_scope(sessions) as session:
        hits = search(session, parse_query("Зеленстроя"), Filters())
        assert [hit.article.url.removeprefix(HOST) for hit in hits] == ["zelen"]
        hits = search(session, parse_query("мосту"), Filters())
        assert [(hit.article.url.removeprefix(HOST), hit.title_match) for hit in hits] == [
            ("most", True)
        ]
    sessions.kw["bind"].dispose()


def test_the_best_of_many_title_matches_are_the_best_of_all_matches(db_url) -> None:
    sessions = open_archive(db_url)
    titles = ["Улица Ленина", "Улица Ленина: ремонт", "Ремонт, и снова улица Ленина"]
    with session_scope(sessions) as session:
        for number, title in enumerate(titles):
            save_article(session, record(f"t-{number}", title, "Работы идут.", number), None)
            body = "Рабочие вышли на улицу Ленина." + " Идёт ремонт." * number
            save_article(session, record(f"b-{number}", "Ремонт", body, number), None)
        for number in range(10):  # so that the words are not in most articles (bm25's idf)
            save_article(session, record(f"other-{number}", "Совещание", "Обсудили бюджет."), None)

    def ranked(query: str, limit: int) -> list[tuple[str, bool]]:
        with session_scope(sessions) as session:
            hits = search(session, parse_query(query), Filters(), limit=limit)
            return [(hit.article.url.removeprefix(HOST), hit.title_match) for hit in hits]

    for query in ('"улицы Ленина"', "Ленина улице"):
        everything = ranked(query, 10)
        assert len(everything) == 6
        assert [title for _, title in everything] == [True] * 3 + [False] * 3
        for limit in (1, 2, 3, 4, 5):
            assert ranked(query, limit) == everything[:limit], (query, limit)
    sessions.kw["bind"].dispose()


def test_a_word_of_several_lemmas_ranks_its_best_few_as_it_ranks_all(db_url) -> None:
    # «стали» is сталь or стать: some articles score best on one lemma, some on the other, and
    # groups of identical articles tie, so the best few must keep every tie at the limit.
    bodies = [
        "Сталь сталь сталь.",
        "Стать стать стать стать.",
        "Сталь. Стать.",
        "Стать в строй.",
        "Сталь и чугун.",
        "Сталь " * 9 + "и стать " * 2,
    ]
    articles = {}
    for number in range(36):
        title = "Сталь" if number % 9 == 0 else "Завод"
        articles[f"s-{number}"] = (title, bodies[number % len(bodies)], number)
    for number in range(8):
        articles[f"other-{number}"] = ("Совещание", "Обсудили бюджет.", 40 + number)
    sessions = open_archive(db_url)
    with session_scope(sessions) as session:
        for slug, (title, body, day) in articles.items():
            save_article(session, record(slug, title, body, day), None)

    def best_first(window: range) -> list[str]:
        """Brute force: each article's best posting weight among the word's lemmas."""
        wanted = set(lemmas("стали"))
        weights = {}
        for slug, (title, body, day) in articles.items():
            found = [
                weight
                for lemma, weight in lemma_weights(words(title), words(body))
                if lemma in wanted
            ]
            if found and day in window:
                weights[slug] = (max(found), day)
        return sorted(weights, key=lambda slug: (-weights[slug][0], -weights[slug][1]))

    def ranked(limit: int, filters: Filters) -> list[str]:
        with session_scope(sessions) as session:
            hits = search(session, parse_query("стали"), filters, limit=limit)
            return [hit.article.url.removeprefix(HOST) for hit in hits]

    everything = best_first(range(100))
    assert len(everything) == 36
    window = Filters(
        since=datetime(2025, 1, 1, tzinfo=MSK) + timedelta(days=10),
        until=datetime(2025, 1, 1, tzinfo=MSK) + timedelta(days=30),
    )
    in_window = best_first(range(10, 30))
    for limit in (1, 2, 3, 4, 5, 7, 10, 20, 36):
        assert ranked(limit, Filters()) == everything[:limit], limit
        assert ranked(limit, window) == in_window[:limit], limit
    sessions.kw["bind"].dispose()
