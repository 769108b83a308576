"""An article page: title, body, meta line, images and attachments, with the cue each came from.

The site's class names are unknown and change with its templates, so every field rests on what
a reader goes by: the title (a heading, a bold line or a block whose class says title, matched
against the title the page declares), the labelled date and view count wherever they stand
(scraper/parsing/meta.py), and the page's chrome recognised by its wording, not its markup.

The cues a page reports (`ArticlePage.cues`), field by field:
- title: "h1", "heading-matching-title-tag" (an h2-h6 that repeats og:title or <title>),
  "bold-matching-title-tag", "title-class" (a block whose class says title),
  "text-matching-title-tag" (another block that repeats it), "heading" (an h2/h3 alone),
  "og:title" or "title-tag" (no element repeats it), "none";
- meta_line (only when one was found): "meta-element" (lines holding only the meta line's
  parts), "page-text" (labelled values inside other text), "date-line" (an unlabelled date
  alone on a line next to the title or after the text);
- body: "between-title-and-meta", "after-title", "densest-block" (no title element, or no
  text near it), "none".
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

from bs4 import BeautifulSoup
from bs4.element import NavigableString, PageElement, Tag

from scraper.parsing.dates import META_LABELS_RE, find_dates, find_views, meta_residue
from scraper.parsing.file_links import is_image_link, link_path, says_document
from scraper.parsing.markup import node_html
from scraper.parsing.meta import find_meta
from scraper.parsing.page_lines import Line, page_lines
from scraper.parsing.text import (
    BLOCK_TAGS,
    CHROME_MARKERS,
    CHROME_TAGS,
    COPYRIGHT_RE,
    SIDE_BLOCK_RE,
    SITE_NAMES,
    NodeTexts,
    attribute,
    block_texts,
    collapse_whitespace,
    each_tag_named,
    first_tag,
    holds_page_chrome,
    is_chrome,
    is_link_list,
    links_under,
    make_soup,
    tags_named,
    tags_under,
)

TITLE_SEPARATOR_RE = re.compile(r"\s+[|—–-]\s+|\s*\|\s*")
TITLE_CLASS_RE = re.compile(r"title|headline|heading|zagolov|caption")
_WORDS_RE = re.compile(r"\w+")
_DIGIT_RE = re.compile(r"\d")
MAX_TITLE_LENGTH = 400
CHROME_ROLES = ("navigation", "banner", "contentinfo")
CHROME_OPENING = 200  # a footer shows its markers in its first characters
SECTION_NAMES = frozenset(
    {
        "новости",
        "пресс центр",
        "мероприятия",
        "движение транспорта",
        "водо и теплоснабжение",
        "программа город и мы",
        "публичные слушания",
        "новости тос",
        "объявления",
        "анонсы",
        "главная",
    }
)
WEB_SCHEMES = ("http", "https")
PARAGRAPH_TAGS = frozenset({"p", "b", "strong", "i", "em", "u", "span", "font", "small"})
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
    root = first_tag(soup, "body") or soup

    heading, page.title, page.cues["title"] = find_title(soup, texts)
    lines = page_lines(root, texts)
    title_index = line_index_of(lines, heading)
    densest = densest_block(soup, texts) if heading is None else None
    anchor = heading or densest or root
    anchor_index = title_index if heading is not None else first_text_line(lines, densest)
    meta = find_meta(lines, title_index, anchor_index, chrome_lines(anchor, texts), tz)
    if meta.raw is not None:
        page.meta_line_raw = meta.raw
        page.published_at, page.published_has_time = meta.published_at, meta.published_has_time
        page.updated_at, page.views = meta.updated_at, meta.views
        page.cues["meta_line"] = meta.cue or "meta-element"
    meta_elements = [
        element
        for element in meta.elements
        if isinstance(element, Tag) and not meta_residue(texts.text(element))
    ]
    body, page.cues["body"] = find_body(soup, heading, meta_elements, lines, title_index, texts)
    body = content_nodes(body, meta_elements, texts)
    blocks = block_texts(body)
    if not blocks:
        body, page.cues["body"] = fallback_body(soup, heading, meta_elements, texts)
        blocks = block_texts(body)
    page.body_text = "\n\n".join(blocks)
    page.body_html = "".join(node_html(node) for node in body).strip()
    link_warnings: list[str] = []
    page.images = find_images(body, resolve, link_warnings)
    page.attachments = find_attachments(body, resolve, texts, link_warnings)
    page.warnings = meta.warnings + missing_fields(page) + link_warnings
    return page


def line_index_of(lines: list[Line], element: Tag | None) -> int | None:
    """The index of the line that holds the element: a line of the element, or the line of
    the block around it that carries its text."""
    if element is None:
        return None
    inside = {id(element), *(id(tag) for tag in tags_under(element))}
    around = {id(parent) for parent in element.parents}
    text = collapse_whitespace(element.get_text(" "))
    for index, line in enumerate(lines):
        if id(line.element) in inside or (id(line.element) in around and text in line.text):
            return index
    return None


def first_text_line(lines: list[Line], block: Tag | None) -> int | None:
    """The index of the first line of a block that is more than a date or a count."""
    if block is None:
        return None
    inside = {id(block), *(id(tag) for tag in tags_under(block))}
    for index, line in enumerate(lines):
        if id(line.element) in inside and meta_residue(line.text):
            return index
    return None


def chrome_lines(anchor: Tag, texts: NodeTexts) -> Callable[[Line], bool]:
    """A test of whether a line lies in the page's chrome: in a block, short of the blocks
    that hold the article's anchor (its title, or its text), that is chrome."""
    anchor_path = {id(anchor), *(id(parent) for parent in anchor.parents)}
    known: dict[int, bool] = {}

    def in_chrome(line: Line) -> bool:
        path: list[Tag] = []
        element: Tag | None = line.element
        verdict = False
        while element is not None and id(element) not in anchor_path:
            if id(element) in known:
                verdict = known[id(element)]
                break
            path.append(element)
            kind = chrome_kind(element, texts, itself=element is line.element)
            if kind is not None:
                verdict = kind == "chrome"
                break
            element = element.parent
        for seen in path:
            known[id(seen)] = verdict
        return verdict

    return in_chrome


def find_title(soup: BeautifulSoup, texts: NodeTexts) -> tuple[Tag | None, str | None, str]:
    """Return the title's element, the title, and the cue used.

    The page's h1 comes first, unless it names only a section; then the element whose text
    is the title the page declares (og:title, <title>): a heading, a bold line, a block whose
    class says title; then a heading or a title block alone; then the declaration itself.
    """
    h1 = next(
        (tag for tag in each_tag_named(soup, ("h1",)) if is_title_text(texts.text(tag))), None
    )
    if h1 is not None and not is_section_name(texts.text(h1)):
        return h1, texts.text(h1), "h1"
    declared, declared_cue = declared_title(soup)
    if declared:
        matching = element_with_text(soup, declared, texts)
        if matching is not None:
            return matching, texts.text(matching), title_cue(matching)
    for element in each_tag_named(soup, ("h2", "h3")):
        text = texts.text(element)
        if is_title_text(text) and not is_section_name(text) and not in_chrome(element, texts):
            return element, text, "heading"
    for element in tags_under(first_tag(soup, "body") or soup):
        text = texts.text(element)
        if (
            says_title(element)
            and is_title_text(text)
            and not is_section_name(text)
            and not in_chrome(element, texts)
        ):
            return element, text, "title-class"
    if declared:
        return None, declared, declared_cue
    return None, None, "none"


def is_title_text(text: str) -> bool:
    """Whether a text can be an article's title: present, not the site's name, not a text."""
    return bool(text) and text.lower() not in SITE_NAMES and len(text) <= MAX_TITLE_LENGTH


def comparable(text: str) -> str:
    """A text reduced to its words, to compare titles written with other punctuation."""
    return " ".join(_WORDS_RE.findall(text.casefold().replace("ё", "е")))


def is_section_name(text: str) -> bool:
    """Whether a heading names a section of the site («Новости») rather than an article."""
    return comparable(text) in SECTION_NAMES


def says_title(element: Tag) -> bool:
    """Whether an element's class or id says it holds a title."""
    names = f"{attribute(element, 'class')} {attribute(element, 'id')}".lower()
    return bool(TITLE_CLASS_RE.search(names))


def in_chrome(element: Tag, texts: NodeTexts) -> bool:
    """Whether an element lies in a chrome block (breadcrumbs, menus, side lists, footer)."""
    node: Tag | None = element
    while node is not None and node.name not in ("body", "html", "[document]"):
        kind = chrome_kind(node, texts, itself=node is element)
        if kind is not None:
            return kind == "chrome"
        node = node.parent
    return False


def chrome_kind(element: Tag, texts: NodeTexts, itself: bool = False) -> str | None:
    """ "chrome" for a chrome block; "frame" for a block that holds the page's header or
    footer after content of its own (a layout wrapper, or a block a broken page left open),
    where a walk up from content stops; None for neither.

    Breadcrumbs and «Поделиться» mark the block a walk starts from (`itself`) and blocks of
    one line: a wrapper that opens with its breadcrumbs and goes on with the article is not
    chrome. A block that opens with «Другие новости» is a side list, however many lines.
    """
    if element.name in CHROME_TAGS or element.get("role") in CHROME_ROLES:
        return "chrome"
    text = texts.text(element)
    if any(marker in text for marker in CHROME_MARKERS) or COPYRIGHT_RE.search(text):
        opening = text[:CHROME_OPENING]
        opens_with_chrome = any(marker in opening for marker in CHROME_MARKERS)
        return "chrome" if opens_with_chrome or COPYRIGHT_RE.search(opening) else "frame"
    if holds_page_chrome(element, texts):
        return "frame"
    if (itself or is_one_line(element)) and is_chrome(element, texts):
        return "chrome"
    if SIDE_BLOCK_RE.match(text):
        return "chrome"
    return "chrome" if is_link_list(element, text, texts) else None


def is_one_line(element: Tag) -> bool:
    """Whether an element holds no blocks: its text reads as one line."""
    return next(each_tag_named(element, BLOCK_TAGS), None) is None


def element_with_text(soup: BeautifulSoup, wanted: str, texts: NodeTexts) -> Tag | None:
    """The element outside the chrome whose text is the wanted title (its innermost form)."""
    target = comparable(wanted)
    if not target:
        return None
    longest = 2 * len(wanted) + 20  # what punctuation and spacing can add
    for element in tags_under(first_tag(soup, "body") or soup):
        if element.name in ("a", "title", "option", "meta"):
            continue
        text = texts.text(element)
        if len(text) > longest or comparable(text) != target:
            continue
        if not in_chrome(element, texts):
            return innermost_with_same_text(element, texts)
    return None


def innermost_with_same_text(element: Tag, texts: NodeTexts) -> Tag:
    """Descend while one child element holds all of the element's text."""
    text = texts.text(element)
    while True:
        holding = [
            child
            for child in element.children
            if isinstance(child, Tag) and texts.text(child) == text
        ]
        if len(holding) != 1 or holding[0].name == "a":
            return element
        element = holding[0]


def title_cue(element: Tag) -> str:
    """What an element repeating the declared title is: a heading, a bold line, a block whose
    class says title, or other text."""
    near = [element, *list(element.parents)[:2]]
    if any(node.name == "h1" for node in near):
        return "h1"
    if any(node.name in ("h2", "h3", "h4", "h5", "h6") for node in near):
        return "heading-matching-title-tag"
    if any(node.name in ("b", "strong") for node in near):
        return "bold-matching-title-tag"
    if any(says_title(node) for node in near):
        return "title-class"
    return "text-matching-title-tag"


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


def find_body(
    soup: BeautifulSoup,
    heading: Tag | None,
    meta_elements: list[Tag],
    lines: list[Line],
    title_index: int | None,
    texts: NodeTexts,
) -> tuple[list[Node], str]:
    """Return the nodes of the article's own content and the cue that bounded them: from the
    title to the meta line that ends the text, or to the end of the title's content area."""
    if heading is not None:
        end = closing_meta_element(meta_elements, lines, title_index)
        if end is not None:
            return nodes_between(heading, end), "between-title-and-meta"
        return nodes_after(heading, content_scope(heading, texts)), "after-title"
    densest = densest_block(soup, texts)
    if densest is not None:
        return list(densest.children), "densest-block"
    return [], "none"


def closing_meta_element(
    meta_elements: list[Tag], lines: list[Line], title_index: int | None
) -> Tag | None:
    """The first meta element after the title with text between them: it ends the body."""
    if title_index is None:
        return None
    meta_ids = {id(element) for element in meta_elements}
    seen_text = False
    for line in lines[title_index + 1 :]:
        if id(line.element) in meta_ids:
            if seen_text:
                return line.element
        elif not is_meta_text(line.text):
            seen_text = True
    return None


def is_meta_text(text: str) -> bool:
    """Whether a text holds nothing but a meta line's labelled parts (a date or a count)."""
    if not (_DIGIT_RE.search(text) and META_LABELS_RE.search(text)):
        return False
    return bool((find_dates(text) or find_views(text)) and not meta_residue(text))


def content_nodes(nodes: list[Node], meta_elements: list[Tag], texts: NodeTexts) -> list[Node]:
    """The nodes without the chrome and meta lines among and inside them."""
    meta_ids = {id(element) for element in meta_elements}
    kept = [node for node in nodes if not is_chrome_node(node, texts, meta_ids)]
    for node in kept:
        remove_nested_chrome(node, texts, meta_ids)
    return kept


def fallback_body(
    soup: BeautifulSoup, heading: Tag | None, meta_elements: list[Tag], texts: NodeTexts
) -> tuple[list[Node], str]:
    """The densest block of text outside the chrome, when the title's neighbourhood has none."""
    densest = densest_block(soup, texts, exclude=heading)
    if densest is None:
        return [], "none"
    nodes = content_nodes(list(densest.children), meta_elements, texts)
    return (nodes, "densest-block") if block_texts(nodes) else ([], "none")


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
    if scope is heading and isinstance(heading.parent, Tag):
        return heading.parent  # the heading stands among the page's blocks: read its siblings
    return scope


def nodes_after(start: Tag, scope: Tag) -> list[Node]:
    """Nodes after start up to the end of scope, as whole subtrees."""
    collected: list[Node] = []
    node = start
    while node is not scope and isinstance(node.parent, Tag):
        collected.extend(node.next_siblings)
        node = node.parent
    return collected


def densest_block(soup: BeautifulSoup, texts: NodeTexts, exclude: Tag | None = None) -> Tag | None:
    """The element whose own paragraphs and loose text (lines split by <br>) hold the most
    text outside the chrome and the meta line."""
    best, best_length = None, 0
    for element in tags_named(soup, ("div", "article", "section", "main", "td")):
        length = sum(
            len(text)
            for child in element.children
            if (isinstance(child, Tag) and child.name in PARAGRAPH_TAGS)
            or (isinstance(child, NavigableString) and type(child) is NavigableString)
            if not is_meta_text(text := texts.text(child))
        )
        if length <= best_length or element is exclude:
            continue
        if in_chrome(element, texts):
            continue
        best, best_length = element, length
    return best


def is_chrome_node(node: Node, texts: NodeTexts, meta_ids: set[int]) -> bool:
    """Whether a node is chrome, a rule, or a line of the meta block."""
    if not isinstance(node, Tag):
        return False
    return (
        node.name == "hr"
        or id(node) in meta_ids
        or is_chrome(node, texts)
        or is_meta_text(texts.text(node))
    )


def remove_nested_chrome(node: Node, texts: NodeTexts, meta_ids: set[int]) -> None:
    """Remove chrome blocks and meta lines nested inside a content node."""
    if not isinstance(node, Tag):
        return
    # In document order; what lies in a removed block is not looked at.
    stack = [tag for tag in reversed(node.contents) if isinstance(tag, Tag)]
    while stack:
        descendant = stack.pop()
        if is_chrome_node(descendant, texts, meta_ids):
            texts.forget_around(descendant)
            descendant.decompose()
        else:
            stack.extend(tag for tag in reversed(descendant.contents) if isinstance(tag, Tag))


def find_images(nodes: list[Node], resolve: Callable[[str], str], warnings: list[str]) -> list[str]:
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
            if source.strip():
                url = web_url(source, resolve, "image", warnings)
                if url:
                    images.append(url)
    return list(dict.fromkeys(images))


def find_attachments(
    nodes: list[Node], resolve: Callable[[str], str], texts: NodeTexts, warnings: list[str]
) -> list[Attachment]:
    """Links to documents in the content, with their link text."""
    found: dict[str, Attachment] = {}
    for node in nodes:
        if not isinstance(node, Tag):
            continue
        for link in links_under(node) if node.name != "a" else [node]:
            href = attribute(link, "href")
            text = texts.text(link)
            download = link.get("download") is not None
            if not says_document(
                href, text or attribute(link, "title"), download, attribute(link, "type")
            ):
                continue
            url = web_url(href, resolve, "attachment", warnings)
            if not url:
                continue
            title = text or link_path(href).rsplit("/", 1)[-1]
            found.setdefault(url, Attachment(url=url, title=title))
    return list(found.values())


def web_url(link: str, resolve: Callable[[str], str], what: str, warnings: list[str]) -> str | None:
    """A link made absolute against the page, if it is an http(s) URL; other schemes
    (javascript:, data:, file:) are dropped with a warning."""
    if link.lstrip().lower().startswith("data:"):
        return None  # an inline image carries no address to keep
    try:
        url = resolve(link.strip())
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        url, scheme = link, ""
    if scheme in WEB_SCHEMES:
        return url
    shown = link.strip()[:60].encode("unicode_escape").decode("ascii")
    warnings.append(f"{what} link dropped: not an http(s) URL ({shown})")
    return None


def missing_fields(page: ArticlePage) -> list[str]:
    """Warnings for the fields a complete article has and this page lacks."""
    warnings = []
    if not page.title:
        warnings.append("no title found")
    if not page.body_text:
        cue = page.cues.get("title", "none")
        warnings.append(f"no body text found (title cue: {cue}; no text beside it or elsewhere)")
    if page.meta_line_raw is None:
        warnings.append("no meta line (Опубликовано/Просмотров) found")
    else:
        if page.published_at is None:
            warnings.append("meta line without a publication date")
        if page.views is None:
            warnings.append("meta line without a view count")
    return warnings
