"""A section's listing page: the links it offers, each with the date its item shows."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from urllib.parse import urljoin, urlsplit

from bs4 import Tag

from scraper.parsing.dates import find_listing_date
from scraper.parsing.text import make_soup, node_text


@dataclass(frozen=True)
class ListingLink:
    """One link of a listing page, with the text and the date of the item around it."""

    url: str
    title: str
    listed_date: date | None


TargetKey = Callable[[str], str]


def path_and_query(url: str) -> str:
    """A link's target as its path (trailing slash dropped) and query."""
    parts = urlsplit(url)
    return f"{parts.path.rstrip('/')}?{parts.query}"


def listing_links(
    html: str, base_url: str, target_key: TargetKey = path_and_query
) -> list[ListingLink]:
    """Every link on the page, absolute, with its item's title and date; one per target.

    target_key maps an absolute URL to what identifies its target, so that the image link
    and the title link of one item (in different URL forms) count as one.
    """
    soup = make_soup(html)
    links: dict[str, ListingLink] = {}
    for anchor in soup.find_all("a", href=True):
        href = anchor["href"].strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        url = urljoin(base_url, href)
        key = target_key(url)
        item = item_of(anchor, key, base_url, target_key)
        title = longest_link_text(item, key, base_url, target_key) or node_text(anchor)
        found = ListingLink(url=url, title=title, listed_date=find_listing_date(node_text(item)))
        known = links.get(url)
        if known is None or (not known.listed_date and found.listed_date):
            links[url] = found
    return list(links.values())


def item_of(anchor: Tag, key: str, base_url: str, target_key: TargetKey) -> Tag:
    """The largest ancestor of a link whose links all lead to the same target."""
    item = anchor
    for parent in anchor.parents:
        if parent.name in ("body", "html", "[document]"):
            break
        targets = {
            target_key(urljoin(base_url, link["href"])) for link in parent.find_all("a", href=True)
        }
        if targets != {key}:
            break
        item = parent
    return item


def longest_link_text(item: Tag, key: str, base_url: str, target_key: TargetKey) -> str:
    """The longest text among the item's links to the target (title link beats image link)."""
    texts = [
        node_text(link)
        for link in item.find_all("a", href=True)
        if target_key(urljoin(base_url, link["href"])) == key
    ]
    if item.name == "a":
        texts.append(node_text(item))
    return max(texts, key=len, default="")
