"""`--revisit-days D` is measured in days of the crawl's clock: a month of runs replayed on a
real archive (SQLite and PostgreSQL), daily and hourly, each run re-reading what the plan says.

A run here is what the crawl does around its fetches: it records its start with its clock,
reads the walk plan, and re-reads (saves again) the articles the plan revisits; a stopped run
re-reads only part of them and does not complete.
"""

import math
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from archive.articles import save_article
from archive.db import session_scope
from archive.revisit import revisit_batch_size
from archive.runs import finish_run, start_run
from scraper.plan import build_walk_plan
from tests.test_revisit import NOVOSTI, record

N = 300
D = 10
REFRESH_DAYS = 14
START = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
DAY = timedelta(days=1)
URLS = [NOVOSTI + f"arhiv-{n}" for n in range(N)]


def backfill(sessions: sessionmaker[Session]) -> None:
    """A fresh archive: every article fetched by one completed run at START."""
    with session_scope(sessions) as session:
        run = start_run(session, START, "full", "https://www.smoladmin.ru", ["novosti"], START)
        for url in URLS:
            save_article(session, record(url, START), run)
        finish_run(session, run, START, "completed", None)


def run_at(
    sessions: sessionmaker[Session], clock: datetime, stop_after: int | None = None
) -> list[str]:
    """One run at the crawl clock: the URLs it re-read."""
    with session_scope(sessions) as session:
        run = start_run(
            session, clock, "incremental", "https://www.smoladmin.ru", ["novosti"], clock
        )
        plan = build_walk_plan(session, ["novosti"], "incremental", clock, REFRESH_DAYS, D)
        revisited = list(plan.revisit)[:stop_after]
        for url in revisited:
            save_article(session, record(url, clock), run)
        outcome = "completed" if stop_after is None else "interrupted"
        finish_run(session, run, clock, outcome, None)
    return revisited


def replay(
    sessions: sessionmaker[Session], every: timedelta, days: int, stop_at: int | None = None
):
    """Runs every `every` for `days` days after the backfill: {url: [clocks it was re-read at]}
    and the re-reads per day. The run numbered stop_at is stopped after half its batch."""
    reads: dict[str, list[datetime]] = {url: [START] for url in URLS}
    per_day: Counter[int] = Counter()
    clock, number = START + every, 0
    while clock <= START + days * DAY:
        stop_after = None
        if number == stop_at:
            stop_after = 1
        for url in run_at(sessions, clock, stop_after):
            reads[url].append(clock)
            per_day[(clock - START - timedelta(seconds=1)) // DAY] += 1
        clock += every
        number += 1
    return reads, per_day


def longest_gap(reads: dict[str, list[datetime]], until: datetime) -> timedelta:
    return max(
        max(later - earlier for earlier, later in zip([*times], [*times[1:], until], strict=True))
        for times in reads.values()
    )


@pytest.mark.postgres
@pytest.mark.parametrize("every", [DAY, DAY / 24], ids=["daily", "hourly"])
def test_every_article_is_re_read_within_d_days_at_the_same_daily_cost(
    sessions: sessionmaker[Session], every: timedelta
) -> None:
    backfill(sessions)
    days = 3 * D if every == DAY else 2 * D  # a month of daily runs, 480 hourly ones
    reads, per_day = replay(sessions, every, days)
    assert longest_gap(reads, START + days * DAY) <= D * DAY
    share = N / D  # articles a day
    runs_a_day = round(DAY / every)
    assert all(share <= per_day[day] <= share + runs_a_day for day in range(days)), per_day
    # a fresh archive is re-read over the first D days, not all at once on day D
    first_period = [per_day[day] for day in range(D)]
    assert max(first_period) <= share + runs_a_day


@pytest.mark.postgres
def test_a_stopped_run_s_share_is_taken_up_by_the_next_run(
    sessions: sessionmaker[Session],
) -> None:
    backfill(sessions)
    days = 2 * D
    reads, per_day = replay(sessions, DAY, days, stop_at=3)
    assert longest_gap(reads, START + days * DAY) <= D * DAY
    assert per_day[3] == 1
    assert per_day[4] == 2 * math.ceil(N / D)


@pytest.mark.postgres
def test_a_first_run_re_reads_nothing_and_the_clock_counts_not_the_runs(
    sessions: sessionmaker[Session],
) -> None:
    backfill(sessions)
    assert len(run_at(sessions, START + DAY / 24)) == math.ceil(N / D / 24)
    assert len(run_at(sessions, START + DAY / 24 + 2 * DAY)) == math.ceil(N / D * 2)


def test_the_share_is_n_times_the_elapsed_time_over_d_rounded_up() -> None:
    assert revisit_batch_size(10_000, 30, DAY) == 334
    assert revisit_batch_size(10_000, 30, DAY / 24) == 14  # 336 a day, hourly
    assert revisit_batch_size(10_000, 30, 2 * DAY) == 667
    assert revisit_batch_size(10_000, 30, 40 * DAY) == 10_000  # never more than the archive
    assert revisit_batch_size(10_000, 30, timedelta(0)) == 0
    assert revisit_batch_size(10_000, 0, DAY) == 0
