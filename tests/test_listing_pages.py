"""Listing pages in several markups: the articles they list, their dates, their pagination."""

import json
from pathlib import Path

import pytest

from scraper.listing_reader import read_listing
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


def test_both_pagination_forms_have_fixtures() -> None:
    assert {"novosti_page_query", "novosti_tos_page_path"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_listed_articles_in_page_order_with_their_dates(name: str) -> None:
    listing, expected = read_fixture(name)
    found = [
        {"url": a.url, "title": a.title, "listed_date": a.listed_date.isoformat()}
        for a in listing.articles
    ]
    assert found == expected["entries"]


@pytest.mark.parametrize("name", NAMES)
def test_pagination_links_lead_to_the_other_pages(name: str) -> None:
    listing, expected = read_fixture(name)
    section = SECTIONS_BY_KEY[expected["section"]]

    def beyond_first(urls):
        return sorted(url for url in urls if listing_page_number(url, section) != 1)

    assert beyond_first(listing.pages) == beyond_first(expected["pagination"])
    assert SITE.canonical(expected["served_url"]) not in listing.pages


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
