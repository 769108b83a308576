"""Listing pages in several markups: the articles they list, their dates, their pagination."""

import json
from datetime import date
from html import escape
from pathlib import Path
from urllib.parse import urljoin

import pytest

from scraper.listing_reader import read_listing
from scraper.parsing.listing import absolute_urls, parse_page
from scraper.parsing.text import decode_page
from scraper.sections import SECTIONS_BY_KEY
from scraper.urls import SiteUrls, listing_page_number

LISTINGS = Path(__file__).parent / "fixtures" / "listings"
NAMES = sorted(p.name.removesuffix(".expected.json") for p in LISTINGS.glob("*.expected.json"))
SITE = SiteUrls()


def read_fixture(name: str):
    expected = json.loads((LISTINGS / f"{name}.expected.json").read_text(encoding="utf-8"))
    html = decode_page((LISTINGS / f"{name}.html").read_bytes(), "text/html; charset=utf-8").text
    section = SECTIONS_BY_KEY[expected["section"]]
    return read_listing(html, expected["served_url"], SITE, section), expected


@pytest.mark.parametrize("name", NAMES)
def test_listed_articles_in_page_order_with_their_dates(name: str) -> None:
    listing, expected = read_fixture(name)
    found = [
        {
            "url": article.url,
            "title": article.title,
            "listed_date": article.listed_date and article.listed_date.isoformat(),
        }
        for article in listing.articles
    ]
    assert found == expected["entries"]


@pytest.mark.parametrize("name", NAMES)
def test_pagination_offers_exactly_the_other_pages(name: str) -> None:
    listing, expected = read_fixture(name)
    section = SECTIONS_BY_KEY[expected["section"]]
    numbers = {listing_page_number(url, section) for url in listing.pages}
    expected_numbers = {listing_page_number(url, section) for url in expected["pagination"]}
    assert numbers == expected_numbers
    assert None not in numbers
    assert listing_page_number(SITE.canonical(expected["served_url"]), section) not in numbers


NOVOSTI_HOST = "https://www.smoladmin.ru"


def listing_html(items: str, pager: str) -> str:
    return f"""<html><body>
    <nav><a href="/">Главная</a> <a href="/press-centr/novosti/">Новости</a></nav>
    <main>{items}</main>
    <div class="pager">{pager}</div>
    <footer><a href="/kontakty/">Контакты</a> 12.01.2020</footer>
    </body></html>"""


ITEM = """<div class="news-item">
  <a href="/press-centr/novosti/{slug}/"><img src="/upload/{slug}.jpg" alt=""></a>
  <span class="date">{day}</span>
  <a href="/press-centr/novosti/{slug}/">{title}</a>
</div>"""


@pytest.mark.parametrize(
    ("pager", "served", "numbers"),
    [
        (  # the query form, page 2 served: the first, third and last pages are offered
            '<a href="?page=1">1</a> <span>2</span> <a href="?page=3">3</a> '
            '<a href="?page=3">»</a> <a href="?page=40">40</a>',
            "/press-centr/novosti/?page=2",
            {1, 3, 40},
        ),
        (  # the path form on the bare host, trailing slashes and all
            '<a href="/press-centr/novosti/">1</a> <a href="/press-centr/novosti/page/3/">3</a> '
            '<a href="/press-centr/novosti/page/4/">4</a>',
            "/press-centr/novosti/page/2/",
            {1, 3, 4},
        ),
        ("", "/press-centr/novosti/", set()),  # one page only: nothing to walk
    ],
)
def test_both_pagination_forms_lead_to_the_numbered_pages(
    pager: str, served: str, numbers: set[int]
) -> None:
    items = ITEM.format(slug="most", day="12.01.2024", title="Открыт мост")
    section = SECTIONS_BY_KEY["novosti"]
    listing = read_listing(listing_html(items, pager), NOVOSTI_HOST + served, SITE, section)
    assert {listing_page_number(url, section) for url in listing.pages} == numbers
    assert [article.url for article in listing.articles] == [
        "https://www.smoladmin.ru/press-centr/novosti/most"
    ]


def test_an_item_without_a_date_is_listed_with_none_not_a_date_from_elsewhere() -> None:
    items = ITEM.format(slug="dated", day="12.01.2024", title="С датой") + ITEM.format(
        slug="undated", day="", title="Без даты"
    )
    listing = read_listing(
        listing_html(items, ""), NOVOSTI_HOST + "/press-centr/novosti/", SITE,
        SECTIONS_BY_KEY["novosti"],
    )  # fmt: skip
    found = {article.title: article.listed_date for article in listing.articles}
    assert found == {"С датой": date(2024, 1, 12), "Без даты": None}


class CountingSiteUrls(SiteUrls):
    """SiteUrls that counts its canonicalisations."""

    calls = 0

    def canonical(self, url: str, base: str | None = None) -> str | None:
        type(self).calls += 1
        return super().canonical(url, base)


def test_a_full_scale_listing_canonicalises_each_link_a_bounded_number_of_times() -> None:
    name = "novosti_full_scale"
    html = (LISTINGS / f"{name}.html").read_text(encoding="utf-8")
    expected = json.loads((LISTINGS / f"{name}.expected.json").read_text(encoding="utf-8"))
    links = html.count("<a ")
    assert links >= 200
    site = CountingSiteUrls()
    listing = read_listing(html, expected["served_url"], site, SECTIONS_BY_KEY["novosti"])
    assert len(listing.articles) == len(expected["entries"])
    assert CountingSiteUrls.calls <= links + 1


TRICKY_HREFS = [
    "/press-centr/novosti/",
    "/press-centr/novosti/../meropriyatiya/./x/",
    "/press-centr/novosti/?page=2#top",
    "/?q=мост",
    "/#",
    "/\\evil.example/path",
    "/a b/c%20d",
    "//www.smoladmin.ru/other/",
    "novosti/relative/",
    "?page=3",
    "../up/",
]
TRICKY_BASES = [
    "https://www.smoladmin.ru/press-centr/novosti/?page=7",
    "http://127.0.0.1:8123/press-centr/novosti/page/2/",
    "https://user@smoladmin.ru:8443/press-centr/novosti",
]


@pytest.mark.parametrize("base", TRICKY_BASES)
def test_links_are_made_absolute_as_urljoin_makes_them(base: str) -> None:
    """Links from the site's root are joined once per origin (cached across pages): the result
    must be urljoin's against the page itself, on every page of any origin."""
    anchors = "".join(f'<a href="{escape(href)}">x</a>' for href in TRICKY_HREFS)
    for _ in range(2):  # the second pass reads from the cache
        root = parse_page(f"<html><body>{anchors}</body></html>")
        assert root is not None
        found = absolute_urls(list(root.iter("a")), base)
        assert list(found.values()) == [urljoin(base, href) for href in TRICKY_HREFS]
