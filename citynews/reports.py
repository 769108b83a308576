"""Text reports for people: the archive's status and one article's history."""

import difflib
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.models import Article, CrawlRun
from archive.store import COVERAGE_FIELDS, coverage_shares, recent_runs


def _time(moment: datetime | None, tz: ZoneInfo | None = None) -> str:
    if moment is None:
        return "-"
    return (moment.astimezone(tz) if tz else moment).strftime("%Y-%m-%d %H:%M")


def run_line(run: CrawlRun) -> str:
    shares = coverage_shares(run)
    coverage = " ".join(f"{name}={shares[name]:.0%}" for name in COVERAGE_FIELDS if shares)
    return (
        f"{run.id:>5}  {_time(run.started_at)}  {_time(run.finished_at)}  {run.mode:<11}  "
        f"{run.outcome:<11}  {run.requests:>6}  {run.articles_new:>5}  {run.articles_updated:>5}  "
        f"{run.articles_unchanged:>6}  {run.articles_removed:>5}  {run.fetch_failures:>5}  "
        f"{coverage or '-'}"
    )


def status_report(session: Session, archive: str, lock_state: str, runs: int = 10) -> str:
    """Archive totals per section, the lock, and the latest runs with their health."""
    lines = [f"archive: {archive}", f"lock: {lock_state}"]
    per_section = session.execute(
        select(Article.section, func.count(Article.id), func.count(Article.removed_at))
        .group_by(Article.section)
        .order_by(Article.section)
    ).all()
    total = sum(count for _, count, _ in per_section)
    removed = sum(gone for _, _, gone in per_section)
    lines.append(f"articles: {total} ({removed} removed)")
    lines += [
        f"  {section:<24} {count:>7}  ({gone} removed)" for section, count, gone in per_section
    ]
    warned = session.scalar(
        select(func.count(Article.id)).where(
            (Article.title.is_(None)) | (Article.published_at.is_(None)) | (Article.body_text == "")
        )
    )
    lines.append(f"articles missing a title, date or body: {warned}")
    latest = recent_runs(session, runs)
    lines.append("")
    lines.append(f"last {len(latest)} runs (times UTC):")
    lines.append(
        "   id  started           finished          mode         outcome      requests    new  "
        "upd.  unchg.  rem.  fail.  coverage"
    )
    lines += [run_line(run) for run in latest]
    lines += [f"       {run.id}: {run.message}" for run in latest if run.message]
    return "\n".join(lines)


def history_report(article: Article, site_tz: ZoneInfo) -> str:
    """One article: metadata, its view-count series, removals, and revisions as diffs."""
    lines = [
        article.title or "(no title)",
        article.url,
        f"section: {article.section}",
        f"published: {_time(article.published_at, site_tz)} Moscow ({article.published_precision})",
        f"updated on the site: {_time(article.updated_at, site_tz)}",
        f"first seen: {_time(article.first_seen_at)} UTC, last fetched: "
        f"{_time(article.last_fetched_at)} UTC",
    ]
    if article.removed_at:
        lines.append(f"REMOVED from the site since {_time(article.removed_at)} UTC")
    lines.append("")
    lines.append(f"views ({len(article.view_observations)} observations, UTC):")
    lines += [f"  {_time(o.observed_at)}  {o.views:>8}" for o in article.view_observations]
    if article.events:
        lines.append("")
        lines.append("events (UTC):")
        lines += [f"  {_time(event.at)}  {event.kind}" for event in article.events]
    lines.append("")
    lines.append(f"revisions: {len(article.revisions)} earlier version(s)")
    versions = [(r.observed_at, r.title, r.body_text) for r in article.revisions]
    versions.append((article.last_changed_at, article.title, article.body_text))
    for (before_at, before_title, before_body), (after_at, after_title, after_body) in zip(
        versions, versions[1:], strict=False
    ):
        old = [f"# {before_title}", *before_body.split("\n")]
        new = [f"# {after_title}", *after_body.split("\n")]
        lines += difflib.unified_diff(
            old,
            new,
            fromfile=f"seen {_time(before_at)} UTC",
            tofile=f"seen {_time(after_at)} UTC",
            lineterm="",
        )
    return "\n".join(lines)
