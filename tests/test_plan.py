"""The walk policy: which listed articles a crawl fetches, and how far it walks a section."""

from datetime import date

import pytest

from archive.plan import CrawlPlan
from scraper.plan import WalkPlan

NEW = "https://www.smoladmin.ru/press-centr/novosti/new/"
DUE = "https://www.smoladmin.ru/press-centr/novosti/due/"
REMOVED = "https://www.smoladmin.ru/press-centr/novosti/removed/"
SETTLED = "https://www.smoladmin.ru/press-centr/novosti/settled/"
UNSETTLED = "https://www.smoladmin.ru/press-centr/novosti/archived-by-an-interrupted-run/"
FAILED = "https://www.smoladmin.ru/press-centr/novosti/failed-before/"
RETRY = "https://www.smoladmin.ru/press-centr/novosti/never-loaded/"
OLD = "https://www.smoladmin.ru/press-centr/novosti/old/"


def archived() -> CrawlPlan:
    return CrawlPlan(
        known={DUE, REMOVED, SETTLED, UNSETTLED, OLD},
        attempted={FAILED, RETRY},
        due={DUE},
        removed={REMOVED},
        settled={SETTLED, OLD, REMOVED},
        walked_sections={"novosti"},
        retry=[RETRY],
        listing_dates={DUE: date(2026, 11, 20)},
    )


@pytest.mark.parametrize(
    ("url", "due", "unsettles"),
    [
        (NEW, True, True),  # never seen: fetch it, and look further down the listing
        (DUE, True, True),  # within the refresh window
        (REMOVED, True, True),  # gone before: is it back?
        (SETTLED, False, False),  # archived before the last completed walk, outside the window
        (UNSETTLED, False, True),  # archived by a run that never finished its walk
        (FAILED, True, False),  # requested before and failed: fetched again, walk not kept going
        (OLD, False, False),
    ],
)
def test_what_a_listed_article_asks_of_the_crawl(url: str, due: bool, unsettles: bool) -> None:
    plan = WalkPlan(archived=archived())
    assert plan.is_due(url) is due
    assert plan.unsettles(url) is unsettles


@pytest.mark.parametrize(
    ("mode", "section", "everything"),
    [
        ("incremental", "novosti", False),  # walked to its end before: stop when settled
        ("incremental", "anonsy", True),  # never walked to its end: walk it all
        ("full", "novosti", True),
        ("full", "anonsy", True),
    ],
)
def test_which_sections_are_walked_to_their_end(mode: str, section: str, everything: bool) -> None:
    assert WalkPlan(archived=archived(), mode=mode).walks_everything(section) is everything


def test_an_empty_archive_walks_everything_and_fetches_every_listed_article() -> None:
    plan = WalkPlan()
    assert plan.walks_everything("novosti")
    assert plan.is_due(NEW)
    assert plan.unsettles(NEW)
    assert plan.first_requests() == []


def test_first_requests_are_due_then_retried_then_revisited_with_their_listing_dates() -> None:
    plan = WalkPlan(archived=archived(), revisit={OLD: date(2020, 1, 5), SETTLED: None})
    assert plan.first_requests() == [DUE, REMOVED, RETRY, OLD, SETTLED]
    assert plan.listing_date(DUE) == date(2026, 11, 20)
    assert plan.listing_date(OLD) == date(2020, 1, 5)
    assert plan.listing_date(SETTLED) is None
    assert plan.listing_date(NEW) is None


def test_a_section_named_twice_is_walked_once() -> None:
    from citynews.cli import build_parser
    from scraper.sections import SECTIONS
    from scraper.spiders.smoladmin import spider_sections

    args = build_parser().parse_args(
        ["crawl", "--section", "novosti", "--section", "meropriyatiya", "--section", "novosti"]
    )
    assert [section.key for section in spider_sections(args.section)] == [
        "novosti",
        "meropriyatiya",
    ]
    assert [section.key for section in spider_sections("novosti, novosti")] == ["novosti"]
    assert spider_sections(None) == list(SECTIONS)
