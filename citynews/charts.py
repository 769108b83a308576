"""Charts drawn by matplotlib as standalone SVG text (no display, no network, no pyplot state).

Text from the archive is drawn as it is: never read as matplotlib's math (a `$` is a dollar).

Times come in the site's zone and are drawn as they read there. The axes are chosen here, not
left to matplotlib's automatic limits: the time axis spans the period asked for (or the readings
with a margin), its ticks are whole days, weeks, months or years, and the count axis has round
ticks around the real counts.
"""

import io
import math
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import unquote

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import FixedLocator

from citynews.display import for_terminal

SVG_SETTINGS = {
    "svg.fonttype": "none",  # real text: small, searchable, Cyrillic from the reader's fonts
    "svg.hashsalt": "citynews",  # stable element ids, so the same data gives the same file
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.S)  # RDF boilerplate, nothing to see
FIGURE_WIDTH = 8  # inches
TITLE_SIZE, LEGEND_SIZE = 10, 9  # points
TITLE_ROOM = FIGURE_WIDTH - 1.1  # inches beside the count axis's labels
LEGEND_ROOM = FIGURE_WIDTH - 0.9  # inches beside a legend entry's line
FITTED_WIDTH, FITTED_WIDTH_STEP = 160, 5  # characters a line, tried from the widest down
COUNT_MARGIN = 0.04  # of the count axis, above its top tick and below its bottom one: whole dots
MOST_DATE_TICKS = 8
MOST_COUNT_TICKS = 7
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
THIN_SPACE = "\u2009"
ONE_READING = " (one reading)"
ONE_READING_ROOM = 1.0  # inches kept for it at the end of a legend entry


@dataclass(frozen=True)
class Series:
    """One article's view counts to draw: its title (None: untitled), link and readings."""

    title: str | None
    url: str
    points: Sequence[tuple[datetime, int]]


def wrapped(text: str, width: int, lines: int | None) -> str:
    """Text on at most `lines` lines of `width` characters, broken at words (inside a word only
    when a word alone is longer) and, when too long, cut at a word with an ellipsis; control
    characters escaped."""
    return textwrap.fill(
        for_terminal(" ".join(text.split())), width, max_lines=lines, placeholder=" …"
    )


def fitted(figure: Figure, text: str, size: float, room: float, lines: int | None) -> str:
    """Text wrapped (as `wrapped`) to the most characters a line that keep every line within
    `room` inches at the font size, as matplotlib measures it."""
    renderer = FigureCanvasAgg(figure).get_renderer()
    font = FontProperties(size=size)
    limit = room * figure.dpi
    for width in range(FITTED_WIDTH, FITTED_WIDTH_STEP, -FITTED_WIDTH_STEP):
        candidate = wrapped(text, width, lines)
        widths = (
            renderer.get_text_width_height_descent(line, font, ismath=False)[0]
            for line in candidate.split("\n")
        )
        if max(widths) <= limit:
            return candidate
    return wrapped(text, FITTED_WIDTH_STEP, lines)


def article_name(title: str | None, url: str) -> str:
    """What names an article to a reader: its title, else its whole URL with the percent-encoded
    letters of its path decoded."""
    return title or unquote(url, errors="replace")


def series_label(figure: Figure, item: Series) -> str:
    """A series' legend entry: the article's title (else its whole URL), and whether it was
    read only once."""
    once = len(item.points) == 1
    room = LEGEND_ROOM - (ONE_READING_ROOM if once else 0)
    lines = 2 if item.title else None
    name = fitted(figure, article_name(item.title, item.url), LEGEND_SIZE, room, lines)
    return name + (ONE_READING if once else "")


# Ticks


def _day_label(day: date, previous: date | None) -> str:
    label = f"{day.day} {MONTHS[day.month - 1]}"
    return label if previous and previous.year == day.year else f"{label} {day.year}"


def _month_label(day: date, first: bool, one_year: bool) -> str:
    month = MONTHS[day.month - 1]
    return month if one_year and not first else f"{month} {day.year}"


def _days(first: date, last: date, step: int, mondays: bool) -> list[date]:
    day = first + timedelta(days=-first.weekday() % 7) if mondays else first
    found = []
    while day <= last:
        found.append(day)
        day += timedelta(days=step)
    return found


def _months(first: date, last: date, step: int) -> list[date]:
    index = first.year * 12 + first.month - 1
    if first.day > 1:
        index += 1
    index += -index % step
    found = []
    while (day := date(index // 12, index % 12 + 1, 1)) <= last:
        found.append(day)
        index += step
    return found


def date_ticks(
    start: datetime, end: datetime, most: int = MOST_DATE_TICKS
) -> list[tuple[datetime, str]]:
    """Ticks at the midnights between start and end: every day, second or third day, Mondays,
    every other Monday, months or years, whichever is the finest giving at most `most` ticks.
    Labels name the day and month ("5 Jan"), or the month ("Mar"), or the year; the year at the
    first tick and where it changes (on every month tick when they span years)."""
    first = (start + timedelta(microseconds=-1)).date() + timedelta(days=1)
    last = end.date()
    candidates: list[tuple[list[date], bool]] = [
        (_days(first, last, 1, mondays=False), True),
        (_days(first, last, 2, mondays=False), True),
        (_days(first, last, 3, mondays=False), True),
        (_days(first, last, 7, mondays=True), True),
        (_days(first, last, 14, mondays=True), True),
        *((_months(first, last, step), False) for step in (1, 2, 3, 6)),
        *((_months(first, last, 12 * step), False) for step in (1, 2, 5, 10, 20, 50, 100)),
    ]
    days, daily = next(
        ((days, daily) for days, daily in candidates if len(days) <= most), candidates[-1]
    )
    labels = []
    for index, day in enumerate(days):
        previous = days[index - 1] if index else None
        if daily:
            labels.append(_day_label(day, previous))
        elif all(tick.month == 1 for tick in days) and len(days) > 1:
            labels.append(str(day.year))
        else:
            labels.append(_month_label(day, not index, days[0].year == days[-1].year))
    return [
        (datetime(day.year, day.month, day.day), label)
        for day, label in zip(days, labels, strict=True)
    ]


def count_ticks(low: int, high: int, most: int = MOST_COUNT_TICKS) -> list[int]:
    """Round ticks (steps of 1, 2 or 5 times a power of ten) from at or below low to at or above
    high, at most `most` of them; two around a single value."""
    if high == low:
        step = 10 ** max(0, len(str(abs(low))) - 2)
        bottom = low - low % step
        return [bottom, bottom + step]
    for power in range(len(str(high - low)) + 1):
        for factor in (1, 2, 5):
            step = factor * 10**power
            bottom, top = math.floor(low / step) * step, math.ceil(high / step) * step
            if (top - bottom) // step + 1 <= most:
                return list(range(bottom, top + 1, step))
    raise AssertionError("a power of ten above the range always fits")  # pragma: no cover


def _count_label(count: int) -> str:
    return f"{count:,}".replace(",", THIN_SPACE)


def _set_time_axis(axes, start: datetime, end: datetime) -> None:  # type: ignore[no-untyped-def]
    ticks = date_ticks(start, end)
    axes.set_xlim(start, end)
    axes.xaxis.set_major_locator(FixedLocator(axes.convert_xunits([t for t, _ in ticks])))
    axes.set_xticklabels([label for _, label in ticks])


def _set_count_axis(axes, counts: Sequence[int], name: str) -> None:  # type: ignore[no-untyped-def]
    ticks = count_ticks(min(counts), max(counts))
    margin = (ticks[-1] - ticks[0]) * COUNT_MARGIN
    axes.set_ylim(ticks[0] - margin, ticks[-1] + margin)
    axes.yaxis.set_major_locator(FixedLocator(ticks))
    axes.set_yticklabels([_count_label(tick) for tick in ticks])
    axes.set_ylabel(name)
    axes.grid(axis="y", alpha=0.3)


def _set_title(axes, title: str, subtitle: str, url: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """A title of up to two lines (an untitled article's URL: whole, on as many as it takes)
    over a subtitle, wrapped at words to fit beside the count axis."""
    figure = axes.get_figure()
    lines = None if title.startswith(("http://", "https://")) else 2
    text = axes.set_title(
        f"{fitted(figure, title, TITLE_SIZE, TITLE_ROOM, lines)}\n"
        f"{fitted(figure, subtitle, TITLE_SIZE, TITLE_ROOM, 2)}",
        loc="left",
        fontsize=TITLE_SIZE,
        parse_math=False,
    )
    text.set_gid("chart-title")
    if url:
        text.set_url(url)


def _svg(figure: Figure) -> str:
    """The figure as an SVG element, without the XML prolog, DOCTYPE and metadata."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "citynews"})
    text = buffer.getvalue()
    return METADATA.sub("", text[text.index("<svg") :], count=1)


def _naive(moment: datetime) -> datetime:
    """A local time as drawn: the wall clock of its zone."""
    return moment.replace(tzinfo=None)


# Charts


def views_chart(
    series: Sequence[Series], title: str, subtitle: str, start: datetime, end: datetime
) -> str:
    """Views over [start, end), one line per article through its readings (a marked dot for
    an article read once), each line and legend entry linking to the article. Readings outside
    the span still steer the lines, which enter from the edge."""
    with matplotlib.rc_context(SVG_SETTINGS):
        figure = Figure(layout="constrained")
        labels = [series_label(figure, item) for item in series]
        lines = sum(label.count("\n") + 1 for label in labels)
        figure.set_size_inches(FIGURE_WIDTH, 3.2 + 0.17 * lines)
        axes = figure.add_subplot()
        for index, (item, label) in enumerate(zip(series, labels, strict=True)):
            once = len(item.points) == 1
            (line,) = axes.plot(
                [_naive(moment) for moment, _ in item.points],
                [views for _, views in item.points],
                marker="o",
                markersize=6 if once else 3.5,
                linewidth=1.8,
                label=label,
            )
            line.set_url(item.url)
            line.set_gid(f"series-{index}")
        _set_time_axis(axes, _naive(start), _naive(end))
        _set_count_axis(axes, [views for item in series for _, views in item.points], "views")
        _set_title(axes, title, subtitle)
        legend = figure.legend(loc="outside lower left", ncols=1, frameon=False)
        for text, item in zip(legend.get_texts(), series, strict=True):
            text.set_url(item.url)
            text.set_parse_math(False)
        return _svg(figure)


def history_chart(item: Series, subtitle: str) -> str:
    """One article's views over its readings (with a margin of whole days), under its title."""
    times = [_naive(moment) for moment, _ in item.points]
    margin = max(timedelta(days=1), (max(times) - min(times)) / 20)
    start = datetime.combine((min(times) - margin).date(), datetime.min.time())
    end = datetime.combine((max(times) + margin).date(), datetime.min.time()) + timedelta(days=1)
    with matplotlib.rc_context(SVG_SETTINGS):
        figure = Figure(figsize=(FIGURE_WIDTH, 3.6), layout="constrained")
        axes = figure.add_subplot()
        (line,) = axes.plot(
            times,
            [views for _, views in item.points],
            marker="o",
            markersize=6 if len(times) == 1 else 3.5,
            linewidth=1.8,
        )
        line.set_url(item.url)
        line.set_gid("series-0")
        _set_time_axis(axes, start, end)
        _set_count_axis(axes, [views for _, views in item.points], "views")
        _set_title(axes, article_name(item.title, item.url), subtitle, item.url)
        return _svg(figure)


def publication_unit(first: date, last: date) -> str:
    """The bars of a publications chart of the days first to last: day, week, month or year."""
    days = (last - first).days + 1
    if days <= 62:
        return "day"
    return "week" if days <= 190 else "month" if days <= 3 * 366 else "year"


def _bin_start(day: date, unit: str) -> date:
    if unit == "day":
        return day
    if unit == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1) if unit == "month" else day.replace(month=1, day=1)


def _bin_end(start: date, unit: str) -> date:
    if unit == "day":
        return start + timedelta(days=1)
    if unit == "week":
        return start + timedelta(days=7)
    if unit == "month":
        return (start + timedelta(days=32)).replace(day=1)
    return start.replace(year=start.year + 1)


def publications_chart(
    counts: dict[str, dict[date, int]], first: date, last: date, period: str, subtitle: str
) -> str:
    """Publications per day, week, month or year (by the period's length) of the days first to
    last, stacked by section; the axis spans the whole period, days without any included."""
    unit = publication_unit(first, last)
    bins = sorted(
        {_bin_start(first + timedelta(days=n), unit) for n in range((last - first).days + 1)}
    )
    totals = {section: {b: 0 for b in bins} for section in counts}
    for section, per_day in counts.items():
        for day, count in per_day.items():
            totals[section][_bin_start(day, unit)] += count
    start = datetime.combine(first, datetime.min.time())
    end = datetime.combine(last + timedelta(days=1), datetime.min.time())
    with matplotlib.rc_context(SVG_SETTINGS):
        figure = Figure(figsize=(FIGURE_WIDTH, 3.6), layout="constrained")
        axes = figure.add_subplot()
        bottom = [0] * len(bins)
        lefts = [datetime.combine(b, datetime.min.time()) for b in bins]
        widths = [(_bin_end(b, unit) - b).days * 0.85 for b in bins]
        for section in sorted(totals):
            heights = [totals[section][b] for b in bins]
            axes.bar(lefts, heights, width=widths, bottom=bottom, align="edge", label=section)
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        _set_time_axis(axes, start, end)
        _set_count_axis(axes, [0, max(bottom)], f"articles per {unit}")
        _set_title(axes, f"Articles published per {unit}, {period}", subtitle)
        legend = axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
        for text in legend.get_texts():
            text.set_parse_math(False)
        return _svg(figure)


def svg_file_text(svg: str) -> str:
    """An inline SVG element as a standalone .svg file."""
    return '<?xml version="1.0" encoding="utf-8" standalone="no"?>\n' + svg
