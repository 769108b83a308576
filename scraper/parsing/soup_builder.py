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
from collections.abc import Callable, Collection, Mapping
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
    """What Tag.__init__ sets on every tag of this name that the builder makes, but its
    attributes, contents, namespaces and links to nodes made before it."""
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
        "next_element": None,  # until the next node is made
        "next_sibling": None,
    }  # a string container (<rt>…) gets its own interesting_string_types (see start)


def multi_valued_attributes(builder: TreeBuilder, name: str) -> frozenset[str]:
    """The attributes of an element that BeautifulSoup splits into lists of words (class…)."""
    lists = builder.cdata_list_attributes or {}
    return frozenset(lists.get("*", set())) | frozenset(lists.get(name.lower(), None) or ())


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


def link_after(
    node: PageElement, previous: PageElement | None, sibling: PageElement | None
) -> None:
    """Point the node made before a new one, and its previous sibling, at it (as setup() does)."""
    if previous is not None:
        previous.next_element = node
    if sibling is not None:
        sibling.next_sibling = node


def _keeps(name: str, attributes: Mapping[str, str]) -> bool:
    return False


class SoupTarget:
    """An lxml parser target that fills an empty BeautifulSoup as its lxml builder would."""

    def __init__(self, builder: TreeBuilder):
        self.builder = builder
        self.attribute_dict = builder.attribute_dict_class
        self.word_list = builder.attribute_value_list_class
        self.preserved = builder.preserve_whitespace_tags
        self.string_containers = builder.string_containers
        self.fields: dict[str, dict[str, Any]] = {}  # by element name (see tag_fields)
        self.multi_valued: dict[str, frozenset[str]] = {}  # by element name
        self.begin(None, _keeps, ())

    def begin(
        self,
        soup: BeautifulSoup | None,
        drops: Callable[[str, Mapping[str, str]], bool],
        drop_names: Collection[str] | None,
    ) -> None:
        """Start filling a new soup (None: hold on to none)."""
        self.soup = soup
        self.drops = drops
        self.drop_names = drop_names  # None: drops is asked about every element
        self.open: list[Tag] = [] if soup is None else [soup]
        self.previous: PageElement | None = None  # the node made last (the first has none)
        self.pending: list[str] = []
        self.skipped_depth = 0  # > 0 inside a dropped element
        self.preserving = 0  # open <pre>/<textarea> elements: their whitespace is kept
        self.containers: list[Tag] = []  # open elements whose strings get their own class
        self.deepest = 0  # the most elements open at once (the soup not counted)

    def start(self, name: str, attrib: Mapping[str, str]) -> None:
        """Open an element (or start skipping a dropped one): a tag as Tag.__init__ makes it."""
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
        siblings = parent.contents
        previous = self.previous
        # lxml gives an element without attributes an empty mapping that is slow to copy
        attributes = self.attribute_dict(attrib) if attrib else self.attribute_dict()
        fields = self.fields.get(name) or self.learn(name)
        if fields is None:
            tag = Tag(self.soup, self.builder, name, None, None, attributes, parent, previous)
        else:
            if attributes:
                multi_valued = self.multi_valued[name]
                for key, value in attributes.items():
                    if key in multi_valued:
                        words = nonwhitespace_re.findall(value)
                        dict.__setitem__(attributes, key, self.word_list(words))
            sibling = siblings[-1] if siblings else None
            tag = _new_tag(Tag)
            values = fields.copy()
            values["_namespaces"] = {}
            values["attrs"] = attributes
            values["contents"] = []
            values["parent"] = parent
            values["previous_element"] = previous
            values["previous_sibling"] = sibling
            tag.__dict__ = values
            link_after(tag, previous, sibling)
        siblings.append(tag)
        self.previous = tag
        if len(open_tags) > self.deepest:
            self.deepest = len(open_tags)
        open_tags.append(tag)
        if name in self.preserved:
            self.preserving += 1
        if name in self.string_containers:
            tag.interesting_string_types = {self.string_containers[name]}  # its own, as bs4's
            self.containers.append(tag)

    def learn(self, name: str) -> dict[str, Any] | None:
        """Work out what every tag of this name gets (None: it is made by Tag.__init__)."""
        if name in _SLOW_TAGS:
            return None
        self.multi_valued[name] = multi_valued_attributes(self.builder, name)
        fields = self.fields[name] = tag_fields(self.builder, name)
        return fields

    def end(self, name: str) -> None:
        """Close the innermost open element."""
        if self.skipped_depth:
            self.skipped_depth -= 1
            return
        if self.pending:
            self.flush()
        tag = self.open.pop()
        if self.preserving and tag.name in self.preserved:
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
        pending = self.pending
        if not pending:
            return
        text = pending[0] if len(pending) == 1 else "".join(pending)
        pending.clear()
        if not self.preserving and not text.strip(_ASCII_SPACES):
            text = "\n" if "\n" in text else " "
        container = NavigableString
        if self.containers:
            container = self.string_containers.get(self.containers[-1].name, container)
        self.add(_new_str(container, text))

    def add(self, string: NavigableString) -> None:
        """Append a string to the innermost open element, as NavigableString.setup links it."""
        parent = self.open[-1]
        previous = self.previous
        siblings = parent.contents
        sibling = siblings[-1] if siblings else None
        string.__dict__ = {
            "hidden": False,
            "parent": parent,
            "previous_element": previous,
            "next_element": None,
            "next_sibling": None,
            "previous_sibling": sibling,
        }
        link_after(string, previous, sibling)
        siblings.append(string)
        self.previous = string


class _Parsers(threading.local):
    """One lxml parser, target and builder per thread, kept between parses."""

    target: SoupTarget | None = None
    parser: etree.HTMLParser | None = None


_parsers = _Parsers()


def build_tree(
    html: str,
    drops: Callable[[str, Mapping[str, str]], bool],
    drop_names: Collection[str] | None = None,
) -> tuple[BeautifulSoup, int]:
    """Parse HTML into a BeautifulSoup tree (see build_soup), and say how deep it nests (the
    most elements open at once). drops is asked only about the elements drop_names names, if
    given."""
    target, parser = _parsers.target, _parsers.parser
    if target is None or parser is None:
        target = SoupTarget(LXMLTreeBuilder())
        # lxml calls the target back with str for a str document (its stubs allow bytes too)
        parser = etree.HTMLParser(target=cast("etree.ParserTarget", target), recover=True)
    _parsers.target = _parsers.parser = None  # a parse that fails leaves them unusable
    soup = empty_soup(target.builder)
    target.begin(soup, drops, drop_names)
    parser.feed(html.removeprefix("\ufeff"))
    parser.close()
    deepest = target.deepest
    target.begin(None, _keeps, ())
    _parsers.target, _parsers.parser = target, parser
    return soup, deepest


def build_soup(html: str, drops: Callable[[str, Mapping[str, str]], bool]) -> BeautifulSoup:
    """Parse HTML with lxml into a BeautifulSoup tree, without comments and dropped elements."""
    return build_tree(html, drops)[0]
