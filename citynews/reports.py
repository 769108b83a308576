"""Text reports for people: the archive's status and one article's history."""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from archive.coverage import FIELDS, MIN_ARTICLES, MIN_SHARE, Coverage, Group, coverage
from archive.models import Article, CrawlRun
from archive.report_queries import (
    article_tallies,
    article_totals,
    count_viewed,
    failed_fetches,
    iter_most_viewed,
    requests_of_runs,
)
from archive.runs import COVERAGE_FIELDS, coverage_shares, recent_runs
from citynews.display import for_terminal, labelled_time, local_time, zone_name
from citynews.safety import hide_credentials
from citynews.tabular import write_csv, write_json_array
from exports.records import iso

if TYPE_CHECKING:  # the search's analyser loads only when a search runs
    from archive.search.query import Query
    from archive.search.running import Hit

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


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def run_cells(run: CrawlRun, requests: int, site_tz: ZoneInfo) -> list[str]:
    """One run's row."""
    shares = coverage_shares(run)
    coverage = " ".join(f"{name}={shares[name]:.0%}" for name in COVERAGE_FIELDS if shares)
    return [
        str(value)
        for value in (
            run.id,
            local_time(run.started_at, site_tz),
            local_time(run.finished_at, site_tz),
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


def status_report(
    session: Session, archive: str, lock_state: str, site_tz: ZoneInfo, runs: int = 10
) -> str:
    """Archive totals per section, field coverage, the lock, and the latest runs' health."""
    lines = [f"archive: {archive}", f"lock: {lock_state}"]
    totals = article_totals(session)
    lines.append(f"articles: {totals.articles} ({totals.removed} removed)")
    lines += [
        f"  {count.section:<24} {count.articles:>7}  ({count.removed} removed)"
        for count in totals.sections
    ]
    lines.append(f"articles missing a title, date or body: {totals.missing_basics}")
    lines.append("")
    lines += coverage_table(coverage(session, site_tz), site_tz)
    latest = recent_runs(session, runs)
    requests = requests_of_runs(session, latest)
    lines.append("")
    lines.append(f"last {_plural(len(latest), 'run')} (times {zone_name(site_tz)}):")
    header = [name for name, _ in RUN_COLUMNS]
    lines += aligned([header, *(run_cells(run, requests[run.id], site_tz) for run in latest)])
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


def run_data(run: CrawlRun, requests: int) -> dict[str, Any]:
    """One run as JSON-ready data."""
    return {
        "id": run.id,
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "mode": run.mode,
        "outcome": run.outcome,
        "requests": requests,
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

    totals = article_totals(session)
    latest = recent_runs(session, runs)
    requests = requests_of_runs(session, latest)
    revisit = revisit_coverage(session, now, revisit_days)
    return {
        "archive": archive,
        "lock": lock_holder,
        "articles": {
            "total": totals.articles,
            "removed": totals.removed,
            "missing_title_date_or_body": totals.missing_basics,
            "sections": [
                {"section": count.section, "articles": count.articles, "removed": count.removed}
                for count in totals.sections
            ],
        },
        "coverage": coverage_data(coverage(session, site_tz), site_tz),
        "runs": [run_data(run, requests[run.id]) for run in latest],
        "revisit": {
            "days": revisit_days,
            "online": revisit.online,
            "fetched_recently": revisit.fetched_recently,
            "share": round(revisit.share, 4),
            "oldest_fetch": _iso(revisit.oldest_fetch),
            "oldest_url": revisit.oldest_url,
        },
    }


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


def failed_urls_report(session: Session, site_tz: ZoneInfo) -> str:
    """The URLs whose latest fetch failed (not fetched successfully since), newest first."""
    failures = failed_fetches(session)
    if not failures:
        return "no failed URLs: every URL's latest fetch succeeded"
    lines = [
        f"{_plural(len(failures), 'URL')} whose latest fetch failed (times {zone_name(site_tz)}):"
    ]
    for fetch in failures:
        status = str(fetch.status) if fetch.status is not None else "-"
        error = hide_credentials(fetch.error or "")
        lines.append(
            f"  {local_time(fetch.fetched_at, site_tz)}  {status:>3}  {fetch.url}  {error}".rstrip()
        )
    return "\n".join(lines)


def history_report(article: Article, site_tz: ZoneInfo) -> str:
    """One article: metadata, its view-count series, removals, and revisions as diffs."""
    return "\n".join([*article_header(article, site_tz), "", *article_history(article, site_tz)])


def article_header(article: Article, site_tz: ZoneInfo) -> list[str]:
    """Title, URL, section, times and removal of an article."""
    precision = article.published_precision
    lines = [
        article.title or "(no title)",
        article.url,
        f"section: {article.section}",
        f"published: {labelled_time(article.published_at, site_tz, precision)} ({precision})",
        f"updated on the site: {labelled_time(article.updated_at, site_tz)}",
        f"first seen: {labelled_time(article.first_seen_at, site_tz)}, last fetched: "
        f"{labelled_time(article.last_fetched_at, site_tz)}",
    ]
    if article.removed_at:
        lines.append(f"REMOVED from the site since {labelled_time(article.removed_at, site_tz)}")
    return lines


def article_history(article: Article, site_tz: ZoneInfo) -> list[str]:
    """An article's view-count series, events, and revisions as unified diffs."""
    zone = zone_name(site_tz)
    observations = _plural(len(article.view_observations), "observation")
    lines = [f"views ({observations}, times {zone}):"]
    lines += [
        f"  {local_time(o.observed_at, site_tz)}  {o.views:>8}" for o in article.view_observations
    ]
    if article.events:
        lines.append("")
        lines.append(f"events (times {zone}):")
        lines += [f"  {local_time(event.at, site_tz)}  {event.kind}" for event in article.events]
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
            fromfile=f"seen {labelled_time(before_at, site_tz)}",
            tofile=f"seen {labelled_time(after_at, site_tz)}",
            lineterm="",
        )
    return lines


SEARCH_FIELDS = (
    "rank",
    "url",
    "section",
    "title",
    "published_at",
    "views",
    "snippet",
    "score",
    "matched_in",
    "document_url",
    "document_title",
    "document_page",
    "document_sheet",
    "document_member",
    "document_removed_at",
)
HIGHLIGHT = ("\033[1;33m", "\033[0m")


def search_row(rank: int, hit: Hit, query: Query, site_tz: ZoneInfo) -> dict[str, Any]:
    """One search hit as a plain record, its text as stored."""
    from citynews.snippets import snippet

    article = hit.article
    document = hit.document
    return {
        "rank": rank,
        "url": article.url,
        "section": article.section,
        "title": article.title,
        "published_at": iso(article.published_at, site_tz),
        "views": article.views,
        "snippet": snippet(_snippet_source(hit), query),
        "score": round(hit.score, 6),
        "matched_in": hit.matched_in,
        "document_url": document.url if document else None,
        "document_title": document.title if document else None,
        "document_page": document.page if document else None,
        "document_sheet": document.sheet if document else None,
        "document_member": document.member if document else None,
        "document_removed_at": document.removed_at.astimezone(site_tz).isoformat()
        if document and document.removed_at
        else None,
    }


def _snippet_source(hit: Hit) -> str:
    if hit.document is not None:
        return hit.document.text
    article = hit.article
    return article.body_text if article.body_text else (article.title or "")


def _document_line(hit: Hit, site_tz: ZoneInfo) -> list[str]:
    """Where in a document a hit matched (none when the article's own text matched)."""
    document = hit.document
    if document is None:
        return []
    where = [
        f"page {document.page}" if document.page is not None else "",
        f"sheet {document.sheet}" if document.sheet else "",
        f"file {document.member}" if document.member else "",
    ]
    removed = (
        f" (removed from the site {local_time(document.removed_at, site_tz, 'date')})"
        if document.removed_at
        else ""
    )
    place = ", ".join(part for part in where if part)
    title = document.title or "(untitled link)"
    line = f"in the document «{title}»{', ' + place if place else ''}: {document.url}{removed}"
    return [f"     {for_terminal(line)}"]


def search_table_entry(
    rank: int, hit: Hit, query: Query, site_tz: ZoneInfo, mark: tuple[str, str]
) -> str:
    """One hit as lines for people: title; time, section, views, URL; for a hit in a document,
    the document and the page (sheet, file) that matched; the snippet with its matching words
    marked (from that page, for a hit in a document)."""
    from citynews.snippets import snippet

    article = hit.article
    published = labelled_time(article.published_at, site_tz, article.published_precision)
    views = "-" if article.views is None else article.views
    meta = f"{published} · {article.section} · {views} views · {article.url}"
    return "\n".join(
        [
            f"{rank:>3}. {for_terminal(article.title or '(no title)')}",
            f"     {for_terminal(meta)}",
            *_document_line(hit, site_tz),
            f"     {snippet(for_terminal(_snippet_source(hit)), query, mark=mark)}",
        ]
    )


def write_search_results(
    stream: TextIO, hits: Iterable[Hit], query: Query, fmt: str, site_tz: ZoneInfo, terminal: bool
) -> int:
    """Write search hits as they come, and return how many: a table for people (highlighted on
    a terminal), one JSON array, or CSV written like export's (UTF-8 with a BOM, CRLF lines)."""
    ranked = enumerate(hits, start=1)
    if fmt == "json":
        return write_json_array(
            stream, (search_row(rank, hit, query, site_tz) for rank, hit in ranked)
        )
    if fmt == "csv":
        rows = (search_row(rank, hit, query, site_tz) for rank, hit in ranked)
        return write_csv(stream, SEARCH_FIELDS, rows)
    mark = HIGHLIGHT if terminal else ("", "")
    count = 0
    for rank, hit in ranked:
        print(search_table_entry(rank, hit, query, site_tz, mark), file=stream)
        count = rank
    if not count:
        print(for_terminal(f"no articles match {query.text!r}"), file=stream)
    return count


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
        lines += article_history(article, site_tz)
    return "\n".join(lines)


NO_DATE = "(no date)"


def stats_lines(
    session: Session,
    by: str,
    since: datetime | None,
    until: datetime | None,
    top: int | None,
    site_tz: ZoneInfo,
) -> Iterator[str]:
    """Counts and view totals per section, month or year, then the `top` most viewed articles
    (None: all), line by line: the articles are streamed, so memory stays flat."""
    groups, total = article_tallies(session, by, site_tz, since, until)
    labelled = {NO_DATE if key is None else key: tally for key, tally in groups.items()}
    yield f"{by:<24} {'articles':>9} {'views':>12}"
    yield from (
        f"{key:<24} {tally.articles:>9} {tally.views:>12}"
        for key, tally in sorted(labelled.items(), key=lambda item: item[0])
    )
    yield f"{'total':<24} {total.articles:>9} {total.views:>12}"
    viewed = count_viewed(session, since, until)
    listed = min(viewed, top) if top is not None else viewed
    yield ""
    yield f"most viewed ({listed}): publication days in {zone_name(site_tz)}"
    for article in iter_most_viewed(session, listed, since, until):
        yield (
            f"{article.views:>8}  {local_time(article.published_at, site_tz, 'date')}  "
            f"{article.title}  {article.url}"
        )


def revisit_status(session: Session, now: datetime, revisit_days: int, site_tz: ZoneInfo) -> str:
    """The rolling revisit's coverage: how much was read within D days, and the oldest read."""
    from archive.revisit import revisit_coverage

    coverage = revisit_coverage(session, now, revisit_days)
    if not coverage.online:
        return "revisit coverage: no online articles"
    return (
        f"revisit coverage: {coverage.share:.0%} of {coverage.online} online articles fetched "
        f"within the last {revisit_days} days ({coverage.fetched_recently})\n"
        f"oldest last fetch: {labelled_time(coverage.oldest_fetch, site_tz)}  {coverage.oldest_url}"
    )
