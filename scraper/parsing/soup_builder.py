"""A BeautifulSoup tree built straight from lxml's parser events.

BeautifulSoup's own lxml builder receives the same events but spends most of a page's parse in
general machinery (namespaces, tag-stack searches, relinking). This target builds the same tree
(the same tags, attributes, strings and links) in one pass, and leaves out what the caller
drops (comments, and the elements `drops` names, with everything inside them) instead of
building and then removing it.
"""

from collections.abc import Callable, Mapping
from typing import cast

from bs4 import BeautifulSoup
from bs4.element import Doctype, NavigableString, PageElement, ProcessingInstruction, Tag
from lxml import etree

_ASCII_SPACES = "\x20\x0a\x09\x0c\x0d"  # what BeautifulSoup collapses in whitespace-only strings


class SoupTarget:
    """An lxml parser target that fills an empty BeautifulSoup as its lxml builder would."""

    def __init__(self, soup: BeautifulSoup, drops: Callable[[str, Mapping[str, str]], bool]):
        self.soup = soup
        self.builder = soup.builder
        self.drops = drops
        self.open: list[Tag] = [soup]
        self.previous: PageElement | None = None  # the node made last (the first has none)
        self.pending: list[str] = []
        self.skipped_depth = 0  # > 0 inside a dropped element
        self.preserving = 0  # open <pre>/<textarea> elements: their whitespace is kept
        self.containers: list[Tag] = []  # open elements whose strings get their own class

    def start(self, name: str, attrib: Mapping[str, str]) -> None:
        """Open an element (or start skipping a dropped one)."""
        if self.skipped_depth:
            self.skipped_depth += 1
            return
        self.flush()
        if self.drops(name, attrib):
            self.skipped_depth = 1
            return
        attrs = self.builder.attribute_dict_class()
        attrs.update(attrib)
        parent = self.open[-1]
        tag = Tag(self.soup, self.builder, name, None, None, attrs, parent, self.previous)
        parent.contents.append(tag)
        self.previous = tag
        self.open.append(tag)
        if name in self.builder.preserve_whitespace_tags:
            self.preserving += 1
        if name in self.builder.string_containers:
            self.containers.append(tag)

    def end(self, name: str) -> None:
        """Close the innermost open element."""
        if self.skipped_depth:
            self.skipped_depth -= 1
            return
        self.flush()
        tag = self.open.pop()
        if tag.name in self.builder.preserve_whitespace_tags:
            self.preserving -= 1
        if self.containers and self.containers[-1] is tag:
            self.containers.pop()

    def data(self, data: str) -> None:
        """Collect text (joined into one string at the next tag, comment or end)."""
        if not self.skipped_depth:
            self.pending.append(data)

    def comment(self, text: str) -> None:
        """Drop a comment; the text on either side of it stays two strings."""
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
        """Turn the text collected since the last event into one string."""
        if not self.pending:
            return
        text = "".join(self.pending)
        self.pending.clear()
        if not self.preserving and not text.strip(_ASCII_SPACES):
            text = "\n" if "\n" in text else " "
        container = NavigableString
        if self.containers:
            container = self.builder.string_containers.get(self.containers[-1].name, container)
        self.add(container(text))

    def add(self, string: NavigableString) -> None:
        """Append a string to the innermost open element."""
        parent = self.open[-1]
        string.setup(parent, self.previous)
        parent.contents.append(string)
        self.previous = string


def build_soup(html: str, drops: Callable[[str, Mapping[str, str]], bool]) -> BeautifulSoup:
    """Parse HTML with lxml into a BeautifulSoup tree, without comments and dropped elements."""
    soup = BeautifulSoup("", "lxml")
    # lxml calls the target back with str for a str document (its stubs allow bytes too)
    target = cast("etree.ParserTarget", SoupTarget(soup, drops))
    parser = etree.HTMLParser(target=target, recover=True)
    parser.feed(html.removeprefix("\ufeff"))
    parser.close()
    return soup
