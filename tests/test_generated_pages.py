"""Article pages composed at random from the forms the site's themes use, every field exact.

Each page combines a title container, a date form, labels (or none, with or without a colon),
where the meta stands (before or after the body, on one line or apart, split around the body),
a div or a table layout, and chrome blocks (accessibility panel, header, menu, breadcrumbs,
«Другие новости», share block, footer), with generated titles, paragraphs, dates and counts.
What a reader of the page sees is what the parser must give.
"""

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st

from scraper.parsing.article import parse_article
from tests.site import templates as t

MSK = ZoneInfo("Europe/Moscow")
URL = "https://www.smoladmin.ru/press-centr/novosti/sgenerirovannaya-novost"
SITE = "Администрация города Смоленска"
IN_CI = bool(os.environ.get("CI"))

SUBJECTS = (
    "Жители микрорайона",
    "Сотрудники управления благоустройства",
    "Волонтёры",
    "Депутаты городской Думы",
    "Школьники",
    "Специалисты водоканала",
    "Подрядчики",
    "Члены общественной комиссии",
    "Представители районной администрации",
    "Активисты территориального самоуправления",
)
ACTIONS = (  # what was done: a verb and what it was done to
    ("отремонтировали", "детскую площадку"),
    ("обсудили", "план работ на следующий год"),
    ("осмотрели", "новый сквер"),
    ("заасфальтировали", "участок дороги"),
    ("покрасили", "ограждение школьного стадиона"),
    ("проверили", "систему уличного освещения"),
    ("представили", "проект бюджета"),
    ("подвели итоги", "конкурса «Лучший двор»"),
    ("перенесли", "остановку общественного транспорта"),
    ("высадили", "молодые липы и клёны"),
)
PLACES = (
    "на улице Ленина",
    "в Заднепровском районе",
    "у городского парка",
    "в Промышленном районе",
    "возле набережной Днепра",
    "в центре города",
    "на площади Победы",
    "в Ленинском районе",
)
TAILS = (
    "",
    " в ближайшие дни",
    " до конца месяца",
    " вместе с жителями",
    " по просьбе горожан",
    " с 1 сентября",
    " за два выходных дня",
)

TITLE_CONTAINERS = ("h1", "h2", "h3", "b", "strong", "news-title", "head", "og")
DATE_LABELS = ("", "Опубликовано", "Дата публикации", "Размещено", "Дата")
VIEWS_LABELS = ("Просмотров", "Просмотры", "Количество просмотров")
UPDATED_LABELS = ("Обновлено", "Актуализировано")
# where the meta stands: all on one line or each on its own line, before or after the body;
# or the date above the body and the rest below it
ARRANGEMENTS = ("line-before", "line-after", "apart-before", "apart-after", "split")
SEPARATORS = (" ", " | ", " · ", ", ")
CRUMBS = (
    '<a href="/">Главная</a> • <a href="/press-centr/">Пресс-центр</a> • '
    '<a href="/press-centr/novosti/">Новости</a>'
)


def sentence_of(subject: str, action: tuple[str, str], place: str, tail: str) -> str:
    """A sentence of a news paragraph."""
    return f"{subject} {action[0]} {action[1]} {place}{tail}."


def title_of(place: str, action: tuple[str, str]) -> str:
    """A headline: place first, then what was done (never a sentence of the body)."""
    return f"{place[0].upper()}{place[1:]} {action[0]} {action[1]}"


sentences = st.builds(
    sentence_of,
    st.sampled_from(SUBJECTS),
    st.sampled_from(ACTIONS),
    st.sampled_from(PLACES),
    st.sampled_from(TAILS),
)
paragraphs = st.lists(sentences, min_size=1, max_size=3).map(" ".join)
titles = st.builds(title_of, st.sampled_from(PLACES), st.sampled_from(ACTIONS))


def real_local_minute(moment: datetime) -> bool:
    """Whether a wall time in Moscow happened exactly once (not skipped nor repeated by a shift)."""
    aware = moment.replace(tzinfo=MSK)
    back = aware.astimezone(ZoneInfo("UTC")).astimezone(MSK).replace(tzinfo=None)
    return back == moment and aware.utcoffset() == aware.replace(fold=1).utcoffset()


minutes = (
    st.datetimes(min_value=datetime(2010, 1, 1), max_value=datetime(2026, 12, 31, 23, 59))
    .map(lambda moment: moment.replace(second=0, microsecond=0))
    .filter(real_local_minute)
)


@dataclass(frozen=True)
class Page:
    """What a generated page shows, and how it shows it."""

    title: str
    paragraphs: list[str]
    published: datetime
    updated: datetime | None
    views: int | None
    date_form: str
    date_label: str
    views_label: str
    updated_label: str
    colon: bool
    arrangement: str
    separator: str
    layout: str
    title_container: str
    section_heading: bool
    panel: bool
    header: int | None
    menu: bool
    crumbs: bool
    side: int | None
    side_titles: list[str]
    share: bool
    footer: int | None


def later(published: datetime, minutes_after: int | None) -> datetime | None:
    """An update time after the publication, if any, on a real Moscow minute."""
    if minutes_after is None:
        return None
    updated = published + timedelta(minutes=minutes_after)
    return updated if real_local_minute(updated) else updated + timedelta(hours=2)


pages = st.builds(
    lambda published, after, **rest: Page(
        published=published, updated=later(published, after), **rest
    ),
    published=minutes,
    after=st.none() | st.integers(min_value=1, max_value=60 * 24 * 400),
    title=titles,
    paragraphs=st.lists(paragraphs, min_size=1, max_size=5),
    views=st.none() | st.integers(min_value=0, max_value=250_000),
    date_form=st.sampled_from(sorted(t.DATE_FORMS)),
    date_label=st.sampled_from(DATE_LABELS),
    views_label=st.sampled_from(VIEWS_LABELS),
    updated_label=st.sampled_from(UPDATED_LABELS),
    colon=st.booleans(),
    arrangement=st.sampled_from(ARRANGEMENTS),
    separator=st.sampled_from(SEPARATORS),
    layout=st.sampled_from(("div", "table")),
    title_container=st.sampled_from(TITLE_CONTAINERS),
    section_heading=st.booleans(),
    panel=st.booleans(),
    header=st.none() | st.sampled_from(sorted(t.HEADERS)),
    menu=st.booleans(),
    crumbs=st.booleans(),
    side=st.none() | st.sampled_from((1, 2, 3)),
    side_titles=st.lists(titles, min_size=1, max_size=4),
    share=st.booleans(),
    footer=st.none() | st.sampled_from((1, 2)),
)


def e(text: str) -> str:
    return escape(text, quote=True)


def labelled(label: str, colon: bool, value: str) -> str:
    """'Label: value', 'Label value', or the value alone for an empty label."""
    return t.labelled(f"{label}:" if colon and label else label, value)


def meta_lines(page: Page) -> tuple[list[list[str]], list[list[str]]]:
    """The meta lines above the body and below it, each line a list of its parts."""
    date = labelled(page.date_label, page.colon, t.date_text(iso(page.published), page.date_form))
    rest = []
    if page.updated:
        updated = t.date_text(iso(page.updated), page.date_form)
        rest.append(labelled(page.updated_label, page.colon, updated))
    if page.views is not None:
        rest.append(labelled(page.views_label, page.colon, str(page.views)))
    if page.arrangement == "split":
        return [[date]], [rest] if rest else []
    lines = [[date, *rest]] if page.arrangement.startswith("line") else [[x] for x in (date, *rest)]
    return (lines, []) if page.arrangement.endswith("before") else ([], lines)


def line_html(page: Page, parts: list[str]) -> str:
    """One meta line: its parts in spans, with the page's separator between them."""
    return page.separator.join(f"<span>{part}</span>" for part in parts)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def title_html(page: Page) -> str:
    """The title in its container; nothing for a title that only the page head carries."""
    kind = page.title_container
    if kind in ("head", "og"):
        return "<h1>Новости</h1>" if page.section_heading else ""
    if kind == "news-title":
        return f'<div class="news-title">{e(page.title)}</div>'
    return f"<{kind}>{e(page.title)}</{kind}>"


def side_html(page: Page) -> str:
    """«Другие новости» in one of the site's forms, dated days before the article."""
    if page.side is None:
        return ""
    links = [
        (
            f"/press-centr/novosti/drugaya-novost-{n}",
            title,
            (page.published - timedelta(days=n + 1)),
        )
        for n, title in enumerate(page.side_titles)
    ]
    dated = [(href, title, day.strftime("%d.%m.%Y")) for href, title, day in links]
    if page.side == 3:
        return t.era_side(dated)
    return t.side_block(page.side, dated)


def share_html(page: Page) -> str:
    return t.SHARE if page.share else ""


def crumbs_html(page: Page) -> str:
    return (
        f'<div class="crumbs">{CRUMBS} • <span>{e(page.title)}</span></div>' if page.crumbs else ""
    )


def article_div(page: Page, body: str, above: list[list[str]], below: list[list[str]]) -> str:
    """The article in blocks: title, meta above, body, meta below, share; side list after."""
    above_html = "".join(f'<div class="info">{line_html(page, line)}</div>' for line in above)
    below_html = "".join(f'<p class="info">{line_html(page, line)}</p>' for line in below)
    return (
        f'{crumbs_html(page)}<div class="article">{title_html(page)}\n{above_html}\n'
        f'<div class="article-text">{body}</div>\n{below_html}\n{share_html(page)}</div>\n'
        f"{side_html(page)}\n"
    )


def article_table(page: Page, body: str, above: list[list[str]], below: list[list[str]]) -> str:
    """The article in table rows, the side list in a column of its own."""
    rows = [f"<tr><td>{crumbs_html(page)}</td></tr>" if page.crumbs else ""]
    rows.append(f"<tr><td>{title_html(page)}</td></tr>" if title_html(page) else "")
    rows += [f"<tr><td>{page.separator.join(line)}</td></tr>" for line in above]
    rows.append(f"<tr><td>{body}</td></tr>")
    rows += [f"<tr><td>{page.separator.join(line)}</td></tr>" for line in below]
    rows.append(f"<tr><td>{share_html(page)}</td></tr>" if page.share else "")
    return (
        '<table width="100%"><tr><td valign="top"><table class="news">'
        + "".join(rows)
        + f'</table></td><td width="220" valign="top">{side_html(page)}</td></tr></table>\n'
    )


def compose(page: Page) -> str:
    """The whole generated page."""
    body = "\n".join(f"<p>{e(paragraph)}</p>" for paragraph in page.paragraphs)
    above, below = meta_lines(page)
    build = article_div if page.layout == "div" else article_table
    og = ""
    head_title = f"{e(page.title)} | {SITE}"
    if page.title_container == "og":
        og, head_title = (
            f'<meta property="og:title" content="{e(page.title)}">\n',
            f"Новости | {SITE}",
        )
    return (
        f'<!DOCTYPE html>\n<html lang="ru"><head><meta charset="utf-8">\n{og}'
        f"<title>{head_title}</title></head>\n<body>"
        + (t.PANEL if page.panel else "")
        + (t.HEADERS[page.header] if page.header else "")
        + (t.MENU if page.menu else "")
        + build(page, body, above, below)
        + (t.FOOTERS[page.footer] if page.footer else "")
        + "</body></html>\n"
    )


def shown_moment(moment: datetime | None, form: str) -> datetime | None:
    """The moment as a reader of the form knows it: the day at local midnight without a time."""
    if moment is None:
        return None
    return moment if t.DATE_FORMS[form] else datetime.combine(moment.date(), datetime.min.time())


@settings(
    max_examples=300,
    deadline=None,
    derandomize=IN_CI,
    database=None if IN_CI else settings.default.database,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(pages)
@example(  # a table theme: bold title, the time in words alone, the update and views below
    Page(
        title="В Заднепровском районе отремонтировали детскую площадку",
        paragraphs=[
            "Жители микрорайона отремонтировали детскую площадку в Заднепровском районе.",
            "Подрядчики высадили молодые липы и клёны у городского парка до конца месяца.",
        ],
        published=datetime(2017, 4, 7, 18, 56),
        updated=datetime(2017, 4, 10, 9, 5),
        views=312,
        date_form="words_at",
        date_label="",
        views_label="Количество просмотров",
        updated_label="Актуализировано",
        colon=True,
        arrangement="split",
        separator=" ",
        layout="table",
        title_container="b",
        section_heading=False,
        panel=False,
        header=2,
        menu=True,
        crumbs=False,
        side=3,
        side_titles=["На площади Победы представили проект бюджета"],
        share=True,
        footer=2,
    )
)
def test_every_field_of_a_generated_page_is_what_a_reader_sees(page: Page) -> None:
    html = compose(page)
    note(html)
    parsed = parse_article(html, URL, tz=MSK)
    published = shown_moment(page.published, page.date_form)
    updated = shown_moment(page.updated, page.date_form)
    assert {
        "title": parsed.title,
        "published_at": parsed.published_at and parsed.published_at.isoformat(),
        "published_has_time": parsed.published_has_time,
        "updated_at": parsed.updated_at and parsed.updated_at.isoformat(),
        "views": parsed.views,
        "body_text": parsed.body_text,
    } == {
        "title": page.title,
        "published_at": published and published.replace(tzinfo=MSK).isoformat(),
        "published_has_time": t.DATE_FORMS[page.date_form],
        "updated_at": updated and updated.replace(tzinfo=MSK).isoformat(),
        "views": page.views,
        "body_text": "\n\n".join(page.paragraphs),
    }
