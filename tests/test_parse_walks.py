"""The article parse's shortcuts give what bs4's own walks give, on every test page.

NodeTexts works out node_text and the links under an element once per tree; node_html renders
str(node) in one walk; tags_named and first_string walk the element chain; the soup builder
keeps one lxml parser per thread. Each is checked against the bs4 call it replaces, on the pages
and edge cases of tests/test_soup_builder.py and on raw bs4 trees (comments, scripts and all).
"""

import re
import sys
import threading
import warnings

import pytest
from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning
from bs4.element import NavigableString, Tag

from scraper.parsing.file_links import is_document_link
from scraper.parsing.markup import node_html
from scraper.parsing.soup_builder import build_soup
from scraper.parsing.text import (
    NodeTexts,
    attribute,
    collapse_whitespace,
    each_tag_named,
    first_string,
    first_tag,
    flatten_deep_nesting,
    is_dropped,
    links_under,
    make_soup,
    node_text,
    tags_named,
)
from tests.test_soup_builder import EDGE_CASES, PAGE_CASES, reference_soup

ODD_MARKUP = (
    '<!DOCTYPE html><?php echo 1; ?><p title=\'say "hi"\' data-a="it\'s" lang="a\'b&quot;c"'
    ' alt="<&>" class=" x  y ">x &amp; y &lt; z<!-- c -->\u00a0\ue000 w</p><br/><img src=x>'
    '<meta charset="windows-1251"><meta http-equiv="Content-Type" content="text/html;'
    ' charset=windows-1251"><pre>  a  </pre><p></p><textarea></textarea><script>a<b</script>'
    "<style>a>b</style><ruby>漢<rp>(</rp><rt>&lt;kan</rt><rp>)</rp></ruby><br>a</br>"
    '<ul><li><a href="/a">один</a></li><li><a href="/b.pdf">два</a><a href="/c"></a></li>'
    '<li><a href="/d"><span>три <a href="/e">четыре</a></span></a><a>без адреса</a></li></ul>'
)
HTML = {**{name: html for name, (html, _) in PAGE_CASES.items()}, **EDGE_CASES, "odd": ODD_MARKUP}


def trees(html: str) -> list[BeautifulSoup]:
    """The trees an article parse may see: make_soup's, and bs4's own (comments and all; as
    shallow as an article parse sees it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        raw = BeautifulSoup(html, "lxml")
    flatten_deep_nesting(raw)
    return [make_soup(html), raw]


def link_stats_by_bs4(tag: Tag) -> tuple[int, int]:
    """Links with text under a tag: how many lead to pages, and how long they all are."""
    links = [link for link in links_under(tag) if node_text(link)]
    page_links = [link for link in links if not is_document_link(attribute(link, "href"))]
    return len(page_links), sum(len(node_text(link)) for link in links)


@pytest.mark.parametrize("name", list(HTML))
def test_node_texts_are_node_text(name: str) -> None:
    for soup in trees(HTML[name]):
        texts = NodeTexts()
        for node in [soup, *soup.descendants]:
            assert texts.text(node) == node_text(node)
            if isinstance(node, Tag):
                assert texts.link_stats(node) == link_stats_by_bs4(node)


def test_node_texts_forget_what_a_removal_changes() -> None:
    soup = make_soup(ODD_MARKUP)
    texts = NodeTexts()
    body = soup.body
    assert body is not None
    before = texts.text(body)
    # один, два (a document), три четыре, четыре (a link in a link); the empty one not counted
    assert texts.link_stats(body) == (3, 4 + 3 + 10 + 6)
    link = tags_named(soup, ("a",))[0]
    texts.forget_around(link)
    link.decompose()
    assert texts.text(body) == node_text(body) == before.replace("один ", "")
    assert texts.link_stats(body) == link_stats_by_bs4(body) == (2, 3 + 10 + 6)


@pytest.mark.parametrize("name", list(HTML))
def test_node_html_is_str(name: str) -> None:
    for soup in trees(HTML[name]):
        for node in [soup, *soup.descendants]:
            assert node_html(node) == str(node)


@pytest.mark.parametrize("name", list(HTML))
def test_walks_find_what_bs4_finds(name: str) -> None:
    for soup in trees(HTML[name]):
        for root in [soup, *soup.find_all(True)]:
            for names in (("a",), ("h1",), ("td", "th"), ("div", "p", "li")):
                found = [id(tag) for tag in root.find_all(names)]
                assert [id(tag) for tag in tags_named(root, names)] == found
                assert [id(tag) for tag in each_tag_named(root, names)] == found
            for name in ("title", "body", "a", "p", "rt"):
                assert first_tag(root, name) is root.find(name)
            strings = root.find_all(string=lambda text: "о" in text)
            found = first_string(root, re.compile("о"))
            assert found is (strings[0] if strings else None)


def test_a_failed_parse_leaves_the_next_one_right() -> None:
    def refuse(name: str, attributes: object) -> bool:
        if name == "p":
            raise ValueError("refused")
        return False

    html, _ = PAGE_CASES["site 0"]
    with pytest.raises(ValueError, match="refused"):
        build_soup("<div><b>a<p>b</p></b></div>", refuse)
    assert str(make_soup(html)) == str(reference_soup(html))


def test_parses_in_threads_build_their_own_trees() -> None:
    pages = [html for html, _ in PAGE_CASES.values()][:16]
    expected = [str(reference_soup(html)) for html in pages]
    results: dict[int, list[str]] = {}

    def parse_all(worker: int) -> None:
        order = pages if worker % 2 else pages[::-1]
        built = [str(make_soup(html)) for html in order]
        results[worker] = built if worker % 2 else built[::-1]

    workers = [threading.Thread(target=parse_all, args=(number,)) for number in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert results == {number: expected for number in range(4)}


def test_strings_of_a_built_tree_are_linked_as_bs4_links_them() -> None:
    soup = build_soup("<p>a<b>b</b>c</p>", is_dropped)
    a, b_tag, c = soup.p.contents  # type: ignore[union-attr]
    assert isinstance(a, NavigableString)
    assert isinstance(c, NavigableString)
    assert (a.next_sibling, b_tag.previous_sibling, c.previous_sibling) == (b_tag, a, b_tag)
    assert a.next_element is b_tag
    assert c.previous_element is b_tag.contents[0]


def test_collapse_whitespace_collapses_what_a_regular_expression_would() -> None:
    spaces = "".join(
        character
        for character in map(chr, range(sys.maxunicode + 1))
        if re.fullmatch(r"\s", character) or character.isspace()
    )
    text = f"{spaces}а{spaces}б\ue000в \ue000 г\u200bд{spaces}\ue000"
    by_regex = re.sub(r"[^\S\ue000]+", " ", text.replace("\ue000", " ")).strip()
    assert collapse_whitespace(text) == by_regex == "а б в г\u200bд"
