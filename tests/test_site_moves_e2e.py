"""Real crawls of the fixture site when it retires pages or moves: soft 404s, redirects home or
to another host, robots.txt that fails. Each crawl is the real command line over HTTP."""

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import SiteServer
from tests.site import content
from tests.support.cli import citynews
from tests.support.crawled import CrawledArchives, copy_archive

pytestmark = pytest.mark.e2e

NOW = "2025-11-21T12:00:00+03:00"
TOS = "novosti-tos"
TOS_PATHS = [content.path_of(a) for a in content.ARTICLES if a["section"] == TOS]
REFETCH_ALL = ("--refresh-days", "1000")
# the novosti-tos section, time frozen after its newest article
TOS_CRAWL = ("-s", f"CITYNEWS_NOW={NOW}", "--section", TOS)


def crawl(site_url: str, db_url: str, workdir: Path, *args: str) -> subprocess.CompletedProcess:
    """One `citynews crawl` of the novosti-tos section, time frozen after its newest article."""
    return citynews("crawl", "--site-url", site_url, "--db", db_url, *TOS_CRAWL, *args, cwd=workdir)


def rows(db_url: str, query: str) -> list:
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(query)).all())
    finally:
        engine.dispose()


def archived(db_url: str) -> dict[str, tuple]:
    """url: (title, body_text, removed) of every archived article."""
    query = "SELECT url, title, body_text, removed_at IS NOT NULL FROM articles"
    return {url: tuple(rest) for url, *rest in rows(db_url, query)}


def removed(db_url: str) -> set[str]:
    return {url for url, (_, _, gone) in archived(db_url).items() if gone}


def events(db_url: str) -> list[tuple[str, str, int | None]]:
    """(url, kind, status) of every article event, oldest first."""
    return [
        tuple(row)
        for row in rows(
            db_url,
            "SELECT a.url, e.kind, e.status FROM article_events e "
            "JOIN articles a ON a.id = e.article_id ORDER BY e.id",
        )
    ]


def last_run(db_url: str) -> tuple:
    return rows(
        db_url,
        "SELECT outcome, message, fetch_failures, articles_removed FROM crawl_runs "
        "ORDER BY id DESC LIMIT 1",
    )[0]


def site_url(path: str) -> str:
    return content.HOST + path


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'archive.sqlite3'}"


@pytest.fixture
def crawled_url(crawled_archives: CrawledArchives, tmp_path: Path) -> str:
    """An archive of a first crawl of the novosti-tos section (a copy of this test's own)."""
    return crawled_archives.copy(tmp_path / "archive.sqlite3", *TOS_CRAWL)


@pytest.fixture
def other_host() -> Iterator[SiteServer]:
    """A second server: another host, as far as the site is concerned."""
    server = SiteServer()
    yield server
    server.stop()


# Soft 404s


@dataclass
class SoftNotFound:
    """A first crawl; a crawl while five pages answer «not found» with 200; a crawl after they
    come back. Each archive is a copy taken after its crawl."""

    workdir: Path
    before: dict[str, tuple]
    gone: list[str]
    gone_run: subprocess.CompletedProcess
    gone_url: str
    back_run: subprocess.CompletedProcess
    back_url: str


@pytest.fixture(scope="module")
def soft_not_found(
    crawled_archives: CrawledArchives, tmp_path_factory: pytest.TempPathFactory
) -> SoftNotFound:
    workdir = tmp_path_factory.mktemp("soft-404")
    path = workdir / "archive.sqlite3"
    db_url = crawled_archives.copy(path, *TOS_CRAWL)
    before = archived(db_url)
    gone = TOS_PATHS[:5]  # one page in each of the fixture site's five wordings
    site = SiteServer()
    try:
        site.change(hostile={"mode": "soft_404", "paths": gone})
        gone_run = crawl(site.url, db_url, workdir, *REFETCH_ALL)
        gone_url = copy_archive(path, workdir / "gone.sqlite3")
        site.change(hostile=None)
        back_run = crawl(site.url, db_url, workdir)
    finally:
        site.stop()
    return SoftNotFound(workdir, before, gone, gone_run, gone_url, back_run, db_url)


def test_a_soft_404_marks_the_article_removed_and_keeps_its_text(
    soft_not_found: SoftNotFound,
) -> None:
    before, gone, db_url = soft_not_found.before, soft_not_found.gone, soft_not_found.gone_url
    assert len(before) == len(TOS_PATHS)

    assert soft_not_found.gone_run.returncode == 0, soft_not_found.gone_run.stderr
    assert removed(db_url) == {site_url(path) for path in gone}
    assert {url: (title, body) for url, (title, body, _) in archived(db_url).items()} == {
        url: (title, body) for url, (title, body, _) in before.items()
    }
    assert sorted(events(db_url)) == sorted((site_url(p), "removed", 200) for p in gone)
    assert last_run(db_url)[3] == 5
    report = citynews("status", "--failed", "--db", db_url, cwd=soft_not_found.workdir)
    assert report.stdout.count("the page says it does not exist") == 5, report.stdout


def test_a_page_that_comes_back_clears_the_removal(soft_not_found: SoftNotFound) -> None:
    run, db_url = soft_not_found.back_run, soft_not_found.back_url

    assert run.returncode == 0, run.stderr
    assert removed(db_url) == set()
    assert [kind for url, kind, _ in events(db_url) if url == site_url(TOS_PATHS[0])] == [
        "removed",
        "restored",
    ]


def test_a_soft_404_on_a_first_fetch_is_a_failed_fetch_not_an_article(
    site: SiteServer, sqlite_url: str, tmp_path: Path
) -> None:
    site.change(hostile={"mode": "soft_404", "paths": TOS_PATHS[:3]})
    run = crawl(site.url, sqlite_url, tmp_path)
    assert run.returncode == 0, run.stderr
    assert set(archived(sqlite_url)) == {site_url(path) for path in TOS_PATHS[3:]}
    assert last_run(sqlite_url)[2] == 3


def test_a_maintenance_notice_is_not_a_removal(
    site: SiteServer, crawled_url: str, tmp_path: Path
) -> None:
    before = archived(crawled_url)
    site.change(hostile="maintenance")
    crawl(site.url, crawled_url, tmp_path, *REFETCH_ALL)
    assert archived(crawled_url) == before
    assert removed(crawled_url) == set()


# Articles redirected to a page that is no article


@pytest.mark.parametrize("to", ["home", "section", "page"])
def test_an_article_redirected_to_a_page_that_is_no_article_is_removed(
    site: SiteServer, crawled_url: str, tmp_path: Path, to: str
) -> None:
    before = archived(crawled_url)
    site.change(hostile={"mode": "redirect_gone", "to": to, "paths": TOS_PATHS[:2]})

    run = crawl(site.url, crawled_url, tmp_path, *REFETCH_ALL)

    assert run.returncode == 0, run.stderr
    assert set(archived(crawled_url)) == set(before)
    assert removed(crawled_url) == {site_url(path) for path in TOS_PATHS[:2]}
    assert {kind for _, kind, _ in events(crawled_url)} == {"removed"}
    assert archived(crawled_url)[site_url(TOS_PATHS[0])][:2] == before[site_url(TOS_PATHS[0])][:2]


def test_the_home_page_never_becomes_an_article(
    site: SiteServer, sqlite_url: str, tmp_path: Path
) -> None:
    site.change(hostile={"mode": "redirect_gone", "to": "home"})
    run = crawl(site.url, sqlite_url, tmp_path)
    assert archived(sqlite_url) == {}
    titles = rows(sqlite_url, "SELECT count(*) FROM articles WHERE title LIKE '%Главная%'")
    assert titles == [(0,)]
    failures = rows(sqlite_url, "SELECT DISTINCT error FROM fetches WHERE NOT ok")
    assert failures == [(f"redirected to {content.HOST}/, not an article page",)], run.stderr


# Hosts


@pytest.mark.parametrize("target", ["127.0.0.1", "localhost"])
def test_a_site_that_moves_to_another_host_fails_loudly_and_is_not_followed(
    site: SiteServer, other_host: SiteServer, sqlite_url: str, tmp_path: Path, target: str
) -> None:
    moved_to = other_host.url.replace("127.0.0.1", target)
    host = moved_to.split("://", 1)[1]
    site.change(hostile={"mode": "moved_host", "host": moved_to, "what": "pages"})

    run = crawl(site.url, sqlite_url, tmp_path)

    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert f"redirects to another host ({host})" in lines[0]
    assert other_host.requests() == []
    report = citynews("status", "--failed", "--db", sqlite_url, cwd=tmp_path)
    assert f"redirected to another host {host}" in report.stdout


def test_a_robots_txt_that_moves_to_another_host_leaves_the_site_disallowed(
    site: SiteServer, other_host: SiteServer, sqlite_url: str, tmp_path: Path
) -> None:
    site.change(hostile={"mode": "moved_host", "host": other_host.url, "what": "all"})
    run = crawl(site.url, sqlite_url, tmp_path)
    assert run.returncode == 1
    assert "robots.txt unavailable" in run.stderr
    assert other_host.url.split("://", 1)[1] in run.stderr
    assert other_host.requests() == []


def test_articles_that_redirect_to_another_host_are_failures_that_fail_the_run(
    site: SiteServer, other_host: SiteServer, sqlite_url: str, tmp_path: Path
) -> None:
    host = other_host.url.split("://", 1)[1]
    site.change(hostile={"mode": "moved_host", "host": other_host.url, "what": "articles"})

    run = crawl(site.url, sqlite_url, tmp_path)

    assert run.returncode == 3
    assert (
        f"{len(TOS_PATHS)} of {len(TOS_PATHS)} article requests redirect to another host ({host})"
        in run.stderr
    )
    assert archived(sqlite_url) == {}
    assert last_run(sqlite_url)[2] == len(TOS_PATHS)
    report = citynews("status", "--failed", "--db", sqlite_url, cwd=tmp_path)
    assert report.stdout.count(f"redirected to another host {host}") == len(TOS_PATHS)
    assert other_host.requests() == []


# robots.txt


@pytest.mark.parametrize("status", [500, 503])
def test_a_robots_txt_answering_5xx_disallows_the_site_and_fails_the_run(
    site: SiteServer, sqlite_url: str, tmp_path: Path, status: int
) -> None:
    site.change(hostile={"mode": "robots_status", "status": status})
    run = crawl(site.url, sqlite_url, tmp_path)
    assert run.returncode == 1
    assert "robots.txt unavailable" in run.stderr
    assert f"HTTP {status}" in run.stderr
    assert {path for path in site.requests() if path != "/robots.txt"} == set()
    assert archived(sqlite_url) == {}


def test_an_unreachable_robots_txt_fails_the_run(sqlite_url: str, tmp_path: Path) -> None:
    closed = SiteServer()
    url = closed.url
    closed.stop()
    run = crawl(url, sqlite_url, tmp_path)
    assert run.returncode == 1
    assert "site unreachable: robots.txt unavailable" in run.stderr
    assert "no answer" in run.stderr


def test_a_robots_txt_answering_4xx_allows_everything(
    site: SiteServer, sqlite_url: str, tmp_path: Path
) -> None:
    site.change(hostile={"mode": "robots_status", "status": 404})
    run = crawl(site.url, sqlite_url, tmp_path, "--section", "novosti")
    assert run.returncode == 0, run.stderr
    assert content.ROBOTS_DISALLOWED_PATH in {path.rstrip("/") for path in site.requests()}


def test_a_robots_txt_larger_than_the_download_cap_is_obeyed(
    site: SiteServer, sqlite_url: str, tmp_path: Path
) -> None:
    site.change(hostile={"mode": "robots_huge", "size_mb": 6})
    run = crawl(site.url, sqlite_url, tmp_path, "--section", "novosti")
    assert run.returncode == 0, run.stderr
    requested = {path.rstrip("/") for path in site.requests()}
    assert content.ROBOTS_DISALLOWED_PATH not in requested
    assert len(archived(sqlite_url)) > 0


def test_a_redirect_between_the_sites_own_hosts_is_followed(
    site: SiteServer, sqlite_url: str, tmp_path: Path
) -> None:
    port = site.url.rsplit(":", 1)[1]
    www, bare_with_dot = f"http://www.localhost:{port}", f"http://localhost.:{port}"
    site.change(hostile={"mode": "moved_host", "host": bare_with_dot, "what": "all"})

    run = crawl(
        www, sqlite_url, tmp_path,
        "-s", "TWISTED_DNS_RESOLVER=tests.site.resolver.LocalhostAliases",
        "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
    )  # fmt: skip

    assert run.returncode == 0, run.stderr
    assert set(archived(sqlite_url)) == {site_url(path) for path in TOS_PATHS}
    fetched = rows(sqlite_url, "SELECT DISTINCT url FROM fetches WHERE kind = 'article'")
    assert {url for (url,) in fetched} == {site_url(path) for path in TOS_PATHS}
