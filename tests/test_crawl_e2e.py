"""Real crawls of the fixture site over HTTP into SQLite and PostgreSQL, then real exports."""

import csv
import hashlib
import io
import json
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import SiteServer, fresh_postgres_database
from tests.site import content
from tests.support.cli import citynews

pytestmark = pytest.mark.e2e

FIELDS = [
    "url",
    "section",
    "title",
    "published_at",
    "updated_at",
    "views",
    "body_text",
    "images",
    "attachments",
    "first_seen_at",
    "last_fetched_at",
]
EXPECTED = {article["url"]: article for article in content.EXPECTED_ARTICLES}


@dataclass
class Crawled:
    db_url: str
    workdir: Path
    requests: list[str]
    first_run: subprocess.CompletedProcess
    exports: dict[str, Path]
    home: Path


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def crawled(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Crawled:
    """One real crawl of the whole fixture site, and an export in every format."""
    workdir = tmp_path_factory.mktemp(f"crawl-{request.param}")
    if request.param == "sqlite":
        db_url = f"sqlite:///{workdir / 'archive.sqlite3'}"
    else:
        db_url = fresh_postgres_database(request.getfixturevalue("postgres_url"))
    home = tmp_path_factory.mktemp(f"home-{request.param}")
    site = SiteServer()
    try:
        run = citynews(
            "crawl", "--site-url", site.url, "--db", db_url, cwd=workdir, env={"HOME": str(home)}
        )
        requests = site.requests()
    finally:
        site.stop()
    exports = {}
    for fmt in ("csv", "json", "jsonl"):
        out = workdir / "snapshots" / f"news.{fmt}"
        result = citynews("export", "--format", fmt, "--out", str(out), "--db", db_url, cwd=workdir)
        assert result.returncode == 0, result.stderr
        exports[fmt] = out
    return Crawled(db_url, workdir, requests, run, exports, home)


def json_records(crawled: Crawled) -> list[dict]:
    return json.loads(crawled.exports["json"].read_text(encoding="utf-8"))


def test_the_crawl_succeeds_quietly(crawled: Crawled) -> None:
    assert crawled.first_run.returncode == 0, crawled.first_run.stderr
    assert "Traceback" not in crawled.first_run.stderr


def test_a_crawl_opens_no_console_into_itself(crawled: Crawled) -> None:
    """No Scrapy telnet console or remote control (a local HTTP server that runs code sent to
    it, announced by a token file in the user's home)."""
    assert list(crawled.home.rglob("*")) == []
    log = crawled.first_run.stderr + crawled.first_run.stdout
    assert "console" not in log.lower()
    assert "remote control" not in log.lower()


def test_every_expected_article_is_archived_once(crawled: Crawled) -> None:
    urls = [record["url"] for record in json_records(crawled)]
    assert len(urls) == len(set(urls))
    assert set(urls) == set(EXPECTED)
    assert Counter(EXPECTED[url]["section"] for url in urls) == Counter(
        {"novosti": 31, "novosti-tos": 10, "dvizhenie-transporta": 3, "meropriyatiya": 2}
    )


def test_records_match_the_site_field_by_field(crawled: Crawled) -> None:
    for record in json_records(crawled):
        expected = EXPECTED[record["url"]]
        assert list(record)[: len(FIELDS)] == FIELDS
        assert record["section"] == expected["section"]
        assert record["title"] == expected["title"]
        assert record["published_at"] == expected["published_at"], record["url"]
        assert record["published_precision"] == expected["published_precision"]
        assert record["updated_at"] == expected["updated_at"]
        assert record["views"] == expected["views"]
        assert record["body_text"] == "\n\n".join(expected["body_paragraphs"]), record["url"]
        assert record["images"] == expected["images"]
        assert record["attachments"] == expected["attachments"]
        assert record["first_seen_at"].endswith("+00:00")
        assert record["last_fetched_at"] >= record["first_seen_at"]


def test_pages_without_a_meta_line_take_the_listing_date(crawled: Crawled) -> None:
    undated = [r for r in json_records(crawled) if r["section"] == "dvizhenie-transporta"]
    assert undated
    assert all(r["published_source"] == "listing" for r in undated)
    assert all(r["published_at"].endswith("T00:00:00+03:00") for r in undated)


def test_traps_of_the_site(crawled: Crawled) -> None:
    urls = {record["url"] for record in json_records(crawled)}
    assert content.HOST + content.CP1251_PATH in urls
    assert {content.HOST + path for path in content.DUPLICATE_TITLE_PATHS} <= urls
    assert content.HOST + content.LONG_SLUG_PATH in urls
    assert content.HOST + content.FLAKY_PATH in urls
    assert content.HOST + content.REDIRECT_TO in urls
    assert content.HOST + content.REDIRECT_FROM not in urls
    assert content.HOST + content.NOT_FOUND_PATH not in urls
    cp1251 = next(r for r in json_records(crawled) if r["url"].endswith(content.CP1251_PATH))
    assert "Ё" in cp1251["title"]
    assert "«" in cp1251["title"]


def test_the_crawler_is_polite_and_visits_each_page_once(crawled: Crawled) -> None:
    paths = [request.split("?")[0].rstrip("/") for request in crawled.requests]
    assert "/robots.txt" in paths
    assert content.ROBOTS_DISALLOWED_PATH not in paths
    queries = [r.partition("?")[2].lower() for r in crawled.requests]
    assert not [q for q in queries if q.startswith(("ssv", "svsize", "svspace", "svcolor"))]
    assert not [p for p in paths if p.endswith((".png", ".jpg"))]
    assert [p for p in paths if p.endswith(".pdf")] == [content.PDF_PATH]  # a document, once
    article_hits = Counter(p for p in paths if p.count("/") == 3 and "/page/" not in p)
    repeated = {path: hits for path, hits in article_hits.items() if hits > 1}
    assert repeated == {content.FLAKY_PATH: 2}


def test_failed_fetches_are_recorded(crawled: Crawled) -> None:
    engine = create_engine(crawled.db_url)
    with engine.connect() as connection:
        failures = connection.execute(
            text("SELECT url, status, error FROM fetches WHERE NOT ok AND NOT ignored")
        ).all()
        ignored = connection.execute(text("SELECT url, error FROM fetches WHERE ignored")).all()
        run = connection.execute(
            text("SELECT outcome, requests, fetch_failures, articles_new FROM crawl_runs")
        ).one()
    engine.dispose()
    assert [(url, status) for url, status, _ in failures] == [
        (content.HOST + content.NOT_FOUND_PATH, 404)
    ]
    assert [(url, error) for url, error in ignored] == [
        (content.HOST + content.ROBOTS_DISALLOWED_PATH, "not fetched: Forbidden by robots.txt")
    ]
    assert run.outcome == "completed"
    assert run.fetch_failures == 1
    assert run.requests == len(crawled.requests)
    assert run.articles_new == len(EXPECTED)


def test_csv_export_opens_in_a_spreadsheet(crawled: Crawled) -> None:
    raw = crawled.exports["csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert list(rows[0])[: len(FIELDS)] == FIELDS
    by_url = {record["url"]: record for record in json_records(crawled)}
    assert len(rows) == len(by_url)
    for row in rows:
        record = by_url[row["url"]]
        assert row["title"] == record["title"]
        assert row["body_text"] == record["body_text"]
        assert json.loads(row["images"]) == record["images"]
        assert json.loads(row["attachments"]) == record["attachments"]
        assert row["views"] == ("" if record["views"] is None else str(record["views"]))
        assert row["updated_at"] == (record["updated_at"] or "")


def test_jsonl_export_holds_the_same_records(crawled: Crawled) -> None:
    lines = crawled.exports["jsonl"].read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == json_records(crawled)


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_every_export_has_a_manifest(crawled: Crawled, fmt: str) -> None:
    out = crawled.exports[fmt]
    manifest = json.loads(out.with_name(out.name + ".manifest.json").read_text(encoding="utf-8"))
    assert manifest["records"] == len(EXPECTED)
    assert manifest["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert manifest["format"] == fmt
    assert manifest["fields"][: len(FIELDS)] == FIELDS
    assert manifest["filters"] == {"section": None, "since": None, "until": None}
    assert "@" not in manifest["archive"]
    assert not list(out.parent.glob(".*.part*"))


def test_export_filters_and_stdout(crawled: Crawled) -> None:
    result = citynews(
        "export",
        "--format",
        "jsonl",
        "--out",
        "-",
        "--db",
        crawled.db_url,
        "--section",
        "novosti-tos",
        "--since",
        "2025-10-15",
        "--until",
        "2025-11-12",
        cwd=crawled.workdir,
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    expected = sorted(
        url
        for url, a in EXPECTED.items()
        if a["section"] == "novosti-tos" and "2025-10-15" <= a["published_at"][:10] <= "2025-11-12"
    )
    assert sorted(r["url"] for r in records) == expected
    assert len(expected) >= 3
    assert [r["published_at"] for r in records] == sorted(r["published_at"] for r in records)


def test_a_second_full_crawl_refetching_everything_adds_no_duplicates(crawled: Crawled) -> None:
    site = SiteServer()
    try:
        again = citynews(
            "crawl",
            "--site-url",
            site.url,
            "--db",
            crawled.db_url,
            "--full",
            "--refresh-days",
            "36500",
            cwd=crawled.workdir,
        )
    finally:
        site.stop()
    assert again.returncode == 0, again.stderr
    engine = create_engine(crawled.db_url)
    with engine.connect() as connection:
        articles = connection.execute(
            text("SELECT count(*), count(DISTINCT url) FROM articles")
        ).one()
        runs = connection.execute(
            text("SELECT articles_new, articles_unchanged FROM crawl_runs ORDER BY id")
        ).all()
        series = (
            connection.execute(text("SELECT count(*) FROM view_observations GROUP BY article_id"))
            .scalars()
            .all()
        )
    engine.dispose()
    assert tuple(articles) == (len(EXPECTED), len(EXPECTED))
    assert tuple(runs[-1]) == (0, len(EXPECTED))
    with_views = sum(1 for a in EXPECTED.values() if a["views"] is not None)
    assert sorted(series) == [2] * with_views
