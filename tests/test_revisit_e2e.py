"""Daily default crawls of a changing site re-read the whole archive in D runs (rolling revisit),
within the stated request bound; the digest of the crawled archive in a real headless Chromium.

Old articles (2016-2024) lie far outside the refresh window. After a backfill the site changes
once: view counts grow (by a different amount per article), a 2019 article is retitled, a 2017
one is taken down. Then D runs, one per simulated day (CITYNEWS_NOW), with `--revisit-days D`.
"""

import math
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from archive.db import open_archive, session_scope
from archive.fetches import urls_never_fetched
from archive.models import Article
from scraper.sections import SECTIONS
from tests.conftest import CLI_ENV, ROOT, SiteServer, export_json, fresh_postgres_database
from tests.site import content
from tests.support.cli import citynews

pytestmark = pytest.mark.e2e

MSK = ZoneInfo("Europe/Moscow")
START = datetime(2025, 11, 22, tzinfo=MSK)
REFRESH_DAYS = 4
D = 4
NOVOSTI = "/press-centr/novosti/"
OLD = [
    {
        "section": "novosti",
        "slug": f"arhivnaya-novost-{year}-{n}",
        "title": f"Архивная новость {year} года № {n}",
        "when": f"{year}-0{2 * n + 1}-1{n} 10:00",
        "views": 150 * n + year % 100,
        "paragraphs": [f"Текст архивной новости {year} года.", f"Абзац номер {n}."],
    }
    for year in range(2016, 2025)
    for n in (1, 2)
]
EDITED = NOVOSTI + "arhivnaya-novost-2019-1"
REMOVED = NOVOSTI + "arhivnaya-novost-2017-2"
NEW_TITLE = "Архивная новость 2019 года, исправленная"
SECTION_PATHS = {section.path.rstrip("/") for section in SECTIONS}


def path_of(url: str) -> str:
    return url.removeprefix(content.HOST)


@dataclass
class Plan:
    """What the archive says a run must fetch, read before the run."""

    due: set[str]
    removed: set[str]
    retry: set[str]
    candidates: set[str]

    @property
    def batch(self) -> int:
        return math.ceil(len(self.candidates) / D)


@dataclass
class Run:
    plan: Plan
    result: subprocess.CompletedProcess
    requests: list[str]

    def split(self) -> tuple[int, set[str]]:
        """Listing requests, and the article paths requested."""
        listings, articles = 0, set()
        for request in self.requests:
            path = request.partition("?")[0].rstrip("/")
            if path == "/robots.txt":
                continue
            if path.split("/page/")[0] in SECTION_PATHS:
                listings += 1
            else:
                articles.add(path)
        return listings, articles

    def revisited(self) -> set[str]:
        _, articles = self.split()
        return articles - self.plan.due - self.plan.removed - self.plan.retry


@dataclass
class Archive:
    db_url: str
    workdir: Path
    site: SiteServer
    runs: list[Run] = field(default_factory=list)

    def plan(self, now: datetime) -> Plan:
        window_start = now - timedelta(days=REFRESH_DAYS)
        sessions = open_archive(self.db_url)
        with session_scope(sessions) as session:
            rows = session.execute(
                select(Article.url, Article.published_at, Article.removed_at)
            ).all()
            retry = {path_of(url) for url in urls_never_fetched(session)}
        sessions.kw["bind"].dispose()
        due = {path_of(u) for u, published, _ in rows if published and published >= window_start}
        removed = {path_of(u) for u, _, gone in rows if gone}
        candidates = {path_of(u) for u, _, _ in rows} - due - removed
        return Plan(due, removed, retry, candidates)

    def crawl(self, day: float, *extra: str) -> Run:
        now = START + timedelta(days=day)
        plan = self.plan(now)
        self.site.clear_requests()
        result = citynews(
            "crawl",
            "--site-url",
            self.site.url,
            "--db",
            self.db_url,
            "--refresh-days",
            str(REFRESH_DAYS),
            "-s",
            f"CITYNEWS_NOW={now.isoformat()}",
            *extra,
            cwd=self.workdir,
        )
        run = Run(plan, result, self.site.requests())
        self.runs.append(run)
        return run

    def export(self, *extra: str) -> dict[str, dict]:
        return {record["url"]: record for record in export_json(self.db_url, self.workdir, *extra)}


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def archive(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A backfill on day 0, the site's changes, then D daily default runs (days 1..D)."""
    workdir = tmp_path_factory.mktemp(f"revisit-{request.param}")
    if request.param == "sqlite":
        db_url = f"sqlite:///{workdir / 'archive.sqlite3'}"
    else:
        db_url = fresh_postgres_database(request.getfixturevalue("postgres_url"))
    site = SiteServer()
    archive = Archive(db_url, workdir, site)
    try:
        site.change(publish=OLD)
        archive.crawl(0, "--revisit-days", str(D))
        site.change(advance_days=3, edit_title={EDITED: NEW_TITLE}, delete=[REMOVED])
        for day in range(1, D + 1):
            archive.crawl(day, "--revisit-days", str(D))
        yield archive
    finally:
        site.stop()


def test_every_daily_run_succeeds(archive: Archive) -> None:
    assert [run.result.returncode for run in archive.runs] == [0] * (D + 1), [
        run.result.stderr for run in archive.runs
    ]


def test_each_run_re_reads_n_over_d_of_the_older_articles_within_the_stated_cost(
    archive: Archive,
) -> None:
    for run in archive.runs[1:]:
        plan = run.plan
        assert len(plan.candidates) > 20
        listings, _articles = run.split()
        assert len(run.revisited()) == plan.batch
        assert run.revisited() <= plan.candidates
        # robots.txt + listing pages + the window + removed and never-loaded pages + ceil(N/D)
        bound = 1 + listings + len(plan.due | plan.removed | plan.retry) + plan.batch
        assert len(run.requests) <= bound
        assert listings <= 2 * len(SECTION_PATHS)


def test_d_runs_re_read_every_older_article(archive: Archive) -> None:
    revisited = set().union(*(run.revisited() for run in archive.runs[1:]))
    assert archive.runs[1].plan.candidates <= revisited


def test_an_old_article_edited_outside_the_window_is_noticed(archive: Archive) -> None:
    edited = archive.export("--history")[content.HOST + EDITED]
    assert edited["title"] == NEW_TITLE
    assert [revision["title"] for revision in edited["revisions"]] == [
        "Архивная новость 2019 года № 1"
    ]


def test_an_old_article_taken_down_is_marked_removed(archive: Archive) -> None:
    records = archive.export()
    assert records[content.HOST + REMOVED]["removed_at"] is not None
    assert [url for url, record in records.items() if record["removed_at"]] == [
        content.HOST + REMOVED
    ]


def test_every_archived_view_count_equals_the_site_s(archive: Archive) -> None:
    expected = {a["url"]: a for a in archive.site.admin("/__admin/expected")}
    records = archive.export()
    compared = 0
    for url, record in records.items():
        if url in expected and expected[url]["views"] is not None:
            assert record["views"] == expected[url]["views"], url
            compared += 1
    assert compared == len([a for a in expected.values() if a["views"] is not None]) > 40


def test_the_report_of_the_crawled_archive_in_a_browser(
    archive: Archive,
    browser,
) -> None:
    from selenium.webdriver.common.by import By

    out = archive.workdir / "digest" / "report.html"
    until = (datetime.now(MSK) + timedelta(days=1)).date().isoformat()
    result = citynews(
        "report",
        "--since",
        "2025-10-01",
        "--until",
        until,
        "--out",
        str(out),
        "--db",
        archive.db_url,
        cwd=archive.workdir,
    )
    assert result.returncode == 0, result.stderr
    browser.get(out.as_uri())
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    for tag in ("script", "link", "img", "iframe", "object", "embed"):
        assert browser.find_elements(By.TAG_NAME, tag) == []
    charts = browser.execute_script(
        "return [...document.querySelectorAll('figure.chart svg')].map(svg => ["
        "svg.getBoundingClientRect().width, svg.getBoundingClientRect().height,"
        "svg.querySelectorAll('path').length])"
    )
    assert len(charts) == 2
    assert all(width > 300 and height > 100 and paths > 10 for width, height, paths in charts)
    edited = browser.find_element(By.CSS_SELECTOR, "section.edit h3 a")
    assert edited.text == NEW_TITLE
    assert edited.get_attribute("href") == content.HOST + EDITED
    removed = browser.find_element(By.CSS_SELECTOR, "li.removed a")
    assert removed.get_attribute("href") == content.HOST + REMOVED
    headings = [heading.text for heading in browser.find_elements(By.TAG_NAME, "h2")]
    assert any(heading.startswith("Edited articles, seen ") for heading in headings)
    assert any(heading.startswith("Removed and restored articles, found ") for heading in headings)
    links = browser.execute_script(
        "return [...document.querySelectorAll('a')].map(a => a.getAttribute('href') ||"
        " a.getAttribute('xlink:href'))"
    )
    svg_links = browser.execute_script(
        "return [...document.querySelectorAll('svg a')].map(a => a.getAttribute('xlink:href'))"
    )
    assert svg_links
    assert set(svg_links) <= set(links)
    records = archive.export()
    documents = {document["url"] for record in records.values() for document in record["documents"]}
    assert documents == {content.HOST + content.PDF_PATH}  # the report's new document
    assert set(links) <= set(records) | documents
    for url in sorted(set(links)):
        assert resolves(archive.site.url + path_of(url)) == (404 if url.endswith(REMOVED) else 200)


def resolves(url: str) -> int:
    """The HTTP status the fixture site answers for a URL."""
    try:
        with urllib.request.urlopen(url) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_revisit_days_0_turns_the_revisit_off(archive: Archive) -> None:
    run = archive.crawl(D + 1, "--revisit-days", "0")
    assert run.result.returncode == 0, run.result.stderr
    assert run.revisited() == set()


def test_scrapy_crawl_takes_the_revisit_setting(archive: Archive) -> None:
    now = START + timedelta(days=D + 2)
    plan = archive.plan(now)
    archive.site.clear_requests()
    settings = {
        "CITYNEWS_DB_URL": archive.db_url,
        "CITYNEWS_REVISIT_DAYS": "2",
        "CITYNEWS_REFRESH_DAYS": str(REFRESH_DAYS),
        "CITYNEWS_NOW": now.isoformat(),
        "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "0",
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "scrapy", "crawl", "smoladmin"]
    command += ["-a", f"site_url={archive.site.url}"]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    result = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=300, env=CLI_ENV
    )
    assert result.returncode == 0, result.stderr
    run = Run(plan, result, archive.site.requests())
    assert len(run.revisited()) == math.ceil(len(plan.candidates) / 2)


def test_a_run_an_hour_after_the_last_re_reads_an_hour_s_share(archive: Archive) -> None:
    assert archive.crawl(D + 3, "--revisit-days", str(D)).result.returncode == 0
    run = archive.crawl(D + 3 + 1 / 24, "--revisit-days", str(D))
    assert run.result.returncode == 0, run.result.stderr
    hour_s_share = math.ceil(len(run.plan.candidates) / D / 24)
    assert len(run.revisited()) == hour_s_share < run.plan.batch
