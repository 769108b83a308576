"""Which robots.txt rules a crawl obeys, by the answer it got (RFC 9309 2.3.1, 2.5)."""

import pytest

from scraper.middlewares import ROBOTS_MAX_BYTES, RobotsUnavailable, robots_rules

RULES = b"User-agent: *\nDisallow: /search/\n"


def test_a_2xx_answer_is_the_rules() -> None:
    assert robots_rules(200, RULES) == RULES


def test_a_large_file_is_read_to_its_last_whole_line_within_500_kib() -> None:
    filler = b"# " + b"x" * 97 + b"\n"
    body = RULES + filler * (2 * ROBOTS_MAX_BYTES // len(filler)) + b"Disallow: /\n"
    rules = robots_rules(200, body)
    assert rules is not None
    assert rules.startswith(RULES)
    assert len(rules) <= ROBOTS_MAX_BYTES
    assert (len(rules) + 1 - len(RULES)) % len(filler) == 0  # the line cut at 500 KiB is left out
    assert b"Disallow: /\n" not in rules


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 451])
def test_a_4xx_answer_allows_everything(status: int) -> None:
    assert robots_rules(status, b"Not found") is None


@pytest.mark.parametrize("status", [500, 502, 503, 504, 599, 301, 100])
def test_any_other_answer_leaves_the_site_disallowed(status: int) -> None:
    with pytest.raises(RobotsUnavailable, match=f"HTTP {status}"):
        robots_rules(status, b"User-agent: *\nAllow: /\n")
