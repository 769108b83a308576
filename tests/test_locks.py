"""Every command that writes an archive takes its lock: one at a time, the others exit 75 with a
line naming the holder; none but crawl and db upgrade creates an archive; the lock is held by a
live process or by none. Real processes, SQLite and a real PostgreSQL server."""

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from archive.db import create_archive_engine
from archive.lock import crawl_lock_holder
from citynews.cli import main
from tests.conftest import CLI_ENV, ROOT, SiteServer, fresh_postgres_database
from tests.site import content
from tests.test_crawl_processes import archived, running_runs, start_crawl, wait_for

WRITE_COMMANDS = [["db", "reindex"], ["db", "upgrade"], ["reparse"]]

HOLD = """
import os, sys
from archive.db import create_archive_engine
from archive.lock import crawl_lock

with crawl_lock(create_archive_engine(sys.argv[1]), sys.argv[2]):
    if sys.argv[3] == "fork-and-exit" and os.fork() == 0:  # a child that outlives its parent
        print("held", flush=True)
        sys.stdin.read()
        os._exit(0)
    if sys.argv[3] == "fork-and-exit":
        os._exit(0)
    print("held", flush=True)
    sys.stdin.read()
"""


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def archive_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty archive URL, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    return fresh_postgres_database(request.getfixturevalue("postgres_url"))


@contextmanager
def another_process(db_url: str, command: str, how: str = "hold") -> Iterator[int]:
    """A process that took the archive's lock for `command` (and, with "fork-and-exit", ended
    at once, leaving a forked child of its own running); its pid."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, db_url, command, how],
        cwd=ROOT,
        env=CLI_ENV,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "held\n"
        if how == "fork-and-exit":
            holder.wait(timeout=30)
        yield holder.pid
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = main(list(args))
    return status, capsys.readouterr().err


def test_write_commands_exit_75_naming_the_crawl_that_holds_the_archive(
    archive_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "db", "upgrade", "--db", archive_url)[0] == 0
    with another_process(archive_url, "crawl") as pid:
        for command in WRITE_COMMANDS:
            status, err = run(capsys, *command, "--db", archive_url)
            assert status == 75, (command, err)
            assert f"another crawl is running on this archive (pid {pid}, since " in err
            assert err.count("\n") == 1, err
    assert run(capsys, "db", "reindex", "--db", archive_url) == (0, "")


@pytest.mark.parametrize("holder", ["db reindex", "db upgrade", "reparse"])
def test_a_crawl_exits_75_naming_the_command_that_holds_the_archive(
    holder: str, archive_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "db", "upgrade", "--db", archive_url)[0] == 0
    with another_process(archive_url, holder) as pid:
        status, err = run(capsys, "crawl", "--site-url", "http://127.0.0.1:9", "--db", archive_url)
        assert status == 75, err
        assert f"another {holder} is running on this archive (pid {pid}, since " in err


@pytest.mark.e2e
def test_db_reindex_during_a_crawl_exits_75_and_the_crawl_archives_everything(
    site: SiteServer, archive_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site.change(delay=300)  # article pages wait until db reindex has tried
    crawl = start_crawl(site, archive_url, tmp_path, "-s", "DOWNLOAD_TIMEOUT=300")
    try:
        wait_for(lambda: running_runs(archive_url) == 1, "the crawl to start its run")
        status, err = run(capsys, "db", "reindex", "--db", archive_url)
        assert status == 75, err
        assert f"another crawl is running on this archive (pid {crawl.pid}, since " in err
    finally:
        site.change(delay=0)
        _, crawl_err = crawl.communicate(timeout=120)
    assert crawl.returncode == 0, crawl_err
    assert archived(archive_url) == len(content.EXPECTED_ARTICLES)
    assert main(["db", "reindex", "--db", archive_url]) == 0
    assert capsys.readouterr().out == f"indexed {len(content.EXPECTED_ARTICLES)} articles\n"


@pytest.mark.parametrize("command", [["db", "reindex"], ["reparse"]])
def test_a_write_command_on_a_missing_sqlite_archive_creates_nothing(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mistyped = tmp_path / "data" / "citynwes.sqlite3"
    status, err = run(capsys, *command, "--db", f"sqlite:///{mistyped}")
    assert status == 2
    assert err == (
        f"citynews: error: no archive at sqlite:///{mistyped}: run a crawl first, or give --db\n"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.postgres
@pytest.mark.parametrize("command", [["db", "reindex"], ["reparse"]])
def test_a_write_command_on_an_empty_postgresql_database_creates_nothing(
    command: list[str], postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = fresh_postgres_database(postgres_url)
    status, err = run(capsys, *command, "--db", empty)
    assert status == 2
    assert "(an empty database): run a crawl first" in err
    engine = create_engine(empty)
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


def test_the_lock_is_free_once_its_holder_ended_though_a_child_it_forked_runs(
    archive_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "db", "upgrade", "--db", archive_url)[0] == 0
    engine = create_archive_engine(archive_url)
    with another_process(archive_url, "reparse", "fork-and-exit"):
        # a PostgreSQL server ends the session of a client that has gone in its own time
        wait_for(lambda: crawl_lock_holder(engine) is None, "the lock to be free", 30)
        assert run(capsys, "db", "reindex", "--db", archive_url) == (0, "")
        assert main(["status", "--db", archive_url]) == 0
        assert "free (no crawl running)" in capsys.readouterr().out
    engine.dispose()
