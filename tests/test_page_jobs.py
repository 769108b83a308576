"""What a parsing worker hands the writer is what the writer would otherwise compute itself."""

import hashlib
import json
import unicodedata
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from archive.crawl_records import RawPageRecord
from archive.raw import decompress
from archive.search.index import index_values
from scraper.acceptance import non_text_share
from scraper.page_jobs import parse_article_page
from scraper.page_to_record import build_article_record
from scraper.parsing.text import decode_page
from scraper.sections import SECTIONS_BY_KEY
from scraper.urls import SiteUrls

PAGES = Path(__file__).parent / "fixtures" / "pages"
NAMES = sorted(path.name.removesuffix(".html") for path in PAGES.glob("*.html"))
MSK = ZoneInfo("Europe/Moscow")
SITE = SiteUrls()


@pytest.mark.parametrize("name", NAMES)
def test_a_worker_record_carries_what_the_writer_needs(name: str) -> None:
    expected = json.loads((PAGES / f"{name}.expected.json").read_text(encoding="utf-8"))
    body, content_type = (PAGES / f"{name}.html").read_bytes(), expected["content_type"]
    section = SECTIONS_BY_KEY[expected["section"]]
    job = (body, content_type, expected["served_url"], SITE, section, None, None, MSK)
    record = parse_article_page(*job)
    in_spider = build_article_record(
        raw=RawPageRecord(200, {"Content-Type": content_type}, body),
        fetched_url=expected["served_url"],
        fetched_at=record.fetched_at,
        site=SITE,
        section=section,
        listed_date=None,
        listing_title=None,
        tz=MSK,
    )
    assert replace(record, raw=None, index_values=None) == replace(in_spider, raw=None)
    assert decompress(record.raw.compressed, "xz") == body
    assert record.raw.sha256 == hashlib.sha256(body).hexdigest()
    share = non_text_share(decode_page(body, content_type).text)
    assert record.raw.non_text_share == share
    assert record.index_values == index_values(in_spider.title, in_spider.body_text)


def test_non_text_share_counts_control_characters_and_replacement_characters() -> None:
    """Every code point is counted as Unicode's control category (tab, line feed, carriage
    return and form feed excepted) and U+FFFD as non-text."""
    every = "".join(chr(code) for code in range(0x110000) if not 0xD800 <= code < 0xE000)
    counted = sum(
        1
        for char in every
        if char == "\ufffd" or (unicodedata.category(char) == "Cc" and char not in "\t\n\r\f")
    )
    assert counted == 62  # 65 control characters less 4, and U+FFFD
    assert non_text_share(every) == counted / len(every)
    assert non_text_share("Текст\tстатьи\r\n\f") == 0.0
    assert non_text_share("\x00\x0b\x7f\x9f\ufffd") == 1.0
    assert non_text_share("") == 0.0
