"""Crawl runs: their start, end, counters and coverage. Functions never commit: callers do."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.crawl_records import ArticleRecord
from archive.models import CrawlRun

COVERAGE_FIELDS = ("title", "published_at", "body", "views")


class SaveOutcome(StrEnum):
    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


def start_run(
    session: Session,
    started_at: datetime,
    mode: str,
    site_url: str,
    sections: list[str],
    clock: datetime | None = None,
) -> CrawlRun:
    """Record the start of a crawl, and the crawl's clock then (when not the real one)."""
    run = CrawlRun(
        started_at=started_at,
        clock=clock or started_at,
        mode=mode,
        site_url=site_url,
        sections=sections,
        outcome="running",
        coverage={"fetched": 0, **dict.fromkeys(COVERAGE_FIELDS, 0)},
        sections_walked=[],
    )
    session.add(run)
    session.flush()
    return run


def finish_run(
    session: Session, run: CrawlRun, finished_at: datetime, outcome: str, message: str | None
) -> CrawlRun:
    """Record the end of a crawl and what it did."""
    run.finished_at = finished_at
    run.outcome = outcome
    run.message = message
    session.flush()
    return run


def abandon_stale_runs(session: Session) -> int:
    """Mark runs still 'running' as killed: called by the holder of the crawl lock."""
    stale = session.scalars(select(CrawlRun).where(CrawlRun.outcome == "running")).all()
    for run in stale:
        run.outcome = "killed"
        run.message = "the process ended without recording an outcome (killed?)"
    session.flush()
    return len(stale)


def record_walked_section(run: CrawlRun, section: str) -> None:
    """Note that this run reached the last listing page of a section."""
    if section not in run.sections_walked:
        run.sections_walked = [*run.sections_walked, section]


def count_outcome(run: CrawlRun, outcome: SaveOutcome) -> None:
    """Add one article outcome to the run's counters."""
    if outcome is SaveOutcome.NEW:
        run.articles_new += 1
    elif outcome is SaveOutcome.UPDATED:
        run.articles_updated += 1
    else:
        run.articles_unchanged += 1


def count_coverage(run: CrawlRun, record: ArticleRecord) -> None:
    """Count which fields a fetched article page yielded."""
    present = {
        "title": bool(record.title),
        "published_at": record.published_at is not None,
        "body": bool(record.body_text),
        "views": record.views is not None,
    }
    coverage = dict(run.coverage or {})
    coverage["fetched"] = coverage.get("fetched", 0) + 1
    for name, found in present.items():
        coverage[name] = coverage.get(name, 0) + int(found)
    run.coverage = coverage


def coverage_shares(run: CrawlRun) -> dict[str, float]:
    """Share of the run's fetched articles that had each field."""
    coverage = run.coverage or {}
    fetched = coverage.get("fetched", 0)
    return {name: coverage.get(name, 0) / fetched for name in COVERAGE_FIELDS} if fetched else {}


def recent_runs(session: Session, limit: int = 10) -> list[CrawlRun]:
    """The latest runs, newest first."""
    return list(session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit)))
