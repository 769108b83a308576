"""Charts drawn by matplotlib as standalone SVG text (no display, no network, no pyplot state)."""

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import matplotlib
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure

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
LABEL_LENGTH = 60


@dataclass(frozen=True)
class Series:
    """One article's view counts to draw: label, link and (local time, views) points."""

    label: str
    url: str
    points: Sequence[tuple[datetime, int]]


def short(text: str, length: int = LABEL_LENGTH) -> str:
    """A label cut to a length, with an ellipsis when cut, its control characters escaped."""
    text = for_terminal(text)
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _svg(figure: Figure) -> str:
    """The figure as an SVG element, without the XML prolog, DOCTYPE and metadata."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "citynews"})
    text = buffer.getvalue()
    return METADATA.sub("", text[text.index("<svg") :], count=1)


def _date_axis(axes) -> None:  # type: ignore[no-untyped-def]
    locator = AutoDateLocator(minticks=3, maxticks=8)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))


def views_chart(series: Sequence[Series], title: str) -> str:
    """Views over time, one line per article, each line and legend entry linking to it."""
    with matplotlib.rc_context(SVG_SETTINGS):
        figure = Figure(figsize=(8, 2.8 + 0.2 * len(series)), layout="constrained")
        axes = figure.add_subplot()
        for item in series:
            times = [moment.replace(tzinfo=None) for moment, _ in item.points]
            (line,) = axes.plot(
                times, [views for _, views in item.points], marker="o", markersize=3
            )
            line.set_label(short(item.label))
            line.set_url(item.url)
        axes.set_title(for_terminal(title), loc="left")
        axes.set_ylabel("views")
        axes.grid(axis="y", alpha=0.3)
        _date_axis(axes)
        legend = figure.legend(loc="outside lower center", ncols=1, frameon=False)
        for text, item in zip(legend.get_texts(), series, strict=True):
            text.set_url(item.url)
        return _svg(figure)


def week_start(day: date) -> date:
    """The Monday of a day's week."""
    return day - timedelta(days=day.weekday())


def publications_chart(counts: dict[str, dict[date, int]], title: str) -> str:
    """Publications per week (keyed by Monday), stacked by section."""
    weeks = sorted({week for per_week in counts.values() for week in per_week})
    with matplotlib.rc_context(SVG_SETTINGS):
        figure = Figure(figsize=(8, 3.6), layout="constrained")
        axes = figure.add_subplot()
        bottom = [0] * len(weeks)
        positions = [datetime(w.year, w.month, w.day) + timedelta(days=3) for w in weeks]
        for section in sorted(counts):
            heights = [counts[section].get(week, 0) for week in weeks]
            axes.bar(positions, heights, width=5.5, bottom=bottom, label=section)
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        axes.set_title(title, loc="left")
        axes.set_ylabel("articles per week")
        axes.yaxis.get_major_locator().set_params(integer=True)
        axes.grid(axis="y", alpha=0.3)
        _date_axis(axes)
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
        return _svg(figure)


def svg_file_text(svg: str) -> str:
    """An inline SVG element as a standalone .svg file."""
    return '<?xml version="1.0" encoding="utf-8" standalone="no"?>\n' + svg
