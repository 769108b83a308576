"""What `citynews search` tells its reader: what it left out, why a query cannot be searched,
and days for articles of which only the day is known; results streamed whatever the limit."""

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive.articles import save_article
from archive.crawl_records import ArticleRecord
from archive.db import open_archive, session_scope
from citynews.cli import main

HOST = "https://www.smoladmin.ru/press-centr/novosti/"
BRIDGES = 25  # articles about a bridge; the first ten also about repairs


def bridge_record(number: int) -> ArticleRecord:
    repairs = " Ремонт продолжается." if number < 10 else ""
    return ArticleRecord(
        url=f"{HOST}most-{number}",
        section="novosti",
        fetched_url=f"{HOST}most-{number}",
        fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
        title=f"Новость {number}",
        body_text=f"Мост через Днепр, заметка {number}.{repairs}",
        published_at=datetime(2025, 3, 1 + number, 9, 30, tzinfo=UTC),
        published_precision="minute",
        published_source="meta-line",
        views=number,
    )


@pytest.fixture
def archive(migrated_db_url: str) -> str:
    sessions = open_archive(migrated_db_url)
    with session_scope(sessions) as session:
        for number in range(BRIDGES):
            save_article(session, bridge_record(number), None)
        save_article(
            session,
            ArticleRecord(
                url=f"{HOST}tolko-data",
                section="novosti",
                fetched_url=f"{HOST}tolko-data",
                fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
                title="Перекрытие моста",
                body_text="Известен только день.",
                # the day 2025-05-23 in Moscow: its midnight, 21:00 UTC of the day before
                published_at=datetime(2025, 5, 22, 21, 0, tzinfo=UTC),
                published_precision="date",
                published_source="listing",
                views=5,
            ),
            None,
        )
    sessions.kw["bind"].dispose()
    return migrated_db_url


def run(capsys, *args: str) -> tuple[str, str]:
    """stdout and stderr of a command that succeeds."""
    status = main(list(args))
    out, err = capsys.readouterr()
    assert status == 0, err
    return out, err


def test_search_says_how_many_it_left_out(archive, capsys) -> None:
    out, _ = run(capsys, "search", "мост", "--db", archive)
    assert out.count(HOST) == 20
    assert out.rstrip().splitlines()[-1] == f"20 of {BRIDGES + 1} matches (use --limit)"
    # several words, and filters: counted as they are matched
    out, _ = run(capsys, "search", "мост ремонт", "--limit", "4", "--db", archive)
    assert out.rstrip().splitlines()[-1] == "4 of 10 matches (use --limit)"
    out, _ = run(capsys, "search", "мост", "--min-views", "20", "--limit", "2", "--db", archive)
    assert out.rstrip().splitlines()[-1] == "2 of 5 matches (use --limit)"


def test_search_says_nothing_was_left_out_when_all_are_shown(archive, capsys) -> None:
    out, _ = run(capsys, "search", "мост", "--limit", "0", "--db", archive)
    assert out.count(HOST) == BRIDGES + 1
    assert "use --limit" not in out
    out, _ = run(capsys, "search", "мост ремонт", "--limit", "10", "--db", archive)
    assert out.count(HOST) == 10
    assert "use --limit" not in out


def test_machine_formats_stay_data_and_the_note_goes_to_stderr(archive, capsys) -> None:
    out, err = run(capsys, "search", "мост", "--limit", "5", "--format", "json",
                           "--db", archive)  # fmt: skip
    rows = json.loads(out)
    assert [row["rank"] for row in rows] == [1, 2, 3, 4, 5]
    assert out == json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    assert f"5 of {BRIDGES + 1} matches (use --limit)" in err
    out, err = run(capsys, "search", "мост", "--limit", "0", "--format", "json",
                           "--db", archive)  # fmt: skip
    assert len(json.loads(out)) == BRIDGES + 1
    assert err == ""
    out, err = run(capsys, "search", "пожар", "--format", "json", "--db", archive)
    assert out == "[]\n"


def test_a_date_only_article_shows_its_day_and_no_made_up_time(archive, capsys) -> None:
    out, _ = run(capsys, "search", "перекрытие", "--db", archive)
    meta = out.splitlines()[1]
    assert meta.split(" · ")[0].strip() == "2025-05-23"
    out, _ = run(capsys, "show", f"{HOST}tolko-data", "--db", archive)
    published = next(line for line in out.splitlines() if line.startswith("published:"))
    assert "2025-05-23" in published
    assert ":" not in published.removeprefix("published:")
    # an article with a time shows it, and says on which clock
    out, _ = run(capsys, "search", "заметка 3", "--db", archive)
    assert out.splitlines()[1].split(" · ")[0].strip() == "2025-03-04 12:30 MSK"


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (["search", "-мост"], "unsupported operator '-'"),
        (["search", "мост", "-ремонт"], "unsupported operator '-'"),
        (["search", "-мост", "--limit", "3"], "unsupported operator '-'"),
        (["search", "а" * 300], "has 300 letters: words longer than 100 are not indexed"),
        (["search", "мост " + "б" * 101], "has 101 letters"),
        (["search"], "give words to search for"),
    ],
)
def test_unsearchable_queries_get_the_reason_in_one_line(argv, reason, tmp_path, capsys) -> None:
    status = main([*argv, "--db", f"sqlite:///{tmp_path / 'none.sqlite3'}"])
    err = capsys.readouterr().err
    assert status == 2
    assert err.splitlines() == [err.splitlines()[0]]
    assert reason in err
    assert "required" not in err


def test_a_word_of_the_longest_indexed_length_is_searched(archive, capsys) -> None:
    out, _ = run(capsys, "search", "я" * 100, "--db", archive)
    assert "no articles match" in out


def test_results_are_read_a_batch_at_a_time(tmp_path: Path) -> None:
    from archive.search.query import parse_query
    from archive.search.running import BATCH, Filters, iter_search

    sessions = open_archive(f"sqlite:///{tmp_path / 'many.sqlite3'}")
    with session_scope(sessions) as session:
        for number in range(BATCH + 100):
            url = f"{HOST}mnogo-{number}"
            record = replace(bridge_record(number % BRIDGES), url=url, fetched_url=url)
            save_article(session, record, None)
    with session_scope(sessions) as session:
        hits = iter_search(session, parse_query("мост"), Filters(), None)
        first = next(hits)
        assert first.article.url.startswith(HOST)
        assert len(session.identity_map) <= BATCH
        assert 1 + sum(1 for _ in hits) == BATCH + 100
