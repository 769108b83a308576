"""A second real crawl of the fixture site after articles were published, edited and deleted:
its summary on a terminal counts what it changed and names `citynews changes --run N`, which
lists exactly that; the feed then shows the edit as the same entry, updated."""

import json
import os
import pty
import shlex
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import feedparser
import pytest

from tests.conftest import SiteServer
from tests.site import content
from tests.support.cli import run_main, start_citynews
from tests.test_cron_e2e import (
    BODY_EDITED,
    DELETED,
    NEW_BODY,
    NEW_TITLE,
    NOVOSTI,
    PUBLISHED,
    REFRESH,
    TITLE_EDITED,
)

pytestmark = pytest.mark.e2e


def crawl_on_a_terminal(site: SiteServer, db_url: str, cwd: Path) -> tuple[int, str]:
    """`citynews crawl` with its standard output on a terminal: its status and what it showed."""
    leader, follower = pty.openpty()
    crawl = start_citynews(
        "crawl", "--site-url", site.url, "--db", db_url, *REFRESH, cwd=cwd, stdout=follower
    )
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed: the crawl ended
            break
        if not chunk:
            break
        shown += chunk
    crawl.wait(timeout=300)
    os.close(leader)
    return crawl.returncode, shown.decode().replace("\r\n", "\n")


def feed_entries(db_url: str, cwd: Path) -> dict[str, feedparser.FeedParserDict]:
    out = cwd / "feed.xml"
    result = run_main("feed", "--out", str(out), "--limit", "500", "--db", db_url, cwd=cwd)
    assert result.returncode == 0, result.stderr
    parsed = feedparser.parse(out.read_bytes())
    assert parsed.bozo == 0
    return {entry.link: entry for entry in parsed.entries}


def test_a_crawl_tells_what_it_changed_and_changes_lists_it(
    crawled_db: Callable[..., str], site: SiteServer, tmp_path: Path
) -> None:
    db_url = crawled_db(*REFRESH)
    before = feed_entries(db_url, tmp_path)
    site.change(
        publish=PUBLISHED,
        edit_title={TITLE_EDITED: NEW_TITLE},
        edit_body={BODY_EDITED: NEW_BODY},
        delete=[DELETED],
    )
    status, shown = crawl_on_a_terminal(site, db_url, tmp_path)
    assert status == 0, shown
    changes_line = next(line for line in shown.splitlines() if line.startswith("changes:"))
    counts, _, command = changes_line.partition(" (list them: ")
    assert counts == "changes: new 3  edited 2  removed 1  restored 0"
    # the command, as a user copies it, lists what the summary counted
    words = shlex.split(command.removesuffix(")"))
    assert words[:4] == ["citynews", "changes", "--run", "2"]
    listed = run_main(*words[1:], "--format", "json", "--limit", "0", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert Counter(row["kind"] for row in rows) == {"new": 3, "edited": 2, "removed": 1}
    by_kind = {(row["kind"], row["url"]) for row in rows}
    host = content.HOST
    assert {("new", host + NOVOSTI + item["slug"]) for item in PUBLISHED} <= by_kind
    assert {("edited", host + TITLE_EDITED), ("edited", host + BODY_EDITED)} <= by_kind
    assert ("removed", host + DELETED) in by_kind
    body_edit = next(row for row in rows if row["url"] == host + BODY_EDITED)
    assert f"+{NEW_BODY[0]}" in body_edit["diff"]
    title_edit = next(row for row in rows if row["url"] == host + TITLE_EDITED)
    assert title_edit["title"] == NEW_TITLE
    assert f"+# {NEW_TITLE}" in title_edit["diff"]

    after = feed_entries(db_url, tmp_path)
    edited = before[host + TITLE_EDITED], after[host + TITLE_EDITED]
    assert edited[0].id == edited[1].id
    assert edited[0].updated < edited[1].updated
    assert host + DELETED in before
    assert host + DELETED not in after
