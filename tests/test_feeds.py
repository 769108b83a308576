"""`citynews feed` and the feeds `citynews serve` serves: Atom that feedparser reads without a
complaint, ids that stay while `updated` moves with an edit, links to the site, sections and
search queries; on SQLite and PostgreSQL, and over HTTP from a real server."""

import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

from archive.db import open_archive, session_scope
from archive.models import Article
from tests.support.changes import BRIDGE, PARK, SQUARE, YARD, changed_archive
from tests.support.cli import one_line_error, run_main
from tests.test_serve_readonly import serving

BRIDGE_ID = "tag:www.smoladmin.ru,2026-01-05:/press-centr/novosti/most-cherez-dnepr"


def read_feed(path: Path) -> feedparser.FeedParserDict:
    """The feed at path, parsed; a feed feedparser had to guess at fails the test."""
    parsed = feedparser.parse(path.read_bytes())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def write_feed(db_url: str, tmp_path: Path, *args: str) -> feedparser.FeedParserDict:
    out = tmp_path / "feed.xml"
    result = run_main("feed", "--out", str(out), "--db", db_url, *args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return read_feed(out)


def by_link(feed: feedparser.FeedParserDict) -> dict[str, feedparser.FeedParserDict]:
    return {entry.link: entry for entry in feed.entries}


def test_an_edit_keeps_the_entrys_id_and_moves_its_updated(
    migrated_db_url: str, tmp_path: Path
) -> None:
    changed_archive(migrated_db_url, runs=1)
    before = by_link(write_feed(migrated_db_url, tmp_path))[BRIDGE]
    changed_archive(migrated_db_url, runs=2, done=1)
    after = by_link(write_feed(migrated_db_url, tmp_path))[BRIDGE]
    assert before.id == after.id == BRIDGE_ID
    assert before.updated == "2026-01-05T09:01:00Z"
    assert after.updated == "2026-01-06T09:01:00Z"
    assert (before.title, after.title) == ("Новость most-cherez-dnepr", "Ремонт моста перенесли")
    assert after.published == "2025-06-01T09:00:00Z"  # 12:00 in Moscow
    assert after.summary.startswith("Ремонт моста через Днепр начнётся в апреле.")


def test_entries_link_to_the_site_and_name_their_section(
    migrated_db_url: str, tmp_path: Path
) -> None:
    feed = write_feed(changed_archive(migrated_db_url), tmp_path)
    assert set(by_link(feed)) == {BRIDGE, PARK, SQUARE, YARD}
    for entry in feed.entries:
        assert entry.links == [{"rel": "alternate", "type": "text/html", "href": entry.link}]
        assert entry.id.startswith("tag:www.smoladmin.ru,2026-01-0")
    assert by_link(feed)[YARD].tags[0].term == "novosti-tos"
    assert by_link(feed)[YARD].tags[0].label == "Новости ТОС"
    # the newest change of an entry: the TOS article first seen (the park came back unchanged)
    assert feed.feed.updated == "2026-01-06T09:03:00Z"
    assert feed.feed.link == "https://www.smoladmin.ru/"
    assert feed.feed.id == "tag:www.smoladmin.ru,2026-01-01:feeds/all"


def test_the_newest_come_first_an_undated_article_by_the_time_it_was_first_seen(
    migrated_db_url: str, tmp_path: Path
) -> None:
    archive = changed_archive(migrated_db_url)
    sessions = open_archive(archive)
    with session_scope(sessions) as session:
        # the square: no date, first seen 2026-01-05; the others: published 2025-06-01
        session.query(Article).filter_by(url=SQUARE).one().published_at = None
        session.query(Article).filter_by(url=PARK).one().published_at = datetime(
            2025, 7, 1, tzinfo=UTC
        )
    sessions.kw["bind"].dispose()
    links = list(by_link(write_feed(archive, tmp_path)))
    # equal dates: the one first seen last first
    assert links == [SQUARE, PARK, YARD, BRIDGE]
    assert list(by_link(write_feed(archive, tmp_path, "--limit", "1"))) == [SQUARE]
    assert list(by_link(write_feed(archive, tmp_path, "--limit", "3"))) == [SQUARE, PARK, YARD]


def test_removed_articles_leave_the_feed(migrated_db_url: str, tmp_path: Path) -> None:
    feed = write_feed(changed_archive(migrated_db_url, runs=2), tmp_path)
    assert PARK not in by_link(feed)


def test_sections_limit_and_self_link(migrated_db_url: str, tmp_path: Path) -> None:
    archive = changed_archive(migrated_db_url)
    feed = write_feed(archive, tmp_path, "--section", "novosti-tos")
    assert list(by_link(feed)) == [YARD]
    assert feed.feed.link.endswith("/novosti-tos/")
    feed = write_feed(archive, tmp_path, "--section", "novosti", "--section", "novosti-tos")
    assert len(feed.entries) == 4
    url = "https://news.example.org/smolensk.atom"
    feed = write_feed(archive, tmp_path, "--limit", "2", "--feed-url", url)
    assert len(feed.entries) == 2
    assert {"rel": "self", "type": "application/atom+xml", "href": url} in feed.feed.links


def test_a_query_keeps_the_articles_it_matches(migrated_db_url: str, tmp_path: Path) -> None:
    archive = changed_archive(migrated_db_url)
    # "мост" matches "моста" in the bridge article's title and text: any word form
    assert list(by_link(write_feed(archive, tmp_path, "--query", "мост"))) == [BRIDGE]
    assert write_feed(archive, tmp_path, "--query", '"двор на Нахимова"').entries[0].link == YARD
    assert (
        write_feed(archive, tmp_path, "--query", "мост", "--section", "novosti-tos").entries == []
    )


def test_a_watch_feed_keeps_what_the_saved_search_matches_in_its_sections(
    migrated_db_url: str, tmp_path: Path
) -> None:
    archive = changed_archive(migrated_db_url)
    added = run_main("watch", "add", "bridges", "мост", "--db", archive, cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    feed = write_feed(archive, tmp_path, "--watch", "bridges")
    assert list(by_link(feed)) == [BRIDGE]
    assert "bridges" in feed.feed.title
    assert feed.feed.id != write_feed(archive, tmp_path, "--query", "мост").feed.id
    tos = ("watch", "add", "tos-yards", "двор", "--section", "novosti-tos", "--db", archive)
    assert run_main(*tos, cwd=tmp_path).returncode == 0
    assert list(by_link(write_feed(archive, tmp_path, "--watch", "tos-yards"))) == [YARD]
    narrowed = ("feed", "--out", "f.xml", "--watch", "tos-yards", "--section", "novosti")
    one_line_error(run_main(*narrowed, "--db", archive, cwd=tmp_path), 2, "covers none")
    missing = run_main("feed", "--out", "f.xml", "--watch", "nosuch", "--db", archive, cwd=tmp_path)
    one_line_error(missing, 1, "no watch named 'nosuch'")
    both = ("feed", "--out", "f.xml", "--watch", "bridges", "--query", "мост", "--db", archive)
    one_line_error(run_main(*both, cwd=tmp_path), 2, "not allowed with argument")


def test_a_bad_query_is_a_one_line_error_and_writes_nothing(
    migrated_db_url: str, tmp_path: Path
) -> None:
    archive = changed_archive(migrated_db_url, runs=1)
    out = tmp_path / "feed.xml"
    result = run_main("feed", "--out", str(out), "--query", '"', "--db", archive, cwd=tmp_path)
    one_line_error(result, 2, "unbalanced quote")
    assert not out.exists()


def test_text_an_xml_file_cannot_hold_still_makes_a_valid_feed(
    migrated_db_url: str, tmp_path: Path
) -> None:
    archive = changed_archive(migrated_db_url, runs=1)
    sessions = open_archive(archive)
    with session_scope(sessions) as session:
        bridge = session.query(Article).filter_by(url=BRIDGE).one()
        bridge.title = "Мост\x1b]0;pwned\x07 <b>&amp;</b> \ufffe"
        bridge.body_text = "Текст\x0b с ]]> и &amp; внутри."
    sessions.kw["bind"].dispose()
    entry = by_link(write_feed(archive, tmp_path))[BRIDGE]
    assert entry.title == "Мост]0;pwned <b>&amp;</b>"
    assert entry.title_detail.type == "text/plain"
    assert entry.summary == "Текст с ]]> и &amp; внутри."


def test_the_feed_never_replaces_the_archive_and_goes_to_stdout_with_dash(tmp_path: Path) -> None:
    path = tmp_path / "archive.sqlite3"
    archive = changed_archive(f"sqlite:///{path}", runs=1)
    before = path.read_bytes()
    result = run_main("feed", "--out", str(path), "--db", archive, cwd=tmp_path)
    one_line_error(result, 2, "is the archive itself")
    assert path.read_bytes() == before
    other = tmp_path / "other.sqlite3"
    other.write_bytes(before)
    result = run_main("feed", "--out", str(other), "--db", archive, cwd=tmp_path)
    one_line_error(result, 2, "is an existing SQLite database")
    result = run_main("feed", "--out", "-", "--db", archive, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    parsed = feedparser.parse(result.stdout_bytes)
    assert parsed.bozo == 0
    assert len(parsed.entries) == 3


def test_an_unwritable_out_is_a_one_line_error(migrated_db_url: str, tmp_path: Path) -> None:
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("a file, not a folder")
    out = not_a_folder / "feed.xml"
    result = run_main("feed", "--out", str(out), "--db", migrated_db_url, cwd=tmp_path)
    one_line_error(result, 1, "notes.txt")
    assert not_a_folder.read_text() == "a file, not a folder"


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def test_serve_serves_the_same_feeds_at_stable_addresses(tmp_path: Path) -> None:
    path = tmp_path / "served.sqlite3"
    archive = changed_archive(f"sqlite:///{path}")
    written = write_feed(archive, tmp_path)
    with serving(tmp_path, "--db", archive) as (url, _errors):
        status, kind, body = fetch(url + "/feeds/all.atom")
        assert (status, kind) == (200, "application/atom+xml; charset=utf-8")
        served = feedparser.parse(body)
        assert served.bozo == 0
        assert [e.id for e in served.entries] == [e.id for e in written.entries]
        assert [e.updated for e in served.entries] == [e.updated for e in written.entries]
        assert {"rel": "self", "type": "application/atom+xml", "href": url + "/feeds/all.atom"} in (
            served.feed.links
        )
        section = feedparser.parse(fetch(url + "/feeds/section/novosti-tos.atom")[2])
        assert [e.link for e in section.entries] == [YARD]
        found = feedparser.parse(fetch(url + "/feeds/all.atom?q=%D0%BC%D0%BE%D1%81%D1%82")[2])
        assert [e.link for e in found.entries] == [BRIDGE]
        status, _, body = fetch(url + "/feeds/section/nosuch.atom")
        assert status == 404
        assert b"unknown section 'nosuch'" in body
        status, _, body = fetch(url + "/feeds/all.atom?limit=lots")
        assert status == 400
        status, _, body = fetch(url + "/feeds/watch/bridges.atom")
        assert status == 404
        assert b"no watch named 'bridges'" in body


def test_serve_serves_a_watch_feed(tmp_path: Path) -> None:
    archive = changed_archive(f"sqlite:///{tmp_path / 'served.sqlite3'}")
    added = run_main("watch", "add", "bridges", "мост", "--db", archive, cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    with serving(tmp_path, "--db", archive) as (url, _errors):
        status, kind, body = fetch(url + "/feeds/watch/bridges.atom")
        assert (status, kind) == (200, "application/atom+xml; charset=utf-8")
        served = feedparser.parse(body)
        assert served.bozo == 0
        assert [entry.link for entry in served.entries] == [BRIDGE]
        assert fetch(url + "/feeds/watch/bridges.atom?q=%D0%B4%D0%B2%D0%BE%D1%80")[0] == 400


@pytest.mark.parametrize("limit", ["0", "-1", "many"])
def test_a_bad_limit_is_refused(migrated_db_url: str, tmp_path: Path, limit: str) -> None:
    result = run_main(
        "feed", "--out", "f.xml", "--limit", limit, "--db", migrated_db_url, cwd=tmp_path
    )
    one_line_error(result, 2, "--limit")
