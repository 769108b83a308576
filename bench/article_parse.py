"""Time of parsing article pages with `parse_article`, in ms per page.

Pages: every markup fixture of tests/fixtures/pages, every article of the fixture site
(tests/site, both templates and the broken one) and generated articles as
bench/crawl_vs_bare.py serves them. Each set is parsed --runs times; the best run counts
(CPU time: on a machine shared with other work it is the steadier one).

    python bench/article_parse.py [--runs 20] [--generated 40]

To compare with other code, run this file from a checkout of it (it imports the tree it sits in).
"""

import argparse
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scraper.parsing.article import parse_article  # noqa: E402
from scraper.parsing.text import decode_page  # noqa: E402

MSK = ZoneInfo("Europe/Moscow")
BASE = "https://www.smoladmin.ru"


def fixture_pages() -> list[tuple[str, str]]:
    """The markup fixtures, decoded as a crawl decodes them, with their served URLs."""
    import json

    pages = []
    for path in sorted((ROOT / "tests" / "fixtures" / "pages").glob("*.html")):
        expected = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))
        html = decode_page(path.read_bytes(), expected["content_type"]).text
        pages.append((html, expected["served_url"]))
    return pages


def site_pages() -> list[tuple[str, str]]:
    """Every article of the fixture site, as it serves them (and broken, in template 3)."""
    from tests.site import content

    pages = []
    for article in content.ARTICLES:
        url = BASE + content.path_of(article)
        for broken in (False, True):
            html = content.render_article(article, content.ARTICLES, 0, False, broken)
            pages.append((html, url))
    return pages


def generated_pages(count: int) -> list[tuple[str, str]]:
    """Articles of the generated site of bench/crawl_vs_bare.py."""
    from bench.crawl_vs_bare import generate_site

    site = generate_site(max(1, count // 10 + 1), 10)
    articles = [(key, body) for key, body in site.items() if key.count("/") == 3 and "?" not in key]
    return [(body.decode(), BASE + urlsplit(key).path) for key, body in articles[:count]]


def best_ms_per_page(pages: list[tuple[str, str]], runs: int) -> float:
    """The best CPU time of one pass over the pages, in ms per page."""
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        for html, url in pages:
            parse_article(html, url, tz=MSK)
        best = min(best, time.process_time() - started)
    return best * 1e3 / len(pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--generated", type=int, default=40)
    args = parser.parse_args()
    sets = {
        "markup fixtures": fixture_pages(),
        "fixture site articles": site_pages(),
        "generated articles": generated_pages(args.generated),
    }
    for name, pages in sets.items():
        ms = best_ms_per_page(pages, args.runs)
        print(f"{name} ({len(pages)} pages, best of {args.runs}): {ms:.2f} ms CPU per page")


if __name__ == "__main__":
    main()
