"""The command line as a user meets it: help, one-line errors, exit codes, progress."""

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from exports.writers import export_file
from tests.conftest import ROOT, SiteServer
from tests.postgres import free_port
from tests.support.cli import CrawlStartedInTests, citynews, one_line_error, run_main

CLI = [sys.executable, "-m", "citynews"]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


@pytest.mark.parametrize("command", [[], ["crawl"], ["export"], ["db"], ["db", "upgrade"]])
def test_every_command_has_help(command: list[str], tmp_path: Path) -> None:
    result = citynews(*command, "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "usage: citynews" in result.stdout


ARCHIVE_COMMANDS = [
    ["crawl"], ["export"], ["search"], ["show"], ["stats"], ["serve"], ["status"], ["history"],
    ["report"], ["reparse"], ["db", "upgrade"], ["db", "reindex"],
]  # fmt: skip


@pytest.mark.parametrize("command", ARCHIVE_COMMANDS)
def test_every_archive_command_lists_db_in_its_help(command: list[str], tmp_path: Path) -> None:
    result = citynews(*command, "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "--db DB" in result.stdout
    assert "CITYNEWS_DB" in result.stdout


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["crawl", "--section", "sport"], 2, "unknown section 'sport'"),
        (["crawl", "--db", "not a url"], 2, "bad database URL"),
        (["documents", "--db", "not a url"], 2, "bad database URL"),
        (["documents", "extract", "--db", "not a url"], 2, "bad database URL"),
        (["crawl", "--db", "mysqlx://x/y"], 2, "bad database URL"),
        (["crawl", "--site-url", "smoladmin.ru"], 2, "http"),
        (["crawl", "-s", "DOWNLOAD_DELAY"], 2, "NAME=VALUE"),
        (["export", "--format", "xml", "--out", "x"], 2, "invalid choice"),
        (["export", "--format", "csv", "--out", "x", "--since", "2024-13-01"], 2, "YYYY-MM-DD"),
        (
            [
                "export",
                "--format",
                "csv",
                "--out",
                "x",
                "--since",
                "2025-01-02",
                "--until",
                "2025-01-01",
            ],
            2,
            "is after --until",
        ),
        (
            [
                "export",
                "--format",
                "csv",
                "--out",
                "x",
                "--db",
                "postgresql+psycopg://u:pw@127.0.0.1:1/x",
            ],
            2,
            "cannot open the archive",
        ),
    ],
)
def test_user_errors_get_one_line_and_status_2(args, code, words, tmp_path: Path) -> None:
    result = run_main(*args, cwd=tmp_path)
    one_line_error(result, code, words)
    assert "pw" not in result.stderr


def test_a_crawl_run_in_the_test_process_fails_before_it_starts(tmp_path: Path) -> None:
    """What a crawl refuses is checked in this process; a crawl itself needs its own."""
    archive = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    with pytest.raises(CrawlStartedInTests):
        run_main("crawl", "--site-url", "http://127.0.0.1:1", "--db", archive, cwd=tmp_path)
    with pytest.raises(CrawlStartedInTests):
        run_main("inspect", "/press-centr/novosti/x", "--site-url", "http://127.0.0.1:1",
                 cwd=tmp_path)  # fmt: skip


@pytest.mark.e2e
def test_an_unreachable_site_fails_with_a_reason(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    log = tmp_path / "crawl.log"
    result = citynews(
        "crawl",
        "--site-url",
        url,
        "--section",
        "novosti",
        "-s",
        "RETRY_TIMES=0",
        "--log-file",
        str(log),
        cwd=tmp_path,
    )
    one_line_error(result, 1, "site unreachable")
    assert (tmp_path / "data" / "citynews.sqlite3").exists()
    assert "Connection was refused" in log.read_text()


def test_an_unwritable_output_fails_and_writes_nothing(tmp_path: Path) -> None:
    assert citynews("db", "upgrade", cwd=tmp_path).returncode == 0
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = citynews("export", "--format", "csv", "--out", str(blocker / "news.csv"), cwd=tmp_path)
    one_line_error(result, 1, "cannot write")


def test_an_interrupted_export_leaves_the_previous_file_alone(tmp_path: Path) -> None:
    out = tmp_path / "news.jsonl"
    out.write_text("previous snapshot\n")

    def records():
        yield {"url": "https://www.smoladmin.ru/press-centr/novosti/a"}
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        export_file(records(), "jsonl", out, archive="sqlite:///x", filters={}, exported_at=None)
    assert out.read_text() == "previous snapshot\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["news.jsonl"]


@pytest.mark.e2e
def test_a_crawl_on_a_terminal_shows_progress_and_a_summary(tmp_path: Path) -> None:
    site = SiteServer()
    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen(
            [*CLI, "crawl", "--site-url", site.url, "--section", "meropriyatiya"],
            cwd=tmp_path,
            env=ENV,
            stdin=subprocess.DEVNULL,
            stdout=terminal,
            stderr=terminal,
        )
        os.close(terminal)
        output = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        assert process.wait(timeout=120) == 0
    finally:
        os.close(controller)
        site.stop()
    screen = output.decode()
    assert "pages" in screen
    assert "new 2" in screen
    assert "crawl completed: pages 3  new 2  updated 0" in screen


@pytest.mark.e2e
def test_a_crawl_without_a_terminal_prints_nothing(tmp_path: Path) -> None:
    site = SiteServer()
    try:
        result = citynews(
            "crawl", "--site-url", site.url, "--section", "meropriyatiya", cwd=tmp_path
        )
    finally:
        site.stop()
    assert result.returncode == 0
    assert result.stdout == ""
    assert result.stderr == ""


@pytest.mark.e2e
def test_scrapy_crawl_runs_the_same_spider_from_the_repo_root(tmp_path: Path) -> None:
    site = SiteServer()
    db_url = f"sqlite:///{tmp_path / 'scrapy.sqlite3'}"
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "scrapy",
                "crawl",
                "smoladmin",
                "-a",
                f"site_url={site.url}",
                "-a",
                "sections=dvizhenie-transporta",
                "-s",
                f"CITYNEWS_DB_URL={db_url}",
                "-s",
                "DOWNLOAD_DELAY=0",
                "-s",
                "AUTOTHROTTLE_ENABLED=0",
                "-s",
                "LOG_LEVEL=WARNING",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            env=ENV,
        )
    finally:
        site.stop()
    assert result.returncode == 0, result.stderr
    exported = run_main("export", "--format", "json", "--out", "-", "--db", db_url, cwd=tmp_path)
    records = json.loads(exported.stdout)
    assert len(records) == 3
    assert {r["section"] for r in records} == {"dvizhenie-transporta"}
