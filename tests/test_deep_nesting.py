"""Pages nested thousands of levels deep parse without recursion, in bounded time."""

from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from scrapy.http import HtmlResponse, Request

from scraper.items import PageRejected
from scraper.parsing.article import parse_article
from scraper.parsing.text import MAX_DEPTH, block_texts, make_soup
from scraper.safeguards import ParseFailureMiddleware
from tests.site import content, hostile

MOST = content.NOVOSTI + "v-smolenske-zavershili-remont-peshehodnogo-mosta"


def deep_page(depth: int) -> str:
    """The fixture's bridge article with a paragraph inside `depth` nested divs."""
    _, _, body = hostile.answer(MOST, {"mode": "deep_nesting", "depth": depth}, content.ARTICLES)
    return body.decode()


@pytest.mark.parametrize("depth", [1500, 10_000])
def test_a_deeply_nested_page_parses(depth: int) -> None:
    page = parse_article(deep_page(depth), content.HOST + MOST, tz=ZoneInfo("Europe/Moscow"))
    assert page.title == "В Смоленске завершили ремонт пешеходного моста через Днепр"
    assert page.views == 734
    assert page.published_at is not None
    paragraphs = page.body_text.split("\n\n")
    assert paragraphs[0] == hostile.DEEP_PARAGRAPH
    assert "Движение пешеходов по мосту открыто с сегодняшнего дня." in paragraphs


def test_block_texts_walks_any_depth_without_recursion() -> None:
    depth = 20_000
    html = "<div>" * depth + "<p>один</p><p>два<br>три</p>" + "</div>" * depth
    soup = BeautifulSoup(html, "lxml")
    assert block_texts([soup.body]) == ["один", "два\nтри"]


def test_nesting_below_the_limit_is_kept_as_markup() -> None:
    html = "<div>" * (MAX_DEPTH - 5) + '<p>текст <a href="/x">ссылка</a></p>' + "</div>" * 50
    soup = make_soup(html)
    assert soup.find("a", href="/x") is not None


def test_a_parse_exception_becomes_a_failed_fetch() -> None:
    request = Request(content.HOST + MOST, meta={"kind": "article"})
    response = HtmlResponse(request.url, body=b"<html></html>", request=request)

    def descend(n: int) -> int:
        return descend(n + 1)

    with pytest.raises(RecursionError) as raised:
        descend(0)
    (rejected,) = ParseFailureMiddleware().process_spider_exception(response, raised.value)
    assert isinstance(rejected, PageRejected)
    assert rejected.url == content.HOST + MOST
    assert rejected.reason.startswith("the page could not be parsed (RecursionError")
