"""`citynews changes`: the articles new, edited, removed and restored in a period or a crawl
run, as a table, JSON or CSV, on SQLite and PostgreSQL; and the crawl summary that points to it."""

import csv
import io
import json
from pathlib import Path

import pytest

from archive.change_queries import CHANGE_KINDS
from citynews.changes import CHANGE_FIELDS
from scraper.crawl import CrawlResult
from tests.support.changes import BRIDGE, PARK, SQUARE, YARD, changed_archive
from tests.support.cli import one_line_error, run_main


@pytest.fixture
def archive(migrated_db_url: str) -> str:
    return changed_archive(migrated_db_url)


def changes_json(archive: str, tmp_path: Path, *args: str) -> list[dict]:
    result = run_main("changes", "--format", "json", "--db", archive, *args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def kinds(rows: list[dict]) -> list[tuple[str, str]]:
    return [(row["kind"], row["url"]) for row in rows]


def test_a_run_lists_its_edit_removal_and_new_article_in_time_order(
    archive: str, tmp_path: Path
) -> None:
    rows = changes_json(archive, tmp_path, "--run", "2")
    assert kinds(rows) == [("edited", BRIDGE), ("removed", PARK), ("new", YARD)]
    edit, removal, new = rows
    assert edit["at"] == "2026-01-06T12:01:00+03:00"  # in the site's zone
    assert edit["title"] == "Ремонт моста перенесли"
    assert edit["title_before"] == "Новость most-cherez-dnepr"
    assert "-Ремонт моста через Днепр начнётся в марте." in edit["diff"]
    assert "+Ремонт моста через Днепр начнётся в апреле." in edit["diff"]
    assert "+Движение перекроют на две недели." in edit["diff"]
    # title: 2 words out, 3 in; text: "марте" for "апреле", 5 words added at the end
    assert (edit["words_added"], edit["words_removed"]) == (3 + 1 + 5, 2 + 1)
    assert removal["http_status"] == 404
    assert removal["diff"] is None
    assert new["section"] == "novosti-tos"


def test_the_first_run_lists_every_article_as_new(archive: str, tmp_path: Path) -> None:
    assert kinds(changes_json(archive, tmp_path, "--run", "1")) == [
        ("new", BRIDGE),
        ("new", PARK),
        ("new", SQUARE),
    ]


def test_since_a_day_lists_every_run_from_that_day_on(archive: str, tmp_path: Path) -> None:
    rows = changes_json(archive, tmp_path, "--since", "2026-01-06")
    assert kinds(rows) == [("edited", BRIDGE), ("removed", PARK), ("new", YARD), ("restored", PARK)]
    # The site's day: 2026-01-06 starts at 21:00 UTC on the 5th, after run 1 ended.
    assert len(changes_json(archive, tmp_path, "--since", "2026-01-05")) == 7


def test_by_default_it_lists_what_changed_since_the_last_completed_run_started(
    archive: str, tmp_path: Path
) -> None:
    assert kinds(changes_json(archive, tmp_path)) == [("restored", PARK)]


def test_sections_filter_the_changes(archive: str, tmp_path: Path) -> None:
    rows = changes_json(archive, tmp_path, "--since", "2026-01-01", "--section", "novosti-tos")
    assert kinds(rows) == [("new", YARD)]
    rows = changes_json(
        archive, tmp_path, "--run", "2", "--section", "novosti-tos", "--section", "novosti"
    )
    assert len(rows) == 3


def test_the_table_names_each_change_its_link_and_the_diff(archive: str, tmp_path: Path) -> None:
    result = run_main("changes", "--run", "2", "--db", archive, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "2026-01-06 12:01  edited" in out
    assert [url for url in (BRIDGE, PARK, YARD) if url in out] == [BRIDGE, PARK, YARD]
    assert "words added 9, removed 3" in out
    assert "removed  novosti (HTTP 404)" in out
    assert out.rstrip().splitlines()[-1] == (
        "3 change(s) in crawl run 2, times in Europe/Moscow: new 1, edited 1, removed 1, restored 0"
    )


def test_csv_has_the_documented_fields(archive: str, tmp_path: Path) -> None:
    result = run_main("changes", "--run", "2", "--format", "csv", "--db", archive, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    assert tuple(rows[0]) == CHANGE_FIELDS
    assert [row["kind"] for row in rows] == ["edited", "removed", "new"]
    assert rows[1]["http_status"] == "404"


def test_limit_says_how_many_it_left_out(archive: str, tmp_path: Path) -> None:
    result = run_main("changes", "--run", "2", "--limit", "1", "--db", archive, cwd=tmp_path)
    assert result.stdout.count("https://") == 1
    assert result.stdout.rstrip().splitlines()[-1] == "1 of 3 changes shown (use --limit)"
    result = run_main(
        "changes", "--run", "2", "--limit", "2", "--format", "json", "--db", archive, cwd=tmp_path
    )
    assert len(json.loads(result.stdout)) == 2
    assert "2 of 3 changes shown (use --limit)" in result.stderr


def test_since_and_run_together_are_refused(archive: str, tmp_path: Path) -> None:
    result = run_main(
        "changes", "--since", "2026-01-01", "--run", "2", "--db", archive, cwd=tmp_path
    )
    one_line_error(result, 2, "not allowed with argument")


def test_an_unknown_run_and_a_bad_date_are_one_line_errors(archive: str, tmp_path: Path) -> None:
    one_line_error(
        run_main("changes", "--run", "9", "--db", archive, cwd=tmp_path), 1, "no crawl run 9"
    )
    one_line_error(
        run_main("changes", "--since", "6 января", "--db", archive, cwd=tmp_path),
        2,
        "expected a date as YYYY-MM-DD",
    )
    one_line_error(run_main("changes", "--run", "0", "--db", archive, cwd=tmp_path), 2, "from 1 to")


def test_an_archive_no_run_completed_asks_for_a_period(
    migrated_db_url: str, tmp_path: Path
) -> None:
    result = run_main("changes", "--db", migrated_db_url, cwd=tmp_path)
    one_line_error(result, 1, "give --since YYYY-MM-DD or --run N")


def test_the_crawl_summary_counts_the_runs_changes_and_names_the_command() -> None:
    counts = {"new": 1, "edited": 1, "removed": 1, "restored": 0}
    result = CrawlResult("completed", None, {"citynews/run_id": 2}, changes=counts)
    assert (
        "changes: new 1  edited 1  removed 1  restored 0 (list them: citynews changes --run 2)"
        in result.summary().splitlines()
    )


def test_the_runs_counts_are_those_changes_lists(archive: str, tmp_path: Path) -> None:
    from scraper.crawl import run_changes

    for run in (1, 2, 3):
        rows = changes_json(archive, tmp_path, "--run", str(run))
        listed = {kind: [row["kind"] for row in rows].count(kind) for kind in CHANGE_KINDS}
        assert run_changes(archive, run) == listed
    assert run_changes(archive, 2) == {"new": 1, "edited": 1, "removed": 1, "restored": 0}
    assert run_changes(archive, 4) is None


def test_the_crawl_summary_names_the_archive_when_it_is_not_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from scraper.crawl import archive_option

    monkeypatch.delenv("CITYNEWS_DB", raising=False)
    assert archive_option("sqlite:///data/citynews.sqlite3") == ""
    assert archive_option("sqlite:///my archive.sqlite3") == " --db 'sqlite:///my archive.sqlite3'"
    assert archive_option("postgresql://news:secret@db.local/citynews") == (
        " --db 'postgresql://news:***@db.local/citynews'"
    )
    monkeypatch.setenv("CITYNEWS_DB", "postgresql://news:secret@db.local/citynews")
    assert archive_option("postgresql://news:secret@db.local/citynews") == ""
