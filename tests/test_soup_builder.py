"""make_soup builds the tree BeautifulSoup's own lxml builder builds, less what it drops.

The reference is the parse make_soup made before it built the tree itself: BeautifulSoup(html,
"lxml"), then comments and never-content elements removed. Every page an article parse sees in
the tests (markup fixtures, the fixture site's articles in every template, hostile pages) and
markup edge cases must give the same tree, the same links between its nodes, and the same
parsed article.
"""

import json
import warnings
from dataclasses import asdict
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning
from bs4.element import Comment, PageElement, Tag

from scraper.parsing import article
from scraper.parsing.text import (
    DROPPED_TAGS,
    MAX_DEPTH,
    decode_page,
    flatten_deep_nesting,
    make_soup,
)
from tests.site import content, hostile

PAGES = Path(__file__).parent / "fixtures" / "pages"
MSK = ZoneInfo("Europe/Moscow")
EDGE_CASES = {
    "attributes": '<p class=" a  b " id=x disabled title=\'say "hi"\' data-x="&amp;&lt;">t</p>',
    "comments between text": "<p>один<!-- c -->два<!---->три</p><!-- end -->",
    "whitespace-only strings": "<div>\n   <p> a </p>  \t <p>b</p>\n</div>",
    "pre keeps whitespace": "<pre>\n  x  \n<b>   </b>\n</pre><textarea>  </textarea>",
    "dropped elements": (
        '<head><meta charset="utf-8"><meta property="og:title" content="Заголовок">'
        "<style>p{}</style><script>var x = '<p>';</script></head><body>a<script>x</script>b"
        "<noscript><p>n</p></noscript><template><p>t</p></template><svg><g/></svg>c</body>"
    ),
    "ruby": "<p><ruby>漢<rp>(</rp><rt>kan</rt><rp>)</rp></ruby></p>",
    "doctype and bom": '\ufeff<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.01//EN"><p>x</p>',
    "processing instruction": '<?xml version="1.0"?><p>a<?php echo 1; ?>b</p>',
    "no markup": "просто текст",
    "empty": "",
    "broken nesting": "<table><p>a<tr><td>b<div>c</table>d</p></b></i><li>e<li>f",
    "void elements": '<p>a<br>b<img src="x.png"><hr><input value=1 checked></p>',
    "entities": "<p>&nbsp;&laquo;цитата&raquo; &#1060; &amp;amp; &lt;b&gt;</p>",
    "multi-valued attributes with odd whitespace": (
        '<div class="\ta\n\nb\r\x0c c\xa0d\u2003e " accesskey=" " dropzone="">'
        '<a rel="nofollow\tnoopener" rev="x  y" class="">a</a><p rel="a b" headers="c d">p</p>'
        '<table><tr><td headers=" h1  h2 ">c</td><th headers="h3">h</th></tr></table>'
        '<form accept-charset="utf-8 cp1251"></form><object archive="a b"></object>'
        '<area rel="x y"><iframe sandbox="allow-forms  allow-scripts"></iframe>'
        '<output for="a b">o</output><link rel="stylesheet alternate"><icon sizes="16 32">'
        '<DIV CLASS="Upper  Case">u</DIV><span class="x" class="y">dup</span></div>'
    ),
    "void elements and their odd forms": (
        "<p>a<br>b<br/>c</br>d<img><img/></img><hr><hr/><wbr><input type=checkbox checked>"
        '<embed src="x"><source src="y"><col><area><base href="/"><track><param name=p>'
        "<keygen><spacer><br>text after</br></p><br></p>"
    ),
    "meta charset and content declarations": (
        '<head><meta charset="windows-1251"><meta http-equiv="Content-Type" '
        'content="text/html; charset=windows-1251"><meta property="og:title" content="T"></head>'
        "<body><p>x</p></body>"
    ),
    "nested dropped elements": (
        "<div>a<noscript><script>b</script><p>c</p></noscript>d<svg><style>e</style>"
        "<template><svg></svg></template></svg>f<meta name=x>g</div>"
    ),
}
# Pages nested around MAX_DEPTH (the <html> and <body> count: two levels): the builder's own
# depth decides whether flatten_deep_nesting walks the tree at all.
EDGE_CASES |= {
    f"{levels} levels deep": "<div>" * (levels - 4) + "<p>текст <b>жирный</b></p>" + "</div>" * 9
    for levels in range(MAX_DEPTH - 2, MAX_DEPTH + 3)
}
LINKS = ("parent", "previous_element", "next_element", "previous_sibling", "next_sibling")


def reference_soup(html: str) -> BeautifulSoup:
    """The tree make_soup built before: BeautifulSoup's lxml builder, then the removals."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(html, "lxml")
    comments, dropped = [], []
    for node in soup.descendants:
        if isinstance(node, Tag):
            if node.name in DROPPED_TAGS and not (
                node.name == "meta" and node.get("property") == "og:title"
            ):
                dropped.append(node)
        elif isinstance(node, Comment):
            comments.append(node)
    for comment in comments:
        comment.extract()
    for tag in dropped:
        tag.decompose()
    flatten_deep_nesting(soup)
    return soup


def fixture_pages() -> dict[str, tuple[str, str]]:
    """Every page the article tests parse, by name: HTML and served URL."""
    pages = {}
    for path in sorted(PAGES.glob("*.html")):
        expected = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))
        html = decode_page(path.read_bytes(), expected["content_type"]).text
        pages[path.stem] = (html, expected["served_url"])
    for number, item in enumerate(content.ARTICLES):
        url = content.HOST + content.path_of(item)
        for broken in (False, True):
            html = content.render_article(item, content.ARTICLES, 0, number % 2 == 0, broken)
            pages[f"site {number}{' broken' if broken else ''}"] = (html, url)
    bridge = content.NOVOSTI + "v-smolenske-zavershili-remont-peshehodnogo-mosta"
    for depth in (50, 150, 1500):
        spec = {"mode": "deep_nesting", "depth": depth}
        _, _, body = hostile.answer(bridge, spec, content.ARTICLES)
        pages[f"nested {depth}"] = (body.decode(), content.HOST + bridge)
    pages["maintenance"] = (hostile.maintenance_page(), content.HOST + bridge)
    return pages


PAGE_CASES = fixture_pages()


def shape(soup: BeautifulSoup) -> list[tuple[str, str, str]]:
    """Every node in document order with its class, its markup and its parent's name."""
    return [
        (type(node).__name__, str(node), node.parent.name if node.parent else "")
        for node in soup.descendants
    ]


def links(soup: BeautifulSoup) -> list[tuple[str, ...]]:
    """Every node's neighbours (previous/next element and sibling), by their markup."""

    def name(node: PageElement | None) -> str:
        return "-" if node is None else f"{type(node).__name__}:{str(node)[:40]}"

    return [
        (
            name(node),
            name(node.previous_element),
            name(node.next_element),
            name(node.previous_sibling),
            name(node.next_sibling),
        )
        for node in soup.descendants
    ]


@pytest.mark.parametrize("html", list(EDGE_CASES.values()), ids=list(EDGE_CASES))
def test_edge_cases_build_the_reference_tree(html: str) -> None:
    built, reference = make_soup(html), reference_soup(html)
    assert str(built) == str(reference)
    assert shape(built) == shape(reference)
    assert links(built) == links(reference)
    for tag in reference.find_all(True):
        twin = built.find_all(tag.name)[reference.find_all(tag.name).index(tag)]
        assert twin.attrs == tag.attrs
        assert twin.can_be_empty_element == tag.can_be_empty_element


@pytest.mark.parametrize("name", list(PAGE_CASES))
def test_every_page_builds_the_reference_tree(name: str) -> None:
    html, _ = PAGE_CASES[name]
    built, reference = make_soup(html), reference_soup(html)
    assert str(built) == str(reference)
    assert shape(built) == shape(reference)
    assert links(built) == links(reference)


@pytest.mark.parametrize("name", list(PAGE_CASES))
def test_every_page_parses_as_with_the_reference_tree(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    html, url = PAGE_CASES[name]
    built = asdict(article.parse_article(html, url, tz=MSK))
    monkeypatch.setattr(article, "make_soup", reference_soup)
    reference = asdict(article.parse_article(html, url, tz=MSK))
    assert built == reference


def own_fields(node: PageElement) -> dict[str, object]:
    """A node's attributes (and their types) but its links to other nodes."""
    return {
        key: (type(value), value)
        for key, value in vars(node).items()
        if key not in (*LINKS, "contents", "builder", "currentTag", "tagStack")
    }


@pytest.mark.parametrize("html", list(EDGE_CASES.values()), ids=list(EDGE_CASES))
def test_built_nodes_carry_what_beautifulsoup_gives_them(html: str) -> None:
    """Tags and strings made without Tag.__init__ get every attribute it sets, with the same
    values (a missing one would be looked up as a child tag by Tag.__getattr__)."""
    built = make_soup(html)
    empty = BeautifulSoup("", "lxml")
    assert own_fields(built) == own_fields(empty)
    assert built.builder.__dict__.keys() <= empty.builder.__dict__.keys()
    containers = built.find_all(list(empty.builder.string_containers))
    assert len({id(tag.interesting_string_types) for tag in containers}) == len(containers)
    for node in built.descendants:
        if isinstance(node, Tag):
            attributes = empty.builder.attribute_dict_class(node.attrs)
            parser = empty if node.parser_class else None  # flattened paragraphs have none
            twin: PageElement = Tag(parser, empty.builder, node.name, None, None, attributes)
            assert {key: (type(value), value) for key, value in node.attrs.items()} == {
                key: (type(value), value) for key, value in twin.attrs.items()
            }
        else:
            twin = type(node)(str(node))
        assert own_fields(node) == own_fields(twin)
        assert set(vars(node)) == set(vars(twin))
