"""URL canonicalisation: host variants, slashes, accessibility duplicates, off-site links."""

import pytest

from scraper.sections import SECTIONS_BY_KEY
from scraper.urls import SiteUrls, is_article_url, is_loopback_url, listing_page_number

LIVE = SiteUrls()
LOCAL = SiteUrls("http://127.0.0.1:8123")
ARTICLE = "https://www.smoladmin.ru/press-centr/novosti/v-smolenske-otkryli-skver"
NOVOSTI = SECTIONS_BY_KEY["novosti"]
TOS = SECTIONS_BY_KEY["novosti-tos"]


@pytest.mark.parametrize(
    "link",
    [
        "https://www.smoladmin.ru/press-centr/novosti/v-smolenske-otkryli-skver",
        "https://www.smoladmin.ru/press-centr/novosti/v-smolenske-otkryli-skver/",
        "http://www.smoladmin.ru/press-centr/novosti/v-smolenske-otkryli-skver",
        "https://smoladmin.ru/press-centr/novosti/v-smolenske-otkryli-skver/",
        "https://smoladmin.ru./press-centr/novosti/v-smolenske-otkryli-skver",
        "https://WWW.SMOLADMIN.RU:443/press-centr/novosti/v-smolenske-otkryli-skver",
        "https://www.smoladmin.ru/press-centr/novosti/v-smolenske-otkryli-skver?ssv",
        "https://www.smoladmin.ru/press-centr/novosti/v-smolenske-otkryli-skver/?svSize=2",
        "https://www.smoladmin.ru/press-centr/novosti/v-smolenske-otkryli-skver?svSpace=1",
        "https://www.smoladmin.ru/press-centr/novosti/v-smolenske-otkryli-skver?svColor=3#top",
        "https://www.smoladmin.ru/press-centr/novosti/v-smolenske-otkryli-skver?utm_source=vk",
        "/press-centr/novosti/v-smolenske-otkryli-skver/",
        "v-smolenske-otkryli-skver",
        "https://www.smoladmin.ru//press-centr///novosti//v-smolenske-otkryli-skver//",
        "https://www.smoladmin.ru/press-centr/novosti/./v-smolenske-otkryli-skver",
        "https://smoladmin.ru/press-centr/x/../novosti/v-smolenske-otkryli-skver",
        "/press-centr/novosti/v-smolenske-otkryli-skver?SSV&SvSize=1&UTM_Campaign=x",
        "/press-centr/novosti/%76-smolenske-otkryli-skver",
    ],
)
def test_variants_of_one_article_collapse_to_one_canonical_url(link: str) -> None:
    assert LIVE.canonical(link, base="https://www.smoladmin.ru/press-centr/novosti/") == ARTICLE


def test_a_local_server_archives_the_public_identity() -> None:
    assert (
        LOCAL.canonical("http://127.0.0.1:8123/press-centr/novosti/v-smolenske-otkryli-skver/")
        == ARTICLE
    )
    assert (
        LOCAL.to_fetch(ARTICLE)
        == "http://127.0.0.1:8123/press-centr/novosti/v-smolenske-otkryli-skver"
    )
    assert LOCAL.to_fetch("https://smoladmin.ru/press-centr/novosti/?page=2&ssv") == (
        "http://127.0.0.1:8123/press-centr/novosti/?page=2"
    )


@pytest.mark.parametrize(
    "link",
    [
        "https://school29.smoladmin.ru/news/1",
        "https://www.admin-smolensk.ru/press-centr/novosti/x",
        "mailto:smol@smoladmin.ru",
        "ftp://smoladmin.ru/file",
        "http://[::1",
        "https://[smoladmin.ru/x",
    ],
)
def test_links_off_the_site_have_no_canonical_form(link: str) -> None:
    assert LIVE.canonical(link) is None


@pytest.mark.parametrize("link", ["//[", "//[%&]/x", "http://[::1"])
def test_a_link_with_an_unreadable_host_is_off_the_site(link: str) -> None:
    assert LIVE.canonical(link, base=ARTICLE) is None
    assert not LIVE.is_on_site(link)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("/press-centr/novosti/%A3", "/press-centr/novosti/%A4"),
        ("/press-centr/novosti/a%2Fb", "/press-centr/novosti/a/b"),
        ("/press-centr/novosti?q=%A3", "/press-centr/novosti?q=%A4"),
    ],
)
def test_links_to_different_targets_keep_different_canonical_urls(first, second) -> None:
    assert LIVE.canonical(first, base=ARTICLE) != LIVE.canonical(second, base=ARTICLE)


def test_listing_pages_keep_their_page_and_lose_the_site_parameters() -> None:
    link = "/press-centr/novosti/?svColor=2&page=3&UTM_Medium=x&ssv"
    assert (
        LIVE.canonical(link, base=ARTICLE) == "https://www.smoladmin.ru/press-centr/novosti?page=3"
    )


def test_repeated_titles_keep_their_numbered_slugs_apart() -> None:
    first = LIVE.canonical("/press-centr/novosti/priem-grazhdan", base=ARTICLE)
    second = LIVE.canonical("/press-centr/novosti/priem-grazhdan-1/", base=ARTICLE)
    assert first != second
    assert second.endswith("priem-grazhdan-1")


@pytest.mark.parametrize(
    ("url", "section", "expected"),
    [
        (ARTICLE, NOVOSTI, True),
        ("https://www.smoladmin.ru/press-centr/novosti", NOVOSTI, False),
        ("https://www.smoladmin.ru/press-centr/novosti/page/3", NOVOSTI, False),
        ("https://www.smoladmin.ru/press-centr/novosti?page=3", NOVOSTI, False),
        ("https://www.smoladmin.ru/press-centr/novosti/upload/plan.pdf", NOVOSTI, False),
        ("https://www.smoladmin.ru/press-centr/novosti/a/b", NOVOSTI, False),
        (ARTICLE, TOS, False),
        (f"{TOS.path}tos-provel-subbotnik".join(["https://www.smoladmin.ru", ""]), TOS, True),
    ],
)
def test_article_urls_are_one_slug_below_their_section(url, section, expected) -> None:
    assert is_article_url(url, section) is expected


@pytest.mark.parametrize(
    ("url", "section", "page"),
    [
        ("https://www.smoladmin.ru/press-centr/novosti", NOVOSTI, 1),
        ("https://www.smoladmin.ru/press-centr/novosti?page=4", NOVOSTI, 4),
        ("https://www.smoladmin.ru/press-centr/novosti/page/7", NOVOSTI, 7),
        ("https://www.smoladmin.ru/press-centr/novosti?page=x", NOVOSTI, None),
        (ARTICLE, NOVOSTI, None),
        ("https://www.smoladmin.ru/press-centr/meropriyatiya?page=2", NOVOSTI, None),
    ],
)
def test_listing_pages_in_both_pagination_forms(url, section, page) -> None:
    assert listing_page_number(url, section) == page


def test_loopback_detection_decides_fast_settings() -> None:
    assert is_loopback_url("http://127.0.0.1:8000")
    assert is_loopback_url("http://localhost:8000/")
    assert not is_loopback_url("https://www.smoladmin.ru")


def test_a_site_url_that_is_not_http_is_refused() -> None:
    with pytest.raises(ValueError, match="http"):
        SiteUrls("smoladmin.ru")


@pytest.mark.parametrize(
    "target",
    [
        "https://www.smoladmin.ru/press-centr/novosti/",
        "https://smoladmin.ru/press-centr/novosti/",
        "http://smoladmin.ru/press-centr/novosti/",
        "http://www.smoladmin.ru./press-centr/novosti/",
        "https://SMOLADMIN.RU.:443/",
        "https://www.smoladmin.ru:443/x",
    ],
)
def test_the_sites_own_hosts_are_one_site(target: str) -> None:
    assert SiteUrls("https://www.smoladmin.ru").is_fetched_site(target)
    assert SiteUrls("http://smoladmin.ru").is_fetched_site(target)


@pytest.mark.parametrize(
    "target",
    [
        "https://school29.smoladmin.ru/news/",
        "https://smoladmin.ru.evil.example/",
        "https://admin-smolensk.ru/press-centr/novosti/",
        "https://www.smoladmin.ru:8443/press-centr/novosti/",
        "ftp://www.smoladmin.ru/press-centr/novosti/",
    ],
)
def test_any_other_host_is_another_site(target: str) -> None:
    assert not SiteUrls("https://www.smoladmin.ru").is_fetched_site(target)


def test_a_local_server_is_one_site_only_at_its_own_host_and_port() -> None:
    local = SiteUrls("http://127.0.0.1:8000")
    assert local.is_fetched_site("http://127.0.0.1:8000/press-centr/novosti/")
    assert local.is_fetched_site("https://127.0.0.1:8000/")
    assert not local.is_fetched_site("http://127.0.0.1:8001/press-centr/novosti/")
    assert not local.is_fetched_site("http://localhost:8000/press-centr/novosti/")
    assert not local.is_fetched_site("https://www.smoladmin.ru/press-centr/novosti/")
    assert SiteUrls("http://localhost:8000").is_fetched_site("http://www.localhost.:8000/")
