"""make_soup builds the tree BeautifulSoup's own lxml parse builds, less what it drops.

The reference is BeautifulSoup(html, "lxml") with comments and never-content elements removed
afterwards (scripts, styles, the head's metadata but og:title…) and deep nesting flattened.
Every page an article parse sees in the tests (markup fixtures, the fixture site's articles in
every template, hostile pages), markup edge cases and generated tag soup must give the same
tree, the same nodes with the same fields, the same links between them, and the same parsed
article.
"""

import json
import random
import warnings
from dataclasses import asdict
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning
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
    "cdata section": "<p>a<![CDATA[b <i>c</i>]]>d</p>",
    "xml declaration": '<?xml version="1.0" encoding="utf-8"?><html><body><p>x</p></body></html>',
    "short text like a file name": "index.html",
    "short text like a url": "https://www.smoladmin.ru/press-centr/novosti/",
    "dropped element around the root": "<script><html><body><p>x</p></body></html></script>y",
    "og:title among dropped metadata": (
        '<head><meta name="og:title" content="a"><meta property="og:title">'
        '<meta property="OG:TITLE" content="b"><meta property="og:title" content="c">'
        "<title>t</title><link rel=icon><base href=/></head><p>x</p>"
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
    """BeautifulSoup's own lxml parse, then the removals and the flattening."""
    with warnings.catch_warnings():  # about what the markup looks like: beside the point here
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
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
HTML_CASES = {**EDGE_CASES, **{name: html for name, (html, _) in PAGE_CASES.items()}}


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
    """A node's attributes (and their types) but its links to other nodes; a tag's HTML
    attributes as a plain mapping."""
    fields: dict[str, object] = {
        key: (type(value), value)
        for key, value in vars(node).items()
        if key not in (*LINKS, "contents", "attrs")
    }
    if isinstance(node, Tag):
        fields["attrs"] = {key: (type(value), value) for key, value in node.attrs.items()}
    return fields


@pytest.mark.parametrize("html", list(HTML_CASES.values()), ids=list(HTML_CASES))
def test_built_nodes_carry_what_beautifulsoup_gives_them(html: str) -> None:
    """Every node has the class and fields of its twin in BeautifulSoup's own tree (whether it
    may be written <tag/>, the class of its strings, charset stand-ins in <meta>, attribute
    values split into words…)."""
    built, reference = make_soup(html), reference_soup(html)
    pairs = list(zip(built.descendants, reference.descendants, strict=True))
    for node, twin in pairs:
        assert type(node) is type(twin)
        assert own_fields(node) == own_fields(twin)


def generated_page(seed: int) -> str:
    """Tag soup: a random mix of blocks, inline and void elements, what make_soup drops
    (scripts, comments, head metadata, og:title or not), whitespace, entities, stray and
    unclosed tags, sometimes nested past MAX_DEPTH."""
    rng = random.Random(seed)
    opening = [
        "<div>",
        "<p>",
        '<p class=" lead  big ">',
        "<b>",
        "<i>",
        "<span id=s>",
        "<ul><li>",
        "<li>",
        "<table><tr><td>",
        "<td>",
        "<pre>",
        "<textarea>",
        "<ruby>",
        "<rt>",
        "<rp>",
        "<a href='/x'>",
        '<a href="/doc.pdf" rel="nofollow noopener">',
        "<h1>",
        "<h2>",
        "<noscript>",
        "<svg>",
        "<template>",
        "<head>",
        "<body>",
        "<html>",
        "<form>",
    ]
    closing = [
        "</div>",
        "</p>",
        "</b>",
        "</i>",
        "</span>",
        "</li>",
        "</ul>",
        "</table>",
        "</td>",
        "</pre>",
        "</textarea>",
        "</ruby>",
        "</a>",
        "</h1>",
        "</noscript>",
        "</svg>",
        "</template>",
        "</head>",
        "</body>",
        "</html>",
        "</br>",
        "</x>",
    ]
    single = [
        "<br>",
        "<br/>",
        "<hr>",
        '<img src="a.png">',
        "<input value=1 checked>",
        "<wbr>",
        "<!-- comment -->",
        "<!---->",
        "<script>var a = '<p>';</script>",
        "<style>p{}</style>",
        '<meta charset="utf-8">',
        '<meta property="og:title" content="Заголовок">',
        '<meta name="description" content="d">',
        '<link rel="stylesheet" href="s.css">',
        "<title>Заголовок | Сайт</title>",
        "<?php echo 1; ?>",
        "<![CDATA[c]]>",
    ]
    texts = [
        "текст",
        " ",
        "\n",
        "  \t ",
        "\xa0",
        "&nbsp;",
        "&laquo;цитата&raquo;",
        "a &amp; b",
        "x < y",
        "Опубликовано: 12.03.2024",
        "\n\n  слово  \n",
    ]
    pieces = ["<!DOCTYPE html>"] if rng.random() < 0.5 else []
    deep = rng.random() < 0.2
    for _ in range(rng.randrange(5, 120)):
        roll = rng.random()
        if roll < 0.3:
            pieces.append(rng.choice(opening))
        elif roll < 0.45:
            pieces.append(rng.choice(closing))
        elif roll < 0.6:
            pieces.append(rng.choice(single))
        elif deep and roll < 0.62:
            pieces.append("<div>" * rng.randrange(MAX_DEPTH - 5, MAX_DEPTH + 20))
            deep = False
        else:
            pieces.append(rng.choice(texts))
    return "".join(pieces)


GENERATED = {f"generated {seed}": generated_page(seed) for seed in range(150)}


@pytest.mark.parametrize("name", list(GENERATED))
def test_generated_tag_soup_builds_the_reference_tree(name: str) -> None:
    html = GENERATED[name]
    built, reference = make_soup(html), reference_soup(html)
    assert str(built) == str(reference)
    assert shape(built) == shape(reference)
    assert links(built) == links(reference)
    for node, twin in zip(built.descendants, reference.descendants, strict=True):
        assert own_fields(node) == own_fields(twin)


@pytest.mark.parametrize(
    "html",
    ["index.html", "https://www.smoladmin.ru/", '<?xml version="1.0"?><root><p>x</p></root>'],
)
def test_pages_that_look_like_names_or_xml_parse_without_warnings(html: str) -> None:
    """A crawl's log gets no BeautifulSoup warnings about what a page looks like."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        soup = make_soup(html)
    assert soup.get_text() == reference_soup(html).get_text()
