"""A BeautifulSoup tree built straight from lxml's parser events.

BeautifulSoup's own lxml builder receives the same events but spends most of a page's parse in
general machinery (namespaces, tag-stack searches, relinking). This target builds the same tree
(the same tags, attributes, strings and links) in one pass, and leaves out what the caller
drops (comments, and the elements `drops` names, with everything inside them) instead of
building and then removing it.

Tags and strings are made as `Tag.__init__` and `NavigableString.__new__` make them, but with
what they ask the builder worked out once per element name: the attributes they set are those
of beautifulsoup4 4.15 (pinned in pyproject.toml), and tests/test_soup_builder.py checks every
built node against BeautifulSoup's own.
"""

import threading
from collections.abc import Callable, Mapping
from typing import Any, cast

from bs4 import BeautifulSoup
from bs4.builder import TreeBuilder
from bs4.builder._lxml import LXMLTreeBuilder
from bs4.element import (
    Doctype,
    NavigableString,
    PageElement,
    ProcessingInstruction,
    Tag,
    nonwhitespace_re,
)
from lxml import etree

_ASCII_SPACES = "\x20\x0a\x09\x0c\x0d"  # what BeautifulSoup collapses in whitespace-only strings
_SLOW_TAGS = frozenset({"meta"})  # Tag.__init__ gives their charset/content a stand-in value
_new_tag = Tag.__new__
_new_str = str.__new__


def tag_fields(builder: TreeBuilder, name: str) -> dict[str, Any]:
    """What Tag.__init__ sets on every tag of this name that the builder makes, but its links,
    attributes, contents and namespaces."""
    containers = builder.string_containers
    return {
        "parser_class": BeautifulSoup,
        "name": name,
        "namespace": None,
        "prefix": None,
        "sourceline": None,
        "sourcepos": None,
        "attribute_value_list_class": builder.attribute_value_list_class,
        "known_xml": builder.is_xml,
        "hidden": False,
        "can_be_empty_element": builder.can_be_empty_element(name),
        "cdata_list_attributes": builder.cdata_list_attributes,
        "preserve_whitespace_tags": builder.preserve_whitespace_tags,
        "interesting_string_types": Tag.MAIN_CONTENT_STRING_TYPES,
    } | ({"interesting_string_types": {containers[name]}} if name in containers else {})


def multi_valued_attributes(builder: TreeBuilder, name: str) -> frozenset[str]:
    """The attributes of an element that BeautifulSoup splits into lists of words (class…)."""
    lists = builder.cdata_list_attributes or {}
    return frozenset(lists.get("*", set())) | frozenset(lists.get(name.lower(), None) or ())


def split_attributes(
    attributes: dict[str, Any], names: frozenset[str], builder: TreeBuilder
) -> None:
    """Split the multi-valued attributes' values into word lists, in place, as BeautifulSoup
    does."""
    for key in attributes:
        if key in names:
            attributes[key] = builder.attribute_value_list_class(
                nonwhitespace_re.findall(attributes[key])
            )


def empty_soup(builder: TreeBuilder) -> BeautifulSoup:
    """An empty BeautifulSoup on this builder, as BeautifulSoup("", builder=builder) makes it
    (without parsing an empty document to get there)."""
    soup = BeautifulSoup.__new__(BeautifulSoup)
    soup.element_classes = {}
    soup.builder = builder
    soup.is_xml = soup.known_xml = builder.is_xml
    soup._namespaces = {}
    soup.parse_only = None
    soup.markup = None
    soup.original_encoding = None
    soup.declared_html_encoding = None
    soup.contains_replacement_characters = False
    soup.reset()
    builder.initialize_soup(soup)
    soup._feed()  # no markup: closes what reset() opened, as after an empty parse
    builder.soup = None
    return soup


def _keeps(name: str, attributes: Mapping[str, str]) -> bool:
    return False


class SoupTarget:
    """An lxml parser target that fills an empty BeautifulSoup as its lxml builder would."""

    def __init__(self, builder: TreeBuilder):
        self.builder = builder
        self.fields: dict[str, dict[str, Any]] = {}  # by element name (see tag_fields)
        self.multi_valued: dict[str, frozenset[str]] = {}  # by element name
        self.begin(None, _keeps)

    def begin(
        self, soup: BeautifulSoup | None, drops: Callable[[str, Mapping[str, str]], bool]
    ) -> None:
        """Start filling a new soup (None: hold on to none)."""
        self.soup = soup
        self.drops = drops
        self.open: list[Tag] = [] if soup is None else [soup]
        self.previous: PageElement | None = None  # the node made last (the first has none)
        self.pending: list[str] = []
        self.skipped_depth = 0  # > 0 inside a dropped element
        self.preserving = 0  # open <pre>/<textarea> elements: their whitespace is kept
        self.containers: list[Tag] = []  # open elements whose strings get their own class
        self.deepest = 0  # the most elements open at once (the soup not counted)

    def start(self, name: str, attrib: Mapping[str, str]) -> None:
        """Open an element (or start skipping a dropped one)."""
        if self.skipped_depth:
            self.skipped_depth += 1
            return
        if self.pending:
            self.flush()
        if self.drops(name, attrib):
            self.skipped_depth = 1
            return
        builder = self.builder
        parent = self.open[-1]
        attributes = builder.attribute_dict_class(attrib)
        if name in _SLOW_TAGS:
            tag = Tag(self.soup, builder, name, None, None, attributes, parent, self.previous)
        else:
            tag = self.new_tag(name, attributes, parent)
        parent.contents.append(tag)
        self.previous = tag
        self.open.append(tag)
        if len(self.open) > self.deepest + 1:
            self.deepest = len(self.open) - 1
        if name in builder.preserve_whitespace_tags:
            self.preserving += 1
        if name in builder.string_containers:
            self.containers.append(tag)

    def new_tag(self, name: str, attributes: dict[str, Any], parent: Tag) -> Tag:
        """A tag as Tag.__init__ makes it, linked after the node made last."""
        fields = self.fields.get(name)
        if fields is None:
            fields = self.fields[name] = tag_fields(self.builder, name)
            self.multi_valued[name] = multi_valued_attributes(self.builder, name)
        if attributes:
            split_attributes(attributes, self.multi_valued[name], self.builder)
        previous = self.previous
        siblings = parent.contents
        sibling = siblings[-1] if siblings else None
        tag = _new_tag(Tag)
        values = fields.copy()
        values["_namespaces"] = {}
        values["attrs"] = attributes
        values["contents"] = []
        values["parent"] = parent
        values["previous_element"] = previous
        values["next_element"] = None
        values["next_sibling"] = None
        values["previous_sibling"] = sibling
        tag.__dict__ = values
        if previous is not None:
            previous.next_element = tag
        if sibling is not None:
            sibling.next_sibling = tag
        return tag

    def end(self, name: str) -> None:
        """Close the innermost open element."""
        if self.skipped_depth:
            self.skipped_depth -= 1
            return
        if self.pending:
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
        self.add(_new_str(container, text))

    def add(self, string: NavigableString) -> None:
        """Append a string to the innermost open element, as NavigableString.setup links it."""
        parent = self.open[-1]
        previous = self.previous
        siblings = parent.contents
        sibling = siblings[-1] if siblings else None
        string.hidden = False
        string.parent = parent
        string.previous_element = previous
        if previous is not None:
            previous.next_element = string
        string.next_element = None
        string.next_sibling = None
        string.previous_sibling = sibling
        if sibling is not None:
            sibling.next_sibling = string
        siblings.append(string)
        self.previous = string


class _Parsers(threading.local):
    """One lxml parser, target and builder per thread, kept between parses."""

    target: SoupTarget | None = None
    parser: etree.HTMLParser | None = None


_parsers = _Parsers()


def build_tree(
    html: str, drops: Callable[[str, Mapping[str, str]], bool]
) -> tuple[BeautifulSoup, int]:
    """Parse HTML into a BeautifulSoup tree (see build_soup), and say how deep it nests (the
    most elements open at once)."""
    target, parser = _parsers.target, _parsers.parser
    if target is None or parser is None:
        target = SoupTarget(LXMLTreeBuilder())
        # lxml calls the target back with str for a str document (its stubs allow bytes too)
        parser = etree.HTMLParser(target=cast("etree.ParserTarget", target), recover=True)
    _parsers.target = _parsers.parser = None  # a parse that fails leaves them unusable
    soup = empty_soup(target.builder)
    target.begin(soup, drops)
    parser.feed(html.removeprefix("\ufeff"))
    parser.close()
    deepest = target.deepest
    target.begin(None, _keeps)
    _parsers.target, _parsers.parser = target, parser
    return soup, deepest


def build_soup(html: str, drops: Callable[[str, Mapping[str, str]], bool]) -> BeautifulSoup:
    """Parse HTML with lxml into a BeautifulSoup tree, without comments and dropped elements."""
    return build_tree(html, drops)[0]
