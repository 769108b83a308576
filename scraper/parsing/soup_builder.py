"""A BeautifulSoup tree built from lxml's parser events, without what is never content.

lxml's HTML parser reads the page and reports it to a parser target (lxml's documented
event interface); the target makes the nodes BeautifulSoup's own lxml builder makes, through
BeautifulSoup's documented constructors: `BeautifulSoup(markup, builder=…)` with a tree builder
of its own, `Tag(parser, builder, name, attrs=…, parent=…, previous=…)` for elements (the
arguments BeautifulSoup keeps for tree builders), and strings linked in by
`PageElement.setup`, as a parse links them. Comments, and the elements `drops` names with
everything inside them, are left out as the parser reports them instead of being built and
then removed. tests/test_soup_builder.py checks every node against BeautifulSoup's own parse.
"""

import io
import threading
from collections.abc import Callable, Collection, Mapping
from typing import cast

from bs4 import BeautifulSoup
from bs4.builder import HTMLTreeBuilder
from bs4.element import Doctype, NavigableString, PageElement, ProcessingInstruction, Tag
from lxml import etree

# What BeautifulSoup collapses in a string of nothing but spaces (outside <pre> and <textarea>)
ASCII_SPACES = "\x20\x0a\x09\x0c\x0d"
# The namespace prefixes BeautifulSoup's lxml builder gives every tag of an HTML page
HTML_NAMESPACES = {"xml": "http://www.w3.org/XML/1998/namespace"}  # for CSS selectors

Drops = Callable[[str, Mapping[str, str]], bool]


class PrunedTarget:
    """An lxml parser target that adds a page's nodes to a soup, leaving out comments and the
    elements `drops` names (asked only about the names in drop_names, if given)."""

    def __init__(self) -> None:
        self.begin(None, HTMLTreeBuilder(), _keeps, ())

    def begin(
        self,
        soup: BeautifulSoup | None,
        builder: HTMLTreeBuilder,
        drops: Drops,
        drop_names: Collection[str] | None,
    ) -> None:
        """Start filling a soup (None: hold on to none)."""
        self.soup = soup
        self.builder = builder
        self.preserved = builder.preserve_whitespace_tags  # <pre>, <textarea>
        self.string_containers = builder.string_containers  # <script>, <rt>…: their strings
        self.drops = drops
        self.drop_names = drop_names
        self.open: list[Tag] = [] if soup is None else [soup]
        self.previous: PageElement | None = None  # the node made last (the first has none)
        self.pending: list[str] = []  # text reported since the last node
        self.skipped_depth = 0  # > 0 inside a dropped element
        self.preserving = 0  # open elements whose whitespace is kept
        self.string_classes: list[type[NavigableString]] = []  # of the open string containers
        self.deepest = 0  # the most elements open at once (the soup not counted)

    def start(self, name: str, attrib: Mapping[str, str]) -> None:
        """Open an element, or start skipping a dropped one."""
        if self.skipped_depth:
            self.skipped_depth += 1
            return
        if self.pending:
            self.flush()
        drop_names = self.drop_names
        if (drop_names is None or name in drop_names) and self.drops(name, attrib):
            self.skipped_depth = 1
            return
        open_tags = self.open
        parent = open_tags[-1]
        # lxml's mapping of no attributes is slow to copy
        attributes = dict(attrib) if attrib else {}
        tag = Tag(
            self.soup,
            self.builder,
            name,
            None,
            None,
            attributes,
            parent,
            self.previous,
            namespaces=HTML_NAMESPACES,
        )
        parent.contents.append(tag)
        self.previous = tag
        if len(open_tags) > self.deepest:
            self.deepest = len(open_tags)
        open_tags.append(tag)
        if name in self.preserved:
            self.preserving += 1
        if name in self.string_containers:
            self.string_classes.append(self.string_containers[name])

    def end(self, name: str) -> None:
        """Close the innermost open element."""
        if self.skipped_depth:
            self.skipped_depth -= 1
            return
        if self.pending:
            self.flush()
        tag = self.open.pop()
        if tag.name in self.preserved:
            self.preserving -= 1
        if tag.name in self.string_containers:
            self.string_classes.pop()

    def data(self, data: str) -> None:
        """Collect text (one string up to the next tag, comment or end)."""
        if not self.skipped_depth:
            self.pending.append(data)

    def comment(self, text: str) -> None:
        """Leave a comment out; the text on either side of it stays two strings."""
        if not self.skipped_depth:
            self.flush()

    def pi(self, target: str, data: str) -> None:
        """Keep a processing instruction, as BeautifulSoup does."""
        if not self.skipped_depth:
            self.flush()
            self.add(ProcessingInstruction(f"{target} {data}"))

    def doctype(self, name: str, pubid: str, system: str) -> None:
        """Keep the doctype, as BeautifulSoup does."""
        self.flush()
        self.add(Doctype.for_name_and_ids(name, pubid, system))

    def close(self) -> None:
        """End of the document."""
        self.flush()

    def flush(self) -> None:
        """Turn the text collected since the last node into one string, as BeautifulSoup does:
        nothing but spaces becomes one space or line break, unless whitespace is kept."""
        pending = self.pending
        if not pending:
            return
        text = "".join(pending)
        pending.clear()
        if not self.preserving and not text.strip(ASCII_SPACES):
            text = "\n" if "\n" in text else " "
        string_class = self.string_classes[-1] if self.string_classes else NavigableString
        self.add(string_class(text))

    def add(self, node: PageElement) -> None:
        """Append a string, doctype or processing instruction to the innermost open element."""
        parent = self.open[-1]
        node.setup(parent, self.previous)
        parent.contents.append(node)
        self.previous = node


def _keeps(name: str, attributes: Mapping[str, str]) -> bool:
    return False


class _Parsers(threading.local):
    """One lxml parser and its target per thread, kept between parses (lxml inspects a
    target's methods each time a parser is made for it)."""

    target: PrunedTarget | None = None
    parser: etree.HTMLParser | None = None


_parsers = _Parsers()


class PrunedTreeBuilder(HTMLTreeBuilder):
    """A BeautifulSoup tree builder: lxml's HTML parser, comments and dropped elements left
    out. After a parse, deepest says how many elements were open at once at most."""

    def __init__(self, drops: Drops, drop_names: Collection[str] | None = None):
        super().__init__()
        self.drops = drops
        self.drop_names = drop_names
        self.deepest = 0

    def feed(self, markup: str | bytes) -> None:
        """Parse the page into the soup BeautifulSoup made for it."""
        if not isinstance(self.soup, BeautifulSoup) or not isinstance(markup, str):
            raise TypeError("PrunedTreeBuilder parses text, for a BeautifulSoup")
        target, parser = _parsers.target, _parsers.parser
        if target is None or parser is None:
            target = PrunedTarget()
            # lxml calls a target back with str for a str document (its stubs allow bytes)
            parser = etree.HTMLParser(target=cast("etree.ParserTarget", target), recover=True)
        _parsers.target = _parsers.parser = None  # a parse that fails leaves them unusable
        target.begin(self.soup, self, self.drops, self.drop_names)
        parser.feed(markup)
        parser.close()
        self.deepest = target.deepest
        target.begin(None, self, _keeps, ())
        _parsers.target, _parsers.parser = target, parser


def build_tree(
    html: str, drops: Drops, drop_names: Collection[str] | None = None
) -> tuple[BeautifulSoup, int]:
    """Parse HTML into a BeautifulSoup tree (see build_soup), and say how deep it nests (the
    most elements open at once). drops is asked only about the elements drop_names names, if
    given."""
    builder = PrunedTreeBuilder(drops, drop_names)
    # From a file, BeautifulSoup takes a short page for markup without asking whether it
    # looks like a file name or URL. lxml misreads a str that starts with a byte order mark.
    soup = BeautifulSoup(io.StringIO(html.removeprefix("\ufeff")), builder=builder)
    return soup, builder.deepest


def build_soup(html: str, drops: Drops) -> BeautifulSoup:
    """Parse HTML with lxml into a BeautifulSoup tree, without comments and dropped elements."""
    return build_tree(html, drops)[0]
