"""HTML templates of the fake site: chrome, article templates and older themes, listings, pagers."""

from html import escape

Block = str | tuple

MENU = """<nav class="mainmenu"><ul><li><a href="/ob-administracii/">Об Администрации</a></li>
<li><a href="/press-centr/">Пресс-центр</a><ul>
<li><a href="/press-centr/novosti/">Новости</a></li>
<li><a href="/press-centr/meropriyatiya/">Мероприятия</a></li>
<li><a href="/press-centr/dvizhenie-transporta/">Движение транспорта</a></li>
<li><a href="/press-centr/vodo-i-teplosnabzhenie/">Водо- и теплоснабжение</a></li>
<li><a href="/press-centr/programma-gorod-i-my/">Программа «Город и мы»</a></li></ul></li>
<li><a href="/gostyam-i-zhitelyam/">Гостям и жителям</a><ul>
<li><a href="/gostyam-i-zhitelyam/publichnye-slushaniya/">Публичные слушания</a></li>
<li><a href="/gostyam-i-zhitelyam/obschestvennoe-samoupravlenie/novosti-tos/">Новости ТОС</a></li>
</ul></li><li><a href="/kontakty/">Контакты</a></li></ul></nav>
"""

PANEL = """<div class="special-panel">
<div class="special-panel__row"><span>Размер шрифта:</span> <a href="?svSize=1">А</a>
 <a href="?svSize=2">А</a></div>
<div class="special-panel__row"><span>Цвета сайта:</span> <a href="?svColor=2">Ц</a>
 <a href="?svColor=3">Ц</a></div>
<div class="special-panel__row"><span>Настройки:</span>
 <span>Интервал между буквами (Кернинг):</span> <span>Стандартный</span>
 <a href="?svSpace=1">Средний</a> <a href="?svSpace=2">Большой</a></div>
<div class="special-panel__row">12 14 16</div><a href="?">Обычная версия сайта</a></div>
"""

HEADERS = {
    1: """<div class="b-topline"><a class="b-topline__eye" href="?ssv">Версия для слабовидящих</a>
 <a class="b-topline__link" href="/search/">Поиск</a></div>
<header class="b-head"><a class="b-head__logo" href="/"><span>Администрация города Смоленска</span>
 <span>официальный сайт</span></a></header>
""",
    2: """<div id="top" class="site-top"><div class="site-top__logo"><a href="/">Администрация
 города Смоленска</a><div class="site-top__sub">официальный сайт</div></div>
<a class="site-top__special" href="/?ssv">Версия для слабовидящих</a></div>
""",
    3: """<header class="hdr-x"><a class="hdr-x__brand" href="/">Администрация города Смоленска</a>
 <a class="hdr-x__eye" href="?ssv">Версия для слабовидящих</a></header>
""",
}

FOOTERS = {
    1: """<footer class="b-foot"><div class="b-foot__services"><b>Электронные услуги</b>
 <a href="https://www.gosuslugi.ru/">Госуслуги</a></div>
<div class="b-foot__copy">© 2026 Администрация города Смоленска</div>
<div class="b-foot__addr">214000, Смоленск, ул. Октябрьской революции, 1/2</div>
<div class="b-foot__mail">E-mail: <a href="mailto:smol@smoladmin.ru">smol@smoladmin.ru</a></div>
<div class="b-foot__note">Официальный сайт Администрации города Смоленска не является средством
 массовой информации</div></footer>
""",
    2: """<div id="footer"><p>© 2026 Администрация города Смоленска<br>
214000, Смоленск, ул. Октябрьской революции, 1/2<br>smol@smoladmin.ru</p>
<p class="disclaimer">Официальный сайт Администрации города Смоленска не является средством
 массовой информации</p></div>
""",
    3: """<footer class="ftr-x"><p>© 2026 Администрация города Смоленска ·
 214000, Смоленск, ул. Октябрьской революции, 1/2 · smol@smoladmin.ru</p>
<p>Официальный сайт Администрации города Смоленска не является средством массовой информации</p>
</footer>
""",
}

BANNERS = """<div class="b-banners"><a href="https://school29.smoladmin.ru/news/">Школа № 29</a>
 <a href="https://www.gosuslugi.ru/">Портал госуслуг</a>
 <a href="/upload/docs/plan.pdf">План благоустройства (PDF)</a></div>
"""

SITE = "Администрация города Смоленска"
BODY_CLASSES = {1: "b-page", 2: "page", 3: "site-x"}


def e(text: object) -> str:
    """Escape text for HTML."""
    return escape(str(text), quote=True)


def document(title: str, inner: str, tpl: int = 1, special: bool = False, cs: str = "utf-8") -> str:
    """A whole page: panel (accessibility mode), header, menu, content, footer."""
    head = f"{e(title)} — {SITE}" if title else SITE
    return (
        f'<!DOCTYPE html>\n<html lang="ru"><head><meta charset="{cs}">\n'
        f"<title>{head}</title></head>\n"
        f'<body class="{BODY_CLASSES[tpl]}{" special" if special else ""}">\n'
        f"{PANEL if special else ''}{HEADERS[tpl]}{MENU}{inner}{FOOTERS[tpl]}</body></html>\n"
    )


def block_html(block: Block) -> str:
    """One body block: paragraph, list, table, figure or a paragraph with a link."""
    if isinstance(block, str):
        return f"<p>{e(block)}</p>"
    kind, data = block[0], block[1]
    if kind == "ul":
        return "<ul>" + "".join(f"<li>{e(item)}</li>" for item in data) + "</ul>"
    if kind == "table":
        tags = ["th"] + ["td"] * (len(data) - 1)
        rows = [
            "".join(f"<{c}>{e(x)}</{c}>" for x in row) for c, row in zip(tags, data, strict=True)
        ]
        return '<table class="program">' + "".join(f"<tr>{r}</tr>" for r in rows) + "</table>"
    if kind == "img":
        return f'<figure><img src="{data}" alt=""><figcaption>{e(block[2])}</figcaption></figure>'
    return f'<p>{e(block[3])} <a href="{data}">{e(block[2])}</a></p>'


def meta_html(tpl: int, published: str, updated: str | None, views: int) -> str:
    """The meta line: one div (template 1) or labelled spans in wrapper rows (template 2)."""
    if tpl == 1:
        upd = f" Актуализировано: {updated}" if updated else ""
        text = f"Опубликовано: {published}{upd} Просмотров: {views}"
        return f'<div class="b-article__info">{text}</div>'
    rows = [("Опубликовано:", published), ("Актуализировано:", updated), ("Просмотров:", views)]
    inner = "".join(
        f'<div class="news-info__row"><span class="lbl">{label}</span> <span>{value}</span></div>'
        for label, value in rows
        if value is not None
    )
    return f'<div class="news-info"><div class="news-info__wrap">{inner}</div></div>'


def side_block(tpl: int, links: list[tuple[str, str, str]]) -> str:
    """The «Другие новости» block: (href, title, date) links to other articles."""
    if tpl == 1:
        items = "".join(f'<li>{d} <a href="{h}">{e(t)}</a></li>' for h, t, d in links)
        return f'<aside class="b-side"><div>Другие новости</div><ul>{items}</ul></aside>'
    items = "".join(f'<div><a href="{h}">{e(t)}</a> <small>{d}</small></div>' for h, t, d in links)
    if tpl == 3:
        items = "".join(f'<li><a href="{h}">{e(t)}</a></li>' for h, t, _ in links)
        return f'<nav class="related-x"><div>Читайте также</div><ul>{items}</ul></nav>'
    head = "<h3>Другие новости</h3>"
    return f'<div class="col-side"><div class="more-news">{head}{items}</div></div>'


def article_main(tpl: int, title: str, body: str, meta: str, side: str, crumbs: str) -> str:
    """The content area of an article page; template 3 (redesign) has no heading, meta, crumbs."""
    if tpl == 3:
        return (
            f'<section class="story-x"><div class="headline-x">{e(title)}</div>\n'
            f'<div class="story-x__body">{body}</div></section>\n{side}\n'
        )
    if tpl == 1:
        return (
            f'<div class="b-crumbs">{crumbs} • <span>{e(title)}</span></div>\n'
            '<main class="b-layout">'
            f'<div class="b-article"><h1 class="b-article__title">{e(title)}</h1>\n'
            f'<div class="b-article__text">{body}</div>\n{meta}\n<div class="b-share">Поделиться: '
            '<a href="https://vk.com/share.php">ВКонтакте</a></div></div>\n'
            f"{side}</main>\n"
        )
    return (
        f'<div class="content-area"><div class="col-main"><h1 class="page-title">{e(title)}</h1>\n'
        f'<div class="text-block">{body}</div>\n{meta}</div>\n{side}</div>\n'
    )


def listing_item(style: str, href: str, title: str, day: str, teaser: str) -> str:
    """One item of a section listing."""
    if style == "path":
        return (
            f'<div class="news-item"><span class="news-item__date">{day}</span> '
            f'<a class="news-item__link" href="{href}">{e(title)}</a><p>{e(teaser)}</p></div>\n'
        )
    return (
        f'<div class="b-list__item"><div class="b-list__date">{day}</div>'
        f'<a class="b-list__title" href="{href}">{e(title)}</a>'
        f'<div class="b-list__text">{e(teaser)}</div></div>\n'
    )


def pager(style: str, base: str, page: int, pages: int) -> str:
    """A pager: `?page=N` in div.b-pageline, or `/page/N/` with a.pageline__next2."""
    if style == "query":
        url = {n: f"{base}?page={n}" for n in range(1, pages + 1)}
        prev, nxt = (base if page == 2 else f"?page={page - 1}"), f"?page={page + 1}"
        cls, prev_cls, next_cls = "b-pageline", "b-pageline__prev", "b-pageline__next"
    else:
        url = {n: base if n == 1 else f"{base}page/{n}/" for n in range(1, pages + 1)}
        prev, nxt = url.get(page - 1), url.get(page + 1)
        cls, prev_cls, next_cls = "pageline", "pageline__prev2", "pageline__next2"
    links = [f'<a class="{prev_cls}" href="{prev}">Предыдущая</a>'] if page > 1 else []
    links += [
        f'<a href="{u}">{n}</a>' if n != page else f"<span>{n}</span>" for n, u in url.items()
    ]
    if page < pages:
        links.append(f'<a class="{next_cls}" href="{nxt}">Следующая</a>')
    return f'<div class="{cls}">{" ".join(links)}</div>' if pages > 1 else ""


# Older themes of the site that still render its older news. Each takes variants that change
# only what a reader sees (labels, date forms, where the title and the counts stand), so one
# theme yields several plausible pages.
GENITIVE = "января февраля марта апреля мая июня июля августа сентября октября ноября декабря"
SHORT = "янв. февр. мар. апр. мая июн. июл. авг. сент. окт. нояб. дек."
MONTHS_GENITIVE, MONTHS_SHORT = GENITIVE.split(), SHORT.split()
DATE_FORMS = {  # form: whether it shows the time of day
    "dmy_time": True,  # 07.04.2017 18:56
    "dmy_short": False,  # 7.4.2017
    "iso": False,  # 2017-04-07
    "iso_time": True,  # 2017-04-07 18:56
    "words_at": True,  # 7 апреля 2017 г. в 18:56
    "short_month_time": True,  # 7 апр. 2017, 18:56
    "words_year": False,  # 7 апреля 2017 года
}


def date_text(when: str, form: str) -> str:
    """'2017-04-07T18:56' (or '2017-04-07' for a date-only form) written in one of DATE_FORMS."""
    y, m, d = (int(x) for x in when[:10].split("-"))
    hm = when[11:16]
    return {
        "dmy_time": f"{d:02}.{m:02}.{y} {hm}",
        "dmy_short": f"{d}.{m}.{y}",
        "iso": f"{y}-{m:02}-{d:02}",
        "iso_time": f"{y}-{m:02}-{d:02} {hm}",
        "words_at": f"{d} {MONTHS_GENITIVE[m - 1]} {y} г. в {hm}",
        "short_month_time": f"{d} {MONTHS_SHORT[m - 1]} {y}, {hm}",
        "words_year": f"{d} {MONTHS_GENITIVE[m - 1]} {y} года",
    }[form]


def labelled(label: str, value: object) -> str:
    """'Label value', or the value alone for an empty label."""
    return f"{label} {value}" if label else str(value)


# "table" (about 2016): everything in nested tables, the title a bold line, the time in words
# on its own line, «Актуализировано» and the view count on lines after the body.
# "detail" (about 2018): div theme, title in h2/h3, the date above the body under a label
# (with or without a colon), the views (and the update) below it or on the date's line.
# "portal" (about 2020): the title in a block whose class says so, or only in the page head
# while the page's one heading names the section; the meta on one line after the body.
ERA_VARIANTS: dict[str, list[dict[str, str]]] = {
    "table": [
        {
            "title": "b",
            "form": "words_at",
            "date": "",
            "updated": "Актуализировано",
            "views": "Количество просмотров:",
        },
        {
            "title": "strong",
            "form": "words_year",
            "date": "Дата:",
            "updated": "Актуализировано:",
            "views": "Количество просмотров:",
        },
        {
            "title": "b",
            "form": "short_month_time",
            "date": "Опубликовано",
            "updated": "Обновлено",
            "views": "Просмотров:",
        },
    ],
    "detail": [
        {
            "title": "h2",
            "form": "dmy_time",
            "date": "Дата публикации",
            "updated": "Обновлено:",
            "views": "Просмотры:",
            "order": "date-body-views",
        },
        {
            "title": "h3",
            "form": "iso_time",
            "date": "Размещено:",
            "updated": "Обновлено",
            "views": "Просмотров:",
            "order": "date-views-body",
        },
        {
            "title": "h2",
            "form": "dmy_short",
            "date": "Опубликовано:",
            "updated": "Обновлено:",
            "views": "Просмотров",
            "order": "date-body-views",
        },
    ],
    "portal": [
        {
            "title": "news-title",
            "form": "short_month_time",
            "date": "Дата:",
            "updated": "Обновлено:",
            "views": "Просмотров",
        },
        {
            "title": "head-only",
            "form": "iso",
            "date": "Опубликовано",
            "updated": "Обновлено",
            "views": "Просмотры:",
        },
        {
            "title": "head-only",
            "form": "words_at",
            "date": "Размещено:",
            "updated": "Актуализировано:",
            "views": "Количество просмотров:",
        },
    ],
}
SHARE = (
    '<div class="share">Поделиться: <a href="https://vk.com/share.php">ВКонтакте</a> '
    '<a href="https://connect.ok.ru/offer">Одноклассники</a></div>'
)


def era_side(links: list[tuple[str, str, str]]) -> str:
    """«Другие новости» of the older themes: date line, then the linked title."""
    items = "".join(
        f'<div class="other-item"><div class="other-date">{d}</div><a href="{h}">{e(t)}</a></div>'
        for h, t, d in links
    )
    return f'<div class="other-news"><div class="other-head">Другие новости</div>{items}</div>'


def _head(title: str, og_title: bool) -> str:
    """<head> of the older themes; the portal theme names the article in og:title."""
    og = f'<meta property="og:title" content="{e(title)}">\n' if og_title else ""
    return (
        '<!DOCTYPE html>\n<html lang="ru"><head><meta charset="utf-8">\n'
        f"{og}<title>{e(title)} | {SITE}</title></head>\n"
    )


def table_era_page(v: dict[str, str], a: dict[str, object], chrome: dict[str, str]) -> str:
    """An article page of the table theme."""
    title_line = f"<{v['title']}>{e(a['title'])}</{v['title']}>"
    rows = [
        f'<tr><td class="nav-path">{chrome["crumbs"]}</td></tr>' if chrome["crumbs"] else "",
        f'<tr><td class="zag">{title_line}</td></tr>',
        f'<tr><td class="data">{labelled(v["date"], a["published"])}</td></tr>',
        f'<tr><td class="txt">{a["body"]}</td></tr>',
        f'<tr><td class="data">{labelled(v["updated"], a["updated"])}</td></tr>'
        if a["updated"]
        else "",
        f'<tr><td class="data">{labelled(v["views"], a["views"])}</td></tr>',
        f"<tr><td>{SHARE}</td></tr>",
    ]
    article = '<table class="news-view" width="100%">' + "".join(rows) + "</table>"
    return (
        _head(str(a["title"]), False)
        + f'<body class="old-site">{chrome["panel"]}'
        + '<table class="main" width="100%" cellpadding="0" cellspacing="0">\n'
        + f'<tr><td colspan="3" class="top">{HEADERS[2]}</td></tr>\n'
        + f'<tr><td class="left" width="200" valign="top">{MENU}</td>\n'
        + f'<td class="center" valign="top">{article}</td>\n'
        + f'<td class="right" width="220" valign="top">{chrome["side"]}</td></tr>\n'
        + f'<tr><td colspan="3" class="bottom">{FOOTERS[2]}</td></tr></table>\n'
        + "</body></html>\n"
    )


def detail_era_page(v: dict[str, str], a: dict[str, object], chrome: dict[str, str]) -> str:
    """An article page of the detail theme."""
    tag = v["title"]
    date = labelled(v["date"], a["published"])
    views = labelled(v["views"], a["views"])
    updated = labelled(v["updated"], a["updated"]) if a["updated"] else ""
    if v["order"] == "date-views-body":
        stats = " | ".join(x for x in (date, updated, views) if x)
        above, below = f'<div class="news-detail__stat">{stats}</div>', ""
    else:
        stats = " · ".join(x for x in (views, updated) if x)
        above = f'<div class="news-detail__date">{date}</div>'
        below = f'<div class="news-detail__stat">{stats}</div>'
    crumbs = f'<div class="path">{chrome["crumbs"]}</div>' if chrome["crumbs"] else ""
    return (
        _head(str(a["title"]), False)
        + f'<body class="inner">{chrome["panel"]}{HEADERS[1]}{MENU}<div class="wrapper">{crumbs}'
        + f'<div class="news-detail"><{tag} class="news-detail__name">{e(a["title"])}</{tag}>\n'
        + f'{above}\n<div class="news-detail__text">{a["body"]}</div>\n{below}\n{SHARE}</div>\n'
        + f'<div class="sidebar">{chrome["side"]}</div></div>\n{FOOTERS[1]}</body></html>\n'
    )


def portal_era_page(v: dict[str, str], a: dict[str, object], chrome: dict[str, str]) -> str:
    """An article page of the portal theme."""
    head_only = v["title"] == "head-only"
    heading = (
        f"<h1>{e(chrome['section'])}</h1>"
        if head_only
        else f'<div class="news-title">{e(a["title"])}</div>'
    )
    parts = [labelled(v["date"], a["published"])]
    if a["updated"]:
        parts.append(labelled(v["updated"], a["updated"]))
    parts.append(labelled(v["views"], a["views"]))
    meta = '<div class="news-props">' + "".join(f"<span>{p}</span> " for p in parts) + "</div>"
    crumbs = f'<div class="crumbs">{chrome["crumbs"]}</div>' if chrome["crumbs"] else ""
    return (
        _head(str(a["title"]), head_only)
        + f'<body>{chrome["panel"]}{HEADERS[3]}{MENU}<div class="portal-page">{crumbs}{heading}\n'
        + f'<div class="news-card"><div class="news-card__content">{a["body"]}</div>\n{meta}\n'
        + f"{SHARE}</div>\n{chrome['side']}</div>\n{FOOTERS[2]}</body></html>\n"
    )


ERA_PAGES = {"table": table_era_page, "detail": detail_era_page, "portal": portal_era_page}


def era_page(
    era: str,
    variant: int,
    article: dict[str, object],
    chrome: dict[str, str],
) -> str:
    """A whole page of an older theme. `article`: title, body (HTML), published and updated
    (ISO 'YYYY-MM-DDTHH:MM' or None), views; `chrome`: panel, crumbs, side (HTML), section."""
    v = ERA_VARIANTS[era][variant % len(ERA_VARIANTS[era])]
    shown = {
        **article,
        "published": date_text(str(article["published"]), v["form"]),
        "updated": article["updated"] and date_text(str(article["updated"]), v["form"]),
    }
    return ERA_PAGES[era](v, shown, chrome)


def era_has_time(era: str, variant: int) -> bool:
    """Whether a theme variant shows the time of day."""
    return DATE_FORMS[ERA_VARIANTS[era][variant % len(ERA_VARIANTS[era])]["form"]]
