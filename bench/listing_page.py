"""A synthetic listing page of the site at full scale, with the entries a parser must find.

Items have an image link and a title link in different URL forms (and some a «Подробнее»
link), the page has a numbered pagination bar above and below the list, the main menu, a
breadcrumb, side blocks listing other sections' articles with their dates, and a footer.
"""

from datetime import date, timedelta
from html import escape
from typing import Any

ORIGIN = "https://www.smoladmin.ru"
NOVOSTI = "/press-centr/novosti/"
SUBJECTS = (
    ("remont-dorog", "ремонт дорог"),
    ("blagoustrojstvo-dvorov", "благоустройство дворов"),
    ("subbotnik", "субботник"),
    ("otopitelnyj-sezon", "отопительный сезон"),
    ("konkurs-luchshij-dvor", "конкурс «Лучший двор»"),
    ("shkolnaya-olimpiada", "школьную олимпиаду"),
)
VERBS = (
    ("obsudili", "В Смоленске обсудили"),
    ("zavershili", "В городе завершили"),
    ("nachali", "Администрация начала"),
    ("proverili", "Специалисты проверили"),
)
MONTHS = "января февраля марта апреля мая июня июля августа сентября октября ноября декабря"
MENU = [
    ("/ob-administracii/", "Об Администрации"),
    ("/ob-administracii/glava-goroda/", "Глава города"),
    ("/press-centr/", "Пресс-центр"),
    ("/press-centr/novosti/", "Новости"),
    ("/press-centr/meropriyatiya/", "Мероприятия"),
    ("/press-centr/dvizhenie-transporta/", "Движение транспорта"),
    ("/press-centr/vodo-i-teplosnabzhenie/", "Водо- и теплоснабжение"),
    ("/press-centr/programma-gorod-i-my/", "Программа «Город и мы»"),
    ("/dokumenty/", "Документы"),
    ("/gostyam-i-zhitelyam/", "Гостям и жителям"),
    ("/gostyam-i-zhitelyam/publichnye-slushaniya/", "Публичные слушания"),
    ("/biznesu/", "Бизнесу"),
    ("/obrascheniya-grazhdan/", "Обращения граждан"),
    ("/protivodejstvie-korrupcii/", "Противодействие коррупции"),
    ("/kontakty/", "Контакты"),
]


def e(text: object) -> str:
    return escape(str(text), quote=True)


def entry(number: int, day: date) -> dict[str, Any]:
    """The number-th article of the list: its slug, title and date."""
    verb_slug, verb = VERBS[number % len(VERBS)]
    subject_slug, subject = SUBJECTS[number // len(VERBS) % len(SUBJECTS)]
    return {
        "slug": f"{verb_slug}-{subject_slug}-{number}",
        "title": f"{verb} {subject}: выпуск {number}",
        "day": day,
    }


def link_forms(slug: str, number: int) -> tuple[str, str]:
    """The image link and the title link of one item, in the URL forms the site mixes."""
    forms = (
        (f"{NOVOSTI}{slug}/", f"{NOVOSTI}{slug}/"),
        (f"{ORIGIN}{NOVOSTI}{slug}/", f"{NOVOSTI}{slug}"),
        (f"http://smoladmin.ru{NOVOSTI}{slug}", f"https://smoladmin.ru.{NOVOSTI}{slug}/"),
        (f"{NOVOSTI}{slug}?ssv", f"{NOVOSTI}{slug}/"),
    )
    return forms[number % len(forms)]


def shown_date(day: date, number: int) -> str:
    if number % 5 == 4:
        return f"{day.day} {MONTHS.split()[day.month - 1]} {day.year}"
    return day.strftime("%d.%m.%Y")


def item_html(item: dict[str, Any], number: int) -> str:
    picture, title = link_forms(item["slug"], number)
    image = (
        f'<a class="b-newslist__pic" href="{e(picture)}"><img src="/upload/iblock/{number}.jpg"'
        ' alt=""></a>'
        if number % 7 != 3
        else ""
    )
    more = (
        f' <a class="b-newslist__more" href="{e(title)}">Подробнее</a>' if number % 3 == 0 else ""
    )
    return (
        f'<div class="b-newslist__item">{image}<div class="b-newslist__info">'
        f'<span class="b-newslist__date">{shown_date(item["day"], number)}</span> '
        f'<a class="b-newslist__title" href="{e(title)}">{e(item["title"])}</a>'
        f'<p class="b-newslist__teaser">Подробности о том, как {e(item["title"].lower())}.'
        f"</p>{more}</div></div>\n"
    )


def pager_html(page: int, pages: int, window: int | None = None) -> str:
    """The numbered bar: every page (or the first, the last and those within window of the
    current one), the current one as text, previous and next."""
    links = [f'<a class="b-pageline__prev" href="?page={page - 1}">&laquo;</a>'] if page > 1 else []
    for number in range(1, pages + 1):
        if window is not None and abs(number - page) > window and number not in (1, pages):
            continue
        if number == page:
            links.append(f'<span class="b-pageline__cur">{number}</span>')
        else:
            href = NOVOSTI if number == 1 else f"?page={number}"
            links.append(f'<a class="b-pageline__num" href="{href}">{number}</a>')
    if page < pages:
        links.append(f'<a class="b-pageline__next" href="?page={page + 1}">&raquo;</a>')
    return f'<div class="b-pageline">{" ".join(links)}</div>\n'


def side_blocks(first_day: date) -> str:
    """Other sections' latest announcements with their dates, and a banner block."""
    blocks = []
    for path, head in (
        ("/press-centr/meropriyatiya/", "Мероприятия"),
        ("/press-centr/dvizhenie-transporta/", "Движение транспорта"),
    ):
        rows = "".join(
            f"<li><span>{(first_day - timedelta(days=n)).strftime('%d.%m.%Y')}</span> "
            f'<a href="{path}anons-{n}/">{head}: анонс {n}</a></li>'
            for n in range(8)
        )
        blocks.append(f'<div class="b-side-block"><div>{head}</div><ul>{rows}</ul></div>')
    blocks.append(
        '<div class="b-side-banner"><a href="https://www.gosuslugi.ru/">Госуслуги</a> '
        '<a href="https://school29.smoladmin.ru/">Школа № 29</a> '
        '<a href="/upload/docs/plan.pdf">План (PDF)</a></div>'
    )
    return '<aside class="b-columns__side">' + "".join(blocks) + "</aside>\n"


def synthetic_listing(
    items: int, page: int, pages: int, pager_window: int | None = None
) -> tuple[str, dict[str, Any]]:
    """The HTML of page `page` of the news listing, and what a parser must find on it."""
    first_number = (page - 1) * items
    newest = date(2024, 3, 1) - timedelta(days=first_number // 3)
    entries = [
        entry(n, newest - timedelta(days=(n - first_number) // 3))
        for n in range(first_number, first_number + items)
    ]
    menu = "".join(f'<li><a href="{href}">{e(text)}</a></li>' for href, text in MENU)
    html = (
        '<!DOCTYPE html>\n<html lang="ru"><head><meta charset="utf-8">\n'
        f"<title>Новости — страница {page} — Администрация города Смоленска</title></head>\n"
        '<body class="b-page">\n<div class="b-topline"><a href="?ssv">Версия для слабовидящих</a>'
        ' <a href="/karta-sajta/">Карта сайта</a> <a href="#top">Наверх</a></div>\n'
        f'<header class="b-header"><a href="/">Администрация города Смоленска</a>'
        f'<nav class="b-mainmenu"><ul>{menu}</ul></nav></header>\n'
        '<div class="b-wrapper"><div class="b-crumbs"><a href="/">Главная</a> • '
        '<a href="/press-centr/">Пресс-центр</a> • <span>Новости</span></div>\n'
        '<div class="b-columns"><main class="b-columns__main"><h1>Новости</h1>\n'
        + pager_html(page, pages, pager_window)
        + '<div class="b-newslist">\n'
        + "".join(item_html(item, first_number + i) for i, item in enumerate(entries))
        + "</div>\n"
        + pager_html(page, pages, pager_window)
        + "</main>\n"
        + side_blocks(newest)
        + "</div></div>\n"
        '<footer class="b-footer"><div>© 2026 Администрация города Смоленска</div>'
        "<div>214000, Смоленск, ул. Октябрьской революции, 1/2</div>"
        '<a href="mailto:smol@smoladmin.ru">smol@smoladmin.ru</a>'
        '<a href="javascript:void(0)">Версия для печати</a></footer>\n</body></html>\n'
    )
    served = f"{ORIGIN}{NOVOSTI}?page={page}"
    expected = {
        "served_url": served,
        "section": "novosti",
        "entries": [
            {
                "url": f"{ORIGIN}{NOVOSTI.rstrip('/')}/{item['slug']}",
                "title": item["title"],
                "listed_date": item["day"].isoformat(),
            }
            for item in entries
        ],
        "pagination": sorted(
            f"{ORIGIN}{NOVOSTI.rstrip('/')}?page={n}" for n in range(1, pages + 1) if n != page
        ),
    }
    return html, expected
