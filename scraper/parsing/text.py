"""Text of HTML fragments: blocks, whitespace, chrome recognition."""

import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass

from bs4 import BeautifulSoup
from bs4.element import NavigableString, PageElement, Tag
from w3lib.encoding import html_to_unicode

from scraper.parsing.file_links import is_document_link
from scraper.parsing.soup_builder import build_tree

_LINE_BREAK = "\ue000"
_SPACES_RE = re.compile(r"[^\S\ue000]+")
_AROUND_BREAK_RE = re.compile(r" ?\ue000 ?")

BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "blockquote",
        "center",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "footer",
        "li",
        "main",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "ul",
        "aside",
        "nav",
        "form",
        "hr",
    }
)
CELL_BLOCK_TAGS = BLOCK_TAGS - {"tr", "tbody", "thead", "tfoot"}  # what a data cell never holds
INVISIBLE_TAGS = ("script", "style", "noscript", "template", "svg", "link", "meta", "head")
DROPPED_TAGS = frozenset(INVISIBLE_TAGS) - {"head"}
CHROME_TAGS = frozenset({"nav", "header", "footer", "aside", "form", "button", "select", "input"})
CHROME_MARKERS = (
    "Размер шрифта:",
    "Цвета сайта:",
    "Интервал между буквами",
    "не является средством массовой информации",
    "214000, Смоленск",
    "smol@smoladmin.ru",
    "Электронные услуги",
)
COPYRIGHT_RE = re.compile(r"©\s*\d{4}\s*Администрация города Смоленска")
BREADCRUMB_RE = re.compile(r"^Главная\s*[•/»>|→]")
SHARE_RE = re.compile(r"^(Поделиться|Поделитесь|Рассказать друзьям)", re.I)
UTILITY_LINK_RE = re.compile(
    r"^(Версия для печати|Распечатать|Печать|Назад|Вернуться( назад| к списку.*)?"
    r"|К списку( новостей)?|Все новости|Архив новостей)\W*$",
    re.I,
)
SIDE_BLOCK_RE = re.compile(
    r"^(Другие|Последние|Похожие|Свежие|Все) (новости|материалы|публикации)|^Читайте также"
    r"|^Смотрите также|^Ещё новости|^Еще новости",
    re.I,
)
MAX_DEPTH = 100  # elements nested deeper are flattened to paragraphs (see flatten_deep_nesting)
SITE_NAMES = frozenset({"администрация города смоленска", "официальный сайт"})


def collapse_whitespace(text: str) -> str:
    """Collapse every whitespace run (nbsp included) to one space and trim."""
    if _LINE_BREAK in text:
        text = text.replace(_LINE_BREAK, " ")
    return " ".join(text.split())  # str.split splits at what \s matches (and only there)


def make_soup(html: str) -> BeautifulSoup:
    """Parse HTML leniently and drop what is never content (scripts, styles, comments, the
    head's metadata but its og:title)."""
    soup, depth = build_tree(html, is_dropped, DROPPED_TAGS)
    if depth > MAX_DEPTH:
        flatten_deep_nesting(soup)
    return soup


def is_dropped(name: str, attributes: Mapping[str, str]) -> bool:
    """Whether an element is never content (kept: the og:title declaration the title may rest
    on)."""
    return name in DROPPED_TAGS and not (
        name == "meta" and attributes.get("property") == "og:title"
    )


def attribute(tag: Tag, name: str) -> str:
    """An attribute's value as text ('' when absent; a multi-valued one joined by spaces)."""
    value = tag.get(name)
    if value is None:
        return ""
    return value if isinstance(value, str) else " ".join(value)


def after_descendants(root: Tag) -> PageElement | None:
    """The node that follows root and everything under it in document order."""
    last: PageElement = root
    while isinstance(last, Tag) and last.contents:
        last = last.contents[-1]
    return last.next_element


def tags_under(root: Tag) -> list[Tag]:
    """The elements under root, in document order."""
    found: list[Tag] = []
    if not root.contents:
        return found
    stop = after_descendants(root)
    node: PageElement | None = root.contents[0]  # then along the chain, as descendants goes
    while node is not stop and node is not None:
        if isinstance(node, Tag):
            found.append(node)
        node = node.next_element
    return found


def each_tag_named(root: Tag, names: Collection[str]) -> Iterator[Tag]:
    """The elements under root with one of these names, in document order, one at a time (for
    a search that stops at the first that fits)."""
    if not root.contents:
        return
    stop = after_descendants(root)
    node: PageElement | None = root.contents[0]  # then along the chain, as descendants goes
    while node is not stop and node is not None:
        if isinstance(node, Tag) and node.name in names:
            yield node
        node = node.next_element


def tags_named(root: Tag, names: Collection[str]) -> list[Tag]:
    """The elements under root with one of these names, in document order (as find_all finds
    them, without its general matcher)."""
    return [tag for tag in tags_under(root) if tag.name in names]


def first_tag(root: Tag, name: str) -> Tag | None:
    """The first element under root with this name (as root.find(name) or root.<name> finds
    it)."""
    return next(each_tag_named(root, (name,)), None)


def links_under(tag: Tag) -> list[Tag]:
    """The <a> elements with an href under a tag, in document order."""
    return [link for link in tags_named(tag, ("a",)) if link.get("href") is not None]


def first_string(root: Tag, pattern: re.Pattern[str]) -> NavigableString | None:
    """The first string under root that the pattern finds something in (as find(string=…))."""
    if not root.contents:
        return None
    stop = after_descendants(root)
    node: PageElement | None = root.contents[0]  # then along the chain, as descendants goes
    while node is not stop and node is not None:
        if isinstance(node, NavigableString) and pattern.search(node):
            return node
        node = node.next_element
    return None


def node_text(node: PageElement) -> str:
    """The visible text of a node with whitespace collapsed."""
    if isinstance(node, NavigableString):
        return collapse_whitespace(str(node))
    return collapse_whitespace(node.get_text(" "))


_MAIN_STRING_TYPES = frozenset(Tag.MAIN_CONTENT_STRING_TYPES)
# What NodeTexts knows of an element: the element (held, so that its id is not reused while it
# is known), its text (of its NavigableString and CData strings, as get_text takes them), how
# many links with text under it lead to pages, and how many characters all links with text
# under it have.
_Known = tuple[Tag, str, int, int]


class NodeTexts:
    """node_text and the links under the elements of one tree, each worked out once.

    The text of an element is the texts of its children joined by spaces (collapsing
    whitespace commutes with joining), so a tree's texts take one walk, not one per element.
    What a change to the tree touches must be forgotten (see forget_around).
    """

    def __init__(self) -> None:
        self.known: dict[int, _Known] = {}

    def text(self, node: PageElement) -> str:
        """The node's node_text."""
        if not isinstance(node, Tag) or node.interesting_string_types not in (
            None,
            _MAIN_STRING_TYPES,
        ):
            return node_text(node)
        return self.facts(node)[1]

    def link_stats(self, tag: Tag) -> tuple[int, int]:
        """How many links with text under the tag lead to pages, and how long all links with
        text under it are."""
        _, _, page_links, link_chars = self.facts(tag)
        return page_links, link_chars

    def facts(self, root: Tag) -> _Known:
        """What is known of an element, worked out for it and what it holds if need be."""
        known = self.known
        facts = known.get(id(root))
        if facts is not None:
            return facts
        # Children before their parents: the elements in document order, from the last.
        for tag in reversed([root, *tags_under(root)]):
            if id(tag) in known:
                continue
            parts: list[str] = []
            page_links = link_chars = 0
            for child in tag.contents:
                if isinstance(child, Tag):
                    _, text, child_page_links, child_link_chars = known[id(child)]
                    page_links += child_page_links
                    link_chars += child_link_chars
                    if text and child.name == "a" and child.get("href") is not None:
                        link_chars += len(text)
                        page_links += not is_document_link(attribute(child, "href"))
                elif isinstance(child, NavigableString) and type(child) in _MAIN_STRING_TYPES:
                    text = collapse_whitespace(child)
                else:
                    continue
                if text:
                    parts.append(text)
            known[id(tag)] = (tag, " ".join(parts), page_links, link_chars)
        return known[id(root)]

    def forget_around(self, node: PageElement) -> None:
        """Forget what a change to the node changes: what its ancestors hold."""
        for ancestor in node.parents:
            self.known.pop(id(ancestor), None)


def is_chrome(tag: Tag, texts: NodeTexts | None = None) -> bool:
    """Whether a block is site chrome: menus, panel, breadcrumbs, share or side blocks, footer."""
    if tag.name in CHROME_TAGS or tag.get("role") in ("navigation", "banner", "contentinfo"):
        return True
    texts = texts or NodeTexts()
    text = texts.text(tag)
    if any(marker in text for marker in CHROME_MARKERS) or COPYRIGHT_RE.search(text):
        return True
    if BREADCRUMB_RE.match(text) or SHARE_RE.match(text) or SIDE_BLOCK_RE.match(text):
        return True
    if UTILITY_LINK_RE.match(text) and (tag.name == "a" or links_under(tag)):
        return True
    return is_link_list(tag, text, texts)


def holds_page_chrome(tag: Tag, texts: NodeTexts | None = None) -> bool:
    """Whether an element holds the page's header, footer or accessibility panel."""
    text = (texts or NodeTexts()).text(tag)
    if any(marker in text for marker in CHROME_MARKERS) or COPYRIGHT_RE.search(text):
        return True
    return "официальный сайт" in text and "Администрация города Смоленска" in text


def is_link_list(tag: Tag, text: str, texts: NodeTexts | None = None) -> bool:
    """Whether a block is mostly links to other pages (a menu or a list of other articles)."""
    page_links, link_chars = (texts or NodeTexts()).link_stats(tag)
    if page_links < 2 or not text:
        return False
    return link_chars / len(text) >= 0.6


def block_texts(nodes: list[PageElement]) -> list[str]:
    """Split nodes into text blocks: paragraphs, list items, table rows, headings, captions."""
    texts = NodeTexts()
    blocks: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        text = _AROUND_BREAK_RE.sub(_LINE_BREAK, _SPACES_RE.sub(" ", "".join(buffer)))
        text = text.strip(" " + _LINE_BREAK).replace(_LINE_BREAK, "\n")
        if text:
            blocks.append(text)
        buffer.clear()

    # A depth-first walk with its own stack (no recursion, whatever the nesting depth);
    # None marks the end of a block element.
    stack: list[PageElement | None] = list(reversed(nodes))
    while stack:
        node = stack.pop()
        if node is None:
            flush()
        elif isinstance(node, NavigableString):
            buffer.append(str(node))
        elif not isinstance(node, Tag):
            continue
        elif node.name == "br":
            buffer.append(_LINE_BREAK)
        elif node.name == "tr" and is_data_row(node):
            flush()
            cells = [texts.text(cell) for cell in tags_named(node, ("td", "th"))]
            row = " | ".join(cell for cell in cells if cell)
            if row:
                blocks.append(row)
        else:
            if node.name in BLOCK_TAGS:
                flush()
                stack.append(None)
            stack.extend(reversed(node.contents))
    flush()
    return blocks


def is_data_row(row: Tag) -> bool:
    """Whether a table row holds data cells (text) rather than a layout's blocks."""
    return not any(
        next(each_tag_named(cell, CELL_BLOCK_TAGS), None) is not None
        for cell in row.children
        if isinstance(cell, Tag)
    )


def flatten_deep_nesting(soup: BeautifulSoup, max_depth: int = MAX_DEPTH) -> int:
    """Replace what lies deeper than max_depth by its text blocks, as paragraphs.

    Real pages nest a few dozen levels; a hostile one nests thousands, which would make every
    walk of the tree costly (quadratic in depth) or recursive. Returns how many elements were
    flattened.
    """
    flattened: dict[int, Tag] = {}
    stack: list[tuple[Tag, int]] = [(soup, 0)]
    while stack:
        element, depth = stack.pop()
        for child in element.children:
            if not isinstance(child, Tag):
                continue
            if depth + 1 > max_depth:
                flattened[id(element)] = element
                break
            stack.append((child, depth + 1))
    for element in flattened.values():
        texts = block_texts(list(element.children))
        element.clear()
        for text in texts:
            paragraph = soup.new_tag("p")
            paragraph.string = text
            element.append(paragraph)
    return len(flattened)


@dataclass(frozen=True)
class DecodedPage:
    text: str
    encoding: str
    warning: str | None = None


def decode_page(body: bytes, content_type: str | None) -> DecodedPage:
    """Decode a served page as Scrapy does (HTTP charset, BOM, <meta>, guess).

    A page whose declared encoding does not fit its bytes, as when a windows-1251 page is
    served as UTF-8, is decoded as windows-1251 instead of losing its Cyrillic to U+FFFD.
    """
    encoding, text = html_to_unicode(content_type, body)
    if not body.isascii() and "utf" not in encoding.replace("-", "").lower():
        try:
            utf8 = body.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return DecodedPage(utf8, "utf-8", f"page declared {encoding} but is UTF-8")
    if "\ufffd" in text and "\ufffd".encode() not in body:
        try:
            fallback = body.decode("cp1251")
        except UnicodeDecodeError:
            return DecodedPage(text, encoding, f"page is not valid {encoding}")
        return DecodedPage(
            fallback, "cp1251", f"page declared {encoding} but is windows-1251; decoded as such"
        )
    return DecodedPage(text, encoding)
