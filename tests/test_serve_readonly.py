"""`citynews serve` only reads: it never upgrades or reindexes, says what to run instead, warns
when other machines can reach it, keeps Datasette's own time limit, shows no path of this
machine, and opens SQLite URI URLs. A real Datasette server in a real process."""

import hashlib
import json
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from archive.db import create_archive_engine, upgrade
from tests.conftest import CLI_ENV, run_citynews
from tests.postgres import free_port
from tests.test_cli_safety import archive_with_article

TITLE = "Горожане вышли на субботник"


@contextmanager
def serving(cwd: Path, *args: str) -> Iterator[tuple[str, Path]]:
    """`citynews serve` running with args; its base URL and the file of its stderr."""
    port = free_port()
    errors = cwd / "serve.stderr"
    with errors.open("w") as stream:
        server = subprocess.Popen(
            [sys.executable, "-m", "citynews", "serve", "--port", str(port), *args],
            cwd=cwd,
            env=CLI_ENV,
            stdout=subprocess.DEVNULL,
            stderr=stream,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + "/-/versions.json").close()
                break
            except OSError:
                assert server.poll() is None, errors.read_text()
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.2)
        yield url, errors
    finally:
        server.terminate()
        server.wait(timeout=30)


def get_json(url: str):  # type: ignore[no-untyped-def]
    with urllib.request.urlopen(url) as response:
        return json.load(response)


def said_by_citynews(errors: Path) -> list[str]:
    """The lines citynews wrote to stderr (Datasette's server logs its start there too)."""
    return [line for line in errors.read_text().splitlines() if line.startswith("citynews:")]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_serve_on_a_stale_index_changes_nothing_says_run_db_upgrade_and_serves(
    tmp_path: Path,
) -> None:
    path = tmp_path / "served.sqlite3"
    archive_with_article(path)
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE search_index_state SET analysis = 'built by an older version'")
    connection.close()
    before = digest(path)
    with serving(tmp_path, "--db", f"sqlite:///{path}") as (url, errors):
        rows = get_json(url + "/served/articles.json?_shape=array")
        assert [row["title"] for row in rows] == [TITLE]
        warnings = said_by_citynews(errors)
    assert warnings == [
        "citynews: warning: the search index was built by another version of citynews, so "
        "searches may miss articles: run citynews db upgrade"
    ]
    with sqlite3.connect(path) as connection:
        (analysis,) = connection.execute("SELECT analysis FROM search_index_state").fetchone()
    connection.close()
    assert analysis == "built by an older version"
    assert digest(path) == before


def test_serve_refuses_an_archive_of_an_older_schema_and_leaves_it_as_it_is(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    engine = create_archive_engine(f"sqlite:///{path}")
    upgrade(engine, "0001")
    engine.dispose()
    before = digest(path)
    result = run_citynews("serve", "--port", str(free_port()), "--db", f"sqlite:///{path}",
                          cwd=tmp_path, timeout=120)  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == (
        f"citynews: error: the archive sqlite:///{path.resolve()} is at schema revision 0001: "
        "run citynews db upgrade\n"
    )
    assert digest(path) == before


def test_serve_of_a_uri_url_on_all_addresses_warns_once_and_shows_no_path(tmp_path: Path) -> None:
    path = tmp_path / "served.sqlite3"
    archive_with_article(path)
    uri = f"sqlite:///file:{path}?mode=ro&uri=true"
    with serving(tmp_path, "--db", uri, "--host", "0.0.0.0") as (url, errors):
        rows = get_json(url + "/served/articles.json?_shape=array")
        assert [row["title"] for row in rows] == [TITLE]
        settings = get_json(url + "/-/settings.json")
        with urllib.request.urlopen(url + "/-/databases.json") as response:
            databases = response.read().decode()
        warnings = said_by_citynews(errors)
    assert settings["sql_time_limit_ms"] == 1000
    assert str(tmp_path) not in databases
    assert [database["path"] for database in json.loads(databases)] == ["served.sqlite3"]
    assert len(warnings) == 1
    assert warnings[0].startswith("citynews: warning: serving on 0.0.0.0 port ")
    assert "anyone who can reach this machine" in warnings[0]


def test_serve_of_a_relative_uri_url_on_loopback_warns_nothing(tmp_path: Path) -> None:
    archive_with_article(tmp_path / "served.sqlite3")
    uri = "sqlite:///file:served.sqlite3?mode=ro&uri=true"
    with serving(tmp_path, "--db", uri) as (url, errors):
        rows = get_json(url + "/served/articles.json?_shape=array")
        assert [row["title"] for row in rows] == [TITLE]
        assert said_by_citynews(errors) == []
