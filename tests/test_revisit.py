"""The rolling revisit's choice, revisit coverage, and the digest's numbers, on SQLite and
PostgreSQL; `report`, `history --chart` and `status` as a user meets them."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from archive.articles import save_article
from archive.crawl_records import ArticleRecord, FetchRecord
from archive.db import open_archive, session_scope
from archive.digest_queries import biggest_growth, edits, events, most_viewed, view_series
from archive.fetches import register_fetch
from archive.revisit import articles_to_revisit, revisit_batch_size, revisit_coverage
from tests.support.cli import one_line_error, run_main
from tests.support.records import article_record

MSK = ZoneInfo("Europe/Moscow")
NOVOSTI = "https://www.smoladmin.ru/press-centr/novosti/"
TOS = "https://www.smoladmin.ru/gostyam-i-zhitelyam/obschestvennoe-samoupravlenie/novosti-tos/"
T0 = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
WINDOW_START = datetime(2026, 1, 1, tzinfo=MSK)


def record(url: str, fetched_at: datetime, **changes) -> ArticleRecord:  # type: ignore[no-untyped-def]
    values = dict(
        section="novosti-tos" if url.startswith(TOS) else "novosti",
        fetched_at=fetched_at,
        published_at=datetime(2019, 5, 1, 10, 0, tzinfo=MSK),
    )
    values.update(changes)
    return article_record(url, **values)


def save(sessions, *records: ArticleRecord) -> None:  # type: ignore[no-untyped-def]
    with session_scope(sessions) as session:
        for item in records:
            save_article(session, item, None)


def test_the_batch_is_n_over_d_rounded_up_and_zero_turns_it_off() -> None:
    assert revisit_batch_size(10_000, 30) == 334
    assert revisit_batch_size(30, 30) == 1
    assert revisit_batch_size(31, 30) == 2
    assert revisit_batch_size(5, 30) == 1
    assert revisit_batch_size(0, 30) == 0
    assert revisit_batch_size(10_000, 0) == 0


def test_the_revisit_takes_the_oldest_fetched_first_and_a_stopped_run_s_articles_next(
    sessions,
) -> None:
    old = [NOVOSTI + f"old-{n}" for n in range(10)]
    # Fetched in a shuffled order: old-7 longest ago, then old-2, ...
    order = [7, 2, 9, 0, 5, 1, 8, 3, 6, 4]
    save(sessions, *(record(old[n], T0 + timedelta(minutes=i)) for i, n in enumerate(order)))
    in_window = NOVOSTI + "recent"
    removed = NOVOSTI + "gone"
    other_section = TOS + "tos-old"
    save(
        sessions,
        record(in_window, T0 - timedelta(days=50), published_at=WINDOW_START + timedelta(days=2)),
        record(removed, T0 - timedelta(days=60)),
        record(other_section, T0 - timedelta(days=70)),
    )
    with session_scope(sessions) as session:
        register_fetch(
            session,
            FetchRecord(removed, removed, "article", False, T0, status=404, error="HTTP 404"),
            None,
        )
    with session_scope(sessions) as session:
        first = articles_to_revisit(session, ["novosti"], WINDOW_START, 3)
        assert articles_to_revisit(session, ["novosti"], WINDOW_START, 0) == []
        both = articles_to_revisit(session, ["novosti", "novosti-tos"], WINDOW_START, 3)
    # N = 10 old online articles of the section (not the one in the window, not the removed one)
    assert first == [old[n] for n in (7, 2, 9, 0)]
    assert both == [other_section] + [old[n] for n in (7, 2, 9)]
    # A run that was stopped after fetching two of its four: the other two come first next time.
    save(sessions, *(record(old[n], T0 + timedelta(days=1)) for n in (7, 9)))
    with session_scope(sessions) as session:
        second = articles_to_revisit(session, ["novosti"], WINDOW_START, 3)
    assert second == [old[n] for n in (2, 0, 5, 1)]


def test_revisit_coverage_counts_recent_fetches_of_online_articles(sessions) -> None:
    now = T0 + timedelta(days=40)
    save(
        sessions,
        record(NOVOSTI + "a", T0),
        record(NOVOSTI + "b", now - timedelta(days=2)),
        record(NOVOSTI + "c", now - timedelta(days=29)),
        record(NOVOSTI + "d", now - timedelta(days=31)),
    )
    with session_scope(sessions) as session:
        coverage = revisit_coverage(session, now, 30)
    assert (coverage.online, coverage.fetched_recently) == (4, 2)
    assert coverage.share == 0.5
    assert coverage.oldest_fetch == T0
    assert coverage.oldest_url == NOVOSTI + "a"


def test_digest_numbers_measure_the_period_from_the_last_reading_before_it(sessions) -> None:
    since, until = datetime(2026, 2, 1, tzinfo=MSK), datetime(2026, 3, 1, tzinfo=MSK)
    day = timedelta(days=1)
    steady, rising, unread = NOVOSTI + "steady", NOVOSTI + "rising", NOVOSTI + "unread"
    save(
        sessions,
        record(steady, since - 5 * day, views=5000),
        record(rising, since - 3 * day, views=100),
        record(unread, since - 2 * day, views=9000),
        record(steady, since + day, views=5010),
        record(rising, since + 2 * day, views=400),
        record(rising, since + 9 * day, views=900, title="Новость rising, исправленная"),
        record(rising, until + day, views=5000),
    )
    with session_scope(sessions) as session:
        top = most_viewed(session, since, until, 10)
        growth = biggest_growth(session, since, until, 10)
        series = view_series(session, [top[1].article.id], since, until)
        changed = edits(session, since, until)
    assert [(c.article.url, c.start_views, c.end_views) for c in top] == [
        (steady, 5000, 5010),
        (rising, 100, 900),
    ]
    assert [(c.article.url, c.growth) for c in growth] == [(rising, 800), (steady, 10)]
    assert [views for _, views in series[top[1].article.id]] == [100, 400, 900]
    assert [(e.article.url, e.before_title, e.after_title) for e in changed] == [
        (rising, "Новость rising", "Новость rising, исправленная")
    ]


def test_digest_events_are_the_removals_and_restorations_of_the_period(sessions) -> None:
    url = NOVOSTI + "gone"
    save(sessions, record(url, T0))
    with session_scope(sessions) as session:
        gone = FetchRecord(url, url, "article", False, T0 + timedelta(days=3), status=410)
        register_fetch(session, gone, None)
    save(sessions, record(url, T0 + timedelta(days=5)))
    with session_scope(sessions) as session:
        found = events(session, T0 + timedelta(days=1), T0 + timedelta(days=10))
        before = events(session, T0 - timedelta(days=10), T0)
    assert [(e.kind, e.status, e.article.url) for e in found] == [
        ("removed", 410, url),
        ("restored", None, url),
    ]
    assert before == []


# The command line


@pytest.fixture
def small_archive(tmp_path: Path) -> str:
    """Two news articles read three times in January 2026, one edited; one traffic notice."""
    db_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    factory = open_archive(db_url)
    read, published = NOVOSTI + "most", datetime(2026, 1, 5, 12, tzinfo=MSK)
    save(
        factory,
        record(read, T0, views=100, published_at=published),
        record(NOVOSTI + "skver", T0, views=300),
        record(read, T0 + timedelta(days=2), views=180, published_at=published),
        record(
            read,
            T0 + timedelta(days=4),
            views=260,
            published_at=published,
            title="Мост открыт после ремонта",
        ),
        record(
            "https://www.smoladmin.ru/press-centr/dvizhenie-transporta/perekrytie",
            T0,
            views=None,
            section="dvizhenie-transporta",
        ),
    )
    factory.kw["bind"].dispose()
    return db_url


def test_history_chart_writes_the_views_series_as_svg(small_archive: str, tmp_path: Path) -> None:
    chart = tmp_path / "charts" / "most.svg"
    url = "smoladmin.ru/press-centr/novosti/most/?ssv"
    result = run_main(
        "history", "https://" + url, "--chart", str(chart), "--db", small_archive, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "views (3 observations, times Europe/Moscow):" in result.stdout
    svg = chart.read_text(encoding="utf-8")
    assert svg.startswith("<?xml")
    assert "<svg" in svg
    assert svg.rstrip().endswith("</svg>")
    assert "Мост открыт после ремонта" in svg
    assert set(re.findall(r'href="([^"#][^"]*)"', svg)) == {NOVOSTI + "most"}
    assert "<image" not in svg
    assert "<script" not in svg
    no_views = run_main(
        "history",
        "https://www.smoladmin.ru/press-centr/dvizhenie-transporta/perekrytie",
        "--chart",
        str(tmp_path / "none.svg"),
        "--db",
        small_archive,
        cwd=tmp_path,
    )
    one_line_error(no_views, 1, "no view counts archived")
    assert not (tmp_path / "none.svg").exists()


def report(db_url: str, tmp_path: Path, since: str, until: str) -> str:
    """Run `citynews report` and return the HTML it wrote."""
    out = tmp_path / "report.html"
    period = ["--since", since, "--until", until]
    result = run_main("report", *period, "--out", str(out), "--db", db_url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return out.read_text(encoding="utf-8")


def test_report_of_a_period_lists_views_edits_and_charts(small_archive: str, tmp_path) -> None:
    html = report(small_archive, tmp_path, "2026-01-01", "2026-01-31")
    assert "Мост открыт после ремонта" in html
    assert "-# Новость most" in html
    assert html.count("<svg") == 2
    assert f'<a href="{NOVOSTI}most">' in html
    growth = html.split("<h3>Most viewed in the period: views gained")[1].split("</table>")[0]
    assert re.search(r">100<.*>260<.*>\+160<", growth, re.S)


def test_report_of_an_empty_period_says_so(small_archive: str, tmp_path: Path) -> None:
    html = report(small_archive, tmp_path, "2020-01-01", "2020-12-31")
    assert "Nothing happened in this period" in html
    assert "No articles were published in this period." in html
    assert "<svg" not in html


def test_report_of_a_single_article_archive_says_so(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'one.sqlite3'}"
    factory = open_archive(db_url)
    save(factory, record(NOVOSTI + "one", T0, published_at=datetime(2026, 1, 9, tzinfo=MSK)))
    factory.kw["bind"].dispose()
    html = report(db_url, tmp_path, "2026-01-01", "2026-01-31")
    assert "The archive holds a single article" in html
    assert html.count("<svg") == 2


@pytest.mark.parametrize(
    ("dates", "words"),
    [
        (["--since", "2026-13-01", "--until", "2026-12-31"], "YYYY-MM-DD"),
        (["--since", "2026-02-01", "--until", "2026-01-01"], "is after --until"),
        (["--since", "yesterday", "--until", "2026-01-01"], "YYYY-MM-DD"),
    ],
)
def test_report_with_bad_dates_exits_2_in_one_line(dates, words, small_archive, tmp_path) -> None:
    out = tmp_path / "bad.html"
    result = run_main("report", *dates, "--out", str(out), "--db", small_archive, cwd=tmp_path)
    one_line_error(result, 2, words)
    assert not out.exists()


def test_status_shows_the_revisit_coverage(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    factory = open_archive(db_url)
    now = datetime.now(UTC)
    long_ago = now - timedelta(days=45)
    save(
        factory,
        record(NOVOSTI + "a", long_ago),
        record(NOVOSTI + "b", now - timedelta(days=3)),
        record(NOVOSTI + "c", now - timedelta(days=10)),
        record(NOVOSTI + "d", now - timedelta(days=20)),
    )
    factory.kw["bind"].dispose()
    result = run_main("status", "--db", db_url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "revisit coverage: 75% of 4 online articles fetched within the last 30 days" in (
        result.stdout
    )
    shown = long_ago.astimezone(ZoneInfo("Europe/Moscow"))
    assert f"oldest last fetch: {shown:%Y-%m-%d %H:%M} MSK  {NOVOSTI}a" in result.stdout
    shorter = run_main("status", "--revisit-days", "7", "--db", db_url, cwd=tmp_path)
    assert "25% of 4 online articles fetched within the last 7 days" in shorter.stdout
