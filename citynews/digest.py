"""A digest of a period as one self-contained HTML file: inline CSS, inline SVG charts, no script.

Every article named in it links to the article on the site; so do the lines of the views chart.
"""

import os
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from archive import digest_queries as queries
from archive.digest_queries import ArticleLine, Edit, Event, Published, ViewChange
from archive.document_queries import PeriodDocument, new_documents, removed_documents
from archive.models import Article
from archive.watches import diff_lines
from citynews.charts import (
    Series,
    article_name,
    history_chart,
    publications_chart,
    svg_file_text,
    views_chart,
)
from citynews.display import for_terminal, zone_name
from citynews.document_views import file_size
from exports.writers import temporary_beside

TOP = 10
CHARTED = 5
OPEN_LIST_MAX = 30

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; color: #1d1d1f; margin: 2em auto; max-width: 64em;
       padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
.lead, .note, .empty { color: #555; } .empty { font-style: italic; }
table { border-collapse: collapse; } td, th { padding: .2em .6em; text-align: left; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td.d, td.n { white-space: nowrap; }
tr:nth-child(even) td { background: #f6f6f8; }
a { color: #0645ad; overflow-wrap: anywhere; }
figure.chart { margin: 1em 0; } .chart svg { width: 100%; height: auto; }
pre.diff { background: #fafafa; border: 1px solid #e5e5e5; padding: .6em; white-space: pre-wrap; }
.add { background: #e6ffec; display: block; } .del { background: #ffebe9; display: block; }
.hunk { color: #888; display: block; }
.removed { color: #b00020; } .restored { color: #1b7f3b; }
"""


@dataclass
class Digest:
    """Everything the report shows of a period [since, until)."""

    since: datetime
    until: datetime
    archive_articles: int
    new: list[Published]
    gained: list[ViewChange]
    totals: list[ViewChange]
    series: dict[int, list[tuple[datetime, int]]]
    edits: list[Edit]
    events: list[Event]
    new_documents: list[PeriodDocument]
    removed_documents: list[PeriodDocument]

    @property
    def is_empty(self) -> bool:
        """Whether nothing was published, read, edited, kept or removed in the period."""
        return not (
            self.new
            or self.totals
            or self.edits
            or self.events
            or self.new_documents
            or self.removed_documents
        )


def gather(session: Session, since: datetime, until: datetime) -> Digest:
    """Read what the digest of a period shows."""
    gained = queries.biggest_growth(session, since, until, TOP)
    totals = queries.most_viewed(session, since, until, TOP)
    charted = [change.article.id for change in _charted(gained, totals)]
    return Digest(
        since=since,
        until=until,
        archive_articles=queries.archive_size(session),
        new=queries.new_articles(session, since, until),
        gained=gained,
        totals=totals,
        series=queries.view_series(session, charted, since, until) if charted else {},
        edits=queries.edits(session, since, until),
        events=queries.events(session, since, until),
        new_documents=new_documents(session, since, until),
        removed_documents=removed_documents(session, since, until),
    )


def _charted(gained: list[ViewChange], totals: list[ViewChange]) -> list[ViewChange]:
    """The articles the views chart draws: those that gained most, else the highest totals."""
    return (gained or totals)[:CHARTED]


def write_digest(
    session: Session, since: datetime, until: datetime, out: Path, site_tz: ZoneInfo
) -> Digest:
    """Write the digest of a period to out, atomically."""
    digest = gather(session, since, until)
    _write_atomically(out, render(digest, site_tz))
    return digest


def write_history_chart(article: Article, out: Path, site_tz: ZoneInfo) -> None:
    """Write one article's views-over-time chart as an SVG file."""
    points = [(o.observed_at.astimezone(site_tz), o.views) for o in article.view_observations]
    first, last = _minute(points[0][0], site_tz), _minute(points[-1][0], site_tz)
    if last[:10] == first[:10]:
        last = last[11:]
    readings = (
        f"one reading so far, {first}"
        if len(points) == 1
        else f"{len(points)} readings, {first} – {last}"
    )
    chart = history_chart(
        Series(article.title, article.url, points),
        f"Views as read by the crawler ({zone_name(site_tz)}): {readings}",
    )
    _write_atomically(out, svg_file_text(chart))


def _write_atomically(out: Path, text: str) -> None:
    """Write a whole file, or leave what was there untouched."""
    with temporary_beside(out) as (handle, temporary):
        with open(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, out)


# Rendering


def _day(moment: datetime | None, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d") if moment else "-"


def _minute(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def link(article: ArticleLine) -> str:
    """An article's title, linked to the article on the site."""
    title = for_terminal(article_name(article.title, article.url))
    return f'<a href="{escape(article.url)}">{escape(title)}</a>'


def _number(value: int | None) -> str:
    return "-" if value is None else f"{value:,}".replace(",", "\u202f")


def render(digest: Digest, site_tz: ZoneInfo) -> str:
    """The digest as one HTML document."""
    period = _period(digest, site_tz)
    parts = [
        f"<h1>smoladmin.ru digest, {period}</h1>",
        f'<p class="lead">Days in {zone_name(site_tz)} time, both inclusive. The archive holds '
        f"{_archive_size(digest.archive_articles)}.</p>",
        *_notices(digest),
        *_new_articles(digest, site_tz),
        *_views(digest, site_tz),
        *_edits(digest, site_tz),
        *_events(digest, site_tz),
        *_documents(digest, site_tz),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="ru">\n<head>\n<meta charset="utf-8">\n'
        f"<title>smoladmin.ru digest, {period}</title>\n<style>{STYLE}</style>\n</head>\n"
        "<body>\n" + "\n".join(parts) + "\n</body>\n</html>\n"
    )


def _archive_size(count: int) -> str:
    return "a single article" if count == 1 else f"{_number(count)} articles"


def _notices(digest: Digest) -> list[str]:
    notices = []
    if digest.archive_articles == 0:
        notices.append("The archive is empty: crawl the site first (<code>citynews crawl</code>).")
    elif digest.archive_articles == 1:
        notices.append("The archive holds a single article, so there is little to compare.")
    if digest.is_empty:
        notices.append(
            "Nothing happened in this period: no article was published, read, edited or "
            "removed, no document kept or removed."
        )
    return [f'<p class="note"><strong>{text}</strong></p>' for text in notices]


def _empty(text: str) -> str:
    return f'<p class="empty">{text}</p>'


def _days(digest: Digest, site_tz: ZoneInfo) -> tuple[date, date]:
    """The first and the last day of the period, in the site's zone."""
    first = digest.since.astimezone(site_tz).date()
    return first, (digest.until.astimezone(site_tz) - timedelta(microseconds=1)).date()


def _period(digest: Digest, site_tz: ZoneInfo) -> str:
    first, last = _days(digest, site_tz)
    return f"{first:%Y-%m-%d} – {last:%Y-%m-%d}"


def _read_views(views: int | None, read_at: datetime | None, site_tz: ZoneInfo) -> str:
    """A view count with the day it was read, or nothing when none was read."""
    if views is None or read_at is None:
        return ""
    return f" ({_number(views)} views, read {_day(read_at, site_tz)})"


def _new_articles(digest: Digest, site_tz: ZoneInfo) -> list[str]:
    period = _period(digest, site_tz)
    parts = [f"<h2>New articles, published {period}</h2>"]
    if not digest.new:
        return [*parts, _empty("No articles were published in this period.")]
    by_section: dict[str, list[Published]] = defaultdict(list)
    daily: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for item in digest.new:
        by_section[item.article.section].append(item)
        assert item.article.published_at is not None
        daily[item.article.section][item.article.published_at.astimezone(site_tz).date()] += 1
    parts.append(
        f"<p>{_number(len(digest.new))} articles published, in {len(by_section)} section(s). "
        "Views beside an article: its last count read by the end of the period.</p>"
    )
    parts.append('<table><tr><th>section</th><th class="n">new articles</th></tr>')
    parts += [
        f'<tr><td>{escape(section)}</td><td class="n">{len(items)}</td></tr>'
        for section, items in sorted(by_section.items())
    ]
    parts.append("</table>")
    first, last = _days(digest, site_tz)
    chart = publications_chart(
        {section: dict(counts) for section, counts in daily.items()},
        first,
        last,
        period,
        f"days in {zone_name(site_tz)}, stacked by section",
    )
    parts.append(f'<figure class="chart" id="publications-chart">{chart}</figure>')
    for section, items in sorted(by_section.items()):
        opened = " open" if len(items) <= OPEN_LIST_MAX else ""
        parts.append(f"<details{opened}><summary>{escape(section)}: {len(items)}</summary><ul>")
        parts += [
            f"<li>{_day(item.article.published_at, site_tz)} {link(item.article)}"
            f"{_read_views(item.views, item.read_at, site_tz)}</li>"
            for item in items
        ]
        parts.append("</ul></details>")
    return parts


def _day_cell(moment: datetime | None, site_tz: ZoneInfo) -> str:
    return f'<td class="d">{_day(moment, site_tz)}</td>'


def _gained_table(changes: list[ViewChange], site_tz: ZoneInfo) -> list[str]:
    rows = [
        '<table><tr><th>article</th><th>published</th><th>first reading</th><th class="n">views'
        '</th><th>last reading</th><th class="n">views</th><th class="n">gained</th></tr>'
    ]
    rows += [
        f"<tr><td>{link(c.article)}</td>{_day_cell(c.article.published_at, site_tz)}"
        f'{_day_cell(c.start_at, site_tz)}<td class="n">{_number(c.start_views)}</td>'
        f'{_day_cell(c.end_at, site_tz)}<td class="n">{_number(c.end_views)}</td>'
        f'<td class="n">+{_number(c.growth)}</td></tr>'
        for c in changes
    ]
    rows.append("</table>")
    return rows


def _totals_table(changes: list[ViewChange], site_tz: ZoneInfo) -> list[str]:
    rows = [
        '<table><tr><th>article</th><th>published</th><th class="n">views, all-time</th>'
        "<th>read</th></tr>"
    ]
    rows += [
        f"<tr><td>{link(c.article)}</td>{_day_cell(c.article.published_at, site_tz)}"
        f'<td class="n">{_number(c.end_views)}</td>{_day_cell(c.end_at, site_tz)}</tr>'
        for c in changes
    ]
    rows.append("</table>")
    return rows


def _views(digest: Digest, site_tz: ZoneInfo) -> list[str]:
    period = _period(digest, site_tz)
    parts = [f"<h2>Views, {period}</h2>"]
    if not digest.totals:
        return [*parts, _empty("The crawler read no view counts in this period.")]
    parts.append(
        '<p class="lead">The site counts the views of each article; the crawler reads the count '
        "each time it fetches the article.</p>"
    )
    parts.append(f"<h3>Most viewed in the period: views gained, {period}</h3>")
    if digest.gained:
        parts.append(
            '<p class="note">From the last reading before the period (else the first in it) to '
            "the last reading in it. Articles that gained no views are left out.</p>"
        )
        parts += _gained_table(digest.gained, site_tz)
    else:
        parts.append(_empty("No article gained views between two readings in this period."))
    parts.append("<h3>Highest view counts: all-time totals, as last read in the period</h3>")
    parts += _totals_table(digest.totals, site_tz)
    charted = _charted(digest.gained, digest.totals)
    series = [
        Series(
            change.article.title,
            change.article.url,
            [(at.astimezone(site_tz), views) for at, views in digest.series[change.article.id]],
        )
        for change in charted
    ]
    which = "that gained most" if digest.gained else "with the highest totals"
    earlier = any(at < digest.since for item in series for at, _ in item.points)
    chart = views_chart(
        series,
        f"Views of the {len(series)} article(s) {which}, {period}",
        f"each dot a reading by the crawler, days in {zone_name(site_tz)}"
        + ("; a line from the left edge comes from a reading before the period" if earlier else ""),
        digest.since.astimezone(site_tz),
        digest.until.astimezone(site_tz),
    )
    parts.append(f'<figure class="chart" id="views-chart">{chart}</figure>')
    return parts


def _diff(edit: Edit) -> str:
    lines = []
    for line in diff_lines(edit.before_title, edit.before_body, edit.after_title, edit.after_body):
        kind = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1])
        text = escape(for_terminal(line))
        lines.append(f'<span class="{kind}">{text}</span>' if kind else text + "\n")
    return '<pre class="diff">' + "".join(lines) + "</pre>"


def _edits(digest: Digest, site_tz: ZoneInfo) -> list[str]:
    parts = [f"<h2>Edited articles, seen {_period(digest, site_tz)}</h2>"]
    if not digest.edits:
        return [*parts, _empty("No article was seen edited in this period.")]
    parts.append(
        f"<p>{len(digest.edits)} edit(s) of title or text, with the time the crawler saw each "
        f"({zone_name(site_tz)}).</p>"
    )
    for edit in digest.edits:
        parts.append(
            f'<section class="edit"><h3>{link(edit.article)}</h3>'
            f'<p class="note">seen {_minute(edit.at, site_tz)}, published '
            f"{_day(edit.article.published_at, site_tz)}</p>{_diff(edit)}</section>"
        )
    return parts


def _events(digest: Digest, site_tz: ZoneInfo) -> list[str]:
    parts = [f"<h2>Removed and restored articles, found {_period(digest, site_tz)}</h2>"]
    if not digest.events:
        return [*parts, _empty("No article was found removed or restored in this period.")]
    parts.append("<ul>")
    for event in digest.events:
        status = f" (HTTP {event.status})" if event.status else ""
        parts.append(
            f'<li class="{escape(event.kind)}">{_minute(event.at, site_tz)} '
            f"<strong>{escape(event.kind)}</strong>{status}: {link(event.article)}, "
            f"published {_day(event.article.published_at, site_tz)}</li>"
        )
    parts.append("</ul>")
    return parts


def _web_link(url: str, text: str) -> str:
    """Text linked to a web address; only the text for anything but http(s)."""
    shown = escape(for_terminal(text))
    if not url.startswith(("https://", "http://")):
        return shown
    return f'<a href="{escape(url)}">{shown}</a>'


def _document_item(document: PeriodDocument, site_tz: ZoneInfo) -> str:
    """A document, linked, with what it is and the articles that link it."""
    names = dict.fromkeys(article.link_title for article in document.articles if article.link_title)
    facts = ", ".join(
        fact for fact in (document.kind or "-", file_size(document.size)) if fact != "-"
    )
    articles = "; ".join(
        _web_link(article.url, article.title or article.url) for article in document.articles
    )
    linked_from = f" — in {articles}" if articles else ""
    return (
        f"<li>{_minute(document.at, site_tz)} "
        f"{_web_link(document.url, ' / '.join(names) or document.url)}"
        f"{f' ({escape(facts)})' if facts else ''}{linked_from}</li>"
    )


def _document_list(
    documents: list[PeriodDocument], what: str, lead: str, site_tz: ZoneInfo
) -> list[str]:
    """A list of documents, folded away when it is long (as the new articles are)."""
    opened = " open" if len(documents) <= OPEN_LIST_MAX else ""
    return [
        f"<p>{_number(len(documents))} document(s) {lead}</p>",
        f"<details{opened}><summary>{what}: {len(documents)}</summary><ul>",
        *(_document_item(document, site_tz) for document in documents),
        "</ul></details>",
    ]


def _documents(digest: Digest, site_tz: ZoneInfo) -> list[str]:
    parts = [f"<h2>Documents, {_period(digest, site_tz)}</h2>", "<h3>New documents</h3>"]
    if digest.new_documents:
        lead = (
            f"kept for the first time, with the time the crawler kept each ({zone_name(site_tz)})."
        )
        parts += _document_list(digest.new_documents, "new documents", lead, site_tz)
    else:
        parts.append(_empty("No document was kept for the first time in this period."))
    parts.append("<h3>Removed documents</h3>")
    if digest.removed_documents:
        lead = "the site stopped serving (404/410); the archive keeps their files."
        parts += _document_list(digest.removed_documents, "removed documents", lead, site_tz)
    else:
        parts.append(_empty("No document was found removed in this period."))
    return parts
