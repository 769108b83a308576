"""Text reports for people: the archive's status and one article's history."""

from __future__ import annotations

import difflib
import itertools
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.coverage import FIELDS, MIN_ARTICLES, MIN_SHARE, Coverage, Group, coverage
from archive.models import Article, CrawlRun, Fetch
from archive.runs import COVERAGE_FIELDS, coverage_shares, recent_runs
from citynews.safety import hide_credentials

if TYPE_CHECKING:  # the search's analyser loads only when a search runs
    from archive.search import Hit, Query

RUN_COLUMNS = (
    ("id", ">"),
    ("started", "<"),
    ("finished", "<"),
    ("mode", "<"),
    ("outcome", "<"),
    ("requests", ">"),
    ("new", ">"),
    ("upd.", ">"),
    ("unchg.", ">"),
    ("rem.", ">"),
    ("fail.", ">"),
    ("coverage", "<"),
)


def _time(moment: datetime | None, tz: ZoneInfo | None = None) -> str:
    if moment is None:
        return "-"
    return (moment.astimezone(tz) if tz else moment).strftime("%Y-%m-%d %H:%M")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def run_cells(run: CrawlRun, fetched: int) -> list[str]:
    """One run's row: a run still going or killed counts the requests it recorded."""
    shares = coverage_shares(run)
    coverage = " ".join(f"{name}={shares[name]:.0%}" for name in COVERAGE_FIELDS if shares)
    requests = run.requests if run.outcome not in ("running", "killed") else fetched
    return [
        str(value)
        for value in (
            run.id,
            _time(run.started_at),
            _time(run.finished_at),
            run.mode,
            run.outcome,
            requests,
            run.articles_new,
            run.articles_updated,
            run.articles_unchanged,
            run.articles_removed,
            run.fetch_failures,
            coverage or "-",
        )
    ]


def aligned(rows: list[list[str]]) -> list[str]:
    """Rows as lines whose columns line up, numbers to the right."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(RUN_COLUMNS))]
    aligns = [align for _, align in RUN_COLUMNS]
    return [
        "  ".join(
            f"{cell:{align}{width}}" for cell, align, width in zip(row, aligns, widths, strict=True)
        ).rstrip()
        for row in rows
    ]


def fetches_per_run(session: Session, run_ids: list[int]) -> dict[int, int]:
    """How many requests each run recorded in fetches."""
    rows = session.execute(
        select(Fetch.crawl_run_id, func.count(Fetch.id))
        .where(Fetch.crawl_run_id.in_(run_ids))
        .group_by(Fetch.crawl_run_id)
    )
    return {run_id: count for run_id, count in rows if run_id is not None}


def section_counts(session: Session) -> list[tuple[str, int, int]]:
    """(section, articles, removed) of each section, in section order."""
    rows = session.execute(
        select(Article.section, func.count(Article.id), func.count(Article.removed_at))
        .group_by(Article.section)
        .order_by(Article.section)
    )
    return [(section, count, removed) for section, count, removed in rows]


def missing_basics(session: Session) -> int:
    """How many articles lack a title, a publication date or a body."""
    return (
        session.scalar(
            select(func.count(Article.id)).where(
                (Article.title.is_(None))
                | (Article.published_at.is_(None))
                | (Article.body_text == "")
            )
        )
        or 0
    )


def status_report(
    session: Session, archive: str, lock_state: str, site_tz: ZoneInfo, runs: int = 10
) -> str:
    """Archive totals per section, field coverage, the lock, and the latest runs' health."""
    lines = [f"archive: {archive}", f"lock: {lock_state}"]
    per_section = section_counts(session)
    total = sum(count for _, count, _ in per_section)
    removed = sum(gone for _, _, gone in per_section)
    lines.append(f"articles: {total} ({removed} removed)")
    lines += [
        f"  {section:<24} {count:>7}  ({gone} removed)" for section, count, gone in per_section
    ]
    lines.append(f"articles missing a title, date or body: {missing_basics(session)}")
    lines.append("")
    lines += coverage_table(coverage(session, site_tz), site_tz)
    latest = recent_runs(session, runs)
    unfinished = [run.id for run in latest if run.outcome in ("running", "killed")]
    fetched = fetches_per_run(session, unfinished) if unfinished else {}
    lines.append("")
    lines.append(f"last {_plural(len(latest), 'run')} (times UTC):")
    header = [name for name, _ in RUN_COLUMNS]
    lines += aligned([header, *(run_cells(run, fetched.get(run.id, 0)) for run in latest)])
    lines += [f"  run {run.id}: {hide_credentials(run.message)}" for run in latest if run.message]
    return "\n".join(lines)


COVERAGE_LABELS = {
    "published_minute": "minute",
    "views": "views",
    "body": "body",
    "updated": "updated",
}


def coverage_cell(group: Group, name: str, low: bool) -> str:
    """A share in a coverage table: 100%, or 0%* where the group lacks a field its section has."""
    return f"{group.share(name):.0%}{'*' if low else ' '}"


def coverage_table(found: Coverage, site_tz: ZoneInfo) -> list[str]:
    """Field coverage by publication year and section, low cells marked, then each section."""
    if not found.groups:
        return ["field coverage: no articles"]
    lines = [
        f"field coverage by publication year ({site_tz.key}) and section",
        "(minute: the publication time is known to the minute; * under "
        f"{MIN_SHARE:.0%} in a year of {MIN_ARTICLES}+ articles, while the section has the field)",
    ]
    header = ["year", "section", "articles", *COVERAGE_LABELS.values()]
    rows = [
        [
            str(group.year) if group.year is not None else "-",
            group.section,
            str(group.articles),
            *(coverage_cell(group, name, found.is_low(group, name)) for name in FIELDS),
        ]
        for group in found.groups
    ]
    rows += [
        [
            "all",
            section,
            str(total.articles),
            *(coverage_cell(total, name, False) for name in FIELDS),
        ]
        for section, total in found.sections.items()
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        cells = [f"{row[0]:<{widths[0]}}", f"{row[1]:<{widths[1]}}"]
        cells += [f"{cell:>{width}}" for cell, width in zip(row[2:], widths[2:], strict=True)]
        lines.append("  " + "  ".join(cells).rstrip())
    return lines


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def coverage_data(found: Coverage, site_tz: ZoneInfo) -> dict[str, Any]:
    """Field coverage as JSON-ready data (the shape `status --format json` documents)."""

    def counts(group: Group) -> dict[str, Any]:
        return {
            "articles": group.articles,
            "present": dict(group.present),
            "share": {name: round(group.share(name), 4) for name in FIELDS},
        }

    return {
        "fields": list(FIELDS),
        "timezone": site_tz.key,
        "min_share": MIN_SHARE,
        "min_articles": MIN_ARTICLES,
        "sections": [
            {"section": section, **counts(total), "has": list(found.section_fields[section])}
            for section, total in found.sections.items()
        ],
        "groups": [
            {
                "year": group.year,
                "section": group.section,
                **counts(group),
                "low": [name for name in FIELDS if found.is_low(group, name)],
            }
            for group in found.groups
        ],
    }


def run_data(run: CrawlRun, fetched: int) -> dict[str, Any]:
    """One run as JSON-ready data."""
    return {
        "id": run.id,
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "mode": run.mode,
        "outcome": run.outcome,
        "requests": run.requests if run.outcome not in ("running", "killed") else fetched,
        "new": run.articles_new,
        "updated": run.articles_updated,
        "unchanged": run.articles_unchanged,
        "removed": run.articles_removed,
        "failed": run.fetch_failures,
        "coverage": {name: round(share, 4) for name, share in coverage_shares(run).items()},
        "message": hide_credentials(run.message) if run.message else None,
    }


def status_data(
    session: Session,
    archive: str,
    lock_holder: str | None,
    site_tz: ZoneInfo,
    runs: int,
    now: datetime,
    revisit_days: int,
) -> dict[str, Any]:
    """Everything `status` shows, as JSON-ready data for monitors."""
    from archive.revisit import revisit_coverage

    per_section = section_counts(session)
    latest = recent_runs(session, runs)
    unfinished = [run.id for run in latest if run.outcome in ("running", "killed")]
    fetched = fetches_per_run(session, unfinished) if unfinished else {}
    revisit = revisit_coverage(session, now, revisit_days)
    return {
        "archive": archive,
        "lock": lock_holder,
        "articles": {
            "total": sum(count for _, count, _ in per_section),
            "removed": sum(gone for _, _, gone in per_section),
            "missing_title_date_or_body": missing_basics(session),
            "sections": [
                {"section": section, "articles": count, "removed": gone}
                for section, count, gone in per_section
            ],
        },
        "coverage": coverage_data(coverage(session, site_tz), site_tz),
        "runs": [run_data(run, fetched.get(run.id, 0)) for run in latest],
        "revisit": {
            "days": revisit_days,
            "online": revisit.online,
            "fetched_recently": revisit.fetched_recently,
            "share": round(revisit.share, 4),
            "oldest_fetch": _iso(revisit.oldest_fetch),
            "oldest_url": revisit.oldest_url,
        },
    }


def failed_fetches(session: Session) -> list[Fetch]:
    """The fetches of URLs whose latest fetch failed (not fetched successfully since), newest
    first."""
    latest = (
        select(func.max(Fetch.id).label("id"))
        .where(Fetch.ignored.is_(False))
        .group_by(Fetch.url)
        .subquery()
    )
    return list(
        session.scalars(
            select(Fetch)
            .join(latest, Fetch.id == latest.c.id)
            .where(Fetch.ok.is_(False))
            .order_by(Fetch.fetched_at.desc(), Fetch.id.desc())
        )
    )


def failed_urls_data(session: Session) -> dict[str, Any]:
    """The failed URLs as JSON-ready data."""
    return {
        "failed": [
            {
                "url": fetch.url,
                "fetched_at": _iso(fetch.fetched_at),
                "status": fetch.status,
                "error": hide_credentials(fetch.error) if fetch.error else None,
            }
            for fetch in failed_fetches(session)
        ]
    }


def failed_urls_report(session: Session) -> str:
    """The URLs whose latest fetch failed (not fetched successfully since), newest first."""
    failures = failed_fetches(session)
    if not failures:
        return "no failed URLs: every URL's latest fetch succeeded"
    lines = [f"{_plural(len(failures), 'URL')} whose latest fetch failed (times UTC):"]
    for fetch in failures:
        status = str(fetch.status) if fetch.status is not None else "-"
        error = hide_credentials(fetch.error or "")
        lines.append(f"  {_time(fetch.fetched_at)}  {status:>3}  {fetch.url}  {error}".rstrip())
    return "\n".join(lines)


def history_report(article: Article, site_tz: ZoneInfo) -> str:
    """One article: metadata, its view-count series, removals, and revisions as diffs."""
    return "\n".join([*article_header(article, site_tz), "", *article_history(article)])


def article_header(article: Article, site_tz: ZoneInfo) -> list[str]:
    """Title, URL, section, times and removal of an article."""
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
    return lines


def article_history(article: Article) -> list[str]:
    """An article's view-count series, events, and revisions as unified diffs."""
    lines = [f"views ({_plural(len(article.view_observations), 'observation')}, UTC):"]
    lines += [f"  {_time(o.observed_at)}  {o.views:>8}" for o in article.view_observations]
    if article.events:
        lines.append("")
        lines.append("events (UTC):")
        lines += [f"  {_time(event.at)}  {event.kind}" for event in article.events]
    lines.append("")
    lines.append(f"revisions: {len(article.revisions)} earlier version(s)")
    versions = [(r.observed_at, r.title, r.body_text) for r in article.revisions]
    versions.append((article.last_changed_at, article.title, article.body_text))
    for (before_at, before_title, before_body), (
        after_at,
        after_title,
        after_body,
    ) in itertools.pairwise(versions):
        old = [f"# {before_title}", *before_body.split("\n")]
        new = [f"# {after_title}", *after_body.split("\n")]
        lines += difflib.unified_diff(
            old,
            new,
            fromfile=f"seen {_time(before_at)} UTC",
            tofile=f"seen {_time(after_at)} UTC",
            lineterm="",
        )
    return lines


SEARCH_FIELDS = ("rank", "url", "section", "title", "published_at", "views", "snippet", "score")
HIGHLIGHT = ("\033[1;33m", "\033[0m")


def search_rows(
    hits: list[Hit], query: Query, site_tz: ZoneInfo, mark: tuple[str, str]
) -> list[dict[str, Any]]:
    """Search hits as plain records, best first."""
    from archive.search import snippet

    rows: list[dict[str, Any]] = []
    for position, hit in enumerate(hits, start=1):
        article = hit.article
        source = article.body_text if article.body_text else (article.title or "")
        rows.append(
            {
                "rank": position,
                "url": article.url,
                "section": article.section,
                "title": article.title,
                "published_at": article.published_at.astimezone(site_tz).isoformat()
                if article.published_at
                else None,
                "views": article.views,
                "snippet": snippet(source, query, mark=mark),
                "score": round(hit.score, 6),
            }
        )
    return rows


def search_results(
    hits: list[Hit], query: Query, fmt: str, site_tz: ZoneInfo, terminal: bool
) -> str:
    """Search results as a table (highlighted on a terminal), JSON or CSV (CRLF lines, no BOM)."""
    import json

    from exports.writers import csv_line

    mark = HIGHLIGHT if fmt == "table" and terminal else ("", "")
    rows = search_rows(hits, query, site_tz, mark)
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2)
    if fmt == "csv":
        table = [SEARCH_FIELDS, *([row[name] for name in SEARCH_FIELDS] for row in rows)]
        return "".join(csv_line(line) for line in table)
    if not rows:
        return f"no articles match {query.text!r}"
    lines = []
    for row in rows:
        published = (row["published_at"] or "-")[:16].replace("T", " ")
        views = "-" if row["views"] is None else row["views"]
        lines.append(f"{row['rank']:>3}. {row['title']}")
        lines.append(f"     {published} · {row['section']} · {views} views · {row['url']}")
        lines.append(f"     {row['snippet']}")
    return "\n".join(lines)


def write_search_results(stream: TextIO, results: str, fmt: str) -> None:
    """Print search results; CSV goes out as export writes it: UTF-8 with a BOM, CRLF lines."""
    if fmt != "csv":
        print(results, file=stream)
        return
    from exports.writers import CSV_ENCODING

    stream.flush()
    stream.buffer.write(results.encode(CSV_ENCODING))
    stream.buffer.flush()


def article_report(article: Article, site_tz: ZoneInfo) -> str:
    """One article for reading: metadata, text, images, attachments, and its history."""
    lines = [*article_header(article, site_tz), ""]
    lines.append(f"views: {article.views if article.views is not None else '-'}")
    lines.append("")
    lines.append(article.body_text or "(no text)")
    if article.images:
        lines.append("")
        lines.append("images:")
        lines += [f"  {url}" for url in article.images]
    if article.attachments:
        lines.append("")
        lines.append("attachments:")
        lines += [f"  {item['title']}: {item['url']}" for item in article.attachments]
    if len(article.view_observations) > 1 or article.revisions or article.events:
        lines.append("")
        lines.append("history:")
        lines += article_history(article)
    return "\n".join(lines)


def stats_report(  # type: ignore[no-untyped-def]
    session: Session, by: str, since, until, top: int, site_tz: ZoneInfo
) -> str:
    """Counts and view totals per section, month or year, and the most viewed articles."""
    filters = []
    if since:
        filters.append(Article.published_at >= since)
    if until:
        filters.append(Article.published_at < until)
    rows = session.execute(
        select(Article.section, Article.published_at, Article.views).where(*filters)
    ).all()
    groups: dict[str, list[int]] = {}
    for section, published_at, views in rows:
        if by == "section":
            key = section
        elif published_at is None:
            key = "(no date)"
        else:
            local = published_at.astimezone(site_tz)
            key = f"{local:%Y-%m}" if by == "month" else f"{local:%Y}"
        counts = groups.setdefault(key, [0, 0])
        counts[0] += 1
        counts[1] += views or 0
    lines = [f"{by:<24} {'articles':>9} {'views':>12}"]
    lines += [f"{key:<24} {n:>9} {v:>12}" for key, (n, v) in sorted(groups.items())]
    lines.append(f"{'total':<24} {len(rows):>9} {sum(v or 0 for *_, v in rows):>12}")
    most_viewed = session.scalars(
        select(Article)
        .where(Article.views.is_not(None), *filters)
        .order_by(Article.views.desc(), Article.id)
        .limit(top)
    ).all()
    lines.append("")
    lines.append(f"most viewed ({len(most_viewed)}):")
    lines += [
        f"{article.views:>8}  {_time(article.published_at, site_tz)[:10]}  {article.title}"
        f"  {article.url}"
        for article in most_viewed
    ]
    return "\n".join(lines)


def revisit_status(session: Session, now: datetime, revisit_days: int) -> str:
    """The rolling revisit's coverage: how much was read within D days, and the oldest read."""
    from archive.revisit import revisit_coverage

    coverage = revisit_coverage(session, now, revisit_days)
    if not coverage.online:
        return "revisit coverage: no online articles"
    return (
        f"revisit coverage: {coverage.share:.0%} of {coverage.online} online articles fetched "
        f"within the last {revisit_days} days ({coverage.fetched_recently})\n"
        f"oldest last fetch: {_time(coverage.oldest_fetch)} UTC  {coverage.oldest_url}"
    )
