"""A section's listing page: the links it offers, each with the date its item shows.

An item is the largest element around a link whose links all lead to the same target (the
image link and the title link of one news item). Each link's target is computed once and the
targets are gathered bottom-up, so a page costs time linear in its size, not in links squared.
Listing pages are large and only their links and text matter, so they are parsed with lxml
directly (a tenth of BeautifulSoup's time).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import TypeAlias
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from scraper.parsing.dates import find_listing_date
from scraper.parsing.text import INVISIBLE_TAGS, collapse_whitespace

SKIPPED_HREFS = ("#", "javascript:", "mailto:", "tel:")
PAGE_ROOTS = frozenset({"body", "html"})
MIXED = object()  # an element whose links lead to more than one target
PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True)

Element: TypeAlias = lxml.html.HtmlElement


@dataclass(frozen=True)
class ListingLink:
    """One link of a listing page, with the text and the date of the item around it."""

    url: str
    title: str
    listed_date: date | None


TargetKey = Callable[[str], str]


def parse_page(html: str) -> Element | None:
    """The page's element tree without scripts, styles and comments; None when empty."""
    try:
        root = lxml.html.document_fromstring(html.encode("utf-8", "surrogatepass"), PARSER)
    except etree.ParserError:
        return None
    etree.strip_elements(root, *(tag for tag in INVISIBLE_TAGS if tag != "head"), with_tail=False)
    return root


def element_text(element: Element) -> str:
    """The visible text of an element with whitespace collapsed."""
    return collapse_whitespace(" ".join(element.itertext()))


def listing_links(html: str, base_url: str, target_key: TargetKey) -> list[ListingLink]:
    """Every link on the page, absolute, with its item's title and date; one per target.

    target_key maps an absolute URL to what identifies its target, so that the image link
    and the title link of one item (in different URL forms) count as one. It is called once
    per link.
    """
    root = parse_page(html)
    if root is None:
        return []
    anchors = [anchor for anchor in root.iter("a") if anchor.get("href") is not None]
    absolute = absolute_urls(anchors, base_url)
    keys = {anchor: target_key(absolute[anchor]) for anchor in anchors}
    targets = targets_below(anchors, keys)
    items: dict[Element, tuple[str, date | None]] = {}
    links: dict[str, ListingLink] = {}
    for anchor in anchors:
        href = anchor.get("href").strip()
        if not href or href.startswith(SKIPPED_HREFS):
            continue
        key = keys[anchor]
        item = item_of(anchor, key, targets)
        if item not in items:
            items[item] = (
                longest_link_text(item, key, keys),
                find_listing_date(element_text(item)),
            )
        text, listed_date = items[item]
        found = ListingLink(
            url=absolute[anchor], title=text or element_text(anchor), listed_date=listed_date
        )
        known = links.get(found.url)
        if known is None or (not known.listed_date and found.listed_date):
            links[found.url] = found
    return list(links.values())


def absolute_urls(anchors: list[Element], base_url: str) -> dict[Element, str]:
    """Each link's absolute URL, joined once per distinct href (pagers repeat theirs)."""
    origin = "{0.scheme}://{0.netloc}/".format(urlsplit(base_url))
    joined: dict[str, str] = {}
    absolute = {}
    for anchor in anchors:
        href = anchor.get("href").strip()
        if href not in joined:
            rooted = href.startswith("/") and not href.startswith("//")
            joined[href] = join_rooted(origin, href) if rooted else urljoin(base_url, href)
        absolute[anchor] = joined[href]
    return absolute


@lru_cache(maxsize=8192)
def join_rooted(origin: str, href: str) -> str:
    """A link from the site's root ("/path"), made absolute: it depends on the page's origin
    only, so the menus every page repeats are joined once."""
    return urljoin(origin, href)


def targets_below(anchors: list[Element], keys: dict[Element, str]) -> dict[Element, object]:
    """For every element above a link: the one target of the links below it, or MIXED.

    Each element changes state at most twice (none → one target → MIXED), and a walk up
    stops at the first element that already knows, so the whole pass is linear.
    """
    targets: dict[Element, object] = {}
    for anchor in anchors:
        key: object = keys[anchor]
        for parent in anchor.iterancestors():
            known = targets.get(parent)
            if known is MIXED or known == key:
                break
            if known is not None:
                key = MIXED
            targets[parent] = key
    return targets


def item_of(anchor: Element, key: str, targets: dict[Element, object]) -> Element:
    """The largest ancestor of a link whose links all lead to the same target."""
    item = anchor
    for parent in anchor.iterancestors():
        if parent.tag in PAGE_ROOTS or targets.get(parent) != key:
            break
        item = parent
    return item


def longest_link_text(item: Element, key: str, keys: dict[Element, str]) -> str:
    """The longest text among the item's links to the target (title link beats image link)."""
    texts = [element_text(link) for link in item.iter("a") if keys.get(link) == key]
    return max(texts, key=len, default="")
