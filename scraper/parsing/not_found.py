"""Whether a page served with 200 says it does not exist: a soft 404.

A CMS that takes an article down often answers its address with 200 and a page in the site's
own chrome saying «Страница не найдена», «Ошибка 404», «Материал удалён»… A page is a soft 404
when a heading or the title of the page says so, or when its text outside the chrome is short,
says so and shows no publication line. A maintenance notice is never one: it says the page is
unavailable for now, not that it is gone.
"""

import re

from lxml import etree, html

MAX_OTHER_HEADING_WORDS = 2  # beside the words saying "not found": «Ошибка», «Извините»
MAX_PAGE_WORDS = 120  # the text outside the chrome of an error page, at most
# Words one of which any page saying it does not exist has: pages without them are not parsed.
_PRECHECK_WORDS = (
    *("найд", "404", "удал", "существ", "такой страниц", "ничего"),
    *("not found", "exist", "available"),
)
_NOT_FOUND = re.compile(
    r"""
    \b404\b(?!\s*(?:г|руб|тыс|чел|м|км|шт|мест|дн|ед))
    | \bnot\s+found\b | \bdoes\s+not\s+exist\b | \bno\s+longer\s+(?:available|exists)\b
    | (?:страниц|материал|документ|новост|публикаци|запис|стать|объект|ресурс)\w*
      [^.!?\n]{0,60}?\b(?:не\s+(?:найден|существует|обнаружен)|удал[её]н|отсутству)\w*
    | \bне\s+удалось\s+найти\s+(?:страниц|материал|документ|запрашиваем)
    | \b(?:такой|этой|данной)\s+страницы\s+(?:нет|не\s+существует)
    | \bнет\s+такой\s+страницы
    | \bпо\s+(?:этому|данному|указанному)\s+адресу\s+ничего\s+(?:нет|не\s+найдено)
    """,
    re.I | re.X,
)
_MAINTENANCE = re.compile(
    r"техническ\w*\s+(?:обслуживани|работ|перерыв)|профилактическ|временно\s+недоступ"
    r"|ведутся\s+работы|зайдите\s+позже|maintenance",
    re.I,
)
_PUBLICATION_LINE = re.compile(r"опубликовано|дата\s+публикации|просмотр|размещено", re.I)
_CHROME_TAGS = ("nav", "header", "footer", "aside", "script", "style", "noscript", "template")
_CHROME_NAMES = re.compile(
    r"menu|nav|head|foot|breadcrumb|crumbs|side|banner|panel|topline|logo|search|special", re.I
)
_HEADING_XPATH = ".//h1 | .//h2 | .//h3"
_MESSAGE_XPATH = (
    ".//*[contains(translate(@class, 'ERO', 'ero'), 'error') or contains(@class, '404')"
    " or contains(translate(@class, 'NOTFUD', 'notfud'), 'notfound')]"
)
_WORD = re.compile(r"\w+")


def normalized(text: str) -> str:
    """Text with runs of white space as one space, ё as е."""
    return " ".join(text.replace("ё", "е").replace("Ё", "Е").split())


def not_found_cue(page_html: str) -> str | None:
    """Where and in which words a page says it does not exist, or None when it does not.

    'heading: «Страница не найдена — Администрация»' or 'page text: «Материал удален»'.
    """
    lowered = page_html.lower()
    if not any(word in lowered for word in _PRECHECK_WORDS):
        return None
    try:
        root = html.document_fromstring(page_html)
    except (etree.ParserError, ValueError):
        return None
    titles = page_titles(root)
    body = without_chrome(root)
    headings = [*titles, *main_headings(body)]
    text = text_of(body) if body is not None else ""
    if any(_MAINTENANCE.search(heading) for heading in headings) or _MAINTENANCE.search(text):
        return None
    for heading in headings:
        if says_not_found(heading):
            return f"heading: «{heading}»"
    if len(_WORD.findall(text)) > MAX_PAGE_WORDS or _PUBLICATION_LINE.search(text):
        return None
    if found := _NOT_FOUND.search(text):
        return f"page text: «{found.group(0).strip()}»"
    return None


def says_not_found(heading: str) -> bool:
    """Whether a heading says the page does not exist, and next to nothing else (a news title
    that mentions a missing page says more). A title's site name after a dash is left out."""
    for part in re.split(r"\s[—|–-]\s", heading):
        rest = _NOT_FOUND.sub(" ", part)
        if rest != part and len(_WORD.findall(rest)) <= MAX_OTHER_HEADING_WORDS:
            return True
    return False


def text_of(element: html.HtmlElement) -> str:
    """An element's text, its pieces apart (a cell's "404" and the next cell's "Нет")."""
    return normalized(" ".join(element.itertext()))


def page_titles(root: html.HtmlElement) -> list[str]:
    """The page's <title> and og:title."""
    values = root.xpath("//head/title/text() | //meta[@property='og:title']/@content")
    return [text for value in values if (text := normalized(str(value)))]


def main_headings(body: html.HtmlElement | None) -> list[str]:
    """The first heading of the page's content, and blocks whose class says error or 404."""
    if body is None:
        return []
    found = body.xpath(_HEADING_XPATH)
    texts = [text_of(element) for element in found[:1]]
    texts += [
        text_of(element)
        for element in body.xpath(_MESSAGE_XPATH)
        if isinstance(element, html.HtmlElement)
    ]
    return [text for text in texts if text]


def without_chrome(root: html.HtmlElement) -> html.HtmlElement | None:
    """The page's body without menus, header, footer, side blocks and scripts."""
    body = root.find("body")
    if body is None:
        return None
    for element in list(body.iter()):
        if not isinstance(element, html.HtmlElement) or element.getparent() is None:
            continue
        names = f"{element.get('class', '')} {element.get('id', '')}"
        if element.tag in _CHROME_TAGS or _CHROME_NAMES.search(names):
            element.drop_tree()
    return body
