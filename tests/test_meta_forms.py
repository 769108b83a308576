"""Dates, view counts and titles in the forms other templates print them, one case a row."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from scraper.parsing.article import parse_article
from scraper.parsing.dates import find_dates, month_number, parse_meta_line

MSK = ZoneInfo("Europe/Moscow")
URL = "https://www.smoladmin.ru/press-centr/novosti/subbotnik"
FOOTER = (
    '<div class="f"><p>© 2026 Администрация города Смоленска</p>'
    "<p>214000, Смоленск, ул. Октябрьской революции, 1/2</p></div>"
)
SIDE = (
    '<div class="side"><div>Другие новости</div>'
    '<div><a href="/press-centr/novosti/a">Открыли сквер у реки</a> 01.02.2017</div>'
    '<div><a href="/press-centr/novosti/b">Ремонт моста завершён досрочно</a> 03.02.2017</div>'
    "</div>"
)
TITLE = "Горожан зовут на субботник"
BODY = "В субботу жители выйдут на уборку дворов и скверов. Инвентарь выдадут на месте."


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=MSK)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "published", "has_time", "updated", "views"),
    [
        ("Опубликовано: 07.04.2017 18:56 Просмотров: 312", at(2017, 4, 7, 18, 56), True, None, 312),
        ("Опубликовано 7.4.2017", at(2017, 4, 7), False, None, None),
        ("Дата публикации: 2017-04-07", at(2017, 4, 7), False, None, None),
        ("Дата публикации 2017-04-07 18:56", at(2017, 4, 7, 18, 56), True, None, None),
        ("Размещено: 7 апреля 2017 г. в 18:56", at(2017, 4, 7, 18, 56), True, None, None),
        ("Размещено 7 апр. 2017, 18:56", at(2017, 4, 7, 18, 56), True, None, None),
        ("Дата: 7 апреля 2017 года", at(2017, 4, 7), False, None, None),
        ("Дата 12 сент 2023", at(2023, 9, 12), False, None, None),
        ("7 апреля 2017 г. в 18:56", at(2017, 4, 7, 18, 56), True, None, None),
        ("18:56, 7 апреля 2017", at(2017, 4, 7, 18, 56), True, None, None),
        ("Опубликовано 07.04.2017 в 18 ч. 56 мин.", at(2017, 4, 7, 18, 56), True, None, None),
        (
            "Актуализировано 8 апреля 2017 г. в 10:05 Опубликовано: 7.4.2017",
            at(2017, 4, 7),
            False,
            at(2017, 4, 8, 10, 5),
            None,
        ),
        ("Обновлено: 08.04.2017 10:05 Просмотры: 1 207", None, False, at(2017, 4, 8, 10, 5), 1207),
        ("Количество просмотров: 312", None, False, None, 312),
        ("312 просмотров", None, False, None, 312),
        ("07.04.2017 18:56 | 1 207 просмотров", at(2017, 4, 7, 18, 56), True, None, 1207),
        ("Просмотрено: 45", None, False, None, 45),
    ],
)
def test_meta_line_forms(text, published, has_time, updated, views) -> None:
    meta = parse_meta_line(text, MSK)
    assert meta is not None
    assert (meta.published_at, meta.published_has_time, meta.updated_at, meta.views) == (
        published,
        has_time,
        updated,
        views,
    )


@pytest.mark.parametrize(
    ("word", "month"),
    [("апреля", 4), ("апр", 4), ("Апреля", 4), ("сент", 9), ("мая", 5), ("дек", 12)],
)
def test_month_words_are_read_by_dateparser(word: str, month: int) -> None:
    assert month_number(word) == month


@pytest.mark.parametrize("word", ["пн", "понедельник", "сегодня", "мин", "домов", "года"])
def test_words_that_are_not_months_give_no_date(word: str) -> None:
    assert month_number(word) is None
    assert find_dates(f"5 {word} 2017") == []


@pytest.mark.parametrize(
    "text",
    ["31.02.2023", "телефон 8-4812-38-19-44", "1.2.3", "версия 2.10.2017.5", "2017-13-01"],
)
def test_texts_that_hold_no_valid_date(text: str) -> None:
    assert find_dates(text) == []


def test_a_time_skipped_by_a_clock_change_is_resolved_with_a_warning() -> None:
    meta = parse_meta_line("Опубликовано: 27.03.2011 02:30", MSK)
    assert meta.published_at == at(2011, 3, 27, 3, 30)
    assert meta.published_at.utcoffset().total_seconds() == 4 * 3600
    assert meta.warnings == (
        "time 27.03.2011 02:30 does not exist in Europe/Moscow (clocks moved forward); "
        "read as 03:30",
    )


def test_a_time_repeated_by_a_clock_change_is_read_as_the_first_with_a_warning() -> None:
    meta = parse_meta_line("Опубликовано: 26.10.2014 01:30", MSK)
    assert meta.published_at.utcoffset().total_seconds() == 4 * 3600
    assert "happened twice" in meta.warnings[0]


def test_a_date_the_archive_cannot_store_is_dropped_with_a_warning() -> None:
    meta = parse_meta_line("Опубликовано: 01.01.0001 00:00 Просмотров: 5", MSK)
    assert meta.published_at is None
    assert meta.views == 5
    assert meta.warnings == ("date 01.01.0001 00:00 is outside what the archive can store",)


def page(inner: str, head: str = f"<title>{TITLE} | Администрация города Смоленска</title>"):
    html = f"<html><head>{head}</head><body>{inner}{SIDE}{FOOTER}</body></html>"
    return parse_article(html, URL, tz=MSK)


@pytest.mark.parametrize(
    ("inner", "published", "has_time", "updated", "views", "cue"),
    [
        (  # a table layout: bold title, the date in words on its own row, views after the text
            f'<table><tr><td class="menu"><a href="/">Главная</a><br><a href="/n/">Новости</a>'
            f"</td><td><table><tr><td><b>{TITLE}</b></td></tr>"
            "<tr><td>7 апреля 2017 г. в 18:56</td></tr>"
            f"<tr><td>{BODY}</td></tr><tr><td>Актуализировано 8 апреля 2017 г. в 10:05</td></tr>"
            "<tr><td>Количество просмотров: 312</td></tr></table></td></tr></table>",
            at(2017, 4, 7, 18, 56),
            True,
            at(2017, 4, 8, 10, 5),
            312,
            "bold-matching-title-tag",
        ),
        (  # a section name in h1, the title in a block whose class says so, meta before body
            f'<div><h1>Новости</h1><div class="news-title">{TITLE}</div>'
            '<div class="info">Дата публикации 2017-04-07 18:56 | Просмотры: 1 207</div>'
            f'<div class="text"><p>{BODY}</p></div></div>',
            at(2017, 4, 7, 18, 56),
            True,
            None,
            1207,
            "title-class",
        ),
        (  # label and value in separate cells of a definition list
            f"<h2>{TITLE}</h2><dl><dt>Опубликовано</dt><dd>07.04.2017 18:56</dd>"
            f"<dt>Просмотров</dt><dd>90</dd></dl><p>{BODY}</p>",
            at(2017, 4, 7, 18, 56),
            True,
            None,
            90,
            "heading-matching-title-tag",
        ),
        (  # the date above the title, the count apart after the text
            f'<div><div class="d">18:56, 7 апреля 2017</div><h3>{TITLE}</h3><p>{BODY}</p>'
            "<div>Просмотров 55</div></div>",
            at(2017, 4, 7, 18, 56),
            True,
            None,
            55,
            "heading-matching-title-tag",
        ),
        (  # a strong line as the title, «Дата:» and a date-only «Обновлено»
            f"<div><p><strong>{TITLE}</strong></p><p>Дата: 7 апреля 2017 года</p>"
            f"<p>{BODY} Запись до 28 апреля 2017 года.</p><p>Обновлено: 08.04.2017</p></div>",
            at(2017, 4, 7),
            False,
            at(2017, 4, 8),
            None,
            "bold-matching-title-tag",
        ),
        (  # an unlabelled date alone after the text, before a «Назад» link
            f'<div><h1>{TITLE}</h1><p>{BODY}</p><p>07.04.2017</p><p><a href="/n/">Назад</a></p>'
            "</div>",
            at(2017, 4, 7),
            False,
            None,
            None,
            "h1",
        ),
    ],
)
def test_fields_are_found_by_meaning_in_other_markups(
    inner, published, has_time, updated, views, cue
) -> None:
    parsed = page(inner)
    assert parsed.title == TITLE
    assert (parsed.published_at, parsed.published_has_time) == (published, has_time)
    assert (parsed.updated_at, parsed.views) == (updated, views)
    assert parsed.body_text.startswith(BODY)
    for chrome in ("Опубликовано", "просмотр", "Просмотр", "Другие новости", "©", "2017 г."):
        assert chrome not in parsed.body_text
    assert parsed.cues["title"] == cue


def test_the_title_only_declared_in_og_title_with_meta_after_the_text() -> None:
    parsed = page(
        '<div class="hdr">Администрация города Смоленска официальный сайт</div>'
        f'<div class="c"><p>{BODY}</p><p>Второй абзац новости.</p>'
        "<p>Размещено: 7 апр. 2017, 18:56</p><p>312 просмотров</p></div>",
        head=f'<meta property="og:title" content="{TITLE}"><title>Администрация</title>',
    )
    assert (parsed.title, parsed.cues["title"], parsed.cues["body"]) == (
        TITLE,
        "og:title",
        "densest-block",
    )
    assert (parsed.published_at, parsed.views) == (at(2017, 4, 7, 18, 56), 312)
    assert parsed.body_text == f"{BODY}\n\nВторой абзац новости."


def test_dates_in_side_lists_and_the_title_are_not_the_publication_date() -> None:
    parsed = page(f"<div><h1>05.03.2024 — публичные слушания</h1><p>{BODY}</p></div>")
    assert parsed.published_at is None
    assert parsed.meta_line_raw is None


def test_a_date_inside_the_text_is_not_the_publication_date() -> None:
    parsed = page(f"<div><h1>{TITLE}</h1><p>Приём заявок до 07.04.2017 включительно.</p></div>")
    assert parsed.published_at is None


def test_a_page_with_text_outside_the_chrome_never_gives_an_empty_body() -> None:
    parsed = page(f"<h1>{TITLE}</h1><section><p>{BODY}</p></section>")
    assert parsed.body_text == BODY


def test_an_empty_body_names_the_cue_that_failed() -> None:
    parsed = page(f"<h1>{TITLE}</h1>")
    assert parsed.body_text == ""
    assert "no body text found (title cue: h1; no text beside it or elsewhere)" in parsed.warnings


@pytest.mark.parametrize(
    "link",
    ["javascript:alert(1)", "JavaScript:void(0)", "data:text/html,<b>x</b>", "file:///etc/passwd"],
)
def test_images_and_attachments_keep_only_web_urls(link: str) -> None:
    parsed = page(
        f'<div><h1>{TITLE}</h1><p>{BODY}</p><p><img src="{link}"><img src="/upload/a.jpg"></p>'
        f'<p><a href="{link}#x.pdf">Решение.pdf</a> <a href="/upload/r.pdf">Решение</a></p></div>'
    )
    assert parsed.images == ["https://www.smoladmin.ru/upload/a.jpg"]
    assert [a.url for a in parsed.attachments] == ["https://www.smoladmin.ru/upload/r.pdf"]
    if not link.startswith("data:"):
        assert any("not an http(s) URL" in warning for warning in parsed.warnings)
