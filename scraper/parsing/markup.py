"""The HTML of a BeautifulSoup node, as str() gives it, in one walk.

str(tag) renders through bs4's general event stream and formatter lookups (several calls per
node); this renders the same text with the "minimal" HTML formatter str() uses: attributes
sorted, &, < and > escaped outside <script>/<style>, void elements closed with "/>".
tests/test_soup_builder.py checks it against str() on every element of every test page.
"""

from bs4.element import (
    AttributeValueWithCharsetSubstitution,
    NavigableString,
    PageElement,
    PreformattedString,
    Tag,
)
from bs4.formatter import HTMLFormatter

_FORMATTER = HTMLFormatter.REGISTRY["minimal"]  # what str() renders with
_ENCODING = "utf-8"  # the encoding str() names in a <meta> charset declaration


def node_html(node: PageElement) -> str:
    """The node's HTML, exactly as str(node) gives it (an element of an XML tree, whose
    parser says it is XML, is left to str())."""
    if not isinstance(node, Tag) or node.known_xml:
        return str(node)
    pieces: list[str] = []
    # A walk with its own stack: a node, or a closing tag's text once its contents are done.
    stack: list[PageElement | str] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Tag):
            pieces.append(opening_tag(item))
            if not item.is_empty_element:
                stack.append("" if item.hidden else f"</{_prefixed_name(item)}>")
                stack.extend(reversed(item.contents))
        elif isinstance(item, NavigableString):
            pieces.append(string_html(item))
        elif isinstance(item, str):
            pieces.append(item)
    return "".join(pieces)


def _prefixed_name(tag: Tag) -> str:
    return f"{tag.prefix}:{tag.name}" if tag.prefix else tag.name


def opening_tag(tag: Tag) -> str:
    """A tag's opening (or only) tag, as Tag._format_tag writes it."""
    if tag.hidden:
        return ""
    attributes = ""
    if tag.attrs:
        written = []
        for key, value in _FORMATTER.attributes(tag):
            if value is None:
                written.append(key)
                continue
            if isinstance(value, list | tuple):
                value = " ".join(value)
            elif not isinstance(value, str):
                value = str(value)
            elif isinstance(value, AttributeValueWithCharsetSubstitution):
                value = value.substitute_encoding(_ENCODING)
            text = _FORMATTER.attribute_value(value)
            written.append(f"{key}={_FORMATTER.quoted_attribute_value(text)}")
        if written:
            attributes = " " + " ".join(written)
    void = (_FORMATTER.void_element_close_prefix or "") if tag.is_empty_element else ""
    return f"<{_prefixed_name(tag)}{attributes}{void}>"


def string_html(string: NavigableString) -> str:
    """A string inside a tag's HTML, as NavigableString.output_ready writes it."""
    if isinstance(string, PreformattedString):
        return string.PREFIX + string + string.SUFFIX
    parent = string.parent
    substitute = _FORMATTER.entity_substitution
    if substitute is None or (
        parent is not None and parent.name in _FORMATTER.cdata_containing_tags
    ):
        return string.PREFIX + string + string.SUFFIX
    return string.PREFIX + substitute(string) + string.SUFFIX
