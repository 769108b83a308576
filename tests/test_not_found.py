"""A page served with 200 that says it does not exist (a soft 404), and pages that do not."""

from pathlib import Path

import pytest

from scraper.parsing.not_found import not_found_cue
from scraper.parsing.text import decode_page
from tests.site import content, hostile
from tests.site import templates as t

PAGES = Path(__file__).parent / "fixtures" / "pages"


def in_chrome(title: str, inner: str, tpl: int = 1) -> str:
    """A page of the fixture site's chrome (header, menu, footer) around some content."""
    return t.document(title, inner, tpl)


SOFT_404S = [
    ("Страница не найдена", "<h1>Страница не найдена</h1><p>Проверьте адрес.</p>"),
    ("", "<div><h2>Ошибка 404</h2><p>Запрошенная страница отсутствует.</p></div>"),
    ("Новость не найдена", "<div class='text'><p>Вернуться к списку новостей.</p></div>"),
    ("", "<div class='error-page'>Документ не существует или был перемещён</div>"),
    ("", "<p>Ой! Такой страницы нет. Вернитесь на <a href='/'>главную</a>.</p>"),
    ("", "<div class='content'><p>Извините, запрашиваемая вами страница была удалена.</p></div>"),
    ("", "<h3>Материал удален</h3>"),
    ("Error 404", "<h1>Page not found</h1>"),
    ("", "<table><tr><td><b>404</b></td></tr><tr><td>Нет такой страницы</td></tr></table>"),
    ("", "<p>По этому адресу ничего нет: страница удалена или перемещена.</p>"),
    ("", "<div class='message'>Не удалось найти страницу по указанному адресу.</div>"),
    ("", "<div class='not-found'>Запись не найдена</div>"),
]


@pytest.mark.parametrize(("title", "inner"), SOFT_404S)
@pytest.mark.parametrize("tpl", [1, 2, 3])
def test_a_page_that_says_it_does_not_exist_is_a_soft_404(title: str, inner: str, tpl: int) -> None:
    assert not_found_cue(in_chrome(title, f"<main>{inner}</main>", tpl)) is not None


@pytest.mark.parametrize("wording", range(len(hostile.NOT_FOUND_PAGES)))
def test_the_fixture_sites_not_found_pages_are_soft_404s(wording: int) -> None:
    assert not_found_cue(hostile.not_found_page(wording)) is not None


def test_the_cue_says_where_and_in_which_words() -> None:
    page = in_chrome("Страница не найдена", "<main><h1>Страница не найдена</h1></main>")
    assert not_found_cue(page) == "heading: «Страница не найдена — Администрация города Смоленска»"
    text_only = in_chrome("", "<main><p>Материал удалён.</p></main>")
    assert not_found_cue(text_only) == "page text: «Материал удален»"


MAINTENANCE = [
    hostile.maintenance_page(),
    in_chrome(
        "Технические работы",
        "<main><h1>Страница временно недоступна</h1><p>Ведутся технические работы. "
        "Страница не найдена? Зайдите позже.</p></main>",
    ),
    in_chrome(
        "",
        "<main><p>Сайт на профилактике: страница не найдена, попробуйте позже. "
        "Профилактические работы продлятся до 18:00.</p></main>",
    ),
]


@pytest.mark.parametrize("page", MAINTENANCE)
def test_a_maintenance_notice_is_not_a_soft_404(page: str) -> None:
    assert not_found_cue(page) is None


def test_no_page_of_the_fixture_site_is_a_soft_404() -> None:
    targets = ["/", *(content.path_of(a) for a in content.ARTICLES)]
    targets += [s["path"] for s in content.SECTIONS.values()]
    for target in targets:
        status, headers, body = content.render(target)
        if status == 200 and headers["Content-Type"].startswith("text/html"):
            page = decode_page(body, headers["Content-Type"]).text
            assert not_found_cue(page) is None, target


@pytest.mark.parametrize("path", sorted(PAGES.glob("*.html")), ids=lambda p: p.name)
def test_no_stored_article_page_is_a_soft_404(path: Path) -> None:
    assert not_found_cue(decode_page(path.read_bytes(), None).text) is None


ARTICLES_THAT_MENTION_IT = [
    # a news item about a broken link, with its meta line
    "<main><h1>Обновлён раздел «Документы»</h1><p>Жители сообщали, что страница не найдена "
    "при переходе по старым ссылкам. Ошибка 404 устранена.</p>"
    "<div>Опубликовано: 12.03.2024 10:15 Просмотров: 240</div></main>",
    # a long item without a meta line that quotes an error message
    "<main><h1>Портал госуслуг: что делать, если страница не найдена</h1>"
    + "<p>Если при подаче заявления портал сообщает, что запрашиваемая страница не существует, "
    "обновите страницу и войдите в личный кабинет заново.</p>" * 6 + "</main>",
    # numbers that are not an error code
    "<main><h1>В городе высадят 404 дерева</h1><p>Работы пройдут в мае. Документ удален из "
    "реестра устаревших.</p><div>Опубликовано: 02.05.2024 09:00 Просмотров: 99</div></main>",
]


@pytest.mark.parametrize("inner", ARTICLES_THAT_MENTION_IT)
def test_an_article_that_mentions_a_missing_page_is_no_soft_404(inner: str) -> None:
    assert not_found_cue(in_chrome("Новости", inner)) is None


def test_a_heading_of_a_side_block_is_not_the_page_heading() -> None:
    side = '<aside class="b-side"><h3>Документ удален из реестра</h3></aside>'
    inner = f"<main><h1>Город подготовили к зиме</h1><p>Подготовка завершена.</p>{side}</main>"
    assert not_found_cue(in_chrome("Город подготовили к зиме", inner)) is None
