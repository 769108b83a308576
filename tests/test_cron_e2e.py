"""Scheduled crawls of a site that changes between them, on SQLite and PostgreSQL.

One fixture site keeps running while articles are published, edited, deleted and restored, and
view counts grow; each step is a real `citynews crawl` process against the same archive.
"""

import json
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from scraper.sections import SECTIONS
from tests.conftest import SiteServer, export_json, fresh_postgres_database
from tests.site import content
from tests.support.cli import citynews

pytestmark = pytest.mark.e2e

NOW = "2025-11-22T00:00:00+03:00"
# The refresh window alone (revisit off): test_revisit_e2e.py follows the rolling revisit.
REFRESH = ["--refresh-days", "4", "--revisit-days", "0", "-s", f"CITYNEWS_NOW={NOW}"]
NOVOSTI = "/press-centr/novosti/"
TITLE_EDITED = NOVOSTI + "v-smolenske-zavershili-remont-peshehodnogo-mosta"
BODY_EDITED = NOVOSTI + "aleksandr-novikov-vstretilsya-s-predsedatelyami-tos"
DELETED = content.FLAKY_PATH
PUBLISHED = [
    {
        "section": "novosti",
        "slug": f"novaya-novost-{n}",
        "title": f"Новая новость номер {n}",
        "when": f"2025-11-21 1{n}:00",
        "views": 10 * n,
        "paragraphs": [f"Первый абзац новости {n}.", "Второй абзац."],
    }
    for n in (1, 2, 3)
]
NEW_TITLE = "В Смоленске открыли пешеходный мост после ремонта"
NEW_BODY = ["Глава города встретился с председателями ТОС.", "Обсудили планы на зиму."]


@dataclass
class Archive:
    db_url: str
    workdir: Path
    site: SiteServer
    crawls: list[subprocess.CompletedProcess] = field(default_factory=list)
    requests: list[list[str]] = field(default_factory=list)

    def crawl(self, *extra: str) -> subprocess.CompletedProcess:
        self.site.clear_requests()
        result = citynews(
            "crawl", "--site-url", self.site.url, "--db", self.db_url, *extra, cwd=self.workdir
        )
        self.crawls.append(result)
        self.requests.append(self.site.requests())
        return result

    def export(self, *extra: str) -> list[dict]:
        return export_json(self.db_url, self.workdir, *extra)

    def query(self, sql: str) -> list:
        engine = create_engine(self.db_url)
        with engine.connect() as connection:
            rows = connection.execute(text(sql)).all()
        engine.dispose()
        return rows


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def archive(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """Crawl 1 (backfill), changes on the site, crawl 2, then crawl 3 of the unchanged site."""
    workdir = tmp_path_factory.mktemp(f"cron-{request.param}")
    if request.param == "sqlite":
        db_url = f"sqlite:///{workdir / 'archive.sqlite3'}"
    else:
        db_url = fresh_postgres_database(request.getfixturevalue("postgres_url"))
    site = SiteServer()
    archive = Archive(db_url, workdir, site)
    try:
        archive.crawl(*REFRESH)
        site.change(
            publish=PUBLISHED,
            views_delta=50,
            edit_title={TITLE_EDITED: NEW_TITLE},
            edit_body={BODY_EDITED: NEW_BODY},
            delete=[DELETED],
        )
        archive.crawl(*REFRESH)
        archive.crawl(*REFRESH)
        yield archive
    finally:
        site.stop()


def by_url(records: list[dict]) -> dict[str, dict]:
    return {record["url"]: record for record in records}


def test_each_scheduled_crawl_succeeds(archive: Archive) -> None:
    assert [crawl.returncode for crawl in archive.crawls[:3]] == [0, 0, 0], [
        crawl.stderr for crawl in archive.crawls
    ]


def test_new_articles_are_archived_and_nothing_is_duplicated(archive: Archive) -> None:
    records = archive.export()
    urls = [record["url"] for record in records]
    assert len(urls) == len(set(urls)) == len(content.EXPECTED_ARTICLES) + len(PUBLISHED)
    expected = by_url(archive.site.admin("/__admin/expected"))
    for item in PUBLISHED:
        record = by_url(records)[content.HOST + NOVOSTI + item["slug"]]
        assert record["title"] == item["title"]
        assert record["body_text"] == "\n\n".join(item["paragraphs"])
        assert record["published_at"] == item["when"].replace(" ", "T") + ":00+03:00"
        assert record["views"] == expected[record["url"]]["views"] == item["views"] + 50


def test_runs_count_what_changed(archive: Archive) -> None:
    runs = archive.query(
        "SELECT mode, outcome, articles_new, articles_updated, articles_removed, fetch_failures "
        "FROM crawl_runs ORDER BY id"
    )
    first, second, third = (tuple(run) for run in runs[:3])
    assert first == ("incremental", "completed", len(content.EXPECTED_ARTICLES), 0, 0, 1)
    assert second == ("incremental", "completed", 3, 2, 1, 1)
    assert third[:5] == ("incremental", "completed", 0, 0, 0)


def test_view_counts_form_a_series_for_articles_in_the_refresh_window(archive: Archive) -> None:
    records = by_url(archive.export("--history"))
    edited = records[content.HOST + TITLE_EDITED]
    assert [point["views"] for point in edited["views_history"]] == [734, 784, 784]
    times = [point["observed_at"] for point in edited["views_history"]]
    assert times == sorted(times)
    assert len(set(times)) == 3
    assert edited["views"] == 784
    old = records[
        content.HOST + "/press-centr/novosti/luchshih-pedagogov-goroda-nagradili-gramotami"
    ]
    assert [point["views"] for point in old["views_history"]] == [512]


def test_edits_keep_the_earlier_version(archive: Archive) -> None:
    records = by_url(archive.export("--history"))
    retitled = records[content.HOST + TITLE_EDITED]
    original = next(a for a in content.EXPECTED_ARTICLES if a["url"] == retitled["url"])
    assert retitled["title"] == NEW_TITLE
    assert [(r["title"], r["body_text"]) for r in retitled["revisions"]] == [
        (original["title"], retitled["body_text"])
    ]
    assert retitled["revisions"][0]["observed_at"] == retitled["first_seen_at"]
    rewritten = records[content.HOST + BODY_EDITED]
    original = next(a for a in content.EXPECTED_ARTICLES if a["url"] == rewritten["url"])
    assert rewritten["body_text"] == "\n\n".join(NEW_BODY)
    assert [r["body_text"] for r in rewritten["revisions"]] == [
        "\n\n".join(original["body_paragraphs"])
    ]
    unchanged = records[content.HOST + NOVOSTI + "utverzhden-plan-blagoustrojstva-na-2026-god"]
    assert unchanged["revisions"] == []


def test_robots_txt_is_obeyed_on_every_run(archive: Archive) -> None:
    for requests in archive.requests:
        assert content.ROBOTS_DISALLOWED_PATH not in {r.split("?")[0].rstrip("/") for r in requests}


def test_a_deleted_article_is_kept_and_marked_removed(archive: Archive) -> None:
    records = by_url(archive.export())
    removed = records[content.HOST + DELETED]
    assert removed["removed_at"] is not None
    assert removed["title"]
    assert removed["body_text"]
    assert [url for url, r in records.items() if r["removed_at"]] == [content.HOST + DELETED]


SECTION_PATHS = {section.path.rstrip("/") for section in SECTIONS}


def split_requests(requests: list[str]) -> tuple[Counter, set[str]]:
    """Listing requests per section, and the article paths requested."""
    listings: Counter = Counter()
    articles: set[str] = set()
    for request in requests:
        path = request.partition("?")[0].rstrip("/")
        if path == "/robots.txt":
            continue
        base = path.split("/page/")[0]
        if base in SECTION_PATHS:
            listings[base] += 1
        else:
            articles.add(path)
    return listings, articles


def test_a_cron_run_on_an_unchanged_site_costs_a_handful_of_requests(archive: Archive) -> None:
    requests = archive.requests[2]
    listings, articles = split_requests(requests)
    assert set(listings) == SECTION_PATHS
    assert max(listings.values()) <= 2
    due = {
        TITLE_EDITED,
        BODY_EDITED,
        DELETED,
        content.NOT_FOUND_PATH,
        "/press-centr/meropriyatiya/programma-meropriyatij-na-novogodnie-prazdniki",
        "/gostyam-i-zhitelyam/obschestvennoe-samoupravlenie/novosti-tos/"
        "tos-kiselevka-provel-prazdnik-dvora",
        *(NOVOSTI + item["slug"] for item in PUBLISHED),
    }
    assert articles == due
    assert len(requests) == 1 + sum(listings.values()) + len(due)


def test_history_command_shows_the_series_and_a_diff(archive: Archive) -> None:
    result = citynews(
        "history",
        "https://smoladmin.ru" + TITLE_EDITED + "/?ssv",
        "--db",
        archive.db_url,
        cwd=archive.workdir,
    )
    assert result.returncode == 0, result.stderr
    assert "views (3 observations, times Europe/Moscow):" in result.stdout
    assert result.stdout.count("784") == 2
    assert f"+# {NEW_TITLE}" in result.stdout
    assert "-# В Смоленске завершили ремонт пешеходного моста через Днепр" in result.stdout


def test_status_shows_the_archive_and_its_runs(archive: Archive) -> None:
    result = citynews("status", "--db", archive.db_url, cwd=archive.workdir)
    assert result.returncode == 0, result.stderr
    assert f"articles: {len(content.EXPECTED_ARTICLES) + 3} (1 removed)" in result.stdout
    assert result.stdout.count("completed") >= 3
    assert "lock: free" in result.stdout
    assert "title=100%" in result.stdout


def test_reparse_restores_blanked_fields_from_stored_pages(archive: Archive) -> None:
    before = archive.export()
    engine = create_engine(archive.db_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE articles SET title = NULL, body_text = '', body_html = '', views = NULL,"
                " published_at = NULL, published_precision = NULL, published_source = NULL,"
                " meta_line_raw = NULL"
            )
        )
    engine.dispose()
    result = citynews("reparse", "--db", archive.db_url, cwd=archive.workdir)
    assert result.returncode == 0, result.stderr
    assert f"reparsed {len(before)} of {len(before)} articles" in result.stdout
    assert archive.export() == before


def test_a_restored_article_is_unmarked_and_the_events_are_kept(archive: Archive) -> None:
    archive.site.change(restore=[DELETED])
    assert archive.crawl(*REFRESH).returncode == 0
    records = by_url(archive.export())
    assert records[content.HOST + DELETED]["removed_at"] is None
    events = archive.query(
        "SELECT e.kind FROM article_events e JOIN articles a ON a.id = e.article_id "
        f"WHERE a.url = '{content.HOST + DELETED}' ORDER BY e.at"
    )
    assert [kind for (kind,) in events] == ["removed", "restored"]


def test_a_template_change_fails_loudly_and_keeps_the_archive(archive: Archive) -> None:
    before = archive.export()
    archive.site.change(break_templates=True)
    try:
        result = archive.crawl("--refresh-days", "36500", "-s", f"CITYNEWS_NOW={NOW}")
    finally:
        archive.site.change(break_templates=False)
    assert result.returncode == 3
    assert "fetched article pages were refused" in result.stderr
    assert "have the site's templates changed?" in result.stderr
    after = by_url(archive.export())
    for record in before:
        assert after[record["url"]]["title"] == record["title"]
        assert after[record["url"]]["body_text"] == record["body_text"]
    (outcome,) = archive.query("SELECT outcome FROM crawl_runs ORDER BY id DESC LIMIT 1")[0]
    assert outcome == "unhealthy"


def test_search_finds_crawled_articles_in_any_word_form(archive: Archive) -> None:
    result = citynews(
        "search", "ёлочный базар", "--format", "json", "--db", archive.db_url, cwd=archive.workdir
    )
    assert result.returncode == 0, result.stderr
    urls = [row["url"] for row in json.loads(result.stdout)]
    assert urls[0] == content.HOST + content.CP1251_PATH
    edited = citynews(
        "search",
        "пешеходный мост",
        "--format",
        "json",
        "--db",
        archive.db_url,
        cwd=archive.workdir,
    )
    titles = [row["title"] for row in json.loads(edited.stdout)]
    assert NEW_TITLE in titles


def test_show_and_stats_for_people(archive: Archive) -> None:
    shown = citynews(
        "show", content.HOST + TITLE_EDITED, "--db", archive.db_url, cwd=archive.workdir
    )
    assert shown.returncode == 0, shown.stderr
    assert NEW_TITLE in shown.stdout
    assert "history:" in shown.stdout
    assert "images:" in shown.stdout
    stats = citynews(
        "stats", "--by", "section", "--top", "3", "--db", archive.db_url, cwd=archive.workdir
    )
    assert stats.returncode == 0, stats.stderr
    total_line = next(line for line in stats.stdout.splitlines() if line.startswith("total"))
    assert total_line.split()[1] == str(len(content.EXPECTED_ARTICLES) + len(PUBLISHED))
    assert "most viewed (3):" in stats.stdout
