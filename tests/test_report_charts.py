"""`citynews report` and `history --chart` as a reader sees them: the charts' lines, date ticks,
axis ranges and titles (read from the SVG), and sections that say what they measure."""

import itertools
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote
from xml.etree import ElementTree

import pytest

from archive.articles import save_article
from archive.db import open_archive, session_scope
from tests.support.cli import run_main
from tests.support.records import MSK, NOVOSTI, article_record

SVG = "{http://www.w3.org/2000/svg}"
TOS = "https://www.smoladmin.ru/gostyam-i-zhitelyam/obschestvennoe-samoupravlenie/novosti-tos/"
LONG_TITLE = (
    "Администрация города Смоленска напоминает жителям о порядке вывоза крупногабаритного "
    "мусора из дворов многоквартирных домов в зимний период"
)
RISING = NOVOSTI + "vyvoz-musora"
STEADY = NOVOSTI + "most-otkryt"
ONCE = NOVOSTI + "odin-raz"
FLAT = NOVOSTI + "bez-rosta"
LATE = NOVOSTI + "pozdnyaya"
SHOUTED = NOVOSTI + "vnimanie"
SHOUTED_TITLE = (
    "ВНИМАНИЕ! ОБ ОГРАНИЧЕНИИ ДВИЖЕНИЯ ТРАНСПОРТНЫХ СРЕДСТВ ПО УЛИЦЕ БОЛЬШАЯ СОВЕТСКАЯ В СВЯЗИ "
    "С ПРОВЕДЕНИЕМ РЕМОНТНЫХ РАБОТ НА ТЕПЛОВЫХ СЕТЯХ"
)
SLUG = "%D0%BE%D0%B1-%D0%BE%D0%B3%D1%80%D0%B0%D0%BD%D0%B8%D1%87%D0%B5%D0%BD%D0%B8%D0%B8"
UNTITLED = NOVOSTI + "-".join([SLUG] * 3)  # a long URL, the only name of an untitled article


def local(day: int, hour: int = 10, month: int = 1, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=MSK)


# (url, published, title, [(read at, views)]): several readings per article, in January 2026.
ARTICLES = [
    (
        RISING,
        local(5),
        LONG_TITLE,
        [(local(6), 100), (local(12), 400), (local(20), 900), (local(28), 1200)],
    ),
    (
        STEADY,
        local(20, month=12, year=2025),
        "Мост открыт после ремонта",
        [(local(20, month=12, year=2025), 5000), (local(15), 5100), (local(25), 5150)],
    ),
    (ONCE, local(17), "Прочитанная один раз новость", [(local(18), 323)]),
    (FLAT, local(2), "Новость без новых просмотров", [(local(3), 700), (local(22), 700)]),
    (LATE, local(30), "Новость конца месяца", [(local(5, month=2), 323)]),
    # March: the titles that are hardest to fit
    (
        SHOUTED,
        local(2, month=3),
        SHOUTED_TITLE,
        [(local(2, 12, month=3), 40), (local(9, month=3), 1900), (local(16, month=3), 2400)],
    ),
    (UNTITLED, local(3, month=3), None, [(local(4, month=3), 20), (local(20, month=3), 90)]),
    *(
        (TOS + f"tos-{day}", local(day), f"Собрание ТОС номер {day}", [(local(day, 18), 10)])
        for day in (2, 9, 16, 23, 31)
    ),
]


def build_archive(db_url: str) -> None:
    """The fixture archive: every reading saved as the crawl saves a fetched article."""
    readings = sorted(
        (at, url, published, title, views)
        for url, published, title, series in ARTICLES
        for at, views in series
    )
    factory = open_archive(db_url)
    with session_scope(factory) as session:
        for at, url, published, title, views in readings:
            section = "novosti-tos" if url.startswith(TOS) else "novosti"
            record = article_record(
                url,
                section=section,
                fetched_at=at.astimezone(UTC),
                published_at=published,
                title=title,
                views=views,
            )
            save_article(session, record, None)
    factory.kw["bind"].dispose()


@pytest.fixture
def archive(db_url: str) -> str:
    build_archive(db_url)
    return db_url


def report(db_url: str, tmp_path: Path, since: str, until: str) -> str:
    out = tmp_path / "report.html"
    result = run_main(
        "report",
        "--since",
        since,
        "--until",
        until,
        "--out",
        str(out),
        "--db",
        db_url,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    return out.read_text(encoding="utf-8")


def figure(html: str, name: str) -> ElementTree.Element:
    """The SVG of a figure of the report, parsed."""
    match = re.search(rf'<figure class="chart" id="{name}">(.*?)</figure>', html, re.S)
    assert match, f"no {name} in the report"
    return ElementTree.fromstring(match.group(1))


def texts(element: ElementTree.Element) -> list[str]:
    return ["".join(node.itertext()).strip() for node in element.iter(f"{SVG}text")]


def tick_labels(svg: ElementTree.Element, axis: str) -> list[str]:
    """The tick labels of the x or y axis, left to right or bottom to top."""
    group = svg.find(f".//{SVG}g[@id='matplotlib.axis_{1 if axis == 'x' else 2}']")
    assert group is not None
    ticks = [g for g in group.iter(f"{SVG}g") if g.get("id", "").startswith(f"{axis}tick_")]
    return [" ".join(texts(tick)) for tick in ticks]


def drawn_series(svg: ElementTree.Element) -> dict[str, int]:
    """Each article's series as drawn: its link, and how many points its line joins (0: a dot)."""
    found = {}
    for group in svg.iter(f"{SVG}g"):
        if not group.get("id", "").startswith("series-"):
            continue
        links = [a.get("{http://www.w3.org/1999/xlink}href") for a in group.iter(f"{SVG}a")]
        paths = [p.get("d", "") for p in group.iter(f"{SVG}path") if p.get("clip-path")]
        points = len(re.findall(r"[ML] ", " ".join(paths)))
        found[links[0] if links else ""] = points
    return found


def title_of(svg: ElementTree.Element) -> str:
    group = svg.find(f".//{SVG}g[@id='chart-title']")
    assert group is not None
    return " ".join(texts(group))


# The views chart


def test_the_views_chart_draws_lines_through_each_article_s_readings(
    archive: str, tmp_path: Path
) -> None:
    chart = figure(report(archive, tmp_path, "2026-01-01", "2026-01-31"), "views-chart")
    drawn = drawn_series(chart)
    # Lines for the articles that gained views, through every reading (the one before the
    # period included): four, and two plus the December one.
    assert drawn == {RISING: 4, STEADY: 3}


def test_the_views_chart_ticks_are_whole_days_over_the_month_in_the_site_s_zone(
    archive: str, tmp_path: Path
) -> None:
    chart = figure(report(archive, tmp_path, "2026-01-01", "2026-01-31"), "views-chart")
    assert tick_labels(chart, "x") == ["5 Jan 2026", "12 Jan", "19 Jan", "26 Jan"]
    views = [int(label.replace("\u2009", "").replace(",", "")) for label in tick_labels(chart, "y")]
    steps = {b - a for a, b in itertools.pairwise(views)}
    assert len(steps) == 1
    assert steps.pop() in {10**k * m for k in range(6) for m in (1, 2, 5)}
    assert views[0] <= 100 < views[1]
    assert views[-2] < 5150 <= views[-1]


def test_an_article_read_once_is_a_marked_dot_and_the_chart_says_so(
    db_url: str, tmp_path: Path
) -> None:
    build_archive(db_url)
    chart = figure(report(db_url, tmp_path, "2026-01-17", "2026-01-19"), "views-chart")
    assert drawn_series(chart) == {ONCE: 1}
    assert "Прочитанная один раз новость (one reading)" in " ".join(texts(chart))
    assert tick_labels(chart, "x") == ["17 Jan 2026", "18 Jan", "19 Jan", "20 Jan"]


# The views sections


def section(html: str, heading: str) -> str:
    start = html.index(heading)
    end = re.compile("<h[23]|<figure").search(html, start + 1)
    return html[start : end.start() if end else None]


def test_most_viewed_in_the_period_are_the_views_gained_in_it(archive: str, tmp_path) -> None:
    html = report(archive, tmp_path, "2026-01-01", "2026-01-31")
    gained = section(html, "<h3>Most viewed in the period: views gained")
    rows = re.findall(r"<tr><td><a href=\"([^\"]+)\">.*?\+([\d\u202f]+)</td></tr>", gained)
    assert rows == [(RISING, "1\u202f100"), (STEADY, "150")]
    assert FLAT not in gained
    assert "+0" not in html
    totals = section(html, "<h3>Highest view counts")
    assert "all-time totals" in totals
    listed = re.findall(r'href="([^"]+)"', totals)
    assert listed[:4] == [STEADY, RISING, FLAT, ONCE]
    assert LATE not in listed  # read after the period only


def test_views_shown_beside_articles_are_read_in_the_period(db_url: str, tmp_path) -> None:
    build_archive(db_url)
    html = report(db_url, tmp_path, "2026-01-29", "2026-01-30")
    assert "Новость конца месяца" in html
    assert "The crawler read no view counts in this period" in html
    assert "323" not in html
    read = report(db_url, tmp_path, "2026-01-01", "2026-01-31")
    assert re.search(r"Прочитанная один раз новость</a> \(323 views, read 2026-01-18\)", read)


# The publications chart


def test_the_publications_chart_of_a_month_covers_the_month(archive: str, tmp_path) -> None:
    html = report(archive, tmp_path, "2026-01-01", "2026-01-31")
    chart = figure(html, "publications-chart")
    assert tick_labels(chart, "x") == ["5 Jan 2026", "12 Jan", "19 Jan", "26 Jan"]
    assert "Articles published per day, 2026-01-01 – 2026-01-31" in title_of(chart)
    bars = [group for group in chart.iter(f"{SVG}g") if group.get("id", "").startswith("patch_")]
    assert len(bars) >= 31  # a bar (perhaps of no height) per day and section, the 31st included


def test_the_publications_chart_of_years_has_a_bar_a_year(archive: str, tmp_path) -> None:
    chart = figure(report(archive, tmp_path, "2016-01-01", "2026-12-31"), "publications-chart")
    assert "Articles published per year, 2016-01-01 – 2026-12-31" in title_of(chart)
    assert tick_labels(chart, "x") == ["2016", "2018", "2020", "2022", "2024", "2026"]


# history --chart


def test_the_history_chart_spans_the_readings_under_the_article_s_title(archive, tmp_path):
    chart = tmp_path / "views.svg"
    result = run_main("history", RISING, "--chart", str(chart), "--db", archive, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    svg = ElementTree.fromstring(chart.read_text(encoding="utf-8").split("\n", 1)[1])
    title = title_of(svg)
    assert title.startswith("Администрация города Смоленска напоминает жителям")
    assert "http" not in title
    words = LONG_TITLE.split()
    assert all(word in words for word in title.split("Views as read")[0].split()) or "…" in title
    assert drawn_series(svg) == {RISING: 4}
    assert tick_labels(svg, "x") == ["5 Jan 2026", "12 Jan", "19 Jan", "26 Jan"]


def test_the_history_chart_of_one_reading_is_a_dot_on_days_around_it(archive, tmp_path) -> None:
    chart = tmp_path / "once.svg"
    result = run_main("history", ONCE, "--chart", str(chart), "--db", archive, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    svg = ElementTree.fromstring(chart.read_text(encoding="utf-8").split("\n", 1)[1])
    assert drawn_series(svg) == {ONCE: 1}
    assert "one reading" in title_of(svg)
    assert tick_labels(svg, "x") == ["17 Jan 2026", "18 Jan", "19 Jan", "20 Jan"]
    assert [label.replace("\u2009", "") for label in tick_labels(svg, "y")] == ["320", "330"]


def test_dollar_signs_in_titles_are_drawn_as_they_are(tmp_path: Path) -> None:
    title = "Курс $\\frac{1 и $ доллар"
    db_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    factory = open_archive(db_url)
    with session_scope(factory) as session:
        for day, views in ((12, 100), (19, 300)):
            at = local(day).astimezone(UTC)
            record = article_record(
                RISING,
                fetched_at=at,
                views=views,
                title=title,
                published_at=local(5),
                section="$x$",
            )
            save_article(session, record, None)
    factory.kw["bind"].dispose()
    chart = tmp_path / "views.svg"
    result = run_main("history", RISING, "--chart", str(chart), "--db", db_url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert title in title_of(ElementTree.fromstring(chart.read_text().split("\n", 1)[1]))
    html = report(db_url, tmp_path, "2026-01-01", "2026-01-31")
    assert title in " ".join(texts(figure(html, "views-chart")))
    assert "$x$" in " ".join(texts(figure(html, "publications-chart")))


def test_ticks_stay_whole_and_few_over_any_span() -> None:
    from citynews.charts import date_ticks

    start = datetime(2025, 12, 29)
    for days in (1, 2, 3, 6, 9, 13, 20, 40, 75, 100, 200, 400, 800, 2000, 9000):
        end = start + timedelta(days=days)
        ticks = date_ticks(start, end)
        assert 2 <= len(ticks) <= 8, days
        assert all(start <= moment <= end for moment, _ in ticks)
        assert all(moment.time() == datetime.min.time() for moment, _ in ticks)
        labels = [label for _, label in ticks]
        assert len(set(labels)) == len(labels)
        assert all(re.fullmatch(r"(\d{1,2} )?([A-Z][a-z]{2})?( ?\d{4})?", tick) for tick in labels)


# In a browser

CHART_LAYOUT = """
const svg = arguments[0];
const box = node => {
  const r = node.getBoundingClientRect();
  return [r.left, r.top, r.right, r.bottom];
};
const labels = axis => [...svg.querySelectorAll(`g[id="${axis}"] g[id*="tick_"] text`)]
  .filter(node => node.textContent.trim()).map(box);
return {
  frame: box(svg),
  x: labels("matplotlib.axis_1"),
  y: labels("matplotlib.axis_2"),
  texts: [...svg.querySelectorAll("text")].map(node => [node.textContent, ...box(node)]),
  lines: [...svg.querySelectorAll('g[id^="series-"] path[clip-path]')].map(path => {
    const r = path.getBoundingClientRect();
    return [path.closest("a").getAttribute("xlink:href"), r.width, r.height];
  }),
};
"""


def overlaps(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def check_layout(layout: dict) -> None:
    """Tick labels apart from each other, and every text inside the chart: nothing clipped."""
    for axis in ("x", "y"):
        boxes = layout[axis]
        assert len(boxes) >= 2, axis
        assert not any(overlaps(a, b) for a, b in itertools.combinations(boxes, 2)), axis
    left, top, right, bottom = layout["frame"]
    for text, *box in layout["texts"]:
        assert left - 1 <= box[0], f"{text!r} crosses the chart's left side"
        assert box[2] <= right + 1, f"{text!r} crosses the chart's right side"
        assert top - 1 <= box[1], f"{text!r} crosses the chart's top"
        assert box[3] <= bottom + 1, f"{text!r} crosses the chart's bottom"


@pytest.mark.browser
@pytest.mark.parametrize(
    ("since", "until", "lines"),
    [
        ("2026-01-01", "2026-01-31", {RISING, STEADY}),
        ("2026-03-01", "2026-03-31", {SHOUTED, UNTITLED}),
        ("2025-06-01", "2026-05-31", {SHOUTED, RISING, STEADY, UNTITLED}),
    ],
)
def test_the_report_s_charts_read_cleanly_in_chromium(browser, tmp_path, since, until, lines):
    db_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    build_archive(db_url)
    report(db_url, tmp_path, since, until)
    browser.set_window_size(1200, 900)
    browser.get((tmp_path / "report.html").as_uri())
    width = "return [document.documentElement.scrollWidth, window.innerWidth]"
    page, window = browser.execute_script(width)
    assert page <= window, "the report scrolls sideways"
    for name in ("publications-chart", "views-chart"):
        svg = browser.find_element("css selector", f"#{name} svg")
        check_layout(browser.execute_script(CHART_LAYOUT, svg))
    svg = browser.find_element("css selector", "#views-chart svg")
    drawn = browser.execute_script(CHART_LAYOUT, svg)["lines"]
    assert {url for url, _, _ in drawn} == lines
    for url, width, height in drawn:  # lines through readings days apart, views apart: not dots
        assert width > 5, url
        assert height > 0.5, url


@pytest.mark.browser
def test_the_history_chart_reads_cleanly_in_chromium(browser, db_url, tmp_path) -> None:
    build_archive(db_url)
    for url in (RISING, ONCE, SHOUTED, UNTITLED):
        chart = tmp_path / "views.svg"
        written = run_main("history", url, "--chart", str(chart), "--db", db_url, cwd=tmp_path)
        assert written.returncode == 0, written.stderr
        browser.get(chart.as_uri())
        layout = browser.execute_script(CHART_LAYOUT, browser.find_element("css selector", "svg"))
        check_layout(layout)
        assert [line[0] for line in layout["lines"]] == [url]
        title = " ".join(texts(ElementTree.fromstring(chart.read_text().split("\n", 1)[1])))
        assert "Views as read by the crawler" in title
        if url == UNTITLED:  # the whole URL, over lines, its letters decoded
            assert unquote(url) in title.replace(" ", "")


def tick_positions(svg: ElementTree.Element) -> dict[str, float]:
    """Each x tick's label and its position."""
    group = svg.find(f".//{SVG}g[@id='matplotlib.axis_1']")
    assert group is not None
    found = {}
    for tick in group.iter(f"{SVG}g"):
        if tick.get("id", "").startswith("xtick_"):
            mark = next(tick.iter(f"{SVG}use"))
            found[" ".join(texts(tick))] = float(mark.get("x", "nan"))
    return found


def test_readings_are_drawn_on_the_site_s_clock(tmp_path: Path) -> None:
    """Half past midnight in Smolensk is still the evening before in UTC: the dots of readings
    taken then sit just after the midnight ticks of their Moscow days."""
    db_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    factory = open_archive(db_url)
    with session_scope(factory) as session:
        for day, views in ((12, 100), (19, 300)):
            at = datetime(2026, 1, day, 0, 30, tzinfo=MSK).astimezone(UTC)
            save_article(session, article_record(RISING, fetched_at=at, views=views), None)
    factory.kw["bind"].dispose()
    chart = tmp_path / "views.svg"
    result = run_main("history", RISING, "--chart", str(chart), "--db", db_url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    svg = ElementTree.fromstring(chart.read_text(encoding="utf-8").split("\n", 1)[1])
    ticks = {int(label.split()[0]): x for label, x in tick_positions(svg).items()}  # January
    (first, first_x), (second, second_x) = sorted(ticks.items())[:2]
    day = (second_x - first_x) / (second - first)
    line = next(g for g in svg.iter(f"{SVG}g") if g.get("id") == "series-0")
    path = next(p for p in line.iter(f"{SVG}path") if p.get("clip-path"))
    xs = [float(x) for x in re.findall(r"[ML] ([\d.]+) ", path.get("d", ""))]
    for x, midnight in zip(xs, (12, 19), strict=True):
        assert 0 < x - (first_x + (midnight - first) * day) < day / 12


def test_count_ticks_are_round_few_and_cover_the_counts() -> None:
    from citynews.charts import count_ticks

    for low, high in [(0, 0), (5, 5), (323, 323), (0, 1), (100, 5150), (999, 1001), (7, 10**8)]:
        ticks = count_ticks(low, high)
        steps = {b - a for a, b in itertools.pairwise(ticks)}
        assert 2 <= len(ticks) <= 7, (low, high)
        assert len(steps) == 1, (low, high)
        assert steps.pop() in {m * 10**k for k in range(9) for m in (1, 2, 5)}
        assert ticks[0] <= low <= high <= ticks[-1]
        assert ticks[0] % (ticks[1] - ticks[0]) == 0  # on a multiple of the step
