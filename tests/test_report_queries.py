"""What status and stats read from the archive (archive/report_queries.py), on SQLite and
PostgreSQL alike: the same archive gives the same values on both."""

from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from archive.db import session_scope
from archive.models import Article, CrawlRun, Fetch
from archive.report_queries import (
    SectionCount,
    Tally,
    article_tallies,
    article_totals,
    count_viewed,
    failed_fetches,
    iter_most_viewed,
    requests_of_runs,
)
from tests.support.records import MSK, NOVOSTI, article_row

RUN_START = datetime(2026, 1, 2, tzinfo=UTC)


def archive_articles(sessions: sessionmaker[Session]) -> None:
    """Six articles: a month boundary that differs between UTC and Moscow, one without a
    date, one without views, one removed, one without a body."""
    rows = [
        # 22:30 UTC on 31 January is 01:30 on 1 February in Moscow: a February article.
        article_row(1, "novosti", "Мост", "Текст.", datetime(2024, 1, 31, 22, 30, tzinfo=UTC), 50),
        article_row(2, "novosti", "Дорога", "Текст.", datetime(2024, 1, 15, tzinfo=MSK), 70),
        article_row(3, "novosti", "Парк", "Текст.", datetime(2024, 2, 10, tzinfo=MSK), 70),
        article_row(4, "novosti-tos", "Двор", "", datetime(2023, 12, 31, 23, 0, tzinfo=MSK), 5),
        article_row(5, "novosti-tos", "Сквер", "Текст.", datetime(2024, 3, 1, tzinfo=MSK), 9),
        article_row(6, "meropriyatiya", "Концерт", "Текст.", datetime(2024, 3, 2, tzinfo=MSK), 1),
    ]
    rows[4]["published_at"] = None
    rows[5]["views"] = None
    rows[1]["removed_at"] = RUN_START
    with session_scope(sessions) as session:
        session.add_all(Article(**row) for row in rows)


def test_totals_count_each_sections_articles_removed_and_missing_basics(sessions) -> None:
    archive_articles(sessions)
    with session_scope(sessions) as session:
        totals = article_totals(session)
    assert totals.sections == [
        SectionCount("meropriyatiya", 1, 0),
        SectionCount("novosti", 3, 1),
        SectionCount("novosti-tos", 2, 0),
    ]
    assert (totals.articles, totals.removed) == (6, 1)
    assert totals.missing_basics == 2  # the one without a body and the one without a date


def test_tallies_group_by_the_sites_month_and_year(sessions) -> None:
    archive_articles(sessions)
    with session_scope(sessions) as session:
        by_month, total = article_tallies(session, "month", MSK)
        by_year, _ = article_tallies(session, "year", MSK)
        by_section, _ = article_tallies(session, "section", MSK)
    assert by_month == {
        "2023-12": Tally(1, 5),
        "2024-01": Tally(1, 70),
        "2024-02": Tally(2, 120),
        "2024-03": Tally(1, 0),
        None: Tally(1, 9),
    }
    assert by_year == {"2023": Tally(1, 5), "2024": Tally(4, 190), None: Tally(1, 9)}
    assert by_section == {
        "novosti": Tally(3, 190),
        "novosti-tos": Tally(2, 14),
        "meropriyatiya": Tally(1, 0),
    }
    assert total == Tally(6, 204)


def test_tallies_and_most_viewed_keep_to_the_period(sessions) -> None:
    archive_articles(sessions)
    since, until = datetime(2024, 1, 1, tzinfo=MSK), datetime(2024, 3, 1, tzinfo=MSK)
    with session_scope(sessions) as session:
        by_month, total = article_tallies(session, "month", MSK, since, until)
        viewed = count_viewed(session, since, until)
        top = [(a.views, a.title) for a in iter_most_viewed(session, 2, since, until)]
        every = [a.url for a in iter_most_viewed(session, count_viewed(session))]
    assert by_month == {"2024-01": Tally(1, 70), "2024-02": Tally(2, 120)}
    assert total == Tally(3, 190)
    assert viewed == 3
    # Equal view counts: the article archived first comes first.
    assert top == [(70, "Дорога"), (70, "Парк")]
    assert every == [f"{NOVOSTI}novost-{n}" for n in (2, 3, 1, 5, 4)]


def test_unfinished_runs_count_the_fetches_they_recorded(sessions) -> None:
    with session_scope(sessions) as session:
        runs = []
        for outcome, recorded, fetched in (
            ("completed", 120, 2),
            ("killed", 0, 7),
            ("running", 0, 3),
            ("failed", 4, 0),
        ):
            run = CrawlRun(
                started_at=RUN_START,
                mode="incremental",
                outcome=outcome,
                site_url="https://www.smoladmin.ru",
                requests=recorded,
            )
            session.add(run)
            session.flush()
            session.add_all(
                Fetch(
                    crawl_run_id=run.id,
                    url=f"{NOVOSTI}{outcome}-{n}",
                    requested_url=f"{NOVOSTI}{outcome}-{n}",
                    kind="article",
                    status=200,
                    ok=True,
                    fetched_at=RUN_START,
                )
                for n in range(fetched)
            )
            runs.append(run)
        session.flush()
        requests = requests_of_runs(session, runs)
    assert [requests[run.id] for run in runs] == [120, 7, 3, 4]


def test_failed_fetches_are_the_urls_whose_latest_fetch_failed(sessions) -> None:
    with session_scope(sessions) as session:
        for minute, page, ok, status, error, ignored in (
            (1, "a", False, 503, "HTTP 503", False),
            (2, "a", True, 200, None, False),
            (3, "b", True, 200, None, False),
            (4, "b", False, 500, "HTTP 500", False),
            (5, "c", False, None, "TimeoutError", False),
            (6, "c", True, 200, None, True),  # ignored: c's latest counted fetch failed
        ):
            session.add(
                Fetch(
                    url=f"{NOVOSTI}{page}",
                    requested_url=f"{NOVOSTI}{page}",
                    kind="article",
                    status=status,
                    ok=ok,
                    error=error,
                    fetched_at=datetime(2026, 1, 2, 10, minute, tzinfo=UTC),
                    ignored=ignored,
                )
            )
    with session_scope(sessions) as session:
        failed = failed_fetches(session)
    assert [(f.url, f.status, f.error) for f in failed] == [
        (f"{NOVOSTI}c", None, "TimeoutError"),
        (f"{NOVOSTI}b", 500, "HTTP 500"),
    ]
    assert failed[0].fetched_at == datetime(2026, 1, 2, 10, 5, tzinfo=UTC)
