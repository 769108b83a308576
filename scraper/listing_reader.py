"""What a section's listing page offers the spider: its articles and its other pages."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

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


def memoized_canonical(site: SiteUrls) -> Callable[[str], str | None]:
    """site.canonical, computed once per distinct URL (a listing repeats its links)."""
    known: dict[str, str | None] = {}

    def canonical(url: str) -> str | None:
        if url not in known:
            known[url] = site.canonical(url)
        return known[url]

    return canonical


def read_listing(html: str, page_url: str, site: SiteUrls, section: Section) -> ListingPage:
    """The section's articles (canonical URL, link as given, title, date) and its other pages."""
    canonical_of = memoized_canonical(site)
    this_page = canonical_of(page_url)
    articles: dict[str, ListedArticle] = {}
    pages: dict[str, str] = {}
    for link in listing_links(html, page_url, lambda url: canonical_of(url) or url):
        canonical = canonical_of(link.url)
        if canonical is None:
            continue
        if is_article_url(canonical, section):
            known = articles.get(canonical)
            if known is None or (known.listed_date is None and link.listed_date):
                articles[canonical] = ListedArticle(
                    canonical, link.url, link.title, link.listed_date
                )
        elif canonical != this_page and listing_page_number(canonical, section) is not None:
            pages.setdefault(canonical, link.url)
    return ListingPage(list(articles.values()), pages)
