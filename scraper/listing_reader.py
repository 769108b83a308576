"""What a section's listing page offers the spider: its articles and its other pages."""

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from scraper.parsing.listing import listing_links
from scraper.sections import Section
from scraper.urls import SiteUrls, is_article_url, listing_page_number


@dataclass(frozen=True)
class ListedArticle:
    url: str
    link: str
    title: str
    listed_date: date | None


@dataclass(frozen=True)
class ListingPage:
    articles: list[ListedArticle]
    pages: dict[str, str]


@lru_cache(maxsize=8192)
def canonical_on(site: SiteUrls, url: str) -> str | None:
    """site.canonical, computed once per distinct URL: a listing page repeats its links, and
    the pages of a section repeat their menus and most of their pagination bar."""
    return site.canonical(url)


@lru_cache(maxsize=8192)
def link_role(canonical: str, section: Section) -> tuple[bool, int | None]:
    """Whether a canonical URL is an article of the section, and its listing page number."""
    return is_article_url(canonical, section), listing_page_number(canonical, section)


def read_listing(html: str, page_url: str, site: SiteUrls, section: Section) -> ListingPage:
    """The section's articles (canonical URL, link as given, title, date) and its other pages."""
    this_page = canonical_on(site, page_url)
    articles: dict[str, ListedArticle] = {}
    pages: dict[str, str] = {}
    for link in listing_links(html, page_url, lambda url: canonical_on(site, url) or url):
        canonical = canonical_on(site, link.url)
        if canonical is None:
            continue
        is_article, page_number = link_role(canonical, section)
        if is_article:
            known = articles.get(canonical)
            if known is None or (known.listed_date is None and link.listed_date):
                articles[canonical] = ListedArticle(
                    canonical, link.url, link.title, link.listed_date
                )
        elif canonical != this_page and page_number is not None:
            pages.setdefault(canonical, link.url)
    return ListingPage(list(articles.values()), pages)
