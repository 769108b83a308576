"""An article page: title, body, meta line, images and attachments, with the cue each came from.

The site's class names are unknown and may change, so every field rests on cues that survive a
new template: the title heading, the «Опубликовано: … Просмотров: …» text, and the page's
chrome recognised by its wording rather than by its markup.

The cues a page reports (`ArticlePage.cues`), field by field:
- title: "h1", "heading-matching-title-tag" (an h2-h4 that repeats og:title or <title>),
  "og:title" or "title-tag" (no heading repeats it), "none";
- meta_line (only when one was found): "meta-element" (the element holding «Опубликовано»
  or «Просмотров»), "page-text" (found in the page's text alone);
- body: "between-title-and-meta", "after-title", "densest-block" (no title heading), "none".
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from bs4 import BeautifulSoup
from bs4.element import PageElement, Tag

from scraper.parsing.dates import (
    PUBLISHED_RE,
    VIEWS_RE,
    MetaLine,
    meta_residue,
    parse_meta_line,
)
from scraper.parsing.markup import node_html
from scraper.parsing.text import (
    SITE_NAMES,
    NodeTexts,
    attribute,
    block_texts,
    collapse_whitespace,
    each_tag_named,
    first_string,
    first_tag,
    holds_page_chrome,
    is_chrome,
    is_document_link,
    is_image_link,
    link_path,
    links_under,
    make_soup,
    tags_named,
)

TITLE_SEPARATOR_RE = re.compile(r"\s+[|—–-]\s+|\s*\|\s*")
PUBLISHED_LABEL_RE = re.compile("Опубликовано")
Node = PageElement


@dataclass
class Attachment:
    url: str
    title: str


@dataclass
class ArticlePage:
    """What one article page says, and how each field was found."""

    title: str | None = None
    body_text: str = ""
    body_html: str = ""
    published_at: datetime | None = None
    published_has_time: bool = False
    updated_at: datetime | None = None
    views: int | None = None
    meta_line_raw: str | None = None
    images: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    cues: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def parse_article(
    html: str,
    base_url: str,
    absolutize: Callable[[str], str] | None = None,
    *,
    tz: ZoneInfo,
) -> ArticlePage:
    """Parse an article page; missing fields stay empty and are named in warnings."""
    resolve = absolutize or (lambda link: urljoin(base_url, link))
    soup = make_soup(html)
    texts = NodeTexts()
    page = ArticlePage()

    heading, page.title, page.cues["title"] = find_title(soup, texts)
    meta_nodes = find_meta_nodes(soup, texts)
    meta = read_meta(soup, meta_nodes, tz, texts)
    if meta:
        page.meta_line_raw = meta.raw
        page.published_at, page.published_has_time = meta.published_at, meta.published_has_time
        page.updated_at, page.views = meta.updated_at, meta.views
        page.cues["meta_line"] = "meta-element" if meta_nodes else "page-text"

    body, page.cues["body"] = find_body(soup, heading, meta_nodes[0] if meta_nodes else None, texts)
    body = [node for node in body if not _is_chrome_node(node, texts)]
    for node in body:
        remove_nested_chrome(node, texts)
    page.body_text = "\n\n".join(block_texts(body))
    page.body_html = "".join(node_html(node) for node in body).strip()
    page.images = find_images(body, resolve)
    page.attachments = find_attachments(body, resolve, texts)
    page.warnings = missing_fields(page)
    return page


def find_title(soup: BeautifulSoup, texts: NodeTexts) -> tuple[Tag | None, str | None, str]:
    """Return the title heading, the title, and the cue used."""
    for heading in each_tag_named(soup, ("h1",)):
        text = texts.text(heading)
        if text and text.lower() not in SITE_NAMES:
            return heading, text, "h1"
    declared, cue = declared_title(soup)
    if declared:
        for heading in each_tag_named(soup, ("h2", "h3", "h4")):
            if texts.text(heading).lower() == declared.lower():
                return heading, texts.text(heading), "heading-matching-title-tag"
        return None, declared, cue
    return None, None, "none"


def declared_title(soup: BeautifulSoup) -> tuple[str | None, str]:
    """The title that og:title or <title> declares, without the site's name."""
    og_title = next(
        (meta for meta in each_tag_named(soup, ("meta",)) if meta.get("property") == "og:title"),
        None,
    )
    if og_title is not None and collapse_whitespace(attribute(og_title, "content")):
        return strip_site_name(attribute(og_title, "content")), "og:title"
    title = first_tag(soup, "title")
    if title and title.string:
        stripped = strip_site_name(title.string)
        if stripped:
            return stripped, "title-tag"
    return None, "none"


def strip_site_name(title: str) -> str | None:
    """Drop the «Администрация города Смоленска» part of a page title."""
    parts = [collapse_whitespace(part) for part in TITLE_SEPARATOR_RE.split(title)]
    kept = [
        part
        for part in parts
        if part and "администрац" not in part.lower() and "официальный сайт" not in part.lower()
    ]
    return " - ".join(kept) or None


def find_meta_nodes(soup: BeautifulSoup, texts: NodeTexts) -> list[Tag]:
    """Return the element(s) that hold the meta line: one element, or a run of siblings."""
    label = first_string(soup, PUBLISHED_LABEL_RE)
    if label is None:
        label = first_string(soup, VIEWS_RE)
    if label is None or not isinstance(label.parent, Tag):
        return []
    element = label.parent
    while isinstance(element.parent, Tag) and element.parent.name not in ("body", "html"):
        if meta_residue(texts.text(element.parent)):
            break
        element = element.parent
    nodes = [element]
    if not (PUBLISHED_RE.search(texts.text(element)) and VIEWS_RE.search(texts.text(element))):
        for sibling in element.next_siblings:
            text = texts.text(sibling)
            if meta_residue(text):
                break
            if isinstance(sibling, Tag):
                nodes.append(sibling)
    return nodes


def read_meta(
    soup: BeautifulSoup, meta_nodes: list[Tag], tz: ZoneInfo, texts: NodeTexts
) -> MetaLine | None:
    """Parse the meta line from its elements, or from the page's text when it has none."""
    if meta_nodes:
        raw = collapse_whitespace(" ".join(texts.text(node) for node in meta_nodes))
        return parse_meta_line(raw, tz)
    text = texts.text(first_tag(soup, "body") or soup)
    match = PUBLISHED_RE.search(text)
    if not match:
        return None
    views = VIEWS_RE.search(text, match.end())
    end = views.end() if views and views.start() - match.end() < 80 else match.end()
    return parse_meta_line(text[match.start() : end], tz)


def find_body(
    soup: BeautifulSoup, heading: Tag | None, meta: Tag | None, texts: NodeTexts
) -> tuple[list[Node], str]:
    """Return the nodes of the article's own content and the cue that bounded them."""
    if heading is not None and meta is not None and _precedes(heading, meta):
        return nodes_between(heading, meta), "between-title-and-meta"
    if heading is not None:
        return nodes_after(heading, content_scope(heading, texts)), "after-title"
    densest = densest_block(soup, texts)
    if densest is not None:
        return list(densest.children), "densest-block"
    return [], "none"


def _precedes(first: Tag, second: Tag) -> bool:
    return any(element is second for element in first.next_elements)


def _ancestors(node: Tag) -> list[Tag]:
    return [node, *node.parents]


def nodes_between(start: Tag, end: Tag) -> list[Node]:
    """Nodes strictly after start and before end in document order, as whole subtrees."""
    end_path = _ancestors(end)
    end_path_ids = {id(node) for node in end_path}
    collected: list[Node] = []
    node = start
    while id(node.parent) not in end_path_ids:
        collected.extend(node.next_siblings)
        if node.parent is None:  # start and end in different trees: nothing lies between
            return []
        node = node.parent
    common = node.parent
    assert common is not None  # it is on end's path
    below_common = end_path[: end_path.index(common)]
    end_top = below_common[-1]
    for sibling in node.next_siblings:
        if sibling is end_top:
            break
        collected.append(sibling)
    for inner in reversed(below_common[:-1]):
        collected.extend(reversed(list(inner.previous_siblings)))
    return collected


def content_scope(heading: Tag, texts: NodeTexts) -> Tag:
    """The largest ancestor of the heading that holds no page chrome (header, footer, panel)."""
    scope = heading
    while scope.name != "body" and isinstance(scope.parent, Tag):
        if holds_page_chrome(scope.parent, texts):
            break
        scope = scope.parent
    return scope


def nodes_after(start: Tag, scope: Tag) -> list[Node]:
    """Nodes after start up to the end of scope, as whole subtrees."""
    collected: list[Node] = []
    node = start
    while node is not scope and isinstance(node.parent, Tag):
        collected.extend(node.next_siblings)
        node = node.parent
    return collected


def densest_block(soup: BeautifulSoup, texts: NodeTexts) -> Tag | None:
    """The element whose direct paragraphs hold the most text."""
    best, best_length = None, 0
    for element in tags_named(soup, ("div", "article", "section", "main", "td")):
        length = sum(
            len(texts.text(p)) for p in element.children if isinstance(p, Tag) and p.name == "p"
        )
        if length > best_length:
            best, best_length = element, length
    return best


def _is_chrome_node(node: Node, texts: NodeTexts) -> bool:
    if not isinstance(node, Tag):
        return False
    return (
        node.name == "hr"
        or is_chrome(node, texts)
        or bool(PUBLISHED_RE.search(texts.text(node)) and not meta_residue(texts.text(node)))
    )


def remove_nested_chrome(node: Node, texts: NodeTexts) -> None:
    """Remove chrome blocks nested inside a content node (share buttons, side lists)."""
    if not isinstance(node, Tag):
        return
    # In document order; what lies in a removed block is not looked at.
    stack = [tag for tag in reversed(node.contents) if isinstance(tag, Tag)]
    while stack:
        descendant = stack.pop()
        if _is_chrome_node(descendant, texts):
            texts.forget_around(descendant)
            descendant.decompose()
        else:
            stack.extend(tag for tag in reversed(descendant.contents) if isinstance(tag, Tag))


def find_images(nodes: list[Node], resolve: Callable[[str], str]) -> list[str]:
    """Absolute image URLs in the content, the full-size link target where there is one."""
    images: list[str] = []
    for node in nodes:
        if not isinstance(node, Tag):
            continue
        for image in tags_named(node, ("img",)) if node.name != "img" else [node]:
            source = attribute(image, "data-src") or attribute(image, "src")
            link = next(
                (a for a in image.parents if a.name == "a" and a.get("href") is not None), None
            )
            if link is not None and is_image_link(attribute(link, "href")):
                source = attribute(link, "href")
            if source and not source.startswith("data:"):
                images.append(resolve(source))
    return list(dict.fromkeys(images))


def find_attachments(
    nodes: list[Node], resolve: Callable[[str], str], texts: NodeTexts
) -> list[Attachment]:
    """Links to documents in the content, with their link text."""
    found: dict[str, Attachment] = {}
    for node in nodes:
        if not isinstance(node, Tag):
            continue
        for link in links_under(node) if node.name != "a" else [node]:
            href = attribute(link, "href")
            if not is_document_link(href):
                continue
            url = resolve(href)
            title = texts.text(link) or link_path(href).rsplit("/", 1)[-1]
            found.setdefault(url, Attachment(url=url, title=title))
    return list(found.values())


def missing_fields(page: ArticlePage) -> list[str]:
    """Warnings for the fields a complete article has and this page lacks."""
    warnings = []
    if not page.title:
        warnings.append("no title found")
    if not page.body_text:
        warnings.append("no body text found")
    if page.meta_line_raw is None:
        warnings.append("no meta line (Опубликовано/Просмотров) found")
    else:
        if page.published_at is None:
            warnings.append("meta line without a publication date")
        if page.views is None:
            warnings.append("meta line without a view count")
    return warnings
