"""Archived text reaches people's terminals harmless: no escape sequence of a hostile page runs.

Titles, texts, URLs and error messages holding ESC sequences (window titles, screen clears,
OSC 8 links), C1 controls and bidirectional overrides are printed with those characters shown
as escapes by every table and text output; JSON and CSV keep the data as stored."""

import csv
import io
import json
import re
import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from archive.articles import save_article
from archive.crawl_records import ArticleRecord
from archive.db import open_archive, session_scope
from archive.models import CrawlRun, Fetch
from citynews.cli import main
from citynews.display import for_terminal

URL = "https://www.smoladmin.ru/press-centr/novosti/most-otkryt"
FAILED_URL = "https://www.smoladmin.ru/press-centr/novosti/propal"
TITLE = (
    "Мост \x1b]0;pwned\x07\x1b[2Jоткрыт \x1b]8;;http://evil.example/\x1b\\ссылка\x1b]8;;\x1b\\"
    " \x9b31mкрасный \u202eтекст"
)
BODY = "Мост через Днепр открыт.\r\x1b[1A\x1b[2Kподделка \x90DCS\x9c и \x07звонок, \x00\x7f."
HOSTILE_ERROR = "connection lost \x1b]0;owned\x07\x1b[2J"
# What a terminal acts on: C0 but tab and newline, DEL, C1, bidirectional overrides.
ACTED_ON = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def hostile_archive(path: Path) -> str:
    url = f"sqlite:///{path}"
    sessions = open_archive(url)
    with session_scope(sessions) as session:
        run = CrawlRun(
            started_at=datetime(2026, 1, 1, tzinfo=UTC),
            finished_at=datetime(2026, 1, 1, 0, 5, tzinfo=UTC),
            mode="incremental",
            outcome="failed",
            site_url="https://www.smoladmin.ru",
            message=f"stopped: {HOSTILE_ERROR}",
        )
        session.add(run)
        session.flush()
        for views, day in ((10, 1), (25, 2)):
            fetched_at = datetime(2026, 1, day, tzinfo=UTC)
            save_article(
                session,
                ArticleRecord(
                    url=URL,
                    section="novosti",
                    fetched_url=URL,
                    fetched_at=fetched_at,
                    title=TITLE,
                    body_text=BODY + (" Правка." if views == 25 else ""),
                    published_at=datetime(2025, 11, 15, 7, 0, tzinfo=UTC),
                    published_precision="minute",
                    published_source="meta-line",
                    views=views,
                    attachments=[{"title": "Схема \x1b[5mмоста", "url": URL + "/shema.pdf"}],
                ),
                run,
            )
        session.add(
            Fetch(
                crawl_run_id=run.id,
                url=FAILED_URL,
                requested_url=FAILED_URL,
                kind="article",
                status=None,
                ok=False,
                error=HOSTILE_ERROR,
                fetched_at=datetime(2026, 1, 1, 0, 1, tzinfo=UTC),
            )
        )
    sessions.kw["bind"].dispose()
    return url


@pytest.fixture
def db(tmp_path: Path) -> str:
    return hostile_archive(tmp_path / "archive.sqlite3")


TEXT_COMMANDS = [
    ["show", URL],
    ["history", URL],
    ["search", "мост"],
    ["search", "мост", "--limit", "1"],
    ["stats"],
    ["stats", "--by", "month"],
    ["status"],
    ["status", "--failed"],
]


@pytest.mark.parametrize("command", TEXT_COMMANDS, ids=" ".join)
def test_text_outputs_show_control_characters_escaped(command, db, capsys) -> None:
    assert main([*command, "--db", db]) == 0
    out, err = capsys.readouterr()
    assert not ACTED_ON.search(out), repr(out)
    assert not ACTED_ON.search(err), repr(err)
    # the characters are shown, not lost: a reader sees that the title held an escape
    if command[0] in ("show", "history", "search", "stats"):
        assert "Мост \\x1b]0;pwned\\x07\\x1b[2Jоткрыт" in out
    if command[0] == "status":
        assert "connection lost \\x1b]0;owned\\x07" in out


def test_history_chart_is_valid_svg_with_the_title_escaped(db, tmp_path: Path, capsys) -> None:
    chart = tmp_path / "views.svg"
    assert main(["history", URL, "--chart", str(chart), "--db", db]) == 0
    svg = chart.read_text(encoding="utf-8")
    ElementTree.fromstring(svg.split("\n", 1)[1])  # XML allows no control characters
    assert not ACTED_ON.search(svg)
    assert not ACTED_ON.search(capsys.readouterr().out)


def test_report_holds_no_control_characters(db, tmp_path: Path) -> None:
    report = tmp_path / "digest.html"
    assert main(["report", "--since", "2025-11-01", "--until", "2026-01-31", "--out", str(report),
                 "--db", db]) == 0  # fmt: skip
    html = report.read_text(encoding="utf-8")
    assert "\\x1b]0;pwned" in html
    assert not ACTED_ON.search(html)


def test_json_and_csv_keep_the_text_as_stored(db, capsys) -> None:
    assert main(["search", "мост", "--format", "json", "--db", db]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["title"] == TITLE
    assert main(["search", "мост", "--format", "csv", "--db", db]) == 0
    text = capsys.readouterr().out
    (row,) = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    assert row["title"] == TITLE


def test_a_failure_line_shows_control_characters_escaped(db, capsys) -> None:
    assert main(["show", "/press-centr/novosti/\x1b]0;x\x07", "--db", db]) == 1
    err = capsys.readouterr().err
    assert not ACTED_ON.search(err), repr(err)


def test_search_highlighting_on_a_terminal_is_the_only_escape(db) -> None:
    from archive.search.query import parse_query
    from archive.search.running import Filters, iter_search
    from citynews.reports import HIGHLIGHT, write_search_results

    sessions = open_archive(db)
    query = parse_query("мост")
    table = io.StringIO()
    with session_scope(sessions) as session:
        hits = iter_search(session, query, Filters())
        write_search_results(table, hits, query, "table", ZoneInfo("Europe/Moscow"), terminal=True)
    shown = table.getvalue()
    assert HIGHLIGHT[0] in shown
    assert not ACTED_ON.search(shown.replace(HIGHLIGHT[0], "").replace(HIGHLIGHT[1], ""))


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b]0;title\x07", "\\x1b]0;title\\x07"),
        ("a\x9b2Jb", "a\\x9b2Jb"),
        ("строка\nи\tтаб", "строка\nи\tтаб"),
        ("\rx\x00\x7f", "\\x0dx\\x00\\x7f"),
        ("\u202eабв\u2066", "\\u202eабв\\u2066"),
        ("обычный текст «в кавычках» — тире", "обычный текст «в кавычках» — тире"),
    ],
)
def test_for_terminal(text: str, shown: str) -> None:
    assert for_terminal(text) == shown
